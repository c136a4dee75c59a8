using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// One parity check: its primitive family (the name of the kernels' files on every backend:
/// src/Kernels/Cpu/Reference, src/Kernels/Cpu/Fast, src/Kernels/Ilgpu, and here), its name, and its body.
public sealed record ParityCheck(string Family, string Name, Action<ParityContext> Body);

/// Backend-independent parity checks: every primitive of Backend run on a candidate backend and
/// on ReferenceBackend with the same inputs, one file per primitive family.
public static partial class ParityChecks
{
    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    /// Every check, family by family.
    public static IReadOnlyList<ParityCheck> All { get; } =
    [
        new("copy", "copy", Copy),
        new("copy", "fill", Fill),
        new("random", "random", Random),
        new("elementwise", "unary", Unary),
        new("elementwise", "binary", Binary),
        new("elementwise", "where", Where),
        new("reduce", "reduce_sum", c => Reduce(c, ReduceOp.Sum)),
        new("reduce", "reduce_max", c => Reduce(c, ReduceOp.Max)),
        new("reduce", "argmax", ArgMax),
        new("gemm", "gemm", Gemm),
        new("gemm", "linear_backward", LinearBackward),
        new("conv", "conv2d_forward", c => Conv(c, "forward")),
        new("conv", "conv2d_backward_input", c => Conv(c, "backward_input")),
        new("conv", "conv2d_backward_weight", c => Conv(c, "backward_weight")),
        new("conv", "conv2d_random_geometries", ConvRandomGeometries),
        new("conv", "conv2d_forward_max_pool", ConvMaxPool),
        new("conv", "conv2d_backward_weight_of_max_pool", ConvOfMaxPoolGradient),
        new("pool", "max_pool2d_forward", MaxPool),
        new("pool", "max_pool2d_backward", MaxPoolBackward),
        new("pool", "avg_pool2d_forward", c => AvgPool(c, backward: false)),
        new("pool", "avg_pool2d_backward", c => AvgPool(c, backward: true)),
        new("indexing", "gather", Gather),
        new("indexing", "scatter_add", ScatterAdd),
        new("optim", "sgd_step", Sgd),
        new("optim", "adam_step", Adam),
    ];

    /// The checks as test cases: Parity("family", "check").
    public static IEnumerable<TestCaseData> Cases => All.Select(c => new TestCaseData(c.Family, c.Name));

    /// Runs one check against <paramref name="candidate"/>; returns the context (its call counts).
    public static ParityContext Run(Backend candidate, string family, string name, FallbackRecorder? fallbacks = null)
    {
        var check = All.Single(c => c.Family == family && c.Name == name);
        var context = new ParityContext(candidate, fallbacks);
        check.Body(context);
        return context;
    }
}

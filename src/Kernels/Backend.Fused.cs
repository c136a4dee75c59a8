using System.Numerics;

namespace TinyGrad.Kernels;

/// <summary>
/// The fused primitives: one call for what two primitives would do, with a default that does just
/// that (so every backend has them) and an override where a backend can do better.
/// </summary>
public abstract partial class Backend
{
    /// <summary>
    /// Convolution forward, then max pooling of its output, in one call: the values and indices of
    /// <see cref="Conv2dForward"/> (with <paramref name="bias"/> and <paramref name="epilogue"/>) into a
    /// temporary followed by <see cref="MaxPool2dForward"/> with <paramref name="pool"/>, whose input
    /// must be exactly the convolution's output. The convolution's output itself is not kept: a
    /// backend may pool each image while it is still in cache, and never write it to memory.
    /// </summary>
    public void Conv2dForwardMaxPool(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer y, DeviceBuffer indices)
    {
        Check.ConvMaxPoolArgs(conv, pool, x, w, bias, epilogue, y, indices, "conv2d+max_pool2d forward");
        using var _ = Observe(nameof(Conv2dForwardMaxPool), Observer is null ? "" : $"C{conv.C}{EpilogueMath.Label(epilogue)}");
        if (x.DType == DType.Float32) RunConv2dForwardMaxPool<float>(conv, pool, x, w, bias, epilogue, y, indices);
        else RunConv2dForwardMaxPool<double>(conv, pool, x, w, bias, epilogue, y, indices);
    }

    /// <summary>
    /// A checked <see cref="Conv2dForwardMaxPool"/>: by default the convolution into a temporary
    /// buffer, then the pooling; a backend that pools while the output is in cache overrides this.
    /// </summary>
    protected virtual void RunConv2dForwardMaxPool<T>(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer y, DeviceBuffer indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var full = RunAllocate(x.DType, conv.Sizes.Y);
        RunConv2dForward<T>(conv, x, w, full, bias, epilogue);
        RunMaxPool2dForward<T>(pool, full, y, indices);
    }

    /// <summary>
    /// The convolution's weight gradient (<see cref="Conv2dBackwardWeight"/>) and its bias gradient,
    /// dy summed over N, H and W into <paramref name="dbias"/> (O elements), in one call: the bias
    /// gradient has the bits of <see cref="Reduce"/>'s sum of dy viewed as [N, O, OutH, OutW] into
    /// [1, O, 1, 1], and a backend may take it while dy is in cache for the weight gradient.
    /// </summary>
    public void Conv2dBackwardWeightAndBias(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer dbias)
    {
        Check.ConvArgs(geometry, x, dw, dy, "conv2d backward-weight");
        Check.Buffer(dbias, x.DType, geometry.O, "conv2d backward-weight bias gradient");
        using var _ = Observe(nameof(Conv2dBackwardWeightAndBias), Observer is null ? "" : $"C{geometry.C}");
        if (x.DType == DType.Float32) RunConv2dBackwardWeightAndBias<float>(geometry, x, dy, dw, dbias);
        else RunConv2dBackwardWeightAndBias<double>(geometry, x, dy, dw, dbias);
    }

    /// <summary>
    /// A checked <see cref="Conv2dBackwardWeightAndBias"/>: by default the weight gradient, then the
    /// sum; a backend that sums while it reads dy overrides this.
    /// </summary>
    protected virtual void RunConv2dBackwardWeightAndBias<T>(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RunConv2dBackwardWeight<T>(geometry, x, dy, dw);
        RunReduce<T>(ReduceOp.Sum, StridedView.Contiguous(dy, [geometry.N, geometry.O, geometry.OutH, geometry.OutW]), StridedView.Contiguous(dbias, [1, geometry.O, 1, 1]));
    }

    /// <summary>
    /// The weight gradient of a convolution whose output was max pooled (<paramref name="pool"/> of
    /// exactly its output, as <see cref="Conv2dForwardMaxPool"/> makes, whose
    /// <paramref name="indices"/> it takes), and its bias gradient when <paramref name="dbias"/> is
    /// given, from the gradient of the pooled output: the values of <see cref="MaxPool2dBackward"/>
    /// (with <paramref name="gate"/>) into a temporary, then <see cref="Conv2dBackwardWeightAndBias"/>
    /// (or <see cref="Conv2dBackwardWeight"/>), which the default gives bit for bit. The full-size
    /// gradient is not kept: a backend may make it image by image in cache, or sum only its nonzero
    /// terms (the windows' maxima), in an order of its own that depends on the shapes only.
    /// </summary>
    public void Conv2dBackwardWeightOfMaxPool(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer? gate, DeviceBuffer dw, DeviceBuffer? dbias)
    {
        Check.ConvOfMaxPoolGradientArgs(conv, pool, x, dy, indices, gate, dw, dbias, "conv2d backward-weight of max_pool2d");
        using var _ = Observe(nameof(Conv2dBackwardWeightOfMaxPool), Observer is null ? "" : $"C{conv.C}{(gate is null ? "" : " gated")}");
        if (x.DType == DType.Float32) RunConv2dBackwardWeightOfMaxPool<float>(conv, pool, x, dy, indices, gate, dw, dbias);
        else RunConv2dBackwardWeightOfMaxPool<double>(conv, pool, x, dy, indices, gate, dw, dbias);
    }

    /// <summary>
    /// A checked <see cref="Conv2dBackwardWeightOfMaxPool"/>: by default the pooling's backward into a
    /// temporary, then the weight (and bias) gradient; a backend that unpools each image in cache overrides this.
    /// </summary>
    protected virtual void RunConv2dBackwardWeightOfMaxPool<T>(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer? gate, DeviceBuffer dw, DeviceBuffer? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var full = RunAllocate(x.DType, conv.Sizes.Y);
        if (gate is null) RunMaxPool2dBackward<T>(pool, dy, indices, full);
        else RunMaxPool2dBackwardGated<T>(pool, dy, indices, full, gate);
        if (dbias is null) RunConv2dBackwardWeight<T>(conv, x, full, dw);
        else RunConv2dBackwardWeightAndBias<T>(conv, x, full, dw, dbias);
    }

    /// <summary>
    /// A linear layer's gradients in one call, from <paramref name="g"/>, the gradient of its output
    /// <c>y = x w^T</c> (+ a bias): <paramref name="dw"/> = g^T x, and when given,
    /// <paramref name="dx"/> = g w, masked by ReLU's rule on x when <paramref name="gateByInput"/> (x
    /// is a ReLU's output), and <paramref name="dbias"/>, g summed over the rows. All dense row-major:
    /// g [rows, outFeatures], x and dx [rows, inFeatures], w and dw [outFeatures, inFeatures]. dw and
    /// dx have the bits of the <see cref="Gemm"/> calls that make them (A = g transposed for dw; the
    /// <see cref="Epilogue.ReluGradient"/> epilogue for a gated dx); dbias the bits of
    /// <see cref="Reduce"/>'s sum of g as [1, rows, outFeatures] into [1, 1, outFeatures], unless a
    /// backend that reads g once for all three sums it in an order of its own (fixed by the shape).
    /// </summary>
    public void LinearBackward(int rows, int inFeatures, int outFeatures, DeviceBuffer g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer dw, DeviceBuffer? dx, bool gateByInput, DeviceBuffer? dbias)
    {
        const string what = "linear backward";
        if (rows <= 0 || inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{what}: rows {rows}, in {inFeatures} and out {outFeatures} features must be positive");
        Check.Float(g.DType, what);
        Check.Buffer(g, g.DType, rows * outFeatures, $"{what} output gradient");
        Check.Buffer(x, g.DType, rows * inFeatures, $"{what} input");
        Check.Buffer(w, g.DType, outFeatures * inFeatures, $"{what} weight");
        Check.Buffer(dw, g.DType, outFeatures * inFeatures, $"{what} weight gradient");
        if (dx is not null) Check.Buffer(dx, g.DType, rows * inFeatures, $"{what} input gradient");
        if (dbias is not null) Check.Buffer(dbias, g.DType, outFeatures, $"{what} bias gradient");
        if (gateByInput && dx is null) throw new ArgumentException($"{what}: gateByInput masks the input gradient, but none is asked for");
        DeviceBuffer?[] outputs = [dw, dx, dbias];
        for (int i = 0; i < outputs.Length; i++)
        {
            if (outputs[i] is not { } o) continue;
            if (ReferenceEquals(o, g) || ReferenceEquals(o, x) || ReferenceEquals(o, w))
                throw new ArgumentException($"{what}: an output shares its buffer with an input");
            for (int j = i + 1; j < outputs.Length; j++)
                if (ReferenceEquals(o, outputs[j])) throw new ArgumentException($"{what}: two outputs share one buffer");
        }
        using var _ = Observe(nameof(LinearBackward), Observer is null ? "" : $"{rows}x{inFeatures}x{outFeatures}{(gateByInput ? " gated" : "")}");
        if (g.DType == DType.Float32) RunLinearBackward<float>(rows, inFeatures, outFeatures, g, x, w, dw, dx, gateByInput, dbias);
        else RunLinearBackward<double>(rows, inFeatures, outFeatures, g, x, w, dw, dx, gateByInput, dbias);
    }

    /// <summary>
    /// A checked <see cref="LinearBackward"/>: by default the weight gradient's GEMM, the input
    /// gradient's, then the sum; a backend that makes all three in one pass over g overrides this.
    /// </summary>
    protected virtual void RunLinearBackward<T>(int rows, int inFeatures, int outFeatures, DeviceBuffer g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer dw, DeviceBuffer? dx, bool gateByInput, DeviceBuffer? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RunGemm<T>(LinearShapes.WeightGradient(rows, inFeatures, outFeatures), g, x, dw, null, Epilogue.None);
        if (dx is not null)
        {
            var args = LinearShapes.InputGradient(rows, inFeatures, outFeatures);
            if (gateByInput) RunGemmReluGradient<T>(args, g, w, dx, null, x);
            else RunGemm<T>(args, g, w, dx, null, Epilogue.None);
        }
        if (dbias is not null) RunReduce<T>(ReduceOp.Sum, StridedView.Contiguous(g, [1, rows, outFeatures]), StridedView.Contiguous(dbias, [1, 1, outFeatures]));
    }

    /// <summary>
    /// A checked max pooling backward with a gate (see <see cref="MaxPool2dBackward"/>): by default dy
    /// selected by the gate against a zero into a temporary, then the pooling's backward; a backend
    /// that selects while it scatters overrides this.
    /// </summary>
    protected virtual void RunMaxPool2dBackwardGated<T>(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer dx, DeviceBuffer gate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int length = geometry.N * geometry.C * geometry.OutH * geometry.OutW;
        if (length == 0)
        {
            RunMaxPool2dBackward<T>(geometry, dy, indices, dx);
            return;
        }
        using var gated = RunAllocate(dy.DType, length);
        RunGate<T>(dy, gate, gated, length);
        RunMaxPool2dBackward<T>(geometry, gated, indices, dx);
    }

    /// <summary>
    /// A GEMM with the <see cref="Epilogue.ReluGradient"/> epilogue (arguments checked, C dense and not
    /// empty): by default the product, then C selected in place by <paramref name="aux"/> against a
    /// zero; a backend that fuses the select into its product overrides this.
    /// </summary>
    protected virtual void RunGemmReluGradient<T>(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias, DeviceBuffer aux) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RunGemm<T>(args, a, b, c, bias, Epilogue.None);
        RunGate<T>(c, aux, c, args.Batch * args.M * args.N);
    }

    /// <summary>
    /// ReLU's gradient rule (<see cref="Epilogue.ReluGradient"/>) as a select: destination = values
    /// where gate is nonzero (NaN included), +0 where it is zero, over <paramref name="length"/>
    /// elements (destination may be values). The zero is a one-element buffer given back at once.
    /// </summary>
    private void RunGate<T>(DeviceBuffer values, DeviceBuffer gate, DeviceBuffer destination, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] shape = [length];
        using var zero = RunAllocate(values.DType, 1);
        RunFill(StridedView.Contiguous(zero, [1]), T.Zero);
        RunWhere<T, T>(StridedView.Contiguous(gate, shape), StridedView.Contiguous(values, shape), new StridedView(zero, shape, [0], 0), destination);
    }
}

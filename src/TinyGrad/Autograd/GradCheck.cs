using System.Diagnostics.CodeAnalysis;
using TinyGrad.Kernels;

namespace TinyGrad;

public static partial class Autograd
{
    // The single- and multi-output overloads differ in the function's type and take the same optional
    // tolerances, as torch.autograd.gradcheck's keywords; RS0026 guards binary compatibility of adding
    // optional parameters later, which the public API listing (scripts/public-api.sh) reviews anyway.
    private const string Overloads = "one check for functions of one output and of several, with torch's keyword arguments";

    /// <summary>
    /// Checks the gradients backward computes for <paramref name="function"/> at <paramref name="inputs"/>
    /// against central finite differences, like torch.autograd.gradcheck. The inputs whose
    /// <see cref="Tensor.RequiresGrad"/> is set are checked (they must be Float64); the others (labels,
    /// indices) are passed as they are. Each input element is perturbed in place by ±<paramref name="eps"/>,
    /// so a function that reads the inputs through a closure (a model's parameters) works too. An entry
    /// passes when |analytic - numeric| &lt;= <paramref name="atol"/> + <paramref name="rtol"/> |numeric|.
    /// The slow (default) mode compares every Jacobian entry and costs one backward per output element
    /// plus two evaluations per input element; <paramref name="fastMode"/> compares one random projection
    /// u^T J v per input (one backward, two evaluations per input) and, when that fails, every entry, so a
    /// failure always names the element. Call <see cref="GradCheckResult.ThrowIfFailed"/> to throw on failure.
    /// </summary>
    /// <param name="function">The function to check; it is called several times and must be deterministic.</param>
    /// <param name="inputs">Its arguments, passed to it as one array.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="rtol">Relative tolerance, of the numeric value.</param>
    /// <param name="fastMode">Compare random projections first (torch's fast_mode).</param>
    [SuppressMessage("ApiDesign", "RS0026", Justification = Overloads)]
    public static GradCheckResult GradCheck(Func<Tensor[], Tensor> function, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool fastMode = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        return GradCheck(x => [function(x)], inputs, eps, atol, rtol, fastMode);
    }

    /// <summary>
    /// <see cref="GradCheck(Func{Tensor[], Tensor}, Tensor[], double, double, double, bool)"/> for a function
    /// with several outputs: every floating-point output is checked against every input that requires grad.
    /// </summary>
    /// <param name="function">The function to check; it is called several times and must be deterministic.</param>
    /// <param name="inputs">Its arguments, passed to it as one array.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="rtol">Relative tolerance, of the numeric value.</param>
    /// <param name="fastMode">Compare random projections first (torch's fast_mode).</param>
    [SuppressMessage("ApiDesign", "RS0026", Justification = Overloads)]
    public static GradCheckResult GradCheck(Func<Tensor[], Tensor[]> function, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool fastMode = false) =>
        new GradChecker("gradcheck", function, inputs, InputName, eps, atol, rtol).Run(fastMode);

    /// <summary>
    /// Checks second derivatives, like torch.autograd.gradgradcheck: runs
    /// <see cref="GradCheck(Func{Tensor[], Tensor[]}, Tensor[], double, double, double, bool)"/> on the function
    /// (inputs, v) -> the gradients of the outputs weighted by v (<see cref="Grad"/> with <c>createGraph: true</c>),
    /// whose Jacobian is made of Hessian-vector products. The output gradients v are
    /// <paramref name="gradOutputs"/> (checked too when they require grad), or fixed random Float64 tensors
    /// that require grad, so the rules' derivatives with respect to their incoming gradient are checked as well.
    /// The slow (default) mode compares every entry of that Jacobian: one double backward per gradient
    /// element plus two gradient evaluations per input element. <paramref name="fastMode"/> compares its
    /// product with one random direction w of the inputs and output gradients, entry by entry, against
    /// (gradient(x + eps w) - gradient(x - eps w)) / (2 eps): a Hessian-vector product, which backward
    /// gives exactly because second derivatives are symmetric. It costs two gradient evaluations and three
    /// backward passes, and a failure names the gradient entry that differs.
    /// </summary>
    /// <param name="function">The function to check; it is called several times and must be deterministic.</param>
    /// <param name="inputs">Its arguments, passed to it as one array.</param>
    /// <param name="gradOutputs">One weight per output, or null for random ones.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="rtol">Relative tolerance, of the numeric value.</param>
    /// <param name="fastMode">Compare a Hessian-vector product entry by entry instead of every second derivative.</param>
    [SuppressMessage("ApiDesign", "RS0026", Justification = Overloads)]
    public static GradCheckResult GradGradCheck(Func<Tensor[], Tensor> function, Tensor[] inputs, Tensor[]? gradOutputs = null, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool fastMode = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        return GradGradCheck(x => [function(x)], inputs, gradOutputs, eps, atol, rtol, fastMode);
    }

    /// <summary>
    /// <see cref="GradGradCheck(Func{Tensor[], Tensor}, Tensor[], Tensor[], double, double, double, bool)"/> for a
    /// function with several outputs (one output gradient each).
    /// </summary>
    /// <param name="function">The function to check; it is called several times and must be deterministic.</param>
    /// <param name="inputs">Its arguments, passed to it as one array.</param>
    /// <param name="gradOutputs">One weight per output, or null for random ones.</param>
    /// <param name="eps">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance.</param>
    /// <param name="rtol">Relative tolerance, of the numeric value.</param>
    /// <param name="fastMode">Compare a Hessian-vector product entry by entry instead of every second derivative.</param>
    [SuppressMessage("ApiDesign", "RS0026", Justification = Overloads)]
    public static GradCheckResult GradGradCheck(Func<Tensor[], Tensor[]> function, Tensor[] inputs, Tensor[]? gradOutputs = null, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool fastMode = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        int n = inputs.Length;
        var wrt = new List<int>();
        for (int i = 0; i < n; i++)
            if (inputs[i]?.RequiresGrad == true) wrt.Add(i);
        if (wrt.Count == 0) throw new ArgumentException("gradgradcheck: no input requires grad; set RequiresGrad on the inputs to check", nameof(inputs));

        Tensor[] outputs;
        using (EnableGrad()) outputs = function(inputs) ?? [];
        if (gradOutputs is not null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"gradgradcheck: {gradOutputs.Length} output gradients for {outputs.Length} outputs", nameof(gradOutputs));
        var generator = new Generator(0x67726164);
        var v = new Tensor[outputs.Length];
        for (int o = 0; o < outputs.Length; o++)
        {
            if (gradOutputs is not null) v[o] = gradOutputs[o] ?? throw new ArgumentException($"gradgradcheck: output gradient {o} is null", nameof(gradOutputs));
            else
            {
                v[o] = Tensor.Randn(outputs[o].ShapeArray, generator, DType.Float64, outputs[o].Device);
                v[o].RequiresGrad = outputs[o].DType.IsFloat();
            }
        }

        // First-order gradients of the outputs that depend on the inputs, weighted by v, kept on the tape.
        Tensor[] FirstOrder(Tensor[] all)
        {
            var x = all[..n];
            var ys = function(x);
            var used = new List<Tensor>();
            var weights = new List<Tensor?>();
            for (int o = 0; o < ys.Length; o++)
            {
                if (!ys[o].DType.IsFloat() || !ys[o].RequiresGrad) continue;
                used.Add(ys[o]);
                weights.Add(all[n + o].DType == ys[o].DType ? all[n + o] : all[n + o].To(ys[o].DType));
            }
            var wrtTensors = wrt.Select(i => x[i]).ToArray();
            return used.Count == 0
                ? Array.ConvertAll(wrtTensors, Tensor.ZerosLike)
                : Grad(used, wrtTensors, weights, createGraph: true, allowUnused: true);
        }

        var checker = new GradChecker("gradgradcheck", FirstOrder, [.. inputs, .. v], i => i < n ? InputName(i) : $"grad_output {i - n}", eps, atol, rtol);
        return fastMode ? checker.HessianVector(n) : checker.Run(fastMode: false);
    }

    private static string InputName(int i) => $"input {i}";
}

using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>
/// The engine behind <see cref="Autograd.GradCheck(Func{Tensor[], Tensor[]}, Tensor[], double, double, double, bool)"/>:
/// analytic Jacobians from backward (one pass per output element, or one random projection in fast
/// mode) against central differences, perturbing each input element in place (as PyTorch does, so a
/// function that closes over the inputs, e.g. a model's parameters, sees the perturbation).
/// </summary>
internal sealed class GradChecker
{
    private readonly string check;
    private readonly Func<Tensor[], Tensor[]> function;
    private readonly Tensor[] inputs;
    private readonly Func<int, string> name;
    private readonly double eps, atol, rtol;
    private readonly int[] wrt;

    public GradChecker(string check, Func<Tensor[], Tensor[]> function, Tensor[] inputs, Func<int, string> name, double eps, double atol, double rtol)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!(eps > 0) || double.IsInfinity(eps)) throw new ArgumentOutOfRangeException(nameof(eps), eps, $"{check}: eps must be positive and finite");
        if (!(atol >= 0)) throw new ArgumentOutOfRangeException(nameof(atol), atol, $"{check}: atol must be non-negative");
        if (!(rtol >= 0)) throw new ArgumentOutOfRangeException(nameof(rtol), rtol, $"{check}: rtol must be non-negative");
        this.check = check;
        this.function = function;
        this.inputs = inputs;
        this.name = name;
        this.eps = eps;
        this.atol = atol;
        this.rtol = rtol;
        var chosen = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i] ?? throw new ArgumentException($"{check}: {name(i)} is null", nameof(inputs));
            if (!x.RequiresGrad) continue;
            if (x.DType != DType.Float64)
                throw new ArgumentException($"{check}: {name(i)} requires grad but is {x.DType}: finite differences need Float64 inputs (convert with To(DType.Float64))", nameof(inputs));
            if (SharesElements(x))
                throw new ArgumentException($"{check}: {name(i)} (shape {Shapes.Format(x.Shape)}) is a view whose elements share memory (e.g. from Expand); pass a contiguous copy", nameof(inputs));
            chosen.Add(i);
        }
        if (chosen.Count == 0) throw new ArgumentException($"{check}: no input requires grad; set RequiresGrad on the inputs to check", nameof(inputs));
        wrt = [.. chosen];
    }

    public GradCheckResult Run(bool fastMode)
    {
        using var _ = Autograd.EnableGrad();
        if (fastMode)
        {
            var projected = Projected();
            if (projected.Passed) return projected;
        }
        return Entrywise();
    }

    /// <summary>Every Jacobian entry: rows from one backward per output element, columns from two evaluations per input element.</summary>
    private GradCheckResult Entrywise()
    {
        var outputs = Outputs(function(inputs));
        var checkedOutputs = FloatOutputs(outputs);
        var wrtTensors = Array.ConvertAll(wrt, i => inputs[i]);
        // analytic[o][k]: d output o / d input wrt[k], row-major [output element, input element].
        var analytic = new double[outputs.Length][][];
        var numeric = new double[outputs.Length][][];
        foreach (int o in checkedOutputs)
        {
            analytic[o] = new double[wrt.Length][];
            numeric[o] = new double[wrt.Length][];
            for (int k = 0; k < wrt.Length; k++)
            {
                analytic[o][k] = new double[(long)outputs[o].Numel * wrtTensors[k].Numel];
                numeric[o][k] = new double[analytic[o][k].Length];
            }
            var y = outputs[o];
            if (!y.RequiresGrad) continue; // independent of every input: the analytic Jacobian is zero
            var seed = new double[y.Numel];
            for (int e = 0; e < seed.Length; e++)
            {
                seed[e] = 1;
                var gradOutput = Tensor.FromArray(seed, y.ShapeArray, y.Device).To(y.DType);
                seed[e] = 0;
                var grads = Autograd.Grad([y], wrtTensors, [gradOutput], retainGraph: true, allowUnused: true);
                for (int k = 0; k < wrt.Length; k++)
                    grads[k].ToDoubleArray().CopyTo(analytic[o][k], (long)e * wrtTensors[k].Numel);
            }
        }

        for (int k = 0; k < wrt.Length; k++)
        {
            var x = wrtTensors[k];
            int n = x.Numel;
            var values = x.ToArray<double>();
            for (int j = 0; j < n; j++)
            {
                var element = Element(x, j);
                double[][] plus, minus;
                try
                {
                    Set(element, values[j] + eps);
                    plus = Evaluate(outputs, checkedOutputs);
                    Set(element, values[j] - eps);
                    minus = Evaluate(outputs, checkedOutputs);
                }
                finally
                {
                    Set(element, values[j]);
                }
                foreach (int o in checkedOutputs)
                    for (int e = 0; e < plus[o].Length; e++)
                        numeric[o][k][(long)e * n + j] = (plus[o][e] - minus[o][e]) / (2 * eps);
            }
        }

        var worst = new Worst();
        int entries = 0;
        foreach (int o in checkedOutputs)
            for (int k = 0; k < wrt.Length; k++)
            {
                int n = wrtTensors[k].Numel;
                for (long at = 0; at < analytic[o][k].Length; at++)
                {
                    entries++;
                    worst.Offer(analytic[o][k][at], numeric[o][k][at], atol, rtol, (o, k, (int)(at / n), (int)(at % n)));
                }
            }
        if (entries == 0) throw new ArgumentException($"{check}: the function has no floating-point output to check");
        var (wo, wk, we, wj) = worst.Where;
        int[] index = Unravel(wj, wrtTensors[wk].ShapeArray), outputIndex = Unravel(we, outputs[wo].ShapeArray);
        string subject = $"d output {wo}{GradCheckResult.Format(outputIndex)} / d {name(wrt[wk])}{GradCheckResult.Format(index)}";
        return new GradCheckResult
        {
            Check = check, Passed = worst.Ratio <= 1, Analytic = worst.Analytic, Numeric = worst.Numeric, Eps = eps, Atol = atol, Rtol = rtol,
            Subject = subject, Unit = "entries", EntriesChecked = entries,
            Input = wrt[wk], InputName = name(wrt[wk]), Index = index, Output = wo, OutputIndex = outputIndex,
        };
    }

    /// <summary>
    /// Fast mode (torch's fast_mode): per input k, u^T J_k v_k from one backward with random output
    /// weights u, against u^T (f(x + eps v_k) - f(x - eps v_k)) / (2 eps) with a random direction v_k.
    /// </summary>
    private GradCheckResult Projected()
    {
        var outputs = Outputs(function(inputs));
        var checkedOutputs = FloatOutputs(outputs);
        if (checkedOutputs.Length == 0) throw new ArgumentException($"{check}: the function has no floating-point output to check");
        var generator = new Generator(0x67726164); // fixed: the same projections on every run
        var u = new double[outputs.Length][];
        double uNorm1 = 0;
        var differentiable = new List<Tensor>();
        var weights = new List<Tensor?>();
        foreach (int o in checkedOutputs)
        {
            var w = Tensor.Randn(outputs[o].ShapeArray, generator, DType.Float64, outputs[o].Device);
            u[o] = w.ToArray<double>();
            foreach (double x in u[o]) uNorm1 += Math.Abs(x);
            if (!outputs[o].RequiresGrad) continue;
            differentiable.Add(outputs[o]);
            weights.Add(w.To(outputs[o].DType));
        }
        var wrtTensors = Array.ConvertAll(wrt, i => inputs[i]);
        var grads = differentiable.Count == 0
            ? Array.ConvertAll(wrtTensors, Tensor.ZerosLike)
            : Autograd.Grad(differentiable, wrtTensors, weights, retainGraph: true, allowUnused: true);

        var worst = new Worst();
        for (int k = 0; k < wrt.Length; k++)
        {
            var x = wrtTensors[k];
            var v = Tensor.Randn(x.ShapeArray, generator, DType.Float64, x.Device).ToArray<double>();
            var g = grads[k].ToDoubleArray();
            double analytic = 0, vNorm1 = 0;
            for (int j = 0; j < v.Length; j++)
            {
                analytic += g[j] * v[j];
                vNorm1 += Math.Abs(v[j]);
            }
            var values = x.ToArray<double>();
            double[][] plus, minus;
            try
            {
                Move(x, values, v, eps);
                plus = Evaluate(outputs, checkedOutputs);
                Move(x, values, v, -eps);
                minus = Evaluate(outputs, checkedOutputs);
            }
            finally
            {
                Move(x, values, v, 0);
            }
            double numeric = 0;
            foreach (int o in checkedOutputs)
                for (int e = 0; e < u[o].Length; e++) numeric += u[o][e] * (plus[o][e] - minus[o][e]) / (2 * eps);
            // Entrywise tolerances summed over the projection bound its absolute part by atol |u|_1 |v|_1.
            worst.Offer(analytic, numeric, atol * uNorm1 * vNorm1, rtol, (-1, k, 0, 0));
        }
        int kw = worst.Where.K;
        return new GradCheckResult
        {
            Check = check, Passed = worst.Ratio <= 1, Analytic = worst.Analytic, Numeric = worst.Numeric, Eps = eps, Atol = atol, Rtol = rtol,
            Subject = $"projection u^T J v of d outputs / d {name(wrt[kw])}", Unit = "projections", EntriesChecked = wrt.Length, Projected = true,
            Input = wrt[kw], InputName = name(wrt[kw]), Output = -1,
        };
    }

    /// <summary>
    /// gradgradcheck's fast mode, for a function g(x, v) = J_f(x)^T v (the checked inputs are f's
    /// <paramref name="functionInputs"/> inputs, then one weight v per output of f, and g's outputs are the
    /// gradients of the x that require grad, in order). Along one random direction w = (w_x, w_v), the
    /// derivative of g is (sum_o v_o Hess f_o) w_x + J_f^T w_v: the first term from one backward of
    /// &lt;g, w_x&gt; (second derivatives are symmetric), the second is g(x, w_v) (g is linear in v). Compared
    /// entry by entry with (g(x + eps w) - g(x - eps w)) / (2 eps), as a Hessian-vector product is.
    /// </summary>
    public GradCheckResult HessianVector(int functionInputs)
    {
        using var _ = Autograd.EnableGrad();
        var xs = Array.FindAll(wrt, i => i < functionInputs);
        var generator = new Generator(0x68767020);
        var directions = new double[wrt.Length][];
        for (int k = 0; k < wrt.Length; k++)
            directions[k] = Tensor.Randn(inputs[wrt[k]].ShapeArray, generator, DType.Float64, inputs[wrt[k]].Device).ToArray<double>();

        // J_f^T w_v: g with the weights replaced by their directions (zero where a weight is not checked).
        var alongV = (Tensor[])inputs.Clone();
        for (int i = functionInputs; i < inputs.Length; i++)
        {
            int k = Array.IndexOf(wrt, i);
            alongV[i] = k < 0 ? Tensor.ZerosLike(inputs[i]) : Tensor.FromArray(directions[k], inputs[i].ShapeArray, inputs[i].Device);
        }
        var vTerm = Outputs(function(alongV));
        // (sum_o v_o Hess f_o) w_x: one backward of <g, w_x>.
        var gradients = Outputs(function(inputs));
        if (gradients.Length != xs.Length) throw new InvalidOperationException($"{check}: {gradients.Length} gradients for {xs.Length} inputs");
        Tensor? dot = null;
        for (int k = 0; k < xs.Length; k++)
        {
            var w = Tensor.FromArray(directions[k], gradients[k].ShapeArray, gradients[k].Device);
            var term = (gradients[k] * w).Sum();
            dot = dot is null ? term : dot + term;
        }
        var xTensors = Array.ConvertAll(xs, i => inputs[i]);
        var xTerm = dot is { RequiresGrad: true } ? Autograd.Grad([dot], xTensors, allowUnused: true) : Array.ConvertAll(xTensors, Tensor.ZerosLike);

        var values = Array.ConvertAll(wrt, i => inputs[i].ToArray<double>());
        var all = Enumerable.Range(0, gradients.Length).ToArray();
        double[][] plus, minus;
        try
        {
            for (int k = 0; k < wrt.Length; k++) Move(inputs[wrt[k]], values[k], directions[k], eps);
            plus = Evaluate(gradients, all);
            for (int k = 0; k < wrt.Length; k++) Move(inputs[wrt[k]], values[k], directions[k], -eps);
            minus = Evaluate(gradients, all);
        }
        finally
        {
            for (int k = 0; k < wrt.Length; k++) Move(inputs[wrt[k]], values[k], directions[k], 0);
        }

        var worst = new Worst();
        int entries = 0;
        for (int k = 0; k < xs.Length; k++)
        {
            double[] a = xTerm[k].ToDoubleArray(), b = vTerm[k].Detach().ToDoubleArray();
            for (int j = 0; j < a.Length; j++)
            {
                entries++;
                worst.Offer(a[j] + b[j], (plus[k][j] - minus[k][j]) / (2 * eps), atol, rtol, (k, 0, j, j));
            }
        }
        var (wo, _, we, _) = worst.Where;
        int[] index = Unravel(we, gradients[wo].ShapeArray);
        string subject = $"the gradient of {name(xs[wo])}{GradCheckResult.Format(index)} differentiated along a random direction of the inputs and output gradients (a Hessian-vector product)";
        return new GradCheckResult
        {
            Check = check, Passed = worst.Ratio <= 1, Analytic = worst.Analytic, Numeric = worst.Numeric, Eps = eps, Atol = atol, Rtol = rtol,
            Subject = subject, Unit = "Hessian-vector product entries", EntriesChecked = entries, Projected = true,
            Input = xs[wo], InputName = name(xs[wo]), Index = index, Output = wo, OutputIndex = index,
        };
    }

    private Tensor[] Outputs(Tensor[]? outputs)
    {
        if (outputs is null || outputs.Length == 0) throw new ArgumentException($"{check}: the function returned no outputs");
        for (int o = 0; o < outputs.Length; o++)
            if (outputs[o] is null) throw new ArgumentException($"{check}: output {o} of the function is null");
        return outputs;
    }

    private static int[] FloatOutputs(Tensor[] outputs)
    {
        var result = new List<int>();
        for (int o = 0; o < outputs.Length; o++)
            if (outputs[o].DType.IsFloat()) result.Add(o);
        return [.. result];
    }

    /// <summary>The function's floating-point outputs at the current (perturbed) inputs, as doubles.</summary>
    private double[][] Evaluate(Tensor[] reference, int[] checkedOutputs)
    {
        var outputs = Outputs(function(inputs));
        if (outputs.Length != reference.Length)
            throw new InvalidOperationException($"{check}: the function returned {outputs.Length} outputs at a perturbed input, {reference.Length} at the input");
        var values = new double[outputs.Length][];
        foreach (int o in checkedOutputs)
        {
            if (!outputs[o].Shape.SequenceEqual(reference[o].Shape))
                throw new InvalidOperationException($"{check}: output {o} has shape {Shapes.Format(outputs[o].Shape)} at a perturbed input, {Shapes.Format(reference[o].Shape)} at the input");
            values[o] = outputs[o].Detach().ToDoubleArray();
        }
        return values;
    }

    /// <summary>A zero-dimensional view of element <paramref name="linear"/> (row-major) of <paramref name="x"/>.</summary>
    private static Tensor Element(Tensor x, int linear) => new(x.Buffer, x.Device, [], [], x.View.IndexOf(linear));

    private static void Set(Tensor element, double value) => element.Backend.Fill(element.View, value);

    /// <summary>Writes values + step * direction into <paramref name="x"/> in place.</summary>
    private static void Move(Tensor x, double[] values, double[] direction, double step)
    {
        var moved = new double[values.Length];
        for (int j = 0; j < moved.Length; j++) moved[j] = values[j] + step * direction[j];
        var source = Tensor.FromArray(moved, x.ShapeArray, x.Device);
        x.Backend.Copy(source.View, x.View);
    }

    /// <summary>True when two elements of the view are the same memory (a broadcast dimension, or overlapping strides).</summary>
    private static bool SharesElements(Tensor x)
    {
        if (x.IsContiguous) return false;
        var seen = new HashSet<int>();
        var view = x.View;
        for (int j = 0; j < x.Numel; j++)
            if (!seen.Add(view.IndexOf(j))) return true;
        return false;
    }

    private static int[] Unravel(int linear, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = linear % shape[d];
            linear /= shape[d];
        }
        return index;
    }

    /// <summary>The entry with the largest |a - n| / (atol + rtol |n|) so far (NaN counts as infinitely bad).</summary>
    private sealed class Worst
    {
        public double Ratio { get; private set; } = -1;

        public double Analytic { get; private set; }

        public double Numeric { get; private set; }

        public (int O, int K, int E, int J) Where { get; private set; }

        public void Offer(double analytic, double numeric, double atol, double rtol, (int, int, int, int) where)
        {
            double ratio = analytic == numeric ? 0 : Math.Abs(analytic - numeric) / (atol + rtol * Math.Abs(numeric));
            if (double.IsNaN(ratio)) ratio = double.PositiveInfinity;
            if (ratio <= Ratio) return;
            Ratio = ratio;
            Analytic = analytic;
            Numeric = numeric;
            Where = where;
        }
    }
}

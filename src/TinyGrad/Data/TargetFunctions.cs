namespace TinyGrad.Data;

/// <summary>A 1-D target function of the homework's "simulate a function" experiments.</summary>
/// <param name="Name">Short name (used in file names and reports).</param>
/// <param name="Formula">The formula, for reports.</param>
/// <param name="Evaluate">The function.</param>
/// <param name="Low">Start of the default sampling interval.</param>
/// <param name="High">End of the default sampling interval.</param>
public sealed record TargetFunction(string Name, string Formula, Func<double, double> Evaluate, double Low, double High);

/// <summary>
/// The homework's 1-D regression targets, with sampling on an interval into a synthetic regression
/// <see cref="Dataset"/> (inputs [N, 1], targets [N, 1]).
/// </summary>
public static class TargetFunctions
{
    /// <summary>sin(x) + cos(x^2) on [0, 5].</summary>
    public static TargetFunction SinPlusCosSquare { get; } = new("sin_cos_sq", "sin(x) + cos(x^2)", x => Math.Sin(x) + Math.Cos(x * x), 0, 5);

    /// <summary>Weierstrass partial sum: sum_{n=0..10} 0.5^n cos(2^n pi x) on [-1, 1] (continuous, nearly nowhere smooth).</summary>
    public static TargetFunction Weierstrass { get; } = new("weierstrass", "sum_{n=0..10} 0.5^n cos(2^n pi x)", x =>
    {
        double s = 0, a = 1, b = Math.PI;
        for (int n = 0; n <= 10; n++, a *= 0.5, b *= 2) s += a * Math.Cos(b * x);
        return s;
    }, -1, 1);

    /// <summary>Square wave sign(sin(5 pi x)) on [0, 1] (sign(0) taken as +1).</summary>
    public static TargetFunction SquareWave { get; } = new("square_wave", "sign(sin(5 pi x))", x => Math.Sin(5 * Math.PI * x) >= 0 ? 1 : -1, 0, 1);

    /// <summary>Sawtooth of period 1/4 plus a sine: 2(4x - floor(4x + 1/2)) + sin(2 pi x) on [0, 1].</summary>
    public static TargetFunction SawtoothPlusSine { get; } = new("sawtooth_sine", "2(4x - floor(4x + 1/2)) + sin(2 pi x)",
        x => 2 * (4 * x - Math.Floor(4 * x + 0.5)) + Math.Sin(2 * Math.PI * x), 0, 1);

    /// <summary>A sum of sines: sin(2 pi x) + 0.5 sin(6 pi x) + 0.25 sin(10 pi x) on [0, 1].</summary>
    public static TargetFunction SumOfSines { get; } = new("sum_of_sines", "sin(2 pi x) + 0.5 sin(6 pi x) + 0.25 sin(10 pi x)",
        x => Math.Sin(2 * Math.PI * x) + 0.5 * Math.Sin(6 * Math.PI * x) + 0.25 * Math.Sin(10 * Math.PI * x), 0, 1);

    /// <summary>Half a sine wave: sin(pi x) on [0, 1].</summary>
    public static TargetFunction HalfSine { get; } = new("half_sine", "sin(pi x)", x => Math.Sin(Math.PI * x), 0, 1);

    /// <summary>Every target, in the order above.</summary>
    public static IReadOnlyList<TargetFunction> All { get; } = [SinPlusCosSquare, Weierstrass, SquareWave, SawtoothPlusSine, SumOfSines, HalfSine];

    /// <summary>Looks a target up by <see cref="TargetFunction.Name"/>.</summary>
    public static TargetFunction ByName(string name) =>
        All.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"unknown target function '{name}'; expected one of {string.Join(", ", All.Select(f => f.Name))}");

    /// <summary>
    /// Samples <paramref name="count"/> points of <paramref name="f"/> on [low, high] (default: its interval):
    /// evenly spaced including both ends when <paramref name="seed"/> is null, else uniformly at random
    /// (seeded, sorted by x). The dataset is marked synthetic.
    /// </summary>
    public static Dataset Sample(TargetFunction f, int count, ulong? seed = null, double? low = null, double? high = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        double lo = low ?? f.Low, hi = high ?? f.High;
        var xs = new double[count];
        if (seed is null)
        {
            for (int i = 0; i < count; i++) xs[i] = count == 1 ? lo : lo + (hi - lo) * i / (count - 1);
        }
        else
        {
            var g = new Generator(seed.Value);
            for (int i = 0; i < count; i++) xs[i] = lo + (hi - lo) * g.NextDouble();
            Array.Sort(xs);
        }
        var x = new float[count];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = (float)xs[i];
            y[i] = (float)f.Evaluate(xs[i]);
        }
        return Dataset.Regression($"synthetic 1-D {f.Name}: {f.Formula} on [{lo}, {hi}]", x, 1, y, 1, synthetic: true);
    }
}

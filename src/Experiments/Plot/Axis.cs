namespace TinyGrad.Experiments.Plot;

/// <summary>Linear or logarithmic axis scale.</summary>
public enum Scale
{
    /// <summary>Linear.</summary>
    Linear,
    /// <summary>Base-10 logarithmic; non-positive values are left out.</summary>
    Log,
}

/// <summary>An axis: label, scale and optional fixed range.</summary>
public sealed class Axis
{
    /// <summary>Creates an axis.</summary>
    public Axis(string label, Scale scale = Scale.Linear, double? min = null, double? max = null)
    {
        Label = label;
        Scale = scale;
        Min = min;
        Max = max;
    }

    /// <summary>The label under or beside the axis.</summary>
    public string Label { get; }

    /// <summary>The scale.</summary>
    public Scale Scale { get; }

    /// <summary>A fixed lower bound, or null to fit the data.</summary>
    public double? Min { get; }

    /// <summary>A fixed upper bound, or null to fit the data.</summary>
    public double? Max { get; }

    /// <summary>Whether a value can be drawn on this axis.</summary>
    public bool Accepts(double v) => double.IsFinite(v) && (Scale == Scale.Linear || v > 0);
}

/// <summary>An axis resolved against data: range, ticks and the map from value to pixel.</summary>
public sealed class ResolvedAxis
{
    private readonly double lo, hi, p0, p1;

    /// <summary>
    /// Resolves <paramref name="axis"/> for the given data values onto pixels [<paramref name="pixel0"/>, <paramref name="pixel1"/>];
    /// <paramref name="tight"/> uses the data range as is instead of rounding it out to ticks.
    /// </summary>
    public ResolvedAxis(Axis axis, IEnumerable<double> values, double pixel0, double pixel1, bool tight = false)
    {
        Axis = axis;
        var v = values.Where(axis.Accepts).ToList();
        double min = axis.Min ?? (v.Count > 0 ? v.Min() : axis.Scale == Scale.Log ? 0.1 : 0);
        double max = axis.Max ?? (v.Count > 0 ? v.Max() : axis.Scale == Scale.Log ? 10 : 1);
        if (axis.Scale == Scale.Log)
        {
            var (t, a, b) = Ticks.Log(min, max);
            TickValues = t;
            (lo, hi) = (Math.Log10(axis.Min ?? (tight ? min : a)), Math.Log10(axis.Max ?? (tight ? max : b)));
        }
        else
        {
            var (t, a, b) = Ticks.Linear(min, max);
            lo = axis.Min ?? (tight ? min : a);
            hi = axis.Max ?? (tight ? max : b);
            TickValues = t.Where(x => x >= lo - 1e-12 * Math.Abs(hi - lo) && x <= hi + 1e-12 * Math.Abs(hi - lo)).ToArray();
        }
        if (hi <= lo) hi = lo + 1;
        (p0, p1) = (pixel0, pixel1);
    }

    /// <summary>The axis definition.</summary>
    public Axis Axis { get; }

    /// <summary>The tick values (data units).</summary>
    public double[] TickValues { get; }

    /// <summary>The data range [Min, Max] in data units.</summary>
    public (double Min, double Max) Range => Axis.Scale == Scale.Log ? (Math.Pow(10, lo), Math.Pow(10, hi)) : (lo, hi);

    /// <summary>The pixel coordinate of a value.</summary>
    public double Map(double v)
    {
        double t = Axis.Scale == Scale.Log ? Math.Log10(v) : v;
        return p0 + (t - lo) / (hi - lo) * (p1 - p0);
    }

    /// <summary>Whether a value lies within the drawn range (with a small tolerance).</summary>
    public bool Contains(double v)
    {
        if (!Axis.Accepts(v)) return false;
        double t = Axis.Scale == Scale.Log ? Math.Log10(v) : v;
        double eps = (hi - lo) * 1e-6;
        return t >= lo - eps && t <= hi + eps;
    }
}

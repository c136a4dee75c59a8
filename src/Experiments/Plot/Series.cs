namespace TinyGrad.Experiments.Plot;

/// <summary>One named data series of a line chart (or an overlay path on a scatter or heatmap).</summary>
public sealed class Series
{
    /// <summary>Creates a series from x and y values of equal length.</summary>
    public Series(string name, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"series '{name}': {x.Count} x values but {y.Count} y values");
        Name = name;
        X = [.. x];
        Y = [.. y];
    }

    /// <summary>The legend name (empty: not in the legend).</summary>
    public string Name { get; }

    /// <summary>The x values.</summary>
    public double[] X { get; }

    /// <summary>The y values.</summary>
    public double[] Y { get; }

    /// <summary>The colour (#rrggbb), or null for the palette colour of its index.</summary>
    public string? Color { get; init; }

    /// <summary>Draws the line dashed.</summary>
    public bool Dashed { get; init; }

    /// <summary>Draws a marker at every point.</summary>
    public bool Markers { get; init; }

    /// <summary>Draws the connecting line (false: markers only).</summary>
    public bool Line { get; init; } = true;

    /// <summary>Line width in pixels.</summary>
    public double Width { get; init; } = 1.6;
}

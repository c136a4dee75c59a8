using OxyPlot;

namespace TinyGrad.Experiments.Figures;

/// <summary>Colours: the matplotlib "tab10" set for series, viridis for values.</summary>
public static class Palette
{
    private static readonly OxyColor[] Tab10 =
    [
        OxyColor.Parse("#1f77b4"), OxyColor.Parse("#ff7f0e"), OxyColor.Parse("#2ca02c"), OxyColor.Parse("#d62728"), OxyColor.Parse("#9467bd"),
        OxyColor.Parse("#8c564b"), OxyColor.Parse("#e377c2"), OxyColor.Parse("#7f7f7f"), OxyColor.Parse("#bcbd22"), OxyColor.Parse("#17becf"),
    ];

    /// <summary>The colour of series <paramref name="i"/> (cycling through ten).</summary>
    public static OxyColor Series(int i) => Tab10[((i % Tab10.Length) + Tab10.Length) % Tab10.Length];

    /// <summary>Black, for ground truth.</summary>
    public static OxyColor Black { get; } = OxyColor.FromRgb(0, 0, 0);

    /// <summary>Red, for optimizer paths drawn over a colour map.</summary>
    public static OxyColor Path { get; } = OxyColor.Parse("#ff3030");

    /// <summary>Viridis in 256 steps, for colour axes.</summary>
    public static OxyPalette Viridis { get; } = OxyPalettes.Viridis(256);
}

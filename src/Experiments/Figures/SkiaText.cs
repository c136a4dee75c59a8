using OxyPlot;
using OxyPlot.SkiaSharp;

namespace TinyGrad.Experiments.Figures;

/// <summary>
/// Whether SkiaSharp's native library loads here (it needs libfontconfig and a font; the build ships it for linux-x64
/// only), and the text measurer SVG export uses: Skia's when it loads, OxyPlot's own otherwise (which clips titles
/// and misplaces legend text, but still gives a figure).
/// </summary>
public static class SkiaText
{
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>True when SkiaSharp works (PNG export and exact text measuring).</summary>
    public static bool Available => Problem.Value is null;

    /// <summary>Why SkiaSharp does not work, or null when it does.</summary>
    public static string? Unavailable => Problem.Value;

    /// <summary>A text-measuring render context for SVG export.</summary>
    public static IRenderContext Measurer() => Available ? new SkiaRenderContext() : new PdfRenderContext(100, 100, OxyColors.White);

    private static string? Probe()
    {
        try
        {
            using var rc = new SkiaRenderContext();
            return rc.MeasureText("x", PanelStyle.Font, 12).Width > 0 ? null : "SkiaSharp measured no text";
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"SkiaSharp does not load ({e.GetBaseException().Message})";
        }
    }
}

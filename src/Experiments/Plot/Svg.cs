using System.Globalization;
using System.Text;

namespace TinyGrad.Experiments.Plot;

/// <summary>A minimal SVG text builder: numbers in invariant culture, text XML-escaped.</summary>
public sealed class Svg
{
    private readonly StringBuilder sb = new();

    /// <summary>Formats a coordinate with two decimals, invariant culture.</summary>
    public static string F(double v) => (double.IsFinite(v) ? v : 0).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for XML content and attribute values.</summary>
    public static string Escape(string s) =>
        s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
         .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    /// <summary>Appends raw markup.</summary>
    public Svg Raw(string markup)
    {
        sb.Append(markup).Append('\n');
        return this;
    }

    /// <summary>A line segment.</summary>
    public Svg Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null) =>
        Raw($"<line x1=\"{F(x1)}\" y1=\"{F(y1)}\" x2=\"{F(x2)}\" y2=\"{F(y2)}\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>");

    /// <summary>A rectangle.</summary>
    public Svg Rect(double x, double y, double w, double h, string fill, string? stroke = null, double strokeWidth = 1) =>
        Raw($"<rect x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(Math.Max(0, w))}\" height=\"{F(Math.Max(0, h))}\" fill=\"{fill}\"{(stroke is null ? "" : $" stroke=\"{stroke}\" stroke-width=\"{F(strokeWidth)}\"")}/>");

    /// <summary>A circle.</summary>
    public Svg Circle(double cx, double cy, double r, string fill, string? stroke = null) =>
        Raw($"<circle cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"{F(r)}\" fill=\"{fill}\"{(stroke is null ? "" : $" stroke=\"{stroke}\" stroke-width=\"0.6\"")}/>");

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end; <paramref name="rotate"/> in degrees about the anchor point.</summary>
    public Svg Text(double x, double y, string text, double size = 12, string anchor = "start", double rotate = 0, string fill = "#222", bool bold = false) =>
        Raw($"<text x=\"{F(x)}\" y=\"{F(y)}\" font-size=\"{F(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(bold ? " font-weight=\"bold\"" : "")}{(rotate != 0 ? $" transform=\"rotate({F(rotate)} {F(x)} {F(y)})\"" : "")}>{Escape(text)}</text>");

    /// <summary>An open polyline through the points.</summary>
    public Svg Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.6, string? dash = null)
    {
        string pts = string.Join(" ", points.Select(p => $"{F(p.X)},{F(p.Y)}"));
        return Raw($"<polyline points=\"{pts}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{F(width)}\" stroke-linejoin=\"round\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>");
    }

    /// <summary>Wraps the content into a standalone SVG document of the given size.</summary>
    public string Document(double width, double height) =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" viewBox=\"0 0 {F(width)} {F(height)}\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n" +
        $"<rect x=\"0\" y=\"0\" width=\"{F(width)}\" height=\"{F(height)}\" fill=\"white\"/>\n{sb}</svg>\n";
}

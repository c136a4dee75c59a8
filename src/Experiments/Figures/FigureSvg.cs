using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OxyPlot;

namespace TinyGrad.Experiments.Figures;

/// <summary>Renders a <see cref="Figure"/> to one SVG document with OxyPlot's SVG render context.</summary>
public static class FigureSvg
{
    /// <summary>
    /// The SVG text of <paramref name="figure"/>: the svg element alone, without byte order mark or XML declaration (so it
    /// can be inlined in HTML as is), with a viewBox (so it scales down with the page) and a font fallback list after the
    /// DejaVu Sans the text was measured in.
    /// </summary>
    public static string ToSvg(this Figure figure)
    {
        using var stream = new MemoryStream();
        var measurer = SkiaText.Measurer();
        try
        {
            using var rc = new SvgRenderContext(stream, figure.Width, figure.Height, isDocument: false, measurer, OxyColors.White,
                useVerticalTextAlignmentWorkaround: true);
            figure.Render(rc);
            rc.Complete();
            rc.Flush();
        }
        finally
        {
            (measurer as IDisposable)?.Dispose();
        }
        return FixUp(Encoding.UTF8.GetString(stream.ToArray()), figure.Width, figure.Height);
    }

    // OxyPlot writes a declaration even for a fragment, width and height but no viewBox, one font name per text element,
    // and clip paths numbered from 1 in every document: the same ids in every figure of a page, where the first figure's
    // clip paths would clip all the others. They get a prefix made from the figure's content.
    private static string FixUp(string svg, double width, double height)
    {
        int root = svg.IndexOf("<svg ", StringComparison.Ordinal);
        if (root < 0) throw new InvalidOperationException("OxyPlot wrote no <svg> element");
        svg = svg[(root + 5)..];
        string prefix = "f" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(svg)))[..10] + "-";
        string box = string.Create(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {width:0.##} {height:0.##}\" ");
        return (box + svg)
            .Replace("id=\"clipPath", $"id=\"{prefix}clipPath", StringComparison.Ordinal)
            .Replace("url(#clipPath", $"url(#{prefix}clipPath", StringComparison.Ordinal)
            .Replace($"font-family=\"{PanelStyle.Font}\"", $"font-family=\"{PanelStyle.Font}, Verdana, sans-serif\"", StringComparison.Ordinal);
    }
}

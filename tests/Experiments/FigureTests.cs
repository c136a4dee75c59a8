using System.Globalization;
using System.Xml.Linq;
using NUnit.Framework;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SkiaSharp;
using TinyGrad.Experiments.Figures;

namespace TinyGrad.Tests.Experiments;

/// <summary>The OxyPlot figure layer: composition, SVG text, PNG pixels, colour mapping, legend placement.</summary>
public sealed class FigureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static PlotModel LossPanel() => Panels.Lines("losses <&>", PlotAxes.Linear("step"), PlotAxes.Log("loss"), [
        Curves.Line("train", [1, 2, 3], [1, 0.1, 0.01], Palette.Series(0)),
        Curves.Line("test", [1, 2, 3], [1, 0.5, double.NaN], Palette.Series(1), dashed: true, markers: true)]);

    // A ramp that rises along x (z[i, j] = j) or along y (z[i, j] = i).
    private static double[,] Ramp(int rows, int cols, bool alongX)
    {
        var z = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) z[i, j] = 1 + (alongX ? j : i);
        return z;
    }

    private static SKColor Pixel(SKBitmap png, double x, double y) => png.GetPixel((int)(x * FigurePng.Scale), (int)(y * FigurePng.Scale));

    private static void AssertNear(SKColor c, OxyColor expected, string what) =>
        Assert.That(Math.Abs(c.Red - expected.R) + Math.Abs(c.Green - expected.G) + Math.Abs(c.Blue - expected.B), Is.LessThan(40), $"{what}: {c} vs {expected}");

    [Test]
    public void SvgHasTheTitlesAxesLegendAndTickLabelsAndScales()
    {
        var figure = new Figure("test figure", [LossPanel(), LossPanel(), LossPanel()], 2);
        var doc = XDocument.Parse(figure.ToSvg());
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.That(texts, Does.Contain("test figure"), "shared title");
        Assert.That(texts.Count(t => t == "losses <&>"), Is.EqualTo(3), "panel titles are escaped and survive parsing");
        Assert.That(texts, Does.Contain("train").And.Contain("test"), "legend");
        Assert.That(texts, Does.Contain("step").And.Contain("loss (log)"), "axis titles");
        Assert.That(texts, Does.Contain("0.01").And.Contain("0.1").And.Contain("1"), "log tick labels");
        // Two columns, two rows: 920 × (30 + 640); a viewBox so the page can scale it down.
        Assert.That(doc.Root!.Attribute("viewBox")!.Value, Is.EqualTo("0 0 920 670"));
        Assert.That(doc.Root.Attribute("width")!.Value, Is.EqualTo("920"));
        Assert.That(doc.Descendants(Svg + "text").First().Attribute("font-family")!.Value, Does.StartWith("DejaVu Sans,"));
    }

    [Test]
    public void ClipPathIdsDifferBetweenFiguresSoAPageCanHoldMany()
    {
        // Every reference points into its own document, and two figures share no id.
        static List<string> Ids(XDocument d) => [.. d.Descendants().Select(e => e.Attribute("id")?.Value).OfType<string>()];
        var a = XDocument.Parse(new Figure("a", [LossPanel()]).ToSvg());
        var b = XDocument.Parse(new Figure("b", [LossPanel(), LossPanel()]).ToSvg());
        Assert.That(Ids(a), Is.Not.Empty);
        Assert.That(Ids(a).Intersect(Ids(b)), Is.Empty);
        foreach (var d in new[] { a, b })
        {
            var refs = d.Descendants().Select(e => e.Attribute("clip-path")?.Value).OfType<string>().Select(v => v[5..^1]).ToList();
            Assert.That(refs, Is.Not.Empty.And.SubsetOf(Ids(d)));
        }
    }

    [Test]
    public void PanelsSitInTheirGridCells()
    {
        var figure = new Figure("grid", [LossPanel(), LossPanel(), LossPanel()], 2) { PanelWidth = 300, PanelHeight = 200 };
        figure.ToSvg();
        var areas = figure.Panels.Select(p => p.PlotArea).ToList();
        Assert.That(areas[0].Left, Is.InRange(0, 300));
        Assert.That(areas[1].Left, Is.InRange(300, 600), "second panel right of the first");
        Assert.That(areas[2].Top, Is.GreaterThan(Figure.TitleHeight + 200), "third panel on the second row");
        Assert.That(areas.All(a => a.Width > 150 && a.Height > 100), "each plot area fills most of its cell");
    }

    [Test]
    public void HeatmapIsOneSeamlessBitmapWithContoursAndAColourBar()
    {
        double[] xs = [-1, 0, 1, 2, 3, 4], ys = [0, 1, 2];
        var heat = ColorPanels.Heatmap("heat", PlotAxes.Linear("x"), PlotAxes.Linear("y"), xs, ys, Ramp(3, 6, alongX: true), PlotAxes.LogColor("z"));
        var doc = XDocument.Parse(new Figure("surface", [heat]).ToSvg());
        Assert.That(doc.Descendants(Svg + "image").Count(), Is.EqualTo(1), "one image, no rectangle per cell (whose edges show as seams)");
        // Contour lines (white) at the 1-2-5 levels inside [1, 6]: z = 2 where x = 0, z = 5 where x = 3; vertical, as z rises along x.
        var contours = doc.Descendants(Svg + "polyline").Where(p => p.Attribute("style")!.Value.Contains("stroke:rgb(255,255,255)", StringComparison.Ordinal))
            .Select(p => p.Attribute("points")!.Value.Split(' ').Select(pt => double.Parse(pt.Split(',')[0], CultureInfo.InvariantCulture)).ToList()).ToList();
        // (OxyPlot may draw a contour in more than one piece.)
        var positions = contours.Select(c => Math.Round(c.Average())).Distinct().Order().ToList();
        Assert.That(positions, Is.EqualTo(new[] { heat.Axes[0].Transform(0), heat.Axes[0].Transform(3) }).Within(1.0));
        Assert.That(contours.Select(c => c.Max() - c.Min()), Has.All.LessThan(0.5), "vertical lines");
        Assert.That(doc.Descendants(Svg + "text").Select(t => t.Value), Does.Contain("z (log)"), "colour bar title");
        // The axes span the cells exactly: half a cell beyond the first and last centres.
        var (x, y) = (heat.Axes[0], heat.Axes[1]);
        Assert.That((x.ActualMinimum, x.ActualMaximum, y.ActualMinimum, y.ActualMaximum), Is.EqualTo((-1.5, 4.5, -0.5, 2.5)));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void HeatmapColoursRunFromViridisLowToHighAlongTheRamp(bool alongX)
    {
        var heat = ColorPanels.Heatmap("ramp", PlotAxes.Linear("x"), PlotAxes.Linear("y"), [0, 1, 2, 3, 4], [0, 1, 2, 3, 4], Ramp(5, 5, alongX), PlotAxes.LinearColor("z"));
        var figure = new Figure("ramp", [heat], 1);
        using var png = SKBitmap.Decode(figure.ToPng());
        var area = heat.PlotArea;
        var (low, high) = alongX
            ? ((area.Left + 3, area.Center.Y), (area.Right - 3, area.Center.Y))
            : ((area.Center.X, area.Bottom - 3), (area.Center.X, area.Top + 3));
        AssertNear(Pixel(png, low.Item1, low.Item2), Palette.Viridis.Colors[0], "lowest value");
        AssertNear(Pixel(png, high.Item1, high.Item2), Palette.Viridis.Colors[^1], "highest value");
    }

    [Test]
    public void ScatterPointsTakeTheColourOfTheirValue()
    {
        var scatter = ColorPanels.Scatter("pts", PlotAxes.Linear("a"), PlotAxes.Linear("b"), [0, 1, 2], [2, 1, 0], [0.1, 1, 10], PlotAxes.LogColor("value"),
            labels: ["low", null, "high"]);
        var figure = new Figure("scatter", [scatter], 1);
        using var png = SKBitmap.Decode(figure.ToPng());
        var (xa, ya) = (scatter.DefaultXAxis, scatter.DefaultYAxis);
        AssertNear(Pixel(png, xa.Transform(0), ya.Transform(2)), Palette.Viridis.Colors[0], "value 0.1 (lowest)");
        AssertNear(Pixel(png, xa.Transform(2), ya.Transform(0)), Palette.Viridis.Colors[^1], "value 10 (highest)");
        AssertNear(Pixel(png, xa.Transform(1), ya.Transform(1)), Palette.Viridis.Colors[128], "value 1 (middle of the log range)");
        var texts = XDocument.Parse(figure.ToSvg()).Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.That(texts, Does.Contain("low").And.Contain("high"), "point labels");
        Assert.That(texts, Does.Contain("value (log)"), "colour bar title");
    }

    [Test]
    public void LegendGoesToTheCornerWithFewestPoints()
    {
        LegendPosition Placed(double[] x, double[] y)
        {
            var panel = Panels.Lines("p", PlotAxes.Linear("x"), PlotAxes.Linear("y"), [Curves.Line("series", x, y, Palette.Series(0))]);
            new Figure("f", [panel]).ToSvg();
            return panel.Legends[0].LegendPosition;
        }
        Assert.That(Placed([0, 1], [0, 1]), Is.EqualTo(LegendPosition.LeftTop), "rising diagonal: top left is free");
        Assert.That(Placed([0, 1], [1, 0]), Is.EqualTo(LegendPosition.RightTop), "falling diagonal: top right is free");
        Assert.That(Placed([0, 1, 1], [1, 1, 0]), Is.EqualTo(LegendPosition.LeftBottom), "along the top, then down the right edge");
    }

    [Test]
    public void BrokenPanelFailsInsteadOfDrawingOxyPlotsErrorText()
    {
        var panel = PanelStyle.NewPanel("no colour axis");
        panel.Axes.Add(PlotAxes.Linear("x"));
        panel.Series.Add(new HeatMapSeries { X0 = 0, X1 = 1, Y0 = 0, Y1 = 1, Data = new double[2, 2] });
        var e = Assert.Throws<InvalidOperationException>(() => new Figure("broken", [panel]).ToSvg());
        Assert.That(e!.Message, Does.Contain("no colour axis").And.Contain("Color axis not specified"));
    }

    [Test]
    public void PngIsTwiceTheFigureSize()
    {
        var figure = new Figure("size", [LossPanel()], 1) { PanelWidth = 333, PanelHeight = 222 };
        using var png = SKBitmap.Decode(figure.ToPng());
        Assert.That((png.Width, png.Height), Is.EqualTo((666, (int)((222 + Figure.TitleHeight) * 2))));
    }

    [Test]
    public void TickLabelsAreShort()
    {
        Assert.That(TickLabel.Format(0.5), Is.EqualTo("0.5"));
        Assert.That(TickLabel.Format(1e-5), Is.EqualTo("1e-5"));
        Assert.That(TickLabel.Format(250000), Is.EqualTo("2.5e5"));
        Assert.That(TickLabel.Format(0.30000000000000004), Is.EqualTo("0.3"));
        Assert.That(TickLabel.Format(-1e-17), Is.EqualTo("0"), "rounding noise at zero");
        Assert.That(TickLabel.Format(1234.5), Is.EqualTo(1234.5.ToString(CultureInfo.InvariantCulture)));
    }
}

using System.Xml.Linq;
using NUnit.Framework;
using TinyGrad.Experiments.Plot;

namespace TinyGrad.Tests.Experiments;

public sealed class PlotTests
{
    [Test]
    public void LinearTicksAreNiceAndCoverTheRange()
    {
        var (t, lo, hi) = Ticks.Linear(0, 1);
        Assert.That(t, Is.EqualTo(new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }).Within(1e-12));
        Assert.That((lo, hi), Is.EqualTo((0.0, 1.0)));
        (t, lo, hi) = Ticks.Linear(0.13, 9.7);
        Assert.That(lo, Is.LessThanOrEqualTo(0.13));
        Assert.That(hi, Is.GreaterThanOrEqualTo(9.7));
        Assert.That(t.Length, Is.InRange(4, 8));
        double step = t[1] - t[0];
        Assert.That(new[] { 1, 2, 2.5, 5 }.Any(m => Math.Abs(step / Math.Pow(10, Math.Floor(Math.Log10(step))) - m) < 1e-9), $"step {step}");
        (t, _, _) = Ticks.Linear(-3.2, -3.2);
        Assert.That(t.Length, Is.GreaterThan(1), "a flat series still gets a range");
    }

    [Test]
    public void NiceStepRoundsUpToOneTwoFive()
    {
        Assert.That(Ticks.NiceStep(0.13), Is.EqualTo(0.2).Within(1e-12));
        Assert.That(Ticks.NiceStep(3), Is.EqualTo(5).Within(1e-12));
        Assert.That(Ticks.NiceStep(7), Is.EqualTo(10).Within(1e-12));
        Assert.That(Ticks.NiceStep(2.2), Is.EqualTo(2.5).Within(1e-12));
    }

    [Test]
    public void LogTicksArePowersOfTenSpanningTheData()
    {
        var (t, lo, hi) = Ticks.Log(0.003, 200);
        Assert.That(lo, Is.EqualTo(1e-3).Within(1e-15));
        Assert.That(hi, Is.EqualTo(1e3).Within(1e-9));
        Assert.That(t, Does.Contain(1.0));
        Assert.That(t.All(v => Math.Abs(Math.Log10(v) - Math.Round(Math.Log10(v))) < 1e-9), "only decades over six decades");
        (t, _, _) = Ticks.Log(0.2, 3);
        Assert.That(t.Any(v => Math.Abs(v - 0.5) < 1e-12) && t.Any(v => Math.Abs(v - 2) < 1e-12), "short log axes get 2x and 5x ticks");
    }

    [Test]
    public void LogAxisMapsDecadesEvenly()
    {
        var axis = new ResolvedAxis(new Axis("x", Scale.Log), [1.0, 100.0], 0, 200);
        Assert.That(axis.Map(1), Is.EqualTo(0).Within(1e-9));
        Assert.That(axis.Map(10), Is.EqualTo(100).Within(1e-9));
        Assert.That(axis.Map(100), Is.EqualTo(200).Within(1e-9));
        Assert.That(axis.Contains(-1), Is.False, "non-positive values cannot be drawn on a log axis");
    }

    [Test]
    public void TickLabelsAreShort()
    {
        Assert.That(Ticks.Format(0.5), Is.EqualTo("0.5"));
        Assert.That(Ticks.Format(1e-5), Is.EqualTo("1e-5"));
        Assert.That(Ticks.Format(250000), Is.EqualTo("2.5e5"));
        Assert.That(Ticks.Num(0.00123456), Is.EqualTo("0.00123"));
    }

    [Test]
    public void FigureIsWellFormedSvgWithAxesLegendAndColourBar()
    {
        var line = new LinePanel("losses <&>", new Axis("step"), new Axis("loss", Scale.Log), [
            new Series("train", [1, 2, 3], [1, 0.1, 0.01]), new Series("test", [1, 2, 3], [1, 0.5, double.NaN]) { Dashed = true }]);
        var scatter = new ScatterPanel("scatter", new Axis("a"), new Axis("b"), [0, 1, 2], [2, 1, 0], [0.1, 1, 10], "value", Scale.Log) { Labels = ["p0", null, "p2"] };
        var heat = new HeatmapPanel("heat", new Axis("x"), new Axis("y"), [0, 1], [0, 1, 2], new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }, "z");
        string svg = new Figure("test figure", [line, scatter, heat]).ToSvg();
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = doc.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.That(texts, Does.Contain("losses <&>"), "titles are escaped and survive parsing");
        Assert.That(texts, Does.Contain("train").And.Contain("test"), "legend");
        Assert.That(texts, Does.Contain("step").And.Contain("loss (log)"), "axis labels");
        Assert.That(texts, Does.Contain("value (log)").And.Contain("z"), "colour bar labels");
        Assert.That(texts, Does.Contain("0.01"), "log tick labels");
        Assert.That(doc.Descendants(ns + "polyline").Count(), Is.GreaterThanOrEqualTo(2));
        Assert.That(doc.Descendants(ns + "circle").Count(), Is.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void ViridisRunsFromPurpleToYellow()
    {
        Assert.That(ColorMap.Viridis(0), Is.EqualTo("#440154"));
        Assert.That(ColorMap.Viridis(1), Is.EqualTo("#fde725"));
        Assert.That(ColorMap.Viridis(double.NaN), Is.EqualTo("#440154"));
    }
}

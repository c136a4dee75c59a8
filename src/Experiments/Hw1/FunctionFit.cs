using TinyGrad.Data;
using TinyGrad.IO;
using TinyGrad.Kernels;
using OxyPlot;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-1: fit 1-D target functions with shallow, medium and deep MLPs of equal parameter count.</summary>
public sealed class FunctionFit : IExperiment
{
    /// <inheritdoc/>
    public string Name => "function-fit";

    /// <inheritdoc/>
    public string Title => "1-1 Simulate a function";

    /// <inheritdoc/>
    public string Description => "shallow / medium / deep MLPs with equal parameter counts fit sin(x)+cos(x²), square wave, Weierstrass";

    private static TargetFunction[] Functions(Preset p) => p.Pick<TargetFunction[]>(
        [TargetFunctions.SinPlusCosSquare],
        [TargetFunctions.SinPlusCosSquare, TargetFunctions.SquareWave, TargetFunctions.Weierstrass],
        [TargetFunctions.SinPlusCosSquare, TargetFunctions.SquareWave, TargetFunctions.Weierstrass]);

    private static (string Name, int Layers)[] Shapes(Preset p) => [("shallow", 1), ("medium", 4), ("deep", p.Pick(6, 7, 8))];

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [.. Functions(preset).SelectMany(f => Shapes(preset).Select(s => new ExperimentUnit($"{f.Name}-{s.Name}")))];

    private static (int Params, int Steps, int Points) Sizes(ExperimentScope ctx) => (ctx.Pick(200, 1000, 1500), ctx.Pick(150, 6000, 20000), ctx.Pick(128, 256, 1000));

    private const double Lr = 1e-2;

    // Inputs scaled to [-1, 1] so every function trains at the same learning rate.
    private static (Tensor X, Tensor Scaled, Tensor Y) Data(TargetFunction f, int points)
    {
        var (x, y) = TargetFunctions.Sample(f, points).ToTensors();
        return (x, (x - (f.Low + f.High) / 2) * (2 / (f.High - f.Low)), y);
    }

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var shapes = Shapes(ctx.Preset);
        var f = Functions(ctx.Preset)[ctx.Index / shapes.Length];
        var (name, layers) = shapes[ctx.Index % shapes.Length];
        var (targetParams, steps, points) = Sizes(ctx);
        ctx.UsesData("synthetic: target functions (sampled on a grid)");
        int logEvery = Math.Max(1, steps / 200);
        var (_, xs, y) = Data(f, points);
        var model = Models.Mlp(1, Models.WidthsFor(1, 1, layers, targetParams), 1, ctx.Rng("init"), he: true);
        if (ctx.Index < shapes.Length) ctx.Model(name, model);
        var opt = new Adam(model.Parameters(), Lr);
        string key = $"{f.Name}/{name}";
        using var progress = ctx.Progress(key, steps);
        double loss = double.NaN;
        for (int s = 1; s <= steps; s++)
        {
            if (s == steps * 3 / 4) opt.LearningRate = Lr / 10;
            opt.ZeroGrad();
            var l = Functional.MseLoss(model.Forward(xs), y);
            l.Backward();
            opt.Step();
            loss = l.Item();
            if (s % logEvery == 0 || s == 1) ctx.Metrics.Add(key, s, "loss", loss);
            progress.Report(s, $"loss {loss:0.####e0}");
        }
        using (Autograd.NoGrad())
        {
            var prediction = model.Forward(xs);
            ctx.Metrics.Add(key, steps, "final_loss", Functional.MseLoss(prediction, y).Item());
            ctx.SaveArray("prediction", HostArray.FromTensor(prediction.Reshape([-1]).To(DType.Float64)));
        }
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var functions = Functions(ctx.Preset);
        var shapes = Shapes(ctx.Preset);
        var (targetParams, steps, points) = Sizes(ctx);
        ctx.Setting("target functions", string.Join(", ", functions.Select(f => f.Formula)));
        ctx.Setting("training points", points);
        ctx.Setting("optimizer", $"Adam lr {Lr} (×0.1 for the last quarter), full batch, MSE");
        ctx.Setting("steps (epochs)", steps);
        ctx.Setting("target parameter count", targetParams);
        ctx.Setting("initialisation", "He (Kaiming normal, fan-in) weights, default biases");
        for (int fi = 0; fi < functions.Length; fi++)
        {
            var f = functions[fi];
            double lo = f.Low, hi = f.High;
            var (x, _, y) = Data(f, points);
            var preds = new List<(string, double[])>();
            var finals = new List<(string Name, double Loss)>();
            for (int si = 0; si < shapes.Length; si++)
            {
                var unit = units[fi * shapes.Length + si];
                string name = shapes[si].Name;
                preds.Add((name, unit.Array("prediction").As<double>()));
                finals.Add((name, unit.Metrics.Last($"{f.Name}/{name}", "final_loss")));
            }
            var xv = x.ToDoubleArray();
            var yv = y.ToDoubleArray();
            var lossPanel = Common.Curves(ctx.Metrics, "training loss", [.. shapes.Select(s => $"{f.Name}/{s.Name}")], "loss",
                PlotAxes.Linear("step"), PlotAxes.Log("MSE"), names: [.. shapes.Select(s => s.Name)]);
            // Ground truth and predictions on x >= from (the zoom keeps only its points, so its y axis fits them).
            PlotModel FitPanel(string title, double from)
            {
                var idx = Enumerable.Range(0, xv.Length).Where(i => xv[i] >= from).ToArray();
                double[] Part(double[] v) => [.. idx.Select(i => v[i])];
                return Panels.Lines(title, PlotAxes.Linear("x"), PlotAxes.Linear("y"),
                    preds.Select((p, i) => Curves.Line(p.Item1, Part(xv), Part(p.Item2), Palette.Series(i), dashed: true))
                        .Prepend(Curves.Line("ground truth", Part(xv), Part(yv), Palette.Black, width: 2.4)));
            }
            var fit = FitPanel("prediction vs ground truth", lo);
            // Zoom into the last fifth of the interval, where the functions oscillate fastest.
            double z0 = lo + 0.8 * (hi - lo);
            var zoom = FitPanel($"zoom: x in [{Common.N(z0)}, {Common.N(hi)}]", z0);
            ctx.SaveFigure($"fit-{f.Name}", new Figure($"{f.Formula}: shallow vs deep ({ctx.Section.Models.Select(m => m[2]).FirstOrDefault()} parameters each)", [lossPanel, fit, zoom], 3) { PanelWidth = 420 });
            var best = finals.MinBy(p => p.Loss);
            double shallow = finals[0].Loss, deepest = finals[^1].Loss;
            ctx.Observe($"{f.Formula}: final MSE " + string.Join(", ", finals.Select(p => $"{p.Name} {Common.N(p.Loss)}")) +
                        $"; lowest: {best.Name}; deep vs shallow: " +
                        (deepest < shallow ? $"deep {Common.N(shallow / deepest)}× lower" : $"deep {Common.N(deepest / shallow)}× higher (the deeper model did not win here)"));
        }
    }
}

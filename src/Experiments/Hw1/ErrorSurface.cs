using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.IO;
using TinyGrad.Experiments.Figures;
using TinyGrad.Experiments.Runner;
using TinyGrad.Optim;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-2 bonus: the loss surface around a trained model (filter-normalised plane) and a t-SNE view of sampled points with the optimizer path.</summary>
public sealed class ErrorSurface : IExperiment
{
    /// <inheritdoc/>
    public string Name => "error-surface";

    /// <inheritdoc/>
    public string Title => "1-2 Bonus: visualize the error surface";

    /// <inheritdoc/>
    public string Description => "filter-normalised 2-D loss surface around a trained function-fit model, and t-SNE of sampled points with the optimizer path";

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => [new("surface")];

    private const double Span = 1.0;

    private static (int Steps, int Grid, int SamplesPerPoint, int PathPoints) Settings(ExperimentScope ctx) =>
        (ctx.Pick(200, 2000, 5000), ctx.Pick(9, 31, 41), ctx.Pick(2, 4, 8), ctx.Pick(10, 25, 40));

    private static double[] Axis(int grid) => [.. Enumerable.Range(0, grid).Select(i => -Span + 2 * Span * i / (grid - 1))];

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (steps, grid, samplesPerPoint, pathPoints) = Settings(ctx);
        var (x, y) = TargetFunctions.Sample(TargetFunctions.SinPlusCosSquare, 128).ToTensors();
        ctx.UsesData("synthetic: target function sin(x)+cos(x²)");
        var xs = (x - 2.5) * 0.4;
        var model = Models.Mlp(1, [16, 16], 1, ctx.Rng("init"));
        ctx.Model("model", model);
        var ps = model.Parameters().ToList();
        double Loss()
        {
            using (Autograd.NoGrad()) return Functional.MseLoss(model.Forward(xs), y).Item();
        }
        var opt = new Adam(ps, 1e-2);
        var path = new List<Tensor>();
        var pathLoss = new List<double>();
        int every = Math.Max(1, steps / (pathPoints - 1));
        for (int s = 0; s <= steps; s++)
        {
            if (s % every == 0 || s == steps)
            {
                path.Add(ParameterVector.Flatten(ps));
                pathLoss.Add(Loss());
                ctx.Metrics.Add("path", s, "loss", pathLoss[^1]);
            }
            if (s == steps) break;
            opt.ZeroGrad();
            Functional.MseLoss(model.Forward(xs), y).Backward();
            opt.Step();
        }
        var theta = ParameterVector.Flatten(ps);
        var d1 = LossSurface.FilterNormalizedDirection(ps, ctx.Rng("d1"));
        var d2 = LossSurface.FilterNormalizedDirection(ps, ctx.Rng("d2"));
        var axis = Axis(grid);
        var plane = LossSurface.Plane(ps, d1, d2, axis, axis, () => (Loss(), 0));
        ParameterVector.Assign(ps, theta);
        var z = new double[grid * grid];
        foreach (var p in plane)
        {
            int j = (int)Math.Round((p.Alpha + Span) / (2 * Span) * (grid - 1)), i = (int)Math.Round((p.Beta + Span) / (2 * Span) * (grid - 1));
            z[i * grid + j] = p.Loss;
            ctx.Metrics.Add("plane", p.Alpha, $"loss@beta={p.Beta:0.###}", p.Loss);
        }
        ctx.SaveArray("surface", HostArray.Create(z, grid, grid));
        // The path projected onto the two directions (least squares in their span, as they are not exactly orthogonal).
        double a11 = ParameterVector.Dot(d1, d1), a12 = ParameterVector.Dot(d1, d2), a22 = ParameterVector.Dot(d2, d2), det = a11 * a22 - a12 * a12;
        var pa = new List<double>();
        var pb = new List<double>();
        foreach (var t in path)
        {
            var diff = t - theta;
            double b1 = ParameterVector.Dot(diff, d1), b2 = ParameterVector.Dot(diff, d2);
            pa.Add((a22 * b1 - a12 * b2) / det);
            pb.Add((a11 * b2 - a12 * b1) / det);
        }
        ctx.SaveArray("path_alpha", HostArray.Create(pa.ToArray(), pa.Count));
        ctx.SaveArray("path_beta", HostArray.Create(pb.ToArray(), pb.Count));

        // Sampled points around the path, embedded with t-SNE.
        var rows = new List<double[]>();
        var values = new List<double>();
        var rng = ctx.Rng("samples");
        int n = ParameterVector.Count(ps);
        for (int k = 0; k < path.Count; k++)
        {
            rows.Add(path[k].ToDoubleArray());
            values.Add(pathLoss[k]);
            for (int s = 0; s < samplesPerPoint; s++)
            {
                var noise = Tensor.Randn([n], rng) * 0.05;
                var p = path[k] + noise * path[k].Abs().Mean().Item();
                ParameterVector.Assign(ps, p);
                rows.Add(p.ToDoubleArray());
                values.Add(Loss());
            }
        }
        ParameterVector.Assign(ps, theta);
        var (emb, kl) = Tsne.Embed(rows, ctx.Rng("tsne"), perplexity: Math.Min(10, rows.Count / 4.0), iterations: ctx.Pick(250, 600, 1000));
        ctx.SaveArray("tsne", HostArray.Create([.. emb.SelectMany(e => e.Take(2))], emb.Length, 2));
        ctx.SaveArray("tsne_loss", HostArray.Create(values.ToArray(), values.Count));
        ctx.Metrics.Add("tsne", rows.Count, "kl", kl);
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (steps, grid, samplesPerPoint, pathPoints) = Settings(ctx);
        var u = units[0];
        ctx.Setting("training", $"sin(x)+cos(x²), 128 points, Adam lr 1e-2, {steps} full-batch steps");
        ctx.Setting("surface", $"{grid}×{grid} grid over α, β in [-{Span}, {Span}] along two filter-normalised random directions");
        ctx.Setting("t-SNE", $"{pathPoints} path points + {samplesPerPoint} random perturbations each, perplexity 10");
        var axis = Axis(grid);
        var flat = u.Array("surface").As<double>();
        var z = new double[grid, grid];
        for (int i = 0; i < grid; i++) for (int j = 0; j < grid; j++) z[i, j] = flat[i * grid + j];
        var pathLoss = u.Metrics.Get("path", "loss").Y;
        var heat = ColorPanels.Heatmap("loss around the trained model", PlotAxes.Linear("α (direction 1)"), PlotAxes.Linear("β (direction 2)"), axis, axis, z,
            PlotAxes.LogColor("MSE"), [Curves.Line("optimizer path (projected)", u.Array("path_alpha").As<double>(), u.Array("path_beta").As<double>(), Palette.Path, markers: true, width: 1.4)]);
        int mid = grid / 2;
        var line = Panels.Lines("slices through the minimum", PlotAxes.Linear("α or β"), PlotAxes.Log("MSE"), [
            Curves.Line("along direction 1", axis, Enumerable.Range(0, grid).Select(j => z[mid, j]).ToArray(), Palette.Series(0)),
            Curves.Line("along direction 2", axis, Enumerable.Range(0, grid).Select(i => z[i, mid]).ToArray(), Palette.Series(1))]);
        ctx.SaveFigure("surface", new Figure("Loss surface (filter-normalised directions)", [heat, line]) { PanelWidth = 520, PanelHeight = 400 });

        var emb = u.Array("tsne").As<double>();
        int count = emb.Length / 2, stride = samplesPerPoint + 1;
        double kl = u.Metrics.Last("tsne", "kl");
        var pathSeries = Curves.Line("optimizer path", Enumerable.Range(0, pathLoss.Length).Select(k => emb[2 * k * stride]).ToArray(),
            Enumerable.Range(0, pathLoss.Length).Select(k => emb[2 * k * stride + 1]).ToArray(), Palette.Path, markers: true);
        ctx.SaveFigure("tsne", new Figure($"t-SNE of {count} sampled parameter vectors (KL {Common.N(kl)})", [
            ColorPanels.Scatter("sampled points coloured by loss", PlotAxes.Linear("t-SNE 1"), PlotAxes.Linear("t-SNE 2"), [.. Enumerable.Range(0, count).Select(k => emb[2 * k])],
                [.. Enumerable.Range(0, count).Select(k => emb[2 * k + 1])], u.Array("tsne_loss").As<double>(), PlotAxes.LogColor("MSE"), [pathSeries])], 1) { PanelWidth = 640, PanelHeight = 440 });
        double centre = z[mid, mid], edge = Enumerable.Range(0, grid).SelectMany(i => new[] { z[i, 0], z[i, grid - 1], z[0, i], z[grid - 1, i] }).Average();
        ctx.Observe($"loss at the trained model {Common.N(centre)}, mean on the border of the plane {Common.N(edge)} ({Common.N(edge / centre)}×); lowest grid loss {Common.N(z.Cast<double>().Min())}");
        ctx.Observe($"the optimizer path starts at loss {Common.N(pathLoss[0])} and ends at {Common.N(pathLoss[^1])}");
    }
}

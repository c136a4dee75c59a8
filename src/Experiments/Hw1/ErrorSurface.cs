using TinyGrad.Analysis;
using TinyGrad.Data;
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
    public void Run(RunContext ctx)
    {
        int steps = ctx.Pick(200, 2000, 5000), grid = ctx.Pick(9, 31, 41), samplesPerPoint = ctx.Pick(2, 4, 8), pathPoints = ctx.Pick(10, 25, 40);
        double span = 1.0;
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
        ctx.Setting("training", $"sin(x)+cos(x²), 128 points, Adam lr 1e-2, {steps} full-batch steps");
        ctx.Setting("surface", $"{grid}×{grid} grid over α, β in [-{span}, {span}] along two filter-normalised random directions");
        ctx.Setting("t-SNE", $"{pathPoints} path points + {samplesPerPoint} random perturbations each, perplexity 10");
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
        var axis = Enumerable.Range(0, grid).Select(i => -span + 2 * span * i / (grid - 1)).ToArray();
        var plane = LossSurface.Plane(ps, d1, d2, axis, axis, () => (Loss(), 0));
        ParameterVector.Assign(ps, theta);
        var z = new double[grid, grid];
        foreach (var p in plane)
        {
            int j = (int)Math.Round((p.Alpha + span) / (2 * span) * (grid - 1)), i = (int)Math.Round((p.Beta + span) / (2 * span) * (grid - 1));
            z[i, j] = p.Loss;
            ctx.Metrics.Add("plane", p.Alpha, $"loss@beta={p.Beta:0.###}", p.Loss);
        }
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
        var heat = ColorPanels.Heatmap("loss around the trained model", PlotAxes.Linear("α (direction 1)"), PlotAxes.Linear("β (direction 2)"), axis, axis, z,
            PlotAxes.LogColor("MSE"), [Curves.Line("optimizer path (projected)", pa, pb, Palette.Path, markers: true, width: 1.4)]);
        int mid = grid / 2;
        var line = Panels.Lines("slices through the minimum", PlotAxes.Linear("α or β"), PlotAxes.Log("MSE"), [
            Curves.Line("along direction 1", axis, Enumerable.Range(0, grid).Select(j => z[mid, j]).ToArray(), Palette.Series(0)),
            Curves.Line("along direction 2", axis, Enumerable.Range(0, grid).Select(i => z[i, mid]).ToArray(), Palette.Series(1))]);
        ctx.SaveFigure("surface", new Figure("Loss surface (filter-normalised directions)", [heat, line]) { PanelWidth = 520, PanelHeight = 400 });

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
        int stride = samplesPerPoint + 1;
        var pathSeries = Curves.Line("optimizer path", Enumerable.Range(0, path.Count).Select(k => emb[k * stride][0]).ToArray(),
            Enumerable.Range(0, path.Count).Select(k => emb[k * stride][1]).ToArray(), Palette.Path, markers: true);
        ctx.SaveFigure("tsne", new Figure($"t-SNE of {rows.Count} sampled parameter vectors (KL {Common.N(kl)})", [
            ColorPanels.Scatter("sampled points coloured by loss", PlotAxes.Linear("t-SNE 1"), PlotAxes.Linear("t-SNE 2"), emb.Select(e => e[0]).ToList(),
                emb.Select(e => e[1]).ToList(), values, PlotAxes.LogColor("MSE"), [pathSeries])], 1) { PanelWidth = 640, PanelHeight = 440 });
        double centre = z[mid, mid], edge = Enumerable.Range(0, grid).SelectMany(i => new[] { z[i, 0], z[i, grid - 1], z[0, i], z[grid - 1, i] }).Average();
        ctx.Observe($"loss at the trained model {Common.N(centre)}, mean on the border of the plane {Common.N(edge)} ({Common.N(edge / centre)}×); lowest grid loss {Common.N(z.Cast<double>().Min())}");
        ctx.Observe($"the optimizer path starts at loss {Common.N(pathLoss[0])} and ends at {Common.N(pathLoss[^1])}");
    }
}

using TinyGrad.Analysis;
using TinyGrad.Data;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3 bonus: Keskar ε-sharpness and the top Hessian eigenvalue vs batch size, next to test accuracy.</summary>
public sealed class SharpnessExperiment : IExperiment
{
    /// <inheritdoc/>
    public string Name => "sharpness";

    /// <inheritdoc/>
    public string Title => "1-3 Bonus: sharpness vs batch size";

    /// <inheritdoc/>
    public string Description => "Keskar ε-sharpness and the top Hessian eigenvalue (power iteration) vs batch size, next to test accuracy";

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => BatchSweep.Units(preset);

    private const double Eps = 1e-3;

    private static (int LossSamples, int PowerIters, int Ascent) Settings(ExperimentScope ctx) => (ctx.Pick(128, 512, 2000), ctx.Pick(8, 30, 100), ctx.Pick(5, 20, 50));

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (b, model, train, _) = BatchSweep.Train(ctx);
        var (lossSamples, powerIters, ascent) = Settings(ctx);
        var batch = new DataLoader(train, lossSamples, shuffle: false, normalization: Normalization.Mnist, flatten: true).EpochBatches(0).First();
        var ps = model.Parameters().ToList();
        Tensor Loss() => Functional.CrossEntropy(model.Forward(batch.Inputs), batch.Targets);
        double k = Sharpness.Keskar(Loss, ps, ctx.Rng("keskar"), Eps, ascent);
        double l = Eigensolvers.PowerIteration(new HessianOperator(Loss, ps), 1, ctx.Rng("power"), powerIters, 1e-4)[0].Value;
        ctx.Metrics.Add("sweep", b, "keskar_sharpness", k);
        ctx.Metrics.Add("sweep", b, "top_eigenvalue", l);
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        var (lossSamples, powerIters, ascent) = Settings(ctx);
        BatchSweep.Settings(ctx);
        ctx.Setting("loss for sharpness", $"cross-entropy on the first {lossSamples} training samples");
        ctx.Setting("Keskar ε-sharpness", $"ε = {Eps}, {ascent} projected sign-gradient ascent steps");
        ctx.Setting("top eigenvalue", $"power iteration on Hessian-vector products, {powerIters} iterations");
        var (bs, keskar) = BatchSweep.Get(ctx, "keskar_sharpness");
        var top = BatchSweep.Get(ctx, "top_eigenvalue").Value;
        BatchSweep.SaveFigure(ctx, "sharpness", "Sharpness vs batch size",
            ("Keskar ε-sharpness", "sharpness", "ε-sharpness", "keskar_sharpness", 3), ("top Hessian eigenvalue", "λ_max", "λ_max", "top_eigenvalue", 4));
        ctx.Observe($"ε-sharpness {BatchSweep.PerBatch(bs, keskar, Common.N)} (Spearman with batch size {Common.N(Common.Spearman(bs, keskar))})");
        ctx.Observe($"top Hessian eigenvalue {BatchSweep.PerBatch(bs, top, Common.N)} (Spearman with batch size {Common.N(Common.Spearman(bs, top))})");
    }
}

using TinyGrad.Analysis;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>1-3: sensitivity (Frobenius norm of d output / d input) vs batch size, next to test loss and accuracy.</summary>
public sealed class SensitivityExperiment : IExperiment
{
    /// <inheritdoc/>
    public string Name => "sensitivity";

    /// <inheritdoc/>
    public string Title => "1-3 Flatness vs generalization: sensitivity";

    /// <inheritdoc/>
    public string Description => "models over batch sizes: test loss, accuracy and sensitivity ‖∂output/∂input‖_F";

    /// <inheritdoc/>
    public IReadOnlyList<ExperimentUnit> Units(Preset preset) => BatchSweep.Units(preset);

    private static int Samples(ExperimentScope ctx) => ctx.Pick(32, 200, 1000);

    /// <inheritdoc/>
    public void RunUnit(UnitContext ctx)
    {
        var (b, model, _, test) = BatchSweep.Train(ctx);
        var x = test.Batches[0].Inputs;
        int samples = Samples(ctx);
        if (x.Size(0) > samples) x = x.Slice(0, 0, samples);
        ctx.Metrics.Add("sweep", b, "sensitivity", Sensitivity.JacobianNorm(model.Forward, x));
    }

    /// <inheritdoc/>
    public void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units)
    {
        BatchSweep.Settings(ctx);
        ctx.Setting("sensitivity", $"mean Frobenius norm of the Jacobian of the logits w.r.t. the input over {Samples(ctx)} test samples");
        var (bs, sens) = BatchSweep.Get(ctx, "sensitivity");
        BatchSweep.SaveFigure(ctx, "sensitivity", "Sensitivity and generalization vs batch size",
            ("sensitivity", "‖∂y/∂x‖_F", "sensitivity", "sensitivity", 2), ("test loss", "cross-entropy", "test loss", "test_loss", 0));
        ctx.Observe($"sensitivity {BatchSweep.PerBatch(bs, sens, Common.N)}; Spearman correlation with batch size {Common.N(Common.Spearman(bs, sens))}");
        ctx.Observe($"test accuracy {BatchSweep.PerBatch(bs, BatchSweep.Get(ctx, "test_acc").Value, Common.Pct)}");
    }
}

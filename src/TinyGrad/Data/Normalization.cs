namespace TinyGrad.Data;

/// <summary>Per-channel normalization x' = (x - mean[c]) / std[c], applied by the <see cref="DataLoader"/>.</summary>
public sealed class Normalization
{
    private readonly float[] mean;
    private readonly float[] invStd;

    /// <summary>Creates a normalization with one mean and one std per channel (std must be positive).</summary>
    public Normalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count != std.Count || mean.Count == 0) throw new ArgumentException($"mean ({mean.Count}) and std ({std.Count}) need the same non-zero channel count");
        this.mean = [.. mean];
        invStd = new float[std.Count];
        for (int c = 0; c < std.Count; c++)
        {
            if (!(std[c] > 0)) throw new ArgumentOutOfRangeException(nameof(std), std[c], $"std of channel {c} must be positive");
            invStd[c] = 1f / std[c];
        }
    }

    /// <summary>MNIST's usual constants (0.1307, 0.3081) on the [0, 1] scale.</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>Fashion-MNIST's usual constants (0.2860, 0.3530: its training set's mean and std) on the [0, 1] scale.</summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>CIFAR-10's usual per-channel constants on the [0, 1] scale.</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>Channels covered.</summary>
    public int Channels => mean.Length;

    /// <summary>Mean of each channel.</summary>
    public IReadOnlyList<float> Mean => mean;

    /// <summary>
    /// Mean and std of each channel over a dataset (channel = first sample dimension), computed in double
    /// so the result does not depend on accumulation error.
    /// </summary>
    public static Normalization Compute(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int channels = data.SampleShape.Length > 1 ? data.SampleShape[0] : 1;
        int per = data.SampleSize / channels;
        var sum = new double[channels];
        var sq = new double[channels];
        var buf = new float[data.SampleSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.CopySample(i, buf);
            for (int c = 0; c < channels; c++)
            {
                double s = 0, q = 0;
                for (int k = c * per, end = k + per; k < end; k++)
                {
                    s += buf[k];
                    q += (double)buf[k] * buf[k];
                }
                sum[c] += s;
                sq[c] += q;
            }
        }
        var m = new float[channels];
        var sd = new float[channels];
        double n = (double)data.Count * per;
        for (int c = 0; c < channels; c++)
        {
            double mu = sum[c] / n;
            m[c] = (float)mu;
            sd[c] = (float)Math.Max(Math.Sqrt(Math.Max(sq[c] / n - mu * mu, 0)), 1e-6);
        }
        return new Normalization(m, sd);
    }

    /// <summary>Normalizes one sample in place: <paramref name="sample"/> is Channels equal planes.</summary>
    public void Apply(Span<float> sample)
    {
        int per = sample.Length / mean.Length;
        if (per * mean.Length != sample.Length) throw new ArgumentException($"sample of {sample.Length} values does not split into {mean.Length} channels");
        for (int c = 0; c < mean.Length; c++)
        {
            float m = mean[c], s = invStd[c];
            var plane = sample.Slice(c * per, per);
            for (int k = 0; k < plane.Length; k++) plane[k] = (plane[k] - m) * s;
        }
    }
}

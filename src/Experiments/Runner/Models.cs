using TinyGrad.Kernels;
using TinyGrad.Nn;

namespace TinyGrad.Experiments.Runner;

/// <summary>Model builders shared by the experiments.</summary>
public static class Models
{
    /// <summary>
    /// A fully connected ReLU (or tanh) network <paramref name="input"/> → hidden... → <paramref name="output"/>; <paramref name="he"/>
    /// re-initialises the weights with He (Kaiming normal, fan-in) init, which keeps deep narrow ReLU nets trainable.
    /// </summary>
    public static Sequential Mlp(int input, IReadOnlyList<int> hidden, int output, Generator g, DType dtype = DType.Float32, bool flatten = false, bool tanh = false, bool he = false)
    {
        var s = new Sequential();
        if (flatten) s.Add(new Flatten());
        int prev = input;
        foreach (int h in hidden)
        {
            s.Add(new Linear(prev, h, generator: g, dtype: dtype));
            s.Add(tanh ? new Tanh() : new ReLU());
            prev = h;
        }
        s.Add(new Linear(prev, output, generator: g, dtype: dtype));
        if (he)
            foreach (var (name, p) in s.NamedParameters())
                if (name.EndsWith("weight", StringComparison.Ordinal)) Init.KaimingNormal(p, mode: FanMode.FanIn, nonlinearity: Nonlinearity.Relu, generator: g);
        return s;
    }

    /// <summary>Parameter count of an MLP with the given layer widths.</summary>
    public static int MlpParams(int input, IReadOnlyList<int> hidden, int output)
    {
        int total = 0, prev = input;
        foreach (int h in hidden) { total += (prev + 1) * h; prev = h; }
        return total + (prev + 1) * output;
    }

    /// <summary>
    /// Hidden widths for <paramref name="layers"/> hidden layers whose parameter count is as close as possible to
    /// <paramref name="target"/>: all layers width w except the last, which is tuned so the counts match within about 1%.
    /// </summary>
    public static int[] WidthsFor(int input, int output, int layers, int target)
    {
        if (layers == 1)
        {
            int w = Math.Max(1, (int)Math.Round((target - output) / (double)(input + 1 + output)));
            return [w];
        }
        int[] best = [];
        int bestErr = int.MaxValue;
        for (int w = 1; w <= 2048; w++)
        {
            // Parameters of the first layers-1 layers at width w, then solve for the last width v.
            int fixedPart = (input + 1) * w + (layers - 2) * (w + 1) * w;
            if (fixedPart > target) break;
            int v = Math.Max(1, (int)Math.Round((target - fixedPart - output) / (double)(w + 1 + output)));
            int[] widths = [.. Enumerable.Repeat(w, layers - 1), v];
            int err = Math.Abs(MlpParams(input, widths, output) - target);
            // Prefer a last width near w so the net is not a bottleneck.
            err += Math.Abs(v - w) > w ? target / 50 : 0;
            if (err < bestErr) { bestErr = err; best = widths; }
        }
        return best;
    }
}

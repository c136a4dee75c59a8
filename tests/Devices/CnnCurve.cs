using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Devices;

/// <summary>
/// The loss curve of a small CNN trained from a fixed seed: the same on every device up to float32
/// rounding. Shared by the device tests and the GPU check program (bench/gpu).
/// </summary>
public static class CnnCurve
{
    /// <summary>conv-relu-maxpool-conv-relu-avgpool-linear on fixed random data, Adam; the loss of each step.</summary>
    public static double[] Train(Device device, int steps = 25)
    {
        var saved = Device.Default;
        Device.Default = device;
        try
        {
            var g = new Generator(21);
            var model = new Sequential(
                new Conv2d(1, 6, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
                new Conv2d(6, 8, 3, padding: 1, generator: g), new ReLU(), new AvgPool2d(2),
                new Flatten(), new Linear(8 * 3 * 3, 4, generator: g));
            var x = Tensor.Randn([16, 1, 12, 12], g);
            var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i % 4).ToArray(), [16]);
            var optimizer = new Adam(model.Parameters(), lr: 0.01);
            var losses = new double[steps];
            for (int step = 0; step < losses.Length; step++)
            {
                optimizer.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(x), labels);
                loss.Backward();
                optimizer.Step();
                losses[step] = loss.Item();
            }
            if (model.Parameters().First().Device != device) throw new InvalidOperationException("the model left its device");
            return losses;
        }
        finally
        {
            Device.Default = saved;
        }
    }

    /// <summary>The first step whose loss differs from the reference by more than float32 rounding allows, or -1.</summary>
    public static int FirstMismatch(double[] reference, double[] candidate, double tolerance = 1e-4)
    {
        for (int i = 0; i < reference.Length; i++)
            if (!(Math.Abs(candidate[i] - reference[i]) <= tolerance * Math.Max(1, Math.Abs(reference[i])))) return i;
        return -1;
    }
}

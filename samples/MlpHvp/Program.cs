// A consumer of the TinyGrad packages: trains a small MLP on synthetic digits on each device named on
// the command line (default: every device the registry lists as available here), then computes a Hessian-vector product of the loss by
// double backward and checks it against its closed form. Exit code 0 only when every check passes.
using TinyGrad;
using TinyGrad.Data;
using TinyGrad.Kernels;
using TinyGrad.Nn;
using TinyGrad.Optim;

string[] devices = args.Length > 0 ? args : Device.List().Where(d => d.Available).Select(d => d.Name).ToArray();
int failed = 0;
foreach (var name in devices)
{
    bool ok = Sample.Run(name);
    Console.WriteLine($"{(ok ? "ok" : "FAILED")}: {name}");
    if (!ok) failed++;
}
Console.WriteLine($"{devices.Length - failed} of {devices.Length} devices passed");
return failed == 0 ? 0 : 1;

static class Sample
{
    const int Hidden = 32, Classes = 10, Pixels = 28 * 28;

    public static bool Run(string deviceName)
    {
        Device.Default = Device.Parse(deviceName);
        Console.WriteLine($"== {Device.Default} ({Device.Default.Backend.Description})");
        var model = new Sequential(
            new Linear(Pixels, Hidden, generator: new Generator(1)), new ReLU(),
            new Linear(Hidden, Classes, generator: new Generator(2)));
        bool trained = Train(model);
        bool hvp = CheckHvp(model);
        return trained && hvp;
    }

    // Two epochs of SGD with momentum over 2,048 synthetic digits; passes when the held-out accuracy
    // is far above chance (10%).
    static bool Train(Sequential model)
    {
        var optimizer = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        var loader = new DataLoader(SyntheticDigits.Train(seed: 0, count: 2048), batchSize: 128, seed: 0, flatten: true);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            double sum = 0;
            foreach (var batch in loader)
            {
                var loss = Functional.CrossEntropy(model.Forward(batch.Inputs), batch.Targets);
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                sum += loss.Item();
            }
            Console.WriteLine($"epoch {epoch + 1}: mean loss {sum / loader.BatchCount:F4}");
        }
        var (inputs, labels) = TestSet(512);
        int[] predicted;
        using (Autograd.NoGrad()) predicted = model.Forward(inputs).ArgMax(1).ToArray<int>();
        double accuracy = predicted.Zip(labels.ToArray<int>()).Count(p => p.First == p.Second) / (double)predicted.Length;
        Console.WriteLine($"test accuracy: {accuracy:P1} (512 held-out synthetic digits)");
        return accuracy > 0.6;
    }

    // H v for the loss L(W2) = mean_n CE(W2 h_n + b2, y_n), with W2 the last layer's weight and h_n the
    // hidden activations. Closed form: (H v) = 1/N sum_n (diag(p_n) - p_n p_n^T) (V h_n) h_n^T, with
    // p_n = softmax(W2 h_n + b2) and V shaped like W2.
    static bool CheckHvp(Sequential model)
    {
        var last = (Linear)model[2];
        var (inputs, labels) = TestSet(64);
        var direction = Tensor.Randn([Classes, Hidden], new Generator(3));

        var loss = Functional.CrossEntropy(model.Forward(inputs), labels);
        var gradient = Autograd.Grad([loss], [last.Weight], createGraph: true)[0];
        var hv = Autograd.Grad([(gradient * direction).Sum()], [last.Weight])[0].ToDoubleArray();

        double[] h, w, b, v = direction.ToDoubleArray();
        using (Autograd.NoGrad())
        {
            h = model[1].Forward(model[0].Forward(inputs)).ToDoubleArray();
            w = last.Weight.ToDoubleArray();
            b = last.Bias!.ToDoubleArray();
        }
        var expected = ClosedFormHvp(h, w, b, v, labels.Size(0));

        double diff = 0, norm = 0, curvature = 0;
        for (int i = 0; i < hv.Length; i++)
        {
            diff += (hv[i] - expected[i]) * (hv[i] - expected[i]);
            norm += expected[i] * expected[i];
            curvature += v[i] * hv[i];
        }
        double relative = Math.Sqrt(diff / norm);
        Console.WriteLine($"HVP (last layer, {hv.Length} entries): H v [0..4] = [{string.Join(", ", hv.Take(4).Select(x => x.ToString("E4")))}], |H v| = {Math.Sqrt(norm):E4}, v^T H v = {curvature:E4}");
        Console.WriteLine($"HVP vs closed form: relative error {relative:E2} (tolerance 1E-04, float32)");
        return relative < 1e-4 && norm > 0;
    }

    static double[] ClosedFormHvp(double[] h, double[] w, double[] b, double[] v, int n)
    {
        var result = new double[Classes * Hidden];
        var p = new double[Classes];
        var u = new double[Classes];
        for (int s = 0; s < n; s++)
        {
            var hs = h.AsSpan(s * Hidden, Hidden);
            double max = double.NegativeInfinity, total = 0, pu = 0;
            for (int k = 0; k < Classes; k++)
            {
                p[k] = b[k] + Dot(w.AsSpan(k * Hidden, Hidden), hs);
                u[k] = Dot(v.AsSpan(k * Hidden, Hidden), hs);
                max = Math.Max(max, p[k]);
            }
            for (int k = 0; k < Classes; k++) total += p[k] = Math.Exp(p[k] - max);
            for (int k = 0; k < Classes; k++) { p[k] /= total; pu += p[k] * u[k]; }
            for (int k = 0; k < Classes; k++)
            {
                double coefficient = p[k] * (u[k] - pu) / n;
                for (int j = 0; j < Hidden; j++) result[k * Hidden + j] += coefficient * hs[j];
            }
        }
        return result;
    }

    static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    static (Tensor Inputs, Tensor Labels) TestSet(int count)
    {
        var test = SyntheticDigits.Test(seed: 0, count: count);
        var (inputs, labels) = test.ToTensors();
        return (inputs.Reshape(count, Pixels), labels);
    }
}

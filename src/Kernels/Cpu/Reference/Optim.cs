namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The optim family: fused SGD and Adam/AdamW steps, each element computed in double (PyTorch's update rules).</summary>
internal static class Optim
{
    /// <summary>d = g + wd p; with momentum b = momentum b + (1 - dampening) d (b = d on the first step); p -= lr d.</summary>
    public static void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum)
    {
        CpuBuffer p = CpuBuffer.Of(param), g = CpuBuffer.Of(grad);
        CpuBuffer? buf = momentum is null ? null : CpuBuffer.Of(momentum);
        for (int i = 0; i < p.Length; i++)
        {
            double d = g.Get(i) + args.WeightDecay * p.Get(i);
            if (buf is not null && args.Momentum != 0)
            {
                double b = args.FirstStep ? d : args.Momentum * buf.Get(i) + (1 - args.Dampening) * d;
                buf.Set(i, b);
                d = args.Nesterov ? d + args.Momentum * b : b;
            }
            p.Set(i, p.Get(i) - args.Lr * d);
        }
    }

    /// <summary>Adam (weight decay added to the gradient) or AdamW (decoupled decay of p), with bias corrections.</summary>
    public static void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v)
    {
        CpuBuffer p = CpuBuffer.Of(param), g = CpuBuffer.Of(grad), sm = CpuBuffer.Of(m), sv = CpuBuffer.Of(v);
        double bias1 = 1 - Math.Pow(args.Beta1, args.Step), bias2 = 1 - Math.Pow(args.Beta2, args.Step);
        for (int i = 0; i < p.Length; i++)
        {
            double pi = p.Get(i), gi = g.Get(i);
            if (args.Decoupled) pi *= 1 - args.Lr * args.WeightDecay;
            else gi += args.WeightDecay * pi;
            double mi = args.Beta1 * sm.Get(i) + (1 - args.Beta1) * gi;
            double vi = args.Beta2 * sv.Get(i) + (1 - args.Beta2) * gi * gi;
            sm.Set(i, mi);
            sv.Set(i, vi);
            p.Set(i, pi - args.Lr / bias1 * mi / (Math.Sqrt(vi) / Math.Sqrt(bias2) + args.Eps));
        }
    }
}

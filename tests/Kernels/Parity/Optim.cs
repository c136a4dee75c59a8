using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The optim family: SGD in every configuration and Adam/AdamW steps.
public static partial class ParityChecks
{
    private static void Sgd(ParityContext c)
    {
        var configs = new (SgdArgs Args, bool WithBuffer)[]
        {
            (new SgdArgs(0.1, 0, 0, 0, false, true), false),
            (new SgdArgs(0.05, 0, 0, 0.01, false, false), false),
            (new SgdArgs(0.1, 0.9, 0, 0, false, true), true),
            (new SgdArgs(0.1, 0.9, 0.1, 0.01, false, false), true),
            (new SgdArgs(0.01, 0.8, 0, 0.001, true, false), true),
            (new SgdArgs(0.01, 0.8, 0, 0, true, true), true),
            (new SgdArgs(0.01, 0, 0, 0, false, false), true),
        };
        foreach (var dtype in Floats)
        foreach (var (args, withBuffer) in configs)
        foreach (int n in new[] { 1, 37, 1000 })
        {
            var p = c.Random(dtype, n);
            var g = c.Random(dtype, n);
            var m = c.Random(dtype, n);
            c.Both((b, on) => b.SgdStep(args, on(p), on(g), withBuffer ? on(m) : null));
            c.AssertSame(p, ParityContext.Tolerance(dtype), $"sgd {dtype} {args} param");
            c.AssertSame(m, ParityContext.Tolerance(dtype), $"sgd {dtype} {args} momentum");
            c.AssertSame(g, 0, $"sgd {dtype} {args} grad untouched");
        }
    }

    private static void Adam(ParityContext c)
    {
        var configs = new[]
        {
            new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 0, false, 1),
            new AdamArgs(1e-2, 0.9, 0.999, 1e-8, 0.01, false, 5),
            new AdamArgs(1e-3, 0.8, 0.99, 1e-6, 0.1, true, 1),
            new AdamArgs(3e-3, 0.9, 0.999, 1e-8, 0.05, true, 17),
        };
        foreach (var dtype in Floats)
        foreach (var args in configs)
        foreach (int n in new[] { 1, 37, 1000 })
        {
            var p = c.Random(dtype, n);
            var g = c.Random(dtype, n);
            var m = c.Random(dtype, n, -0.1, 0.1);
            var v = c.Random(dtype, n, 0, 0.01);
            c.Both((b, on) => b.AdamStep(args, on(p), on(g), on(m), on(v)));
            c.AssertSame(p, ParityContext.Tolerance(dtype), $"adam {dtype} {args} param");
            c.AssertSame(m, ParityContext.Tolerance(dtype), $"adam {dtype} {args} m");
            c.AssertSame(v, ParityContext.Tolerance(dtype), $"adam {dtype} {args} v");
        }
    }
}

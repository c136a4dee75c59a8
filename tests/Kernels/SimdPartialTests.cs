using System.Numerics;
using NUnit.Framework;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// The partial vector moves behind the GEMM's masked edge tiles, at every width and both float
/// types (masked instructions where the CPU has them, element by element elsewhere): LoadFirst
/// reads the first count elements and zeroes the other lanes, StoreFirst writes the first count
/// lanes, and neither touches an element past them.
public sealed class SimdPartialTests
{
    [Test]
    public void LoadFirstAndStoreFirstTouchOnlyTheirLanes()
    {
        Check<float, V128<float>>();
        Check<float, V256<float>>();
        Check<float, V512<float>>();
        Check<double, V128<double>>();
        Check<double, V256<double>>();
        Check<double, V512<double>>();
    }

    private static void Check<T, TVec>() where T : unmanaged, IFloatingPointIeee754<T> where TVec : struct, ISimd<TVec, T>
    {
        int w = TVec.Count;
        T sentinel = T.CreateTruncating(-7.5);
        foreach (int count in new[] { -1, 0, 1, w / 2, w - 1, w, w + 3 })
        {
            int valid = Math.Clamp(count, 0, w);
            // Two elements before and a vector after the run, so a stray access would show.
            var source = new T[w + 2 + w];
            for (int i = 0; i < source.Length; i++) source[i] = T.CreateTruncating(i + 1);
            var loaded = TVec.LoadFirst(ref source[0], 2, count);
            for (int i = 0; i < w; i++)
            {
                T expected = i < valid ? source[2 + i] : T.Zero;
                Assert.That(loaded[i], Is.EqualTo(expected), $"{typeof(TVec).Name} LoadFirst count {count}: lane {i}");
            }
            var target = new T[w + 2 + w];
            Array.Fill(target, sentinel);
            TVec.Load(ref source[0], 2).StoreFirst(ref target[0], 2, count);
            for (int i = 0; i < target.Length; i++)
            {
                T expected = i >= 2 && i < 2 + valid ? source[i] : sentinel;
                Assert.That(target[i], Is.EqualTo(expected), $"{typeof(TVec).Name} StoreFirst count {count}: element {i}");
            }
        }
    }
}

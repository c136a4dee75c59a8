using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// The host processor as the CPU kernels care about it: AMD Zen generations differ in how wide
/// their FMA units really are (Zen 3: AVX2 only; Zen 4: AVX-512 split into two 256-bit halves;
/// Zen 5: two full 512-bit FMA pipes), so the GEMM picks its micro-kernel by kind.
/// </summary>
public sealed class CpuKind
{
    private CpuKind()
    {
    }

    /// <summary>The CPUID vendor string, e.g. "AuthenticAMD".</summary>
    public string Vendor { get; private init; } = "";

    /// <summary>The CPU family with its extended part (25 = Zen 3/4, 26 = Zen 5 on AMD).</summary>
    public int Family { get; private init; }

    /// <summary>The CPU model with its extended part.</summary>
    public int Model { get; private init; }

    /// <summary>"zen3", "zen4", "zen5" or "other".</summary>
    public string Kind { get; private init; } = "";

    /// <summary>The processor this process runs on (read once with CPUID).</summary>
    public static CpuKind Host { get; } = Detect();

    /// <summary>Whether 512-bit vectors run in hardware here.</summary>
    public static bool HasVector512 => Vector512.IsHardwareAccelerated;

    /// <summary>"zen5", "zen4" or "other" (Zen 3 and every non-AMD processor).</summary>
    public string Label => Kind is "zen4" or "zen5" ? Kind : "other";

    /// <summary>One line for logs, e.g. "AuthenticAMD family 25 model 1 (zen3, no AVX-512)".</summary>
    public override string ToString() => $"{Vendor} family {Family} model {Model} ({Kind}, {(HasVector512 ? "AVX-512" : "no AVX-512")})";

    private static CpuKind Detect()
    {
        if (!X86Base.IsSupported) return new() { Vendor = "unknown", Kind = "other" };
        var (_, b, c, d) = X86Base.CpuId(0, 0);
        string vendor = string.Concat(Ascii(b), Ascii(d), Ascii(c));
        int eax = X86Base.CpuId(1, 0).Eax;
        int baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
        // The extended fields count only for family 15 (AMD) or families 6 and 15 (Intel).
        int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0xF or 0x6 ? baseModel | (((eax >> 16) & 0xF) << 4) : baseModel;
        string kind = vendor != "AuthenticAMD" ? "other"
            : family == 0x1A ? "zen5"
            : family == 0x19 ? (Avx512F.IsSupported ? "zen4" : "zen3")
            : "other";
        return new() { Vendor = vendor, Family = family, Model = model, Kind = kind };
    }

    private static string Ascii(int register) =>
        string.Create(4, register, static (span, r) =>
        {
            for (int i = 0; i < 4; i++) span[i] = (char)((r >> (8 * i)) & 0xFF);
        });
}

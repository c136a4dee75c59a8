namespace TinyGrad.Kernels.Cpu;

/// <summary>The host CPU backend (placeholder until the fast paths land).</summary>
public sealed class CpuBackend : ReferenceBackend
{
    /// <inheritdoc />
    public override string Name => "cpu";
}

namespace TinyGrad.Kernels;

/// <summary>
/// A backend whose index checks are worth skipping for indices the engine made itself, which are in
/// range by construction: max pooling's, which its double backward gathers with. On a GPU the check costs a record the host must read back; the CPU
/// backends check as they go and do not offer this. Out-of-range indices here are undefined behaviour.
/// </summary>
internal interface ITrustedIndices
{
    /// <summary><see cref="Backend.Gather"/> without the bounds check of the indices.</summary>
    void GatherTrusted(in StridedView source, int axis, in StridedView index, DeviceBuffer destination);
}

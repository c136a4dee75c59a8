using System.Globalization;

namespace TinyGrad.Kernels;

/// <summary>
/// A device has no room for a buffer even after its allocator collected the garbage and handed its
/// idle blocks back (like PyTorch's <c>torch.OutOfMemoryError</c>); the message gives the sizes.
/// </summary>
public sealed class DeviceOutOfMemoryException : OutOfMemoryException
{
    /// <summary>Creates the exception.</summary>
    public DeviceOutOfMemoryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DeviceOutOfMemoryException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the driver's error behind it.</summary>
    public DeviceOutOfMemoryException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>Creates the exception for a failed request of <paramref name="requestedBytes"/> on <paramref name="device"/>.</summary>
    /// <param name="device">The device's name.</param>
    /// <param name="requestedBytes">The bytes asked of the driver.</param>
    /// <param name="heldBytes">The bytes the device's pool still holds.</param>
    /// <param name="inUseBytes">The part of those held by live buffers.</param>
    /// <param name="blocks">The blocks the pool holds.</param>
    /// <param name="releasedBytes">The idle bytes the pool handed back to the driver before its last try.</param>
    /// <param name="inner">The driver's error.</param>
    internal DeviceOutOfMemoryException(string device, long requestedBytes, long heldBytes, long inUseBytes, int blocks, long releasedBytes, Exception inner)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"{device}: out of memory allocating {Size(requestedBytes)}: the pool holds {Size(heldBytes)} in {blocks} blocks, {Size(inUseBytes)} of it in use by live tensors, after a collection and after handing {Size(releasedBytes)} of idle blocks back to the driver ({inner.Message})"), inner)
    {
        Device = device;
        RequestedBytes = requestedBytes;
        HeldBytes = heldBytes;
    }

    /// <summary>The device's name, or null when not given.</summary>
    public string? Device { get; }

    /// <summary>The bytes of the request that failed.</summary>
    public long RequestedBytes { get; }

    /// <summary>The bytes the device's pool held when the request failed.</summary>
    public long HeldBytes { get; }

    private static string Size(long bytes) => bytes >= 1 << 30 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 30):F2} GiB")
        : bytes >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F1} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
}

using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// Device memory reuse: blocks are rounded up to size buckets (powers of two up to 16 MiB, 1 MiB
/// steps above) and released blocks wait in their bucket for the next request of that size, so a
/// training loop stops calling the driver's allocator after its first step. Safe with one stream:
/// a block handed out again is written only by kernels queued after every earlier use of it.
/// </summary>
internal sealed class CachingAllocator(Accelerator accelerator)
{
    private readonly Dictionary<long, Stack<MemoryBuffer1D<byte, Stride1D.Dense>>> free = [];

    // Every block ever allocated. ILGPU's buffers free themselves when finalized; held here, a block
    // is never unreachable, so only our wrapper is finalized and its block comes back intact.
    private readonly List<MemoryBuffer1D<byte, Stride1D.Dense>> blocks = [];
    private readonly Lock gate = new();
    private bool closed;

    /// <summary>How many blocks were taken from the device so far (each request beyond reuse adds one).</summary>
    public int Blocks
    {
        get
        {
            lock (gate) return blocks.Count;
        }
    }

    /// <summary>A buffer of at least <paramref name="length"/> elements for <paramref name="backend"/>.</summary>
    public IlgpuBuffer Rent(Backend backend, DType dtype, int length)
    {
        long bucket = BucketOf(Math.Max(1L, (long)length * dtype.SizeOf()));
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            if (free.TryGetValue(bucket, out var stack) && stack.Count > 0) return new IlgpuBuffer(backend, this, dtype, length, stack.Pop());
        }
        var block = accelerator.Allocate1D<byte>(bucket);
        GC.AddMemoryPressure(bucket);
        lock (gate) blocks.Add(block);
        return new IlgpuBuffer(backend, this, dtype, length, block);
    }

    /// <summary>The bucket size a request of <paramref name="bytes"/> is served from.</summary>
    public static long BucketOf(long bytes)
    {
        const long step = 1 << 20;
        if (bytes > 16 * step) return (bytes + step - 1) / step * step;
        long b = 256;
        while (b < bytes) b <<= 1;
        return b;
    }

    /// <summary>Takes a block back (from Dispose or the finalizer thread).</summary>
    internal void Return(MemoryBuffer1D<byte, Stride1D.Dense> block)
    {
        lock (gate)
        {
            if (closed) return; // the memory went with the accelerator
            if (!free.TryGetValue(block.Length, out var stack)) free[block.Length] = stack = new();
            stack.Push(block);
        }
    }

    /// <summary>Frees every block and refuses later requests (called when the device closes).</summary>
    public void Close()
    {
        lock (gate)
        {
            if (closed) return;
            closed = true;
            foreach (var block in blocks)
            {
                block.Dispose();
                GC.RemoveMemoryPressure(block.Length);
            }
            blocks.Clear();
            free.Clear();
        }
    }
}

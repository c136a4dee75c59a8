using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// Device memory reuse: blocks are rounded up to size buckets (powers of two up to 16 MiB, 1 MiB
/// steps above) and released blocks wait in their bucket for the next request of that size, so a
/// training loop stops calling the driver's allocator after its first steps. Safe with one stream:
/// a block handed out again is written only by kernels queued after every earlier use of it.
/// <para>
/// Blocks of dropped tensors come back when the GC finalizes them, which device memory alone never
/// triggers: the allocator runs its own collections (<see cref="CollectionBudget"/>, the rule the
/// host array cache uses), so the pool settles at about the live tensors plus one budget. When the
/// driver is out of memory the allocator collects, hands its idle blocks back to the driver and
/// retries once before it throws <see cref="DeviceOutOfMemoryException"/>.
/// </para>
/// </summary>
internal sealed class CachingAllocator
{
    private readonly Dictionary<long, Stack<MemoryBuffer1D<byte, Stride1D.Dense>>> free = [];

    // Every block taken from the device. ILGPU's buffers free themselves when finalized; held here, a
    // block is never unreachable, so only our wrapper is finalized and its block comes back intact.
    private readonly HashSet<MemoryBuffer1D<byte, Stride1D.Dense>> blocks = [];
    private readonly Lock gate = new();
    private readonly string device;
    private readonly Func<long, MemoryBuffer1D<byte, Stride1D.Dense>> allocate;
    private readonly Action synchronize;
    private readonly CollectionBudget collector;
    private long held, outstanding, rented;
    private bool closed;

    /// <summary>An allocator of <paramref name="accelerator"/>'s memory, collecting after <paramref name="minBudget"/> bytes at least.</summary>
    public CachingAllocator(Accelerator accelerator, string device, long minBudget, Action synchronize)
        : this(device, minBudget, bytes => accelerator.Allocate1D<byte>(bytes), synchronize)
    {
    }

    /// <summary>An allocator over <paramref name="allocate"/> (the driver's allocation, or a test's stand-in for it).</summary>
    internal CachingAllocator(string device, long minBudget, Func<long, MemoryBuffer1D<byte, Stride1D.Dense>> allocate, Action synchronize)
    {
        this.device = device;
        this.allocate = allocate;
        this.synchronize = synchronize;
        collector = new CollectionBudget(minBudget);
    }

    /// <summary>How many blocks the pool holds (taken from the device and not handed back).</summary>
    public int Blocks
    {
        get { lock (gate) return blocks.Count; }
    }

    /// <summary>Bytes of every block the pool holds, in use or idle.</summary>
    public long HeldBytes
    {
        get { lock (gate) return held; }
    }

    /// <summary>Bytes of the blocks rented out and not returned yet.</summary>
    public long OutstandingBytes
    {
        get { lock (gate) return outstanding; }
    }

    /// <summary>Bytes rented since the device opened (reused blocks and new ones alike).</summary>
    public long RentedBytes
    {
        get { lock (gate) return rented; }
    }

    /// <summary>Collections the allocator has run.</summary>
    public int Collections => collector.Collections;

    /// <summary>The bytes rented between two of the allocator's collections.</summary>
    public long Budget => collector.Budget;

    /// <summary>A buffer of at least <paramref name="length"/> elements for <paramref name="backend"/>.</summary>
    /// <exception cref="DeviceOutOfMemoryException">The device has no room for it, even after a collection.</exception>
    public IlgpuBuffer Rent(Backend backend, DType dtype, int length)
    {
        long bucket = BucketOf(Math.Max(1L, (long)length * dtype.SizeOf()));
        if (!TryTake(bucket, out var block))
        {
            if (collector.Due) collector.Collect(() => OutstandingBytes);
            if (!TryTake(bucket, out block)) block = Allocate(bucket);
        }
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
            outstanding -= block.Length;
        }
    }

    /// <summary>Frees every block and refuses later requests (called when the device closes).</summary>
    public void Close()
    {
        lock (gate)
        {
            if (closed) return;
            closed = true;
            foreach (var block in blocks) block.Dispose();
            blocks.Clear();
            free.Clear();
            held = outstanding = 0;
        }
    }

    private bool TryTake(long bucket, out MemoryBuffer1D<byte, Stride1D.Dense> block)
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            if (!free.TryGetValue(bucket, out var stack) || !stack.TryPop(out block!))
            {
                block = null!;
                return false;
            }
            outstanding += bucket;
            rented += bucket;
        }
        collector.Count(bucket);
        return true;
    }

    /// <summary>A new block from the device; on out-of-memory, a full collection, idle blocks handed back, and one more try.</summary>
    private MemoryBuffer1D<byte, Stride1D.Dense> Allocate(long bucket)
    {
        MemoryBuffer1D<byte, Stride1D.Dense> block;
        try
        {
            block = allocate(bucket);
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            collector.Collect(() => OutstandingBytes, full: true);
            if (TryTake(bucket, out block)) return block;
            long released = ReleaseIdle();
            try
            {
                block = allocate(bucket);
            }
            catch (Exception again) when (IsOutOfMemory(again))
            {
                lock (gate) throw new DeviceOutOfMemoryException(device, bucket, held, outstanding, blocks.Count, released, again);
            }
        }
        lock (gate)
        {
            blocks.Add(block);
            held += bucket;
            outstanding += bucket;
            rented += bucket;
        }
        collector.Count(bucket);
        return block;
    }

    /// <summary>Hands every idle block back to the device (after the queued kernels, which may still use them); returns their bytes.</summary>
    private long ReleaseIdle()
    {
        synchronize();
        long released = 0;
        lock (gate)
        {
            foreach (var stack in free.Values)
            {
                foreach (var block in stack)
                {
                    blocks.Remove(block);
                    released += block.Length;
                    block.Dispose();
                }
            }
            free.Clear();
            held -= released;
        }
        collector.FullNext();
        return released;
    }

    /// <summary>Whether <paramref name="e"/> is a driver's (or the simulator's host allocator's) out-of-memory error.</summary>
    private static bool IsOutOfMemory(Exception e) => e is OutOfMemoryException
        || e is CudaException { Error: nameof(CudaError.CUDA_ERROR_OUT_OF_MEMORY) }
        || e is CLException { Error: CLError.CL_MEM_OBJECT_ALLOCATION_FAILURE or CLError.CL_OUT_OF_RESOURCES or CLError.CL_OUT_OF_HOST_MEMORY };
}

using System.Diagnostics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The CPU kernels' fork-join: runs <c>body(0)</c> .. <c>body(workers - 1)</c>, chunk 0 on the calling
/// thread and the others on helper threads that stay awake (spinning) for a while after each job, as
/// an OpenMP runtime's do. A training step runs dozens of parallel kernels of 0.05-0.5 ms with serial
/// work between them; waking thread-pool workers for each (Parallel.For) cost a measurable share of
/// such a step. Which chunk runs where never changes what a chunk computes, so results do not depend
/// on this class. A nested call (from inside a chunk) runs its chunks in order on its own thread; a
/// call while another thread holds the helpers goes to Parallel.For.
/// </summary>
internal static class ForkJoin
{
    /// <summary>How long a helper spins for the next job before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 us

    private static readonly object Gate = new();
    private static readonly object SleepLock = new();
    private static Thread[]? helpers;
    private static Action<int>? job;
    private static int jobWorkers;
    private static long generation;
    private static int pending, sleepers;
    private static Exception? failure;

    /// <summary>True on helper threads and on a caller while its chunk runs.</summary>
    [ThreadStatic] private static bool inside;

    /// <summary>Runs body(w) for every w in [0, workers) and returns when all have finished; a body's exception comes back wrapped in an <see cref="AggregateException"/>, as from Parallel.For.</summary>
    public static void Run(int workers, Action<int> body)
    {
        if (workers <= 1 || inside)
        {
            for (int w = 0; w < workers; w++) body(w);
            return;
        }
        if (workers > Environment.ProcessorCount || !Monitor.TryEnter(Gate))
        {
            Parallel.For(0, workers, body);
            return;
        }
        try
        {
            EnsureHelpers();
            job = body;
            jobWorkers = workers;
            failure = null;
            Volatile.Write(ref pending, workers - 1);
            Interlocked.Increment(ref generation); // a full fence: the job is visible before the new generation
            if (Volatile.Read(ref sleepers) > 0)
                lock (SleepLock) Monitor.PulseAll(SleepLock);
            inside = true;
            try
            {
                body(0);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            finally
            {
                inside = false;
            }
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
            job = null;
            if (failure is not null) throw new AggregateException(failure);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void EnsureHelpers()
    {
        if (helpers is not null) return;
        var started = new Thread[Environment.ProcessorCount - 1];
        long now = Volatile.Read(ref generation); // before the first job's: a helper that starts late still runs it
        for (int i = 0; i < started.Length; i++)
        {
            int index = i + 1;
            started[i] = new Thread(() => Helper(index, now)) { IsBackground = true, Name = $"TinyGrad worker {index}" };
            started[i].Start();
        }
        helpers = started;
    }

    /// <summary>Helper <paramref name="index"/>: runs chunk <paramref name="index"/> of every job after generation <paramref name="seen"/> that has one.</summary>
    private static void Helper(int index, long seen)
    {
        inside = true;
        while (true)
        {
            long now = WaitForJob(seen);
            seen = now;
            if (index >= jobWorkers) continue;
            try
            {
                job!(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>The next generation after <paramref name="seen"/>: spins for <see cref="SpinTicks"/>, then blocks.</summary>
    private static long WaitForJob(long seen)
    {
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        var spin = new SpinWait();
        long now;
        while ((now = Volatile.Read(ref generation)) == seen)
        {
            if (Stopwatch.GetTimestamp() > until)
            {
                lock (SleepLock)
                {
                    Interlocked.Increment(ref sleepers); // a full fence before the generation is read again
                    while ((now = Volatile.Read(ref generation)) == seen) Monitor.Wait(SleepLock);
                    Interlocked.Decrement(ref sleepers);
                }
                return now;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return now;
    }
}

using NUnit.Framework;
using TinyGrad.Kernels.Cpu.Fast;

namespace TinyGrad.Tests.Kernels;

/// The CPU kernels' fork-join: every chunk runs exactly once per job, on every path (helpers,
/// nested, several callers at once), a chunk's exception reaches the caller, and the helpers are
/// still there afterwards. Each check runs under a deadline, so a lost wake-up fails instead of hanging.
public sealed class ForkJoinTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static void WithinDeadline(Action action)
    {
        var task = Task.Factory.StartNew(action, TaskCreationOptions.LongRunning);
        Assert.That(task.Wait(Deadline), Is.True, "the fork-join did not finish (lost wake-up or deadlock)");
    }

    private static int Workers => Math.Max(2, Environment.ProcessorCount);

    [Test]
    public void EveryChunkRunsOncePerJobAcrossManyJobs()
    {
        WithinDeadline(() =>
        {
            int workers = Workers;
            for (int job = 0; job < 2000; job++)
            {
                var hits = new int[workers];
                ForkJoin.Run(workers, w => Interlocked.Increment(ref hits[w]));
                Assert.That(hits, Is.All.EqualTo(1), $"job {job}");
                // Now and then let the helpers fall asleep, so the blocking wake-up is exercised too.
                if (job % 500 == 499) Thread.Sleep(5);
            }
        });
    }

    [Test]
    public void NestedJobsRunTheirChunksInOrderOnTheirThread()
    {
        WithinDeadline(() =>
        {
            int workers = Workers;
            var inner = new int[workers * workers];
            ForkJoin.Run(workers, outer =>
            {
                int thread = Environment.CurrentManagedThreadId, last = -1;
                ForkJoin.Run(workers, w =>
                {
                    Assert.That(Environment.CurrentManagedThreadId, Is.EqualTo(thread));
                    Assert.That(w, Is.EqualTo(last + 1));
                    last = w;
                    Interlocked.Increment(ref inner[outer * workers + w]);
                });
            });
            Assert.That(inner, Is.All.EqualTo(1));
        });
    }

    [Test]
    public void AChunksExceptionReachesTheCallerAndTheHelpersStay()
    {
        WithinDeadline(() =>
        {
            int workers = Workers;
            var thrown = Assert.Throws<AggregateException>(() =>
                ForkJoin.Run(workers, w => { if (w == workers - 1) throw new InvalidOperationException($"chunk {w}"); }));
            Assert.That(thrown!.InnerException, Is.TypeOf<InvalidOperationException>().With.Message.EqualTo($"chunk {workers - 1}"));
            Assert.Throws<AggregateException>(() => ForkJoin.Run(workers, w => { if (w == 0) throw new InvalidOperationException("caller's chunk"); }));
            int sum = 0;
            ForkJoin.Run(workers, w => Interlocked.Add(ref sum, w + 1));
            Assert.That(sum, Is.EqualTo(workers * (workers + 1) / 2));
        });
    }

    [Test]
    public void CallersOnSeveralThreadsAtOnceAllGetEveryChunk()
    {
        WithinDeadline(() =>
        {
            int workers = Workers;
            var totals = new long[4];
            Parallel.For(0, totals.Length, new ParallelOptions { MaxDegreeOfParallelism = totals.Length }, caller =>
            {
                for (int job = 0; job < 300; job++)
                    ForkJoin.Run(workers, w => Interlocked.Add(ref totals[caller], w + 1));
            });
            Assert.That(totals, Is.All.EqualTo(300L * workers * (workers + 1) / 2));
        });
    }
}

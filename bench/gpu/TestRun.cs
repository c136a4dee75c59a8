using System.Security;
using NUnit.Framework.Api;
using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace TinyGrad.Bench;

/// <summary>
/// Runs tests of the NUnit suite in this process, through NUnit's own assembly runner: the GPU
/// machine has no .NET SDK for <c>dotnet test</c>. Prints each failure and a summary line.
/// </summary>
public static class TestRun
{
    /// <summary>Runs the tests whose full name matches <paramref name="pattern"/>; returns (passed, failed, skipped).</summary>
    public static (int Passed, int Failed, int Skipped) Run(string pattern)
    {
        var runner = new NUnitTestAssemblyRunner(new DefaultTestAssemblyBuilder());
        runner.Load(typeof(Tests.TestDevices).Assembly, new Dictionary<string, object>());
        var filter = TestFilter.FromXml($"<filter><test re=\"1\">{SecurityElement.Escape(pattern)}</test></filter>");
        var result = runner.Run(new Listener(), filter);
        int failed = result.FailCount + result.InconclusiveCount;
        Console.WriteLine($"tests /{pattern}/: {result.PassCount} passed, {failed} failed, {result.SkipCount} skipped ({result.Duration:F1} s)");
        return (result.PassCount, failed, result.SkipCount);
    }

    private sealed class Listener : ITestListener
    {
        public void TestStarted(ITest test)
        {
        }

        public void TestFinished(ITestResult result)
        {
            if (result.HasChildren) return;
            var status = result.ResultState.Status;
            if (status is TestStatus.Failed or TestStatus.Inconclusive)
                Console.WriteLine($"test FAIL {result.FullName}: {result.Message?.ReplaceLineEndings(" ")}");
            else if (status == TestStatus.Skipped && result.ResultState.Label != "Ignored")
                Console.WriteLine($"test SKIP {result.FullName}: {result.Message?.ReplaceLineEndings(" ")}");
        }

        public void TestOutput(TestOutput output)
        {
        }

        public void SendMessage(TestMessage message)
        {
        }
    }
}

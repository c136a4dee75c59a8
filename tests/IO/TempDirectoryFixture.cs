using NUnit.Framework;

namespace TinyGrad.Tests.IO;

/// <summary>A base for fixtures that write files: each test gets a fresh temporary folder, deleted after it.</summary>
public abstract class TempDirectoryFixture
{
    /// <summary>This test's folder.</summary>
    protected string Dir { get; private set; } = "";

    [SetUp]
    public void CreateDir() => Dir = TestFiles.NewDir();

    [TearDown]
    public void DeleteDir() => Directory.Delete(Dir, true);
}

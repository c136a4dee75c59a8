using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>The malformed-file assertion shared by the bad-input test classes.</summary>
internal static class Malformed
{
    /// <summary>
    /// The read throws <see cref="InvalidDataFileException"/> whose message names the file, says what was
    /// expected and contains every fragment (case-insensitive), allocating less than twice the file plus 8 MiB.
    /// </summary>
    public static InvalidDataFileException Expect(string path, Action read, params string[] fragments)
    {
        long fileLen = new FileInfo(path).Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = ExpectMessage(path, read, fragments);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(2 * fileLen + (8 << 20)), "no allocation beyond the file size");
        return e;
    }

    /// <summary>As <see cref="Expect"/>, without the allocation bound (for a test that sets its own).</summary>
    public static InvalidDataFileException ExpectMessage(string path, Action read, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataFileException>(() => read())!;
        Assert.That(e.Message, Does.Contain(path), "message names the file");
        Assert.That(e.Message, Does.Contain("expected"), "message says what was expected");
        foreach (string f in fragments) Assert.That(e.Message, Does.Contain(f).IgnoreCase);
        return e;
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in <paramref name="dir"/>.</summary>
    public static string Put(string dir, string name, byte[] bytes)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }
}

using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>Downloads against an HTTP server on 127.0.0.1 run by the test: the real URLs are never touched.</summary>
public sealed class DownloaderTests
{
    private static readonly byte[] Good = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
    private static readonly byte[] Bad = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7 + 1)).ToArray();
    private HttpListener? listener;
    private Task? serving;
    private string baseUrl = "";
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = TestFiles.NewDir();
        int port = FreePort();
        baseUrl = $"http://127.0.0.1:{port}/";
        listener = new HttpListener();
        listener.Prefixes.Add(baseUrl);
        listener.Start();
        serving = Task.Run(Serve);
    }

    [TearDown]
    public void TearDown()
    {
        listener?.Stop();
        listener?.Close();
        try { serving?.Wait(2000); } catch (AggregateException) { }
        Directory.Delete(dir, true);
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task Serve()
    {
        while (listener!.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            byte[]? body = ctx.Request.Url!.AbsolutePath switch { "/good.bin" => Good, "/bad.bin" => Bad, _ => null };
            if (body is null) ctx.Response.StatusCode = 404;
            else
            {
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
            }
            ctx.Response.Close();
        }
    }

    private static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Test]
    public void GoodFileIsAcceptedAfterAFailingMirror()
    {
        var f = new RemoteFile("data.bin", Sha(Good), [baseUrl + "missing.bin", baseUrl + "good.bin"]);
        using var client = new HttpClient();
        Downloader.EnsureFiles(dir, [f], client);
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "data.bin")), Is.EqualTo(Good));
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temp file left");
        // Already present with the right checksum: no request needed (the server could be gone).
        Downloader.EnsureFiles(dir, [f with { Urls = [] }], client);
    }

    [Test]
    public void WrongChecksumIsRejectedAndNotLeftInPlace()
    {
        var f = new RemoteFile("data.bin", Sha(Good), [baseUrl + "bad.bin"]);
        using var client = new HttpClient();
        var e = Assert.Throws<DataUnavailableException>(() => Downloader.EnsureFiles(dir, [f], client))!;
        Assert.That(e.Message, Does.Contain("data.bin").And.Contain("sha256").And.Contain(Path.GetFullPath(dir)));
        Assert.That(Directory.GetFiles(dir), Is.Empty, "neither the bad file nor a temp file remains");
    }

    [Test]
    public void OfflineGivesOneClearMessage()
    {
        int dead = FreePort();
        var f = new RemoteFile("train-images-idx3-ubyte.gz", Sha(Good), [$"http://127.0.0.1:{dead}/x.gz"]);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var e = Assert.Throws<DataUnavailableException>(() => Downloader.EnsureFiles(dir, [f], client))!;
        Assert.That(e.Message, Does.Contain("train-images-idx3-ubyte.gz").And.Contain("Put these files into"));
        Assert.That(Directory.GetFiles(dir), Is.Empty);
    }
}

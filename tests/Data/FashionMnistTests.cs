using System.Net;
using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;
using TinyGrad.Tests.IO;

namespace TinyGrad.Tests.Data;

/// <summary>Fashion-MNIST shares MNIST's IDX reader but has its own name, files, mirrors, checksums and normalization.</summary>
public sealed class FashionMnistTests : TempDirectoryFixture
{
    [Test]
    public void LoadsItsIdxFilesUnderItsOwnName()
    {
        byte[] images = TestFiles.IdxImages(9, seed: 4), labels = TestFiles.IdxLabels(9, seed: 5);
        File.WriteAllBytes(Path.Combine(Dir, "train-images-idx3-ubyte.gz"), TestFiles.Gzip(images));
        File.WriteAllBytes(Path.Combine(Dir, "train-labels-idx1-ubyte"), labels);
        var ds = FashionMnist.Load(Dir, train: true);
        Assert.That(ds.Name, Is.EqualTo("Fashion-MNIST train"));
        Assert.That((ds.Count, ds.IsSynthetic), Is.EqualTo((9, false)));
        Assert.That(ds.Labels.ToArray(), Is.EqualTo(labels.Skip(8).Select(b => (int)b)));
        var first = new float[784];
        ds.CopySample(0, first);
        Assert.That(first[100], Is.EqualTo(images[16 + 100] / 255f));
        Assert.That(Mnist.Load(Dir, train: true).Name, Is.EqualTo("MNIST train"), "the same reader, MNIST's name");
        Assert.That(FashionMnist.ClassNames, Has.Count.EqualTo(10).And.Contains("Ankle boot"));
        Assert.That((Normalization.FashionMnist.Mean[0], Normalization.Mnist.Mean[0]), Is.EqualTo((0.2860f, 0.1307f)));
    }

    [Test]
    public void MissingFilesNameTheDatasetTheFolderItsMirrorAndDownloadTrue()
    {
        var e = Assert.Throws<DataUnavailableException>(() => FashionMnist.Load(Dir, train: false))!;
        Assert.That(e.Message, Is.EqualTo($"Fashion-MNIST test files not found. Put t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzipped or not) into " +
            $"{Path.GetFullPath(Dir)}; they are at http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/, or pass download: true to fetch them."));
        e = Assert.Throws<DataUnavailableException>(() => Mnist.Load(Dir, train: true))!;
        Assert.That(e.Message, Does.StartWith("MNIST train files not found.").And.Contain("https://ossci-datasets.s3.amazonaws.com/mnist/").And.EndWith("pass download: true to fetch them."));
    }

    [Test]
    public void DownloadAsksFashionMnistsMirrorsWithItsChecksums()
    {
        var asked = new List<string>();
        using var client = new HttpClient(new Recorder(asked));
        var e = Assert.Throws<DataUnavailableException>(() => FashionMnist.Load(Dir, train: true, download: true, client))!;
        Assert.That(asked, Is.EqualTo(new[]
        {
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/train-images-idx3-ubyte.gz",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/train-labels-idx1-ubyte.gz",
        }));
        Assert.That(e.Message, Does.Contain("sha256 3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"));
        Assert.That(FashionMnist.Files.Select(f => f.Sha256), Is.Unique.And.No.AnyOf(Mnist.Files.Select(f => f.Sha256).ToArray()));
        Assert.That(Directory.GetFiles(Dir), Is.Empty, "nothing half-downloaded is left");
    }

    /// <summary>Answers every request with 404, remembering the URL: no network is touched.</summary>
    private sealed class Recorder(List<string> asked) : HttpMessageHandler
    {
        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            asked.Add(request.RequestUri!.ToString());
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }
}

using System.Globalization;
using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>Files written here load in numpy and the other way round (Ignored where python3/numpy are absent).</summary>
public sealed class NumpyInteropTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        TestFiles.RequireNumpy();
        dir = TestFiles.NewDir();
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    [Test]
    public void OurNpyLoadsInNumpy()
    {
        var cases = new (string Name, HostArray A)[]
        {
            ("f4", HostArray.Create(new float[] { 1.5f, -2, 3.25f, 1e-30f, 7, 8 }, 2, 3)),
            ("f8", HostArray.Create(new double[] { Math.PI, -1e300 }, 2)),
            ("i4", HostArray.Create(new int[] { int.MinValue, int.MaxValue, 0, 1 }, 2, 1, 2)),
            ("i8", HostArray.Create(new long[] { long.MinValue, 5 }, 2)),
            ("u1", HostArray.Create(new byte[] { 0, 255 }, 2)),
            ("scalar", HostArray.Create(new double[] { 2.5 })),
        };
        foreach (var (name, a) in cases) Npy.Write(Path.Combine(dir, name + ".npy"), a);
        string output = TestFiles.Python("""
            import sys, numpy as np
            for n in ['f4','f8','i4','i8','u1','scalar']:
                a = np.load(sys.argv[1] + '/' + n + '.npy')
                print(n, a.dtype.str, a.shape, ' '.join(repr(x) for x in a.reshape(-1).tolist()))
            """, dir);
        var lines = output.Trim().Split('\n');
        Assert.That(lines[0], Is.EqualTo("f4 <f4 (2, 3) 1.5 -2.0 3.25 1.0000000031710769e-30 7.0 8.0"));
        Assert.That(lines[1], Is.EqualTo("f8 <f8 (2,) 3.141592653589793 -1e+300"));
        Assert.That(lines[2], Is.EqualTo("i4 <i4 (2, 1, 2) -2147483648 2147483647 0 1"));
        Assert.That(lines[3], Is.EqualTo("i8 <i8 (2,) -9223372036854775808 5"));
        Assert.That(lines[4], Is.EqualTo("u1 |u1 (2,) 0 255"));
        Assert.That(lines[5], Is.EqualTo("scalar <f8 () 2.5"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void OurNpzLoadsInNumpy(bool compress)
    {
        string p = Path.Combine(dir, "x.npz");
        Npz.Write(p, new Dictionary<string, HostArray>
        {
            ["weights"] = HostArray.Create(new float[] { 1, 2, 3, 4 }, 2, 2),
            ["labels"] = HostArray.Create(new int[] { 9, 8, 7 }, 3),
        }, compress);
        string output = TestFiles.Python("""
            import sys, numpy as np
            z = np.load(sys.argv[1])
            print(sorted(z.files), z['weights'].tolist(), z['labels'].tolist(), z['labels'].dtype.str)
            """, p);
        Assert.That(output.Trim(), Is.EqualTo("['labels', 'weights'] [[1.0, 2.0], [3.0, 4.0]] [9, 8, 7] <i4"));
    }

    [Test]
    public void NumpyWrittenFilesLoadHere()
    {
        TestFiles.Python("""
            import sys, numpy as np, numpy.lib.format as fmt
            d = sys.argv[1]
            np.save(d + '/a.npy', np.arange(12, dtype=np.float32).reshape(3, 4) / 3)
            np.save(d + '/b.npy', np.array([[1, -2], [3, 2**40]], dtype=np.int64))
            np.save(d + '/c.npy', np.arange(5, dtype=np.uint8))
            np.save(d + '/f.npy', np.asfortranarray(np.ones((2, 3))))
            with open(d + '/v2.npy', 'wb') as f:
                a = np.linspace(0, 1, 7)
                fmt.write_array(f, a, version=(2, 0))
            np.savez(d + '/s.npz', x=np.array([1.0, 2.0]), y=np.eye(2, dtype=np.float32))
            np.savez_compressed(d + '/c.npz', x=np.array([1.0, 2.0]), y=np.eye(2, dtype=np.float32))
            """, dir);
        var a = Npy.Read(Path.Combine(dir, "a.npy"));
        Assert.That(a.Shape.ToArray(), Is.EqualTo(new[] { 3, 4 }));
        Assert.That(a.As<float>()[5], Is.EqualTo(5f / 3f));
        Assert.That(Npy.Read(Path.Combine(dir, "b.npy")).As<long>(), Is.EqualTo(new long[] { 1, -2, 3, 1L << 40 }));
        Assert.That(Npy.Read(Path.Combine(dir, "c.npy")).As<byte>(), Is.EqualTo(new byte[] { 0, 1, 2, 3, 4 }));
        var v2 = Npy.Read(Path.Combine(dir, "v2.npy"));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "v2.npy"))[6], Is.EqualTo(2), "numpy wrote a v2 header");
        Assert.That(v2.As<double>()[6], Is.EqualTo(1.0));
        var fe = Assert.Throws<InvalidDataFileException>(() => Npy.Read(Path.Combine(dir, "f.npy")))!;
        Assert.That(fe.Message, Does.Contain("f.npy").And.Contain("fortran_order"));
        foreach (string n in new[] { "s.npz", "c.npz" })
        {
            var z = Npz.Read(Path.Combine(dir, n));
            Assert.That(z["x"].As<double>(), Is.EqualTo(new[] { 1.0, 2.0 }));
            Assert.That(z["y"].As<float>(), Is.EqualTo(new float[] { 1, 0, 0, 1 }));
        }
    }

    [Test]
    public void SafeTensorsHeaderIsPlainJsonNumpyCanParse()
    {
        string p = Path.Combine(dir, "x.safetensors");
        SafeTensors.Write(p, new Dictionary<string, HostArray> { ["w"] = HostArray.Create(new float[] { 1, 2, 3 }, 3) });
        string output = TestFiles.Python("""
            import sys, json, struct, numpy as np
            b = open(sys.argv[1], 'rb').read()
            n = struct.unpack('<Q', b[:8])[0]
            h = json.loads(b[8:8+n])
            s, e = h['w']['data_offsets']
            print(np.frombuffer(b[8+n+s:8+n+e], dtype='<f4').tolist())
            """, p);
        Assert.That(output.Trim(), Is.EqualTo("[1.0, 2.0, 3.0]"));
        _ = CultureInfo.InvariantCulture;
    }
}

namespace TinyGrad.Data;

/// <summary>
/// "Synthetic CIFAR": a CIFAR-10 stand-in for offline machines. 32x32 RGB images (CHW) of 10 classes:
/// 0 disk, 1 square, 2 triangle, 3 ring, 4 cross, 5 horizontal stripes, 6 vertical stripes,
/// 7 checkerboard, 8 diagonal stripes, 9 pair of dots. The class lives in the object's shape or texture;
/// position, size, rotation (+-15 degrees), colours (hue only weakly tied to the class), background
/// gradient, clutter squares and pixel noise are nuisances, so a pixel-linear model does clearly worse than
/// a small CNN. Deterministic per (seed, split, index); generated in parallel. Marked synthetic.
/// </summary>
public static class SyntheticCifar
{
    /// <summary>Image side in pixels.</summary>
    public const int Size = 32;

    private const int Plane = Size * Size;

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["disk", "square", "triangle", "ring", "cross", "h-stripes", "v-stripes", "checker", "diag-stripes", "dots"];

    /// <summary>The 50,000-image training set for <paramref name="seed"/>.</summary>
    public static Dataset Train(ulong seed = 0, int count = 50_000) => Generate(count, seed, train: true);

    /// <summary>The 10,000-image test set for <paramref name="seed"/>.</summary>
    public static Dataset Test(ulong seed = 0, int count = 10_000) => Generate(count, seed, train: false);

    /// <summary>Generates <paramref name="count"/> images [N, 3, 32, 32] with random labels.</summary>
    public static Dataset Generate(int count, ulong seed, bool train)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ulong key = SampleRandom.Key(seed, train ? 21UL : 22UL);
        var pixels = new byte[(long)count * 3 * Plane];
        var labels = new int[count];
        Parallel.For(0, count, i =>
        {
            var rng = new SampleRandom(key, i);
            int label = rng.NextInt(10);
            labels[i] = label;
            Render(label, ref rng, pixels.AsSpan(i * 3 * Plane, 3 * Plane));
        });
        return Dataset.FromBytes($"synthetic CIFAR ({(train ? "train" : "test")}, seed {seed})", pixels, [3, Size, Size], labels, 10, synthetic: true);
    }

    private static void Render(int label, ref SampleRandom rng, Span<byte> output)
    {
        // Object placement: centre, radius (pixels), rotation.
        double radius = rng.Uniform(6.5, 11);
        double cx = rng.Uniform(radius * 0.7 + 1, Size - radius * 0.7 - 1), cy = rng.Uniform(radius * 0.7 + 1, Size - radius * 0.7 - 1);
        double angle = rng.Uniform(-0.26, 0.26);
        float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle), inv = (float)(1 / radius), rad = (float)radius;
        float freq = (float)rng.Uniform(2.2, 3.2) * MathF.PI;

        // Colours: hue weakly class-dependent, saturation/value random; background far enough in brightness.
        double hue = label * 36 + rng.Uniform(-110, 110);
        Hsv(hue, rng.Uniform(0.4, 1), rng.Uniform(0.55, 1), out float fr, out float fg, out float fb);
        Hsv(hue + rng.Uniform(90, 270), rng.Uniform(0.2, 1), rng.Uniform(0.1, 0.5), out float sr, out float sg, out float sb);
        Hsv(rng.Uniform(0, 360), rng.Uniform(0, 0.6), rng.Uniform(0.05, 0.6), out float br, out float bg, out float bb);
        float gx = (float)rng.Uniform(-0.01, 0.01), gy = (float)rng.Uniform(-0.01, 0.01);
        float noise = (float)rng.Uniform(0.02, 0.12);

        // Two clutter squares of random colour.
        Span<float> clutter = stackalloc float[14];
        for (int k = 0; k < 2; k++)
        {
            clutter[k * 7] = rng.NextInt(Size - 3);
            clutter[k * 7 + 1] = rng.NextInt(Size - 3);
            clutter[k * 7 + 2] = 2 + rng.NextInt(3);
            Hsv(rng.Uniform(0, 360), rng.Uniform(0, 1), rng.Uniform(0, 1), out clutter[k * 7 + 3], out clutter[k * 7 + 4], out clutter[k * 7 + 5]);
            clutter[k * 7 + 6] = rng.NextDouble() < 0.6 ? 1 : 0;
        }

        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                float px = x + 0.5f - (float)cx, py = y + 0.5f - (float)cy;
                float u = (cos * px + sin * py) * inv, v = (-sin * px + cos * py) * inv;
                float sd = SignedDistance(label, u, v) * rad;
                float m = Math.Clamp(sd + 0.5f, 0f, 1f);
                float tex = label is >= 5 and <= 8 ? Texture(label, u, v, freq) : 1f;
                float r = br + gx * (x - 16) + gy * (y - 16), g = bg + gx * (x - 16), b = bb + gy * (y - 16);
                float objR = sr + (fr - sr) * tex, objG = sg + (fg - sg) * tex, objB = sb + (fb - sb) * tex;
                r += (objR - r) * m;
                g += (objG - g) * m;
                b += (objB - b) * m;
                for (int k = 0; k < 2; k++)
                {
                    int ox = (int)clutter[k * 7], oy = (int)clutter[k * 7 + 1], os = (int)clutter[k * 7 + 2];
                    if (clutter[k * 7 + 6] > 0 && x >= ox && x < ox + os && y >= oy && y < oy + os)
                    {
                        r = clutter[k * 7 + 3];
                        g = clutter[k * 7 + 4];
                        b = clutter[k * 7 + 5];
                    }
                }
                uint bits = rng.NextUInt();
                int p = y * Size + x;
                output[p] = ToByte(r + ((bits & 0xFF) * (1f / 255f) - 0.5f) * noise);
                output[Plane + p] = ToByte(g + (((bits >> 8) & 0xFF) * (1f / 255f) - 0.5f) * noise);
                output[2 * Plane + p] = ToByte(b + (((bits >> 16) & 0xFF) * (1f / 255f) - 0.5f) * noise);
            }
        }
    }

    /// <summary>Signed distance (positive inside) of the class shape in unit coordinates (radius 1).</summary>
    private static float SignedDistance(int label, float u, float v)
    {
        float au = MathF.Abs(u), av = MathF.Abs(v);
        switch (label)
        {
            case 0: return 1 - MathF.Sqrt(u * u + v * v);
            case 1: return 0.8f - MathF.Max(au, av);
            case 2:
            {
                // Equilateral triangle pointing up: three half-planes.
                float d1 = 0.5f + v;
                float d2 = 0.5f - (0.866f * u - 0.5f * v);
                float d3 = 0.5f - (-0.866f * u - 0.5f * v);
                return MathF.Min(d1, MathF.Min(d2, d3)) * 1.3f;
            }
            case 3:
            {
                float r = MathF.Sqrt(u * u + v * v);
                return MathF.Min(1 - r, r - 0.55f);
            }
            case 4: return MathF.Max(MathF.Min(1 - au, 0.32f - av), MathF.Min(1 - av, 0.32f - au));
            case 9:
            {
                float d1 = MathF.Sqrt((u - 0.55f) * (u - 0.55f) + v * v), d2 = MathF.Sqrt((u + 0.55f) * (u + 0.55f) + v * v);
                return 0.42f - MathF.Min(d1, d2);
            }
            default:
            {
                // Textured classes share one rounded-square patch: only the texture tells them apart.
                float q = MathF.Sqrt(MathF.Sqrt(u * u * u * u + v * v * v * v));
                return 0.95f - q;
            }
        }
    }

    private static float Texture(int label, float u, float v, float freq)
    {
        float t = label switch
        {
            5 => MathF.Sin(v * freq),
            6 => MathF.Sin(u * freq),
            7 => MathF.Sin(u * freq) * MathF.Sin(v * freq),
            _ => MathF.Sin((u + v) * freq * 0.7071f),
        };
        return Math.Clamp(t * 3 + 0.5f, 0f, 1f);
    }

    private static byte ToByte(float v) => (byte)(Math.Clamp(v, 0f, 1f) * 255f + 0.5f);

    private static void Hsv(double h, double s, double v, out float r, out float g, out float b)
    {
        h = ((h % 360) + 360) % 360 / 60;
        int i = (int)h;
        double f = h - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        (double rr, double gg, double bb) = i switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
        r = (float)rr;
        g = (float)gg;
        b = (float)bb;
    }
}

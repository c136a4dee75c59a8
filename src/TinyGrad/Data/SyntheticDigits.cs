namespace TinyGrad.Data;

/// <summary>
/// "Synthetic digits": an MNIST stand-in for offline machines. 28x28 grey images of 10 classes drawn from
/// stroke templates (line segments and elliptic arcs per digit) under a random affine map (rotation,
/// anisotropic scale, shear, translation), a smooth elastic warp, random stroke thickness and ink, and
/// additive pixel noise. Deterministic: sample i depends only on (seed, split, i), so generation runs in
/// parallel and gives the same bytes everywhere. Marked synthetic.
/// </summary>
public static class SyntheticDigits
{
    /// <summary>Image side in pixels.</summary>
    public const int Size = 28;

    // Per digit: segments (x0, y0, x1, y1) in a unit box, y pointing down; built once from the templates.
    private static readonly float[][] Segments = BuildTemplates();

    /// <summary>The 60,000-image training set for <paramref name="seed"/>.</summary>
    public static Dataset Train(ulong seed = 0, int count = 60_000) => Generate(count, seed, train: true);

    /// <summary>The 10,000-image test set for <paramref name="seed"/> (a different random stream from the training set).</summary>
    public static Dataset Test(ulong seed = 0, int count = 10_000) => Generate(count, seed, train: false);

    /// <summary>Generates <paramref name="count"/> images [N, 1, 28, 28] with balanced random labels.</summary>
    public static Dataset Generate(int count, ulong seed, bool train)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ulong key = SampleRandom.Key(seed, train ? 11UL : 12UL);
        var pixels = new byte[(long)count * Size * Size];
        var labels = new int[count];
        Parallel.For(0, count, () => new float[Size * Size], (i, _, canvas) =>
        {
            var rng = new SampleRandom(key, i);
            int label = rng.NextInt(10);
            labels[i] = label;
            Render(label, ref rng, canvas, pixels.AsSpan(i * Size * Size, Size * Size));
            return canvas;
        }, _ => { });
        return Dataset.FromBytes($"synthetic digits ({(train ? "train" : "test")}, seed {seed})", pixels, [1, Size, Size], labels, 10, synthetic: true);
    }

    private static void Render(int label, ref SampleRandom rng, float[] canvas, Span<byte> output)
    {
        Array.Clear(canvas);
        // Affine map from unit-box coordinates (centred) to pixels: the digit fills about 20x20 like MNIST.
        double angle = rng.Uniform(-0.3, 0.3);
        double sx = 20 * rng.Uniform(0.75, 1.1), sy = 20 * rng.Uniform(0.8, 1.1);
        double shear = rng.Uniform(-0.35, 0.35);
        double tx = 14 + rng.Uniform(-2.5, 2.5), ty = 14 + rng.Uniform(-2.5, 2.5);
        double c = Math.Cos(angle), s = Math.Sin(angle);
        double a00 = c * sx, a01 = (c * shear - s) * sy, a10 = s * sx, a11 = (s * shear + c) * sy;
        // Smooth warp keeps strokes connected while varying their shape.
        double wa = rng.Uniform(0, 0.05), wf = rng.Uniform(0.5, 1.5), wp = rng.Uniform(0, 6.283);
        double wb = rng.Uniform(0, 0.05), wg = rng.Uniform(0.5, 1.5), wq = rng.Uniform(0, 6.283);
        float half = (float)rng.Uniform(0.55, 1.45);
        float ink = (float)rng.Uniform(0.7, 1.0);
        float noise = (float)rng.Uniform(0.0, 0.25);

        float[] seg = Segments[label];
        for (int k = 0; k < seg.Length; k += 4)
        {
            Map(seg[k], seg[k + 1], out float x0, out float y0);
            Map(seg[k + 2], seg[k + 3], out float x1, out float y1);
            DrawSegment(canvas, x0, y0, x1, y1, half);
        }
        for (int p = 0; p < canvas.Length; p += 4)
        {
            uint bits = rng.NextUInt();
            for (int q = 0; q < 4; q++)
            {
                float n = ((bits >> (8 * q)) & 0xFF) * (1f / 255f) - 0.5f;
                float v = canvas[p + q] * ink + n * noise;
                output[p + q] = (byte)(Math.Clamp(v, 0f, 1f) * 255f + 0.5f);
            }
        }

        void Map(float u, float v, out float x, out float y)
        {
            double uu = u - 0.5 + wa * Math.Sin(6.283 * wf * v + wp);
            double vv = v - 0.5 + wb * Math.Sin(6.283 * wg * u + wq);
            x = (float)(a00 * uu + a01 * vv + tx);
            y = (float)(a10 * uu + a11 * vv + ty);
        }
    }

    /// <summary>Anti-aliased thick segment: intensity 1 within <paramref name="half"/> px of the segment, fading over one pixel.</summary>
    private static void DrawSegment(float[] canvas, float x0, float y0, float x1, float y1, float half)
    {
        float r = half + 1;
        int minX = Math.Max(0, (int)MathF.Floor(MathF.Min(x0, x1) - r)), maxX = Math.Min(Size - 1, (int)MathF.Ceiling(MathF.Max(x0, x1) + r));
        int minY = Math.Max(0, (int)MathF.Floor(MathF.Min(y0, y1) - r)), maxY = Math.Min(Size - 1, (int)MathF.Ceiling(MathF.Max(y0, y1) + r));
        float dx = x1 - x0, dy = y1 - y0;
        float len2 = dx * dx + dy * dy;
        for (int py = minY; py <= maxY; py++)
        {
            float cy = py + 0.5f;
            for (int px = minX; px <= maxX; px++)
            {
                float cx = px + 0.5f;
                float t = len2 > 0 ? Math.Clamp(((cx - x0) * dx + (cy - y0) * dy) / len2, 0f, 1f) : 0f;
                float ex = x0 + t * dx - cx, ey = y0 + t * dy - cy;
                float d = MathF.Sqrt(ex * ex + ey * ey);
                float v = Math.Clamp(half + 0.5f - d, 0f, 1f);
                int idx = py * Size + px;
                if (v > canvas[idx]) canvas[idx] = v;
            }
        }
    }

    private static float[][] BuildTemplates()
    {
        var t = new List<float>[10];
        for (int i = 0; i < 10; i++) t[i] = [];
        Arc(t[0], 0.5, 0.5, 0.3, 0.42, 0, 360);
        Line(t[1], 0.5, 0.08, 0.5, 0.92); Line(t[1], 0.33, 0.24, 0.5, 0.08);
        Arc(t[2], 0.5, 0.3, 0.27, 0.22, 180, 405); Line(t[2], 0.69, 0.456, 0.22, 0.9); Line(t[2], 0.22, 0.9, 0.8, 0.9);
        Arc(t[3], 0.48, 0.3, 0.25, 0.2, 200, 450); Arc(t[3], 0.48, 0.71, 0.28, 0.21, 270, 520);
        Line(t[4], 0.65, 0.08, 0.18, 0.65); Line(t[4], 0.18, 0.65, 0.82, 0.65); Line(t[4], 0.65, 0.08, 0.65, 0.92);
        Line(t[5], 0.75, 0.1, 0.3, 0.1); Line(t[5], 0.3, 0.1, 0.29, 0.47); Arc(t[5], 0.5, 0.66, 0.27, 0.25, 225, 500);
        Arc(t[6], 0.5, 0.68, 0.25, 0.22, 0, 360); Arc(t[6], 0.75, 0.68, 0.5, 0.58, 250, 180);
        Line(t[7], 0.2, 0.1, 0.8, 0.1); Line(t[7], 0.8, 0.1, 0.4, 0.92);
        Arc(t[8], 0.5, 0.29, 0.22, 0.19, 0, 360); Arc(t[8], 0.5, 0.7, 0.27, 0.22, 0, 360);
        Arc(t[9], 0.5, 0.32, 0.25, 0.22, 0, 360); Line(t[9], 0.75, 0.32, 0.65, 0.92);
        var result = new float[10][];
        for (int i = 0; i < 10; i++) result[i] = [.. t[i]];
        return result;
    }

    private static void Line(List<float> s, double x0, double y0, double x1, double y1) =>
        s.AddRange([(float)x0, (float)y0, (float)x1, (float)y1]);

    /// <summary>Elliptic arc from angle a0 to a1 in degrees (either direction) as a polyline; angles grow clockwise on screen.</summary>
    private static void Arc(List<float> s, double cx, double cy, double rx, double ry, double a0, double a1)
    {
        int n = Math.Max(3, (int)Math.Ceiling(Math.Abs(a1 - a0) / 20));
        double px = cx + rx * Math.Cos(a0 * Math.PI / 180), py = cy + ry * Math.Sin(a0 * Math.PI / 180);
        for (int i = 1; i <= n; i++)
        {
            double a = (a0 + (a1 - a0) * i / n) * Math.PI / 180;
            double x = cx + rx * Math.Cos(a), y = cy + ry * Math.Sin(a);
            Line(s, px, py, x, y);
            (px, py) = (x, y);
        }
    }
}

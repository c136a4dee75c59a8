using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// Backend-independent parity checks: every primitive of IBackend run on a candidate backend and
/// on ReferenceBackend with the same inputs. GPU fixtures reuse RunParity with their backend.
public static partial class ParityChecks
{
    private static readonly DType[] Floats = [DType.Float32, DType.Float64];

    private static readonly Dictionary<string, Action<ParityContext>> Checks = new()
    {
        ["copy"] = Copy,
        ["fill"] = Fill,
        ["random"] = Random,
        ["unary"] = Unary,
        ["binary"] = Binary,
        ["where"] = Where,
        ["reduce_sum"] = c => Reduce(c, ReduceOp.Sum),
        ["reduce_max"] = c => Reduce(c, ReduceOp.Max),
        ["argmax"] = ArgMax,
        ["gemm"] = Gemm,
        ["conv2d_forward"] = c => Conv(c, "forward"),
        ["conv2d_backward_input"] = c => Conv(c, "backward_input"),
        ["conv2d_backward_weight"] = c => Conv(c, "backward_weight"),
        ["conv2d_random_geometries"] = ConvRandomGeometries,
        ["max_pool2d_forward"] = MaxPool,
        ["avg_pool2d_forward"] = c => AvgPool(c, backward: false),
        ["avg_pool2d_backward"] = c => AvgPool(c, backward: true),
        ["gather"] = Gather,
        ["scatter_add"] = ScatterAdd,
        ["sgd_step"] = Sgd,
        ["adam_step"] = Adam,
    };

    public static IEnumerable<string> Primitives => Checks.Keys;

    public static void RunParity(IBackend candidate, string primitive) => Checks[primitive](new ParityContext(candidate));

    // ---- data movement -------------------------------------------------------------------

    private static void Copy(ParityContext c)
    {
        var cases = new (ViewSpec Src, ViewSpec Dst)[]
        {
            (ViewSpec.Contiguous(3, 4, 5), ViewSpec.Contiguous(3, 4, 5)),
            (new ViewSpec([3, 4, 5], [1, 3, 12]), ViewSpec.Contiguous(3, 4, 5).At(7)),
            (new ViewSpec([3, 4, 5], [5, 0, 1], 2), new ViewSpec([3, 4, 5], [40, 10, 2], 3)),
            (ViewSpec.Contiguous(3, 4, 5).At(4), new ViewSpec([3, 4, 5], [20, 5, -1], 4)),
            (new ViewSpec([2, 3, 33], [0, 40, 1], 1), ViewSpec.Contiguous(2, 3, 33)),
            (ViewSpec.Contiguous(1, 1), ViewSpec.Contiguous(1, 1)),
            (new ViewSpec([9, 37], [1, 9]), ViewSpec.Contiguous(9, 37)),
            (new ViewSpec([40, 35], [1, 40], 3), ViewSpec.Contiguous(40, 35).At(2)),
            (new ViewSpec([33, 35], [1, 33]), new ViewSpec([33, 35], [40, 1], 1)),
            // Long enough to be split over the cores.
            (ViewSpec.Contiguous(70001).At(3), ViewSpec.Contiguous(70001).At(1)),
        };
        var dtypes = new (DType From, DType To)[]
        {
            (DType.Float32, DType.Float32), (DType.Float64, DType.Float64), (DType.Int32, DType.Int32),
            (DType.Float32, DType.Float64), (DType.Float64, DType.Float32), (DType.Int32, DType.Float32), (DType.Float32, DType.Int32),
        };
        foreach (var (from, to) in dtypes)
        foreach (var (src, dst) in cases)
        {
            var s = c.Random(from, src.BufferLength, -100, 100);
            var d = c.Random(to, dst.BufferLength + 2, -100, 100);
            c.Both((b, on) => b.Copy(src.On(on(s)), dst.On(on(d))));
            c.AssertSame(d, 0, $"copy {from}->{to} {src} -> {dst}");
        }
        // Overlapping views of one buffer: the element order decides the result.
        foreach (var dtype in Floats)
        {
            var buf = c.Random(dtype, 20);
            c.Both((b, on) => b.Copy(ViewSpec.Contiguous(12).On(on(buf)), ViewSpec.Contiguous(12).At(5).On(on(buf))));
            c.AssertSame(buf, 0, $"copy {dtype} overlapping");
        }
    }

    private static void Fill(ParityContext c)
    {
        var specs = new[]
        {
            ViewSpec.Contiguous(4, 9), ViewSpec.Contiguous(4, 9).At(3), new ViewSpec([4, 9], [1, 4]),
            new ViewSpec([3, 5], [12, 2], 1), new ViewSpec([3, 5], [0, 1], 2), ViewSpec.Contiguous(0, 3),
            ViewSpec.Contiguous(70001).At(2),
        };
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var spec in specs)
        foreach (double value in new[] { 1.5, -3, 0 })
        {
            if (dtype == DType.Int32 && value != Math.Floor(value)) continue;
            var d = c.Random(dtype, spec.BufferLength + 3, -50, 50);
            c.Both((b, on) => b.Fill(spec.On(on(d)), value));
            c.AssertSame(d, 0, $"fill {dtype} {spec} with {value}");
        }
    }

    private static void Random(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var dist in new[] { RandomDistribution.Uniform, RandomDistribution.Normal })
        foreach (var (seed, offset) in new[] { (42UL, 0UL), (7UL, 123_456_789_000UL) })
        {
            var d = c.Upload(dtype, new double[1003]);
            c.Both((b, on) => b.Random(on(d), dist, seed, offset));
            // The uniform bits are the same everywhere; a device's own log/cos may differ from .NET's in the last ulp.
            double tolerance = dist == RandomDistribution.Uniform ? 0 : dtype == DType.Float32 ? 1e-6 : 1e-14;
            c.AssertSame(d, tolerance, $"random {dtype} {dist} seed {seed} offset {offset}");
        }
    }

    // ---- elementwise ---------------------------------------------------------------------

    private static readonly double[] Specials = [double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 1e-30, -1e-30];

    private static void Unary(ParityContext c)
    {
        var specs = new[]
        {
            ViewSpec.Contiguous(4, 37), ViewSpec.Contiguous(4, 37).At(5), new ViewSpec([37, 4], [1, 37]),
            new ViewSpec([5, 11], [0, 1], 3), new ViewSpec([3, 2, 7], [14, 1, 2]), ViewSpec.Contiguous(3),
            // Big enough to be split over threads (odd length, offset start, and strided).
            ViewSpec.Contiguous(70001).At(3), new ViewSpec([300, 230], [1, 300]),
        };
        foreach (var dtype in Floats)
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            foreach (var spec in specs)
            {
                var values = c.Random(spec.BufferLength, -3, 3);
                Specials.AsSpan(0, Math.Min(Specials.Length, values.Length)).CopyTo(values);
                var x = c.Upload(dtype, values);
                var y = c.Random(dtype, spec.Length + 3);
                c.Both((b, on) => b.Unary(op, spec.On(on(x)), on(y)));
                c.AssertSame(y, ParityContext.Tolerance(dtype), $"unary {op} {dtype} {spec}");
            }
            // In place: y is x's own buffer.
            var inPlace = c.Random(dtype, 70, -3, 3);
            c.Both((b, on) => b.Unary(op, ViewSpec.Contiguous(70).On(on(inPlace)), on(inPlace)));
            c.AssertSame(inPlace, ParityContext.Tolerance(dtype), $"unary {op} {dtype} in place");
        }
    }

    private static void Binary(ParityContext c)
    {
        var cases = new (ViewSpec A, ViewSpec B)[]
        {
            (ViewSpec.Contiguous(3, 5, 17), ViewSpec.Contiguous(3, 5, 17)),
            (ViewSpec.Contiguous(3, 5, 17).At(2), new ViewSpec([3, 5, 17], [5, 1, 0])),
            (new ViewSpec([3, 5, 17], [17, 0, 1]), new ViewSpec([3, 5, 17], [1, 3, 15], 1)),
            (new ViewSpec([3, 5, 17], [0, 0, 0], 4), ViewSpec.Contiguous(3, 5, 17).At(2)),
            (ViewSpec.Contiguous(3, 5, 17), new ViewSpec([3, 5, 17], [0, 0, 0], 1)),
            (new ViewSpec([4, 6], [1, 0]), new ViewSpec([4, 6], [0, 1])),
            (new ViewSpec([4, 6], [12, 2]), new ViewSpec([4, 6], [1, 4])),
            (ViewSpec.Contiguous(2, 7), new ViewSpec([2, 7], [0, 1])),
            // Big enough to be split over threads: contiguous, bias-style row broadcast, column broadcast.
            (ViewSpec.Contiguous(70001).At(1), ViewSpec.Contiguous(70001)),
            (ViewSpec.Contiguous(1001, 67), new ViewSpec([1001, 67], [0, 1], 2)),
            (new ViewSpec([1001, 67], [1, 0]), ViewSpec.Contiguous(1001, 67).At(1)),
            // A transposed operand (gathered first), on either side.
            (ViewSpec.Contiguous(90, 70), new ViewSpec([90, 70], [1, 90], 3)),
            (new ViewSpec([90, 70], [1, 90]), ViewSpec.Contiguous(90, 70).At(2)),
            // Both operands the same permutation of a dense block; a long row with a scalar operand.
            (new ViewSpec([1, 90, 70], [6300, 1, 90], 1), new ViewSpec([1, 90, 70], [6300, 1, 90], 4)),
            (new ViewSpec([4, 9, 130], [1, 520, 4]), new ViewSpec([4, 9, 130], [1, 520, 4])),
            (new ViewSpec([300, 230], [0, 0], 2), ViewSpec.Contiguous(300, 230)),
            // A per-channel bias over NCHW planes (several outer dimensions), split over threads.
            (ViewSpec.Contiguous(7, 5, 61, 37), new ViewSpec([7, 5, 61, 37], [0, 1, 0, 0], 1)),
            // One short row repeated down a contiguous operand (tiled into long runs), on either side.
            (new ViewSpec([300, 41], [0, 1], 3), ViewSpec.Contiguous(300, 41).At(1)),
            (ViewSpec.Contiguous(4, 50, 33).At(2), new ViewSpec([4, 50, 33], [0, 0, 1], 2)),
        };
        foreach (var dtype in Floats)
        foreach (var op in Enum.GetValues<BinaryOp>())
        foreach (bool coarse in new[] { false, true })
        foreach (var (sa, sb) in cases)
        {
            var a = c.Upload(dtype, coarse ? c.Coarse(sa.BufferLength) : c.Random(sa.BufferLength, -2, 2));
            var b = c.Upload(dtype, coarse ? c.Coarse(sb.BufferLength) : c.Random(sb.BufferLength, -2, 2));
            var y = c.Random(dtype, sa.Length + 2);
            c.Both((be, on) => be.Binary(op, sa.On(on(a)), sb.On(on(b)), on(y)));
            c.AssertSame(y, ParityContext.Tolerance(dtype), $"binary {op} {dtype} {sa} {sb} coarse={coarse}");
        }
        // In place into the left operand, right operand broadcast along the rows.
        foreach (var dtype in Floats)
        {
            var a = c.Random(dtype, 6 * 19);
            var b = c.Random(dtype, 19);
            c.Both((be, on) => be.Binary(BinaryOp.Mul, ViewSpec.Contiguous(6, 19).On(on(a)), new ViewSpec([6, 19], [0, 1]).On(on(b)), on(a)));
            c.AssertSame(a, ParityContext.Tolerance(dtype), $"binary Mul {dtype} in place");
        }
    }

    private static void Where(ParityContext c)
    {
        var cases = new (ViewSpec C, ViewSpec A, ViewSpec B)[]
        {
            (ViewSpec.Contiguous(3, 4, 9), ViewSpec.Contiguous(3, 4, 9), ViewSpec.Contiguous(3, 4, 9)),
            (new ViewSpec([3, 4, 9], [0, 9, 1]), new ViewSpec([3, 4, 9], [1, 3, 12]), new ViewSpec([3, 4, 9], [0, 0, 0], 5)),
            (new ViewSpec([3, 4, 9], [4, 1, 0], 2), ViewSpec.Contiguous(3, 4, 9).At(1), new ViewSpec([3, 4, 9], [9, 0, 1])),
        };
        foreach (var cdtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var (sc, sa, sb) in cases)
        {
            var cond = c.Coarse(sc.BufferLength);
            if (cdtype != DType.Int32) { cond[0] = double.NaN; cond[1] = -0.0; }
            var k = c.Upload(cdtype, cond);
            var a = c.Random(dtype, sa.BufferLength, -100, 100);
            var b = c.Random(dtype, sb.BufferLength, -100, 100);
            var y = c.Random(dtype, sa.Length + 1, -100, 100);
            c.Both((be, on) => be.Where(sc.On(on(k)), sa.On(on(a)), sb.On(on(b)), on(y)));
            c.AssertSame(y, 0, $"where cond {cdtype} values {dtype} {sc} {sa} {sb}");
        }
    }

    // ---- reductions ----------------------------------------------------------------------

    private static void Reduce(ParityContext c, ReduceOp op)
    {
        var inputs = new List<ViewSpec>
        {
            ViewSpec.Contiguous(6, 7, 9), ViewSpec.Contiguous(6, 7, 9).At(3), new ViewSpec([6, 7, 9], [1, 6, 42]),
            new ViewSpec([6, 7, 9], [0, 9, 1], 1), ViewSpec.Contiguous(37, 129), ViewSpec.Contiguous(3, 1, 300),
            // Few outputs over many elements, kept axes that do not merge (GPUs split such reductions into chunks).
            new ViewSpec([2, 2000, 2], [1, 4, 2]),
        };
        foreach (var dtype in Floats)
        foreach (var x in inputs)
        foreach (bool nan in new[] { false, true })
        {
            if (nan && op == ReduceOp.Sum && x.Shape[0] == 37) continue;
            int rank = x.Shape.Length;
            for (int mask = 0; mask < 1 << rank; mask++)
            {
                int[] yShape = x.Shape.Select((e, d) => (mask >> d & 1) != 0 ? 1 : e).ToArray();
                int reduced = x.Length / StridedView.Product(yShape);
                foreach (var y in new[] { ViewSpec.Contiguous(yShape), ViewSpec.Contiguous(yShape).At(2), ColumnMajor(yShape) })
                {
                    var values = c.Random(x.BufferLength, -1, 1);
                    if (nan) values[values.Length / 2] = double.NaN;
                    var xs = c.Upload(dtype, values);
                    var ys = c.Random(dtype, y.BufferLength + 1);
                    c.Both((b, on) => b.Reduce(op, x.On(on(xs)), y.On(on(ys))));
                    double tol = op == ReduceOp.Max ? 0 : ParityContext.Tolerance(dtype, reduced);
                    c.AssertSame(ys, tol, $"reduce {op} {dtype} {x} -> [{string.Join(",", yShape)}]@{y.Offset} nan={nan}");
                }
            }
        }
    }

    /// <summary>A dense view whose first axis varies fastest (the reverse of row-major).</summary>
    private static ViewSpec ColumnMajor(int[] shape)
    {
        var strides = new int[shape.Length];
        int step = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            strides[d] = step;
            step *= shape[d];
        }
        return new ViewSpec(shape, strides);
    }

    private static void ArgMax(ParityContext c)
    {
        var inputs = new[] { ViewSpec.Contiguous(5, 7, 9), new ViewSpec([5, 7, 9], [1, 5, 35]), ViewSpec.Contiguous(5, 7, 9).At(4), ViewSpec.Contiguous(2, 70) };
        foreach (var dtype in Floats)
        foreach (var x in inputs)
        foreach (bool nan in new[] { false, true })
        for (int axis = 0; axis < x.Shape.Length; axis++)
        {
            var values = c.Coarse(x.BufferLength);
            if (nan) { values[3] = double.NaN; values[values.Length - 2] = double.NaN; }
            var xs = c.Upload(dtype, values);
            int[] shape = x.Shape.Select((e, d) => d == axis ? 1 : e).ToArray();
            var idx = c.Random(DType.Int32, StridedView.Product(shape) + 2, -5, 5);
            int ax = axis;
            c.Both((b, on) => b.ArgMax(x.On(on(xs)), ax, ViewSpec.Contiguous(shape).On(on(idx))));
            c.AssertSame(idx, 0, $"argmax {dtype} {x} axis {axis} nan={nan}");
        }
    }

    // ---- matrix products -----------------------------------------------------------------

    private static void Gemm(ParityContext c)
    {
        var sizes = new (int M, int N, int K)[] { (1, 1, 1), (7, 13, 5), (33, 65, 17), (130, 70, 90), (4, 16, 0), (2, 40, 3), (37, 1, 45), (40, 33, 1), (5, 1, 1), (1, 70, 33), (45, 1, 300) };
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in sizes)
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var (alpha, beta) in new[] { (1.0, 0.0), (0.5, -1.25), (-2.0, 0.0), (1.0, 1.0) })
        foreach (var (batch, sharedA, sharedB) in new[] { (1, false, false), (3, false, false), (3, true, false), (2, false, true) })
        {
            if (m * n * k > 100_000 && (batch > 1 || alpha != 1)) continue;
            (int ra, int ca) = ta ? (k, m) : (m, k);
            (int rb, int cb) = tb ? (n, k) : (k, n);
            int lda = ca + 1, ldb = cb + 2, ldc = n + 3;
            int strideA = sharedA ? 0 : ra * lda + 5, strideB = sharedB ? 0 : rb * ldb + 1, strideC = m * ldc + 2;
            int offA = 3, offB = 1, offC = 2;
            var a = c.Random(dtype, offA + batch * (ra * lda + 5) + 1);
            var b = c.Random(dtype, offB + batch * (rb * ldb + 1) + 1);
            var cv = c.Random(dtype, offC + batch * strideC + 1);
            if (beta == 0)
            {
                // C must not be read when Beta is 0: NaN there may not leak out.
                var init = ParityContext.Read(c.Reference, cv.Ref);
                init[offC] = double.NaN;
                cv = c.Upload(dtype, init);
            }
            var args = new GemmArgs(batch, m, n, k, ta, tb, offA, lda, strideA, offB, ldb, strideB, offC, ldc, strideC, alpha, beta);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} {args}");
        }
        // Several K blocks, row/column tails and both thread splits (many rows; few rows, many columns).
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (150, 97, 600), (9, 300, 530), (70, 33, 257), (50, 70, 1030), (23, 37, 2101) })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var beta in new[] { 0.0, 0.5 })
        {
            (int ra, int ca) = ta ? (k, m) : (m, k);
            (int rb, int cb) = tb ? (n, k) : (k, n);
            int lda = ca + 3, ldb = cb + 1, ldc = n + 5;
            var a = c.Random(dtype, 2 + ra * lda);
            var b = c.Random(dtype, 1 + rb * ldb);
            var cv = c.Random(dtype, 4 + m * ldc);
            // alpha != 1 with beta: a product cut along K adds its second half as alpha * part.
            var args = new GemmArgs(1, m, n, k, ta, tb, 2, lda, 0, 1, ldb, 0, 4, ldc, 0, beta == 0 ? 1 : -1.5, beta);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} blocked {args}");
        }
        // A bias on every row, through each path: tiles, skinny products, a K cut, K = 0, batches, padded C.
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (7, 13, 5), (150, 97, 600), (37, 1, 45), (3000, 50, 1), (23, 37, 2101), (4, 16, 0) })
        foreach (bool ta in new[] { false, true })
        foreach (int batch in new[] { 1, 3 })
        {
            if (batch > 1 && m * n * Math.Max(k, 1) > 100_000) continue;
            (int ra, int ca) = ta ? (k, m) : (m, k);
            int lda = Math.Max(ca, 1), ldb = k, ldc = n + 3, strideC = m * ldc + 1;
            var a = c.Random(dtype, batch * ra * lda + 1);
            var b = c.Random(dtype, n * k + 1);
            var bias = c.Random(dtype, n);
            var cv = c.Random(dtype, 2 + batch * strideC);
            // B stored N x K (as Linear's weight) and shared by the batch; C at an offset, rows padded.
            var args = new GemmArgs(batch, m, n, k, ta, true, 0, lda, ra * lda, 0, Math.Max(ldb, 1), 0, 2, ldc, strideC, 1.5, batch > 1 ? 0.5 : 0);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv), on(bias)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, Math.Max(k, 1)), $"gemm {dtype} with bias {args}");
        }
        // Matrix-vector and outer products big enough to split their rows over threads.
        foreach (var dtype in Floats)
        foreach (var args in new[]
        {
            new GemmArgs(1, 3000, 1, 50, false, true, 1, 50, 0, 2, 50, 0, 0, 1, 0),
            new GemmArgs(1, 3000, 50, 1, false, true, 0, 1, 0, 1, 1, 0, 3, 50, 0),
            new GemmArgs(1, 3000, 50, 1, true, false, 2, 3000, 0, 0, 50, 0, 0, 51, 0, 0.5),
        })
        {
            var a = c.Random(dtype, args.OffsetA + (args.TransA ? args.K * args.Lda : args.M * args.Lda) + 1);
            var b = c.Random(dtype, args.OffsetB + (args.TransB ? args.N * args.Ldb : args.K * args.Ldb) + 1);
            var cv = c.Random(dtype, args.OffsetC + args.M * args.Ldc + 1);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, args.K), $"gemm {dtype} skinny {args}");
        }
        // Plain contiguous helper and a size big enough to use threads.
        foreach (var dtype in Floats)
        {
            var args = GemmArgs.Contiguous(2, 67, 150, 71);
            var a = c.Random(dtype, 2 * 67 * 71);
            var b = c.Random(dtype, 2 * 71 * 150);
            var cv = c.Random(dtype, 2 * 67 * 150);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, 71), $"gemm {dtype} contiguous");
        }
    }

    private static readonly Conv2dGeometry[] ConvGeometries =
    [
        new(2, 3, 7, 9, 4, 3, 5, 2, 1, 1, 2, 1, 1),
        new(1, 2, 8, 8, 3, 3, 3, 1, 1, 2, 2, 2, 2),
        new(3, 4, 5, 6, 5, 1, 1, 2, 2, 0, 0, 1, 1),
        new(2, 3, 6, 7, 2, 3, 3, 2, 2, 1, 1, 2, 2),
        new(2, 5, 4, 4, 6, 1, 1, 1, 1, 0, 0, 1, 1),
        new(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1),
        new(2, 3, 11, 10, 8, 3, 3, 1, 1, 1, 1, 1, 1),
        // Big enough for threads and the blocked GEMM; odd channel counts, stride 3 and padding past the kernel.
        new(5, 7, 13, 12, 9, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 4, 17, 15, 11, 5, 5, 1, 1, 2, 2, 1, 1),
        new(2, 3, 14, 13, 5, 2, 4, 3, 3, 3, 4, 1, 2),
        // Stride 1 (unfolded from a zero-bordered copy; input gradient as a flipped forward
        // convolution): uneven padding, padding past the kernel (the gradient's fallback), rows
        // longer than two vectors, and the homework's 1-channel 5x5 layer.
        new(2, 3, 9, 20, 4, 3, 5, 1, 1, 0, 2, 1, 1),
        new(2, 2, 6, 5, 3, 3, 3, 1, 1, 3, 3, 1, 1),
        new(2, 2, 5, 40, 3, 3, 3, 1, 1, 1, 1, 1, 1),
        new(3, 1, 28, 28, 4, 5, 5, 1, 1, 2, 2, 1, 1),
        // 8 or more input channels: the input gradient as the flipped forward convolution.
        new(2, 9, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1),
        new(2, 8, 9, 11, 3, 5, 3, 1, 1, 2, 0, 1, 1),
    ];

    private static void Conv(ParityContext c, string role)
    {
        foreach (var dtype in Floats)
        foreach (var g in ConvGeometries)
        {
            var (nx, nw, ny) = g.Sizes;
            var w = c.Random(dtype, nw);
            string what = $"conv2d {role} {dtype} {g}";
            switch (role)
            {
                case "forward":
                {
                    var x = c.Random(dtype, nx);
                    var y = c.Random(dtype, ny + 3);
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y)));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what);
                    // With the bias added by the kernel.
                    var bias = c.Random(dtype, g.O);
                    c.Both((b, on) => b.Conv2dForward(g, on(x), on(w), on(y), on(bias)));
                    c.AssertSame(y, ParityContext.Tolerance(dtype, g.C * g.KH * g.KW), what + " with bias");
                    break;
                }
                case "backward_input":
                {
                    var dy = c.Random(dtype, ny);
                    var dx = c.Random(dtype, nx + 3);
                    c.Both((b, on) => b.Conv2dBackwardInput(g, on(dy), on(w), on(dx)));
                    c.AssertSame(dx, ParityContext.Tolerance(dtype, g.O * g.KH * g.KW), what);
                    break;
                }
                default:
                {
                    var x = c.Random(dtype, nx);
                    var dy = c.Random(dtype, ny);
                    var dw = c.Random(dtype, nw + 3);
                    c.Both((b, on) => b.Conv2dBackwardWeight(g, on(x), on(dy), on(dw)));
                    c.AssertSame(dw, ParityContext.Tolerance(dtype, g.N * g.OutH * g.OutW), what);
                    break;
                }
            }
        }
    }

    // ---- pooling -------------------------------------------------------------------------

    private static readonly Pool2dGeometry[] PoolGeometries =
    [
        new(2, 3, 7, 8, 3, 3, 2, 2, 1, 1),
        new(1, 2, 5, 6, 2, 3, 1, 2, 1, 1),
        new(2, 2, 9, 9, 4, 4, 3, 3, 2, 2),
        new(1, 3, 4, 4, 2, 2, 2, 2, 0, 0),
        new(3, 1, 6, 5, 3, 2, 1, 1, 0, 1),
        new(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
        // The 2x2 / stride 2 fast path: odd sizes (last row and column dropped) and enough planes for threads.
        new(2, 3, 7, 9, 2, 2, 2, 2, 0, 0),
        new(8, 32, 28, 28, 2, 2, 2, 2, 0, 0),
        // Two whole 16-output chunks and a masked 3-output tail per row.
        new(2, 2, 6, 70, 2, 2, 2, 2, 0, 0),
    ];

    private static void MaxPool(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var g in PoolGeometries)
        foreach (bool nan in new[] { false, true })
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW;
            var values = c.Coarse(nx);
            if (nan) values[nx / 3] = double.NaN;
            var x = c.Upload(dtype, values);
            var y = c.Random(dtype, ny + 2);
            var idx = c.Random(DType.Int32, ny + 2, -9, 9);
            c.Both((b, on) => b.MaxPool2dForward(g, on(x), on(y), on(idx)));
            c.AssertSame(y, 0, $"max_pool2d {dtype} {g} nan={nan} values");
            c.AssertSame(idx, 0, $"max_pool2d {dtype} {g} nan={nan} indices");
        }
    }

    private static void AvgPool(ParityContext c, bool backward)
    {
        foreach (var dtype in Floats)
        foreach (var g in PoolGeometries)
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW;
            double tol = ParityContext.Tolerance(dtype, g.KH * g.KW);
            if (backward)
            {
                var dy = c.Random(dtype, ny);
                var dx = c.Random(dtype, nx + 2);
                c.Both((b, on) => b.AvgPool2dBackward(g, on(dy), on(dx)));
                c.AssertSame(dx, tol, $"avg_pool2d backward {dtype} {g}");
            }
            else
            {
                var x = c.Random(dtype, nx);
                var y = c.Random(dtype, ny + 2);
                c.Both((b, on) => b.AvgPool2dForward(g, on(x), on(y)));
                c.AssertSame(y, tol, $"avg_pool2d forward {dtype} {g}");
            }
        }
    }

    // ---- indexing ------------------------------------------------------------------------

    private static void Gather(ParityContext c)
    {
        var cases = new (ViewSpec Source, int Axis, ViewSpec Index)[]
        {
            (ViewSpec.Contiguous(5, 7), 0, ViewSpec.Contiguous(3, 7)),
            (ViewSpec.Contiguous(5, 7), 1, ViewSpec.Contiguous(5, 4)),
            (ViewSpec.Contiguous(5, 7).At(3), 1, ViewSpec.Contiguous(2, 9).At(1)),
            (new ViewSpec([4, 6, 5], [1, 20, 4]), 2, ViewSpec.Contiguous(2, 6, 3)),
            (ViewSpec.Contiguous(4, 6, 5), 0, new ViewSpec([6, 6, 5], [0, 5, 1])),
            (ViewSpec.Contiguous(4, 6, 5), 1, new ViewSpec([4, 3, 2], [1, 4, 12], 2)),
            (ViewSpec.Contiguous(9), 0, ViewSpec.Contiguous(20)),
        };
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32 })
        foreach (var (src, axis, index) in cases)
        {
            var s = c.Random(dtype, src.BufferLength, -100, 100);
            var i = c.Upload(DType.Int32, c.Integers(index.BufferLength, 0, src.Shape[axis]));
            var d = c.Random(dtype, index.Length + 2, -100, 100);
            c.Both((b, on) => b.Gather(src.On(on(s)), axis, index.On(on(i)), on(d)));
            c.AssertSame(d, 0, $"gather {dtype} {src} axis {axis} index {index}");
        }
    }

    private static void ScatterAdd(ParityContext c)
    {
        var cases = new (ViewSpec Dst, int Axis, ViewSpec Index, ViewSpec Src)[]
        {
            (ViewSpec.Contiguous(5, 7), 0, ViewSpec.Contiguous(9, 7), ViewSpec.Contiguous(9, 7)),
            (ViewSpec.Contiguous(5, 7), 1, ViewSpec.Contiguous(4, 12), new ViewSpec([4, 12], [0, 1], 2)),
            (new ViewSpec([5, 7], [1, 6], 1), 1, ViewSpec.Contiguous(5, 10), new ViewSpec([5, 10], [1, 5])),
            (ViewSpec.Contiguous(3, 4, 5), 2, ViewSpec.Contiguous(3, 4, 8), new ViewSpec([3, 4, 8], [0, 0, 1])),
            (ViewSpec.Contiguous(3, 4, 5).At(2), 1, new ViewSpec([2, 6, 5], [0, 5, 1]), ViewSpec.Contiguous(2, 6, 5)),
            (ViewSpec.Contiguous(3, 4, 5), 0, ViewSpec.Contiguous(6, 4, 5), new ViewSpec([6, 4, 5], [1, 0, 6], 1)),
            (ViewSpec.Contiguous(10), 0, ViewSpec.Contiguous(50), ViewSpec.Contiguous(50)),
            // Along the last axis with enough rows for threads (max pooling's backward shape).
            (ViewSpec.Contiguous(300, 64), 1, ViewSpec.Contiguous(300, 130), ViewSpec.Contiguous(300, 130)),
        };
        foreach (var dtype in Floats)
        foreach (var (dst, axis, index, src) in cases)
        {
            var d = c.Random(dtype, dst.BufferLength + 1);
            var i = c.Upload(DType.Int32, c.Integers(index.BufferLength, 0, dst.Shape[axis]));
            var s = c.Random(dtype, src.BufferLength);
            c.Both((b, on) => b.ScatterAdd(dst.On(on(d)), axis, index.On(on(i)), src.On(on(s))));
            c.AssertSame(d, ParityContext.Tolerance(dtype, 8), $"scatter_add {dtype} {dst} axis {axis} index {index} source {src}");
        }
    }

    // ---- optimizers ----------------------------------------------------------------------

    private static void Sgd(ParityContext c)
    {
        var configs = new (SgdArgs Args, bool WithBuffer)[]
        {
            (new SgdArgs(0.1, 0, 0, 0, false, true), false),
            (new SgdArgs(0.05, 0, 0, 0.01, false, false), false),
            (new SgdArgs(0.1, 0.9, 0, 0, false, true), true),
            (new SgdArgs(0.1, 0.9, 0.1, 0.01, false, false), true),
            (new SgdArgs(0.01, 0.8, 0, 0.001, true, false), true),
            (new SgdArgs(0.01, 0.8, 0, 0, true, true), true),
            (new SgdArgs(0.01, 0, 0, 0, false, false), true),
        };
        foreach (var dtype in Floats)
        foreach (var (args, withBuffer) in configs)
        foreach (int n in new[] { 1, 37, 1000 })
        {
            var p = c.Random(dtype, n);
            var g = c.Random(dtype, n);
            var m = c.Random(dtype, n);
            c.Both((b, on) => b.SgdStep(args, on(p), on(g), withBuffer ? on(m) : null));
            c.AssertSame(p, ParityContext.Tolerance(dtype), $"sgd {dtype} {args} param");
            c.AssertSame(m, ParityContext.Tolerance(dtype), $"sgd {dtype} {args} momentum");
            c.AssertSame(g, 0, $"sgd {dtype} {args} grad untouched");
        }
    }

    private static void Adam(ParityContext c)
    {
        var configs = new[]
        {
            new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 0, false, 1),
            new AdamArgs(1e-2, 0.9, 0.999, 1e-8, 0.01, false, 5),
            new AdamArgs(1e-3, 0.8, 0.99, 1e-6, 0.1, true, 1),
            new AdamArgs(3e-3, 0.9, 0.999, 1e-8, 0.05, true, 17),
        };
        foreach (var dtype in Floats)
        foreach (var args in configs)
        foreach (int n in new[] { 1, 37, 1000 })
        {
            var p = c.Random(dtype, n);
            var g = c.Random(dtype, n);
            var m = c.Random(dtype, n, -0.1, 0.1);
            var v = c.Random(dtype, n, 0, 0.01);
            c.Both((b, on) => b.AdamStep(args, on(p), on(g), on(m), on(v)));
            c.AssertSame(p, ParityContext.Tolerance(dtype), $"adam {dtype} {args} param");
            c.AssertSame(m, ParityContext.Tolerance(dtype), $"adam {dtype} {args} m");
            c.AssertSame(v, ParityContext.Tolerance(dtype), $"adam {dtype} {args} v");
        }
    }
}

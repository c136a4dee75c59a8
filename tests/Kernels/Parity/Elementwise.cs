using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The elementwise family: every op of the table (unary and binary maps, comparisons, Int32 ones too)
/// over strided and broadcast views (in place too), and where.
public static partial class ParityChecks
{
    private static readonly double[] Specials = [double.NaN, 0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 1e-30, -1e-30, 1e-9, -3e-6];

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
        foreach (var op in ElementwiseTable.Unary)
        {
            foreach (var spec in specs)
            {
                var values = c.Random(spec.BufferLength, -3, 3);
                Specials.AsSpan(0, Math.Min(Specials.Length, values.Length)).CopyTo(values);
                var x = c.Upload(dtype, values);
                var y = c.Random(dtype, spec.Length + 3);
                c.Both((b, on) => op.Run(b, spec.On(on(x)), on(y)));
                // Relative to the output or the input, whichever is larger: an op's span form must be as accurate as
                // its scalar form on tiny values too, while a formula that cancels (gelu far below 0) may lose to |x|.
                c.AssertSame(y, ParityContext.Tolerance(dtype), $"unary {op} {dtype} {spec}", i => i < spec.Length ? Math.Abs(values[spec.IndexOf(i)]) : 0);
            }
            // In place: y is x's own buffer.
            var inPlace = c.Random(dtype, 70, -3, 3);
            c.Both((b, on) => op.Run(b, ViewSpec.Contiguous(70).On(on(inPlace)), on(inPlace)));
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
        var ops = Floats.SelectMany(d => ElementwiseTable.Binary.Concat(ElementwiseTable.Comparisons).Select(op => (d, op)))
            .Concat(ElementwiseTable.Comparisons.Select(op => (DType.Int32, op)));
        foreach (var (dtype, op) in ops)
        foreach (bool coarse in new[] { false, true })
        foreach (var (sa, sb) in cases)
        {
            // Int32 operands: small integers, so ties are common.
            double[] Values(int n) => dtype == DType.Int32 ? c.Integers(n, -3, 4) : coarse ? c.Coarse(n) : c.Random(n, -2, 2);
            var a = c.Upload(dtype, Values(sa.BufferLength));
            var b = c.Upload(dtype, Values(sb.BufferLength));
            var y = c.Random(dtype, sa.Length + 2);
            c.Both((be, on) => op.Run(be, sa.On(on(a)), sb.On(on(b)), on(y)));
            c.AssertSame(y, dtype == DType.Int32 ? 0 : ParityContext.Tolerance(dtype), $"binary {op} {dtype} {sa} {sb} coarse={coarse}");
        }
        // In place into the left operand, right operand broadcast along the rows.
        foreach (var dtype in Floats)
        {
            var a = c.Random(dtype, 6 * 19);
            var b = c.Random(dtype, 19);
            c.Both((be, on) => be.Binary<BinaryOps.Mul>(ViewSpec.Contiguous(6, 19).On(on(a)), new ViewSpec([6, 19], [0, 1]).On(on(b)), on(a)));
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
}

using TinyGrad.Kernels;

namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with PyTorch's rules: 1-D operands are promoted to a row/column and squeezed
    /// back; leading (batch) dimensions broadcast. Transposed views are read without copying.
    /// </summary>
    public Tensor MatMul(Tensor other) => MatMul(other, null);

    /// <summary>
    /// <see cref="MatMul(Tensor)"/> plus <paramref name="rowBias"/> (one value per output column)
    /// added to every output row by the GEMM itself, as PyTorch's linear/addmm do, then
    /// <paramref name="epilogue"/> (ReLU: the same values and gradients as <see cref="Relu"/> after it).
    /// With <paramref name="ofRelu"/> this tensor is a ReLU's output whose producer left the ReLU's
    /// gradient rule to this product (maskedByConsumer): its gradient is masked in the same GEMM.
    /// </summary>
    internal Tensor MatMul(Tensor other, Tensor? rowBias, Epilogue epilogue = Epilogue.None, bool maskedByConsumer = false, bool ofRelu = false)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckCompatible(this, other, "matmul");
        RequireFloat("matmul");
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"matmul: shapes {Shapes.Format(shape)} and {Shapes.Format(other.shape)}: both operands need at least one dimension");
        var a = Rank == 1 ? Unsqueeze(0) : this;
        var b = other.Rank == 1 ? other.Unsqueeze(1) : other;
        int m = a.shape[^2], k = a.shape[^1], k2 = b.shape[^2], n = b.shape[^1];
        if (k != k2)
            throw new ArgumentException($"matmul: shapes {Shapes.Format(shape)} and {Shapes.Format(other.shape)}: inner dimensions {k} and {k2} differ");
        var batch = Shapes.Broadcast(a.shape[..^2], b.shape[..^2], "matmul");
        int batchSize = Shapes.Numel(batch);
        var a3 = a.Expand([.. batch, m, k]).Reshape(batchSize, m, k);
        var b3 = b.Expand([.. batch, k, n]).Reshape(batchSize, k, n);
        if (rowBias is not null)
        {
            CheckCompatible(this, rowBias, "matmul bias");
            if (rowBias.Rank != 1 || rowBias.shape[0] != n)
                throw new ArgumentException($"matmul: bias shape {Shapes.Format(rowBias.shape)} does not match {n} output columns");
        }
        var y = Bmm(a3, b3, rowBias, epilogue, maskedByConsumer, ofRelu).Reshape([.. batch, m, n]);
        if (Rank == 1) y = y.Squeeze(-2);
        if (other.Rank == 1) y = y.Squeeze(-1);
        return y;
    }

    /// <summary>
    /// Batched product of rank-3 tensors [B, M, K] x [B, K, N], plus an optional bias [N] on every
    /// row, then the epilogue (ReluGradient's mask <paramref name="aux"/>: dense, shaped as the
    /// output): the one GEMM op on the tape. With <paramref name="ofRelu"/>, A is a ReLU's output
    /// and A's gradient takes the ReLU's rule (see <see cref="MatMul(Tensor, Tensor?, Epilogue, bool, bool)"/>).
    /// </summary>
    private static Tensor Bmm(Tensor a, Tensor b, Tensor? bias = null, Epilogue epilogue = Epilogue.None, bool maskedByConsumer = false, bool ofRelu = false, Tensor? aux = null)
    {
        var (opA, ta, lda, sa, oa) = GemmOperand(ref a);
        var (opB, tb, ldb, sb, ob) = GemmOperand(ref b);
        bias = bias?.Dense();
        int batch = a.shape[0], m = a.shape[1], k = a.shape[2], n = b.shape[2];
        var y = Empty([batch, m, n], a.DType, a.Device);
        var args = new GemmArgs(batch, m, n, k, ta, tb, oa, lda, sa, ob, ldb, sb, 0, n, m * n);
        a.Backend.Gemm(args, opA.Buffer, opB.Buffer, y.Buffer, bias?.Buffer, epilogue, aux?.Buffer);
        var mask = epilogue == Epilogue.ReluGradient ? aux : EpilogueMask(epilogue, maskedByConsumer, y);
        return RecordProduct(y, a, b, bias, mask, ta, tb, ofRelu, epilogue);
    }

    /// <summary>
    /// Records <paramref name="y"/> as the product of <paramref name="a"/> and <paramref name="b"/> as
    /// <see cref="Bmm"/> read them (<paramref name="ta"/>, <paramref name="tb"/>: read transposed),
    /// with the bias and the epilogue whose gradient rule <paramref name="mask"/> carries.
    /// </summary>
    private static Tensor RecordProduct(Tensor y, Tensor a, Tensor b, Tensor? bias, Tensor? mask, bool ta, bool tb, bool ofRelu, Epilogue epilogue)
    {
        Tensor[] inputs = bias is null ? [a, b] : [a, b, bias];
        string name = epilogue switch { Epilogue.Relu => "matmul_relu", Epilogue.ReluGradient => "matmul_relu_gradient", _ => "matmul" };
        return y.Record(name, inputs, dy =>
        {
            var g = EpilogueGradient(mask, dy);
            if (LinearGradients(a, b, bias, g, tb, ofRelu) is { } fused) return fused;
            var grads = new Tensor?[inputs.Length];
            grads[0] = a.RequiresGrad ? InputGradient(a, b, g, ta, ofRelu) : null;
            if (b.RequiresGrad)
            {
                // An operand read transposed (e.g. Linear's weight.T) gets its gradient computed
                // transposed too, so it lands in the operand's own row-major layout and needs no copy later.
                var ar = ofRelu ? ReluRuled(a) : a;
                grads[1] = tb ? Bmm(g.Transpose(1, 2), ar).Transpose(1, 2) : Bmm(ar.Transpose(1, 2), g);
            }
            if (bias is { RequiresGrad: true }) grads[2] = g.Sum([0, 1]);
            return grads;
        });
    }

    /// <summary>
    /// A linear layer's gradients (one product x w^T, x dense, w a dense [out, in] read transposed,
    /// w's gradient wanted) from one <see cref="Backend.LinearBackward"/> call, each recorded as the op
    /// the unfused rule would have made (the input gradient's product, with ReLU's rule when x is a
    /// ReLU's output; the weight gradient's; the sum), so double backward is unchanged. Null when the
    /// product is not such a layer.
    /// </summary>
    private static Tensor?[]? LinearGradients(Tensor a, Tensor b, Tensor? bias, Tensor g, bool tb, bool ofRelu)
    {
        if (!tb || !b.RequiresGrad || a.shape[0] != 1 || b.shape[0] != 1 || !a.IsContiguous || a.Offset != 0) return null;
        var w = b.Transpose(1, 2);
        int rows = a.shape[1], inFeatures = a.shape[2], outFeatures = b.shape[2];
        if (!w.IsContiguous || w.Offset != 0 || rows == 0 || inFeatures == 0 || outFeatures == 0) return null;
        g = g.Dense();
        var dw = Empty([1, outFeatures, inFeatures], g.DType, g.Device);
        var dx = a.RequiresGrad ? Empty([1, rows, inFeatures], g.DType, g.Device) : null;
        var db = bias is { RequiresGrad: true } ? Empty([outFeatures], g.DType, g.Device) : null;
        bool gate = ofRelu && dx is not null;
        g.Backend.LinearBackward(rows, inFeatures, outFeatures, g.Buffer, a.Buffer, w.Buffer, dw.Buffer, dx?.Buffer, gate, db?.Buffer);
        var grads = new Tensor?[bias is null ? 2 : 3];
        if (dx is not null)
            grads[0] = gate ? RecordProduct(dx, g, w, null, a.Detach(), false, false, false, Epilogue.ReluGradient) : RecordProduct(dx, g, w, null, null, false, false, false, Epilogue.None);
        grads[1] = RecordProduct(dw, g.Transpose(1, 2), ofRelu ? ReluRuled(a) : a, null, null, true, false, false, Epilogue.None).Transpose(1, 2);
        if (db is not null) grads[2] = g.RecordSum(db, [1, 1, outFeatures]);
        return grads;
    }

    /// <summary>
    /// A's gradient g B^T; when A is a ReLU's output that leaves its rule here (<paramref name="ofRelu"/>),
    /// masked by A: in the GEMM's ReluGradient epilogue when A is dense, else by the rule itself.
    /// </summary>
    private static Tensor InputGradient(Tensor a, Tensor b, Tensor g, bool ta, bool ofRelu)
    {
        if (ofRelu && !ta && a.IsContiguous && a.Offset == 0) return Bmm(g, b.Transpose(1, 2), epilogue: Epilogue.ReluGradient, aux: a.Detach());
        var ga = ta ? Bmm(b, g.Transpose(1, 2)).Transpose(1, 2) : Bmm(g, b.Transpose(1, 2));
        return ofRelu ? UnaryOps.Relu.Backward(a, a, ga) : ga;
    }

    /// <summary>
    /// A (a ReLU's output that left its gradient rule to this product) as an op whose gradient takes
    /// that rule: under double backward the weight gradient's use of A sends gradient to A too, and it
    /// must be masked as the input gradient is, since A's producer no longer masks.
    /// </summary>
    private static Tensor ReluRuled(Tensor a) => a.Detach().Record("relu_rule", [a], dy => [UnaryOps.Relu.Backward(a, a, dy)]);

    /// <summary>
    /// The output a fused epilogue's gradient rule needs (ReLU's: the output itself), or null when there
    /// is none or when <paramref name="maskedByConsumer"/>: the one consumer (a max pool of the ReLU
    /// output, or a product that takes the rule into its input gradient) already applies the rule, so
    /// the gradient arrives zero wherever the output is.
    /// </summary>
    private static Tensor? EpilogueMask(Epilogue epilogue, bool maskedByConsumer, Tensor y) =>
        epilogue == Epilogue.Relu && !maskedByConsumer ? y : null;

    /// <summary>The gradient before a fused epilogue from the one after it: ReLU's rule by <paramref name="mask"/> (the ReLU's output), or as it is.</summary>
    private static Tensor EpilogueGradient(Tensor? mask, Tensor dy) => mask is null ? dy : UnaryOps.Relu.Backward(mask, mask, dy);

    /// <summary>How GEMM reads a [B, R, C] operand: transposed when its rows are the unit-stride axis;
    /// a layout with neither axis unit-stride (or overlapping rows) is copied first.</summary>
    private static (Tensor Operand, bool Trans, int Ld, int BatchStride, int Offset) GemmOperand(ref Tensor t)
    {
        int rows = t.shape[1], cols = t.shape[2];
        int rs = t.strides[1], cs = t.strides[2];
        int batchStride = t.shape[0] == 1 ? 0 : t.strides[0];
        if ((cs == 1 || cols == 1) && (rows == 1 || rs >= cols))
            return (t, false, rows == 1 ? cols : Math.Max(rs, cols), batchStride, t.Offset);
        if ((rs == 1 || rows == 1) && (cols == 1 || cs >= rows))
            return (t, true, cols == 1 ? rows : Math.Max(cs, rows), batchStride, t.Offset);
        t = t.Contiguous();
        return (t, false, cols, t.shape[0] == 1 ? 0 : t.strides[0], t.Offset);
    }
}

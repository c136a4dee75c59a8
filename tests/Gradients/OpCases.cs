using TinyGrad.Kernels;

namespace TinyGrad.Tests.Gradients;

/// <summary>
/// The op registry the gradient checks run over: each entry builds float64 inputs (odd,
/// non-square shapes; broadcasting where the op has it) and applies the op. Inputs listed in
/// <see cref="OpCase.Constant"/> (indices, labels) are not differentiated. An entry with
/// <see cref="OpCase.Boundary"/> is also checked against PyTorch at those points, on every device.
/// </summary>
public sealed record OpCase(Func<Generator, Tensor[]> Inputs, Func<Tensor[], Tensor> Apply, int[]? Constant = null, Boundary? Boundary = null);

/// <summary>
/// PyTorch 1.13's values at an op's boundary points (float64, from /usr/bin/python3 with torch): the
/// output <see cref="Y"/> and the gradient <see cref="Grad"/> of its sum, with the 1-D tensor
/// <see cref="X"/> in place of input 0 (the other inputs as the entry builds them).
/// </summary>
public sealed record Boundary(double[] X, double[] Y, double[] Grad);

public static class OpCases
{
    private static Tensor Randn(Generator g, params int[] shape) => Tensor.Randn(shape, g, DType.Float64);

    /// <summary>Values at least 0.2 away from zero: keeps relu/abs kinks out of the finite differences.</summary>
    private static Tensor AwayFromZero(Generator g, params int[] shape)
    {
        var u = Tensor.Randn(shape, g, DType.Float64);
        using var _ = TinyGrad.Autograd.NoGrad();
        return u + u.Sign() * 0.2;
    }

    private static Tensor Positive(Generator g, params int[] shape) => Tensor.Uniform(shape, 0.5, 2.0, g, DType.Float64);

    /// <summary>Distinct values (a shuffled, scaled 0..n-1 plus noise): max and pooling have no ties.</summary>
    private static Tensor Distinct(Generator g, params int[] shape)
    {
        int n = Shapes(shape);
        var perm = g.Permutation(n);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = perm[i] * 0.1 + 0.01 * g.NextDouble();
        return Tensor.FromArray(values, shape);
    }

    private static int Shapes(int[] shape)
    {
        int n = 1;
        foreach (int e in shape) n *= e;
        return n;
    }

    private static Tensor Indices(Generator g, int bound, params int[] shape)
    {
        var values = new int[Shapes(shape)];
        for (int i = 0; i < values.Length; i++) values[i] = g.NextInt(bound);
        return Tensor.FromArray(values, shape);
    }

    public static readonly IReadOnlyDictionary<string, OpCase> All = new Dictionary<string, OpCase>
    {
        ["add"] = new(g => [Randn(g, 3, 1, 5), Randn(g, 4, 5)], x => x[0] + x[1]),
        ["sub"] = new(g => [Randn(g, 2, 3, 5), Randn(g, 3, 1)], x => x[0] - x[1]),
        ["mul"] = new(g => [Randn(g, 2, 3, 5), Randn(g, 5)], x => x[0] * x[1]),
        ["div"] = new(g => [Randn(g, 3, 5), Positive(g, 3, 1)], x => x[0] / x[1]),
        ["pow"] = new(g => [Positive(g, 3, 5), Randn(g, 5)], x => x[0].Pow(x[1])),
        ["pow_scalar"] = new(g => [Positive(g, 4, 3)], x => x[0].Pow(2.5)),
        ["pow_zero_exponent"] = new(g => [Randn(g, 3, 4)], x => x[0].Pow(0.0) * x[0].Sin()),
        ["neg"] = new(g => [Randn(g, 3, 4)], x => -x[0]),
        ["exp"] = new(g => [Randn(g, 3, 5)], x => x[0].Exp()),
        ["log"] = new(g => [Positive(g, 5, 3)], x => x[0].Log()),
        ["sqrt"] = new(g => [Positive(g, 3, 7)], x => x[0].Sqrt()),
        ["abs"] = new(g => [AwayFromZero(g, 3, 5)], x => x[0].Abs()),
        ["sin"] = new(g => [Randn(g, 3, 5)], x => x[0].Sin()),
        ["cos"] = new(g => [Randn(g, 3, 5)], x => x[0].Cos()),
        ["tanh"] = new(g => [Randn(g, 3, 5)], x => x[0].Tanh(), Boundary: new(
            X: [double.NegativeInfinity, -30.0, -1.0, -1e-05, -1e-300, -0.0, 0.0, 1e-09, 1e-05, 0.3, 0.55, 1.0, 20.0, double.PositiveInfinity, double.NaN],
            Y: [-1.0, -1.0, -0.7615941559557649, -9.999999999666668e-06, -1e-300, -0.0, 0.0, 1e-09, 9.999999999666668e-06, 0.2913126124515909, 0.5005202111902353, 0.7615941559557649, 1.0, 1.0, double.NaN],
            Grad: [0.0, 0.0, 0.41997434161402614, 0.9999999999, 1.0, 1.0, 1.0, 1.0, 0.9999999999, 0.9151369618266292, 0.7494795181900823, 0.41997434161402614, 0.0, 0.0, double.NaN])),
        ["sigmoid"] = new(g => [Randn(g, 5, 3)], x => x[0].Sigmoid(), Boundary: new(
            X: [double.NegativeInfinity, -800.0, -30.0, -1.0, -0.0, 0.0, 1.0, 30.0, 800.0, double.PositiveInfinity, double.NaN],
            Y: [0.0, 0.0, 9.357622968839299e-14, 0.2689414213699951, 0.5, 0.5, 0.7310585786300049, 0.9999999999999065, 1.0, 1.0, double.NaN],
            Grad: [0.0, 0.0, 9.357622968838423e-14, 0.19661193324148185, 0.25, 0.25, 0.19661193324148185, 9.348077867342945e-14, 0.0, 0.0, double.NaN])),
        ["relu"] = new(g => [AwayFromZero(g, 3, 7)], x => x[0].Relu(), Boundary: new(
            X: [double.NegativeInfinity, -1.0, -1e-300, -0.0, 0.0, 1e-300, 2.0, double.PositiveInfinity, double.NaN],
            Y: [0.0, 0.0, 0.0, -0.0, 0.0, 1e-300, 2.0, double.PositiveInfinity, double.NaN],
            Grad: [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])),
        ["reciprocal"] = new(g => [Positive(g, 3, 5)], x => x[0].Reciprocal()),
        ["softplus"] = new(g => [Tensor.Uniform([3, 7], -30, 30, g, DType.Float64)], x => x[0].Softplus(), Boundary: new(
            X: [double.NegativeInfinity, -800.0, -30.0, -1e-08, -0.0, 0.0, 1e-08, 1.0, 19.5, 20.0, 20.000001, 20.5, 800.0, double.PositiveInfinity, double.NaN],
            Y: [0.0, 0.0, 9.357622968839737e-14, 0.6931471755599453, 0.6931471805599453, 0.6931471805599453, 0.6931471855599453, 1.3132616875182228, 19.500000003398267, 20.000000002061153, 20.000001, 20.5, 800.0, double.PositiveInfinity, double.NaN],
            Grad: [0.0, 0.0, 9.3576229688393e-14, 0.4999999975, 0.5, 0.5, 0.5000000025, 0.7310585786300049, 0.9999999966017322, 0.9999999979388464, 1.0, 1.0, 1.0, 1.0, double.NaN])),
        ["erf"] = new(g => [Tensor.Uniform([3, 6], -4, 4, g, DType.Float64)], x => x[0].Erf(), Boundary: new(
            X: [double.NegativeInfinity, -6.0, -0.5, -1e-300, -0.0, 0.0, 1e-300, 1e-08, 0.49999999999999994, 0.5, 1.0, 2.5, 5.9, 6.0, double.PositiveInfinity, double.NaN],
            Y: [-1.0, -1.0, -0.5204998778130465, -1.1283791670955126e-300, -0.0, 0.0, 1.1283791670955126e-300, 1.1283791670955126e-08, 0.5204998778130465, 0.5204998778130465, 0.8427007929497149, 0.999593047982555, 0.9999999999999999, 1.0, 1.0, double.NaN],
            Grad: [0.0, 2.6173012392492645e-16, 0.8787825789354448, 1.1283791670955126, 1.1283791670955126, 1.1283791670955126, 1.1283791670955126, 1.1283791670955123, 0.8787825789354448, 0.8787825789354448, 0.4151074974205947, 0.00217828423035271, 8.603281717596785e-16, 2.6173012392492645e-16, 0.0, double.NaN])),
        ["gelu"] = new(g => [Tensor.Uniform([4, 5], -5, 5, g, DType.Float64)], x => x[0].Gelu(), Boundary: new(
            X: [double.NegativeInfinity, -40.0, -10.0, -1.0, -1e-300, -0.0, 0.0, 1e-300, 1e-08, 0.5, 1.0, 5.0, 10.0, 40.0, double.PositiveInfinity, double.NaN],
            Y: [double.NaN, -0.0, -0.0, -0.15865525393145702, -5e-301, -0.0, 0.0, 5e-301, 5.000000039894228e-09, 0.34573123063700656, 0.841344746068543, 4.999998566742141, 10.0, 40.0, double.PositiveInfinity, double.NaN],
            Grad: [double.NaN, 0.0, -7.694598626706419e-22, -0.08331547058768635, 0.5, 0.5, 0.5, 0.5, 0.5000000079788456, 0.8674951246561629, 1.0833154705876864, 1.000007146946002, 1.0, 1.0, double.NaN, double.NaN])),
        ["leaky_relu"] = new(g => [AwayFromZero(g, 3, 7)], x => x[0].LeakyRelu(), Boundary: new(
            X: [double.NegativeInfinity, -2.0, -1e-300, -0.0, 0.0, 1e-300, 3.0, double.PositiveInfinity, double.NaN],
            Y: [double.NegativeInfinity, -0.02, -1.0000000000000001e-302, -0.0, 0.0, 1e-300, 3.0, double.PositiveInfinity, double.NaN],
            Grad: [0.01, 0.01, 0.01, 0.01, 0.01, 1.0, 1.0, 1.0, 0.01])),
        ["leaky_relu_slope"] = new(g => [AwayFromZero(g, 4, 3)], x => x[0].LeakyRelu(0.2)),
        ["silu"] = new(g => [Tensor.Uniform([5, 3], -8, 8, g, DType.Float64)], x => x[0].Silu(), Boundary: new(
            X: [double.NegativeInfinity, -800.0, -30.0, -1.0, -1e-300, -0.0, 0.0, 1e-300, 1.0, 30.0, 800.0, double.PositiveInfinity, double.NaN],
            Y: [double.NaN, -0.0, -2.8072868906517896e-12, -0.2689414213699951, -5e-301, -0.0, 0.0, 5e-301, 0.7310585786300049, 29.999999999997197, 800.0, double.PositiveInfinity, double.NaN],
            Grad: [double.NaN, -0.0, -2.713710660963134e-12, 0.07232948812851325, 0.5, 0.5, 0.5, 0.5, 0.9276705118714869, 1.000000000002711, 1.0, double.NaN, double.NaN])),
        ["softplus_beta"] = new(g => [Tensor.Uniform([4, 5], -6, 6, g, DType.Float64)], x => x[0].Softplus(beta: 2, threshold: 5)),
        ["maximum"] = new(g => [Distinct(g, 3, 5), Distinct(g, 5)], x => x[0].Maximum(x[1])),
        ["minimum"] = new(g => [Distinct(g, 3, 5), Distinct(g, 3, 1)], x => x[0].Minimum(x[1])),
        ["clamp"] = new(g => [Distinct(g, 4, 5)], x => x[0].Clamp(0.5, 1.5)),
        ["where"] = new(g => [Randn(g, 3, 5), Randn(g, 5), Indices(g, 2, 3, 5)], x => Tensor.Where(x[2].To(DType.Float64), x[0], x[1]), Constant: [2]),
        ["sum"] = new(g => [Randn(g, 3, 4, 5)], x => x[0].Sum([0, 2])),
        ["sum_keepdim"] = new(g => [Randn(g, 3, 4, 5)], x => x[0].Sum([1], keepDim: true)),
        ["mean"] = new(g => [Randn(g, 3, 4, 5)], x => x[0].Mean([-1])),
        ["max"] = new(g => [Distinct(g, 3, 4, 5)], x => x[0].Max([1])),
        ["max_all"] = new(g => [Distinct(g, 3, 5)], x => x[0].Max()),
        ["min"] = new(g => [Distinct(g, 4, 3)], x => x[0].Min([0], keepDim: true)),
        ["var"] = new(g => [Randn(g, 4, 5)], x => x[0].Var([1])),
        ["matmul"] = new(g => [Randn(g, 3, 4), Randn(g, 4, 5)], x => x[0].MatMul(x[1])),
        ["matmul_batched"] = new(g => [Randn(g, 2, 1, 3, 4), Randn(g, 3, 4, 5)], x => x[0].MatMul(x[1])),
        ["matmul_transposed"] = new(g => [Randn(g, 4, 3), Randn(g, 5, 4)], x => x[0].T.MatMul(x[1].T)),
        ["linear"] = new(g => [Randn(g, 5, 4), Randn(g, 3, 4), Randn(g, 3)], x => Functional.Linear(x[0], x[1], x[2])),
        ["linear_batched"] = new(g => [Randn(g, 2, 5, 4), Randn(g, 3, 4), Randn(g, 3)], x => Functional.Linear(x[0], x[1], x[2])),
        ["linear_relu"] = new(g => [Randn(g, 5, 4), Randn(g, 3, 4), Randn(g, 3)], x => Functional.Linear(x[0], x[1], x[2], Epilogue.Relu)),
        ["linear_relu_no_bias"] = new(g => [Randn(g, 2, 5, 4), Randn(g, 3, 4)], x => Functional.Linear(x[0], x[1], null, Epilogue.Relu)),
        // A fused layer + ReLU that leaves the ReLU's gradient rule to the next Linear, which masks its
        // input gradient in the GEMM (ReluGradient) and its weight gradient's use of that input.
        ["linear_relu_into_linear"] = new(g => [Randn(g, 5, 4), Randn(g, 3, 4), Randn(g, 3), Randn(g, 2, 3), Randn(g, 2)],
            x => Functional.Linear(Functional.Linear(x[0], x[1], x[2], Epilogue.Relu, maskedByConsumer: true), x[3], x[4], Epilogue.None, ofRelu: true)),
        ["linear_relu_into_linear_relu_batched"] = new(g => [Randn(g, 2, 5, 4), Randn(g, 3, 4), Randn(g, 2, 3)],
            x => Functional.Linear(Functional.Linear(x[0], x[1], null, Epilogue.Relu, maskedByConsumer: true), x[2], null, Epilogue.Relu, ofRelu: true)),
        ["matmul_vector"] = new(g => [Randn(g, 4), Randn(g, 4, 3), Randn(g, 3)], x => x[0].MatMul(x[1]).MatMul(x[2])),
        ["reshape"] = new(g => [Randn(g, 3, 4, 5)], x => x[0].Reshape(5, -1).Exp()),
        ["reshape_noncontiguous"] = new(g => [Randn(g, 3, 4, 5)], x => x[0].Permute(2, 0, 1).Reshape(-1, 4).Sin()),
        ["permute"] = new(g => [Randn(g, 2, 3, 5)], x => x[0].Permute(2, 0, 1).Contiguous() * Tensor.Arange(3, DType.Float64)),
        ["transpose"] = new(g => [Randn(g, 3, 5)], x => x[0].Transpose(0, 1).Tanh()),
        ["expand"] = new(g => [Randn(g, 3, 1)], x => x[0].Expand(2, 3, 4).Sin()),
        ["slice"] = new(g => [Randn(g, 7, 5)], x => x[0].Slice(0, 1, 7, 2).Slice(1, -3, 5).Exp()),
        ["select"] = new(g => [Randn(g, 4, 5)], x => x[0].Select(1, 2).Exp()),
        ["squeeze_unsqueeze"] = new(g => [Randn(g, 3, 1, 5)], x => x[0].Squeeze(1).Unsqueeze(0).Sin()),
        ["flatten"] = new(g => [Randn(g, 2, 3, 5)], x => x[0].Flatten(1).Cos()),
        ["concat"] = new(g => [Randn(g, 3, 2), Randn(g, 3, 5)], x => Tensor.Concat([x[0], x[1], x[0]], 1).Sin()),
        ["stack"] = new(g => [Randn(g, 3, 2), Randn(g, 3, 2)], x => Tensor.Stack([x[0], x[1]], 1).Exp()),
        ["gather"] = new(g => [Randn(g, 4, 7), Indices(g, 7, 4, 3)], x => x[0].Gather(1, x[1]), Constant: [1]),
        ["scatter_add"] = new(g => [Randn(g, 5, 3), Randn(g, 4, 3), Indices(g, 5, 4, 3)], x => x[0].ScatterAdd(0, x[2], x[1]).Sin(), Constant: [2]),
        ["index_select"] = new(g => [Randn(g, 5, 3), Indices(g, 5, 7)], x => x[0].IndexSelect(0, x[1]).Exp(), Constant: [1]),
        ["index_select_middle"] = new(g => [Randn(g, 2, 4, 3), Indices(g, 4, 6)], x => x[0].IndexSelect(1, x[1]).Sin(), Constant: [1]),
        ["index_select_last_scalar"] = new(g => [Randn(g, 3, 5), Tensor.FromArray(new[] { 4 }, [])], x => x[0].IndexSelect(-1, x[1]).Exp(), Constant: [1]),
        // Repeated indices: the gradient of a slice picked k times is k times the upstream gradient.
        ["index_select_repeated"] = new(g => [Randn(g, 4), Tensor.FromArray(new[] { 3, 0, 3, 3 }, [4])], x => x[0].IndexSelect(0, x[1]), Constant: [1], Boundary: new(
            X: [1.5, -2.0, 3.0, 0.25],
            Y: [0.25, 1.5, 0.25, 0.25],
            Grad: [1.0, 0.0, 0.0, 3.0])),
        ["conv2d"] = new(g => [Randn(g, 2, 3, 7, 6), Randn(g, 4, 3, 3, 2), Randn(g, 4)], x => x[0].Conv2d(x[1], x[2], padding: (1, 1))),
        ["conv2d_relu"] = new(g => [Randn(g, 2, 3, 7, 6), Randn(g, 4, 3, 3, 2), Randn(g, 4)], x => x[0].Conv2d(x[1], x[2], null, (1, 1), null, Epilogue.Relu)),
        ["conv2d_strided"] = new(g => [Randn(g, 2, 2, 9, 8), Randn(g, 3, 2, 3, 3)], x => x[0].Conv2d(x[1], stride: (2, 3), padding: (2, 1), dilation: (2, 1))),
        // Geometries at the edge of validity: a kernel wider than a 1-pixel row, and the issue 13 case
        // (horizontal stride 1 with dilation, padding past the kernel, kernel taller than the input).
        ["conv2d_kernel_wider_than_input"] = new(g => [Randn(g, 2, 2, 1, 1), Randn(g, 3, 2, 1, 5), Randn(g, 3)], x => x[0].Conv2d(x[1], x[2], padding: (0, 2))),
        ["conv2d_padding_past_kernel"] = new(g => [Randn(g, 3, 4, 3, 1), Randn(g, 3, 4, 2, 4)], x => x[0].Conv2d(x[1], stride: (3, 1), padding: (2, 3), dilation: (3, 2))),
        ["conv2d_one_pixel_strided"] = new(g => [Randn(g, 2, 3, 1, 2), Randn(g, 2, 3, 3, 2)], x => x[0].Conv2d(x[1], stride: (2, 3), padding: (4, 1), dilation: (2, 3))),
        ["max_pool2d"] = new(g => [Distinct(g, 2, 3, 7, 6)], x => x[0].MaxPool2d((2, 2))),
        ["max_pool2d_padded"] = new(g => [Distinct(g, 2, 2, 7, 6)], x => x[0].MaxPool2d((3, 3), stride: (2, 2), padding: (1, 1))),
        ["avg_pool2d"] = new(g => [Randn(g, 2, 3, 7, 6)], x => x[0].AvgPool2d((2, 3))),
        ["avg_pool2d_padded"] = new(g => [Randn(g, 2, 2, 7, 6)], x => x[0].AvgPool2d((3, 3), stride: (2, 1), padding: (1, 1))),
        ["log_softmax"] = new(g => [Randn(g, 3, 5)], x => x[0].LogSoftmax(1)),
        ["softmax"] = new(g => [Randn(g, 4, 3)], x => x[0].Softmax(0)),
        ["cross_entropy"] = new(g => [Randn(g, 5, 4), Indices(g, 4, 5)], x => Functional.CrossEntropy(x[0], x[1]), Constant: [1]),
        ["cross_entropy_soft"] = new(g => [Randn(g, 5, 4), Positive(g, 5, 4)], x => Functional.CrossEntropy(x[0], x[1].Softmax(1))),
        ["mse_loss"] = new(g => [Randn(g, 5, 3), Randn(g, 5, 3)], x => Functional.MseLoss(x[0], x[1])),
    };
}

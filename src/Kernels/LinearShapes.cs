namespace TinyGrad.Kernels;

/// <summary>The GEMMs of a linear layer's backward (<see cref="Backend.LinearBackward"/>), all operands dense row-major.</summary>
internal static class LinearShapes
{
    /// <summary>dw [out, in] = g^T x: A = g [rows, out] read transposed, B = x [rows, in].</summary>
    public static GemmArgs WeightGradient(int rows, int inFeatures, int outFeatures) =>
        new(1, outFeatures, inFeatures, rows, true, false, 0, outFeatures, 0, 0, inFeatures, 0, 0, inFeatures, 0);

    /// <summary>dx [rows, in] = g w: A = g [rows, out], B = w [out, in].</summary>
    public static GemmArgs InputGradient(int rows, int inFeatures, int outFeatures) =>
        new(1, rows, inFeatures, outFeatures, false, false, 0, outFeatures, 0, 0, inFeatures, 0, 0, inFeatures, 0);
}

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// What the fast GEMM does to C after the product: the bias (N values) on every row, then the
/// epilogue; <see cref="Epilogue.ReluGradient"/> reads <see cref="Aux"/>, laid out as C.
/// </summary>
internal readonly record struct GemmPost<T>(T[]? Bias, Epilogue Epilogue, T[]? Aux)
{
    /// <summary>Whether there is nothing to do after the product.</summary>
    public bool IsNone => Bias is null && Epilogue == Epilogue.None;
}

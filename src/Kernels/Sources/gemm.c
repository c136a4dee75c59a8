// Batched GEMM with TILE x TILE local-memory tiles: C = alpha op(A) op(B) + beta C (row-major).
// Transposes are folded into the tile loads. Grid: (ceil(N/TILE), ceil(M/TILE), batch) groups.

#define TILE 16

KERNEL void gemm(int M, int N, int K, int transA, int transB,
                 int offA, int lda, int strideA, int offB, int ldb, int strideB, int offC, int ldc, int strideC,
                 T alpha, T beta, GLOBAL const T* A, GLOBAL const T* B, GLOBAL T* C)
{
    LOCAL T As[TILE][TILE];
    LOCAL T Bs[TILE][TILE + 1];
    int batch = GROUP_ID(2);
    int ty = LOCAL_ID(1), tx = LOCAL_ID(0);
    int row = GROUP_ID(1) * TILE + ty;
    int col = GROUP_ID(0) * TILE + tx;
    int a0 = offA + batch * strideA, b0 = offB + batch * strideB;
    T acc = (T)0;
    for (int t = 0; t < K; t += TILE)
    {
        int ka = t + tx, kb = t + ty;
        As[ty][tx] = (row < M && ka < K) ? A[a0 + (transA ? ka * lda + row : row * lda + ka)] : (T)0;
        Bs[ty][tx] = (kb < K && col < N) ? B[b0 + (transB ? col * ldb + kb : kb * ldb + col)] : (T)0;
        BARRIER();
        for (int k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
        BARRIER();
    }
    if (row < M && col < N)
    {
        int c = offC + batch * strideC + row * ldc + col;
        C[c] = beta == (T)0 ? alpha * acc : alpha * acc + beta * C[c];
    }
}

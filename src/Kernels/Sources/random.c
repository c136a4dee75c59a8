// Philox4x32-10 (Salmon et al., SC'11): element i uses counter offset + i under the seed, as the
// host reference does, so every device draws the same stream.

DEVICE void philox(uint k0, uint k1, uint c0, uint c1, uint* out)
{
    uint c2 = 0, c3 = 0;
    for (int round = 0; round < 10; round++)
    {
        uint hi0 = MULHI(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        uint hi1 = MULHI(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        uint n0 = hi1 ^ c1 ^ k0;
        uint n2 = hi0 ^ c3 ^ k1;
        c1 = lo1;
        c3 = lo0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
}

KERNEL void random_fill(GLOBAL T* y, int n, uint seed_lo, uint seed_hi, uint offset_lo, uint offset_hi, int normal, int is_double)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    ulong counter = (((ulong)offset_hi) << 32 | (ulong)offset_lo) + (ulong)i;
    uint x[2];
    philox(seed_lo, seed_hi, (uint)counter, (uint)(counter >> 32), x);
#ifdef HAS_FP64
    if (normal)
    {
        double u1 = ((double)x[0] + 0.5) * (1.0 / 4294967296.0);
        double u2 = (double)x[1] * (1.0 / 4294967296.0);
        y[i] = (T)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
    }
    else if (is_double)
        y[i] = (T)(((double)(x[0] >> 5) * 67108864.0 + (double)(x[1] >> 6)) * (1.0 / 9007199254740992.0));
    else
        y[i] = (T)((float)(x[0] >> 8) * (1.0f / 16777216.0f));
#else
    if (normal)
    {
        float u1 = ((float)x[0] + 0.5f) * (1.0f / 4294967296.0f);
        float u2 = (float)x[1] * (1.0f / 4294967296.0f);
        y[i] = (T)(sqrt(-2.0f * log(u1)) * cos(6.2831853f * u2));
    }
    else
        y[i] = (T)((float)(x[0] >> 8) * (1.0f / 16777216.0f));
#endif
}

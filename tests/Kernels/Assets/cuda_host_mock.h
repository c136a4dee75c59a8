// Host stand-ins for the CUDA built-ins the kernel dialect uses, so g++ can syntax-check the
// shared sources as the C++ NVRTC compiles (it catches C-isms that CUDA C++ rejects).
#include <cmath>
#define __global__
#define __device__
#define __shared__ static
struct dim3_ { unsigned x, y, z; };
static dim3_ blockIdx, blockDim, threadIdx;
inline void __syncthreads() {}
inline unsigned __umulhi(unsigned a, unsigned b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
inline float __int_as_float(int i) { float f; __builtin_memcpy(&f, &i, 4); return f; }
using std::exp; using std::log; using std::sqrt; using std::fabs; using std::sin; using std::cos; using std::tanh; using std::pow;
#define ulong tg_ulong
#define uint tg_uint

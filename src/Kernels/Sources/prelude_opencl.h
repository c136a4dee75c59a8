// OpenCL C prelude of the shared kernel dialect (see common.h for the dialect's words).
#define KERNEL __kernel
#define GLOBAL __global
#define LOCAL __local
#define DEVICE inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define GLOBAL_ID(d) ((int)get_global_id(d))
#define LOCAL_ID(d) ((int)get_local_id(d))
#define GROUP_ID(d) ((int)get_group_id(d))
#define MULHI(a, b) mul_hi((uint)(a), (uint)(b))
#define NEG_INF (-INFINITY)
#ifdef HAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

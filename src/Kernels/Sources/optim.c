// Fused optimizer steps with PyTorch's formulas (see SgdArgs / AdamArgs).

KERNEL void sgd_step(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* buf, int n, T lr, T momentum, T dampening, T weight_decay, int nesterov, int first_step, int has_momentum)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    T d = g[i] + weight_decay * p[i];
    if (has_momentum)
    {
        T b = first_step ? d : momentum * buf[i] + ((T)1 - dampening) * d;
        buf[i] = b;
        d = nesterov ? d + momentum * b : b;
    }
    p[i] = p[i] - lr * d;
}

KERNEL void adam_step(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* m, GLOBAL T* v, int n, T lr, T beta1, T beta2, T eps, T weight_decay, int decoupled, T bias1, T bias2)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    T pi = p[i], gi = g[i];
    if (decoupled) pi *= (T)1 - lr * weight_decay;
    else gi += weight_decay * pi;
    T mi = beta1 * m[i] + ((T)1 - beta1) * gi;
    T vi = beta2 * v[i] + ((T)1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - lr / bias1 * mi / (sqrt(vi) / sqrt(bias2) + eps);
}

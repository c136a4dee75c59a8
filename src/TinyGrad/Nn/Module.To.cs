using TinyGrad.Kernels;

namespace TinyGrad.Nn;

public abstract partial class Module
{
    /// <summary>
    /// Moves every parameter (and its gradient) to <paramref name="device"/> in place, like torch's
    /// module.to(device): the parameters stay the same tensor objects, so an optimizer built on them keeps
    /// working, and its state (momentum, Adam's moments) follows them at its next step. Returns this module.
    /// </summary>
    public Module To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Convert(p => (device, p.DType));
    }

    /// <summary>
    /// Converts every parameter (and its gradient) to the floating-point <paramref name="dtype"/> in place,
    /// like torch's module.to(dtype), on the device it is on; optimizer state follows as with
    /// <see cref="To(Device)"/>. Returns this module.
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloat()) throw new ArgumentException($"Module.To: parameters are floating point; {dtype} is not", nameof(dtype));
        return Convert(p => (p.Device, dtype));
    }

    private Module Convert(Func<Tensor, (Device Device, DType DType)> target)
    {
        var parameters = Parameters().ToList();
        // Check every parameter before moving any, so a refusal leaves the module whole.
        foreach (var (name, p) in NamedParameters())
        {
            var (device, dtype) = target(p);
            if (dtype == DType.Float64 && !device.Backend.SupportsFloat64)
                throw new NotSupportedException($"Module.To: device {device} has no Float64 support (parameter '{name}')");
        }
        using var _ = Autograd.NoGrad();
        foreach (var p in parameters)
        {
            var (device, dtype) = target(p);
            if (p.Device == device && p.DType == dtype) continue;
            p.ReplaceData(p.Detach().To(device).To(dtype));
            if (p.Grad is { } g) p.Grad = g.Detach().To(device).To(dtype);
        }
        return this;
    }
}

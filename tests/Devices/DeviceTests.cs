using NUnit.Framework;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Devices;

/// The device registry on any machine: what is listed, what auto picks, and clear errors for
/// devices that are named but absent. Nothing here assumes a GPU is absent or present.
public sealed class DeviceTests
{
    [Test]
    public void EveryKindIsListedWithDevicesOrWithWhyNot()
    {
        var listed = Device.List();
        Assert.That(listed[0], Is.EqualTo(new DeviceListing("cpu", Device.Cpu.Backend.Description, true, false)));
        Assert.That(listed.Single(d => d.Name == "ilgpu-cpu"), Is.EqualTo(listed.Single(d => d.Name == "ilgpu-cpu") with { Available = true, IsGpu = false }));
        foreach (var kind in DeviceKind.All.Where(k => k.IsGpu))
        {
            var rows = listed.Where(d => d.Name == kind.Name || d.Name.StartsWith(kind.Name + ":", StringComparison.Ordinal)).ToList();
            Assert.That(rows, Is.Not.Empty, kind.Name);
            Assert.That(rows.SequenceEqual(kind.List()), kind.Name);
            foreach (var row in rows.Where(r => !r.Available))
                Assert.That(row.Description, Does.Match("not found \\(looked for|no .*device|reports no devices|lacks the generic address space|older than"), row.ToString());
        }
    }

    [Test]
    public void CudaWithoutADriverSaysWhatWasLookedFor()
    {
        var row = Device.List().First(d => d.Name.StartsWith("cuda", StringComparison.Ordinal));
        if (row.Available) Assert.Pass($"a CUDA device is present: {row.Description}");
        // Without a driver: the names looked for; with one: its file and its own cuInit result.
        if (IlgpuDevices.DriverMissing(IlgpuKind.Cuda) is null) Assert.That(row.Description, Does.Match("^no CUDA device listed: /.*libcuda.* loaded; .*cuInit\\(0\\) returned"));
        else Assert.That(row.Description, Does.StartWith("CUDA driver not found (looked for libcuda.so.1, libcuda.so in the loader's search path and in /usr/lib/x86_64-linux-gnu"));
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse("cuda"));
        Assert.That(ex!.Message, Is.EqualTo($"device 'cuda:0': {row.Description}"));
    }

    [Test]
    public void AnOpenClDeviceIlgpuCannotUseIsListedWithTheReason()
    {
        var devices = IlgpuDevices.List(IlgpuKind.OpenCl);
        var cpuDevice = devices.FirstOrDefault(d => !d.IsGpu && d.Unusable is not null);
        if (cpuDevice is null) TestDevices.Absent("pocl", "no OpenCL device that ILGPU cannot use here (CI installs PoCL for this test)");
        var row = Device.List().Single(d => d.Name == cpuDevice.Name);
        Assert.That(row.Available, Is.False);
        // PoCL 3.1: OpenCL C 1.2 and no generic address space.
        Assert.That(row.Description, Does.Match("lacks the generic address space|OpenCL C .* is older than"));
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse(cpuDevice.Name));
        Assert.That(ex!.Message, Does.StartWith($"device '{cpuDevice.Name}': ").And.Contain(cpuDevice.Unusable));
    }

    [Test]
    public void AutoTakesAGpuElseTheCpuWithOneLineSayingWhy()
    {
        var gpu = Device.List().FirstOrDefault(d => d.Available && d.IsGpu);
        var saved = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        Device device;
        try
        {
            device = Device.Parse("auto");
        }
        finally
        {
            Console.SetError(saved);
        }
        if (gpu != default)
        {
            Assert.That(device.Name, Is.EqualTo(gpu.Name));
            return;
        }
        // Neither the simulator nor a CPU OpenCL device is a GPU: auto must not pick them.
        Assert.That(device, Is.SameAs(Device.Cpu));
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("device auto: using cpu (").And.Contain("CUDA"));
    }

    [Test]
    public void AbsentDevicesAreClearErrors()
    {
        // No machine has 100 CUDA devices: the message names the device and why it cannot be opened.
        var ex = Assert.Throws<ArgumentException>(() => Device.Parse("cuda:99"));
        Assert.That(ex!.Message, Does.StartWith("device 'cuda:99': ").And.Match("CUDA driver not found \\(looked for libcuda.so.1|no Cuda device found|only \\d+ Cuda device"));
        ex = Assert.Throws<ArgumentException>(() => Device.Parse("tpu"));
        Assert.That(ex!.Message, Does.Contain("tpu"));
        Assert.That(Device.Parse("cpu"), Is.SameAs(Device.Cpu));
    }

    [Test]
    public void NamesAreCheckedBeforeAnythingOpens()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => Device.Parse("tpu"))!.Message,
            Is.EqualTo("unknown device 'tpu': expected cuda[:N], opencl[:N], ilgpu-cpu, cpu or auto"));
        Assert.That(Assert.Throws<ArgumentException>(() => Device.Parse("cpu:1"))!.Message, Does.StartWith("unknown device 'cpu:1'"));
        Assert.That(Assert.Throws<ArgumentException>(() => Device.Parse("cuda:x"))!.Message, Is.EqualTo("device 'cuda:x': 'x' is not a device number"));
        Assert.That(Device.Parse(" ILGPU-CPU "), Is.SameAs(Device.Parse("ilgpu-cpu")));
    }

    [Test]
    public void MixingDevicesInOneOpIsAClearError()
    {
        var sim = TestDevices.Require("ilgpu-cpu");
        var a = Tensor.Ones([3], device: Device.Cpu);
        var b = Tensor.Ones([3], device: sim);
        var ex = Assert.Throws<ArgumentException>(() => _ = a + b);
        Assert.That(ex!.Message, Does.Contain("cpu").And.Contain("ilgpu-cpu"));
        Assert.That((a + b.To(Device.Cpu)).ToArray<float>(), Is.EqualTo(new[] { 2f, 2, 2 }));
    }
}

/// The small CNN's loss curve on each ILGPU device against the cpu device's.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Others))]
public sealed class CnnCurveTests(string device)
{
    [Test]
    public void SmallCnnTrainsToTheCpuLossCurve()
    {
        var cpu = CnnCurve.Train(Device.Cpu);
        var other = CnnCurve.Train(TestDevices.Require(device));
        Assert.That(cpu[^1], Is.LessThan(cpu[0] * 0.7), "the CNN learns");
        int mismatch = CnnCurve.FirstMismatch(cpu, other);
        Assert.That(mismatch, Is.EqualTo(-1), mismatch < 0 ? "" : $"step {mismatch}: cpu {cpu[mismatch]}, {device} {other[mismatch]}");
    }
}

namespace TinyGrad.Kernels;

/// <summary>
/// Watches the primitives a <see cref="Backend"/> runs, in the order it runs them (set
/// <see cref="Backend.Observer"/>): the tests count which calls reach a backend, the bench times them.
/// </summary>
public interface IBackendObserver
{
    /// <summary>A primitive starts: its name (the <see cref="Backend"/> method's) and a short detail (the op, a shape), maybe empty.</summary>
    void Enter(string primitive, string detail);

    /// <summary>The primitive has returned (on an asynchronous device its kernels may still be queued).</summary>
    void Exit(string primitive);
}

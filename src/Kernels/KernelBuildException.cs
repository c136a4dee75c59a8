namespace TinyGrad.Kernels;

/// <summary>A kernel program failed to compile; the message ends with the compiler's log.</summary>
public sealed class KernelBuildException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KernelBuildException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public KernelBuildException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    public KernelBuildException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The compiler's build log.</summary>
    public string Log { get; init; } = "";
}

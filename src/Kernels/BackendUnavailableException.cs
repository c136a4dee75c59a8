namespace TinyGrad.Kernels;

/// <summary>A device runtime (OpenCL, CUDA) or device is not present on this machine; the message says what was looked for.</summary>
public sealed class BackendUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BackendUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message saying what was looked for.</summary>
    public BackendUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the native error behind it.</summary>
    public BackendUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}

namespace TinyGrad.IO;

/// <summary>
/// The one exception every reader in <c>TinyGrad.IO</c> and <c>TinyGrad.Data</c> throws for
/// a file whose contents are malformed (truncated, wrong magic, impossible sizes, bad JSON, labels out of
/// range ...). The message always names the file and what was expected versus what was found. Readers
/// validate before they allocate, so this is thrown before any buffer larger than the file is made (for
/// compressed input: larger than what its compressed bytes can inflate to, deflate's 1032:1).
/// Plain I/O failures (file missing, permission denied) keep their own BCL exception types.
/// </summary>
/// <param name="filePath">The file (or "archive!entry") that was being read.</param>
/// <param name="expected">What the reader expected at the point of failure.</param>
/// <param name="found">What the reader found instead.</param>
/// <param name="inner">The failure underneath, if any.</param>
public sealed class InvalidDataFileException(string filePath, string expected, string found, Exception? inner = null)
    : IOException($"{filePath}: invalid data file: expected {expected}, found {found}", inner)
{
    /// <summary>The file (or "archive!entry") that was being read.</summary>
    public string FilePath { get; } = filePath;

    /// <summary>What the reader expected at the point of failure.</summary>
    public string Expected { get; } = expected;

    /// <summary>What the reader found instead.</summary>
    public string Found { get; } = found;
}

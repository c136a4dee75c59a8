using System.Security.Cryptography;
using System.Text;

namespace TinyGrad.IO;

/// <summary>A file that can be fetched: its name in the data folder, SHA-256 and the URLs to try in order.</summary>
/// <param name="FileName">Name under the data folder.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
/// <param name="Urls">Canonical URL first, then mirrors.</param>
public sealed record RemoteFile(string FileName, string Sha256, IReadOnlyList<string> Urls);

/// <summary>
/// Thrown when data files are absent and cannot be downloaded (offline, every mirror failed, or the
/// checksums did not match). The message lists which files to put in which folder and where they come from.
/// </summary>
public sealed class DataUnavailableException : IOException
{
    /// <summary>Creates the exception with the full instructions as message.</summary>
    public DataUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// Downloads data files: tries each URL in turn, streams into a temp file in the target folder while
/// hashing, and renames it into place only when the SHA-256 matches; a bad or partial download never
/// replaces or sits at the target path.
/// </summary>
public static class Downloader
{
    /// <summary>
    /// Ensures each of <paramref name="files"/> exists in <paramref name="folder"/> with the right SHA-256,
    /// downloading the missing ones with <paramref name="client"/> (a default client with a 5-minute timeout
    /// if null). Throws <see cref="DataUnavailableException"/> naming every file still missing and the folder.
    /// </summary>
    public static void EnsureFiles(string folder, IReadOnlyList<RemoteFile> files, HttpClient? client = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(folder);
        var failures = new List<string>();
        HttpClient? owned = null;
        try
        {
            foreach (var f in files)
            {
                string target = Path.Combine(folder, f.FileName);
                if (File.Exists(target) && HashFile(target) == f.Sha256.ToLowerInvariant()) continue;
                client ??= owned = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                string? error = TryDownload(client, f, target);
                if (error is not null) failures.Add(error);
            }
        }
        finally
        {
            owned?.Dispose();
        }
        if (failures.Count > 0)
        {
            var sb = new StringBuilder();
            sb.Append("data files are missing and could not be downloaded (offline?). Put these files into ")
              .Append(Path.GetFullPath(folder)).Append(':');
            foreach (var f in files)
            {
                if (File.Exists(Path.Combine(folder, f.FileName))) continue;
                sb.Append("\n  ").Append(f.FileName).Append("  (sha256 ").Append(f.Sha256).Append(", from ").Append(string.Join(" or ", f.Urls)).Append(')');
            }
            sb.Append("\nattempts:\n  ").Append(string.Join("\n  ", failures));
            throw new DataUnavailableException(sb.ToString());
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string HashFile(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary>Tries every URL; returns null on success or a line describing every failure.</summary>
    private static string? TryDownload(HttpClient client, RemoteFile f, string target)
    {
        var errors = new List<string>();
        TempFiles.RemoveStale(Path.GetFullPath(target));
        foreach (string url in f.Urls)
        {
            string temp = AtomicFile.TempPathFor(Path.GetFullPath(target));
            try
            {
                using (var request = new HttpRequestMessage(HttpMethod.Get, url))
                using (var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead))
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        errors.Add($"{url}: HTTP {(int)response.StatusCode}");
                        continue;
                    }
                    using var body = response.Content.ReadAsStream();
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    {
                        var buffer = new byte[1 << 16];
                        int n;
                        while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
                        {
                            hash.AppendData(buffer, 0, n);
                            fs.Write(buffer, 0, n);
                        }
                        fs.Flush(true);
                    }
                    string got = Convert.ToHexStringLower(hash.GetHashAndReset());
                    if (!string.Equals(got, f.Sha256, StringComparison.OrdinalIgnoreCase))
                    {
                        AtomicFile.TryDelete(temp);
                        errors.Add($"{url}: sha256 {got}, expected {f.Sha256}");
                        continue;
                    }
                }
                File.Move(temp, target, overwrite: true);
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or UnauthorizedAccessException)
            {
                AtomicFile.TryDelete(temp);
                errors.Add($"{url}: {e.Message}");
            }
        }
        return $"{f.FileName}: " + string.Join("; ", errors);
    }
}

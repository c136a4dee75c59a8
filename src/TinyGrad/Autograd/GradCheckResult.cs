using System.Globalization;

namespace TinyGrad;

/// <summary>
/// What <see cref="Autograd.GradCheck(Func{Tensor[], Tensor}, Tensor[], double, double, double, bool)"/> or
/// <see cref="Autograd.GradGradCheck(Func{Tensor[], Tensor}, Tensor[], Tensor[], double, double, double, bool)"/> found:
/// whether every Jacobian entry matched its finite difference, and the worst entry (the one nearest to or
/// furthest past its tolerance): which input and element, which output and element, both values and
/// their relative error. <see cref="ThrowIfFailed"/> turns a failure into a <see cref="GradCheckException"/>.
/// </summary>
public sealed class GradCheckResult
{
    // Built by GradChecker with an object initializer: sixteen values read better named than in order.
    internal GradCheckResult()
    {
    }

    /// <summary>The worst entry in words, e.g. "d output 0[1] / d input 1[2, 0]".</summary>
    internal string Subject { get; init; } = "";

    /// <summary>What was compared, in the plural: "entries", "projections" or "Hessian-vector product entries".</summary>
    internal string Unit { get; init; } = "";

    /// <summary>"gradcheck" or "gradgradcheck".</summary>
    public string Check { get; internal init; } = "";

    /// <summary>Whether every checked entry satisfied |analytic - numeric| &lt;= atol + rtol |numeric|.</summary>
    public bool Passed { get; internal init; }

    /// <summary>
    /// Position of the worst entry's input in the checked inputs (for gradgradcheck: the function's inputs,
    /// then the output gradients).
    /// </summary>
    public int Input { get; internal init; }

    /// <summary>The worst entry's input in words: "input 1", or "grad_output 0" for gradgradcheck's output gradients.</summary>
    public string InputName { get; internal init; } = "";

    /// <summary>The element of that input (one index per dimension); empty for gradcheck's fast-mode projection.</summary>
    public IReadOnlyList<int> Index { get; internal init; } = [];

    /// <summary>Which output of the function the worst entry belongs to (for gradgradcheck: which first-order gradient).</summary>
    public int Output { get; internal init; }

    /// <summary>The element of that output; empty for gradcheck's fast-mode projection.</summary>
    public IReadOnlyList<int> OutputIndex { get; internal init; } = [];

    /// <summary>The worst entry's derivative from backward (d output[OutputIndex] / d input[Index]).</summary>
    public double Analytic { get; internal init; }

    /// <summary>The worst entry's central difference (f(x + eps) - f(x - eps)) / (2 eps).</summary>
    public double Numeric { get; internal init; }

    /// <summary>|analytic - numeric| / |numeric| at the worst entry (0 when both are equal, infinity when only numeric is 0).</summary>
    public double RelativeError => Analytic == Numeric ? 0 : Math.Abs(Analytic - Numeric) / Math.Abs(Numeric);

    /// <summary>|analytic - numeric| / (atol + rtol |numeric|) at the worst entry: above 1 means the check failed.</summary>
    public double ToleranceRatio => Analytic == Numeric ? 0 : Math.Abs(Analytic - Numeric) / (Atol + Rtol * Math.Abs(Numeric));

    /// <summary>Values compared: Jacobian entries, or in fast mode projections (gradcheck) or Hessian-vector product entries (gradgradcheck).</summary>
    public int EntriesChecked { get; internal init; }

    /// <summary>Finite-difference step.</summary>
    public double Eps { get; internal init; }

    /// <summary>Absolute tolerance.</summary>
    public double Atol { get; internal init; }

    /// <summary>Relative tolerance (of the numeric value).</summary>
    public double Rtol { get; internal init; }

    /// <summary>True when the values compared are products with random directions (fast mode) rather than single Jacobian entries.</summary>
    public bool Projected { get; internal init; }

    /// <summary>One line: passed or failed, and the worst entry with both values.</summary>
    public string Message
    {
        get
        {
            string tolerance = $"atol {G(Atol)} + rtol {G(Rtol)} |numeric|";
            return Passed
                ? $"{Check} passed: {EntriesChecked} {Unit} within {tolerance} (eps {G(Eps)}); worst {Subject}: analytic {G(Analytic)}, numeric {G(Numeric)}, relative error {G(RelativeError)}"
                : $"{Check} failed: {Subject}: analytic {G(Analytic)}, numeric {G(Numeric)}, relative error {G(RelativeError)} ({G(ToleranceRatio)}x the tolerance {tolerance}, eps {G(Eps)}; {EntriesChecked} {Unit} checked)";
        }
    }

    /// <summary>Throws <see cref="GradCheckException"/> when the check failed; returns this result otherwise.</summary>
    public GradCheckResult ThrowIfFailed() => Passed ? this : throw new GradCheckException(this);

    /// <inheritdoc />
    public override string ToString() => Message;

    /// <summary>"[1, 2]" for an element index, "" for none.</summary>
    internal static string Format(IReadOnlyList<int> index) => index.Count == 0 ? "" : "[" + string.Join(", ", index) + "]";

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>A failed gradient check (<see cref="GradCheckResult.ThrowIfFailed"/>); the message names the entry and both values.</summary>
public sealed class GradCheckException : Exception
{
    /// <summary>Creates the exception for a failed <paramref name="result"/>.</summary>
    public GradCheckException(GradCheckResult result) : base((result ?? throw new ArgumentNullException(nameof(result))).Message) => Result = result;

    /// <summary>The failed check's result.</summary>
    public GradCheckResult Result { get; }
}

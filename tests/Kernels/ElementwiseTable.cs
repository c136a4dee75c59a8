using System.Reflection;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// Runs one op of the elementwise table on a backend.
public delegate void UnaryRun(Backend backend, in StridedView x, DeviceBuffer y);

/// Runs one binary op or comparison of the elementwise table on a backend.
public delegate void BinaryRun(Backend backend, in StridedView a, in StridedView b, DeviceBuffer y);

/// An op of the table as the kernel tests see it: its name, its struct, and a call of it on any backend.
public sealed record TableOp<TRun>(string Name, Type Type, TRun Run)
{
    public override string ToString() => Name;
}

/// The elementwise op table (the structs of UnaryOps, BinaryOps and Comparisons in TinyGrad), read by
/// reflection: every op added there is checked by the parity tests and compiled by the kernel tests.
public static class ElementwiseTable
{
    public static IReadOnlyList<TableOp<UnaryRun>> Unary { get; } = Ops<UnaryRun>(typeof(UnaryOps), typeof(IUnaryOp<>), nameof(RunUnary));

    public static IReadOnlyList<TableOp<BinaryRun>> Binary { get; } = Ops<BinaryRun>(typeof(BinaryOps), typeof(IBinaryOp<>), nameof(RunBinary));

    public static IReadOnlyList<TableOp<BinaryRun>> Comparisons { get; } = Ops<BinaryRun>(typeof(TinyGrad.Comparisons), typeof(IComparison<>), nameof(RunCompare));

    /// The op structs implementing <paramref name="contract"/> (an open generic op interface).
    public static IEnumerable<Type> Implementing(Type contract) =>
        new[] { typeof(UnaryOps), typeof(BinaryOps), typeof(TinyGrad.Comparisons) }.SelectMany(t => t.GetNestedTypes())
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == contract));

    private static TableOp<TRun>[] Ops<TRun>(Type table, Type contract, string runner) where TRun : Delegate =>
        Implementing(contract).Where(t => t.DeclaringType == table)
            .Select(t => new TableOp<TRun>((string)t.GetProperty("Name")!.GetValue(null)!, t,
                typeof(ElementwiseTable).GetMethod(runner, BindingFlags.Static | BindingFlags.NonPublic)!.MakeGenericMethod(t).CreateDelegate<TRun>()))
            .ToArray();

    private static void RunUnary<TOp>(Backend backend, in StridedView x, DeviceBuffer y) where TOp : struct, IUnaryOp<TOp> => backend.Unary<TOp>(x, y);

    private static void RunBinary<TOp>(Backend backend, in StridedView a, in StridedView b, DeviceBuffer y) where TOp : struct, IBinaryOp<TOp> => backend.Binary<TOp>(a, b, y);

    private static void RunCompare<TOp>(Backend backend, in StridedView a, in StridedView b, DeviceBuffer y) where TOp : struct, IComparison<TOp> => backend.Compare<TOp>(a, b, y);
}

using System.Globalization;
using System.Text;

namespace TinyGrad.Experiments.Runner;

/// <summary>One measurement: which series (e.g. a model), the x value (epoch, step, alpha, ...), the metric name and its value.</summary>
public readonly record struct MetricRow(string Series, double X, string Metric, double Value);

/// <summary>Metrics in long format, written as metrics.csv (series,x,metric,value).</summary>
public sealed class Metrics
{
    private readonly List<MetricRow> rows = [];

    /// <summary>All rows in insertion order.</summary>
    public IReadOnlyList<MetricRow> Rows => rows;

    /// <summary>Adds a row.</summary>
    public void Add(string series, double x, string metric, double value) => rows.Add(new(series, x, metric, value));

    /// <summary>Adds a batch of rows.</summary>
    public void AddRange(IEnumerable<MetricRow> more) => rows.AddRange(more);

    /// <summary>The (x, value) points of one series and metric, in order.</summary>
    public (double[] X, double[] Y) Get(string series, string metric)
    {
        var sel = rows.Where(r => r.Series == series && r.Metric == metric).ToList();
        return (sel.Select(r => r.X).ToArray(), sel.Select(r => r.Value).ToArray());
    }

    /// <summary>The last value of a series' metric, or NaN.</summary>
    public double Last(string series, string metric)
    {
        for (int i = rows.Count - 1; i >= 0; i--)
            if (rows[i].Series == series && rows[i].Metric == metric) return rows[i].Value;
        return double.NaN;
    }

    /// <summary>The CSV text.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("series,x,metric,value\n");
        foreach (var r in rows)
            sb.Append(Quote(r.Series)).Append(',').Append(r.X.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(Quote(r.Metric)).Append(',').Append(r.Value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Parses CSV text written by <see cref="ToCsv"/>.</summary>
    public static Metrics FromCsv(string csv)
    {
        var m = new Metrics();
        foreach (var line in csv.Split('\n').Skip(1))
        {
            if (line.Length == 0) continue;
            var f = SplitCsv(line);
            m.Add(f[0], double.Parse(f[1], CultureInfo.InvariantCulture), f[2], double.Parse(f[3], CultureInfo.InvariantCulture));
        }
        return m;
    }

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var cur = new StringBuilder();
        bool q = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (q)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (c == '"') q = false;
                else cur.Append(c);
            }
            else if (c == '"') q = true;
            else if (c == ',') { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        fields.Add(cur.ToString());
        return fields;
    }
}

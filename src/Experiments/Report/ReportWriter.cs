using System.Globalization;
using System.Net;
using System.Text;
using TinyGrad.Experiments.Runner;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Report;

/// <summary>Writes report.html (self-contained, figures inlined as SVG) and report.md from the run sections.</summary>
public static class ReportWriter
{
    /// <summary>Writes both reports into <paramref name="folder"/>; each section's files live in <c>folder/&lt;name&gt;/</c>.</summary>
    public static void Write(string folder, IReadOnlyList<Section> sections, RunOptions options)
    {
        string commit = GitInfo.Commit;
        string generated = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.Append("# HW1 report\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Preset `{options.Preset.ToString().ToLowerInvariant()}`, seed {options.Seed}, device {Device.Default.Name}, commit `{commit}`, generated {generated}.\n\n");
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>HW1 report</title>\n<style>")
            .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 1em;color:#222}")
            .Append("table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left;vertical-align:top}")
            .Append("th{background:#f1f1f1}.fig{margin:1em 0}.fig svg{max-width:100%;height:auto}.data{color:#a33;font-weight:bold}")
            .Append(".notrun{border:2px solid #c80;background:#fff6e5;padding:.2em 1em;margin:1em 0}.missing{border:2px dashed #c80;padding:1em;margin:1em 0;color:#a50}")
            .Append("h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}li{margin:.25em 0}</style></head><body>\n");
        html.Append("<h1>HW1 report</h1>\n<p>").Append(E($"Preset {options.Preset.ToString().ToLowerInvariant()}, seed {options.Seed}, device {Device.Default.Name}, commit {commit}, generated {generated}.")).Append("</p>\n");
        NotRun(md, html, sections);
        md.Append("| experiment | status | data | time (s) |\n|---|---|---|---|\n");
        html.Append("<table><tr><th>experiment</th><th>status</th><th>data</th><th>time (s)</th></tr>");
        foreach (var s in sections)
        {
            md.Append(CultureInfo.InvariantCulture, $"| [{s.Title}](#{s.Name}) | {s.Status} | {s.DataSource} | {s.Seconds:0.0} |\n");
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"#{s.Name}\">{E(s.Title)}</a> ({E(s.Name)})</td><td>{E(s.Status)}</td><td>{E(s.DataSource)}</td><td>{s.Seconds:0.0}</td></tr>");
        }
        md.Append('\n');
        html.Append("</table>\n");
        foreach (var s in sections)
        {
            md.Append(CultureInfo.InvariantCulture, $"<a id=\"{s.Name}\"></a>\n## {s.Title} (`{s.Name}`)\n\n{s.Description}\n\n");
            html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"{s.Name}\">{E(s.Title)} <small>({E(s.Name)})</small></h2>\n<p>{E(s.Description)}</p>\n");
            if (s.NotRun.Count > 0)
            {
                string units = string.Join(", ", s.NotRun.Select(u => u.What));
                md.Append(CultureInfo.InvariantCulture, $"**{s.Status}.** Not run: {units}.\n\n");
                html.Append(CultureInfo.InvariantCulture, $"<p class=\"notrun\"><b>{E(s.Status)}.</b> Not run: {E(units)}.</p>\n");
                if (s.UnitsRun == 0) continue;
            }
            md.Append(CultureInfo.InvariantCulture, $"Data: **{s.DataSource}**. Preset {s.Preset}, {s.Seconds:0.0} s.\n\n");
            html.Append(CultureInfo.InvariantCulture, $"<p>Data: <span class=\"data\">{E(s.DataSource)}</span>. Preset {E(s.Preset)}, {s.Seconds:0.0} s.</p>\n");
            Table(md, html, ["setting", "value"], s.Settings);
            if (s.Models.Count > 0) Table(md, html, ["model", "layers", "parameters"], s.Models);
            if (s.Observations.Count > 0)
            {
                md.Append("Observations:\n\n");
                html.Append("<p><b>Observations</b></p><ul>");
                foreach (var o in s.Observations)
                {
                    md.Append("- ").Append(o).Append('\n');
                    html.Append("<li>").Append(E(o)).Append("</li>");
                }
                md.Append('\n');
                html.Append("</ul>\n");
            }
            foreach (var f in s.Figures)
            {
                string rel = s.Name + "/" + f;
                md.Append(CultureInfo.InvariantCulture, $"![{f}]({rel})\n\n");
                string path = Path.Combine(folder, s.Name, f);
                string svg = File.Exists(path) ? File.ReadAllText(path) : $"<p>missing figure {E(rel)}</p>";
                html.Append("<div class=\"fig\">").Append(svg).Append("</div>\n");
            }
            foreach (var f in s.MissingFigures)
            {
                md.Append(CultureInfo.InvariantCulture, $"> Figure \"{f[0]}\" not drawn: {f[1]}.\n\n");
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"missing\">Figure <b>{E(f[0])}</b> not drawn: {E(f[1])}.</div>\n");
            }
        }
        html.Append("</body></html>\n");
        AtomicFile.WriteAllBytes(Path.Combine(folder, "report.md"), Encoding.UTF8.GetBytes(md.ToString()));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "report.html"), Encoding.UTF8.GetBytes(html.ToString()));
    }

    // At the top: what was not run, by missing dataset, and what to put where.
    private static void NotRun(StringBuilder md, StringBuilder html, IReadOnlyList<Section> sections)
    {
        var missing = NotRunUnit.ByDataset(sections.Select(s => (s.Name, s.Units, (IReadOnlyList<NotRunUnit>)s.NotRun)));
        if (missing.Count == 0) return;
        md.Append("**Not run: data missing.** Everything else ran; these parts did not:\n\n");
        html.Append("<div class=\"notrun\"><p><b>Not run: data missing.</b> Everything else ran; these parts did not:</p><ul>");
        foreach (var (dataset, units, reason) in missing)
        {
            md.Append(CultureInfo.InvariantCulture, $"- **{dataset} missing**: {units}. {reason.Replace("\n", " ", StringComparison.Ordinal)}\n");
            html.Append(CultureInfo.InvariantCulture, $"<li><b>{E(dataset)} missing</b>: {E(units)}.<br>{E(reason).Replace("\n", "<br>", StringComparison.Ordinal)}</li>");
        }
        md.Append('\n');
        html.Append("</ul></div>\n");
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static void Table(StringBuilder md, StringBuilder html, string[] header, List<string[]> rows)
    {
        md.Append("| ").Append(string.Join(" | ", header)).Append(" |\n|").Append(string.Concat(header.Select(_ => "---|"))).Append('\n');
        html.Append("<table><tr>").Append(string.Concat(header.Select(h => $"<th>{E(h)}</th>"))).Append("</tr>");
        foreach (var r in rows)
        {
            md.Append("| ").Append(string.Join(" | ", r.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))).Append(" |\n");
            html.Append("<tr>").Append(string.Concat(r.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>");
        }
        md.Append('\n');
        html.Append("</table>\n");
    }
}

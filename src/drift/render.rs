//! The drift report for people (grouped by cluster, field-level diffs),
//! for pull requests and wikis (markdown) and for machines (JSON).

use serde_json::Value;

use super::{ClusterReport, ObjectReport, Report, Status, Summary};
use crate::report::Style;

/// Longest value shown in text output; JSON has them whole.
const MAX_VALUE: usize = 240;

fn value_text(v: &Value) -> String {
    let s = if v.is_null() {
        "(absent)".to_string()
    } else {
        serde_json::to_string(v).unwrap_or_default()
    };
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn object_ref(o: &ObjectReport) -> String {
    match &o.namespace {
        Some(ns) => format!("{} {ns}/{}", o.kind, o.name),
        None => format!("{} {}", o.kind, o.name),
    }
}

fn counts(s: &Summary) -> String {
    let mut parts = vec![
        format!("{} in sync", s.in_sync),
        format!("{} drifted", s.drifted),
        format!("{} missing", s.missing),
        format!("{} orphaned", s.orphaned),
    ];
    if s.unchecked > 0 {
        parts.push(format!("{} not checked", s.unchecked));
    }
    parts.join(", ")
}

pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The report with every text that came from the spec or a server (names,
/// Status messages, warnings) escaped and redacted: a name or message with a
/// newline, an ANSI escape or a `|` cannot forge a line, a color or a table
/// row of the human or markdown report. JSON output escapes by itself.
pub fn sanitized(report: &Report) -> Report {
    let t = |s: &str| crate::redact::safe_line(s);
    let mut r = report.clone();
    r.platform = t(&r.platform);
    for c in &mut r.clusters {
        c.cluster = t(&c.cluster);
        c.context = t(&c.context);
        c.server = c.server.as_deref().map(t);
        c.error = c.error.as_deref().map(t);
        c.warnings = c.warnings.iter().map(|w| t(w)).collect();
        for e in &mut c.errors {
            e.api_version = t(&e.api_version);
            e.kind = t(&e.kind);
            e.resource = e.resource.as_deref().map(t);
            e.reason = t(&e.reason);
            e.message = t(&e.message);
        }
        for o in &mut c.objects {
            o.api_version = t(&o.api_version);
            o.kind = t(&o.kind);
            o.namespace = o.namespace.as_deref().map(t);
            o.name = t(&o.name);
            o.note = o.note.as_deref().map(t);
            for f in &mut o.fields {
                f.path = t(&f.path);
            }
        }
    }
    r
}

pub fn human(report: &Report, style: Style) -> String {
    let report = &sanitized(report);
    let mut out = String::new();
    for c in &report.clusters {
        human_cluster(&mut out, c, style);
        out.push('\n');
    }
    let s = &report.summary;
    let failed = report.clusters.iter().filter(|c| c.error.is_some()).count();
    let mut line = format!("drift: {} cluster(s): {}", report.clusters.len(), counts(s));
    if failed > 0 {
        line.push_str(&format!("; {failed} cluster(s) could not be checked"));
    }
    out.push_str(&if report.nothing_checked() {
        style.red(&line)
    } else if s.drift() > 0 || failed > 0 || s.unchecked > 0 {
        style.yellow(&line)
    } else {
        style.green(&line)
    });
    out.push('\n');
    out
}

fn human_cluster(out: &mut String, c: &ClusterReport, style: Style) {
    let server = c
        .server
        .as_deref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{} {}\n",
        style.bold(&c.cluster),
        style.dim(&format!("(context {}{server})", c.context))
    ));
    for w in &c.warnings {
        out.push_str(&format!("  {} {w}\n", style.yellow("warning:")));
    }
    if let Some(e) = &c.error {
        out.push_str(&format!("  {} {e}\n", style.red("error:")));
        out.push_str(&format!(
            "  {} compiled object(s) not checked\n",
            c.summary.unchecked
        ));
        return;
    }
    for o in c.objects.iter().filter(|o| o.status != Status::InSync) {
        let tag = format!("{:<9}", o.status.as_str());
        let tag = match o.status {
            Status::Drifted => style.yellow(&tag),
            _ => style.red(&tag),
        };
        let note = o
            .note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {tag} {} {}{note}\n",
            object_ref(o),
            style.dim(&o.api_version)
        ));
        for f in &o.fields {
            out.push_str(&format!("      {}\n", style.cyan(&f.path)));
            out.push_str(&format!(
                "        {} {}\n",
                style.green("desired:"),
                value_text(&f.desired)
            ));
            out.push_str(&format!(
                "        {}    {}\n",
                style.red("live:"),
                value_text(&f.live)
            ));
        }
    }
    for e in &c.errors {
        let what = format!("{} ({})", e.kind, e.api_version);
        out.push_str(&format!(
            "  {} {what}: {}; {} object(s) not checked\n",
            style.red(&format!("{:<9}", e.reason)),
            e.message,
            e.objects
        ));
    }
    out.push_str(&format!("  {}\n", counts(&c.summary)));
}

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn md_code(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("`{}`", md_cell(&s.replace('`', "'")))
    }
}

pub fn markdown(report: &Report) -> String {
    let report = &sanitized(report);
    let mut out = format!("# Drift: {}\n\n", report.platform);
    out.push_str("| Cluster | In sync | Drifted | Missing | Orphaned | Not checked |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for c in &report.clusters {
        let s = &c.summary;
        let name = match &c.error {
            Some(_) => format!("{} (error)", c.cluster),
            None => c.cluster.clone(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            md_cell(&name),
            s.in_sync,
            s.drifted,
            s.missing,
            s.orphaned,
            s.unchecked
        ));
    }
    for c in &report.clusters {
        out.push_str(&format!("\n## {}\n\n", md_cell(&c.cluster)));
        for w in &c.warnings {
            out.push_str(&format!("> **Warning:** {}\n\n", md_cell(w)));
        }
        if let Some(e) = &c.error {
            out.push_str(&format!("**Not checked:** {}\n", md_cell(e)));
            continue;
        }
        let shown: Vec<&ObjectReport> = c
            .objects
            .iter()
            .filter(|o| o.status != Status::InSync)
            .collect();
        if shown.is_empty() && c.errors.is_empty() {
            out.push_str(&format!("All {} objects in sync.\n", c.summary.in_sync));
            continue;
        }
        if !shown.is_empty() {
            out.push_str("| Status | Object | Field | Desired | Live |\n");
            out.push_str("| --- | --- | --- | --- | --- |\n");
            for o in shown {
                let obj = format!("{} ({})", object_ref(o), o.api_version);
                if o.fields.is_empty() {
                    out.push_str(&format!(
                        "| {} | {} | | | |\n",
                        o.status.as_str(),
                        md_cell(&obj)
                    ));
                }
                for f in &o.fields {
                    out.push_str(&format!(
                        "| {} | {} | {} | {} | {} |\n",
                        o.status.as_str(),
                        md_cell(&obj),
                        md_code(&f.path),
                        md_code(&value_text(&f.desired)),
                        md_code(&value_text(&f.live))
                    ));
                }
            }
        }
        if !c.errors.is_empty() {
            out.push_str("\n**Not checked:**\n\n");
            for e in &c.errors {
                out.push_str(&format!(
                    "- {} ({}): {}: {} ({} object(s))\n",
                    md_cell(&e.kind),
                    md_cell(&e.api_version),
                    e.reason,
                    md_cell(&e.message),
                    e.objects
                ));
            }
        }
    }
    out
}

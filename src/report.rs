//! Rendering findings for people (colored when on a terminal, never with
//! `NO_COLOR`) and for machines (stable JSON).

use std::io::IsTerminal;

use crate::diag::{Diagnostic, Severity};
use crate::error::Invalid;
use crate::spec::side::Side;
use crate::spec::source::SourceMap;

#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Color only on a terminal and only when `NO_COLOR` is unset or empty.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn red(&self, t: &str) -> String {
        self.paint("1;31", t)
    }
    pub fn yellow(&self, t: &str) -> String {
        self.paint("1;33", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn cyan(&self, t: &str) -> String {
        self.paint("36", t)
    }
}

/// `file:line:col: error[E103]: message`, the offending source line with a
/// caret, and the hint: the shape compilers and linters have taught people.
///
/// Messages, hints and excerpts are redacted and their control characters
/// escaped: an input that is not what it seems (a symlink to a credentials
/// file, a token pasted into a URL) is never echoed, and no text from the spec
/// can forge a line of the report.
pub fn human(diags: &[Diagnostic], sources: Option<&SourceMap>, style: Style) -> String {
    let mut out = String::new();
    let diags: Vec<Diagnostic> = diags.iter().map(redacted).collect();
    let diags = &diags[..];
    for d in diags {
        let sev = match d.severity {
            Severity::Error => style.red(&format!("error[{}]", d.code)),
            Severity::Warning => style.yellow(&format!("warning[{}]", d.code)),
        };
        match &d.position {
            Some(p) => out.push_str(&format!(
                "{}: {sev}: {}\n",
                style.bold(&p.to_string()),
                d.message
            )),
            None => out.push_str(&format!("{sev}: {}\n", d.message)),
        }
        if let (Some(p), Some(sources)) = (&d.position, sources)
            && let Some(file) = sources.files.iter().find(|f| f.display == p.file)
            && let Some(line) = file.text.lines().nth(p.line.saturating_sub(1))
        {
            let line: String = line.chars().take(160).collect();
            let line = crate::redact::safe_line(&line);
            let gutter = format!("{:>4} | ", p.line);
            out.push_str(&style.dim(&gutter));
            out.push_str(&line);
            out.push('\n');
            let pad = " ".repeat(gutter.len() + p.column.saturating_sub(1).min(160));
            out.push_str(&format!("{pad}{}\n", style.cyan("^")));
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("  {} {h}\n", style.green("hint:")));
        }
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let summary = format!("{errors} error(s), {warnings} warning(s)");
    out.push_str(&if errors > 0 {
        style.red(&summary)
    } else if warnings > 0 {
        style.yellow(&summary)
    } else {
        style.green(&summary)
    });
    out.push('\n');
    out
}

/// A stable JSON array: `[{code, severity, message, position: {file, line, column}, path, hint}]`.
pub fn json(diags: &[Diagnostic]) -> String {
    let diags: Vec<Diagnostic> = diags.iter().map(redacted).collect();
    let mut s = serde_json::to_string_pretty(&diags).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// A finding with credential-looking parts of its text redacted and control
/// characters escaped.
pub fn redacted(d: &Diagnostic) -> Diagnostic {
    let mut d = d.clone();
    d.message = crate::redact::safe_line(&d.message);
    d.hint = d.hint.as_deref().map(crate::redact::safe_line);
    d.path = d.path.as_deref().map(crate::redact::safe_line);
    d
}

/// The label and side of an invalid spec read at a revision (the working
/// tree when it was not).
fn revision_of(i: &Invalid) -> (&str, Side) {
    match &i.revision {
        Some((side, label)) => (label.as_str(), side.clone()),
        None => ("working tree", Side::working_tree()),
    }
}

/// Specs with errors in a comparison (`diff`, `cost`, `rollout plan --base`):
/// each revision's label, then its findings.
pub fn invalid_revisions_human(specs: &[Invalid], style: Style) -> String {
    let mut out = String::new();
    for i in specs {
        let (label, _) = revision_of(i);
        out.push_str(&format!("{} {label}: spec invalid\n", style.red("error:")));
        out.push_str(&human(&i.diagnostics, Some(&i.sources), style));
    }
    out
}

/// [`invalid_revisions_human`] as a pull-request comment.
pub fn invalid_revisions_markdown(specs: &[Invalid]) -> String {
    let mut out = String::new();
    let plain = Style { color: false };
    for i in specs {
        let (label, _) = revision_of(i);
        out.push_str(&format!("### mlpc: {label}: spec invalid\n\n```\n"));
        out.push_str(&human(&i.diagnostics, Some(&i.sources), plain).replace("```", "'''"));
        out.push_str("```\n\n");
    }
    out
}

/// [`invalid_revisions_human`] as JSON: `{"errors": [{revision, commit, error, diagnostics}]}`.
pub fn invalid_revisions_json(specs: &[Invalid]) -> String {
    let errors: Vec<serde_json::Value> = specs
        .iter()
        .map(|i| {
            let (label, side) = revision_of(i);
            serde_json::json!({
                "revision": side.rev,
                "commit": side.commit,
                "error": format!("{label}: spec invalid"),
                "diagnostics": i.diagnostics,
            })
        })
        .collect();
    let v = serde_json::json!({ "errors": errors });
    let mut out = serde_json::to_string_pretty(&v).unwrap_or_default();
    out.push('\n');
    out
}

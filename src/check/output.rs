//! `mlpc check` reports: human (grouped by cluster and file), JSON (stable,
//! documented in the README) and JUnit XML (for CI test reports).

use std::collections::BTreeMap;

use serde_json::json;

use super::{Finding, Report};
use crate::diag::Severity;
use crate::report::Style;

pub fn human(r: &Report, style: Style) -> String {
    let mut out = String::new();
    let mut groups: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        groups
            .entry((f.cluster.clone().unwrap_or_default(), f.file.clone()))
            .or_default()
            .push(f);
    }
    let mut last_cluster = None;
    for ((cluster, file), fs) in groups {
        if last_cluster.as_ref() != Some(&cluster) {
            if !cluster.is_empty() {
                out.push_str(&format!("{}\n", style.bold(&format!("cluster {cluster}"))));
            }
            last_cluster = Some(cluster.clone());
        }
        out.push_str(&format!("  {}\n", style.cyan(&file)));
        for f in fs {
            let sev = match f.severity {
                Severity::Error => style.red("error"),
                Severity::Warning => style.yellow("warning"),
            };
            let id = match (&f.namespace, f.kind.is_empty()) {
                (_, true) => f.name.clone(),
                (Some(ns), false) => format!("{}/{}/{}", f.kind, ns, f.name),
                (None, false) => format!("{}/{}", f.kind, f.name),
            };
            let path = if f.path == "." {
                String::new()
            } else {
                format!(" {}", f.path)
            };
            out.push_str(&format!("    {sev} {id}{path}: {}\n", f.message));
            out.push_str(&format!(
                "      {}\n",
                style.dim(&format!("[{}] {}", source_name(f), f.rule))
            ));
        }
    }
    let summary = format!(
        "checked {} objects and {} policy test cases: {} error(s), {} warning(s)",
        r.objects,
        r.policy_tests,
        r.errors(),
        r.warnings()
    );
    out.push_str(&if r.errors() > 0 {
        style.red(&summary)
    } else {
        style.green(&summary)
    });
    out.push('\n');
    out
}

fn source_name(f: &Finding) -> &'static str {
    match f.source {
        super::Source::Input => "input",
        super::Source::Schema => "schema",
        super::Source::Policy => "policy",
        super::Source::PolicyTest => "policy-test",
        super::Source::Platform => "platform",
    }
}

pub fn json(r: &Report) -> String {
    let v = json!({
        "objects": r.objects,
        "policy_tests": r.policy_tests,
        "errors": r.errors(),
        "warnings": r.warnings(),
        "findings": r.findings,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// One test suite per cluster (or `manifests`), one test case per object with
/// findings; errors are failures, warnings go to system-out.
pub fn junit(r: &Report) -> String {
    let mut suites: BTreeMap<String, BTreeMap<String, Vec<&Finding>>> = BTreeMap::new();
    for f in &r.findings {
        let suite = match f.source {
            super::Source::PolicyTest => "policy-tests".to_string(),
            _ => f.cluster.clone().unwrap_or_else(|| "manifests".into()),
        };
        let case = if f.kind.is_empty() {
            format!("{} {}", f.file, f.name)
        } else {
            format!("{} {}/{}", f.file, f.kind, f.name)
        };
        suites
            .entry(suite)
            .or_default()
            .entry(case)
            .or_default()
            .push(f);
    }
    let failures: usize = suites
        .values()
        .flat_map(|s| s.values())
        .filter(|fs| fs.iter().any(|f| f.severity == Severity::Error))
        .count();
    let total = r.objects + r.policy_tests;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"mlpc check\" tests=\"{total}\" failures=\"{failures}\">\n"
    ));
    // Passing objects are summarised in one case so the counts add up.
    out.push_str(&format!(
        "  <testsuite name=\"summary\" tests=\"1\" failures=\"0\">\n    <testcase classname=\"mlpc\" name=\"{} objects, {} policy tests checked\"/>\n  </testsuite>\n",
        r.objects, r.policy_tests
    ));
    for (suite, cases) in suites {
        let fails = cases
            .values()
            .filter(|fs| fs.iter().any(|f| f.severity == Severity::Error))
            .count();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\">\n",
            xml_escape(&suite),
            cases.len()
        ));
        for (case, fs) in cases {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n",
                xml_escape(&suite),
                xml_escape(&case)
            ));
            for f in fs.iter().filter(|f| f.severity == Severity::Error) {
                out.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{} {}: {}</failure>\n",
                    source_name(f),
                    xml_escape(&f.message),
                    xml_escape(&f.rule),
                    xml_escape(&f.path),
                    xml_escape(&f.message)
                ));
            }
            let warns: Vec<String> = fs
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .map(|f| format!("warning {}: {}", f.path, f.message))
                .collect();
            if !warns.is_empty() {
                out.push_str(&format!(
                    "      <system-out>{}</system-out>\n",
                    xml_escape(&warns.join("\n"))
                ));
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

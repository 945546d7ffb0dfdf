//! E145–E148: values that become part of the output's structure. The renderer
//! escapes every interpolation, so no value can add a document or key; these
//! rules catch what escaping cannot: a value that is well-formed YAML but not a
//! valid Kubernetes name, namespace or label value where it becomes one, a
//! separator spliced into a list-valued flag (kubelet `node-labels`), or an
//! invisible character that makes a reviewer read something else.
//!
//! The scan runs on the raw merged tree (like the credential scan), so a value
//! in an overlay points at the overlay, and a new field under a known key
//! (`secret_name`, `*_namespaces`) is covered without touching this file.

use crate::diag::Diagnostic;
use crate::spec::tree::{Node, Seg, Value, path_to_string};

use super::names::{is_dns1123_label, is_label_value};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Rule {
    /// A namespace or another object name that must be a DNS-1123 label.
    Label,
    /// An object name: a DNS-1123 subdomain (ServiceAccount, Secret, AppProject).
    Subdomain,
    /// A Kubernetes label value, also spliced into `k=v,k=v` flags and annotations.
    LabelValue,
    /// An identifier spliced into a path, ref, flag or expression: no spaces,
    /// separators or `..`.
    Token,
    /// A relative path inside the Git repository.
    RelPath,
    /// `host[:port]`, split at the colon into two settings.
    HostPort,
}

/// Fields by their path with indices written `[]`. A pattern starting with
/// `*.` matches that suffix anywhere.
const FIELDS: &[(&str, Rule)] = &[
    ("gitops.argocd_namespace", Rule::Label),
    ("gitops.project", Rule::Subdomain),
    ("gitops.path", Rule::RelPath),
    ("gitops.revision", Rule::Token),
    ("serving.models[].service_account", Rule::Subdomain),
    ("serving.models[].format", Rule::Token),
    ("serving.runtimes[].model_formats[]", Rule::Token),
    ("serving.runtimes[].protocols[]", Rule::Token),
    ("*.secret_name", Rule::Subdomain),
    ("*.external.store", Rule::Subdomain),
    ("*.external.key", Rule::RelPath),
    ("mesh.allowed_namespaces[]", Rule::Label),
    ("policy.exempt_namespaces[]", Rule::Label),
    ("policy.disabled[]", Rule::Token),
    ("training.cohort", Rule::Subdomain),
    ("node_pools[].gpu.type", Rule::LabelValue),
    ("node_pools[].instance_type", Rule::Token),
    ("clusters[].environment", Rule::LabelValue),
    ("clusters[].region", Rule::Token),
    ("clusters[].control_plane.instance_type", Rule::Token),
    ("tuning.experiments[].objective.metric", Rule::Token),
    ("tuning.experiments[].parameters[].name", Rule::Token),
    ("drift.ignore[].kind", Rule::Token),
    ("pipelines.artifact_store.bucket", Rule::Token),
    ("pipelines.artifact_store.region", Rule::Token),
    ("cost.currency", Rule::Token),
    ("pipelines.artifact_store.endpoint", Rule::HostPort),
    // Quantities: E120 reads them leniently (surrounding spaces), the
    // output carries them verbatim.
    ("teams[].quota.cpu", Rule::Token),
    ("teams[].quota.memory", Rule::Token),
    ("serving.models[].cpu", Rule::Token),
    ("serving.models[].memory", Rule::Token),
    ("tuning.experiments[].cpu", Rule::Token),
    ("tuning.experiments[].memory", Rule::Token),
];

/// Fields whose values are free text for a program (container arguments):
/// a line break or tab there is meaningful, and escaping keeps it one value.
const MULTILINE: &[&str] = &[
    "serving.runtimes[].args[]",
    "tuning.experiments[].command[]",
];

/// The path with every index replaced by `[]`.
fn shape(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(_) => out.push_str("[]"),
        }
    }
    out
}

fn matches(pattern: &str, shape: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => shape == suffix || shape.ends_with(&format!(".{suffix}")),
        None => pattern == shape,
    }
}

/// Characters no spec value may hold: they either break a line in some
/// reader, or are invisible and make a reviewer read another value
/// (bidirectional overrides, zero-width characters, BOM).
pub fn forbidden_char(c: char, multiline: bool) -> bool {
    if multiline && (c == '\n' || c == '\t') {
        return false;
    }
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
        )
}

fn token_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'+'))
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && !s.split('/').any(|p| p == "..")
}

fn relpath_ok(s: &str) -> bool {
    s == "." || (token_ok(s) && !s.starts_with('/') && !s.split('/').any(|p| p.is_empty()))
}

fn host_port_ok(s: &str) -> bool {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}

fn subdomain_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

fn check(rule: Rule, s: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let (ok, code, what, hint) = match rule {
        Rule::Label => (
            is_dns1123_label(s),
            "E146",
            "a namespace name (a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters)",
            "it becomes a namespace; use a name like `argocd` or `team-a`",
        ),
        Rule::Subdomain => (
            subdomain_ok(s),
            "E146",
            "a Kubernetes object name (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters)",
            "it becomes the name of an object; use a name like `vision-models`",
        ),
        Rule::LabelValue => (
            is_label_value(s) && !s.is_empty(),
            "E147",
            "a Kubernetes label value (up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)",
            "it becomes a node label and is spliced into kubelet `--node-labels` (`k=v,k=v`): no ',', '=', spaces or '/'",
        ),
        Rule::Token => (
            token_ok(s),
            "E148",
            "an identifier (letters, digits, '-', '_', '.', '/', '+'; no spaces, quotes, ',', '=', '#' or '..')",
            "it is spliced into a reference, flag or path of the output",
        ),
        Rule::RelPath => (
            relpath_ok(s),
            "E148",
            "a relative path (letters, digits, '-', '_', '.', '/'; no leading '/', empty segment or '..')",
            "it is a path inside the repository or the secret store",
        ),
        Rule::HostPort => (
            host_port_ok(s),
            "E148",
            "a host[:port] (no scheme, path or spaces)",
            "write the endpoint as `minio.example:9000`; it is split into the host and port settings of Pipelines",
        ),
    };
    (!ok).then_some((code, what, hint))
}

/// Every finding with the path of the offending value.
pub fn scan(tree: &Node) -> Vec<(Diagnostic, Vec<Seg>)> {
    let mut out = Vec::new();
    tree.walk(&mut Vec::new(), &mut |path, node| {
        let shape = shape(path);
        // Table keys (labels) are checked by E133; a key with a control
        // character is caught here too.
        if let Value::Table(t) = &node.value {
            for k in t.keys() {
                if k.chars().any(|c| forbidden_char(c, false)) {
                    let mut p = path.to_vec();
                    p.push(Seg::Key(k.clone()));
                    out.push((
                        Diagnostic::error(
                            "E145",
                            format!(
                                "key {} of `{}` holds a control, line-break or invisible character",
                                crate::redact::quote(k),
                                path_to_string(path)
                            ),
                        )
                        .with_hint("keys are names; remove the character"),
                        p,
                    ));
                }
            }
        }
        let Value::String(s) = &node.value else {
            return;
        };
        let multiline = MULTILINE.iter().any(|m| matches(m, &shape));
        if let Some(c) = s.chars().find(|&c| forbidden_char(c, multiline)) {
            out.push((
                Diagnostic::error(
                    "E145",
                    format!(
                        "`{}` holds a control, line-break or invisible character (U+{:04X})",
                        path_to_string(path),
                        c as u32
                    ),
                )
                .with_hint(
                    "spec values are single-line text; a line break or invisible character would make the value read differently than it is",
                ),
                path.to_vec(),
            ));
            return;
        }
        for (pattern, rule) in FIELDS {
            if !matches(pattern, &shape) {
                continue;
            }
            if let Some((code, what, hint)) = check(*rule, s) {
                out.push((
                    Diagnostic::error(
                        code,
                        format!(
                            "`{}` = {} is not {what}",
                            path_to_string(path),
                            crate::redact::quote(s)
                        ),
                    )
                    .with_hint(hint),
                    path.to_vec(),
                ));
            }
            break;
        }
    });
    out
}

/// W149: a `[drift] ignore` path that hides everything, or a whole top-level
/// section (`""`, `"*"`, `"/spec"`): drift would then report in sync for
/// objects it no longer compares. Warned, not refused: it may be deliberate.
pub fn broad_drift_ignores(tree: &Node) -> Vec<(Diagnostic, Vec<Seg>)> {
    let mut out = Vec::new();
    tree.walk(&mut Vec::new(), &mut |path, node| {
        if shape(path) != "drift.ignore[].paths[]" {
            return;
        }
        let Some(p) = node.as_str() else { return };
        let segments = p.split('/').skip(1).filter(|s| !s.is_empty()).count();
        let why = if p.is_empty() || p == "/" {
            Some("the empty pointer is the whole object")
        } else if !p.starts_with('/') {
            Some("a JSON pointer starts with '/'; this one matches nothing, or everything if read as a pattern")
        } else if segments <= 1 || p.contains('*') {
            Some("it hides a whole top-level section of every object of that kind")
        } else {
            None
        };
        if let Some(why) = why {
            out.push((
                Diagnostic::warning(
                    "W149",
                    format!(
                        "drift ignore path {} is too broad: {why}",
                        crate::redact::quote(p)
                    ),
                )
                .with_hint("ignore the exact fields that change on the cluster, e.g. \"/spec/replicas\""),
                path.to_vec(),
            ));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check(Rule::Subdomain, "vision-models").is_none());
        assert!(check(Rule::Subdomain, "vision-models\n---").is_some());
        assert!(check(Rule::LabelValue, "nvidia-a100").is_none());
        assert!(check(Rule::LabelValue, "a100,evil=true").is_some());
        assert!(check(Rule::Token, "main").is_none());
        assert!(check(Rule::Token, "x #c").is_some());
        assert!(check(Rule::RelPath, "out").is_none());
        assert!(check(Rule::RelPath, "../etc").is_some());
        assert!(check(Rule::RelPath, "/etc").is_some());
        assert!(check(Rule::HostPort, "minio.example:9000").is_none());
        assert!(check(Rule::HostPort, "https://s3.example").is_some());
        assert!(forbidden_char('\u{2028}', true));
        assert!(!forbidden_char('\n', true));
        assert!(forbidden_char('\n', false));
        assert!(matches("*.secret_name", "mesh.tls.secret_name"));
        assert!(!matches("*.secret_name", "mesh.tls.my_secret_name"));
    }
}

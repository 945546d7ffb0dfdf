//! Structural validation: the merged tree against the JSON Schema generated
//! from the typed model. Every violation is reported, not only the first.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as J;

use crate::diag::{Diagnostic, suggest};
use crate::spec::schema::schema_value;
use crate::spec::source::SourceMap;
use crate::spec::tree::{Node, Seg, path_to_string};

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        jsonschema::validator_for(&schema_value()).expect("the generated spec schema compiles")
    })
}

/// Check `tree` against the spec schema.
pub fn check(tree: &Node, sources: &SourceMap) -> Vec<Diagnostic> {
    check_with_paths(tree, sources)
        .into_iter()
        .map(|(d, _)| d)
        .collect()
}

/// [`check`], each finding with the tree path of the offending value (the
/// unknown key itself for E002), so validation can set ill-typed parts aside.
pub fn check_with_paths(tree: &Node, sources: &SourceMap) -> Vec<(Diagnostic, Vec<Seg>)> {
    let instance = tree.to_json();
    let schema = schema_value();
    let mut out = Vec::new();
    for err in validator().iter_errors(&instance) {
        let path: Vec<Seg> = err
            .instance_path()
            .segments()
            .map(|s| match s {
                jsonschema::paths::LocationSegment::Property(p) => Seg::Key(p.into_owned()),
                jsonschema::paths::LocationSegment::Index(i) => Seg::Index(i),
            })
            .collect();
        let (node, _) = tree.lookup(&path);
        let at = sources.position(node.loc);
        let dotted = path_to_string(&path);
        let d = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(&schema, &instance, &path);
                for key in unexpected {
                    let mut kp = path.clone();
                    kp.push(Seg::Key(key.clone()));
                    let loc = tree.key_loc(&kp).unwrap_or(node.loc);
                    let mut d =
                        Diagnostic::error("E002", format!("unknown key `{}`", path_to_string(&kp)))
                            .at(sources.position(loc));
                    d.path = Some(path_to_string(&kp));
                    d.hint = Some(match suggest(key, allowed.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if allowed.is_empty() => "remove it".to_string(),
                        None => format!("expected one of: {}", allowed.join(", ")),
                    });
                    out.push((d, kp));
                }
                continue;
            }
            ValidationErrorKind::Type { kind } => {
                let expected = match kind {
                    TypeKind::Single(t) => t.to_string(),
                    TypeKind::Multiple(ts) => ts
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                        .join(" or "),
                };
                // TOML's nan and inf have no JSON form (they reach the schema
                // as null): name them as written, not as "nothing".
                let found = match &node.value {
                    crate::spec::tree::Value::Float(f) if !f.is_finite() => {
                        format!("{f}, which is not a finite number")
                    }
                    _ => describe(err.instance()),
                };
                Diagnostic::error(
                    "E003",
                    format!("`{dotted}` should be {}, found {found}", article(&expected)),
                )
                .with_hint(match &node.value {
                    crate::spec::tree::Value::Float(f) if !f.is_finite() => {
                        format!("write a finite {expected} here, e.g. 4.6")
                    }
                    _ => format!("write {} here", article(&expected)),
                })
            }
            ValidationErrorKind::Required { property } => {
                let key = property.as_str().unwrap_or_default();
                let table = if dotted.is_empty() {
                    "the spec".to_string()
                } else {
                    format!("`{dotted}`")
                };
                Diagnostic::error("E004", format!("missing required key `{key}` in {table}"))
                    .with_hint(required_hint(&schema, &path, key))
            }
            ValidationErrorKind::Enum { options }
                if matches!(path.last(), Some(Seg::Key(k)) if k == "provider")
                    && err
                        .instance()
                        .as_str()
                        .is_some_and(|v| managed_service(v).is_some()) =>
            {
                // `rosa` or `oke` is no typo of a provider: it names a managed
                // service mlpc does not create clusters on (EKS, GKE and AKS it does).
                let found = err.instance().as_str().unwrap_or_default();
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| a.iter().map(|v| v.to_string()).collect())
                    .unwrap_or_default();
                Diagnostic::error(
                    "E005",
                    format!(
                        "`{dotted}` is \"{found}\" ({}), a provider mlpc does not know yet",
                        managed_service(found).unwrap_or_default()
                    ),
                )
                .with_hint(format!(
                    "mlpc creates clusters with Cluster API: self-managed or EKS, GKE and AKS, not this service. Use one of {}{}",
                    opts.join(", "),
                    managed_cloud(found)
                        .map(|c| format!(" (e.g. \"{c}\" for the same cloud)"))
                        .unwrap_or_default()
                ))
            }
            ValidationErrorKind::Enum { options } => {
                let opts: Vec<String> = options
                    .as_array()
                    .map(|a| a.iter().map(|v| v.to_string()).collect())
                    .unwrap_or_default();
                let found = err.instance().as_str().unwrap_or_default().to_string();
                let hint = match suggest(
                    &found,
                    options
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(J::as_str),
                ) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!("one of {}", opts.join(", ")),
                };
                Diagnostic::error(
                    "E005",
                    format!(
                        "`{dotted}` is {}, not one of {}",
                        describe(err.instance()),
                        opts.join(", ")
                    ),
                )
                .with_hint(hint)
            }
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => Diagnostic::error(
                "E005",
                format!(
                    "`{dotted}` is {}, below the minimum {limit}",
                    describe(err.instance())
                ),
            )
            .with_hint("use a non-negative value"),
            _ => Diagnostic::error("E005", format!("`{dotted}`: {err}"))
                .with_hint("see schemas/ml-platform.schema.json for the expected shape"),
        };
        let mut d = d.at(at);
        if !dotted.is_empty() {
            d.path = Some(dotted);
        }
        out.push((d, path));
    }
    out
}

fn article(t: &str) -> String {
    let a = if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{a} {t}")
}

fn describe(v: &J) -> String {
    match v {
        J::Null => "nothing".into(),
        J::Bool(b) => format!("the boolean {b}"),
        J::Number(n) => format!("the number {n}"),
        J::String(s) => format!("the string \"{s}\""),
        J::Array(_) => "an array".into(),
        J::Object(_) => "a table".into(),
    }
}

/// Keys the schema allows at `path` (following `$ref`s through properties and items).
fn allowed_keys(schema: &J, _instance: &J, path: &[Seg]) -> Vec<String> {
    let mut node = schema;
    for seg in path {
        node = resolve(schema, node);
        node = match seg {
            Seg::Key(k) => match node.get("properties").and_then(|p| p.get(k)) {
                Some(n) => n,
                None => return Vec::new(),
            },
            Seg::Index(_) => match node.get("items") {
                Some(n) => n,
                None => return Vec::new(),
            },
        };
    }
    let node = resolve(schema, node);
    let mut keys: Vec<String> = node
        .get("properties")
        .and_then(J::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Follow `$ref` and single-entry `anyOf` wrappers (how schemars writes `Option<T>`).
fn resolve<'a>(root: &'a J, mut node: &'a J) -> &'a J {
    for _ in 0..16 {
        if let Some(r) = node.get("$ref").and_then(J::as_str) {
            let ptr = r.trim_start_matches('#');
            match root.pointer(ptr) {
                Some(n) => {
                    node = n;
                    continue;
                }
                None => return node,
            }
        }
        if let Some(alts) = node.get("anyOf").and_then(J::as_array)
            && let Some(obj) = alts
                .iter()
                .find(|a| a.get("$ref").is_some() || a.get("properties").is_some())
        {
            node = obj;
            continue;
        }
        break;
    }
    node
}

/// Managed Kubernetes services users write as a provider.
fn managed_service(v: &str) -> Option<&'static str> {
    Some(match v.to_ascii_lowercase().as_str() {
        "openshift" | "rosa" | "aro" => "Red Hat OpenShift",
        "doks" | "digitalocean" => "DigitalOcean Kubernetes",
        "oke" => "Oracle Kubernetes Engine",
        _ => return None,
    })
}

/// The supported managed provider on the same cloud as a managed service, if any.
fn managed_cloud(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "aro" => Some("aks"),
        "rosa" => Some("eks"),
        _ => None,
    }
}

/// How to add a missing required key: a table header for a table (an empty
/// file is told to add `[gitops]`, not `gitops = ...`), an entry for an array
/// of tables, `key = ...` otherwise.
fn required_hint(schema: &J, path: &[Seg], key: &str) -> String {
    let mut full = path.to_vec();
    full.push(Seg::Key(key.to_string()));
    let Some(node) = schema_at(schema, &full) else {
        return format!("add `{key} = ...`");
    };
    let is_table = node.get("properties").is_some();
    let is_table_array = node
        .get("items")
        .map(|i| resolve(schema, i).get("properties").is_some())
        .unwrap_or(false);
    // A header can only name a path made of keys (no array index).
    let header = path
        .iter()
        .all(|s| matches!(s, Seg::Key(_)))
        .then(|| path_to_string(&full));
    match (is_table, is_table_array, header) {
        (true, _, Some(h)) => format!("add a `[{h}]` table"),
        (_, true, Some(h)) => format!("add a `[[{h}]]` entry"),
        (true, _, None) => format!("add `{key} = {{ ... }}`"),
        _ => format!("add `{key} = ...`"),
    }
}

/// The (resolved) schema of the value at `path`, if the schema has one.
fn schema_at<'a>(schema: &'a J, path: &[Seg]) -> Option<&'a J> {
    let mut node = schema;
    for seg in path {
        node = resolve(schema, node);
        node = match seg {
            Seg::Key(k) => node.get("properties")?.get(k)?,
            Seg::Index(_) => node.get("items")?,
        };
    }
    Some(resolve(schema, node))
}

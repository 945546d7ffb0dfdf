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
                    out.push(d);
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
                Diagnostic::error(
                    "E003",
                    format!(
                        "`{dotted}` should be {}, found {}",
                        article(&expected),
                        describe(err.instance())
                    ),
                )
                .with_hint(format!("write {} here", article(&expected)))
            }
            ValidationErrorKind::Required { property } => {
                let key = property.as_str().unwrap_or_default();
                let table = if dotted.is_empty() {
                    "the spec".to_string()
                } else {
                    format!("`{dotted}`")
                };
                Diagnostic::error("E004", format!("missing required key `{key}` in {table}"))
                    .with_hint(format!("add `{key} = ...`"))
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
        out.push(d);
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

//! The structure property, shared by `tests/suite/hostile.rs` and the
//! `structure` fuzz target: whatever string a spec field holds, either
//! validation refuses it, or the compiled output has exactly the structure it
//! has with a harmless value (no extra document, file, key or object), with
//! the value arriving byte-exact wherever it appears.
//!
//! The fields come from the spec's JSON Schema (`mlpc schema`), so a new
//! string field is exercised without touching this file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::compile::compile_with;
use crate::diag::Diagnostic;
use crate::render::Blueprints;
use crate::spec::load::Files;

/// One step of a field's path in the schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    /// An array item (the first one).
    Item,
    /// A value of a free-form table (`labels`).
    MapValue,
    /// A key of a free-form table.
    MapKey,
}

pub type FieldPath = Vec<Step>;

pub fn path_text(p: &FieldPath) -> String {
    let mut s = String::new();
    for step in p {
        match step {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Item => s.push_str("[]"),
            Step::MapValue => s.push_str("{value}"),
            Step::MapKey => s.push_str("{key}"),
        }
    }
    s
}

/// Values that would change a YAML document's structure, a kubelet flag's
/// list, or what a reader sees, if spliced in unescaped.
pub const PAYLOADS: &[&str] = &[
    "\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: pwned\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  name: system:unauthenticated\n",
    "\n  injected: true",
    " #c",
    ": x",
    "\"'",
    ",evil=true",
    "=x,y=z:NoSchedule",
    "\u{2028}---\u{2029}k: v",
    "\u{85}x: y",
    "\r\nz: 1",
    "{{ platform.name }}",
    "&a *a !!binary [1] {k: v}",
    "\u{202e}x\u{feff}",
    " ",
];

/// Every string field of the schema, with `$ref`s, `anyOf`s, arrays and
/// free-form tables followed.
pub fn string_fields(schema: &Value) -> Vec<FieldPath> {
    let defs = schema
        .get("$defs")
        .or_else(|| schema.get("definitions"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut out = Vec::new();
    walk(schema, &defs, &mut Vec::new(), &mut out, 0);
    out.sort();
    out.dedup();
    out
}

fn resolve<'a>(mut n: &'a Value, defs: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match n.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.rsplit('/').next().and_then(|name| defs.get(name)) {
                Some(d) => n = d,
                None => return n,
            },
            None => return n,
        }
    }
    n
}

fn walk(n: &Value, defs: &Value, path: &mut FieldPath, out: &mut Vec<FieldPath>, depth: usize) {
    if depth > 24 {
        return;
    }
    let n = resolve(n, defs);
    for k in ["anyOf", "oneOf", "allOf"] {
        for alt in n.get(k).and_then(Value::as_array).into_iter().flatten() {
            walk(alt, defs, path, out, depth + 1);
        }
    }
    let is_string = match n.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        _ => n.get("const").is_some_and(Value::is_string),
    };
    if is_string {
        out.push(path.clone());
    }
    if let Some(props) = n.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            path.push(Step::Key(k.clone()));
            walk(v, defs, path, out, depth + 1);
            path.pop();
        }
    }
    if let Some(ap) = n.get("additionalProperties").filter(|v| v.is_object()) {
        path.push(Step::MapKey);
        out.push(path.clone());
        path.pop();
        path.push(Step::MapValue);
        walk(ap, defs, path, out, depth + 1);
        path.pop();
    }
    if let Some(items) = n.get("items").filter(|v| v.is_object()) {
        path.push(Step::Item);
        walk(items, defs, path, out, depth + 1);
        path.pop();
    }
}

/// A harmless marker appended to a field's value: unique in the output.
pub const MARK: &str = "zq9";

/// The string now at `path` in `spec` (`None` when the field is absent).
pub fn get<'a>(spec: &'a Value, path: &[Step]) -> Option<&'a str> {
    let mut cur = spec;
    for (i, step) in path.iter().enumerate() {
        cur = match step {
            Step::Key(k) => cur.get(k)?,
            Step::Item => {
                let a = cur.as_array()?;
                a.get(item_for(a, path.get(i + 1)))?
            }
            Step::MapValue => cur.as_object()?.values().next()?,
            Step::MapKey => {
                return (i + 1 == path.len())
                    .then(|| cur.as_object()?.keys().next().map(String::as_str))
                    .flatten();
            }
        };
    }
    cur.as_str()
}

/// The array item a path goes through: the first one that has the next key
/// (a GCP cluster's `gcp` table is not on the first, AWS, cluster), else the first.
fn item_for(items: &[Value], next: Option<&Step>) -> usize {
    match next {
        Some(Step::Key(k)) => items.iter().position(|v| v.get(k).is_some()).unwrap_or(0),
        _ => 0,
    }
}

/// Put `value` at `path`: the first array item (that has the next key), the first entry of a table
/// (or a new `mark` entry), creating a missing last key in an existing table.
/// `false` when the path's parent does not exist in `spec`.
pub fn set(spec: &mut Value, path: &[Step], value: &str) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cur = spec;
    for (i, step) in parents.iter().enumerate() {
        cur = match step {
            Step::Key(k) => match cur.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            Step::Item => {
                let Some(a) = cur.as_array_mut() else {
                    return false;
                };
                let at = item_for(a, path.get(i + 1));
                match a.get_mut(at) {
                    Some(v) => v,
                    None => return false,
                }
            }
            Step::MapValue => {
                let Some(m) = cur.as_object_mut() else {
                    return false;
                };
                if m.is_empty() {
                    m.insert("mark".into(), Value::Object(Map::new()));
                }
                match m.values_mut().next() {
                    Some(v) => v,
                    None => return false,
                }
            }
            Step::MapKey => return false,
        };
    }
    match last {
        Step::Key(k) => match cur.as_object_mut() {
            Some(m) => {
                m.insert(k.clone(), Value::String(value.to_string()));
                true
            }
            None => false,
        },
        Step::Item => match cur.as_array_mut() {
            Some(a) if a.first().is_none_or(Value::is_string) => {
                if a.is_empty() {
                    a.push(Value::Null);
                }
                a[0] = Value::String(value.to_string());
                true
            }
            _ => false,
        },
        Step::MapValue => match cur.as_object_mut() {
            Some(m) => {
                let key = m.keys().next().cloned().unwrap_or_else(|| "mark".into());
                m.insert(key, Value::String(value.to_string()));
                true
            }
            None => false,
        },
        Step::MapKey => match cur.as_object_mut() {
            Some(m) => {
                let v = m
                    .values()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| Value::String("v".into()));
                m.insert(value.to_string(), v);
                true
            }
            None => false,
        },
    }
}

/// A spec held in memory: `ml-platform.toml` only, no overlays or policies.
struct Memory {
    spec: Vec<u8>,
}

impl Files for Memory {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if path.file_name().is_some_and(|n| n == "ml-platform.toml") {
            Ok(self.spec.clone())
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }
    fn list(&self, _dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

/// What one spec compiles to.
pub enum Outcome {
    /// Validation refused it.
    Rejected(Vec<Diagnostic>),
    /// Every output file (but `mlpc.lock`) parsed back, by path.
    Compiled(BTreeMap<String, Vec<Value>>),
}

/// Compile `spec` (a JSON rendering of `ml-platform.toml`) in memory.
pub fn compile_json(spec: &Value) -> Result<Outcome, String> {
    let text = toml::to_string(spec).map_err(|e| format!("spec to TOML: {e}"))?;
    let files = Memory {
        spec: text.into_bytes(),
    };
    let compiled = compile_with(
        &files,
        Path::new("mem/ml-platform.toml"),
        Blueprints::embedded(),
        &[],
    );
    match compiled {
        Err(e @ crate::error::Error::InvalidSpec(_)) => {
            Ok(Outcome::Rejected(e.diagnostics().cloned().collect()))
        }
        Err(e) => Err(e.to_string()),
        Ok(c) => {
            let mut out = BTreeMap::new();
            for (path, bytes) in &c.tree.files {
                if path == crate::emit::lock::LOCK_FILE {
                    continue;
                }
                let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
                let docs = crate::yaml::parse_stream(text)
                    .map_err(|e| format!("{path}: written YAML does not parse: {e}"))?;
                out.insert(path.clone(), docs);
            }
            Ok(Outcome::Compiled(out))
        }
    }
}

/// `baseline` (compiled with `mark` in the field) with `mark` replaced by
/// `payload` must equal `got` (compiled with `payload`). `Err` says where not.
pub fn same_structure(
    baseline: &BTreeMap<String, Vec<Value>>,
    mark: &str,
    got: &BTreeMap<String, Vec<Value>>,
    payload: &str,
) -> Result<(), String> {
    let expected: BTreeMap<String, &Vec<Value>> = baseline
        .iter()
        .map(|(k, v)| (k.replace(mark, payload), v))
        .collect();
    let exp_keys: Vec<&String> = expected.keys().collect();
    let got_keys: Vec<&String> = got.keys().collect();
    if exp_keys != got_keys {
        let extra: Vec<&&String> = got_keys
            .iter()
            .filter(|k| !expected.contains_key(**k))
            .collect();
        let missing: Vec<&&String> = exp_keys.iter().filter(|k| !got.contains_key(**k)).collect();
        return Err(format!(
            "files differ: extra {extra:?}, missing {missing:?}"
        ));
    }
    for (path, docs) in &expected {
        let g = &got[path];
        if docs.len() != g.len() {
            return Err(format!(
                "{path}: {} documents instead of {}",
                g.len(),
                docs.len()
            ));
        }
        for (b, g) in docs.iter().zip(g) {
            compare(b, g, mark, payload, path)?;
        }
    }
    Ok(())
}

/// Structural equality of `got` with `base` after substitution; a string of
/// the baseline that is itself YAML (a kustomize patch) is compared by its
/// parsed structure, and a `k=v,k=v` list by its entries.
fn compare(base: &Value, got: &Value, mark: &str, payload: &str, at: &str) -> Result<(), String> {
    match (base, got) {
        (Value::Object(a), Value::Object(b)) => {
            let mut ak: Vec<String> = a.keys().map(|k| k.replace(mark, payload)).collect();
            ak.sort();
            let mut bk: Vec<&String> = b.keys().collect();
            bk.sort();
            if ak.len() != bk.len() || ak.iter().zip(&bk).any(|(x, y)| x != *y) {
                return Err(format!("{at}: keys {bk:?} instead of {ak:?}"));
            }
            for (k, x) in a {
                let key = k.replace(mark, payload);
                compare(x, &b[&key], mark, payload, &format!("{at}/{key}"))?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{at}: {} items instead of {}", b.len(), a.len()));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(x, y, mark, payload, &format!("{at}/{i}"))?;
            }
            Ok(())
        }
        (Value::String(b), Value::String(g)) => {
            let e = b.replace(mark, payload);
            // A `k=v,k=v` list is sorted by key: a new key may move.
            let same_entries = || {
                let mut x: Vec<&str> = e.split(',').collect();
                let mut y: Vec<&str> = g.split(',').collect();
                x.sort_unstable();
                y.sort_unstable();
                x == y
            };
            if &e != g && !(looks_like_kv_list(b, mark) && same_entries()) {
                // YAML text inside a value: the same documents, parsed.
                if b.contains(mark) && b.contains('\n') {
                    let (Ok(bd), Ok(gd)) =
                        (crate::yaml::parse_stream(b), crate::yaml::parse_stream(g))
                    else {
                        return Err(format!("{at}: {g:?} instead of {e:?}"));
                    };
                    if bd.len() != gd.len() {
                        return Err(format!(
                            "{at}: embedded YAML has {} documents instead of {}",
                            gd.len(),
                            bd.len()
                        ));
                    }
                    for (x, y) in bd.iter().zip(&gd) {
                        compare(x, y, mark, payload, &format!("{at}(yaml)"))?;
                    }
                    return Ok(());
                }
                return Err(format!("{at}: {g:?} instead of {e:?}"));
            }
            // A `k=v,k=v` list (kubelet node-labels, autoscaler labels and
            // taints) keeps its number of entries and assignments.
            if b.contains(mark) && payload.contains([',', '=']) && looks_like_kv_list(b, mark) {
                return Err(format!(
                    "{at}: the value is spliced into the list {g:?}, adding entries"
                ));
            }
            Ok(())
        }
        (e, g) if e == g => Ok(()),
        (e, g) => Err(format!("{at}: {g} instead of {e}")),
    }
}

/// Whether `s` (with `mark` in it) is a `k=v[,k=v]` list.
fn looks_like_kv_list(s: &str, mark: &str) -> bool {
    // The mark may be a whole key or value: stand in a harmless letter.
    let base = s.replace(mark, "m");
    base.contains('=')
        && !base.contains(char::is_whitespace)
        && base
            .split(',')
            .all(|item| item.split_once('=').is_some_and(|(k, _)| !k.is_empty()))
}

/// The example spec as the base of the hostile tests: the repository's
/// `ml-platform.toml` with every optional table filled in (`extra`), so every
/// schema field has a place to go.
pub fn base_spec(example_toml: &str, extra_toml: &str) -> Result<Value, String> {
    let mut base: Value = toml::from_str(example_toml).map_err(|e| format!("example: {e}"))?;
    let extra: Value = toml::from_str(extra_toml).map_err(|e| format!("extra: {e}"))?;
    merge(&mut base, &extra);
    Ok(base)
}

fn merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(k) {
                    Some(bv) => merge(bv, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(e)) => {
            // Items merge by position: the extra's first item completes the
            // base's first item (where the hostile values go).
            for (i, v) in e.iter().enumerate() {
                match b.get_mut(i) {
                    Some(bv) => merge(bv, v),
                    None => b.push(v.clone()),
                }
            }
        }
        (b, e) => *b = e.clone(),
    }
}

/// The result of one field and payload.
pub enum Verdict {
    /// Validation refused the value; the findings name the field.
    Rejected(Vec<Diagnostic>),
    /// Compiled; the output has the intended structure.
    Held,
}

/// Run one field with one payload: `Err` is a broken structure property.
pub fn check(
    base: &Value,
    field: &FieldPath,
    baseline: Option<&BTreeMap<String, Vec<Value>>>,
    marked: &str,
    payload_value: &str,
) -> Result<Verdict, String> {
    let mut spec = base.clone();
    if !set(&mut spec, field, payload_value) {
        return Err(format!("{}: no place for the value", path_text(field)));
    }
    match compile_json(&spec)? {
        Outcome::Rejected(d) => Ok(Verdict::Rejected(d)),
        Outcome::Compiled(got) => {
            let Some(baseline) = baseline else {
                return Err(format!(
                    "{}: {payload_value:?} compiles, but the harmless {marked:?} does not",
                    path_text(field)
                ));
            };
            same_structure(baseline, marked, &got, payload_value)
                .map(|()| Verdict::Held)
                .map_err(|e| format!("{} = {payload_value:?}: {e}", path_text(field)))
        }
    }
}

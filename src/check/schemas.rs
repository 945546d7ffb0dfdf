//! Schema lookup and validation of objects, kubeconform-style: each
//! (apiVersion, kind) maps to a file in one of the schema directories; each
//! schema is compiled once and reused across objects and threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde_json::Value;

/// A compiled schema, or why there is none.
#[derive(Clone)]
pub enum Lookup {
    Found {
        validator: Arc<jsonschema::Validator>,
        file: PathBuf,
    },
    Missing,
    Broken(String),
}

pub struct SchemaStore {
    dirs: Vec<PathBuf>,
    strict: bool,
    cache: RwLock<HashMap<(String, String), Lookup>>,
    /// Schemas for kinds defined by objects in the set (Gatekeeper constraint kinds).
    extra: RwLock<HashMap<(String, String), Lookup>>,
}

/// A `--schemas` directory given at its root (like `../shared/schemas`) is
/// expanded into its layout folders.
pub fn expand_dirs(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        let mut nested = Vec::new();
        for sub in ["crds", "crds-supplement"] {
            if d.join(sub).is_dir() {
                nested.push(d.join(sub));
            }
        }
        if d.join("k8s").is_dir()
            && let Ok(entries) = std::fs::read_dir(d.join("k8s"))
        {
            let mut ks: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            // Standalone-strict folders first: they are the per-kind files.
            ks.sort_by_key(|p| (!p.to_string_lossy().contains("standalone"), p.clone()));
            nested.extend(ks);
        }
        if nested.is_empty() {
            out.push(d.clone());
        } else {
            out.extend(nested);
        }
    }
    out
}

fn split_api_version(api: &str) -> (&str, &str) {
    match api.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api),
    }
}

/// Candidate file names for an object, in lookup order.
pub fn candidates(api_version: &str, kind: &str) -> Vec<String> {
    let (group, version) = split_api_version(api_version);
    let kind = kind.to_ascii_lowercase();
    let mut v = Vec::new();
    if !group.is_empty() {
        v.push(format!("{group}/{kind}_{version}.json"));
    }
    let label = group
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if group.is_empty() {
        v.push(format!("{kind}-{version}.json"));
    } else {
        v.push(format!("{kind}-{label}-{version}.json"));
    }
    v
}

impl SchemaStore {
    pub fn new(dirs: &[PathBuf], strict: bool) -> SchemaStore {
        SchemaStore {
            dirs: expand_dirs(dirs),
            strict,
            cache: RwLock::new(HashMap::new()),
            extra: RwLock::new(HashMap::new()),
        }
    }

    pub fn has_dirs(&self) -> bool {
        !self.dirs.is_empty()
    }

    /// Register a schema for a kind that has no file (constraint kinds).
    pub fn add_extra(&self, api_version: &str, kind: &str, schema: &Value, origin: &str) {
        let lookup = match jsonschema::options().build(schema) {
            Ok(v) => Lookup::Found {
                validator: Arc::new(v),
                file: PathBuf::from(origin),
            },
            Err(e) => Lookup::Broken(format!("{origin}: {e}")),
        };
        if let Ok(mut m) = self.extra.write() {
            m.insert((api_version.to_string(), kind.to_string()), lookup);
        }
    }

    pub fn lookup(&self, api_version: &str, kind: &str) -> Lookup {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(l) = self.extra.read().ok().and_then(|m| m.get(&key).cloned()) {
            return l;
        }
        if let Some(l) = self.cache.read().ok().and_then(|m| m.get(&key).cloned()) {
            return l;
        }
        let found = self.load(api_version, kind);
        if let Ok(mut m) = self.cache.write() {
            m.entry(key).or_insert(found.clone());
        }
        found
    }

    fn load(&self, api_version: &str, kind: &str) -> Lookup {
        for dir in &self.dirs {
            for name in candidates(api_version, kind) {
                let path = dir.join(&name);
                if path.is_file() {
                    return compile_file(&path, self.strict);
                }
            }
        }
        Lookup::Missing
    }
}

fn compile_file(path: &Path, strict: bool) -> Lookup {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return Lookup::Broken(format!("{}: {e}", path.display())),
    };
    let mut schema: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Lookup::Broken(format!("{}: {e}", path.display())),
    };
    // The k8s files name no draft ("http://json-schema.org/schema#"); they are draft 4 style.
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
    }
    if strict {
        // The root keeps its own rule: CRD catalogs list only spec/status there.
        if let Some(obj) = schema.as_object_mut() {
            for (k, child) in obj.iter_mut() {
                if k != "enum" && k != "default" && k != "example" {
                    close_objects(child);
                }
            }
        }
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base = format!("file://{}", abs.display());
    match jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .with_base_uri(base)
        .build(&schema)
    {
        Ok(v) => Lookup::Found {
            validator: Arc::new(v),
            file: path.to_path_buf(),
        },
        Err(e) => Lookup::Broken(format!("{}: {e}", path.display())),
    }
}

/// Strict mode: objects that list properties accept no others, unless the
/// schema says unknown fields are preserved (free-form by design).
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let preserve = m
                .get("x-kubernetes-preserve-unknown-fields")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if m.contains_key("properties") && !m.contains_key("additionalProperties") && !preserve
            {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (k, child) in m.iter_mut() {
                if k != "enum" && k != "default" && k != "example" {
                    close_objects(child);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// A schema failure: the JSON path of the failing field and a message.
pub struct SchemaError {
    pub path: String,
    pub message: String,
}

pub fn validate(validator: &jsonschema::Validator, obj: &Value) -> Vec<SchemaError> {
    validator
        .iter_errors(obj)
        .map(|e| {
            let ptr = e.instance_path().as_str().to_string();
            SchemaError {
                path: pointer_to_path(&ptr),
                message: describe(&e),
            }
        })
        .collect()
}

fn describe(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match e.kind() {
        K::AdditionalProperties { unexpected } => {
            format!("unknown field(s): {}", unexpected.join(", "))
        }
        _ => {
            let s = e.to_string();
            // Keep messages short: a huge instance dump helps nobody in CI logs.
            if s.len() > 300 {
                format!(
                    "{}...",
                    &s[..s.char_indices().nth(297).map(|(i, _)| i).unwrap_or(s.len())]
                )
            } else {
                s
            }
        }
    }
}

/// `/spec/containers/0/image` → `.spec.containers[0].image`.
pub fn pointer_to_path(ptr: &str) -> String {
    if ptr.is_empty() {
        return ".".into();
    }
    let mut out = String::new();
    for seg in ptr.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            out.push('.');
            out.push_str(&seg);
        }
    }
    out
}

//! The platform's Gatekeeper policies: `policies/<name>.rego` plus
//! `policies/<name>.yaml` (constraint kind, parameter schema, match kinds).
//! A spec directory with its own `policies/` uses those; otherwise the set
//! embedded in the binary.

use std::path::Path;

use include_dir::{Dir, include_dir};

use crate::error::{Error, PolicyError, Result};
use crate::plan::PolicySource;
use crate::spec::load::Files;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies");

/// Policy sources, sorted by name; with their file texts for `mlpc.lock`.
pub struct PolicySet {
    pub policies: Vec<PolicySource>,
    /// (display path, bytes) of every file read, for input digests.
    pub inputs: Vec<(String, Vec<u8>)>,
}

pub fn embedded() -> Result<PolicySet> {
    let mut set = PolicySet {
        policies: Vec::new(),
        inputs: Vec::new(),
    };
    let mut regos: Vec<_> = EMBEDDED
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "rego"))
        .collect();
    regos.sort_by_key(|f| f.path().to_path_buf());
    for f in regos {
        let name = stem(f.path())?;
        let rego = f.contents_utf8().unwrap_or_default().to_string();
        let meta_file = EMBEDDED
            .get_file(format!("{name}.yaml"))
            .ok_or_else(|| PolicyError::NoMetadata(name.clone()))?;
        let meta = parse_meta(
            &format!("policies/{name}.yaml"),
            meta_file.contents_utf8().unwrap_or_default(),
        )?;
        set.policies.push(PolicySource { name, rego, meta });
    }
    Ok(set)
}

/// `<root>/policies/` when it has `.rego` files, else the embedded set.
pub fn load(files: &dyn Files, root: &Path) -> Result<PolicySet> {
    let dir = root.join("policies");
    let listed = files.list(&dir).map_err(|source| Error::Read {
        path: dir.clone(),
        source,
    })?;
    let regos: Vec<_> = listed
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rego"))
        .collect();
    if regos.is_empty() {
        return embedded();
    }
    let mut set = PolicySet {
        policies: Vec::new(),
        inputs: Vec::new(),
    };
    for path in regos {
        let name = stem(path)?;
        let read = |p: &Path| -> Result<Vec<u8>> {
            files.read_input(root, p).map_err(|source| Error::Read {
                path: p.to_path_buf(),
                source,
            })
        };
        let rego_bytes = read(path)?;
        let meta_path = dir.join(format!("{name}.yaml"));
        let meta_bytes = read(&meta_path)?;
        let rego = String::from_utf8(rego_bytes.clone()).map_err(|_| Error::NotUtf8 {
            path: path.to_path_buf(),
        })?;
        let meta_text = String::from_utf8(meta_bytes.clone()).map_err(|_| Error::NotUtf8 {
            path: meta_path.clone(),
        })?;
        let meta = parse_meta(&meta_path.display().to_string(), &meta_text)?;
        set.inputs.push((path.display().to_string(), rego_bytes));
        set.inputs
            .push((meta_path.display().to_string(), meta_bytes));
        set.policies.push(PolicySource { name, rego, meta });
    }
    Ok(set)
}

fn stem(p: &Path) -> Result<String> {
    p.file_stem()
        .and_then(|s| s.to_str())
        .map(str::to_string)
        .ok_or_else(|| PolicyError::BadName(p.to_path_buf()).into())
}

fn parse_meta(path: &str, text: &str) -> Result<serde_json::Value> {
    let docs = crate::yaml::parse_stream(text).map_err(|e| PolicyError::Yaml {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let meta = docs
        .into_iter()
        .next()
        .ok_or_else(|| PolicyError::Empty(path.to_string()))?;
    if meta.get("kind").and_then(|k| k.as_str()).is_none() {
        return Err(PolicyError::NoKind(path.to_string()).into());
    }
    Ok(meta)
}

//! Reading a directory of manifests: every `.yaml`, `.yml` and `.json` file,
//! multi-document files included; kustomization files are not objects.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use super::{Finding, Object, Source};
use crate::diag::Severity;
use crate::error::{Error, Result};

pub fn list_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Read {
            path: dir.clone(),
            source,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file()
                && p.extension()
                    .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                && p.file_name()
                    .is_some_and(|n| n != "kustomization.yaml" && n != "kustomization.yml")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parse every file (in parallel); unreadable or malformed files become findings.
pub fn read(root: &Path) -> Result<(Vec<Object>, Vec<Finding>)> {
    if !root.is_dir() {
        return Err(Error::Usage(format!(
            "--manifests {}: not a directory",
            root.display()
        )));
    }
    let files = list_files(root)?;
    let parsed: Vec<(Vec<Object>, Vec<Finding>)> = files
        .par_iter()
        .map(|path| {
            let rel = path.strip_prefix(root).unwrap_or(path).display().to_string();
            let bad = |msg: String| Finding {
                severity: Severity::Error,
                source: Source::Input,
                cluster: None,
                file: rel.clone(),
                api_version: String::new(),
                kind: String::new(),
                namespace: None,
                name: String::new(),
                path: ".".into(),
                message: msg,
                rule: "parse".into(),
            };
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return (Vec::new(), vec![bad(format!("cannot read: {e}"))]),
            };
            let docs = if path.extension().is_some_and(|x| x == "json") {
                serde_json::from_str::<Value>(&text).map(|v| vec![v]).map_err(|e| e.to_string())
            } else {
                crate::yaml::parse_stream(&text).map_err(|e| e.to_string())
            };
            match docs {
                Err(e) => (Vec::new(), vec![bad(format!("not valid YAML/JSON: {e}"))]),
                Ok(docs) => {
                    let mut objs = Vec::new();
                    let mut finds = Vec::new();
                    for d in docs {
                        // A List (kubectl get -o yaml) holds objects in `items`.
                        let items = if d.get("kind").and_then(Value::as_str).is_some_and(|k| k.ends_with("List"))
                            && d.get("items").is_some_and(Value::is_array)
                        {
                            d.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
                        } else {
                            vec![d]
                        };
                        for v in items {
                            let has = |k: &str| v.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
                            if !v.is_object() || !has("apiVersion") || !has("kind") {
                                finds.push(bad("a document without apiVersion and kind is not a Kubernetes object".into()));
                                continue;
                            }
                            if v.get("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("kustomize.config.k8s.io")) {
                                continue;
                            }
                            objs.push(Object { value: v, file: rel.clone(), cluster: None });
                        }
                    }
                    (objs, finds)
                }
            }
        })
        .collect();
    let mut objects = Vec::new();
    let mut findings = Vec::new();
    for (o, f) in parsed {
        objects.extend(o);
        findings.extend(f);
    }
    Ok((objects, findings))
}

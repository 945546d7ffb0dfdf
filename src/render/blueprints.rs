//! Blueprint sources: the set embedded in the binary, optionally overridden
//! file by file from a user directory (`--blueprints DIR`).

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

/// Template files by path relative to the blueprint root (`mesh/objects.yaml.j2`).
#[derive(Clone, Debug, Default)]
pub struct Blueprints {
    pub files: BTreeMap<String, String>,
    /// Paths that came from the override directory (for `mlpc.lock`).
    pub overridden: Vec<String>,
}

fn collect(dir: &Dir<'_>, out: &mut BTreeMap<String, String>) {
    for f in dir.files() {
        if let Some(text) = f.contents_utf8() {
            out.insert(
                f.path().to_string_lossy().replace('\\', "/"),
                text.to_string(),
            );
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

impl Blueprints {
    pub fn embedded() -> Blueprints {
        let mut files = BTreeMap::new();
        collect(&EMBEDDED, &mut files);
        Blueprints {
            files,
            overridden: Vec::new(),
        }
    }

    /// The embedded set with every file of `dir` replacing (or adding to) it.
    pub fn with_overrides(dir: &Path) -> Result<Blueprints> {
        let mut b = Blueprints::embedded();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d).map_err(|source| Error::Read {
                path: d.clone(),
                source,
            })?;
            for e in entries.flatten() {
                let p = e.path();
                let ft = e.file_type().map_err(|source| Error::Read {
                    path: p.clone(),
                    source,
                })?;
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file() {
                    // Walked from `dir`, so every path is under it.
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&p).map_err(|source| Error::Read {
                        path: p.clone(),
                        source,
                    })?;
                    b.files.insert(rel.clone(), text);
                    b.overridden.push(rel);
                }
            }
        }
        b.overridden.sort();
        Ok(b)
    }

    /// The embedded set with `texts` (path relative to the blueprint root,
    /// text) replacing (or adding to) it: an override directory read from
    /// somewhere other than the disk (a Git revision).
    pub fn with_texts(texts: Vec<(String, String)>) -> Blueprints {
        let mut b = Blueprints::embedded();
        for (rel, text) in texts {
            b.files.insert(rel.clone(), text);
            b.overridden.push(rel);
        }
        b.overridden.sort();
        b
    }

    /// Templates to render for a group (`platform`, `management`, `gitops` or a
    /// layer name): `<group>/*.yaml.j2`, skipping partials that start with `_`.
    pub fn templates_of(&self, group: &str) -> Vec<&str> {
        let prefix = format!("{group}/");
        self.files
            .keys()
            .filter(|k| {
                k.starts_with(&prefix)
                    && k.ends_with(".yaml.j2")
                    && !k[prefix.len()..].contains('/')
                    && !k[prefix.len()..].starts_with('_')
            })
            .map(String::as_str)
            .collect()
    }
}

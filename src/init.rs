//! `mlpc init`: a starter spec that validates and compiles as written, with
//! the editor schema its `#:schema` line points at.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The example platform at the repository root doubles as the starter spec.
pub const EXAMPLE_SPEC: &str = include_str!("../ml-platform.toml");
pub const EXAMPLE_STAGING: &str = include_str!("../environments/staging.toml");
pub const EXAMPLE_PROD: &str = include_str!("../environments/prod.toml");

pub fn write(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let schema = crate::spec::schema::schema_json();
    let files = [
        (dir.join("ml-platform.toml"), EXAMPLE_SPEC),
        (
            dir.join("environments").join("staging.toml"),
            EXAMPLE_STAGING,
        ),
        (dir.join("environments").join("prod.toml"), EXAMPLE_PROD),
        // The `#:schema` lines point here, so editors complete and check offline.
        (
            dir.join("schemas").join("ml-platform.schema.json"),
            schema.as_str(),
        ),
    ];
    for (path, _) in &files {
        if path.exists() && !force {
            return Err(Error::Usage(format!(
                "{} exists; pass --force to overwrite it",
                path.display()
            )));
        }
    }
    let mut written = Vec::new();
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

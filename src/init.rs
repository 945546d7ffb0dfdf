//! `mlpc init`: a starter spec that validates and compiles as written, with
//! the editor schema its `#:schema` line points at.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The example platform at the repository root doubles as the starter spec.
pub const EXAMPLE_SPEC: &str = include_str!("../ml-platform.toml");
pub const EXAMPLE_STAGING: &str = include_str!("../environments/staging.toml");
pub const EXAMPLE_PROD: &str = include_str!("../environments/prod.toml");
/// Schemas mlpc's maintainers wrote for kinds upstream publishes none for;
/// the CI examples pass `--schemas schemas/extra`, so an init-ed repository has them.
const EXTRA_README: &str = include_str!("../schemas/extra/README.md");
const EXTRA_KNATIVE: &str =
    include_str!("../schemas/extra/operator.knative.dev/knativeserving_v1beta1.json");
/// The compile's lock and temporary directories live beside `out/`; they are
/// never content to commit.
pub const GITIGNORE: &str =
    "# written by mlpc while compiling; never commit them\n.*.mlpc-lock\n.*.mlpc-tmp-*\n";

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
        (
            dir.join("schemas").join("extra").join("README.md"),
            EXTRA_README,
        ),
        (
            dir.join("schemas")
                .join("extra")
                .join("operator.knative.dev")
                .join("knativeserving_v1beta1.json"),
            EXTRA_KNATIVE,
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
    // An existing .gitignore is the user's: append the patterns it lacks.
    let gitignore = dir.join(".gitignore");
    let existing = std::fs::read_to_string(&gitignore).unwrap_or_default();
    if !existing.contains(".*.mlpc-lock") {
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(GITIGNORE);
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        std::fs::write(&gitignore, text).map_err(|source| Error::Write {
            path: gitignore.clone(),
            source,
        })?;
        written.push(gitignore);
    }
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

//! The output directory of `mlpc compile`: which `--out` is safe to write
//! (never the spec's directory, its Git repository, or a directory of files
//! mlpc did not write), and, for `--cluster`, the other clusters' files kept
//! as the previous compile wrote them.

use std::path::Path;

use crate::emit::lock::LOCK_FILE;
use crate::emit::write;
use crate::error::{Error, Result};

/// `p` made absolute with every existing part resolved (symlinks, `..`),
/// so two spellings of one directory compare equal.
fn resolve(p: &Path) -> Result<std::path::PathBuf> {
    let abs = std::path::absolute(p).map_err(|e| Error::Usage(format!("{}: {e}", p.display())))?;
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(&existing).is_err() {
        match existing.file_name() {
            Some(n) => rest.push(n.to_os_string()),
            None => break,
        }
        if !existing.pop() {
            break;
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for part in rest.into_iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    Ok(out)
}

/// `--out` must be a directory of its own: never the spec's directory, the
/// Git repository holding it, or an ancestor of either (the swap would take
/// them with it), and never a directory of other files that mlpc did not
/// write (no `mlpc.lock`) unless `--force`. Paths are compared resolved, so
/// `--out ../spec-dir` or a symlinked spelling cannot slip through.
pub fn refuse_dangerous_out(spec: &Path, out: &Path, foreign_guard: bool) -> Result<()> {
    let spec_dir = resolve(spec)?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let out_abs = resolve(out)?;
    if spec_dir.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "--out {} contains the spec; choose a directory of its own, e.g. --out out",
            out.display()
        )));
    }
    let repo_root = spec_dir.ancestors().find(|d| d.join(".git").exists());
    if let Some(root) = repo_root
        && root.starts_with(&out_abs)
    {
        return Err(Error::Usage(format!(
            "--out {} contains the Git repository {}; choose a directory of its own, e.g. --out out",
            out.display(),
            root.display()
        )));
    }
    if out_abs.join(".git").exists() {
        return Err(Error::Usage(format!(
            "--out {} is the root of a Git repository; choose a directory of its own, e.g. --out out",
            out.display()
        )));
    }
    if foreign_guard && out_abs.is_dir() {
        let has_lock =
            std::fs::symlink_metadata(out_abs.join(LOCK_FILE)).is_ok_and(|m| m.is_file());
        let empty = std::fs::read_dir(&out_abs).is_ok_and(|mut d| d.next().is_none());
        if !has_lock && !empty {
            return Err(Error::Usage(format!(
                "--out {} holds files mlpc did not write (no {LOCK_FILE}); choose an empty directory, or pass --force to add mlpc's files beside them",
                out.display()
            )));
        }
    }
    Ok(())
}

/// With `--cluster`, the files of the other clusters stay as the previous
/// compile wrote them.
pub fn keep_other_clusters(
    out: &Path,
    only: &[String],
    files: &mut std::collections::BTreeMap<String, Vec<u8>>,
    lock: &crate::emit::lock::Lock,
) -> Result<()> {
    let Some(old) = write::read_lock(out) else {
        return Ok(());
    };
    for rel in old.files.keys() {
        let mine = only.iter().any(|c| {
            crate::emit::layout::cluster_prefixes(c)
                .iter()
                .any(|p| rel.starts_with(p.as_str()))
        });
        let per_cluster = crate::emit::layout::is_per_cluster_file(rel);
        if mine || !per_cluster || files.contains_key(rel) {
            continue;
        }
        // Never through a link planted in out/: its target's bytes would be
        // copied into the tree and the lock.
        let bytes = write::read_regular(out, rel)?;
        files.insert(rel.clone(), bytes);
    }
    crate::emit::add_kustomizations(files);
    let mut lock = lock.clone();
    lock.files = files
        .iter()
        .filter(|(k, _)| k.as_str() != LOCK_FILE)
        .map(|(k, v)| (k.clone(), crate::emit::lock::sha256_hex(v)))
        .collect();
    files.insert(LOCK_FILE.to_string(), lock.to_bytes());
    Ok(())
}

//! Spec files at a Git revision, read straight from the object database
//! (no checkout, no temporary clone): `mlpc diff` and `mlpc cost --base`.
//!
//! Paths given to [`Files`] are what the user typed, relative to the current
//! directory (or absolute); they are mapped to paths inside the repository
//! through its working directory, so `--spec platform/ml-platform.toml` works
//! from the repository root and `--spec ml-platform.toml` from `platform/`.

use std::io;
use std::path::{Component, Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::error::{Error, Result};
use crate::spec::load::Files;

/// The files of one revision.
pub struct GitFiles {
    repo: Repository,
    tree: Oid,
    commit: Oid,
    rev: String,
    /// The repository's working directory, canonical.
    workdir: PathBuf,
    /// The directory relative paths are resolved from, canonical.
    cwd: PathBuf,
}

impl std::fmt::Debug for GitFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitFiles")
            .field("rev", &self.rev)
            .field("commit", &self.commit)
            .finish()
    }
}

/// The repository that holds `dir` (or a parent of it).
pub fn discover(dir: &Path) -> Result<Repository> {
    Repository::discover(dir).map_err(|e| {
        Error::Usage(format!(
            "{} is not inside a Git repository ({}); revisions are read from Git",
            dir.display(),
            e.message()
        ))
    })
}

fn current_dir() -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    Ok(std::fs::canonicalize(&cwd).unwrap_or(cwd))
}

impl GitFiles {
    /// Revision `rev` of the repository that holds the current directory.
    pub fn open(rev: &str) -> Result<GitFiles> {
        GitFiles::open_in(&current_dir()?, rev)
    }

    /// Revision `rev` of the repository that holds `cwd`; relative paths are
    /// resolved from `cwd`.
    pub fn open_in(cwd: &Path, rev: &str) -> Result<GitFiles> {
        let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
        let repo = discover(&cwd)?;
        let workdir = repo
            .workdir()
            .map(|w| std::fs::canonicalize(w).unwrap_or_else(|_| w.to_path_buf()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{} is a bare repository; run mlpc from a working tree",
                    repo.path().display()
                ))
            })?;
        let (commit, tree) = resolve(&repo, rev)?;
        Ok(GitFiles {
            repo,
            tree,
            commit,
            rev: rev.to_string(),
            workdir,
            cwd,
        })
    }

    /// The revision as the user wrote it.
    pub fn rev(&self) -> &str {
        &self.rev
    }

    /// The commit the revision resolved to.
    pub fn commit(&self) -> Oid {
        self.commit
    }

    /// The first 7 hex digits of the commit.
    pub fn short_commit(&self) -> String {
        let s = self.commit.to_string();
        s[..7.min(s.len())].to_string()
    }

    /// `path` (as the user typed it) inside the repository, `/`-separated;
    /// empty for the repository root.
    pub fn repo_path(&self, path: &Path) -> io::Result<String> {
        let abs = normalize(&if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        });
        let rel = match abs.strip_prefix(&self.workdir) {
            Ok(r) => r.to_path_buf(),
            // An absolute path through a symlink: resolve what exists of it.
            Err(_) => canonical_prefix(&abs)
                .and_then(|c| c.strip_prefix(&self.workdir).ok().map(Path::to_path_buf))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("outside the Git repository at {}", self.workdir.display()),
                    )
                })?,
        };
        let parts: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        Ok(parts.join("/"))
    }

    fn not_found(&self, path: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} does not exist at revision {} ({})",
                path.display(),
                self.rev,
                self.short_commit()
            ),
        )
    }

    fn root_tree(&self) -> io::Result<git2::Tree<'_>> {
        self.repo.find_tree(self.tree).map_err(git_io)
    }

    /// The tree at `rel` (the root tree for ""), if there is one.
    fn subtree(&self, rel: &str) -> io::Result<Option<git2::Tree<'_>>> {
        let root = self.root_tree()?;
        if rel.is_empty() {
            return Ok(Some(root));
        }
        let entry = match root.get_path(Path::new(rel)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git_io(e)),
        };
        if entry.kind() != Some(ObjectType::Tree) {
            return Ok(None);
        }
        let tree = self.repo.find_tree(entry.id()).map_err(git_io)?;
        Ok(Some(tree))
    }

    /// Every file under `dir` at this revision as text, by path relative to
    /// `dir` (`mesh/objects.yaml.j2`), or `None` when the revision has no such
    /// directory (`--blueprints DIR` read at a revision).
    pub fn texts_under(&self, dir: &Path) -> Result<Option<Vec<(String, String)>>> {
        let read_err = |source: io::Error| Error::Read {
            path: dir.to_path_buf(),
            source,
        };
        let rel = self.repo_path(dir).map_err(read_err)?;
        let Some(tree) = self.subtree(&rel).map_err(read_err)? else {
            return Ok(None);
        };
        let mut found: Vec<(String, Oid)> = Vec::new();
        tree.walk(TreeWalkMode::PreOrder, |root, entry| {
            if entry.kind() == Some(ObjectType::Blob)
                && let Ok(name) = entry.name()
            {
                found.push((format!("{root}{name}"), entry.id()));
            }
            TreeWalkResult::Ok
        })
        .map_err(|e| read_err(git_io(e)))?;
        let mut texts = Vec::new();
        for (path, oid) in found {
            let blob = self.repo.find_blob(oid).map_err(|e| read_err(git_io(e)))?;
            let text = String::from_utf8(blob.content().to_vec()).map_err(|_| Error::NotUtf8 {
                path: PathBuf::from(format!("{}/{path} at revision {}", dir.display(), self.rev)),
            })?;
            texts.push((path, text));
        }
        Ok(Some(texts))
    }
}

impl Files for GitFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let rel = self.repo_path(path)?;
        if rel.is_empty() {
            return Err(self.not_found(path));
        }
        let root = self.root_tree()?;
        let entry = match root.get_path(Path::new(&rel)) {
            Ok(e) => e,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Err(self.not_found(path)),
            Err(e) => return Err(git_io(e)),
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(io::Error::other(format!(
                "{} is not a file at revision {}",
                path.display(),
                self.rev
            )));
        }
        let blob = self.repo.find_blob(entry.id()).map_err(git_io)?;
        Ok(blob.content().to_vec())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let rel = match self.repo_path(dir) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let Some(tree) = self.subtree(&rel)? else {
            return Ok(Vec::new());
        };
        let mut out: Vec<PathBuf> = tree
            .iter()
            .filter(|e| e.kind() == Some(ObjectType::Blob))
            .filter_map(|e| e.name().ok().map(|n| dir.join(n)))
            .collect();
        out.sort();
        Ok(out)
    }
}

/// Resolve `rev` to a commit and its tree.
fn resolve(repo: &Repository, rev: &str) -> Result<(Oid, Oid)> {
    let unknown = |e: git2::Error| {
        Error::Usage(format!(
            "unknown revision {rev}: {}",
            e.message().trim_end_matches('.')
        ))
    };
    let obj = repo.revparse_single(rev).map_err(unknown)?;
    let commit = obj.peel_to_commit().map_err(unknown)?;
    let tree = commit.tree().map_err(unknown)?;
    Ok((commit.id(), tree.id()))
}

fn git_io(e: git2::Error) -> io::Error {
    io::Error::other(e.message().to_string())
}

/// Remove `.` and `..` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The canonical form of the longest existing ancestor of `p`, with the
/// rest appended.
fn canonical_prefix(p: &Path) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut cur = p.to_path_buf();
    loop {
        if let Ok(c) = std::fs::canonicalize(&cur) {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return Some(out);
        }
        rest.push(cur.file_name()?.to_os_string());
        if !cur.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/a/..")), PathBuf::from("/"));
    }
}

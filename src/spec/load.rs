//! Loading: read the base spec and its environment overlays into spanned
//! trees, with every syntax problem reported as a diagnostic.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::error::{Error, Invalid, Result};

use super::source::{Loc, SourceFile, SourceMap};
use super::tree::{Node, merge};

/// Inputs larger than this are refused before parsing (a spec is hand-written).
pub const MAX_SPEC_BYTES: usize = 16 * 1024 * 1024;
/// Nesting deeper than this is refused before parsing, so no recursive walk
/// (parser, merge, schema validation) can exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// The spec as read from disk: base tree, overlays per environment, sources.
#[derive(Debug)]
pub struct Loaded {
    pub sources: SourceMap,
    pub base: Node,
    /// Overlay trees by environment name (file stem in `environments/`).
    pub overlays: BTreeMap<String, Node>,
    /// Per-cluster overlay trees by cluster name (file stem in `clusters/`),
    /// merged after the cluster's environment overlay.
    pub cluster_overlays: BTreeMap<String, Node>,
    /// Directory of the spec file: `environments/`, `policies/` are resolved from it.
    pub root: PathBuf,
    pub spec_path: PathBuf,
}

impl Loaded {
    /// The base spec merged with the overlay of `env` (the base alone if there is none).
    pub fn effective(&self, env: &str) -> Node {
        match self.overlays.get(env) {
            Some(o) => merge(&self.base, o),
            None => self.base.clone(),
        }
    }

    /// The view of one cluster: base, then its environment's overlay, then
    /// its own `clusters/<cluster>.toml`, each merged with the same rule.
    pub fn effective_for_cluster(&self, env: &str, cluster: &str) -> Node {
        let env_view = self.effective(env);
        match self.cluster_overlays.get(cluster) {
            Some(o) => merge(&env_view, o),
            None => env_view,
        }
    }

    /// Every input file with its text, for `mlpc.lock` digests.
    pub fn inputs(&self) -> impl Iterator<Item = &SourceFile> {
        self.sources.files.iter()
    }
}

/// Where spec files come from: the working tree, or (for `diff`) a Git revision.
pub trait Files {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// Files directly inside `dir`, sorted; empty when `dir` does not exist.
    fn list(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>>;
    /// Read an input of the spec rooted at `root` (the spec's directory).
    /// On disk, a symlink that resolves outside `root` is refused: a spec or
    /// overlay linked to `/proc/self/environ` or `.git/config` would have its
    /// content echoed in error excerpts and PR comments.
    fn read_input(&self, _root: &Path, path: &Path) -> std::io::Result<Vec<u8>> {
        self.read(path)
    }
}

/// The local file system.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn read_input(&self, root: &Path, path: &Path) -> std::io::Result<Vec<u8>> {
        let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if linked {
            let root = if root.as_os_str().is_empty() {
                Path::new(".")
            } else {
                root
            };
            let target = std::fs::canonicalize(path)?;
            let inside = std::fs::canonicalize(root).is_ok_and(|r| target.starts_with(r));
            if !inside {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "a symlink to a file outside the spec's directory is not read (its content could be echoed in messages)",
                ));
            }
        }
        // A FIFO or device as the spec would block the read forever.
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        std::fs::read(path)
    }
    fn list(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        out.sort();
        Ok(out)
    }
}

/// Read and parse the spec and every `environments/*.toml` beside it.
///
/// I/O problems are their own errors; syntax problems are all collected into
/// one [`crate::error::Error::InvalidSpec`], so the caller can print them all at once.
pub fn load(spec_path: &Path) -> Result<Loaded> {
    load_from(&Disk, spec_path)
}

pub fn load_from(files: &dyn Files, spec_path: &Path) -> Result<Loaded> {
    let root = spec_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();

    let base = parse_file(files, &root, spec_path, &mut sources, &mut diags)?;

    let overlays = read_overlays(files, &root, "environments", &mut sources, &mut diags)?;
    let cluster_overlays = read_overlays(files, &root, "clusters", &mut sources, &mut diags)?;

    match base {
        Some(base) if diags.is_empty() => Ok(Loaded {
            sources,
            base,
            overlays,
            cluster_overlays,
            root,
            spec_path: spec_path.to_path_buf(),
        }),
        _ => Err(Invalid::new(sources, diags).into()),
    }
}

/// Every `<dir>/*.toml` beside the spec, by file stem, in name order.
fn read_overlays(
    files: &dyn Files,
    root: &Path,
    dir: &str,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<BTreeMap<String, Node>> {
    let mut overlays = BTreeMap::new();
    let overlay_dir = root.join(dir);
    let entries = files.list(&overlay_dir).map_err(|source| Error::Read {
        path: overlay_dir.clone(),
        source,
    })?;
    for path in entries
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
    {
        let Some(stem) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let display = display_path(root, &path);
        if let Some(node) = parse_file(files, root, &display, sources, diags)? {
            overlays.insert(stem, node);
        }
    }
    Ok(overlays)
}

/// The overlay path as the user would type it from the current directory.
fn display_path(root: &Path, path: &Path) -> PathBuf {
    if root == Path::new("") || root == Path::new(".") {
        path.strip_prefix("./").unwrap_or(path).to_path_buf()
    } else {
        path.to_path_buf()
    }
}

fn parse_file(
    files: &dyn Files,
    root: &Path,
    path: &Path,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Node>> {
    let bytes = files.read_input(root, path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let (node, found) = parse_bytes(path, bytes, sources);
    diags.extend(found);
    Ok(node)
}

/// Parse TOML bytes into a tree; never panics, whatever the bytes.
pub fn parse_bytes(
    path: &Path,
    bytes: Vec<u8>,
    sources: &mut SourceMap,
) -> (Option<Node>, Vec<Diagnostic>) {
    let display = path.display().to_string();
    if bytes.len() > MAX_SPEC_BYTES {
        let id = sources.add(SourceFile::new(path, String::new()));
        let d = Diagnostic::error(
            "E006",
            format!(
                "{display} is {} bytes; specs are limited to {} bytes",
                bytes.len(),
                MAX_SPEC_BYTES
            ),
        )
        .at(sources.position(Loc {
            file: id,
            start: 0,
            end: 0,
        }))
        .with_hint("split the platform into several specs, or generate less");
        return (None, vec![d]);
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = sources.add(SourceFile::new(path, lossy));
            let d = Diagnostic::error("E006", format!("{display} is not valid UTF-8"))
                .at(sources.position(Loc {
                    file: id,
                    start: offset,
                    end: offset,
                }))
                .with_hint("TOML files must be UTF-8 text");
            return (None, vec![d]);
        }
    };
    let id = sources.add(SourceFile::new(path, text));
    let text = &sources.file(id).text;
    if let Some(offset) = too_deep(text) {
        let d = Diagnostic::error("E006", format!("nesting deeper than {MAX_DEPTH} levels"))
            .at(sources.position(Loc {
                file: id,
                start: offset,
                end: offset,
            }))
            .with_hint("flatten the structure; no mlpc setting nests this deep");
        return (None, vec![d]);
    }
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let diags = errors
            .iter()
            .map(|e| {
                let start = e.span().map(|s| s.start).unwrap_or(0);
                Diagnostic::error("E001", format!("TOML syntax: {}", first_line(e.message())))
                    .at(sources.position(Loc {
                        file: id,
                        start,
                        end: start,
                    }))
                    .with_hint("fix the TOML syntax; see https://toml.io/en/v1.0.0")
            })
            .collect();
        return (None, diags);
    }
    (Some(Node::from_toml(&table, id)), Vec::new())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// Offset where bracket nesting exceeds [`MAX_DEPTH`], ignoring brackets in
/// strings and comments. Table headers (`[a.b]`) never nest, so counting
/// `[`/`{` of values and headers alike is a safe over-approximation.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut in_str: Option<(u8, bool)> = None; // (quote, multiline)
    while i < bytes.len() {
        let b = bytes[i];
        match in_str {
            Some((q, multi)) => {
                if q == b'"' && b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == q {
                    if multi {
                        if bytes.get(i..i + 3) == Some(&[q, q, q][..]) {
                            in_str = None;
                            i += 3;
                            continue;
                        }
                    } else {
                        in_str = None;
                    }
                } else if b == b'\n' && !multi {
                    in_str = None;
                }
            }
            None => match b {
                b'"' | b'\'' => {
                    let multi = bytes.get(i..i + 3) == Some(&[b, b, b][..]);
                    in_str = Some((b, multi));
                    if multi {
                        i += 3;
                        continue;
                    }
                }
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(i);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// A file id for specs built in memory (tests, `init`).
pub fn parse_str(name: &str, text: &str) -> (SourceMap, Option<Node>, Vec<Diagnostic>) {
    let mut sources = SourceMap::default();
    let (node, diags) = parse_bytes(Path::new(name), text.as_bytes().to_vec(), &mut sources);
    (sources, node, diags)
}

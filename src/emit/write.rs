//! Writing the output tree: atomically (a temporary directory beside `out/`,
//! swapped in at the end), removing only files a previous compile wrote,
//! keeping files mlpc never wrote, never following symlinks out of `out/`,
//! and serialized against concurrent compiles by a lock file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, OutputError, Result};

use super::lock::{LOCK_FILE, Lock};

/// What `--check` found.
#[derive(Debug, Default, PartialEq)]
pub struct Staleness {
    pub missing: Vec<String>,
    pub stale: Vec<String>,
    pub extra: Vec<String>,
}

impl Staleness {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct WriteReport {
    pub written: usize,
    pub removed: usize,
    pub unchanged: bool,
}

#[derive(Debug, Default, Clone)]
pub struct WriteOptions {
    /// Fail with an injected I/O error after this many files (tests of atomicity).
    pub fail_after: Option<usize>,
}

pub fn read_lock(out: &Path) -> Option<Lock> {
    read_regular(out, LOCK_FILE)
        .ok()
        .and_then(|b| Lock::parse(&b))
}

/// The bytes of the regular file `rel` under `out`, never through a symlink
/// (anywhere on the way) and never opening a FIFO or device, which could
/// block forever or hand over bytes from outside `out/`.
pub fn read_regular(out: &Path, rel: &str) -> Result<Vec<u8>> {
    let path = under(out, rel)?;
    if has_symlink(out, rel) {
        return Err(OutputError::Symlink(path).into());
    }
    let meta = fs::symlink_metadata(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(OutputError::NotRegular(path).into());
    }
    fs::read(&path).map_err(|source| Error::Read { path, source })
}

fn io_write(path: &Path, source: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Join a `/`-separated relative path under `root`, refusing anything that
/// could leave it.
fn under(root: &Path, rel: &str) -> Result<PathBuf> {
    let mut p = root.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return Err(OutputError::Escapes(rel.to_string()).into());
        }
        p.push(part);
    }
    Ok(p)
}

/// Whether a regular file at `rel` under `out` has exactly `bytes`, without
/// following a symlink anywhere on the way.
fn same_on_disk(out: &Path, rel: &str, bytes: &[u8]) -> bool {
    let Ok(path) = under(out, rel) else {
        return false;
    };
    if has_symlink(out, rel) {
        return false;
    }
    // A FIFO or device where mlpc writes a file is stale, and never opened.
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() && m.len() == bytes.len() as u64 => {}
        _ => return false,
    }
    match fs::read(&path) {
        Ok(b) => b == bytes,
        Err(_) => false,
    }
}

fn has_symlink(out: &Path, rel: &str) -> bool {
    let mut p = out.to_path_buf();
    for part in rel.split('/') {
        p.push(part);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return true;
        }
    }
    false
}

/// Compare the would-be output with `out/` (`mlpc compile --check`).
pub fn check(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Staleness {
    let mut s = Staleness::default();
    for (rel, bytes) in files {
        let Ok(path) = under(out, rel) else { continue };
        if fs::symlink_metadata(&path).is_err() {
            s.missing.push(rel.clone());
        } else if !same_on_disk(out, rel, bytes) {
            s.stale.push(rel.clone());
        }
    }
    if let Some(lock) = read_lock(out) {
        for rel in lock.files.keys() {
            if !files.contains_key(rel)
                && under(out, rel).is_ok_and(|p| fs::symlink_metadata(p).is_ok())
            {
                s.extra.push(rel.clone());
            }
        }
    }
    s
}

/// Exclusive lock for the duration of a write; waits for a concurrent compile.
struct DirLock {
    _file: fs::File,
}

fn lock_dir(out: &Path) -> Result<DirLock> {
    let parent = parent_of(out);
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let path = parent.join(format!(".{name}.mlpc-lock"));
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_write(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting for another mlpc compile into {} to finish...",
                out.display()
            );
            file.lock().map_err(|e| io_write(&path, e))?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(io_write(&path, e)),
    }
    Ok(DirLock { _file: file })
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What a foreign entry of `out/` is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Foreign {
    File,
    Link,
    Fifo,
    /// A socket or device: nothing mlpc can carry over faithfully.
    Special,
}

/// Files under `out` that no compile wrote (not in the old lock), as relative
/// paths; symlinks are listed but never followed.
fn unmanaged(out: &Path, old: &Option<Lock>) -> Vec<(String, Foreign)> {
    let managed: BTreeSet<&String> = old.iter().flat_map(|l| l.files.keys()).collect();
    let mut found = Vec::new();
    let mut stack = vec![(out.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                found.push((r, Foreign::Link));
            } else if meta.is_dir() {
                stack.push((e.path(), r));
            } else if r != LOCK_FILE && !managed.contains(&r) {
                found.push((r, kind_of(&meta)));
            }
        }
    }
    found.sort();
    found
}

/// Write `files` (which include `mlpc.lock`) as the new content of `out`.
pub fn write(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    opts: &WriteOptions,
) -> Result<WriteReport> {
    if out.exists() && !out.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a directory",
            out.display()
        )));
    }
    if fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Usage(format!(
            "{} is a symlink; point --out at a real directory",
            out.display()
        )));
    }
    let parent = parent_of(out);
    fs::create_dir_all(&parent).map_err(|e| io_write(&parent, e))?;
    let _guard = lock_dir(out)?;
    cleanup_temporaries(&parent, out);

    let old = read_lock(out);
    let status = check(out, files);
    if out.is_dir() && status.is_clean() {
        return Ok(WriteReport {
            unchanged: true,
            ..WriteReport::default()
        });
    }

    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = parent.join(format!(".{name}.mlpc-tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(|e| io_write(&tmp, e))?;
    }
    let result = fill(&tmp, out, files, &old, opts);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let removed = old
        .as_ref()
        .map(|l| l.files.keys().filter(|k| !files.contains_key(*k)).count())
        .unwrap_or(0);
    swap(&tmp, out)?;
    sync_dir(&parent);
    Ok(WriteReport {
        written: files.len(),
        removed,
        unchanged: false,
    })
}

fn fill(
    tmp: &Path,
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    old: &Option<Lock>,
    opts: &WriteOptions,
) -> Result<()> {
    fs::create_dir_all(tmp).map_err(|e| io_write(tmp, e))?;
    // Directories first (sequentially, parents before children), then the
    // files in parallel: creating a file is a metadata round trip that
    // dominates a large compile, and it overlaps well across threads.
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    let mut jobs: Vec<(PathBuf, &Vec<u8>)> = Vec::with_capacity(files.len());
    for (rel, bytes) in files {
        let path = under(tmp, rel)?;
        if let Some(dir) = path.parent() {
            dirs.insert(dir.to_path_buf());
        }
        jobs.push((path, bytes));
    }
    for dir in &dirs {
        fs::create_dir_all(dir).map_err(|e| io_write(dir, e))?;
    }
    let written = std::sync::atomic::AtomicUsize::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(8)
        .build()
        .map_err(|e| OutputError::Threads(e.to_string()))?;
    pool.install(|| {
        use rayon::prelude::*;
        jobs.par_iter().try_for_each(|(path, bytes)| {
            let n = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if opts.fail_after.is_some_and(|limit| n >= limit) {
                return Err(io_write(
                    path,
                    std::io::Error::other("injected failure (test hook)"),
                ));
            }
            fs::write(path, bytes).map_err(|e| io_write(path, e))
        })
    })?;
    // Files mlpc never wrote stay, byte for byte (symlinks as symlinks, never
    // followed). One that stands where mlpc now writes gives way.
    for (rel, kind) in unmanaged(out, old) {
        let prefix = format!("{rel}/");
        if files.contains_key(&rel)
            || files
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix))
        {
            continue;
        }
        let src = under(out, &rel)?;
        let dst = under(tmp, &rel)?;
        if let Some(dir) = dst.parent() {
            fs::create_dir_all(dir).map_err(|e| io_write(dir, e))?;
        }
        match kind {
            Foreign::Link => {
                let target = fs::read_link(&src).map_err(|e| io_write(&src, e))?;
                symlink(&target, &dst).map_err(|e| io_write(&dst, e))?;
            }
            // `fs::copy` keeps the permission bits.
            Foreign::File => {
                fs::copy(&src, &dst).map_err(|e| io_write(&dst, e))?;
            }
            Foreign::Fifo => make_fifo(&src, &dst).map_err(|e| io_write(&dst, e))?,
            Foreign::Special => {
                return Err(Error::Usage(format!(
                    "{} is a socket or device; mlpc cannot keep it in the output directory, move it elsewhere",
                    src.display()
                )));
            }
        }
    }
    keep_directories(tmp, out, old)?;
    sync_tree(tmp)
}

#[cfg(unix)]
fn kind_of(meta: &fs::Metadata) -> Foreign {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_file() {
        Foreign::File
    } else if t.is_fifo() {
        Foreign::Fifo
    } else {
        Foreign::Special
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &fs::Metadata) -> Foreign {
    if meta.is_file() {
        Foreign::File
    } else {
        Foreign::Special
    }
}

/// A FIFO like `src` at `dst` (never opened: opening one blocks).
#[cfg(unix)]
fn make_fifo(src: &Path, dst: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::symlink_metadata(src)?.permissions().mode() & 0o7777;
    let c = CString::new(dst.as_os_str().as_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    if unsafe { libc::mkfifo(c.as_ptr(), mode as libc::mode_t) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    fs::set_permissions(dst, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn make_fifo(_src: &Path, _dst: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("FIFOs are not supported here"))
}

/// Directories of `out` (not through links) as relative paths, parents first.
fn directories(out: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![(out.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(meta) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() {
                let name = e.file_name().to_string_lossy().into_owned();
                let r = if rel.is_empty() {
                    name
                } else {
                    format!("{rel}/{name}")
                };
                found.push(r.clone());
                stack.push((e.path(), r));
            }
        }
    }
    found.sort();
    found
}

/// Foreign directories stay, empty or not, with their permissions: a 0700
/// directory the user made is not handed back as 0755.
/// Directories a previous compile wrote into and this one no longer fills
/// are pruned with their files.
fn keep_directories(tmp: &Path, out: &Path, old: &Option<Lock>) -> Result<()> {
    let copy_mode = |src: &Path, dst: &Path| -> Result<()> {
        if let Ok(m) = fs::symlink_metadata(src) {
            fs::set_permissions(dst, m.permissions()).map_err(|e| io_write(dst, e))?;
        }
        Ok(())
    };
    for rel in directories(out) {
        let dst = under(tmp, &rel)?;
        match fs::symlink_metadata(&dst) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => continue,
            Err(_) => {
                let prefix = format!("{rel}/");
                let mlpc_wrote_here = old
                    .iter()
                    .any(|l| l.files.keys().any(|k| k.starts_with(&prefix)));
                if mlpc_wrote_here {
                    continue;
                }
                fs::create_dir_all(&dst).map_err(|e| io_write(&dst, e))?
            }
        }
        copy_mode(&under(out, &rel)?, &dst)?;
    }
    if out.is_dir() {
        copy_mode(out, tmp)?;
    }
    Ok(())
}

/// Make the new tree durable before it replaces the old one, so a power loss
/// after the swap cannot leave a torn `out/`: on Linux one `syncfs` flushes
/// every file and directory written on that file system.
#[cfg(target_os = "linux")]
fn sync_tree(tmp: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let dir = fs::File::open(tmp).map_err(|e| io_write(tmp, e))?;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
        return Err(io_write(tmp, std::io::Error::last_os_error()));
    }
    crate::trace::log(|| format!("synced {}", tmp.display()));
    Ok(())
}

/// Elsewhere: every file and directory of the tree, one by one.
#[cfg(not(target_os = "linux"))]
fn sync_tree(tmp: &Path) -> Result<()> {
    let mut stack = vec![tmp.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).map_err(|e| io_write(&d, e))?.flatten() {
            let p = e.path();
            let m = fs::symlink_metadata(&p).map_err(|e| io_write(&p, e))?;
            if m.is_dir() {
                stack.push(p);
            } else if m.is_file() {
                fs::File::open(&p)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| io_write(&p, e))?;
            }
        }
        let _ = fs::File::open(&d).and_then(|f| f.sync_all());
    }
    Ok(())
}

/// The directory entry of the swap itself.
fn sync_dir(dir: &Path) {
    let _ = fs::File::open(dir).and_then(|f| f.sync_all());
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("symlinks are not supported here"))
}

/// Replace `out` with `tmp`. On Linux the two directories are exchanged in one
/// atomic step (renameat2 RENAME_EXCHANGE), so no reader ever sees a missing
/// or half-written `out/`.
fn swap(tmp: &Path, out: &Path) -> Result<()> {
    if !out.exists() {
        return fs::rename(tmp, out).map_err(|e| io_write(out, e));
    }
    if exchange(tmp, out).is_ok() {
        // `tmp` now holds the previous tree.
        return fs::remove_dir_all(tmp).map_err(|e| io_write(tmp, e));
    }
    let backup = tmp.with_extension("old");
    fs::rename(out, &backup).map_err(|e| io_write(out, e))?;
    if let Err(e) = fs::rename(tmp, out) {
        let _ = fs::rename(&backup, out);
        return Err(io_write(out, e));
    }
    fs::remove_dir_all(&backup).map_err(|e| io_write(&backup, e))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange on this platform"))
}

/// Temporary trees of compiles that were killed before their swap.
fn cleanup_temporaries(parent: &Path, out: &Path) {
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let prefix = format!(".{name}.mlpc-tmp-");
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

//! `mlpc compile [--check]`.

use std::path::Path;

use crate::cli::{Format, print_findings};
use crate::compile::{CompileOptions, compile};
use crate::emit::lock::LOCK_FILE;
use crate::emit::write::{self, WriteOptions};
use crate::error::{Error, Result};
use crate::report::Style;

/// Beyond this many objects a compile warns: a few lines of spec multiplied
/// across clusters, teams and models can ask for far more files than intended.
const WARN_OBJECTS: usize = 20_000;

pub fn run(opts: &CompileOptions, out: &Path, check_only: bool, style: Style) -> Result<i32> {
    run_guarded(opts, out, check_only, false, style)
}

/// `force`: write into an `--out` that holds files but no `mlpc.lock`.
pub fn run_guarded(
    opts: &CompileOptions,
    out: &Path,
    check_only: bool,
    force: bool,
    style: Style,
) -> Result<i32> {
    refuse_dangerous_out(&opts.spec, out, !check_only && !force)?;
    let compiled = match compile(opts)? {
        Ok(c) => c,
        Err(invalid) => {
            print_findings(
                &invalid.diagnostics,
                Some(&invalid.sources),
                Format::Human,
                style,
            );
            return Ok(1);
        }
    };
    if !compiled.validated.diagnostics.is_empty() {
        // Warnings do not stop a compile, but they should be seen.
        eprint!(
            "{}",
            crate::report::human(
                &compiled.validated.diagnostics,
                Some(&compiled.validated.loaded.sources),
                style
            )
        );
    }
    // The platform rules (E185–W196) over each cluster's tree: errors stop
    // the compile like validation errors, nothing is written.
    let platform = crate::trace::stage("platform check", || platform_findings(&compiled));
    if !platform.findings.is_empty() {
        let text = crate::check::output::human(&platform, style);
        // The last line is the summary of `mlpc check`; a compile shows its own.
        let body: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains("policy test cases"))
            .collect();
        eprintln!("{}", body.join("\n"));
        eprintln!(
            "{} platform check: {} error(s), {} warning(s)",
            if platform.errors() > 0 {
                style.red("error:")
            } else {
                style.yellow("warning:")
            },
            platform.errors(),
            platform.warnings()
        );
        if platform.errors() > 0 {
            return Ok(1);
        }
    }
    // Past the threshold, or past half the limit: the next change may hit it.
    if compiled.tree.objects.len() > WARN_OBJECTS.min(crate::compile::max_objects() / 2) {
        eprintln!(
            "{} this spec compiles to {} objects; check the clusters x teams x models it multiplies (the limit is --max-objects)",
            style.yellow("warning:"),
            compiled.tree.objects.len()
        );
    }
    let mut files = compiled.tree.files;
    if !opts.clusters.is_empty() {
        keep_other_clusters(out, &opts.clusters, &mut files, &compiled.lock)?;
    }
    if check_only {
        let s = write::check(out, &files);
        if s.is_clean() {
            println!(
                "{} {} is up to date ({} files)",
                style.green("ok:"),
                out.display(),
                files.len()
            );
            return Ok(0);
        }
        for (label, list) in [
            ("missing", &s.missing),
            ("stale", &s.stale),
            ("extra", &s.extra),
        ] {
            for f in list {
                println!("{:>8} {}", label, out.join(f).display());
            }
        }
        println!(
            "{} {} is not what the spec compiles to: {} missing, {} stale, {} extra; run `mlpc compile`",
            style.red("error:"),
            out.display(),
            s.missing.len(),
            s.stale.len(),
            s.extra.len()
        );
        return Ok(1);
    }
    let fail_after = std::env::var("MLPC_TEST_FAIL_AFTER_WRITES")
        .ok()
        .and_then(|v| v.parse().ok());
    let report = crate::trace::stage("write", || {
        write::write(out, &files, &WriteOptions { fail_after })
    })?;
    let objects = compiled.tree.objects.len();
    let clusters = compiled.plan.clusters.len();
    if report.unchanged {
        println!(
            "{} {} already up to date: {objects} objects, {clusters} clusters",
            style.green("ok:"),
            out.display()
        );
    } else {
        println!(
            "{} wrote {} ({objects} objects, {} files, {clusters} clusters; {} stale files removed)",
            style.green("ok:"),
            out.display(),
            report.written,
            report.removed
        );
    }
    Ok(0)
}

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
fn refuse_dangerous_out(spec: &Path, out: &Path, foreign_guard: bool) -> Result<()> {
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
fn keep_other_clusters(
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
            rel.starts_with(&format!("clusters/{c}/"))
                || rel.starts_with(&format!("management/{c}/"))
                || rel.starts_with(&format!("management/argocd/{c}/"))
        });
        let per_cluster = rel.starts_with("clusters/") || rel.matches('/').count() >= 2;
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

/// The platform check of a compile, on its objects and its plan's pools.
fn platform_findings(compiled: &crate::compile::Compiled) -> crate::check::Report {
    use crate::check::{Object, Policies, Report, platform};
    let objects = Object::from_placed(&compiled.tree.objects);
    let policies = Policies::from_objects(&objects, true);
    let findings = platform::check(
        &objects,
        &policies,
        &platform::pools_from_plan(&compiled.plan),
    );
    Report {
        objects: objects.len(),
        findings,
        policy_tests: 0,
    }
}

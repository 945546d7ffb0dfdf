//! `mlpc compile [--check]`.

use std::path::Path;

use crate::cli::{Format, print_findings};
use crate::compile::{CompileOptions, compile};
use crate::emit::lock::LOCK_FILE;
use crate::emit::write::{self, WriteOptions};
use crate::error::{Error, Result};
use crate::report::Style;

pub fn run(opts: &CompileOptions, out: &Path, check_only: bool, style: Style) -> Result<i32> {
    refuse_dangerous_out(&opts.spec, out)?;
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

/// `--out` must be a directory of its own: never the spec's directory or an
/// ancestor of it (the swap would take the spec with it).
fn refuse_dangerous_out(spec: &Path, out: &Path) -> Result<()> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let spec_dir = abs(spec)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let out_abs = abs(out);
    if spec_dir.starts_with(&out_abs) {
        return Err(Error::Usage(format!(
            "--out {} contains the spec; choose a directory of its own, e.g. --out out",
            out.display()
        )));
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
        let bytes = std::fs::read(out.join(rel)).map_err(|source| Error::Read {
            path: out.join(rel),
            source,
        })?;
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

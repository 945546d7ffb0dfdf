//! `mlpc compile [--check]`: the Git-ready output tree.

use std::path::PathBuf;

use mlpc::compile::{CompileOptions, compile};
use mlpc::emit::write::{self, WriteOptions};
use mlpc::outdir;
use mlpc::report::Style;

use super::{CommandResult, Outcome};

/// Beyond this many objects a compile warns: a few lines of spec multiplied
/// across clusters, teams and models can ask for far more files than intended.
const WARN_OBJECTS: usize = 20_000;

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc compile\n  mlpc compile --check            # CI: exit 1 when out/ is stale\n  mlpc compile --cluster stg-use1 --out out"
)]
pub struct CompileArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Only these clusters (repeatable); the others' files are kept as they are.
    #[arg(long = "cluster")]
    pub clusters: Vec<String>,
    /// Write nothing; exit 1 listing stale, missing and extra files.
    #[arg(long)]
    pub check: bool,
    /// A directory of blueprint templates that override the embedded ones.
    #[arg(long)]
    pub blueprints: Option<PathBuf>,
    /// Write into an --out that holds files but no mlpc.lock (they are kept).
    #[arg(long)]
    pub force: bool,
    /// Refuse a spec that compiles to more objects than this.
    #[arg(long, default_value_t = mlpc::compile::DEFAULT_MAX_OBJECTS)]
    pub max_objects: usize,
}

pub fn run(a: &CompileArgs, style: Style) -> CommandResult {
    mlpc::compile::set_max_objects(a.max_objects);
    let out = &a.out;
    outdir::refuse_dangerous_out(&a.spec, out, !a.check && !a.force)?;
    let compiled = compile(&CompileOptions {
        spec: a.spec.clone(),
        blueprints: a.blueprints.clone(),
        clusters: a.clusters.clone(),
    })?;
    if !compiled.validated.diagnostics.is_empty() {
        // Warnings do not stop a compile, but they should be seen.
        eprint!(
            "{}",
            mlpc::report::human(
                &compiled.validated.diagnostics,
                Some(&compiled.validated.loaded.sources),
                style
            )
        );
    }
    // The platform rules (E185–W196) over each cluster's tree: errors stop
    // the compile like validation errors, nothing is written.
    let platform = mlpc::trace::stage("platform check", || compiled.platform_check());
    if !platform.findings.is_empty() {
        let text = mlpc::check::output::human(&platform, style);
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
            return Ok(Outcome::Findings);
        }
    }
    // Past the threshold, or past half the limit: the next change may hit it.
    if compiled.tree.objects.len() > WARN_OBJECTS.min(mlpc::compile::max_objects() / 2) {
        eprintln!(
            "{} this spec compiles to {} objects; check the clusters x teams x models it multiplies (the limit is --max-objects)",
            style.yellow("warning:"),
            compiled.tree.objects.len()
        );
    }
    let mut files = compiled.tree.files;
    if !a.clusters.is_empty() {
        outdir::keep_other_clusters(out, &a.clusters, &mut files, &compiled.lock)?;
    }
    if a.check {
        let s = write::check(out, &files);
        if s.is_clean() {
            println!(
                "{} {} is up to date ({} files)",
                style.green("ok:"),
                out.display(),
                files.len()
            );
            return Ok(Outcome::Clean);
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
        return Ok(Outcome::Findings);
    }
    let fail_after = std::env::var("MLPC_TEST_FAIL_AFTER_WRITES")
        .ok()
        .and_then(|v| v.parse().ok());
    let report = mlpc::trace::stage("write", || {
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
    Ok(Outcome::Clean)
}

//! `mlpc drift`: compile the spec, then compare each workload cluster's live
//! objects with it (see `mlpc::drift`). Read-only.

use std::path::PathBuf;

use clap::ValueEnum;
use kube::config::Kubeconfig;

use mlpc::compile::{CompileOptions, compile};
use mlpc::drift::{self, Options, Verdict, progress::Progress, render, targets};
use mlpc::report::Style;

use super::{CommandError, CommandResult, Outcome, print};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    Human,
    Markdown,
    Json,
}

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc drift\n  mlpc drift --cluster prod-usw2 --format markdown > drift.md\n  mlpc drift --kubeconfig ~/.kube/fleet.yaml --format json\n\nExit status: 0 all in sync; 1 drift found, or part of the platform could not be checked; 2 nothing could be checked."
)]
pub struct DriftArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// Only these clusters (repeatable).
    #[arg(long = "cluster")]
    pub clusters: Vec<String>,
    /// kubeconfig file (default: the KUBECONFIG files, else ~/.kube/config).
    /// Each cluster is reached through its `context` from the spec.
    #[arg(long)]
    pub kubeconfig: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: DriftFormat,
    /// Seconds each request may take (default: `[drift] timeout_seconds`, else 20).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Clusters checked at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Objects per LIST page.
    #[arg(long, default_value_t = 500)]
    pub page_size: u32,
    /// A directory of blueprint templates that override the embedded ones.
    #[arg(long)]
    pub blueprints: Option<PathBuf>,
    /// The previously compiled tree: kinds it holds that the spec no longer
    /// compiles to are searched for orphaned objects too.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
}

pub fn run(args: &DriftArgs, style: Style) -> CommandResult {
    if args.timeout == Some(0) {
        return Err(CommandError::Usage(
            "--timeout must be at least 1 second".into(),
        ));
    }
    if args.concurrency == 0 || args.page_size == 0 {
        return Err(CommandError::Usage(
            "--concurrency and --page-size must be at least 1".into(),
        ));
    }
    let kubeconfig = match &args.kubeconfig {
        Some(p) => Ok(Kubeconfig::read_from(p)
            .map_err(|e| CommandError::Usage(format!("--kubeconfig {}: {e}", p.display())))?),
        None => Kubeconfig::read()
            .map_err(|e| format!("no usable kubeconfig (KUBECONFIG or ~/.kube/config): {e}")),
    };
    let compiled = compile(&CompileOptions {
        spec: args.spec.clone(),
        blueprints: args.blueprints.clone(),
        clusters: args.clusters.clone(),
    })?;
    if !compiled.validated.diagnostics.is_empty() {
        eprint!(
            "{}",
            mlpc::report::human(
                &compiled.validated.diagnostics,
                Some(&compiled.validated.loaded.sources),
                style
            )
        );
    }
    let (platform, targets) = targets::targets(compiled, &args.clusters, args.timeout, &args.out);
    let report = drift::run(
        targets,
        Options {
            platform,
            kubeconfig,
            concurrency: args.concurrency,
            per_cluster: 4,
            page_size: args.page_size,
            progress: Progress::detect(true),
        },
    );
    print(&match args.format {
        DriftFormat::Human => render::human(&report, style),
        DriftFormat::Markdown => render::markdown(&report),
        DriftFormat::Json => render::json(&report),
    });
    Ok(match report.verdict() {
        Verdict::InSync => Outcome::Clean,
        Verdict::Drift => Outcome::Findings,
        Verdict::NothingChecked => Outcome::Unchecked,
    })
}

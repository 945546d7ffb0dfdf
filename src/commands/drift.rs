//! `mlpc drift`: compile the spec, then compare each workload cluster's live
//! objects with it (see `crate::drift`). Read-only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use kube::config::Kubeconfig;

use crate::compile::{CompileOptions, compile};
use crate::drift::compare::Ignores;
use crate::drift::{self, Options, Target, progress::Progress, render};
use crate::error::{Error, Result};
use crate::report::Style;

/// Seconds a request may take when neither `--timeout` nor `[drift]
/// timeout_seconds` says.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 20;

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

pub fn run(args: &DriftArgs, style: Style) -> Result<i32> {
    if args.timeout == Some(0) {
        return Err(Error::Usage("--timeout must be at least 1 second".into()));
    }
    if args.concurrency == 0 || args.page_size == 0 {
        return Err(Error::Usage(
            "--concurrency and --page-size must be at least 1".into(),
        ));
    }
    let kubeconfig = match &args.kubeconfig {
        Some(p) => Ok(Kubeconfig::read_from(p)
            .map_err(|e| Error::Usage(format!("--kubeconfig {}: {e}", p.display())))?),
        None => Kubeconfig::read()
            .map_err(|e| format!("no usable kubeconfig (KUBECONFIG or ~/.kube/config): {e}")),
    };
    let compiled = match compile(&CompileOptions {
        spec: args.spec.clone(),
        blueprints: args.blueprints.clone(),
        clusters: args.clusters.clone(),
    })? {
        Ok(c) => c,
        Err(invalid) => {
            eprint!(
                "{}",
                crate::report::human(&invalid.diagnostics, Some(&invalid.sources), style)
            );
            eprintln!(
                "{} the spec does not compile; nothing checked",
                style.red("error:")
            );
            return Ok(2);
        }
    };
    if !compiled.validated.diagnostics.is_empty() {
        eprint!(
            "{}",
            crate::report::human(
                &compiled.validated.diagnostics,
                Some(&compiled.validated.loaded.sources),
                style
            )
        );
    }
    let mut compiled = compiled;
    let mut objects = std::mem::take(&mut compiled.tree.objects);
    compiled.tree.files.clear();
    let mut targets = Vec::new();
    for cp in &compiled.plan.clusters {
        let c = &cp.cluster;
        if !args.clusters.is_empty() && !args.clusters.contains(&c.name) {
            continue;
        }
        // Only what lives on the workload cluster: `management/` objects are
        // the management cluster's.
        let prefix = format!("clusters/{}/", c.name);
        let (mine, rest): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|p| p.path.starts_with(&prefix));
        objects = rest;
        let desired: Vec<serde_json::Value> = mine.into_iter().map(|p| p.object).collect();
        let drift_spec = compiled
            .validated
            .spec_for_cluster(&c.name)
            .map(|(s, _)| s.drift.clone())
            .unwrap_or_default();
        let ignores = Ignores::new(
            drift_spec
                .ignore
                .iter()
                .map(|i| (i.kind.as_str(), i.paths.as_slice())),
        );
        let seconds = args
            .timeout
            .or(drift_spec.timeout_seconds.map(u64::from))
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        targets.push(Target {
            cluster: c.name.clone(),
            context: c.context.clone(),
            server: c.server.clone(),
            orphan_only: previous_kinds(&args.out, &c.name),
            desired,
            ignores,
            timeout: Duration::from_secs(seconds),
        });
    }
    drop(objects);
    let platform = compiled.plan.platform.name.clone();
    drop(compiled);
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
    let text = match args.format {
        DriftFormat::Human => render::human(&report, style),
        DriftFormat::Markdown => render::markdown(&report),
        DriftFormat::Json => render::json(&report),
    };
    crate::output::write(text.as_bytes());
    Ok(report.exit_code())
}

/// `(apiVersion, kind)` of the objects of `cluster` in a previously compiled
/// tree (`<out>/clusters/<cluster>/<layer>/*.yaml`); empty when there is none.
/// mlpc writes one object per file in canonical YAML, so the top-level
/// `apiVersion:` and `kind:` lines are enough.
pub fn previous_kinds(out: &Path, cluster: &str) -> BTreeSet<(String, String)> {
    let mut kinds = BTreeSet::new();
    let linked = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let dir = out.join("clusters").join(cluster);
    if linked(out) || linked(&out.join("clusters")) || linked(&dir) {
        return kinds;
    }
    let Ok(layers) = std::fs::read_dir(&dir) else {
        return kinds;
    };
    for layer in layers.flatten() {
        if !layer.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(layer.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name();
            let name = name.to_string_lossy();
            if !name.ends_with(".yaml") || name == "kustomization.yaml" {
                continue;
            }
            // Only regular files of out/: never through a link (or a FIFO).
            if !f.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            let top = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
                    .filter(|v| !v.is_empty())
            };
            if let (Some(v), Some(k)) = (top("apiVersion:"), top("kind:")) {
                kinds.insert((v, k));
            }
        }
    }
    kinds
}

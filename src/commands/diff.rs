//! `mlpc diff --base REV [--head REV]`: compile two revisions in memory (read
//! straight from the Git object database) and compare them object by object.

use std::path::PathBuf;

use mlpc::compile::Compiled;
use mlpc::diff::render::{self, Report};
use mlpc::diff::{self, Options};
use mlpc::emit::Placed;
use mlpc::report::Style;

use super::{CommandError, CommandResult, Outcome, ReportFormat, compile_both, json_text, print};

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Examples:
  mlpc diff --base origin/main                           # working tree against main
  mlpc diff --base HEAD~1 --head HEAD --format markdown > comment.md
  mlpc diff --base main --cluster prod-usw2 --layer tenancy
  mlpc diff --base main --summary --exit-code            # CI: exit 1 when anything changes

Objects are compared by cluster, API group, kind, namespace and name; an
object that only changed file or layer is reported as moved.")]
pub struct DiffArgs {
    /// The revision to compare against: a commit, branch, tag or `HEAD~1`.
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The revision to compare; the working tree when omitted.
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// A directory of blueprint overrides, read at each revision.
    #[arg(long, value_name = "DIR")]
    pub blueprints: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Only this cluster's objects (repeatable; `fleet` for platform-wide ones).
    #[arg(long = "cluster", value_name = "NAME")]
    pub clusters: Vec<String>,
    /// Only objects of this layer (repeatable): management, mesh, pipelines,
    /// training, tuning, serving, tenancy, policy, cost or gitops.
    #[arg(long = "layer", value_name = "LAYER")]
    pub layers: Vec<String>,
    /// Counts per cluster and layer and the cost delta, without the diffs.
    #[arg(long)]
    pub summary: bool,
    /// Exit 1 when there are changes (as `git diff --exit-code` does).
    #[arg(long)]
    pub exit_code: bool,
    /// Lines of context around each changed hunk.
    #[arg(long, default_value_t = 3, value_name = "LINES")]
    pub context: usize,
}

fn check_layers(layers: &[String]) -> Result<(), CommandError> {
    let known = diff::known_layers();
    for l in layers {
        if !known.contains(&l.as_str()) {
            let hint = mlpc::diag::suggest(l, known.iter().copied())
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            return Err(CommandError::Usage(format!(
                "--layer {l}: no such layer{hint}; layers are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn check_clusters(only: &[String], base: &Compiled, head: &Compiled) -> Result<(), CommandError> {
    let mut known: Vec<String> = vec!["fleet".into()];
    for c in [base, head] {
        known.extend(c.plan.clusters.iter().map(|p| p.cluster.name.clone()));
    }
    known.sort();
    known.dedup();
    for c in only {
        if !known.contains(c) {
            let hint = mlpc::diag::suggest(c, known.iter().map(String::as_str))
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            return Err(CommandError::Usage(format!(
                "--cluster {c}: no such cluster at either revision{hint}"
            )));
        }
    }
    Ok(())
}

pub fn run(args: &DiffArgs, style: Style) -> CommandResult {
    check_layers(&args.layers)?;
    let (base, head) = compile_both(
        &args.base,
        args.head.as_deref(),
        &args.spec,
        args.blueprints.as_deref(),
    )?;
    let (b, h) = (&base.compiled, &head.compiled);
    check_clusters(&args.clusters, b, h)?;

    let select = |objs: &[Placed]| -> Vec<Placed> {
        objs.iter()
            .filter(|p| args.clusters.is_empty() || args.clusters.contains(&p.cluster))
            .cloned()
            .collect()
    };
    let opts = Options {
        context: args.context,
        summary_only: args.summary,
    };
    let mut changes = if args.clusters.is_empty() {
        diff::diff_objects(&b.tree.objects, &h.tree.objects, &opts)
    } else {
        diff::diff_objects(&select(&b.tree.objects), &select(&h.tree.objects), &opts)
    };
    changes.retain(|c| c.in_layers(&args.layers));

    let cost = mlpc::cost::delta(
        &mlpc::cost::estimate(&b.validated, &b.plan).only(&args.clusters),
        &mlpc::cost::estimate(&h.validated, &h.plan).only(&args.clusters),
    );
    let report = Report {
        base: base.side.clone(),
        head: head.side.clone(),
        changes: &changes,
        cost: Some(&cost),
        summary_only: args.summary,
    };
    let text = match args.format {
        ReportFormat::Human => render::human(&report, style),
        ReportFormat::Markdown => render::markdown_with_topology(&report, b, h),
        ReportFormat::Json => json_text(&render::json(&report))?,
    };
    print(&text);
    Ok(Outcome::findings_if(args.exit_code && !changes.is_empty()))
}

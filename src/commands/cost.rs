//! `mlpc cost [--base REV]`: the monthly estimate per cluster, node pool and
//! team (the model is in `mlpc::cost`, the report in `mlpc::cost::report`),
//! and its delta against a revision.

use std::path::PathBuf;

use mlpc::cost::estimate_both;
use mlpc::cost::report::{self, View};
use mlpc::report::Style;

use super::{CommandResult, Outcome, ReportFormat, json_text, print};

#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Examples:
  mlpc cost
  mlpc cost --base origin/main --format markdown >> comment.md
  mlpc cost --format json | jq '.estimate.clusters[].monthly'

Each pool costs between min_nodes and max_nodes × hourly_price × hours_per_month;
the estimate takes the nodes the teams' GPU and CPU quotas need within that
range, and each team's share follows its quota. OpenCost's price list in the
compiled output holds the same pool prices (spot pools at theirs).")]
pub struct CostArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// Show the delta against this revision (a commit, branch, tag or `HEAD~1`).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Estimate this revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

pub fn run(args: &CostArgs, style: Style) -> CommandResult {
    let (base, head) = estimate_both(args.base.as_deref(), args.head.as_deref(), &args.spec)?;
    if let Some(list) = head.estimate.mixed_currencies() {
        eprintln!(
            "{} clusters price in different currencies ({}); totals add them as they are",
            style.yellow("warning:"),
            list.join(", ")
        );
    }
    let view = View {
        head: &head.estimate,
        head_side: &head.side,
        base: base.as_ref().map(|b| (&b.estimate, b.side.clone())),
    };
    print(&match args.format {
        ReportFormat::Human => report::human(&view, style),
        ReportFormat::Markdown => report::markdown(&view),
        ReportFormat::Json => json_text(&report::json(&view))?,
    });
    Ok(Outcome::Clean)
}

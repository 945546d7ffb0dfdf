//! `mlpc rollout plan [--base REV]`: the waves in order, the clusters in each
//! and, against a base revision, what each wave changes (`mlpc::rollout`).

use std::path::PathBuf;

use mlpc::compile::{CompileOptions, compile};
use mlpc::report::Style;
use mlpc::rollout;

use super::{CommandResult, Outcome, ReportFormat, compile_both, json_text, print};

#[derive(clap::Subcommand, Debug, Clone)]
pub enum RolloutCommand {
    /// Show the rollout waves and, with --base, what each wave changes.
    #[command(
        after_help = "Examples:\n  mlpc rollout plan\n  mlpc rollout plan --base origin/main --format markdown"
    )]
    Plan(PlanArgs),
}

#[derive(clap::Args, Debug, Clone)]
pub struct PlanArgs {
    #[arg(long, default_value = "ml-platform.toml")]
    pub spec: PathBuf,
    /// Compare against this revision: which clusters each wave changes.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head revision (default: the working tree).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    #[arg(long)]
    pub blueprints: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

pub fn run(cmd: &RolloutCommand, style: Style) -> CommandResult {
    let RolloutCommand::Plan(a) = cmd;
    let (plan, counts, sides) = match &a.base {
        None => {
            let compiled = compile(&CompileOptions {
                spec: a.spec.clone(),
                blueprints: a.blueprints.clone(),
                clusters: vec![],
            })?;
            (compiled.plan, None, None)
        }
        Some(base_rev) => {
            let (base, head) = compile_both(
                base_rev,
                a.head.as_deref(),
                &a.spec,
                a.blueprints.as_deref(),
            )?;
            let counts = rollout::counts(&base.compiled, &head.compiled);
            (
                head.compiled.plan,
                Some(counts),
                Some((base.side.rev, head.side.rev)),
            )
        }
    };
    let (counts, sides) = (counts.as_ref(), sides.as_ref());
    print(&match a.format {
        ReportFormat::Json => json_text(&rollout::to_json(&plan, counts, sides))?,
        ReportFormat::Markdown => rollout::markdown(&plan, counts, sides),
        ReportFormat::Human => rollout::human(&plan, counts, sides, style),
    });
    Ok(Outcome::Clean)
}

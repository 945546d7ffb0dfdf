//! `mlpc rollout plan [--base REV]`: the waves in order, the clusters in each
//! and, against a base revision, which clusters each wave changes and how many
//! objects (from the diff engine).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;

use crate::commands::diff::{ReportFormat, compile_rev, print_out, report_invalid};
use crate::compile::{CompileOptions, compile};
use crate::diff::{self, ChangeKind, Options};
use crate::error::{Error, Result};
use crate::plan::PlatformPlan;
use crate::report::Style;

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

#[derive(Default, Clone, Copy)]
struct Count {
    added: usize,
    removed: usize,
    modified: usize,
    moved: usize,
}

impl Count {
    fn total(&self) -> usize {
        self.added + self.removed + self.modified + self.moved
    }
    fn describe(&self) -> String {
        if self.total() == 0 {
            return "no change".into();
        }
        let parts: Vec<String> = [
            ("added", self.added),
            ("modified", self.modified),
            ("removed", self.removed),
            ("moved", self.moved),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
        format!("{} object(s) change: {}", self.total(), parts.join(", "))
    }
}

pub fn run(cmd: &RolloutCommand, style: Style) -> Result<i32> {
    let RolloutCommand::Plan(a) = cmd;
    let (plan, counts, sides) = match &a.base {
        None => {
            let compiled = match compile(&CompileOptions {
                spec: a.spec.clone(),
                blueprints: a.blueprints.clone(),
                clusters: vec![],
            })? {
                Ok(c) => c,
                Err(invalid) => {
                    eprint!(
                        "{}",
                        crate::report::human(&invalid.diagnostics, Some(&invalid.sources), style)
                    );
                    return Ok(1);
                }
            };
            (compiled.plan, None, None)
        }
        Some(base_rev) => {
            let (base, head) = rayon::join(
                || compile_rev("base", Some(base_rev), &a.spec, a.blueprints.as_deref()),
                || compile_rev("head", a.head.as_deref(), &a.spec, a.blueprints.as_deref()),
            );
            let (base, head) = (base?, head?);
            let (b, h) = match (&base.result, &head.result) {
                (Ok(b), Ok(h)) => (b, h),
                _ => {
                    let invalid: Vec<_> = [&base, &head]
                        .into_iter()
                        .filter_map(|s| {
                            s.result
                                .as_ref()
                                .err()
                                .map(|i| (s.label.as_str(), &s.side, i))
                        })
                        .collect();
                    report_invalid(&invalid, a.format, style);
                    return Ok(1);
                }
            };
            let changes = diff::diff_objects(
                &b.tree.objects,
                &h.tree.objects,
                &Options {
                    context: 0,
                    summary_only: true,
                },
            );
            let mut counts: BTreeMap<String, Count> = BTreeMap::new();
            for c in &changes {
                let e = counts.entry(c.key.cluster.clone()).or_default();
                match c.change {
                    ChangeKind::Added => e.added += 1,
                    ChangeKind::Removed => e.removed += 1,
                    ChangeKind::Modified => e.modified += 1,
                    ChangeKind::Moved => e.moved += 1,
                }
            }
            let removed: Vec<String> = b
                .plan
                .clusters
                .iter()
                .map(|c| c.cluster.name.clone())
                .filter(|n| !h.plan.clusters.iter().any(|c| &c.cluster.name == n))
                .collect();
            (
                h.plan.clone(),
                Some((counts, removed)),
                Some((base.side.rev.clone(), head.side.rev.clone())),
            )
        }
    };
    let text = match a.format {
        ReportFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&to_json(&plan, counts.as_ref(), sides.as_ref()))
                    .map_err(|e| Error::Other(e.to_string()))?;
            s.push('\n');
            s
        }
        ReportFormat::Markdown => markdown(&plan, counts.as_ref(), sides.as_ref()),
        ReportFormat::Human => human(&plan, counts.as_ref(), sides.as_ref(), style),
    };
    print_out(&text);
    Ok(0)
}

type Counts = (BTreeMap<String, Count>, Vec<String>);

fn max_update(v: &Option<serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "all".into(),
    }
}

fn env_of<'a>(plan: &'a PlatformPlan, name: &str) -> &'a str {
    plan.clusters
        .iter()
        .find(|c| c.cluster.name == name)
        .map(|c| c.cluster.environment.as_str())
        .unwrap_or("")
}

fn to_json(
    plan: &PlatformPlan,
    counts: Option<&Counts>,
    sides: Option<&(String, String)>,
) -> serde_json::Value {
    let count_json = |name: &str| {
        counts.map(|(m, _)| {
            let c = m.get(name).copied().unwrap_or_default();
            json!({"total": c.total(), "added": c.added, "modified": c.modified, "removed": c.removed, "moved": c.moved})
        })
    };
    json!({
        "platform": plan.platform.name,
        "base": sides.map(|s| s.0.clone()),
        "head": sides.map(|s| s.1.clone()),
        "waves": plan.waves.iter().map(|w| json!({
            "wave": w.wave,
            "max_update": w.max_update,
            "clusters": w.clusters.iter().map(|c| json!({
                "cluster": c,
                "environment": env_of(plan, c),
                "changes": count_json(c),
            })).collect::<Vec<_>>(),
            "changed_clusters": counts.map(|(m, _)| w.clusters.iter().filter(|c| m.get(*c).is_some_and(|x| x.total() > 0)).count()),
        })).collect::<Vec<_>>(),
        "fleet_changes": count_json("fleet"),
        "removed_clusters": counts.map(|(_, r)| r.clone()),
    })
}

fn human(
    plan: &PlatformPlan,
    counts: Option<&Counts>,
    sides: Option<&(String, String)>,
    style: Style,
) -> String {
    let mut s = format!(
        "Rollout plan for {} ({} wave(s))",
        plan.platform.name,
        plan.waves.len()
    );
    if let Some((b, h)) = sides {
        s.push_str(&format!(", {h} against {b}"));
    }
    s.push('\n');
    if let Some((m, _)) = counts
        && let Some(f) = m.get("fleet")
    {
        s.push_str(&format!("fleet-wide (management): {}\n", f.describe()));
    }
    for w in &plan.waves {
        s.push_str(&format!(
            "{}\n",
            style.bold(&format!(
                "wave {} (maxUpdate: {})",
                w.wave,
                max_update(&w.max_update)
            ))
        ));
        for c in &w.clusters {
            let what = match counts {
                Some((m, _)) => {
                    let n = m.get(c).copied().unwrap_or_default();
                    if n.total() > 0 {
                        style.yellow(&n.describe())
                    } else {
                        style.dim("no change")
                    }
                }
                None => String::new(),
            };
            s.push_str(&format!("  {:<24} {:<12} {what}\n", c, env_of(plan, c)));
        }
    }
    if let Some((_, removed)) = counts
        && !removed.is_empty()
    {
        s.push_str(&format!("removed clusters: {}\n", removed.join(", ")));
    }
    s
}

fn markdown(
    plan: &PlatformPlan,
    counts: Option<&Counts>,
    sides: Option<&(String, String)>,
) -> String {
    let mut s = format!("### Rollout plan for `{}`", plan.platform.name);
    if let Some((b, h)) = sides {
        s.push_str(&format!(" (`{h}` against `{b}`)"));
    }
    s.push_str("\n\n| wave | max update | cluster | environment |");
    if counts.is_some() {
        s.push_str(" change |");
    }
    s.push_str("\n|---|---|---|---|");
    if counts.is_some() {
        s.push_str("---|");
    }
    s.push('\n');
    for w in &plan.waves {
        for c in &w.clusters {
            s.push_str(&format!(
                "| {} | {} | `{c}` | {} |",
                w.wave,
                max_update(&w.max_update),
                env_of(plan, c)
            ));
            if let Some((m, _)) = counts {
                s.push_str(&format!(
                    " {} |",
                    m.get(c).copied().unwrap_or_default().describe()
                ));
            }
            s.push('\n');
        }
    }
    if let Some((m, removed)) = counts {
        if let Some(f) = m.get("fleet") {
            s.push_str(&format!(
                "\nFleet-wide (management cluster): {}.\n",
                f.describe()
            ));
        }
        if !removed.is_empty() {
            s.push_str(&format!("\nRemoved clusters: {}.\n", removed.join(", ")));
        }
    }
    s
}

//! `mlpc diff --base REV [--head REV]`: compile two revisions in memory (read
//! straight from the Git object database) and compare them object by object.

use std::path::{Path, PathBuf};

use crate::compile::{Compiled, Invalid, compile_with};
use crate::diff::render::{self, Report, Side};
use crate::diff::{self, Options};
use crate::emit::Placed;
use crate::error::{Error, Result};
use crate::render::Blueprints;
use crate::report::Style;
use crate::spec::git::GitFiles;
use crate::spec::load::Disk;

/// Output formats of `mlpc diff` and `mlpc cost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Colored text for a terminal.
    Human,
    /// A pull-request comment.
    Markdown,
    /// Stable JSON for tools.
    Json,
}

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

/// One compiled side, or why it is not.
pub struct CompiledSide {
    pub side: Side,
    pub label: String,
    pub result: std::result::Result<Compiled, Invalid>,
}

/// Compile `rev` (the working tree when `None`) of the spec at `spec`.
pub fn compile_rev(
    what: &str,
    rev: Option<&str>,
    spec: &Path,
    blueprints: Option<&Path>,
) -> Result<CompiledSide> {
    match rev {
        Some(rev) => {
            let files = GitFiles::open(rev)?;
            let side = Side {
                rev: rev.to_string(),
                commit: Some(files.commit().to_string()),
            };
            let label = format!("{what} revision {rev} ({})", files.short_commit());
            let bp = match blueprints {
                Some(dir) => match files.blueprints(dir).map_err(|e| context(&label, e))? {
                    Some(b) => b,
                    None => {
                        eprintln!(
                            "note: {label} has no {}; using the embedded blueprints",
                            dir.display()
                        );
                        Blueprints::embedded()
                    }
                },
                None => Blueprints::embedded(),
            };
            let result = compile_with(&files, spec, bp, &[]).map_err(|e| context(&label, e))?;
            Ok(CompiledSide {
                side,
                label,
                result,
            })
        }
        None => {
            let label = format!("{what} (working tree)");
            let bp = match blueprints {
                Some(dir) => Blueprints::with_overrides(dir)?,
                None => Blueprints::embedded(),
            };
            let result = compile_with(&Disk, spec, bp, &[]).map_err(|e| context(&label, e))?;
            Ok(CompiledSide {
                side: Side::working_tree(),
                label,
                result,
            })
        }
    }
}

/// Prefix an error with the side it happened on, keeping its exit code.
fn context(label: &str, e: Error) -> Error {
    match e {
        Error::Usage(m) => Error::Usage(format!("{label}: {m}")),
        Error::InvalidSpec(d) => Error::InvalidSpec(d),
        other => Error::Other(format!("{label}: {other}")),
    }
}

/// Print "spec invalid" for each (label, side, findings), in the requested
/// format.
pub fn report_invalid(invalid: &[(&str, &Side, &Invalid)], format: ReportFormat, style: Style) {
    let mut out = String::new();
    match format {
        ReportFormat::Human => {
            for (label, _, i) in invalid {
                out.push_str(&format!("{} {label}: spec invalid\n", style.red("error:")));
                out.push_str(&crate::report::human(
                    &i.diagnostics,
                    Some(&i.sources),
                    style,
                ));
            }
        }
        ReportFormat::Markdown => {
            let plain = Style { color: false };
            for (label, _, i) in invalid {
                out.push_str(&format!("### mlpc: {label}: spec invalid\n\n```\n"));
                out.push_str(
                    &crate::report::human(&i.diagnostics, Some(&i.sources), plain)
                        .replace("```", "'''"),
                );
                out.push_str("```\n\n");
            }
        }
        ReportFormat::Json => {
            let errors: Vec<serde_json::Value> = invalid
                .iter()
                .map(|(label, side, i)| {
                    serde_json::json!({
                        "revision": side.rev,
                        "commit": side.commit,
                        "error": format!("{label}: spec invalid"),
                        "diagnostics": i.diagnostics,
                    })
                })
                .collect();
            let v = serde_json::json!({ "errors": errors });
            out.push_str(&serde_json::to_string_pretty(&v).unwrap_or_default());
            out.push('\n');
        }
    }
    print_out(&out);
}

/// Write to stdout; a failed write (a full disk, a closed pipe) exits 2.
pub fn print_out(text: &str) {
    crate::output::write(text.as_bytes());
}

fn check_layers(layers: &[String]) -> Result<()> {
    let known = diff::known_layers();
    for l in layers {
        if !known.contains(&l.as_str()) {
            let hint = crate::diag::suggest(l, known.iter().copied())
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "--layer {l}: no such layer{hint}; layers are {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

fn check_clusters(only: &[String], base: &Compiled, head: &Compiled) -> Result<()> {
    let mut known: Vec<String> = vec!["fleet".into()];
    for c in [base, head] {
        known.extend(c.plan.clusters.iter().map(|p| p.cluster.name.clone()));
    }
    known.sort();
    known.dedup();
    for c in only {
        if !known.contains(c) {
            let hint = crate::diag::suggest(c, known.iter().map(String::as_str))
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            return Err(Error::Usage(format!(
                "--cluster {c}: no such cluster at either revision{hint}"
            )));
        }
    }
    Ok(())
}

pub fn run(args: &DiffArgs, style: Style) -> Result<i32> {
    check_layers(&args.layers)?;
    let (base, head) = rayon::join(
        || {
            compile_rev(
                "base",
                Some(&args.base),
                &args.spec,
                args.blueprints.as_deref(),
            )
        },
        || {
            compile_rev(
                "head",
                args.head.as_deref(),
                &args.spec,
                args.blueprints.as_deref(),
            )
        },
    );
    let (base, head) = (base?, head?);
    let (b, h) = match (&base.result, &head.result) {
        (Ok(b), Ok(h)) => (b, h),
        _ => {
            let invalid: Vec<(&str, &Side, &Invalid)> = [&base, &head]
                .into_iter()
                .filter_map(|s| {
                    s.result
                        .as_ref()
                        .err()
                        .map(|i| (s.label.as_str(), &s.side, i))
                })
                .collect();
            report_invalid(&invalid, args.format, style);
            return Ok(1);
        }
    };
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

    let cost = crate::cost::delta(
        &crate::cost::estimate(&b.validated, &b.plan).only(&args.clusters),
        &crate::cost::estimate(&h.validated, &h.plan).only(&args.clusters),
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
        ReportFormat::Markdown => {
            let mut text = render::markdown(&report);
            // A picture beats a table when clusters, pools, teams or models
            // change; it must not push the comment over the size limit.
            if crate::commands::graph::topology(&b.plan)
                != crate::commands::graph::topology(&h.plan)
            {
                let graph = crate::commands::graph::mermaid(
                    &h.plan,
                    &crate::commands::graph::present_layers(h),
                );
                let section = format!(
                    "\n#### Platform topology changed: the head revision\n\n```mermaid\n{graph}```\n"
                );
                if text.len() + section.len() <= render::MARKDOWN_LIMIT {
                    text.push_str(&section);
                } else {
                    text.push_str("\nPlatform topology changed; the picture is too large for this comment: run `mlpc graph`.\n");
                }
            }
            text
        }
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&render::json(&report))
                .map_err(|e| Error::Other(e.to_string()))?;
            s.push('\n');
            s
        }
    };
    print_out(&text);
    Ok(if args.exit_code && !changes.is_empty() {
        1
    } else {
        0
    })
}

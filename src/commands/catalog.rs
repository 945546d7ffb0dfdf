//! `mlpc catalog`: the built-in component catalog — what `[components]` and
//! per-cluster pins may name, the default versions, the release lines mlpc
//! renders for, where each installs from, and the combinations known to break.

use serde_json::json;

use mlpc::catalog::{CATALOG, EXTERNAL_CLOUD_FLAGS, INCOMPATIBLE, KUBERNETES_LINES, Source};
use mlpc::plan::addons;
use mlpc::report::Style;

use super::{CommandResult, Format, Outcome, print};

#[derive(clap::Args, Debug, Clone)]
#[command(
    after_help = "Examples:\n  mlpc catalog\n  mlpc catalog --format json | jq '.components[] | select(.key == \"kserve\")'"
)]
pub struct CatalogArgs {
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

fn lines(l: &[(u64, u64)]) -> Vec<String> {
    l.iter().map(|(a, b)| format!("{a}.{b}")).collect()
}

fn source_text(s: &Source) -> String {
    match s {
        Source::Helm { repo, chart } => format!("Helm chart {chart} from {repo}"),
        Source::Git { repo, path } => format!("kustomize {path} in {repo}"),
        Source::Management => "management cluster (clusterctl providers)".into(),
    }
}

fn render(format: Format) -> String {
    match format {
        Format::Json => {
            let v = json!({
                "components": CATALOG.iter().map(|c| json!({
                    "key": c.key,
                    "default": c.default,
                    "release_lines": lines(c.lines),
                    "source": c.source,
                })).collect::<Vec<_>>(),
                "incompatible": INCOMPATIBLE.iter().map(|(components, rule)| json!({
                    "components": components,
                    "rule": rule,
                })).collect::<Vec<_>>(),
                "addons": addons::ALL,
                "kubernetes": {
                    "release_lines": lines(KUBERNETES_LINES),
                    "external_cloud_flags": EXTERNAL_CLOUD_FLAGS,
                },
            });
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Human => {
            let mut out = String::from(
                "Components ([components] keys and per-cluster `components` pins):\n\n",
            );
            let rows: Vec<[String; 4]> = CATALOG
                .iter()
                .map(|c| {
                    [
                        c.key.to_string(),
                        c.default.to_string(),
                        lines(c.lines).join(", "),
                        source_text(&c.source),
                    ]
                })
                .collect();
            let head = ["component", "default", "release lines", "installs from"];
            let mut width = head.map(str::len);
            for r in &rows {
                for (w, cell) in width.iter_mut().zip(r) {
                    *w = (*w).max(cell.len());
                }
            }
            let mut line = |cells: [&str; 4]| {
                let text = format!(
                    "  {:<w0$}  {:<w1$}  {:<w2$}  {}",
                    cells[0],
                    cells[1],
                    cells[2],
                    cells[3],
                    w0 = width[0],
                    w1 = width[1],
                    w2 = width[2]
                );
                out.push_str(text.trim_end());
                out.push('\n');
            };
            line(head);
            for r in &rows {
                line([&r[0], &r[1], &r[2], &r[3]]);
            }
            out.push_str("\nKnown-incompatible combinations (validation error E113):\n");
            for (components, rule) in INCOMPATIBLE {
                out.push_str(&format!("  {}: {rule}\n", components.join(" + ")));
            }
            out.push_str(
                "\nPin a version in ml-platform.toml: [components] kserve = \"v0.16.1\", or per cluster.\n",
            );
            out.push_str(
                "\nBootstrap add-ons of new clusters (pinned; per provider, see the README):\n",
            );
            for a in addons::ALL {
                let from = if a.path.is_empty() {
                    format!("Helm chart {} {} from {}", a.chart, a.version, a.repo)
                } else {
                    format!("kustomize {} at {} in {}", a.path, a.version, a.repo)
                };
                out.push_str(&format!("  {}: {from} ({})\n", a.name, a.why));
            }
            out.push_str(&format!(
                "\nKubernetes release lines with known component flags: {}\n",
                lines(KUBERNETES_LINES).join(", ")
            ));
            for f in EXTERNAL_CLOUD_FLAGS {
                let until = f
                    .removed_in
                    .map(|(a, b)| format!(", removed in {a}.{b}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {:?} --{}={} on self-managed clouds{until}: {}\n",
                    f.component, f.name, f.value, f.why
                ));
            }
            out
        }
    }
}

pub fn run(a: &CatalogArgs, _style: Style) -> CommandResult {
    print(&render(a.format));
    Ok(Outcome::Clean)
}

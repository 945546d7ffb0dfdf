//! Fleet rollouts (`mlpc rollout plan`): the waves in order, the clusters in
//! each and, against a base revision, which clusters each wave changes and
//! how many objects (from the diff engine).

use std::collections::BTreeMap;

use serde_json::json;

use crate::compile::Compiled;
use crate::diff::{self, ChangeKind, Options};
use crate::plan::PlatformPlan;
use crate::report::Style;

#[derive(Default, Clone, Copy)]
pub struct Count {
    pub added: usize,
    pub removed: usize,
    pub modified: usize,
    pub moved: usize,
}

impl Count {
    pub fn total(&self) -> usize {
        self.added + self.removed + self.modified + self.moved
    }
    pub fn describe(&self) -> String {
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

/// Changed objects per cluster (`fleet` for the management cluster's
/// platform-wide ones), and the clusters the head no longer has.
pub type Counts = (BTreeMap<String, Count>, Vec<String>);

/// What changes between two compiles, per cluster.
pub fn counts(base: &Compiled, head: &Compiled) -> Counts {
    let changes = diff::diff_objects(
        &base.tree.objects,
        &head.tree.objects,
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
    let removed: Vec<String> = base
        .plan
        .clusters
        .iter()
        .map(|c| c.cluster.name.clone())
        .filter(|n| !head.plan.clusters.iter().any(|c| &c.cluster.name == n))
        .collect();
    (counts, removed)
}

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

pub fn to_json(
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

pub fn human(
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

pub fn markdown(
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

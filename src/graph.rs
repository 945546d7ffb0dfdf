//! A picture of the platform (Mermaid or Graphviz dot): clusters by wave,
//! their node pools, teams with quotas, served models, and the layers each
//! cluster gets (`mlpc graph`, and the diff comment when the topology changed).

use std::fmt::Write;

use crate::compile::Compiled;
use crate::plan::PlatformPlan;

/// The layers each cluster gets, in layer order.
pub fn present_layers(compiled: &Compiled) -> Vec<(String, Vec<String>)> {
    compiled
        .plan
        .clusters
        .iter()
        .map(|c| {
            let mut layers: Vec<String> = compiled
                .tree
                .objects
                .iter()
                .filter(|o| {
                    o.cluster == c.cluster.name && crate::emit::layout::is_workload_file(&o.path)
                })
                .map(|o| o.layer.clone())
                .collect();
            layers.sort_by_key(|l| crate::plan::LAYERS.iter().position(|x| x == l));
            layers.dedup();
            (c.cluster.name.clone(), layers)
        })
        .collect()
}

/// One cluster as the picture shows it: name, wave, pools, teams, models.
pub type ClusterShape = (String, u32, Vec<String>, Vec<String>, Vec<String>);

/// What the picture shows: clusters with their waves, pools, teams and
/// models. Two plans with the same topology draw the same graph.
pub fn topology(plan: &PlatformPlan) -> Vec<ClusterShape> {
    plan.clusters
        .iter()
        .map(|c| {
            (
                c.cluster.name.clone(),
                c.cluster.wave,
                c.pools
                    .iter()
                    .map(|p| format!("{}:{}..{}", p.name, p.min_nodes, p.max_nodes))
                    .collect(),
                c.teams.iter().map(|t| t.name.clone()).collect(),
                c.serving.models.iter().map(|m| m.name.clone()).collect(),
            )
        })
        .collect()
}

fn id(parts: &[&str]) -> String {
    parts.join("_").replace(['-', '.'], "_")
}

fn layers_of<'a>(present: &'a [(String, Vec<String>)], cluster: &str) -> &'a [String] {
    present
        .iter()
        .find(|(c, _)| c == cluster)
        .map(|(_, l)| l.as_slice())
        .unwrap_or(&[])
}

/// Mermaid flowchart: one subgraph per wave, a node per cluster, its pools,
/// teams and models.
pub fn mermaid(plan: &PlatformPlan, present: &[(String, Vec<String>)]) -> String {
    let mut s = String::from("flowchart LR\n");
    for w in &plan.waves {
        let _ = writeln!(s, "  subgraph wave{}[\"wave {}\"]", w.wave, w.wave);
        for name in &w.clusters {
            let Some(c) = plan.clusters.iter().find(|c| &c.cluster.name == name) else {
                continue;
            };
            let _ = writeln!(
                s,
                "    {}[\"<b>{}</b><br/>{} · {} {}<br/>layers: {}\"]",
                id(&[name]),
                name,
                c.cluster.environment,
                c.cluster.provider,
                c.cluster.region,
                layers_of(present, name).join(", ")
            );
        }
        let _ = writeln!(s, "  end");
    }
    for w in plan.waves.windows(2) {
        let _ = writeln!(s, "  wave{} ==> wave{}", w[0].wave, w[1].wave);
    }
    for c in &plan.clusters {
        let cid = id(&[&c.cluster.name]);
        for p in &c.pools {
            let gpu = p
                .gpu
                .as_ref()
                .map(|g| format!(", {}× {}", g.count, g.kind))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {cid} --- {}([\"pool {}: {}..{} × {}{gpu}\"])",
                id(&[&c.cluster.name, "pool", &p.name]),
                p.name,
                p.min_nodes,
                p.max_nodes,
                p.instance_type
            );
        }
        for t in &c.teams {
            let _ = writeln!(
                s,
                "  {cid} --- {}{{{{\"team {}: {} GPU, {} CPU, {}\"}}}}",
                id(&[&c.cluster.name, "team", &t.name]),
                t.name,
                t.quota.gpu,
                t.quota.kueue_cpu,
                t.quota.kueue_memory
            );
        }
        for m in &c.serving.models {
            let canary = m
                .canary
                .as_ref()
                .map(|c| format!(", canary {}%", c.percent))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {} --> {}[/\"model {} ({}{canary})\"/]",
                id(&[&c.cluster.name, "team", &m.team]),
                id(&[&c.cluster.name, "model", &m.name]),
                m.name,
                m.format
            );
        }
    }
    s
}

pub fn dot(plan: &PlatformPlan, present: &[(String, Vec<String>)]) -> String {
    let mut s = String::from(
        "digraph platform {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for w in &plan.waves {
        let _ = writeln!(
            s,
            "  subgraph cluster_wave{} {{\n    label=\"wave {}\";",
            w.wave, w.wave
        );
        for name in &w.clusters {
            let Some(c) = plan.clusters.iter().find(|c| &c.cluster.name == name) else {
                continue;
            };
            let _ = writeln!(
                s,
                "    {} [label=\"{}\\n{} · {} {}\\nlayers: {}\", style=bold];",
                id(&[name]),
                name,
                c.cluster.environment,
                c.cluster.provider,
                c.cluster.region,
                layers_of(present, name).join(", ")
            );
        }
        s.push_str("  }\n");
    }
    for c in &plan.clusters {
        let cid = id(&[&c.cluster.name]);
        for p in &c.pools {
            let gpu = p
                .gpu
                .as_ref()
                .map(|g| format!(", {}x {}", g.count, g.kind))
                .unwrap_or_default();
            let pid = id(&[&c.cluster.name, "pool", &p.name]);
            let _ = writeln!(
                s,
                "  {pid} [shape=component, label=\"pool {}: {}..{} x {}{gpu}\"];\n  {cid} -> {pid};",
                p.name, p.min_nodes, p.max_nodes, p.instance_type
            );
        }
        for t in &c.teams {
            let tid = id(&[&c.cluster.name, "team", &t.name]);
            let _ = writeln!(
                s,
                "  {tid} [shape=folder, label=\"team {}: {} GPU\"];\n  {cid} -> {tid};",
                t.name, t.quota.gpu
            );
        }
        for m in &c.serving.models {
            let mid = id(&[&c.cluster.name, "model", &m.name]);
            let _ = writeln!(
                s,
                "  {mid} [shape=ellipse, label=\"model {}\"];\n  {} -> {mid};",
                m.name,
                id(&[&c.cluster.name, "team", &m.team])
            );
        }
    }
    s.push_str("}\n");
    s
}

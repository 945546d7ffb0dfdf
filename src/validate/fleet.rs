//! Fleet rules: they compare clusters across environments, so they run after
//! every environment's view is validated, on all the merged specs at once.

use std::collections::BTreeMap;

use crate::catalog::{self, Version};
use crate::diag::Diagnostic;
use crate::spec::model::Spec;
use crate::spec::source::SourceMap;
use crate::spec::tree::{Node, Seg, path_to_string};

/// A cluster as its own environment sees it.
struct Member<'a> {
    index: usize,
    name: &'a str,
    environment: &'a str,
    wave: u32,
    versions: BTreeMap<&'static str, String>,
    spec: &'a Spec,
}

fn is_production(env: &str) -> bool {
    matches!(env, "prod" | "production") || env.starts_with("prod-")
}

pub fn check(
    envs: &BTreeMap<String, Spec>,
    cluster_views: &BTreeMap<String, Spec>,
    trees: &BTreeMap<String, Node>,
    sources: &SourceMap,
) -> Vec<Diagnostic> {
    let mut members: Vec<Member<'_>> = Vec::new();
    for (env, env_spec) in envs {
        for (index, c) in env_spec.clusters.iter().enumerate() {
            // A cluster with its own overlay is judged by that view (its pins).
            let (spec, c) = match cluster_views
                .get(&c.name)
                .and_then(|s| s.clusters.iter().find(|x| x.name == c.name).map(|x| (s, x)))
            {
                Some(v) => v,
                None => (env_spec, c),
            };
            if &c.environment == env {
                members.push(Member {
                    index,
                    name: &c.name,
                    environment: &c.environment,
                    wave: c.wave,
                    versions: catalog::resolve(&spec.components, &c.components),
                    spec,
                });
            }
        }
    }
    members.sort_by_key(|m| (m.wave, m.index));
    let mut out = Vec::new();
    let locate = |env: &str, path: Vec<Seg>, mut d: Diagnostic| -> Diagnostic {
        if let Some(tree) = trees.get(env) {
            let (node, _) = tree.lookup(&path);
            d.position = Some(sources.position(node.loc));
            d.path = Some(path_to_string(&path));
        }
        d
    };

    // W141: a later wave runs a newer version than every earlier wave has.
    for comp in catalog::CATALOG {
        for (i, m) in members.iter().enumerate() {
            let Some(v) = m.versions.get(comp.key).and_then(|s| Version::parse(s)) else {
                continue;
            };
            let earlier: Vec<&Member<'_>> =
                members[..i].iter().filter(|e| e.wave < m.wave).collect();
            if earlier.is_empty() {
                continue;
            }
            let newest_before = earlier
                .iter()
                .filter_map(|e| e.versions.get(comp.key).and_then(|s| Version::parse(s)))
                .max();
            if let Some(before) = newest_before
                && v > before
            {
                let pinned_here = catalog::overrides(&m.spec.clusters[m.index].components)
                    .iter()
                    .any(|(k, x)| *k == comp.key && x.is_some());
                let path = if pinned_here {
                    vec![
                        Seg::from("clusters"),
                        Seg::Index(m.index),
                        Seg::from("components"),
                        Seg::from(comp.key),
                    ]
                } else if catalog::overrides(&m.spec.components)
                    .iter()
                    .any(|(k, x)| *k == comp.key && x.is_some())
                {
                    vec![Seg::from("components"), Seg::from(comp.key)]
                } else {
                    vec![
                        Seg::from("clusters"),
                        Seg::Index(m.index),
                        Seg::from("wave"),
                    ]
                };
                out.push(locate(
                    m.environment,
                    path,
                    Diagnostic::warning(
                        "W141",
                        format!(
                            "cluster \"{}\" (wave {}) runs {} {v}, newer than any cluster of an earlier wave ({before}): the upgrade skips its canary",
                            m.name, m.wave, comp.key
                        ),
                    )
                    .with_hint("roll the new version out to an earlier wave first, or pin this cluster to the earlier version"),
                ));
            }
        }
    }

    // W142: every production cluster in the first wave leaves no canary.
    if let Some(first) = members.first().map(|m| m.wave) {
        let prod: Vec<&Member<'_>> = members
            .iter()
            .filter(|m| is_production(m.environment))
            .collect();
        let distinct_waves = members
            .iter()
            .map(|m| m.wave)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if !prod.is_empty()
            && prod.iter().all(|m| m.wave == first)
            && (distinct_waves > 1 || members.len() > prod.len() || prod.len() > 1)
        {
            let m = prod[0];
            out.push(locate(
                m.environment,
                vec![Seg::from("clusters"), Seg::Index(m.index), Seg::from("wave")],
                Diagnostic::warning(
                    "W142",
                    format!(
                        "every production cluster is in the first wave ({first}): a bad change reaches all of production at once"
                    ),
                )
                .with_hint("put a canary (a staging cluster, or one production cluster) in an earlier wave"),
            ));
        }
    }

    // E143 / W144: per-wave settings.
    if let Some((env, spec)) = envs.iter().next() {
        let waves: std::collections::BTreeSet<u32> = members.iter().map(|m| m.wave).collect();
        for (i, w) in spec.fleet.waves.iter().enumerate() {
            if let Some(q) = &w.max_update {
                let ok = match q.0.strip_suffix('%') {
                    Some(p) => p.parse::<u32>().is_ok_and(|n| n <= 100),
                    None => q.0.parse::<u32>().is_ok(),
                };
                if !ok {
                    out.push(locate(
                        env,
                        vec![Seg::from("fleet"), Seg::from("waves"), Seg::Index(i), Seg::from("max_update")],
                        Diagnostic::error("E143", format!("fleet wave {}: max_update \"{}\" is neither a count nor a percentage", w.wave, q.0))
                            .with_hint("write a number of clusters (2) or a share (\"25%\")"),
                    ));
                }
            }
            if !waves.contains(&w.wave) {
                out.push(locate(
                    env,
                    vec![
                        Seg::from("fleet"),
                        Seg::from("waves"),
                        Seg::Index(i),
                        Seg::from("wave"),
                    ],
                    Diagnostic::warning(
                        "W144",
                        format!("fleet settings for wave {}, which has no cluster", w.wave),
                    )
                    .with_hint("remove the entry or fix the wave number"),
                ));
            }
        }
    }
    out
}

//! Validation: structure (schema) then semantics (rules), on every
//! environment's merged view, reported all at once.

pub mod fleet;
pub mod injection;
pub mod names;
pub mod rules;
pub mod secrets;
pub mod structural;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{self, Diagnostic};
use crate::spec::load::Loaded;
use crate::spec::model::Spec;
use crate::spec::source::SourceMap;
use crate::spec::tree::{Node, Seg, path_to_string};

/// A spec that passed validation (it may still carry warnings).
#[derive(Debug)]
pub struct Validated {
    pub loaded: Loaded,
    /// The typed spec of each environment (base merged with its overlay).
    pub envs: BTreeMap<String, Spec>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validated {
    /// The merged spec that applies to cluster `name`.
    pub fn spec_for_cluster(&self, name: &str) -> Option<(&Spec, &crate::spec::model::Cluster)> {
        self.envs.values().find_map(|spec| {
            spec.clusters
                .iter()
                .find(|c| c.name == name)
                .filter(|c| {
                    self.envs
                        .get(&c.environment)
                        .is_some_and(|s| std::ptr::eq(s, spec))
                })
                .map(|c| (spec, c))
        })
    }

    /// Cluster names in spec order (from the base view).
    pub fn cluster_names(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for spec in self.envs.values() {
            for c in &spec.clusters {
                if self
                    .envs
                    .get(&c.environment)
                    .is_some_and(|s| std::ptr::eq(s, spec))
                    && seen.insert(c.name.clone())
                {
                    out.push(c.name.clone());
                }
            }
        }
        // Spec order of the base file, so output order is what the user wrote.
        let order: Vec<String> = self
            .loaded
            .base
            .get("clusters")
            .and_then(|n| match &n.value {
                crate::spec::tree::Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|c| c.get("name").and_then(Node::as_str).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default();
        out.sort_by_key(|n| order.iter().position(|o| o == n).unwrap_or(usize::MAX));
        out
    }
}

/// Environments to validate: every cluster's, plus every overlay file's.
fn environments(loaded: &Loaded) -> BTreeSet<String> {
    let mut envs: BTreeSet<String> = loaded.overlays.keys().cloned().collect();
    if let Some(crate::spec::tree::Value::Array(clusters)) =
        loaded.base.get("clusters").map(|n| &n.value)
    {
        for c in clusters {
            if let Some(e) = c.get("environment").and_then(Node::as_str) {
                envs.insert(e.to_string());
            }
        }
    }
    envs
}

fn locate(sources: &SourceMap, tree: &Node, mut d: Diagnostic, path: &[Seg]) -> Diagnostic {
    let (node, _) = tree.lookup(path);
    d.position = Some(sources.position(node.loc));
    if !path.is_empty() {
        d.path = Some(path_to_string(path));
    }
    d
}

/// Validate the loaded spec. `only_env` restricts the views to one environment.
pub fn validate(
    loaded: Loaded,
    only_env: Option<&str>,
) -> Result<Validated, Box<(Loaded, Vec<Diagnostic>)>> {
    let mut diags = Vec::new();
    let mut envs = BTreeMap::new();
    let mut all_envs = environments(&loaded);
    if all_envs.is_empty() {
        // No cluster names an environment: validate the base alone.
        all_envs.insert(String::new());
    }
    let cluster_envs: BTreeSet<String> = {
        let mut s = BTreeSet::new();
        if let Some(crate::spec::tree::Value::Array(cs)) =
            loaded.base.get("clusters").map(|n| &n.value)
        {
            for c in cs {
                if let Some(e) = c.get("environment").and_then(Node::as_str) {
                    s.insert(e.to_string());
                }
            }
        }
        s
    };
    let mut trees = BTreeMap::new();
    for env in &all_envs {
        if let Some(o) = only_env
            && o != env
        {
            continue;
        }
        let tree = loaded.effective(env);
        if let Some(overlay) = loaded.overlays.get(env) {
            diags.extend(new_overlay_entries(&loaded.base, overlay, &loaded.sources));
        }
        for (d, path) in secrets::scan(&tree) {
            diags.push(locate(&loaded.sources, &tree, d, &path));
        }
        for (d, path) in injection::scan(&tree)
            .into_iter()
            .chain(injection::broad_drift_ignores(&tree))
        {
            diags.push(locate(&loaded.sources, &tree, d, &path));
        }
        let structural = structural::check(&tree, &loaded.sources);
        let failed = diag::has_errors(&structural);
        diags.extend(structural);
        if failed {
            continue;
        }
        let spec: Spec = match serde_json::from_value(tree.to_json()) {
            Ok(s) => s,
            Err(e) => {
                // The schema and serde disagree: report rather than panic.
                diags.push(locate(
                    &loaded.sources,
                    &tree,
                    Diagnostic::error("E005", format!("invalid spec: {e}")),
                    &[],
                ));
                continue;
            }
        };
        let view_env = if env.is_empty() {
            None
        } else {
            Some(env.as_str())
        };
        for f in rules::Rules::run(&spec, view_env) {
            diags.push(locate(&loaded.sources, &tree, f.diag, &f.path));
        }
        if !env.is_empty()
            && !cluster_envs.contains(env)
            && let Some(o) = loaded.overlays.get(env)
        {
            {
                diags.push(
                    Diagnostic::warning("W129", format!("overlay for environment \"{env}\" applies to no cluster"))
                        .with_hint("no [[clusters]] entry has this environment; rename the file or add a cluster")
                        .at(loaded.sources.position(o.loc)),
                );
            }
        }
        envs.insert(env.clone(), spec);
        trees.insert(env.clone(), tree);
    }
    if only_env.is_none() && !diag::has_errors(&diags) {
        diags.extend(fleet::check(&envs, &trees, &loaded.sources));
    }
    diag::normalize(&mut diags);
    if diag::has_errors(&diags) {
        return Err(Box::new((loaded, diags)));
    }
    Ok(Validated {
        loaded,
        envs,
        diagnostics: diags,
    })
}

/// W138: an overlay entry (`[[teams]] name = "vison"`) whose name matches no
/// entry of the base is usually a typo that silently adds a half-empty entry.
fn new_overlay_entries(base: &Node, overlay: &Node, sources: &SourceMap) -> Vec<Diagnostic> {
    use crate::spec::tree::Value;
    let mut out = Vec::new();
    overlay.walk(&mut Vec::new(), &mut |path, node| {
        let Value::Array(items) = &node.value else {
            return;
        };
        let (base_node, found) = base.lookup(path);
        if !found {
            return;
        }
        let Value::Array(base_items) = &base_node.value else {
            return;
        };
        let base_names: Vec<&str> = base_items
            .iter()
            .filter_map(|n| n.get("name").and_then(Node::as_str))
            .collect();
        if base_names.is_empty() {
            return;
        }
        for item in items {
            let Some(name_node) = item.get("name") else {
                continue;
            };
            let Some(name) = name_node.as_str() else {
                continue;
            };
            if base_names.contains(&name) {
                continue;
            }
            let hint = match crate::diag::suggest(name, base_names.iter().copied()) {
                Some(s) => {
                    format!("did you mean \"{s}\"? An overlay entry with a new name adds an entry")
                }
                None => format!(
                    "no base entry has this name (known: {}); the overlay adds a new entry",
                    base_names.join(", ")
                ),
            };
            let mut d = Diagnostic::warning(
                "W138",
                format!(
                    "overlay entry `{}` named \"{name}\" matches no entry of the base spec",
                    path_to_string(path)
                ),
            )
            .with_hint(hint)
            .at(sources.position(name_node.loc));
            d.path = Some(path_to_string(path));
            out.push(d);
        }
    });
    out
}

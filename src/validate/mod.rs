//! Validation: structure (schema) then semantics (rules), on every
//! environment's merged view, reported all at once.

pub mod clusters;
pub mod fleet;
pub mod injection;
pub mod names;
pub mod rules;
pub mod secrets;
pub mod serving;
pub mod storage;
pub mod stores;
pub mod structural;

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{self, Diagnostic};
use crate::error::{Invalid, Result};
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
    /// The typed spec of each cluster that has a `clusters/<name>.toml`
    /// (base, its environment's overlay, then its own).
    pub cluster_views: BTreeMap<String, Spec>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validated {
    /// The merged spec that applies to cluster `name`.
    pub fn spec_for_cluster(&self, name: &str) -> Option<(&Spec, &crate::spec::model::Cluster)> {
        if let Some(spec) = self.cluster_views.get(name) {
            return spec
                .clusters
                .iter()
                .find(|c| c.name == name)
                .map(|c| (spec, c));
        }
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
pub fn environment_names(loaded: &Loaded) -> BTreeSet<String> {
    environments(loaded)
}

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
/// A spec with errors is an [`crate::error::Error::InvalidSpec`] holding every finding.
pub fn validate(loaded: Loaded, only_env: Option<&str>) -> Result<Validated> {
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
    let overlaid: BTreeSet<String> = loaded.cluster_overlays.keys().cloned().collect();
    let mut trees = BTreeMap::new();
    for env in &all_envs {
        if let Some(o) = only_env
            && o != env
        {
            continue;
        }
        let tree = loaded.effective(env);
        let new_entries = match loaded.overlays.get(env) {
            Some(overlay) => new_overlay_entries(&loaded.base, overlay, &loaded.sources),
            None => Vec::new(),
        };
        let scope = if env.is_empty() {
            Scope::Env(None, &overlaid)
        } else {
            Scope::Env(Some(env.as_str()), &overlaid)
        };
        let Some(spec) = check_view(&loaded, &tree, new_entries, scope, &mut diags) else {
            continue;
        };
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
    let cluster_views = check_cluster_overlays(&loaded, only_env, &mut diags);
    if only_env.is_none() && !diag::has_errors(&diags) {
        diags.extend(fleet::check(&envs, &cluster_views, &trees, &loaded.sources));
    }
    diag::normalize(&mut diags);
    if diag::has_errors(&diags) {
        return Err(Invalid::new(loaded.sources, diags).into());
    }
    Ok(Validated {
        loaded,
        envs,
        cluster_views,
        diagnostics: diags,
    })
}

/// Which clusters a view's per-cluster rules look at.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// An environment's clusters (every cluster when `None`), except those
    /// with their own overlay, which their own view judges (a pool a cluster
    /// overlay adds must not be missed in the environment's view).
    Env(Option<&'a str>, &'a BTreeSet<String>),
    /// One cluster with its own overlay.
    Cluster(&'a str),
}

fn run_rules(spec: &Spec, scope: Scope<'_>) -> Vec<rules::Finding> {
    let mut out = match scope {
        Scope::Env(env, except) => rules::Rules::run_except(spec, env, except),
        Scope::Cluster(c) => rules::Rules::run_for_cluster(spec, c),
    };
    let in_view = |c: &crate::spec::model::Cluster| match scope {
        Scope::Env(env, except) => {
            env.is_none_or(|e| c.environment == e) && !except.contains(&c.name)
        }
        Scope::Cluster(name) => c.name == name,
    };
    out.extend(clusters::check_where(spec, &in_view));
    out.extend(stores::check(spec));
    out.extend(serving::check_where(spec, &in_view));
    out.extend(storage::check_where(spec, &in_view));
    out
}

/// Validate one merged view: secrets, structure, then the rules (on the
/// well-typed parts when some are not). The typed spec when it is valid.
fn check_view(
    loaded: &Loaded,
    tree: &Node,
    new_entries: Vec<NewEntry>,
    scope: Scope<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Spec> {
    for (d, path) in secrets::scan(tree) {
        diags.push(locate(&loaded.sources, tree, d, &path));
    }
    for (d, path) in injection::scan(tree)
        .into_iter()
        .chain(injection::broad_drift_ignores(tree))
    {
        diags.push(locate(&loaded.sources, tree, d, &path));
    }
    let structural = structural::check_with_paths(tree, &loaded.sources);
    let (structural, mut set_aside) = overlay_typos_first(tree, new_entries, structural, diags);
    for (d, path) in structural {
        if d.severity == diag::Severity::Error {
            set_aside.push(path);
        }
        diags.push(d);
    }
    if !set_aside.is_empty() {
        diags.extend(rules_on_typed_parts(
            tree,
            &set_aside,
            &loaded.sources,
            scope,
        ));
        return None;
    }
    let spec: Spec = match serde_json::from_value(tree.to_json()) {
        Ok(s) => s,
        Err(e) => {
            // The schema and serde disagree: report rather than panic.
            diags.push(locate(
                &loaded.sources,
                tree,
                Diagnostic::error("E005", format!("invalid spec: {e}")),
                &[],
            ));
            return None;
        }
    };
    for f in run_rules(&spec, scope) {
        diags.push(locate(&loaded.sources, tree, f.diag, &f.path));
    }
    Some(spec)
}

/// Each `clusters/<cluster>.toml`: merged after the cluster's environment
/// overlay and validated as that cluster's own view. W164 for a file that
/// names no cluster (with a "did you mean").
fn check_cluster_overlays(
    loaded: &Loaded,
    only_env: Option<&str>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Spec> {
    use crate::spec::tree::Value;
    let mut views = BTreeMap::new();
    let base_clusters: Vec<(&str, &str)> = match loaded.base.get("clusters").map(|n| &n.value) {
        Some(Value::Array(cs)) => cs
            .iter()
            .filter_map(|c| {
                Some((
                    c.get("name").and_then(Node::as_str)?,
                    c.get("environment").and_then(Node::as_str).unwrap_or(""),
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    for (cluster, overlay) in &loaded.cluster_overlays {
        let Some((_, env)) = base_clusters.iter().find(|(n, _)| n == cluster) else {
            let names = base_clusters.iter().map(|(n, _)| *n);
            let hint = match crate::diag::suggest(cluster, names.clone()) {
                Some(s) => format!("did you mean clusters/{s}.toml?"),
                None => format!(
                    "name the file after a cluster: {}",
                    names.collect::<Vec<_>>().join(", ")
                ),
            };
            diags.push(
                Diagnostic::warning(
                    "W164",
                    format!("overlay for cluster \"{cluster}\" applies to no cluster"),
                )
                .with_hint(hint)
                .at(loaded.sources.position(overlay.loc)),
            );
            continue;
        };
        if only_env.is_some_and(|o| o != *env) {
            continue;
        }
        let env_view = loaded.effective(env);
        let tree = loaded.effective_for_cluster(env, cluster);
        let new_entries = new_overlay_entries(&env_view, overlay, &loaded.sources);
        if let Some(spec) = check_view(loaded, &tree, new_entries, Scope::Cluster(cluster), diags) {
            views.insert(cluster.clone(), spec);
        }
    }
    views
}

/// An overlay entry whose name matches no base entry: W138, unless it is
/// also incomplete (see [`overlay_typos_first`]).
struct NewEntry {
    /// The array it is appended to, e.g. `node_pools`.
    array: Vec<Seg>,
    name: String,
    name_loc: crate::spec::source::Loc,
    /// W138 as found; becomes E160 when the entry is incomplete.
    diag: Diagnostic,
}

/// E160: an overlay entry with a new name that is also structurally
/// incomplete is a misspelt name (`gcp-a10O`), not a new entry. Report that
/// cause once, as the error, instead of W138 plus one E004 per key the
/// appended half-entry lacks, at merged-array positions the user never wrote.
/// Returns the structural findings left after removing that cascade.
/// Also returns the paths of those entries, which typing must set aside.
#[allow(clippy::type_complexity)]
fn overlay_typos_first(
    tree: &Node,
    new_entries: Vec<NewEntry>,
    structural: Vec<(Diagnostic, Vec<Seg>)>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<(Diagnostic, Vec<Seg>)>, Vec<Vec<Seg>>) {
    use crate::spec::tree::Value;
    let mut structural = structural;
    let mut typos = Vec::new();
    for entry in new_entries {
        let (array, found) = tree.lookup(&entry.array);
        let merged_index = match (&array.value, found) {
            // The appended entry is the one whose name node is the overlay's.
            (Value::Array(items), true) => items.iter().position(|n| {
                n.get("name")
                    .is_some_and(|n| n.loc == entry.name_loc && n.as_str() == Some(&entry.name))
            }),
            _ => None,
        };
        let Some(index) = merged_index else {
            diags.push(entry.diag);
            continue;
        };
        let prefix = format!("{}[{index}]", path_to_string(&entry.array));
        let inside = |d: &Diagnostic| {
            d.path.as_deref().is_some_and(|p| {
                p == prefix
                    || p.strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
        };
        let (cascade, rest): (Vec<_>, Vec<_>) =
            structural.into_iter().partition(|(d, _)| inside(d));
        let cascade: Vec<Diagnostic> = cascade.into_iter().map(|(d, _)| d).collect();
        structural = rest;
        if cascade.is_empty() {
            diags.push(entry.diag);
            continue;
        }
        let missing: Vec<String> = cascade
            .iter()
            .filter(|d| d.code == "E004")
            .filter_map(|d| d.message.split('`').nth(1).map(|k| format!("`{k}`")))
            .collect();
        let what = if missing.is_empty() {
            format!("{} structural error(s)", cascade.len())
        } else {
            format!("it lacks {}", missing.join(", "))
        };
        let mut d = entry.diag;
        d.code = "E160";
        d.severity = crate::diag::Severity::Error;
        d.message = format!(
            "{}, so it would add a new, incomplete entry ({what})",
            d.message
        );
        diags.push(d);
        let mut entry_path = entry.array.clone();
        entry_path.push(Seg::Index(index));
        typos.push(entry_path);
    }
    (structural, typos)
}

/// Rules whose findings could be caused by a part set aside (a reference to
/// an entry, a capacity sum missing it): not reported while parts are missing.
const CROSS_ENTRY: &[&str] = &[
    "E103", "E104", "E105", "E111", "E116", "E117", "E131", "E135", "E210", "W115", "W161",
];

/// The semantic rules on the well-typed parts of a view that has structural
/// errors, so one run reports everything it can. Array entries holding an
/// error (a whole `[[teams]]` entry, say) and other ill-typed keys are set
/// aside; if the rest still cannot be typed (a required table is broken),
/// the rules wait for the structure to be fixed. Findings keep the positions
/// and (original) paths of what the user wrote.
fn rules_on_typed_parts(
    tree: &Node,
    set_aside: &[Vec<Seg>],
    sources: &SourceMap,
    scope: Scope<'_>,
) -> Vec<Diagnostic> {
    // Entries removed per array (original indices), and keys removed.
    let mut entries: BTreeMap<Vec<Seg>, BTreeSet<usize>> = BTreeMap::new();
    let mut keys: BTreeSet<Vec<Seg>> = BTreeSet::new();
    for path in set_aside {
        match path.iter().position(|s| matches!(s, Seg::Index(_))) {
            Some(k) => {
                if let Seg::Index(i) = path[k] {
                    entries.entry(path[..k].to_vec()).or_default().insert(i);
                }
            }
            None if !path.is_empty() => {
                keys.insert(path.clone());
            }
            None => return Vec::new(), // the whole spec is ill-typed
        }
    }
    let pruned = prune(tree, &mut Vec::new(), &entries, &keys);
    let Ok(spec) = serde_json::from_value::<Spec>(pruned.to_json()) else {
        return Vec::new();
    };
    // Something is always set aside here (an entry, or a key such as a whole
    // `teams = 3`), so the rules relating entries wait.
    run_rules(&spec, scope)
        .into_iter()
        .filter(|f| !CROSS_ENTRY.contains(&f.diag.code))
        .map(|f| {
            let d = locate(sources, &pruned, f.diag, &f.path);
            let mut d = d;
            if !f.path.is_empty() {
                d.path = Some(path_to_string(&original_path(&f.path, &entries)));
            }
            d
        })
        .collect()
}

/// `tree` without the set-aside entries and keys.
fn prune(
    node: &Node,
    path: &mut Vec<Seg>,
    entries: &BTreeMap<Vec<Seg>, BTreeSet<usize>>,
    keys: &BTreeSet<Vec<Seg>>,
) -> Node {
    use crate::spec::tree::Value;
    let value = match &node.value {
        Value::Table(t) => {
            let mut out = BTreeMap::new();
            for (k, (kloc, v)) in t {
                path.push(Seg::Key(k.clone()));
                if !keys.contains(path.as_slice()) {
                    out.insert(k.clone(), (*kloc, prune(v, path, entries, keys)));
                }
                path.pop();
            }
            Value::Table(out)
        }
        Value::Array(items) => {
            let drop = entries.get(path.as_slice());
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                if drop.is_some_and(|d| d.contains(&i)) {
                    continue;
                }
                path.push(Seg::Index(i));
                out.push(prune(item, path, entries, keys));
                path.pop();
            }
            Value::Array(out)
        }
        v => v.clone(),
    };
    Node {
        value,
        loc: node.loc,
    }
}

/// A path into the pruned tree as a path into the tree the user wrote.
fn original_path(path: &[Seg], entries: &BTreeMap<Vec<Seg>, BTreeSet<usize>>) -> Vec<Seg> {
    let mut out = Vec::with_capacity(path.len());
    for seg in path {
        match seg {
            Seg::Index(i) => {
                let removed = entries.get(out.as_slice());
                let mut original = 0;
                let mut kept = 0;
                loop {
                    if !removed.is_some_and(|r| r.contains(&original)) {
                        if kept == *i {
                            break;
                        }
                        kept += 1;
                    }
                    original += 1;
                }
                out.push(Seg::Index(original));
            }
            s => out.push(s.clone()),
        }
    }
    out
}

/// W138: an overlay entry (`[[teams]] name = "vison"`) whose name matches no
/// entry of the base is usually a typo that silently adds a half-empty entry.
fn new_overlay_entries(base: &Node, overlay: &Node, sources: &SourceMap) -> Vec<NewEntry> {
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
            out.push(NewEntry {
                array: path.to_vec(),
                name: name.to_string(),
                name_loc: name_node.loc,
                diag: d,
            });
        }
    });
    out
}

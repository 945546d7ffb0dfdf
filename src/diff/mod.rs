//! Object-level comparison of two compiled platforms: `mlpc diff`.
//!
//! Objects are keyed by cluster, API group, kind, namespace and name, never
//! by file: an object whose file or layer changed is a move, and an
//! `apiVersion` bump within a group is a modification. Each changed object
//! gets a unified diff of its canonical YAML with only the changed hunks.

pub mod render;

use std::collections::BTreeMap;
use std::time::Duration;

use rayon::prelude::*;
use serde::Serialize;
use similar::TextDiff;

use crate::emit::Placed;
use crate::emit::layout::api_group;
use crate::yaml;

/// What identifies an object across revisions (ordering is output order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    pub cluster: String,
    /// API group; empty for the core group.
    pub group: String,
    pub kind: String,
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    pub name: String,
}

impl Key {
    pub fn of(p: &Placed) -> Key {
        let o = &p.object;
        let s = |ptr: &str| {
            o.pointer(ptr)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Key {
            cluster: p.cluster.clone(),
            group: api_group(o).to_string(),
            kind: s("/kind"),
            namespace: s("/metadata/namespace"),
            name: s("/metadata/name"),
        }
    }

    /// `kueue.x-k8s.io/ClusterQueue` (`ConfigMap` for the core group).
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        }
    }

    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn object_name(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
    Moved,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Modified,
        ChangeKind::Moved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Modified => "modified",
            ChangeKind::Moved => "moved",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Where an object is in the output tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: String,
    pub layer: String,
}

/// One changed object.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub key: Key,
    /// The head's `apiVersion` (the base's for a removed object).
    pub api_version: String,
    pub change: ChangeKind,
    pub base: Option<Location>,
    pub head: Option<Location>,
    /// Unified diff of the canonical YAML (headers and changed hunks only);
    /// empty for a move that changed nothing else.
    pub diff: String,
    pub lines_added: usize,
    pub lines_removed: usize,
}

impl Change {
    /// The layer it is counted under: the head's, or the base's when removed.
    pub fn layer(&self) -> &str {
        self.head
            .as_ref()
            .or(self.base.as_ref())
            .map(|l| l.layer.as_str())
            .unwrap_or_default()
    }

    pub fn path(&self) -> &str {
        self.head
            .as_ref()
            .or(self.base.as_ref())
            .map(|l| l.path.as_str())
            .unwrap_or_default()
    }

    /// Whether it is in one of `layers` at either revision (all when empty).
    pub fn in_layers(&self, layers: &[String]) -> bool {
        layers.is_empty()
            || [&self.base, &self.head]
                .into_iter()
                .flatten()
                .any(|l| layers.contains(&l.layer))
    }
}

/// Options of the comparison.
#[derive(Clone, Debug)]
pub struct Options {
    /// Lines of context around each hunk.
    pub context: usize,
    /// Skip the YAML diffs (summary only): changes are still classified.
    pub summary_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            context: 3,
            summary_only: false,
        }
    }
}

/// Compare the objects of two compiled platforms; changes in key order.
pub fn diff_objects(base: &[Placed], head: &[Placed], opts: &Options) -> Vec<Change> {
    let b = index(base);
    let h = index(head);
    let mut keys: Vec<&Key> = b.keys().chain(h.keys()).collect();
    keys.sort();
    keys.dedup();

    // Pair the objects of each key: the same path first, then in order.
    let mut pairs: Vec<(&Key, Option<&Placed>, Option<&Placed>)> = Vec::new();
    for k in keys {
        let mut bs: Vec<Option<&Placed>> = b
            .get(k)
            .map_or(Vec::new(), |v| v.iter().map(|p| Some(*p)).collect());
        let mut hs: Vec<Option<&Placed>> = h
            .get(k)
            .map_or(Vec::new(), |v| v.iter().map(|p| Some(*p)).collect());
        for slot in bs.iter_mut() {
            let Some(bp) = *slot else { continue };
            if let Some(hi) = hs
                .iter()
                .position(|x| x.is_some_and(|hp| hp.path == bp.path))
            {
                pairs.push((k, slot.take(), hs[hi].take()));
            }
        }
        let rest_b: Vec<&Placed> = bs.into_iter().flatten().collect();
        let rest_h: Vec<&Placed> = hs.into_iter().flatten().collect();
        let n = rest_b.len().max(rest_h.len());
        for i in 0..n {
            pairs.push((k, rest_b.get(i).copied(), rest_h.get(i).copied()));
        }
    }

    let mut changes: Vec<Change> = pairs
        .par_iter()
        .filter_map(|(k, bp, hp)| compare(k, *bp, *hp, opts))
        .collect();
    // par_iter keeps order; the sort only settles duplicate keys by path.
    changes.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.path().cmp(b.path())));
    changes
}

fn index(objs: &[Placed]) -> BTreeMap<Key, Vec<&Placed>> {
    let mut m: BTreeMap<Key, Vec<&Placed>> = BTreeMap::new();
    for p in objs {
        m.entry(Key::of(p)).or_default().push(p);
    }
    m
}

fn location(p: &Placed) -> Location {
    Location {
        path: p.path.clone(),
        layer: p.layer.clone(),
    }
}

fn api_version(p: &Placed) -> String {
    p.object
        .get("apiVersion")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn compare(
    key: &Key,
    base: Option<&Placed>,
    head: Option<&Placed>,
    opts: &Options,
) -> Option<Change> {
    let (change, old, new) = match (base, head) {
        (None, None) => return None,
        (None, Some(h)) => (ChangeKind::Added, None, Some(h)),
        (Some(b), None) => (ChangeKind::Removed, Some(b), None),
        (Some(b), Some(h)) => {
            let moved = b.path != h.path || b.layer != h.layer;
            if !moved && b.object == h.object {
                return None;
            }
            let kind = if moved {
                ChangeKind::Moved
            } else {
                ChangeKind::Modified
            };
            (kind, Some(b), Some(h))
        }
    };
    let old_text = old.map(|p| yaml::to_yaml(&p.object)).unwrap_or_default();
    let new_text = new.map(|p| yaml::to_yaml(&p.object)).unwrap_or_default();
    let (diff, lines_added, lines_removed) = if old_text == new_text {
        (String::new(), 0, 0)
    } else {
        let a = old.map_or("/dev/null".to_string(), |p| format!("a/{}", p.path));
        let b = new.map_or("/dev/null".to_string(), |p| format!("b/{}", p.path));
        unified(&old_text, &new_text, &a, &b, opts)
    };
    Some(Change {
        key: key.clone(),
        api_version: api_version(new.or(old)?),
        change,
        base: old.map(location),
        head: new.map(location),
        diff,
        lines_added,
        lines_removed,
    })
}

/// The unified diff (empty in summary mode) and the counts of added and
/// removed lines.
fn unified(old: &str, new: &str, a: &str, b: &str, opts: &Options) -> (String, usize, usize) {
    let diff = TextDiff::configure()
        .timeout(Duration::from_secs(5))
        .diff_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for op in diff.ops() {
        for c in diff.iter_changes(op) {
            match c.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
    }
    if opts.summary_only {
        return (String::new(), added, removed);
    }
    let text = diff
        .unified_diff()
        .context_radius(opts.context)
        .header(a, b)
        .to_string();
    (text, added, removed)
}

/// Counts of changes by kind: `[added, removed, modified, moved]`.
pub type Counts = [usize; 4];

/// The counts per (cluster, layer), rows in output order, and the totals.
pub fn counts(changes: &[Change]) -> (Vec<(String, String, Counts)>, Counts) {
    let mut rows: BTreeMap<(String, usize, String), Counts> = BTreeMap::new();
    let mut total = [0; 4];
    for c in changes {
        let layer = c.layer().to_string();
        let row = rows
            .entry((c.key.cluster.clone(), layer_rank(&layer), layer))
            .or_default();
        row[c.change.index()] += 1;
        total[c.change.index()] += 1;
    }
    (
        rows.into_iter()
            .map(|((cluster, _, layer), n)| (cluster, layer, n))
            .collect(),
        total,
    )
}

/// Layers in deployment order: management, the workload layers, gitops.
pub fn layer_rank(layer: &str) -> usize {
    if layer == "management" {
        return 0;
    }
    if let Some(i) = crate::plan::LAYERS.iter().position(|l| *l == layer) {
        return i + 1;
    }
    if layer == "gitops" {
        return crate::plan::LAYERS.len() + 1;
    }
    crate::plan::LAYERS.len() + 2
}

/// Every layer name an object can carry (for `--layer` checks).
pub fn known_layers() -> Vec<&'static str> {
    let mut v = vec!["management"];
    v.extend_from_slice(crate::plan::LAYERS);
    v.push("gitops");
    v
}

/// Clusters that have changes.
pub fn changed_clusters(changes: &[Change]) -> usize {
    let mut c: Vec<&str> = changes.iter().map(|c| c.key.cluster.as_str()).collect();
    c.sort();
    c.dedup();
    c.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn placed(cluster: &str, layer: &str, path: &str, obj: serde_json::Value) -> Placed {
        Placed {
            path: path.into(),
            object: obj,
            cluster: cluster.into(),
            layer: layer.into(),
            template: "t".into(),
        }
    }

    fn cm(name: &str, v: &str) -> serde_json::Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "ns"}, "data": {"k": v}})
    }

    #[test]
    fn classifies_changes() {
        let base = vec![
            placed("c", "mesh", "x/a.yaml", cm("a", "1")),
            placed("c", "mesh", "x/b.yaml", cm("b", "1")),
            placed("c", "mesh", "x/c.yaml", cm("c", "1")),
            placed("c", "mesh", "x/d.yaml", cm("d", "1")),
        ];
        let head = vec![
            placed("c", "mesh", "x/a.yaml", cm("a", "1")),
            placed("c", "mesh", "x/b.yaml", cm("b", "2")),
            placed("c", "serving", "y/c.yaml", cm("c", "1")),
            placed("c", "mesh", "x/e.yaml", cm("e", "1")),
        ];
        let ch = diff_objects(&base, &head, &Options::default());
        let got: Vec<(&str, ChangeKind)> =
            ch.iter().map(|c| (c.key.name.as_str(), c.change)).collect();
        assert_eq!(
            got,
            vec![
                ("b", ChangeKind::Modified),
                ("c", ChangeKind::Moved),
                ("d", ChangeKind::Removed),
                ("e", ChangeKind::Added),
            ]
        );
        assert!(ch[0].diff.contains("-  k: \"1\"") || ch[0].diff.contains("-  k: '1'"));
        assert!(ch[1].diff.is_empty());
        assert_eq!(ch[2].lines_removed, ch[2].diff.lines().count() - 3);
    }

    #[test]
    fn version_bump_is_a_modification() {
        let mut a = cm("a", "1");
        a["apiVersion"] = json!("example.io/v1beta1");
        let mut b = a.clone();
        b["apiVersion"] = json!("example.io/v1");
        let ch = diff_objects(
            &[placed("c", "mesh", "p", a)],
            &[placed("c", "mesh", "p", b)],
            &Options::default(),
        );
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].change, ChangeKind::Modified);
        assert_eq!(ch[0].api_version, "example.io/v1");
    }
}

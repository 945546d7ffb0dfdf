//! What drift compares: per workload cluster, the objects the spec compiles
//! to, its ignores and timeout from `[drift]`, and the kinds a previous
//! compile (`out/`) held, searched for orphaned objects too.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::Target;
use super::compare::Ignores;
use crate::compile::Compiled;

/// Seconds a request may take when neither `--timeout` nor `[drift]
/// timeout_seconds` says.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 20;

/// The platform's name and one target per cluster of `compiled` (only those
/// in `only` when it is not empty). `timeout` (seconds) overrides every
/// cluster's `[drift] timeout_seconds`; `out` is the previously compiled tree.
/// Consumes the compile: its objects move into the targets.
pub fn targets(
    compiled: Compiled,
    only: &[String],
    timeout: Option<u64>,
    out: &Path,
) -> (String, Vec<Target>) {
    let mut compiled = compiled;
    let mut objects = std::mem::take(&mut compiled.tree.objects);
    compiled.tree.files.clear();
    let mut targets = Vec::new();
    for cp in &compiled.plan.clusters {
        let c = &cp.cluster;
        if !only.is_empty() && !only.contains(&c.name) {
            continue;
        }
        // Only what lives on the workload cluster: `management/` objects are
        // the management cluster's.
        let prefix = crate::emit::layout::workload_prefix(&c.name);
        let (mine, rest): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|p| p.path.starts_with(&prefix));
        objects = rest;
        let desired: Vec<serde_json::Value> = mine.into_iter().map(|p| p.object).collect();
        let drift_spec = compiled
            .validated
            .spec_for_cluster(&c.name)
            .map(|(s, _)| s.drift.clone())
            .unwrap_or_default();
        let ignores = Ignores::new(
            drift_spec
                .ignore
                .iter()
                .map(|i| (i.kind.as_str(), i.paths.as_slice())),
        );
        let seconds = timeout
            .or(drift_spec.timeout_seconds.map(u64::from))
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        targets.push(Target {
            cluster: c.name.clone(),
            context: c.context.clone(),
            server: c.server.clone(),
            orphan_only: previous_kinds(out, &c.name),
            desired,
            ignores,
            timeout: Duration::from_secs(seconds),
        });
    }
    (compiled.plan.platform.name.clone(), targets)
}

/// `(apiVersion, kind)` of the objects of `cluster` in a previously compiled
/// tree (`<out>/clusters/<cluster>/<layer>/*.yaml`); empty when there is none.
/// mlpc writes one object per file in canonical YAML, so the top-level
/// `apiVersion:` and `kind:` lines are enough.
pub fn previous_kinds(out: &Path, cluster: &str) -> BTreeSet<(String, String)> {
    let mut kinds = BTreeSet::new();
    let linked = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    let dir = out.join(crate::emit::layout::cluster_dir(cluster));
    if linked(out) || linked(&out.join(crate::emit::layout::CLUSTERS)) || linked(&dir) {
        return kinds;
    }
    let Ok(layers) = std::fs::read_dir(&dir) else {
        return kinds;
    };
    for layer in layers.flatten() {
        if !layer.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(layer.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name();
            let name = name.to_string_lossy();
            if !name.ends_with(".yaml") || name == "kustomization.yaml" {
                continue;
            }
            // Only regular files of out/: never through a link (or a FIFO).
            if !f.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(f.path()) else {
                continue;
            };
            let top = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
                    .filter(|v| !v.is_empty())
            };
            if let (Some(v), Some(k)) = (top("apiVersion:"), top("kind:")) {
                kinds.insert((v, k));
            }
        }
    }
    kinds
}

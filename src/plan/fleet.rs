//! The fleet rollout: which RollingSync steps the ApplicationSet has.
//!
//! The ApplicationSet generates every leaf Application of every cluster (the
//! files of `management/argocd/<cluster>/`), not a per-cluster app-of-apps:
//! Argo CD's RollingSync turns auto-sync off only on the Applications it
//! generates, and judges a step done from their own health, so only leaf
//! Applications gate for real (a parent's health ignores its child
//! Applications unless argocd-cm customizes it, and children would keep their
//! own auto-sync). Sync waves inside a parent no longer order the leaves, so
//! the steps do: one per (cluster wave, stage), where a leaf's stage is its
//! sync wave, in ascending order. Steps that select nothing are passed at once
//! by the controller, so every stage a cluster of the wave may use gets a step.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{ClusterPlan, WaveCtx};

/// Label on every leaf Application: its stage (sync wave) within its cluster wave.
pub use super::labels::STAGE_LABEL;

/// Install offsets a layer's component installs use after its `install_wave`
/// (e.g. Istio base, istiod, then the gateway). Compile refuses a leaf whose
/// sync wave is in no step, so a template using more fails loudly.
const INSTALL_OFFSETS: usize = 3;

/// One RollingSync step: the leaves of the clusters of one wave at one stage.
#[derive(Clone, Debug, Serialize)]
pub struct StepCtx {
    pub wave: String,
    pub stage: String,
    /// The wave's `maxUpdate`, applied within each of its steps.
    pub max_update: Option<serde_json::Value>,
}

/// The sync waves a cluster's leaf Applications may carry: the bootstrap
/// add-ons' waves, each layer's install waves and the wave of the
/// Application syncing the layer's own objects.
pub fn stages(c: &ClusterPlan) -> BTreeSet<usize> {
    let mut s: BTreeSet<usize> = c.addons.iter().map(|a| a.wave).collect();
    for l in std::iter::once(&c.bootstrap).chain(&c.layers) {
        s.extend(l.install_wave..l.install_wave + INSTALL_OFFSETS);
        s.insert(l.sync_wave);
    }
    s
}

/// Steps in rollout order: waves ascending, and within a wave its clusters'
/// stages ascending.
pub fn steps(clusters: &[ClusterPlan], waves: &[WaveCtx]) -> Vec<StepCtx> {
    let mut out = Vec::new();
    for w in waves {
        let mut st = BTreeSet::new();
        for c in clusters
            .iter()
            .filter(|c| w.clusters.contains(&c.cluster.name))
        {
            st.extend(stages(c));
        }
        out.extend(st.into_iter().map(|s| StepCtx {
            wave: w.label.clone(),
            stage: s.to_string(),
            max_update: w.max_update.clone(),
        }));
    }
    out
}

//! The fleet-wide parts: the platform and GitOps settings every template sees,
//! the rollout waves, and the repositories the AppProject admits.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ClusterPlan;
use super::components;
use crate::spec::model::{self as spec, Spec};

#[derive(Clone, Debug, Default, Serialize)]
pub struct PlatformCtx {
    pub name: String,
    pub domain: String,
    pub kubernetes_version: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct GitopsCtx {
    pub repo_url: String,
    pub revision: String,
    pub path: String,
    pub argocd_namespace: String,
    pub project: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct WaveCtx {
    pub wave: u32,
    /// The wave as the label value on generated Applications.
    pub label: String,
    /// RollingSync maxUpdate: an integer or a percentage string.
    pub max_update: Option<serde_json::Value>,
    pub clusters: Vec<String>,
}

pub fn platform_ctx(s: &Spec) -> PlatformCtx {
    PlatformCtx {
        name: s.platform.name.clone(),
        domain: s.platform.domain.clone(),
        kubernetes_version: normalize_k8s(&s.platform.kubernetes_version),
    }
}

fn normalize_k8s(v: &str) -> String {
    if v.starts_with('v') {
        v.to_string()
    } else {
        format!("v{v}")
    }
}

pub fn gitops_ctx(s: &Spec) -> GitopsCtx {
    GitopsCtx {
        repo_url: s.gitops.repo_url.clone(),
        revision: s.gitops.revision.clone(),
        path: s.gitops.path.trim_matches('/').to_string(),
        argocd_namespace: s.gitops.argocd_namespace.clone(),
        project: s
            .gitops
            .project
            .clone()
            .unwrap_or_else(|| s.platform.name.clone()),
    }
}

/// Waves of the fleet in ascending order; clusters in spec order within a wave.
pub fn waves(clusters: &[ClusterPlan], settings: &[spec::WaveSettings]) -> Vec<WaveCtx> {
    let mut by_wave: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for c in clusters {
        by_wave
            .entry(c.cluster.wave)
            .or_default()
            .push(c.cluster.name.clone());
    }
    by_wave
        .into_iter()
        .map(|(wave, clusters)| WaveCtx {
            wave,
            label: wave.to_string(),
            max_update: settings
                .iter()
                .find(|w| w.wave == wave)
                .and_then(|w| w.max_update.as_ref())
                .map(|q| match q.0.parse::<i64>() {
                    Ok(n) => serde_json::Value::from(n),
                    Err(_) => serde_json::Value::from(q.0.clone()),
                }),
            clusters,
        })
        .collect()
}

/// Every repository an Application of the platform pulls from: the GitOps
/// repository and each cluster's installs (sorted, once each).
pub fn source_repos(gitops: &GitopsCtx, clusters: &[ClusterPlan]) -> Vec<String> {
    let mut repos: Vec<String> = vec![gitops.repo_url.clone()];
    for c in clusters {
        repos.extend(
            c.components
                .values()
                .filter(|k| !k.repo.is_empty())
                .map(|k| k.repo.clone()),
        );
        if c.profiles {
            repos.push(components::PROFILES_REPO.into());
        }
        repos.extend(c.addons.iter().map(|a| a.repo.clone()));
        if c.serving.knative {
            repos.push(components::KNATIVE_OPERATOR_REPO.into());
        }
        if c.cost.enabled {
            repos.push(c.cost.prometheus.repo.clone());
        }
    }
    repos.sort();
    repos.dedup();
    repos
}

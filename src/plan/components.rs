//! The upstream installs of a cluster: the catalog's components at the versions
//! the spec pins (or the catalog's defaults), and the installs that follow from
//! the spec rather than the catalog.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog;

#[derive(Clone, Debug, Serialize)]
pub struct ComponentCtx {
    /// Version as upstream tags it (with or without `v`).
    pub version: String,
    /// Version without a leading `v` (Helm chart versions of some charts).
    pub bare_version: String,
    pub repo: String,
    pub chart: String,
    pub path: String,
}

/// The Kubeflow profile controller (when some team is a Profile).
pub const PROFILES_REPO: &str = "https://github.com/kubeflow/manifests.git";
pub const PROFILES_VERSION: &str = "v1.10.2";
pub const PROFILES_PATH: &str = "applications/profiles/upstream/overlays/kubeflow";
/// The Knative operator (when some model uses KServe's Knative mode).
pub const KNATIVE_OPERATOR_REPO: &str = "https://knative.github.io/operator";
pub const KNATIVE_OPERATOR_CHART: &str = "knative-operator";
pub const KNATIVE_OPERATOR_VERSION: &str = catalog::KNATIVE_OPERATOR_VERSION;

/// Every catalog component at its resolved version.
pub fn plan(versions: &BTreeMap<&'static str, String>) -> BTreeMap<String, ComponentCtx> {
    versions
        .iter()
        .map(|(k, v)| (k.to_string(), component(k, v)))
        .collect()
}

fn component(key: &str, version: &str) -> ComponentCtx {
    let comp = catalog::component(key);
    let bare = version.trim_start_matches('v').to_string();
    let tagged = if comp.is_some_and(|c| c.v_prefix) {
        format!("v{bare}")
    } else {
        bare.clone()
    };
    let (repo, chart, path) = match comp.map(|c| c.source) {
        Some(catalog::Source::Helm { repo, chart }) => {
            (repo.to_string(), chart.to_string(), String::new())
        }
        Some(catalog::Source::Git { repo, path }) => {
            (repo.to_string(), String::new(), path.to_string())
        }
        _ => (String::new(), String::new(), String::new()),
    };
    ComponentCtx {
        version: tagged,
        bare_version: bare,
        repo,
        chart,
        path,
    }
}

/// An install outside the catalog, pinned here.
pub fn pinned(repo: &str, chart: &str, path: &str, version: &str) -> ComponentCtx {
    ComponentCtx {
        version: version.into(),
        bare_version: version.trim_start_matches('v').into(),
        repo: repo.into(),
        chart: chart.into(),
        path: path.into(),
    }
}

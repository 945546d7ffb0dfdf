//! Where each object goes: the output tree's layout (the one home of every
//! directory path, which templates get as computed values) and stable,
//! lowercase file names derived from kind, namespace and name.
//!
//! ```text
//! management/argocd/                 the fleet: AppProject, ApplicationSet, <cluster>-capi
//! management/argocd/<cluster>/       a cluster's leaf Applications: component installs, one per layer
//! management/<cluster>/              a cluster's Cluster API objects (on the management cluster)
//! clusters/<cluster>/<NN-layer>/     a layer's own objects (synced to the cluster)
//! ```

use serde_json::Value;

/// Objects of (or for) the management cluster.
pub const MANAGEMENT: &str = "management";
/// Objects synced to the workload clusters.
pub const CLUSTERS: &str = "clusters";

/// The fleet's Argo CD objects.
pub fn fleet_dir() -> String {
    format!("{MANAGEMENT}/argocd")
}

/// A cluster's leaf Applications: its component installs and one per layer.
pub fn apps_dir(cluster: &str) -> String {
    format!("{}/{cluster}", fleet_dir())
}

/// A cluster's Cluster API objects, applied on the management cluster.
pub fn management_dir(cluster: &str) -> String {
    format!("{MANAGEMENT}/{cluster}")
}

/// Everything synced to one workload cluster.
pub fn cluster_dir(cluster: &str) -> String {
    format!("{CLUSTERS}/{cluster}")
}

/// One layer's objects on a cluster (`layer_dir` is `<NN>-<layer>`).
pub fn layer_dir(cluster: &str, layer_dir: &str) -> String {
    format!("{}/{layer_dir}", cluster_dir(cluster))
}

/// The cluster and layer directory of a path under `clusters/<cluster>/<NN-layer>`.
pub fn split_layer_dir(dir: &str) -> Option<(&str, &str)> {
    match dir.split('/').collect::<Vec<_>>().as_slice() {
        [CLUSTERS, cluster, layer] => Some((cluster, layer)),
        _ => None,
    }
}

/// The directory (with a trailing `/`) of what one workload cluster syncs.
pub fn workload_prefix(cluster: &str) -> String {
    format!("{}/", cluster_dir(cluster))
}

/// The directories (with a trailing `/`) the management cluster holds for one
/// cluster: its Cluster API objects, then its leaf Applications.
pub fn management_prefixes(cluster: &str) -> [String; 2] {
    [
        format!("{}/", management_dir(cluster)),
        format!("{}/", apps_dir(cluster)),
    ]
}

/// The directories (with a trailing `/`) holding a cluster's files: what it
/// syncs, then what the management cluster holds for it.
pub fn cluster_prefixes(cluster: &str) -> [String; 3] {
    let [capi, apps] = management_prefixes(cluster);
    [workload_prefix(cluster), capi, apps]
}

/// Whether a path is synced to a workload cluster (under `clusters/`).
pub fn is_workload_file(rel: &str) -> bool {
    rel.strip_prefix(CLUSTERS)
        .is_some_and(|r| r.starts_with('/'))
}

/// Whether a path may belong to one cluster rather than to the whole fleet:
/// its workload tree, anything two levels deep (`management/<cluster>/…`,
/// `management/argocd/<cluster>/…`) and the fleet directory's per-cluster
/// `<cluster>-capi` Applications. Only `mlpc.lock`-level files are not.
pub fn is_per_cluster_file(rel: &str) -> bool {
    is_workload_file(rel) || rel.matches('/').count() >= 2
}

/// A directory as Argo CD sees it: inside the GitOps repository's `path`.
pub fn repo_path(gitops_path: &str, dir: &str) -> String {
    format!("{gitops_path}/{dir}")
}

/// `<kind>-<namespace>-<name>.yaml`, or `<kind>-<name>.yaml` for cluster-scoped objects.
pub fn file_name(obj: &Value) -> Result<String, String> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
    let mut parts = vec![segment(kind)?];
    if let Some(ns) = ns {
        parts.push(segment(ns)?);
    }
    parts.push(segment(name)?);
    Ok(format!("{}.yaml", parts.join("-")))
}

/// One part of a file name: must not be able to escape its directory or
/// collide by case, whatever the (already validated) spec said.
pub fn segment(s: &str) -> Result<String, String> {
    let lower = s.to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.len() <= 200
        && lower != "."
        && lower != ".."
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok && !lower.starts_with('.') {
        Ok(lower)
    } else {
        Err(format!("\"{s}\" cannot be used in a file name"))
    }
}

pub fn api_group(obj: &Value) -> &str {
    let api = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match api.rsplit_once('/') {
        Some((g, _)) => g,
        None => "",
    }
}

/// Argo CD objects are reconciled by the Argo CD of the management cluster,
/// whatever layer declares them.
pub fn is_argocd_object(obj: &Value) -> bool {
    api_group(obj) == "argoproj.io"
        && matches!(
            obj.get("kind").and_then(Value::as_str),
            Some("Application" | "ApplicationSet" | "AppProject")
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names() {
        let o =
            json!({"kind": "ResourceQuota", "metadata": {"name": "team-a", "namespace": "team-a"}});
        assert_eq!(
            file_name(&o).as_deref(),
            Ok("resourcequota-team-a-team-a.yaml")
        );
        let c = json!({"kind": "Namespace", "metadata": {"name": "team-a"}});
        assert_eq!(file_name(&c).as_deref(), Ok("namespace-team-a.yaml"));
        for bad in ["..", "../x", "a/b", "/abs", "", ".hidden", "ｔｅａｍ"] {
            assert!(segment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn layout() {
        assert_eq!(fleet_dir(), "management/argocd");
        assert_eq!(apps_dir("c1"), "management/argocd/c1");
        assert_eq!(management_dir("c1"), "management/c1");
        assert_eq!(layer_dir("c1", "01-mesh"), "clusters/c1/01-mesh");
        assert_eq!(
            split_layer_dir("clusters/c1/01-mesh"),
            Some(("c1", "01-mesh"))
        );
        assert_eq!(split_layer_dir("management/argocd/c1"), None);
        assert_eq!(split_layer_dir("clusters/c1"), None);
        assert!(is_workload_file("clusters/c1/01-mesh/x.yaml"));
        assert!(!is_workload_file("clustersx/c1/x.yaml"));
        assert!(is_per_cluster_file("management/c1/cluster-c1.yaml"));
        assert!(is_per_cluster_file(
            "management/argocd/c1/application-x.yaml"
        ));
        assert!(!is_per_cluster_file("mlpc.lock"));
        assert_eq!(
            repo_path("out", &apps_dir("c1")),
            "out/management/argocd/c1"
        );
        assert_eq!(
            cluster_prefixes("c1"),
            ["clusters/c1/", "management/c1/", "management/argocd/c1/"]
        );
    }
}

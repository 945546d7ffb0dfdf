//! Bootstrap add-ons: what a new workload cluster needs before the platform
//! can run on it, per provider. A kubeadm cluster has no CNI (nodes stay
//! NotReady), no cloud controller (nodes keep the `uninitialized` taint under
//! `cloud-provider=external`), no CSI driver or default StorageClass (Katib's
//! and KFP's databases stay Pending), no metrics-server (no HPA) and no
//! autoscaler (pools with `min_nodes = 0` never grow). Managed clusters come
//! with CNI and cloud integration, and GKE/AKS scale their own pools.
//!
//! Versions and values were read from the upstream charts at these versions
//! (see ARCHITECTURE.md, "Bootstrap add-ons"); the table is the one home for them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::cluster::{cloud_autoscaler, external_cloud, k8s_version};
use crate::catalog::Version;
use crate::spec::model::{self as spec, Cloud, Provider, SecretStoreProvider, Spec};

/// A pinned add-on install source.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct AddonSource {
    pub name: &'static str,
    /// Helm repository URL, or Git URL when `path` is set.
    pub repo: &'static str,
    pub chart: &'static str,
    pub path: &'static str,
    pub version: &'static str,
    pub why: &'static str,
}

/// An add-on install: a Helm chart or a kustomize path, on the workload
/// cluster or (the cluster-autoscaler) on the management cluster.
#[derive(Clone, Debug, Serialize)]
pub struct AddonCtx {
    /// Application name suffix (`<cluster>-<name>`).
    pub name: String,
    pub namespace: String,
    /// `helm` or `git`.
    pub source: String,
    pub repo: String,
    /// Helm chart name, or the kustomize path in the Git repository.
    pub chart: String,
    pub path: String,
    pub version: String,
    pub release: String,
    /// Helm values (Helm add-ons).
    pub values: serde_json::Value,
    /// Kustomize patches (Git add-ons), or null.
    pub patches: serde_json::Value,
    /// Runs on the management cluster (in the cluster's namespace), not on the workload cluster.
    pub on_management: bool,
    pub wave: usize,
    /// Why the cluster needs it (a comment in the plan, shown by `mlpc catalog`).
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SecretStoreCtx {
    pub name: String,
    /// `spec.provider` of the ClusterSecretStore.
    pub provider: serde_json::Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct StorageClassCtx {
    pub name: String,
    pub provisioner: String,
    pub parameters: BTreeMap<String, String>,
    pub default: bool,
}

pub const CILIUM: AddonSource = AddonSource {
    name: "cilium",
    repo: "https://helm.cilium.io/",
    chart: "cilium",
    path: "",
    version: "1.19.6",
    why: "CNI: nodes stay NotReady without one",
};
pub const AWS_CCM: AddonSource = AddonSource {
    name: "aws-cloud-controller-manager",
    repo: "https://kubernetes.github.io/cloud-provider-aws",
    chart: "aws-cloud-controller-manager",
    path: "",
    version: "0.0.10",
    why: "initializes nodes (provider ID, addresses, uninitialized taint) and runs Service load balancers",
};
pub const AZURE_CCM: AddonSource = AddonSource {
    name: "cloud-provider-azure",
    repo: "https://raw.githubusercontent.com/kubernetes-sigs/cloud-provider-azure/master/helm/repo",
    chart: "cloud-provider-azure",
    path: "",
    version: "1.34.5",
    why: "cloud controller manager and cloud-node-manager: node initialization, load balancers",
};
pub const GCP_CCM: AddonSource = AddonSource {
    name: "gcp-cloud-controller-manager",
    repo: "https://github.com/kubernetes/cloud-provider-gcp.git",
    chart: "",
    path: "deploy/packages/default",
    version: "ccm/v34.2.0",
    why: "initializes nodes and runs Service load balancers",
};
pub const EBS_CSI: AddonSource = AddonSource {
    name: "aws-ebs-csi-driver",
    repo: "https://kubernetes-sigs.github.io/aws-ebs-csi-driver",
    chart: "aws-ebs-csi-driver",
    path: "",
    version: "2.64.0",
    why: "volumes for PVCs, with the default gp3 StorageClass",
};
pub const AZURE_DISK_CSI: AddonSource = AddonSource {
    name: "azuredisk-csi-driver",
    repo: "https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts",
    chart: "azuredisk-csi-driver",
    path: "",
    version: "1.34.5",
    why: "volumes for PVCs (the StorageClass is a bootstrap object)",
};
pub const GCP_PD_CSI: AddonSource = AddonSource {
    name: "gcp-pd-csi-driver",
    repo: "https://github.com/kubernetes-sigs/gcp-compute-persistent-disk-csi-driver.git",
    chart: "",
    path: "deploy/kubernetes/overlays/stable-master",
    version: "v1.26.4",
    why: "volumes for PVCs (the StorageClass is a bootstrap object)",
};
pub const LOCAL_PATH: AddonSource = AddonSource {
    name: "local-path-provisioner",
    repo: "https://github.com/rancher/local-path-provisioner.git",
    chart: "",
    path: "deploy",
    version: "v0.0.37",
    why: "node-local volumes and the default StorageClass on docker clusters",
};
pub const METRICS_SERVER: AddonSource = AddonSource {
    name: "metrics-server",
    repo: "https://kubernetes-sigs.github.io/metrics-server/",
    chart: "metrics-server",
    path: "",
    version: "3.13.1",
    why: "resource metrics for HPA (KServe's Standard mode) and kubectl top",
};
pub const CLUSTER_AUTOSCALER: AddonSource = AddonSource {
    name: "cluster-autoscaler",
    repo: "https://kubernetes.github.io/autoscaler",
    chart: "cluster-autoscaler",
    path: "",
    version: "9.53.0",
    why: "scales node pools between min and max, from zero, through Cluster API",
};

pub const EXTERNAL_SECRETS: AddonSource = AddonSource {
    name: "external-secrets",
    repo: "https://charts.external-secrets.io",
    chart: "external-secrets",
    path: "",
    version: "0.20.4",
    why: "fills the Secrets the spec references from the declared secret stores",
};

/// Every add-on source, for `mlpc catalog` and the README.
pub const ALL: &[AddonSource] = &[
    CILIUM,
    AWS_CCM,
    AZURE_CCM,
    GCP_CCM,
    EBS_CSI,
    AZURE_DISK_CSI,
    GCP_PD_CSI,
    LOCAL_PATH,
    METRICS_SERVER,
    CLUSTER_AUTOSCALER,
    EXTERNAL_SECRETS,
];

/// The namespace and service account External Secrets runs as; the stores'
/// workload identities bind to it.
const ESO_NAMESPACE: &str = "external-secrets";
const ESO_SERVICE_ACCOUNT: &str = "external-secrets";

/// External Secrets itself, when the spec declares secret stores: its service
/// account carries the stores' cloud identities.
fn external_secrets(s: &Spec) -> Option<AddonCtx> {
    if s.secret_stores.is_empty() {
        return None;
    }
    let mut annotations = serde_json::Map::new();
    let mut pod_labels = serde_json::Map::new();
    for st in &s.secret_stores {
        let Some(id) = &st.identity else { continue };
        match st.provider {
            SecretStoreProvider::Aws => {
                annotations.insert("eks.amazonaws.com/role-arn".into(), json!(id));
            }
            SecretStoreProvider::Gcp => {
                annotations.insert("iam.gke.io/gcp-service-account".into(), json!(id));
            }
            SecretStoreProvider::Azure => {
                annotations.insert("azure.workload.identity/client-id".into(), json!(id));
                pod_labels.insert("azure.workload.identity/use".into(), json!("true"));
            }
            SecretStoreProvider::Vault => {}
        }
    }
    Some(addon(
        EXTERNAL_SECRETS,
        ESO_NAMESPACE,
        json!({
            "installCRDs": true,
            "serviceAccount": {"name": ESO_SERVICE_ACCOUNT, "annotations": annotations},
            "podLabels": pod_labels
        }),
        2,
    ))
}

/// A ClusterSecretStore per declared store (validation checked each has what
/// its provider needs).
pub fn secret_stores(s: &Spec) -> Vec<SecretStoreCtx> {
    let sa = json!({"name": ESO_SERVICE_ACCOUNT, "namespace": ESO_NAMESPACE});
    s.secret_stores
        .iter()
        .map(|st| SecretStoreCtx {
            name: st.name.clone(),
            provider: match st.provider {
                // Credentials come from the controller's own identity (IRSA or
                // the node's instance profile).
                SecretStoreProvider::Aws => json!({"aws": {
                    "service": "SecretsManager",
                    "region": st.region.clone().unwrap_or_default()}}),
                SecretStoreProvider::Gcp => json!({"gcpsm": {
                    "projectID": st.project.clone().unwrap_or_default()}}),
                SecretStoreProvider::Azure => json!({"azurekv": {
                    "vaultUrl": st.vault_url.clone().unwrap_or_default(),
                    "authType": "WorkloadIdentity",
                    "serviceAccountRef": sa}}),
                SecretStoreProvider::Vault => json!({"vault": {
                    "server": st.server.clone().unwrap_or_default(),
                    "path": st.path.clone().unwrap_or_else(|| "secret".into()),
                    "version": "v2",
                    "auth": {"kubernetes": {
                        "mountPath": "kubernetes",
                        "role": st.role.clone().unwrap_or_default(),
                        "serviceAccountRef": sa}}}}),
            },
        })
        .collect()
}

/// The cluster-autoscaler image of a Kubernetes release line: the autoscaler
/// supports the release line it is named after.
fn autoscaler_image_tag(k8s: Version) -> String {
    match k8s.line() {
        // Chart 9.53.0's default image.
        (1, 34) => "v1.34.2".into(),
        (maj, min) => format!("v{maj}.{min}.0"),
    }
}

/// The resource (lowercase plural) of the pools' infrastructure kind.
fn infra_resource(c: &spec::Cluster) -> String {
    let kind = super::cluster::infra_kinds(c.provider).2;
    format!("{}s", kind.to_ascii_lowercase())
}

fn addon(src: AddonSource, namespace: &str, values: serde_json::Value, wave: usize) -> AddonCtx {
    let git = !src.path.is_empty();
    AddonCtx {
        name: src.name.into(),
        namespace: namespace.into(),
        source: if src.path.is_empty() { "helm" } else { "git" }.into(),
        repo: src.repo.into(),
        chart: src.chart.into(),
        path: src.path.into(),
        version: src.version.into(),
        release: src.name.into(),
        // Git add-ons take kustomize patches where Helm add-ons take values.
        values: if git {
            serde_json::Value::Null
        } else {
            values.clone()
        },
        patches: if git { values } else { serde_json::Value::Null },
        on_management: false,
        wave,
        why: src.why.into(),
    }
}

/// Kustomize patches (Argo CD `source.kustomize.patches`) for Git add-ons.
fn patches(c: &spec::Cluster, src: AddonSource) -> serde_json::Value {
    match src.name {
        // The manifest ships a placeholder image and `args: []`, "to be replaced by
        // tooling"; the API server is on the host network at 6443, not 443.
        "gcp-cloud-controller-manager" => json!([{
            "target": {"kind": "DaemonSet", "name": "cloud-controller-manager"},
            "patch": crate::yaml::to_yaml(&json!([
                {"op": "replace", "path": "/spec/template/spec/containers/0/image",
                 "value": "registry.k8s.io/cloud-provider-gcp/cloud-controller-manager:v34.2.0"},
                {"op": "replace", "path": "/spec/template/spec/containers/0/args", "value": [
                    "--cloud-provider=gce",
                    "--cloud-config=/etc/kubernetes/cloud.config",
                    format!("--cluster-name={}", c.name),
                    "--use-service-account-credentials",
                    "--allocate-node-cidrs=false",
                    "--configure-cloud-routes=false",
                    "--v=2"]},
                {"op": "add", "path": "/spec/template/spec/containers/0/env/-",
                 "value": {"name": "KUBERNETES_SERVICE_PORT", "value": "6443"}}
            ]))
        }]),
        // At its release tags the overlay still pins driver v1.17.4.
        "gcp-pd-csi-driver" => json!([{
            "target": {"kind": "Deployment", "name": "csi-gce-pd-controller"},
            "patch": crate::yaml::to_yaml(&json!([
                {"op": "replace", "path": "/spec/template/spec/containers/0/image",
                 "value": "registry.k8s.io/cloud-provider-gcp/gcp-compute-persistent-disk-csi-driver:v1.26.4"}
            ]))
        }]),
        // Its StorageClass is not marked default upstream.
        "local-path-provisioner" => json!([{
            "target": {"kind": "StorageClass", "name": "local-path"},
            "patch": crate::yaml::to_yaml(&json!([
                {"op": "add", "path": "/metadata/annotations",
                 "value": {"storageclass.kubernetes.io/is-default-class": "true"}}
            ]))
        }]),
        _ => serde_json::Value::Null,
    }
}

fn git_addon(c: &spec::Cluster, src: AddonSource, namespace: &str, wave: usize) -> AddonCtx {
    addon(src, namespace, patches(c, src), wave)
}

/// The add-ons of one cluster, in install order (waves 1..=3, before the
/// mesh layer's installs at 10).
pub fn addons(s: &Spec, c: &spec::Cluster) -> Vec<AddonCtx> {
    if c.management {
        // The management cluster is already running; mlpc does not bootstrap it.
        return Vec::new();
    }
    let k8s = k8s_version(s);
    let pod_cidr = c.network.pod_cidr.as_str();
    let mut out = Vec::new();
    out.extend(external_secrets(s));
    if !c.provider.managed() {
        out.push(addon(
            CILIUM,
            "kube-system",
            json!({
                "ipam": {"mode": "cluster-pool",
                         "operator": {"clusterPoolIPv4PodCIDRList": [pod_cidr]}},
                "operator": {"replicas": if c.control_plane.replicas == 1 { 1 } else { 2 }},
                // The default ("helm") generates new certificates on every render:
                // Argo CD would never see the app in sync.
                "hubble": {"tls": {"auto": {"method": "cronJob"}}},
                // Istio CNI chains its plugin onto Cilium's configuration, which
                // Cilium would otherwise remove as foreign.
                "cni": {"exclusive": false}
            }),
            1,
        ));
    }
    if external_cloud(c.provider) {
        match c.provider.cloud() {
            Cloud::Aws => out.push(addon(
                AWS_CCM,
                "kube-system",
                json!({
                    "args": ["--v=2", "--cloud-provider=aws", "--configure-cloud-routes=false"],
                    "hostNetworking": true
                }),
                1,
            )),
            Cloud::Azure => out.push(addon(
                AZURE_CCM,
                "kube-system",
                json!({
                    "infra": {"clusterName": c.name},
                    // Cilium's cluster-pool IPAM routes pods: no cloud routes, no
                    // node CIDR allocation. The image is pinned rather than chosen
                    // from the destination's version, which Argo CD may not know yet.
                    "cloudControllerManager": {"clusterCIDR": pod_cidr,
                        "configureCloudRoutes": "false", "allocateNodeCidrs": "false",
                        "imageTag": "v1.34.3"},
                    "cloudNodeManager": {"imageTag": "v1.34.3"}
                }),
                1,
            )),
            Cloud::Gcp => out.push(git_addon(c, GCP_CCM, "kube-system", 1)),
            Cloud::Docker => {}
        }
    }
    match c.provider {
        Provider::Aws | Provider::Eks => out.push(addon(
            EBS_CSI,
            "kube-system",
            json!({"storageClasses": [{
                "name": "gp3",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                "allowVolumeExpansion": true,
                "parameters": {"type": "gp3", "encrypted": "true"}
            }]}),
            2,
        )),
        Provider::Azure => out.push(addon(
            AZURE_DISK_CSI,
            "kube-system",
            json!({"controller": {"replicas": 1, "runOnControlPlane": true}}),
            2,
        )),
        Provider::Gcp => out.push(git_addon(c, GCP_PD_CSI, "gce-pd-csi-driver", 2)),
        Provider::Docker => out.push(git_addon(c, LOCAL_PATH, "local-path-storage", 2)),
        // GKE and AKS ship a CSI driver with a default StorageClass.
        Provider::Gke | Provider::Aks => {}
    }
    match c.provider {
        // GKE and AKS run metrics-server themselves.
        Provider::Gke | Provider::Aks => {}
        // kubeadm's kubelets serve self-signed certificates, which metrics-server
        // cannot verify without serving-certificate bootstrap and a CSR approver.
        _ => out.push(addon(
            METRICS_SERVER,
            "kube-system",
            if c.provider == Provider::Eks {
                json!({})
            } else {
                json!({"args": ["--kubelet-insecure-tls"]})
            },
            3,
        )),
    }
    // GKE and AKS pools scale with the cloud's autoscaler (enabled on their pools).
    if !cloud_autoscaler(c.provider) {
        let mut a = addon(
            CLUSTER_AUTOSCALER,
            &c.name,
            json!({
                "cloudProvider": "clusterapi",
                // The workload cluster from Cluster API's kubeconfig Secret, the
                // management cluster (MachineDeployments, MachinePools) in-cluster.
                "clusterAPIMode": "kubeconfig-incluster",
                "clusterAPIKubeconfigSecret": format!("{}-kubeconfig", c.name),
                "autoDiscovery": {"clusterName": c.name, "namespace": c.name},
                "rbac": {"clusterScoped": false, "additionalRules": [{
                    // Scale from zero reads capacity from the infrastructure
                    // templates (RBAC has no wildcard suffixes: name the kind).
                    "apiGroups": ["infrastructure.cluster.x-k8s.io"],
                    "resources": [infra_resource(c)],
                    "verbs": ["get", "list", "watch"]
                }]},
                "image": {"tag": autoscaler_image_tag(k8s)}
            }),
            3,
        );
        a.on_management = true;
        out.push(a);
    }
    out
}

/// StorageClasses for CSI drivers whose install creates none.
pub fn storage_classes(c: &spec::Cluster) -> Vec<StorageClassCtx> {
    if c.management {
        return Vec::new();
    }
    let sc = |name: &str, provisioner: &str, params: &[(&str, &str)]| StorageClassCtx {
        name: name.into(),
        provisioner: provisioner.into(),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        default: true,
    };
    match c.provider {
        Provider::Azure => vec![sc(
            "managed-csi",
            "disk.csi.azure.com",
            &[("skuName", "StandardSSD_LRS")],
        )],
        Provider::Gcp => vec![sc(
            "standard-rwo",
            "pd.csi.storage.gke.io",
            &[("type", "pd-balanced")],
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autoscaler_follows_the_release_line() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(autoscaler_image_tag(v("v1.34.1")), "v1.34.2");
        assert_eq!(autoscaler_image_tag(v("v1.33.4")), "v1.33.0");
    }

    #[test]
    fn every_source_is_pinned() {
        for a in ALL {
            assert!(!a.version.is_empty() && a.version != "latest", "{}", a.name);
            assert!(a.chart.is_empty() != a.path.is_empty(), "{}", a.name);
        }
    }
}

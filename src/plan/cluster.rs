//! The cluster itself: provider kinds, control-plane flags by Kubernetes
//! version, the endpoint, provider settings with their defaults, where Argo CD
//! deploys, and how the cluster is registered with Argo CD.

use std::collections::BTreeMap;

use serde::Serialize;

use super::SecretCtx;
use super::labels::{ENVIRONMENT_LABEL, POOL_LABEL, WAVE_LABEL};
use crate::catalog::{self, K8sComponent, Version};
use crate::spec::model::{self as spec, Cloud, Provider, Spec, on_cluster};

/// Argo CD's name for the cluster it runs in.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// The External Secrets template of an Argo CD cluster `config` built from a
/// Cluster API kubeconfig: client certificates (kubeadm, AKS local accounts) or
/// a bearer token (EKS and GKE kubeconfigs, which CAPA and CAPG refresh).
const CONFIG_TEMPLATE: &str = concat!(
    r#"{{- $kc := .kubeconfig | fromYaml -}}"#,
    r#"{{- $cluster := (index $kc.clusters 0).cluster -}}"#,
    r#"{{- $user := (index $kc.users 0).user -}}"#,
    r#"{{- $tls := dict "caData" (index $cluster "certificate-authority-data") -}}"#,
    r#"{{- if hasKey $user "token" -}}"#,
    r#"{{- dict "bearerToken" $user.token "tlsClientConfig" $tls | toJson -}}"#,
    r#"{{- else -}}"#,
    r#"{{- $_ := set $tls "certData" (index $user "client-certificate-data") -}}"#,
    r#"{{- $_ := set $tls "keyData" (index $user "client-key-data") -}}"#,
    r#"{{- dict "tlsClientConfig" $tls | toJson -}}"#,
    r#"{{- end -}}"#,
);

/// The endpoint the cloud assigns, read from Cluster API's kubeconfig.
const SERVER_TEMPLATE: &str =
    r#"{{- (index (.kubeconfig | fromYaml).clusters 0).cluster.server -}}"#;

#[derive(Clone, Debug, Serialize)]
pub struct ClusterCtx {
    pub name: String,
    pub environment: String,
    pub provider: String,
    pub region: String,
    pub wave: u32,
    /// The API server URL Argo CD deploys to; empty when deployed to by name.
    pub server: String,
    pub context: String,
    /// Namespace of the Cluster API objects on the management cluster.
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub control_plane_replicas: u32,
    pub control_plane_instance_type: String,
    pub pod_cidr: String,
    pub service_cidr: String,
    /// The management cluster itself: no Cluster API objects, layers deploy in-cluster.
    pub management: bool,
    /// The cloud runs the control plane (EKS, GKE, AKS).
    pub managed: bool,
    /// `aws`, `gcp`, `azure` or `docker`: the cloud behind the provider.
    pub cloud: String,
    /// Where this cluster's Applications deploy: `{"server": URL}` or, for a managed
    /// cluster registered by name, `{"name": NAME}`.
    pub destination: BTreeMap<String, String>,
    /// Infrastructure kinds and API versions of the provider.
    pub infra: InfraCtx,
    /// Component flags, following the Kubernetes release line.
    pub flags: FlagsCtx,
    /// Extra names in the API server certificate: the host of `server`.
    pub cert_sans: Vec<String>,
    pub aws: Option<AwsCtx>,
    pub gcp: Option<GcpCtx>,
    pub azure: Option<AzureCtx>,
    /// The Argo CD cluster Secret generated from Cluster API's kubeconfig Secret
    /// (none for the management cluster).
    pub registration: Option<RegistrationCtx>,
    /// GPU nodes come with the NVIDIA driver (EKS GPU AMIs, AKS GPU pools): the GPU
    /// operator must not run its driver container there.
    pub gpu_driver_preinstalled: bool,
    /// Some workload maps a service account to a cloud identity: the managed
    /// control plane turns on what workload identity needs (EKS's OIDC
    /// provider, GKE's workload pool, AKS's OIDC issuer and webhook).
    pub workload_identity: bool,
    /// The node name kubeadm registers (AWS: the instance's private DNS name,
    /// which the AWS cloud provider requires), a cloud-init template; none elsewhere.
    pub node_name: Option<String>,
    /// How many control-plane machines a rollout may add: none with a single
    /// replica (etcd quorum of one), else one.
    pub control_plane_max_surge: u32,
    /// The cloud's own autoscaler scales the pools (GKE, AKS); elsewhere the
    /// cluster-autoscaler does, from the pools' annotations.
    pub cloud_autoscaler: bool,
    /// Labels of the cluster's Applications: its wave.
    pub wave_labels: BTreeMap<String, String>,
    /// Labels of its Cluster API `Cluster`: environment and wave.
    pub capi_labels: BTreeMap<String, String>,
}

/// A `name`/`value` pair of kubeadm's v1beta2 `extraArgs` lists.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Arg {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FlagsCtx {
    pub api_server: Vec<Arg>,
    pub controller_manager: Vec<Arg>,
    /// Kubelet flags of control-plane machines (cloud flags plus the pool label).
    pub kubelet_control_plane: Vec<Arg>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct InfraCtx {
    /// `infrastructure.cluster.x-k8s.io/<version>` of the provider's kinds.
    pub api_version: String,
    /// Kind of the infrastructure cluster (`AWSCluster`, `GCPManagedCluster`, ...).
    pub cluster_kind: String,
    /// Kind of the machine templates (self-managed) or managed machine pools.
    pub machine_kind: String,
    /// API group and kind of the control plane (`KubeadmControlPlane`, `AWSManagedControlPlane`, ...).
    pub control_plane_api_version: String,
    /// The API group of `control_plane_api_version` (Cluster API refs name groups).
    pub control_plane_group: String,
    pub control_plane_kind: String,
    /// Name of the control plane object.
    pub control_plane_name: String,
    /// The Kubernetes version as the managed control plane takes it (`v1.34` for
    /// EKS, `1.34` for GKE, the full `v1.34.1` for AKS); unused when self-managed.
    pub control_plane_version: String,
    /// The cluster DNS service IP (the 10th address of the service CIDR), which AKS
    /// needs inside the service CIDR.
    pub dns_service_ip: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AwsCtx {
    /// `""` disables SSH keys; CAPA would otherwise look for a key pair named `default`.
    pub ssh_key_name: String,
    pub ami_id: Option<String>,
    pub vpc_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GcpCtx {
    pub project: String,
    pub network: String,
    pub service_account: Option<String>,
    pub image: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AzureCtx {
    pub subscription_id: String,
    pub tenant_id: String,
    pub client_id: String,
    /// `AzureClusterIdentity` type.
    pub identity_type: String,
    /// Name of the emitted `AzureClusterIdentity`.
    pub identity_name: String,
    /// Secret holding the service principal's client secret (`ServicePrincipal` only).
    pub client_secret: Option<SecretCtx>,
    pub resource_group: String,
    pub vnet: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegistrationCtx {
    /// Cluster API's kubeconfig Secret of the cluster (`<cluster>-kubeconfig`).
    pub kubeconfig_secret: String,
    /// Name of the generated Argo CD cluster Secret.
    pub secret_name: String,
    /// SecretStore and ServiceAccount that read the kubeconfig Secret.
    pub store: String,
    pub service_account: String,
    /// The ExternalSecret's template of the cluster Secret's `server` and `config`
    /// (Go templates that External Secrets evaluates).
    pub server_template: String,
    pub config_template: String,
}

/// Whether the cluster's cloud integration runs out of tree (a cloud controller
/// manager): every self-managed cloud cluster; not docker, not managed clusters
/// (their kubelets and controllers are configured by the cloud).
pub fn external_cloud(p: Provider) -> bool {
    !p.managed() && p.cloud() != Cloud::Docker
}

fn args(pairs: Vec<(&str, &str)>) -> Vec<Arg> {
    pairs
        .into_iter()
        .map(|(n, v)| Arg {
            name: n.to_string(),
            value: v.to_string(),
        })
        .collect()
}

/// Kubelet flags of a node: the cloud flags of the release line, then its labels.
pub fn kubelet_args(p: Provider, k8s: Version, node_labels_csv: &str) -> Vec<Arg> {
    let mut out = args(catalog::component_flags(
        K8sComponent::Kubelet,
        k8s,
        external_cloud(p),
    ));
    out.push(Arg {
        name: "node-labels".into(),
        value: node_labels_csv.to_string(),
    });
    out
}

/// The 10th address of an IPv4 CIDR (`10.128.0.0/12` → `10.128.0.10`), where
/// kubeadm and AKS put the cluster DNS service. Empty when not IPv4.
pub fn dns_service_ip(cidr: &str) -> String {
    let Some((net, bits)) = cidr.split_once('/') else {
        return String::new();
    };
    match (net.parse::<std::net::Ipv4Addr>(), bits.parse::<u32>()) {
        (Ok(ip), Ok(bits)) if bits <= 28 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            std::net::Ipv4Addr::from((u32::from(ip) & mask) + 10).to_string()
        }
        _ => String::new(),
    }
}

/// The pools' names in the managed service. EKS node groups take
/// `<cluster>-<pool>`, GKE node pools the pool name; AKS agent pools at most 12
/// lowercase alphanumerics, made unique with a numeric suffix.
pub fn managed_pool_names(p: Provider, cluster: &str, pools: &[&str]) -> Vec<String> {
    match p {
        Provider::Aks => {
            let mut seen = std::collections::BTreeSet::new();
            // `system` is the agent pool mlpc adds for AKS's system components.
            seen.insert("system".to_string());
            pools
                .iter()
                .map(|name| {
                    let base: String = name
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                        .to_ascii_lowercase();
                    let base = if base.starts_with(|c: char| c.is_ascii_lowercase()) {
                        base
                    } else {
                        format!("p{base}")
                    };
                    let mut candidate: String = base.chars().take(12).collect();
                    let mut n = 1;
                    while !seen.insert(candidate.clone()) {
                        let suffix = n.to_string();
                        candidate = format!(
                            "{}{suffix}",
                            base.chars().take(12 - suffix.len()).collect::<String>()
                        );
                        n += 1;
                    }
                    candidate
                })
                .collect()
        }
        Provider::Eks => pools.iter().map(|n| format!("{cluster}-{n}")).collect(),
        _ => pools.iter().map(|n| n.to_string()).collect(),
    }
}

/// The provider's infrastructure API version, cluster kind and machine kind
/// (machine templates when self-managed, managed pools when managed).
pub fn infra_kinds(p: Provider) -> (&'static str, &'static str, &'static str) {
    match p {
        Provider::Aws => ("v1beta2", "AWSCluster", "AWSMachineTemplate"),
        Provider::Gcp => ("v1beta1", "GCPCluster", "GCPMachineTemplate"),
        Provider::Azure => ("v1beta1", "AzureCluster", "AzureMachineTemplate"),
        Provider::Docker => ("v1beta1", "DockerCluster", "DockerMachineTemplate"),
        Provider::Eks => ("v1beta2", "AWSManagedCluster", "AWSManagedMachinePool"),
        Provider::Gke => ("v1beta1", "GCPManagedCluster", "GCPManagedMachinePool"),
        Provider::Aks => ("v1beta1", "AzureManagedCluster", "AzureManagedMachinePool"),
    }
}

fn infra(c: &spec::Cluster, k8s: Version) -> InfraCtx {
    let (version, cluster_kind, machine_kind) = infra_kinds(c.provider);
    let (cp_api, cp_kind) = match c.provider {
        Provider::Eks => (
            "controlplane.cluster.x-k8s.io/v1beta2",
            "AWSManagedControlPlane",
        ),
        Provider::Gke => (
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "GCPManagedControlPlane",
        ),
        Provider::Aks => (
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "AzureManagedControlPlane",
        ),
        _ => (
            "controlplane.cluster.x-k8s.io/v1beta2",
            "KubeadmControlPlane",
        ),
    };
    InfraCtx {
        api_version: format!("infrastructure.cluster.x-k8s.io/{version}"),
        cluster_kind: cluster_kind.into(),
        machine_kind: machine_kind.into(),
        control_plane_api_version: cp_api.into(),
        control_plane_group: cp_api.split('/').next().unwrap_or_default().into(),
        control_plane_kind: cp_kind.into(),
        control_plane_name: format!("{}-control-plane", c.name),
        control_plane_version: match c.provider {
            Provider::Eks => format!("v{}.{}", k8s.major, k8s.minor),
            Provider::Gke => format!("{}.{}", k8s.major, k8s.minor),
            _ => format!("v{k8s}"),
        },
        dns_service_ip: dns_service_ip(&c.network.service_cidr),
    }
}

/// The host of a `https://host:port` URL (validation checked its shape).
pub fn server_host(server: &str) -> Option<String> {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?.to_string()
    } else {
        authority.split(':').next()?.to_string()
    };
    (!host.is_empty()).then_some(host)
}

/// Where the cluster's Applications deploy.
fn destination(c: &spec::Cluster, fleet_size: usize) -> BTreeMap<String, String> {
    let one = |k: &str, v: &str| BTreeMap::from([(k.to_string(), v.to_string())]);
    match &c.server {
        Some(s) => one("server", s),
        None if c.management => one("server", IN_CLUSTER),
        // A managed cluster's endpoint is assigned by the cloud: it is registered
        // with Argo CD under its name (see `registration`), and deployed to by name.
        None if c.provider.managed() => one("name", &c.name),
        // Validation allows this only in a single-cluster fleet (W151).
        None => {
            debug_assert!(fleet_size <= 1);
            one("server", IN_CLUSTER)
        }
    }
}

fn registration(c: &spec::Cluster) -> Option<RegistrationCtx> {
    if c.management {
        return None;
    }
    Some(RegistrationCtx {
        kubeconfig_secret: format!("{}-kubeconfig", c.name),
        secret_name: format!("cluster-{}", c.name),
        store: format!("{}-capi-kubeconfig", c.name),
        service_account: format!("{}-capi-kubeconfig", c.name),
        server_template: c
            .server
            .clone()
            .unwrap_or_else(|| SERVER_TEMPLATE.to_string()),
        config_template: CONFIG_TEMPLATE.to_string(),
    })
}

pub(super) fn default_cp_instance(p: Provider) -> &'static str {
    match p.cloud() {
        Cloud::Aws => "m6i.xlarge",
        Cloud::Gcp => "n2-standard-4",
        Cloud::Azure => "Standard_D4s_v5",
        Cloud::Docker => "docker",
    }
}

/// EKS only publishes Amazon Linux 2 AMIs, the GPU one included, up to 1.32;
/// the CAPA API mlpc emits knows no AL2023 NVIDIA type, so GPU pools on 1.33+
/// get the standard AL2023 image (W180 says what that means).
pub fn eks_ami_type(gpu: bool, k8s: Version) -> &'static str {
    if gpu && k8s.line() < (1, 33) {
        "AL2_x86_64_GPU"
    } else {
        "AL2023_x86_64_STANDARD"
    }
}

/// Whether GPU nodes come with the NVIDIA driver installed, so the GPU
/// operator must not run its driver container: EKS GPU AMIs and AKS GPU agent
/// pools install it; kubeadm nodes and GKE's Ubuntu node pools do not.
pub fn gpu_driver_preinstalled(p: Provider, k8s: Version) -> bool {
    match p {
        Provider::Eks => eks_ami_type(true, k8s) == "AL2_x86_64_GPU",
        Provider::Aks => true,
        _ => false,
    }
}

/// Whether the cloud's own autoscaler scales the pools (GKE and AKS, enabled on
/// their pools); elsewhere mlpc runs the cluster-autoscaler.
pub fn cloud_autoscaler(p: Provider) -> bool {
    matches!(p, Provider::Gke | Provider::Aks)
}

/// Does a workload on cluster `c` map a service account to a cloud identity:
/// a model's `storage.identity`, or External Secrets' store identity?
pub fn wants_workload_identity(s: &Spec, c: &spec::Cluster) -> bool {
    s.secret_stores.iter().any(|st| st.identity.is_some())
        || s.serving.models.iter().any(|m| {
            on_cluster(&m.clusters, &c.name)
                && m.storage.as_ref().is_some_and(|st| st.identity.is_some())
        })
}

/// The platform's Kubernetes version (validation checked it parses).
pub fn k8s_version(s: &Spec) -> Version {
    Version::parse(&s.platform.kubernetes_version).unwrap_or(Version {
        major: 1,
        minor: 34,
        patch: 0,
    })
}

pub fn cluster_ctx(s: &Spec, c: &spec::Cluster) -> ClusterCtx {
    let k8s = k8s_version(s);
    let external = external_cloud(c.provider);
    let cloud = c.provider.cloud();
    let aws = (cloud == Cloud::Aws).then(|| {
        let a = c.aws.clone().unwrap_or_default();
        AwsCtx {
            ssh_key_name: a.ssh_key_name.unwrap_or_default(),
            ami_id: a.ami_id,
            vpc_id: a.vpc_id,
        }
    });
    // Validation requires the table on GCP and Azure clusters.
    let gcp = (cloud == Cloud::Gcp)
        .then(|| c.gcp.clone())
        .flatten()
        .map(|g| GcpCtx {
            project: g.project,
            network: g.network.unwrap_or_else(|| format!("{}-net", c.name)),
            service_account: g.service_account,
            image: g.image,
        });
    let azure = (cloud == Cloud::Azure)
        .then(|| c.azure.clone())
        .flatten()
        .map(|a| AzureCtx {
            subscription_id: a.subscription_id,
            tenant_id: a.tenant_id,
            client_id: a.client_id,
            identity_type: a.identity.kind().into(),
            identity_name: format!("{}-identity", c.name),
            client_secret: a.client_secret.as_ref().map(SecretCtx::from),
            resource_group: a.resource_group.unwrap_or_else(|| c.name.clone()),
            vnet: a.vnet.unwrap_or_else(|| format!("{}-vnet", c.name)),
        });
    let mut kubelet_cp = args(catalog::component_flags(
        K8sComponent::Kubelet,
        k8s,
        external,
    ));
    kubelet_cp.push(Arg {
        name: "node-labels".into(),
        value: format!("{POOL_LABEL}=control-plane"),
    });
    ClusterCtx {
        workload_identity: wants_workload_identity(s, c),
        name: c.name.clone(),
        environment: c.environment.clone(),
        provider: c.provider.as_str().into(),
        region: c.region.clone(),
        wave: c.wave,
        // Empty for a managed cluster deployed to by name: its endpoint is only
        // known once the cloud has created it.
        server: destination(c, s.clusters.len())
            .get("server")
            .cloned()
            .unwrap_or_default(),
        context: c.context.clone().unwrap_or_else(|| c.name.clone()),
        namespace: c.name.clone(),
        labels: c.labels.clone(),
        control_plane_replicas: c.control_plane.replicas,
        control_plane_instance_type: c
            .control_plane
            .instance_type
            .clone()
            .unwrap_or_else(|| default_cp_instance(c.provider).into()),
        pod_cidr: c.network.pod_cidr.clone(),
        service_cidr: c.network.service_cidr.clone(),
        management: c.management,
        managed: c.provider.managed(),
        cloud: cloud.table().into(),
        destination: destination(c, s.clusters.len()),
        infra: infra(c, k8s),
        flags: FlagsCtx {
            api_server: args(catalog::component_flags(
                K8sComponent::ApiServer,
                k8s,
                external,
            )),
            controller_manager: args(catalog::component_flags(
                K8sComponent::ControllerManager,
                k8s,
                external,
            )),
            kubelet_control_plane: kubelet_cp,
        },
        cert_sans: c
            .server
            .as_deref()
            .and_then(server_host)
            .into_iter()
            .collect(),
        aws,
        gcp,
        azure,
        registration: registration(c),
        gpu_driver_preinstalled: gpu_driver_preinstalled(c.provider, k8s),
        node_name: (c.provider == Provider::Aws)
            .then(|| "{{ ds.meta_data.local_hostname }}".to_string()),
        control_plane_max_surge: if c.control_plane.replicas == 1 { 0 } else { 1 },
        cloud_autoscaler: cloud_autoscaler(c.provider),
        wave_labels: BTreeMap::from([(WAVE_LABEL.to_string(), c.wave.to_string())]),
        capi_labels: BTreeMap::from([
            (ENVIRONMENT_LABEL.to_string(), c.environment.clone()),
            (WAVE_LABEL.to_string(), c.wave.to_string()),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_host_takes_the_host_of_any_url_shape() {
        assert_eq!(
            server_host("https://prod.k8s.acme.example:6443").as_deref(),
            Some("prod.k8s.acme.example")
        );
        assert_eq!(server_host("https://10.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(
            server_host("https://[fd00::1]:6443").as_deref(),
            Some("fd00::1")
        );
        assert_eq!(server_host("https://").as_deref(), None);
    }

    #[test]
    fn dns_service_ip_is_the_tenth_address() {
        assert_eq!(dns_service_ip("10.128.0.0/12"), "10.128.0.10");
        assert_eq!(dns_service_ip("10.96.5.0/12"), "10.96.0.10");
        assert_eq!(dns_service_ip("fd00::/108"), "");
    }

    #[test]
    fn aks_pool_names_are_short_unique_alphanumerics() {
        let names = managed_pool_names(
            Provider::Aks,
            "c",
            &[
                "gpu-a100",
                "gpu-a100x",
                "gpu-a100-spot-large",
                "gpu-a100-spot-larger",
                "system",
                "1cpu",
            ],
        );
        assert_eq!(
            names,
            vec![
                "gpua100",
                "gpua100x",
                "gpua100spotl",
                "gpua100spot1",
                "system1",
                "p1cpu"
            ]
        );
        assert!(names.iter().all(|n| n.len() <= 12));
        assert_eq!(
            managed_pool_names(Provider::Eks, "prod", &["gpu-a100"]),
            vec!["prod-gpu-a100"]
        );
    }

    #[test]
    fn only_self_managed_cloud_clusters_run_an_external_cloud_provider() {
        for p in Provider::ALL {
            let expected = matches!(p, Provider::Aws | Provider::Gcp | Provider::Azure);
            assert_eq!(external_cloud(p), expected, "{}", p.as_str());
        }
    }
}

//! The typed model of `ml-platform.toml`.
//!
//! Doc comments here become the descriptions in `schemas/ml-platform.schema.json`,
//! which TOML editors show on hover; keep them short and user-facing.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An ML platform: clusters, GPU node pools, teams and the Kubeflow stacks they use.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The platform: name, domain, Kubernetes version.
    pub platform: Platform,
    /// Where Argo CD syncs the compiled output from.
    pub gitops: Gitops,
    /// Version overrides of the built-in component catalog, e.g. `kserve = "v0.15.2"`.
    /// `mlpc catalog` lists the components, default versions, release lines and
    /// known-incompatible pairs.
    #[serde(default)]
    pub components: Components,
    /// Kubernetes clusters of the fleet.
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// Node pools (Cluster API MachineDeployments), GPU or CPU.
    #[serde(default)]
    pub node_pools: Vec<NodePool>,
    /// Tenant teams: one namespace per team and cluster, with quotas.
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    /// Kubeflow Pipelines.
    pub pipelines: Pipelines,
    #[serde(default)]
    /// Kubeflow Trainer and Kueue.
    pub training: Training,
    #[serde(default)]
    /// Katib hyperparameter tuning.
    pub tuning: Tuning,
    #[serde(default)]
    /// KServe model serving.
    pub serving: Serving,
    #[serde(default)]
    /// Istio service mesh settings.
    pub mesh: Mesh,
    #[serde(default)]
    /// Gatekeeper policies and their parameters.
    pub policy: Policy,
    #[serde(default)]
    /// Cost settings (OpenCost and `mlpc cost`).
    pub cost: Cost,
    #[serde(default)]
    /// Drift detection settings (`mlpc drift`).
    pub drift: Drift,
    #[serde(default)]
    /// Rollout of changes across the fleet, wave by wave.
    pub fleet: Fleet,
    /// External secret stores (`external = { store = "..." }` names one): mlpc
    /// installs External Secrets and a ClusterSecretStore per entry on every cluster.
    #[serde(default)]
    pub secret_stores: Vec<SecretStore>,
}

/// A secret store External Secrets reads credentials from. It authenticates as
/// its own service account (`external-secrets/external-secrets`): IRSA, GKE or
/// Azure workload identity, or Vault's Kubernetes auth.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretStore {
    /// Name of the ClusterSecretStore, as `external.store` references it.
    pub name: String,
    /// `aws` (Secrets Manager), `gcp` (Secret Manager), `azure` (Key Vault) or `vault`.
    pub provider: SecretStoreProvider,
    /// AWS region (`aws`).
    #[serde(default)]
    pub region: Option<String>,
    /// The cloud identity External Secrets' service account maps to (optional): an
    /// IAM role ARN (`aws`, IRSA), a Google service account email (`gcp`, GKE
    /// workload identity) or a managed identity's client ID (`azure`, workload identity).
    #[serde(default)]
    pub identity: Option<String>,
    /// GCP project of the secrets (`gcp`).
    #[serde(default)]
    pub project: Option<String>,
    /// Key Vault URL, `https://NAME.vault.azure.net` (`azure`).
    #[serde(default)]
    pub vault_url: Option<String>,
    /// Vault server URL (`vault`).
    #[serde(default)]
    pub server: Option<String>,
    /// KV v2 mount path (`vault`, default `secret`).
    #[serde(default)]
    pub path: Option<String>,
    /// Role of Vault's Kubernetes auth (`vault`).
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SecretStoreProvider {
    Aws,
    Gcp,
    Azure,
    Vault,
}

/// Rollout of the fleet: the generated ApplicationSet syncs clusters wave by wave.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// Per-wave settings (waves without an entry update all their clusters at once).
    #[serde(default)]
    pub waves: Vec<WaveSettings>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaveSettings {
    /// The wave these settings apply to.
    pub wave: u32,
    /// How many clusters of the wave update at once: a count (`1`) or a share (`"25%"`).
    #[serde(default)]
    pub max_update: Option<Quantity>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    /// Platform name, a DNS-1123 label; part of every object's labels.
    pub name: String,
    /// Base DNS domain; models are served at `<model>.<team>.<domain>`.
    pub domain: String,
    /// Kubernetes version of workload clusters, e.g. `v1.34.1`.
    #[serde(default = "default_k8s")]
    pub kubernetes_version: String,
}

fn default_k8s() -> String {
    "v1.34.1".into()
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gitops {
    /// Git repository Argo CD syncs the compiled output from.
    pub repo_url: String,
    /// Branch, tag or commit Argo CD tracks.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// Folder of the compiled output inside the repository.
    #[serde(default = "default_out_path")]
    pub path: String,
    /// Namespace Argo CD runs in on the management cluster.
    #[serde(default = "default_argocd_ns")]
    pub argocd_namespace: String,
    /// Argo CD AppProject name (defaults to the platform name).
    #[serde(default)]
    pub project: Option<String>,
}

fn default_revision() -> String {
    "main".into()
}
fn default_out_path() -> String {
    "out".into()
}
fn default_argocd_ns() -> String {
    "argocd".into()
}

/// Component versions; unset entries use the built-in catalog. `mlpc catalog` lists each
/// component's default version, the release lines mlpc renders for, where it installs from
/// and the known-incompatible combinations (`mlpc catalog --format json` for tools).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Components {
    /// Istio Helm charts version (base, istiod, gateway), e.g. `1.28.1`.
    pub istio: Option<String>,
    /// cert-manager Helm chart version, e.g. `v1.19.1`.
    pub cert_manager: Option<String>,
    /// Kubeflow Pipelines release tag, e.g. `2.14.3`.
    pub kfp: Option<String>,
    /// Katib release tag, e.g. `v0.19.0`.
    pub katib: Option<String>,
    /// KServe Helm chart version, e.g. `v0.16.0`.
    pub kserve: Option<String>,
    /// Kubeflow Trainer release tag, e.g. `v2.1.0`.
    pub trainer: Option<String>,
    /// Kueue version, e.g. `v0.16.0` (v0.15+ serves kueue.x-k8s.io/v1beta2).
    pub kueue: Option<String>,
    /// Gatekeeper Helm chart version, e.g. `3.21.0`.
    pub gatekeeper: Option<String>,
    /// OpenCost Helm chart version, e.g. `2.3.2`.
    pub opencost: Option<String>,
    /// NVIDIA GPU operator Helm chart version, e.g. `v25.10.0`.
    pub gpu_operator: Option<String>,
    /// Cluster API version of the management cluster, e.g. `v1.11.3` (v1.11+ serves v1beta2).
    pub cluster_api: Option<String>,
}

#[derive(
    Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
// No doc comments on the variants: they would turn the schema's `enum` into a
// `oneOf` of constants, and validation would lose its "did you mean" hint.
// `aws`, `gcp`, `azure`: a kubeadm control plane on the cloud's machines (CAPA,
// CAPG, CAPZ); `docker`: CAPD, for development; `eks`, `gke`, `aks`: the
// cloud's managed control plane and node pools through the same providers.
pub enum Provider {
    Aws,
    Gcp,
    Azure,
    Docker,
    Eks,
    Gke,
    Aks,
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::Aws,
        Provider::Gcp,
        Provider::Azure,
        Provider::Docker,
        Provider::Eks,
        Provider::Gke,
        Provider::Aks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Gcp => "gcp",
            Provider::Azure => "azure",
            Provider::Docker => "docker",
            Provider::Eks => "eks",
            Provider::Gke => "gke",
            Provider::Aks => "aks",
        }
    }

    /// The cloud behind the provider: its settings table (`aws`, `gcp`,
    /// `azure`) and its infrastructure provider.
    pub fn cloud(self) -> Cloud {
        match self {
            Provider::Aws | Provider::Eks => Cloud::Aws,
            Provider::Gcp | Provider::Gke => Cloud::Gcp,
            Provider::Azure | Provider::Aks => Cloud::Azure,
            Provider::Docker => Cloud::Docker,
        }
    }

    /// Whether the cloud runs the control plane (EKS, GKE, AKS).
    pub fn managed(self) -> bool {
        matches!(self, Provider::Eks | Provider::Gke | Provider::Aks)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
    Docker,
}

impl Cloud {
    /// The per-cluster settings table of this cloud.
    pub fn table(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
            Cloud::Docker => "docker",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Cluster name, a DNS-1123 label.
    pub name: String,
    /// Environment; selects the overlay `environments/<environment>.toml`.
    pub environment: String,
    /// Infrastructure provider of the Cluster API objects: self-managed `aws`, `gcp`,
    /// `azure` or `docker` (kubeadm control plane), or managed `eks`, `gke`, `aks`.
    pub provider: Provider,
    /// Cloud region (or a free label for `docker`).
    pub region: String,
    /// Rollout wave: wave 0 syncs first.
    #[serde(default)]
    pub wave: u32,
    /// kubeconfig context used by `mlpc drift` (defaults to the cluster name).
    #[serde(default)]
    pub context: Option<String>,
    /// Kubernetes API server URL Argo CD deploys to. Self-managed clusters: the DNS name
    /// of the control-plane endpoint (it goes into the API server certificate; point it
    /// at the load balancer Cluster API creates). Managed clusters may leave it out: they
    /// are registered with Argo CD by name, with the endpoint the cloud assigns. Required
    /// in a fleet of more than one cluster, except on the management cluster itself.
    #[serde(default)]
    pub server: Option<String>,
    /// This cluster is the management cluster itself (Argo CD and Cluster API run on it):
    /// its layers deploy in-cluster and mlpc emits no Cluster API objects for it.
    #[serde(default)]
    pub management: bool,
    /// AWS settings (`aws` and `eks` clusters).
    #[serde(default)]
    pub aws: Option<AwsSettings>,
    /// GCP settings (`gcp` and `gke` clusters; `project` is required).
    #[serde(default)]
    pub gcp: Option<GcpSettings>,
    /// Azure settings (`azure` and `aks` clusters; subscription, tenant and identity are required).
    #[serde(default)]
    pub azure: Option<AzureSettings>,
    /// Extra labels for this cluster's generated Applications.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Control plane machines.
    #[serde(default)]
    pub control_plane: ControlPlane,
    /// Per-cluster component version pins (win over `[components]`).
    #[serde(default)]
    pub components: Components,
    /// Pod and service CIDRs.
    #[serde(default)]
    pub network: ClusterNetwork,
}

/// AWS settings of a cluster (`aws`, `eks`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AwsSettings {
    /// EC2 key pair for SSH to the nodes. Unset: no key pair (CAPA would otherwise look
    /// for one named `default`).
    #[serde(default)]
    pub ssh_key_name: Option<String>,
    /// Machine image (`ami-...`) of self-managed nodes. Unset: CAPA looks up its
    /// published image for the Kubernetes version.
    #[serde(default)]
    pub ami_id: Option<String>,
    /// Existing VPC to use (`vpc-...`). Unset: CAPA creates one.
    #[serde(default)]
    pub vpc_id: Option<String>,
}

/// GCP settings of a cluster (`gcp`, `gke`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GcpSettings {
    /// Project ID the cluster is created in, e.g. `acme-ml-prod`.
    pub project: String,
    /// VPC network name. Unset: `<cluster>-net`, created by CAPG.
    #[serde(default)]
    pub network: Option<String>,
    /// Service account email the nodes run as. Unset: the project's default compute
    /// service account.
    #[serde(default)]
    pub service_account: Option<String>,
    /// Node image of self-managed nodes (a self link or `projects/P/global/images/I`).
    /// Unset: CAPG's default image lookup for the Kubernetes version.
    #[serde(default)]
    pub image: Option<String>,
}

/// How Cluster API authenticates to Azure.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AzureIdentity {
    /// Azure workload identity federated with CAPZ's service account (no secret).
    #[default]
    Workload,
    /// A service principal with a client secret (`client_secret` is then required).
    ServicePrincipal,
    /// A user-assigned managed identity of the management cluster's nodes.
    UserAssignedMsi,
}

impl AzureIdentity {
    /// The `AzureClusterIdentity` type.
    pub fn kind(self) -> &'static str {
        match self {
            AzureIdentity::Workload => "WorkloadIdentity",
            AzureIdentity::ServicePrincipal => "ServicePrincipal",
            AzureIdentity::UserAssignedMsi => "UserAssignedMSI",
        }
    }
}

/// Azure settings of a cluster (`azure`, `aks`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AzureSettings {
    /// Subscription ID (a GUID).
    pub subscription_id: String,
    /// Microsoft Entra tenant ID (a GUID).
    pub tenant_id: String,
    /// Client ID (a GUID) of the identity Cluster API uses.
    pub client_id: String,
    /// Kind of identity: `workload` (default), `service-principal` or `user-assigned-msi`.
    #[serde(default)]
    pub identity: AzureIdentity,
    /// The service principal's secret (`service-principal` only): a reference, never the value.
    #[serde(default)]
    pub client_secret: Option<SecretRef>,
    /// Resource group of the cluster. Unset: the cluster name.
    #[serde(default)]
    pub resource_group: Option<String>,
    /// Virtual network name. Unset: `<cluster>-vnet`.
    #[serde(default)]
    pub vnet: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ControlPlane {
    #[serde(default = "default_cp_replicas")]
    /// Control plane machines; an odd number (stacked etcd).
    pub replicas: u32,
    /// Instance type of control plane machines (provider specific).
    #[serde(default)]
    pub instance_type: Option<String>,
    /// Price of one control plane machine per hour, in `[cost] currency`; `mlpc cost`
    /// adds `replicas` machines (unset: the control plane is not priced, and the report says so).
    #[serde(default)]
    pub hourly_price: Option<f64>,
}

impl Default for ControlPlane {
    fn default() -> Self {
        ControlPlane {
            replicas: default_cp_replicas(),
            instance_type: None,
            hourly_price: None,
        }
    }
}

fn default_cp_replicas() -> u32 {
    3
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterNetwork {
    #[serde(default = "default_pod_cidr")]
    /// Pod network CIDR.
    pub pod_cidr: String,
    #[serde(default = "default_service_cidr")]
    /// Service network CIDR.
    pub service_cidr: String,
}

impl Default for ClusterNetwork {
    fn default() -> Self {
        ClusterNetwork {
            pod_cidr: default_pod_cidr(),
            service_cidr: default_service_cidr(),
        }
    }
}
fn default_pod_cidr() -> String {
    "192.168.0.0/16".into()
}
fn default_service_cidr() -> String {
    "10.128.0.0/12".into()
}

/// A GPU model attached to every node of a pool.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gpu {
    /// GPU product, e.g. `nvidia-a100-80gb`, `nvidia-h100-80gb`, `nvidia-l4`.
    #[serde(rename = "type")]
    pub kind: String,
    /// GPUs per node.
    pub count: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NodePool {
    /// Pool name, a DNS-1123 label.
    pub name: String,
    /// Provider instance type, e.g. `p4d.24xlarge`.
    pub instance_type: String,
    /// GPUs per node; absent for CPU pools.
    #[serde(default)]
    pub gpu: Option<Gpu>,
    /// vCPUs per node (for scale-from-zero capacity and quotas).
    pub cpu: u32,
    /// Memory per node in GiB.
    pub memory_gib: u32,
    #[serde(default)]
    /// Fewest nodes; 0 lets an idle GPU pool scale to zero.
    pub min_nodes: u32,
    /// Most nodes the cluster autoscaler may add.
    pub max_nodes: u32,
    /// Spot / preemptible capacity.
    #[serde(default)]
    pub spot: bool,
    /// On-demand (or spot) price of one node per hour, in `[cost] currency`.
    pub hourly_price: f64,
    /// Root disk of each node in GiB: the machines get it and `mlpc cost` prices it at
    /// `[cost] storage_gib_month` (unset: 100 GiB, 500 GiB for GPU pools, 128/512 on Azure;
    /// not priced, and the report says so).
    #[serde(default)]
    pub disk_gib: Option<u32>,
    /// Clusters this pool exists in; empty means every cluster.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Extra node labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Team {
    /// Team name, a DNS-1123 label; also its namespace name.
    pub name: String,
    /// Users (emails) with admin rights in the team namespace.
    #[serde(default)]
    pub owners: Vec<String>,
    /// Users (emails) with edit rights in the team namespace.
    #[serde(default)]
    pub members: Vec<String>,
    /// Clusters the team exists in; empty means every cluster.
    #[serde(default)]
    pub clusters: Vec<String>,
    #[serde(default)]
    /// Quota of the team in each of its clusters.
    pub quota: Quota,
    /// GPU node pools the team's workloads may use; empty means all GPU pools.
    #[serde(default)]
    pub gpu_pools: Vec<String>,
    /// Create a Kubeflow Profile instead of a plain Namespace. Kubeflow Pipelines is
    /// single-user: pipeline runs execute in `kubeflow`, not in Profile namespaces.
    #[serde(default)]
    pub profile: bool,
    /// How the team's training and tuning pods (ClusterTrainingRuntimes,
    /// Katib trials) authenticate to its buckets: they run as the team's
    /// service account `mlpc-workloads`, which carries `identity`; with
    /// `node_identity` they (pods labelled `mlpc.io/storage-identity: team`)
    /// may reach the metadata endpoint; `credentials` and `endpoint`/`region`
    /// become their environment. Without it they have no cloud identity.
    #[serde(default)]
    pub storage: Option<Storage>,
}

/// Whether an entry with this `clusters` list (a pool, team, model, experiment;
/// or a `--cluster` selection) takes in `cluster`: an empty list means every
/// cluster. The one home of that rule.
pub fn on_cluster(list: &[String], cluster: &str) -> bool {
    list.is_empty() || list.iter().any(|c| c == cluster)
}

impl NodePool {
    /// The most GPUs the pool can hold: every node (`max_nodes`) with its GPUs.
    pub fn gpu_capacity(&self) -> u64 {
        u64::from(self.max_nodes) * u64::from(self.gpu.as_ref().map_or(0, |g| g.count))
    }
}

impl Team {
    /// Whether the team's workloads may use the GPU pool `pool` (an empty
    /// `gpu_pools` means every GPU pool).
    pub fn may_use_pool(&self, pool: &str) -> bool {
        self.gpu_pools.is_empty() || self.gpu_pools.iter().any(|p| p == pool)
    }
}

/// Per-team quota, applied per cluster.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// GPUs (`requests.nvidia.com/gpu`).
    #[serde(default)]
    pub gpu: u32,
    /// CPU cores, a Kubernetes quantity (`"64"`, `"500m"`).
    #[serde(default)]
    pub cpu: Option<Quantity>,
    /// Memory, a Kubernetes quantity (`"256Gi"`).
    #[serde(default)]
    pub memory: Option<Quantity>,
    #[serde(default)]
    /// Pods in the team namespace.
    pub pods: Option<u32>,
    /// GPUs the team may borrow from its cohort above its quota.
    #[serde(default)]
    pub gpu_borrowing_limit: Option<u32>,
}

/// A Kubernetes quantity, written as a string (`"64"`, `"500m"`, `"256Gi"`) or a number.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
        }
        Ok(Quantity(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
        }))
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A Kubernetes quantity such as \"64\", \"500m\" or \"256Gi\".",
            "type": ["string", "integer", "number"],
            "examples": ["64", "256Gi"]
        })
    }
}

/// A reference to a credential: never the credential itself.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretRef {
    /// Name of the Kubernetes Secret that holds the credential.
    pub secret_name: String,
    /// When set, mlpc emits an ExternalSecret that fills `secret_name` from this store.
    #[serde(default)]
    pub external: Option<ExternalSecretRef>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExternalSecretRef {
    /// Name of the ClusterSecretStore.
    pub store: String,
    /// Key of the secret in the external store.
    pub key: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pipelines {
    #[serde(default = "yes")]
    /// Install Kubeflow Pipelines.
    pub enabled: bool,
    #[serde(default)]
    /// Where pipeline artifacts are stored.
    pub artifact_store: ArtifactStore,
    /// Default pipeline root, e.g. `s3://bucket/pipelines`; derived from the store when unset.
    #[serde(default)]
    pub pipeline_root: Option<String>,
    /// Step caching.
    #[serde(default = "yes")]
    pub cache_enabled: bool,
}

impl Default for Pipelines {
    fn default() -> Self {
        Pipelines {
            enabled: true,
            artifact_store: ArtifactStore::default(),
            pipeline_root: None,
            cache_enabled: true,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactStoreKind {
    /// Amazon S3 or an S3-compatible endpoint.
    S3,
    /// The in-cluster object store that ships with Kubeflow Pipelines.
    #[default]
    InCluster,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ArtifactStore {
    #[serde(default, rename = "type")]
    /// `s3` (Amazon S3 or compatible) or `incluster` (the object store that ships with Pipelines).
    pub kind: ArtifactStoreKind,
    #[serde(default)]
    /// Bucket of the artifact store (required for `s3`).
    pub bucket: Option<String>,
    #[serde(default)]
    /// Region of the bucket, e.g. `us-east-1`.
    pub region: Option<String>,
    /// S3-compatible endpoint (host[:port]); AWS S3 when unset.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Access credentials; omit to use workload identity (IRSA).
    #[serde(default)]
    pub credentials: Option<SecretRef>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Training {
    #[serde(default = "yes")]
    /// Install Kueue and Kubeflow Trainer.
    pub enabled: bool,
    /// Kueue cohort all team ClusterQueues join (borrowing happens inside it).
    #[serde(default = "default_cohort")]
    pub cohort: String,
    /// Training runtimes (ClusterTrainingRuntimes).
    #[serde(default)]
    pub runtimes: Vec<TrainingRuntime>,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            enabled: true,
            cohort: default_cohort(),
            runtimes: Vec::new(),
        }
    }
}

fn default_cohort() -> String {
    "ml-platform".into()
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrainingRuntime {
    /// Runtime name, a DNS-1123 label.
    pub name: String,
    /// Trainer image, e.g. `pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime`.
    pub image: String,
    /// GPU node pool the runtime's pods land on.
    pub node_pool: String,
    /// Processes (GPUs) per node; defaults to the pool's GPUs per node.
    #[serde(default)]
    pub gpus_per_node: Option<u32>,
    /// Number of nodes per job.
    #[serde(default = "one")]
    pub num_nodes: u32,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    #[serde(default = "yes")]
    /// Install Katib.
    pub enabled: bool,
    #[serde(default)]
    /// Hyperparameter sweeps (Katib Experiments).
    pub experiments: Vec<Experiment>,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            enabled: true,
            experiments: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ObjectiveType {
    Maximize,
    Minimize,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Random,
    Grid,
    Bayesianoptimization,
    Tpe,
    Hyperband,
    Cmaes,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Random => "random",
            Algorithm::Grid => "grid",
            Algorithm::Bayesianoptimization => "bayesianoptimization",
            Algorithm::Tpe => "tpe",
            Algorithm::Hyperband => "hyperband",
            Algorithm::Cmaes => "cmaes",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Experiment name, a DNS-1123 label.
    pub name: String,
    /// Team whose namespace and quota the trials use.
    pub team: String,
    /// Clusters to run on; empty means every cluster of the team.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// What to optimize: the metric the trial prints and its direction.
    pub objective: Objective,
    /// Katib search algorithm.
    pub algorithm: Algorithm,
    #[serde(default = "default_max_trials")]
    /// Total trials of the experiment.
    pub max_trials: u32,
    #[serde(default = "default_parallel")]
    /// Trials running at once (at most `max_trials`).
    pub parallel_trials: u32,
    #[serde(default = "default_failed")]
    /// Failed trials after which the experiment fails.
    pub max_failed_trials: u32,
    /// Trial container image.
    pub image: String,
    /// Trial command; `${trialParameters.<name>}` placeholders are filled by Katib.
    pub command: Vec<String>,
    /// GPU node pool for trials (none: CPU trials).
    #[serde(default)]
    pub node_pool: Option<String>,
    #[serde(default)]
    /// GPUs per trial pod.
    pub gpus_per_trial: u32,
    #[serde(default = "default_trial_cpu")]
    /// CPU per trial (request and limit).
    pub cpu: Quantity,
    #[serde(default = "default_trial_memory")]
    /// Memory per trial (request and limit).
    pub memory: Quantity,
    /// The search space.
    pub parameters: Vec<Parameter>,
}

fn default_max_trials() -> u32 {
    12
}
fn default_parallel() -> u32 {
    3
}
fn default_failed() -> u32 {
    3
}
fn default_trial_cpu() -> Quantity {
    Quantity("4".into())
}
fn default_trial_memory() -> Quantity {
    Quantity("16Gi".into())
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    #[serde(rename = "type")]
    /// `maximize` or `minimize`.
    pub kind: ObjectiveType,
    /// Metric the trial prints, e.g. `accuracy`.
    pub metric: String,
    #[serde(default)]
    /// Stop the experiment once the metric reaches this value.
    pub goal: Option<f64>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ParameterType {
    Double,
    Int,
    Categorical,
    Discrete,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// Parameter name; the trial command uses `${trialParameters.<name>}`.
    pub name: String,
    #[serde(rename = "type")]
    /// `double`, `int`, `categorical` or `discrete`.
    pub kind: ParameterType,
    #[serde(default)]
    /// Lower bound (double and int parameters).
    pub min: Option<f64>,
    #[serde(default)]
    /// Upper bound (double and int parameters).
    pub max: Option<f64>,
    #[serde(default)]
    /// Step of the grid (required for double parameters with `grid`).
    pub step: Option<f64>,
    /// Values for categorical and discrete parameters.
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentMode {
    /// Knative-based serverless mode: scale to zero, revisions, canary traffic split.
    Knative,
    /// Plain Deployments + HPA ("RawDeployment" / "Standard"): no canary traffic split.
    #[default]
    Standard,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Serving {
    #[serde(default = "yes")]
    /// Install KServe.
    pub enabled: bool,
    /// Default deployment mode of InferenceServices.
    #[serde(default)]
    pub deployment_mode: DeploymentMode,
    #[serde(default)]
    /// Custom model servers (ServingRuntimes).
    pub runtimes: Vec<ServingRuntime>,
    #[serde(default)]
    /// Models served as InferenceServices.
    pub models: Vec<Model>,
}

impl Default for Serving {
    fn default() -> Self {
        Serving {
            enabled: true,
            deployment_mode: DeploymentMode::default(),
            runtimes: Vec::new(),
            models: Vec::new(),
        }
    }
}

/// A custom model server (ServingRuntime) for formats the KServe built-ins do not cover.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServingRuntime {
    /// Runtime name, a DNS-1123 label; models refer to it.
    pub name: String,
    /// Model formats it serves, e.g. `["huggingface"]`.
    pub model_formats: Vec<String>,
    /// Model server image, pinned by tag or digest.
    pub image: String,
    #[serde(default)]
    /// Container arguments.
    pub args: Vec<String>,
    /// Protocols, e.g. `["v2"]`.
    #[serde(default)]
    pub protocols: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScaleMetric {
    Concurrency,
    Rps,
    Cpu,
    Memory,
}

impl ScaleMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleMetric::Concurrency => "concurrency",
            ScaleMetric::Rps => "rps",
            ScaleMetric::Cpu => "cpu",
            ScaleMetric::Memory => "memory",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// InferenceService name, a DNS-1123 label.
    pub name: String,
    /// Owning team (its namespace).
    pub team: String,
    /// Clusters to serve on; empty means every cluster of the team.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Model format, e.g. `sklearn`, `xgboost`, `pytorch`, `huggingface`.
    pub format: String,
    /// ServingRuntime name; KServe picks one for the format when unset.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Where the model lives, e.g. `s3://bucket/models/fraud/v3`.
    pub storage_uri: String,
    /// Service account with access to the storage (e.g. IRSA).
    #[serde(default)]
    pub service_account: Option<String>,
    #[serde(default = "one")]
    /// Minimum replicas; 0 (scale to zero) needs the knative mode.
    pub min_replicas: u32,
    #[serde(default = "default_max_replicas")]
    /// Maximum replicas of the predictor.
    pub max_replicas: u32,
    #[serde(default)]
    /// Autoscaling metric: `concurrency`/`rps` (knative) or `cpu`/`memory` (standard).
    /// Defaults to the model's deployment mode: `concurrency` for knative, `cpu` for standard.
    pub scale_metric: Option<ScaleMetric>,
    #[serde(default)]
    /// Target value of the scale metric per replica (a percentage for cpu/memory).
    /// Defaults to 10 for concurrency/rps and 70 (%) for cpu/memory.
    pub scale_target: Option<u32>,
    /// GPUs per replica.
    #[serde(default)]
    pub gpus: u32,
    /// GPU node pool the predictor runs on. When unset, a model with GPUs runs
    /// on the first GPU pool of the cluster its team may use whose nodes hold
    /// its GPUs (its pods must select one of the team's pools).
    #[serde(default)]
    pub node_pool: Option<String>,
    #[serde(default = "default_model_cpu")]
    /// CPU per replica (request and limit).
    pub cpu: Quantity,
    #[serde(default = "default_model_memory")]
    /// Memory per replica (request and limit).
    pub memory: Quantity,
    /// Deployment mode for this model (defaults to `[serving] deployment_mode`).
    #[serde(default)]
    pub deployment_mode: Option<DeploymentMode>,
    /// Canary rollout of a new model version.
    #[serde(default)]
    pub canary: Option<Canary>,
    /// How the storage initializer authenticates to `storage_uri` (and the
    /// canary's): a cloud identity of the model's service account, the node's
    /// identity, or S3 access keys. Without it, only public buckets download.
    #[serde(default)]
    pub storage: Option<Storage>,
    /// Hugging Face token for gated `hf://` models: a Secret holding `HF_TOKEN`
    /// (filled by an ExternalSecret from a declared store, whose remote secret
    /// holds an `HF_TOKEN` property), attached to the model's service account
    /// so the storage initializer downloads with it.
    #[serde(default)]
    pub hf_token: Option<SecretRef>,
    /// Extra arguments of the model server, appended to the runtime's
    /// (e.g. vLLM's `--max-model-len=8192`, `--tensor-parallel-size=2`).
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables of the model server (names are C identifiers).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// Credentials of a bucket, per the cluster's provider, for a model's storage
/// initializer or a team's training and tuning pods: `identity` on EKS (IRSA
/// role ARN), GKE (Google service account email, Workload Identity) or AKS
/// (managed identity client ID, Azure Workload Identity); `node_identity` on
/// AWS or GCP machines (the node's instance profile or service account through
/// the metadata endpoint); `credentials` (a Secret of keys) anywhere.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Cloud identity the service account maps to: an IAM role ARN (`eks`),
    /// a Google service account email (`gke`) or a managed identity's client
    /// ID (`aks`). A model needs `service_account`; a team's is
    /// `mlpc-workloads`.
    #[serde(default)]
    pub identity: Option<String>,
    /// Use the node's cloud identity: opens egress from these pods only to the
    /// instance metadata endpoint (169.254.169.254:80) (`aws`, `eks`, `gcp`,
    /// `gke`).
    #[serde(default)]
    pub node_identity: bool,
    /// Keys, in a Secret filled from a declared store (the remote secret's
    /// properties become its keys). A model's is attached to its service
    /// account, where KServe's storage initializer finds it:
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for `s3://` (with
    /// KServe's `serving.kserve.io/s3-*` annotations from `endpoint` and
    /// `region`), `gcloud-application-credentials.json` for `gs://`,
    /// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and `AZURE_TENANT_ID` (or
    /// `AZURE_STORAGE_ACCESS_KEY`) for Azure Blob; needs `service_account`.
    /// A team's is named `mlpc-workloads-storage` and its keys become the
    /// environment of the team's training and trial containers (the S3 or
    /// Azure variables above).
    #[serde(default)]
    pub credentials: Option<SecretRef>,
    /// S3 endpoint of an S3-compatible store, `host[:port]` (default: AWS S3).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// S3 region of the bucket.
    #[serde(default)]
    pub region: Option<String>,
    /// The bucket is public: no credentials needed.
    #[serde(default)]
    pub public: bool,
}

fn default_max_replicas() -> u32 {
    3
}

impl Model {
    /// The scale metric, defaulted from the deployment mode so that a model
    /// with only its required keys is valid in either mode (E123 never fires
    /// on defaults alone).
    pub fn scale_metric_in(&self, mode: DeploymentMode) -> ScaleMetric {
        self.scale_metric.unwrap_or(match mode {
            DeploymentMode::Knative => ScaleMetric::Concurrency,
            DeploymentMode::Standard => ScaleMetric::Cpu,
        })
    }

    /// The scale target: requests per replica, or a utilisation percentage.
    pub fn scale_target_in(&self, mode: DeploymentMode) -> u32 {
        self.scale_target
            .unwrap_or(match self.scale_metric_in(mode) {
                ScaleMetric::Concurrency | ScaleMetric::Rps => 10,
                ScaleMetric::Cpu | ScaleMetric::Memory => 70,
            })
    }
}
fn default_model_cpu() -> Quantity {
    Quantity("2".into())
}
fn default_model_memory() -> Quantity {
    Quantity("8Gi".into())
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// Share of traffic (0..=100) sent to the new version. The stable
    /// (`storage_uri`) and new versions run as `<model>-stable` and
    /// `<model>-canary`, behind an InferenceGraph named after the model whose
    /// Splitter sends each predict request to one of them at these weights
    /// (in either deployment mode, on a fresh cluster too).
    pub percent: i64,
    /// The new model version.
    pub storage_uri: String,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum MtlsMode {
    #[default]
    Strict,
    Permissive,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mesh {
    #[serde(default)]
    /// Mesh-wide mutual TLS: `STRICT` or `PERMISSIVE`.
    pub mtls: MtlsMode,
    /// TLS certificate Secret of the ingress gateway (in istio-ingress).
    #[serde(default)]
    pub tls: Option<SecretRef>,
    /// Namespaces always allowed to call into team namespaces.
    #[serde(default = "default_allowed_namespaces")]
    pub allowed_namespaces: Vec<String>,
}

impl Default for Mesh {
    fn default() -> Self {
        Mesh {
            mtls: MtlsMode::Strict,
            tls: None,
            allowed_namespaces: default_allowed_namespaces(),
        }
    }
}

fn default_allowed_namespaces() -> Vec<String> {
    vec![
        "istio-system".into(),
        "istio-ingress".into(),
        "kubeflow".into(),
        "knative-serving".into(),
    ]
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    #[default]
    Deny,
    Dryrun,
    Warn,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Deny => "deny",
            Enforcement::Dryrun => "dryrun",
            Enforcement::Warn => "warn",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default = "yes")]
    /// Install Gatekeeper and the platform policies.
    pub enabled: bool,
    /// Gatekeeper enforcementAction of every Constraint.
    #[serde(default)]
    pub enforcement: Enforcement,
    /// Image prefixes allowed in team namespaces.
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// Tags that are refused.
    #[serde(default = "default_disallowed_tags")]
    pub disallowed_tags: Vec<String>,
    /// Upper bound of GPUs one pod may request.
    #[serde(default = "default_max_gpus")]
    pub max_gpus_per_pod: u32,
    /// Namespaces the constraints never apply to (besides the platform's own).
    #[serde(default)]
    pub exempt_namespaces: Vec<String>,
    /// Policies (file stems in `policies/`) to leave out.
    #[serde(default)]
    pub disabled: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            enabled: true,
            enforcement: Enforcement::Deny,
            allowed_registries: Vec::new(),
            disallowed_tags: default_disallowed_tags(),
            max_gpus_per_pod: default_max_gpus(),
            exempt_namespaces: Vec::new(),
            disabled: Vec::new(),
        }
    }
}

fn default_disallowed_tags() -> Vec<String> {
    vec!["latest".into()]
}
fn default_max_gpus() -> u32 {
    8
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    #[serde(default = "yes")]
    /// Install OpenCost with custom pricing.
    pub enabled: bool,
    /// ISO 4217 currency of every price in the spec.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Hours in a billing month.
    #[serde(default = "default_hours")]
    pub hours_per_month: f64,
    /// Price of one GiB of persistent storage per month (also node disks, `disk_gib`).
    #[serde(default = "default_storage_price")]
    pub storage_gib_month: f64,
    /// Share of the teams' quotas expected in use (0 to 1). `mlpc cost` shows an expected
    /// figure beside the range and the quota-based estimate: the nodes that share of the
    /// quotas needs, within each pool's min and max.
    #[serde(default = "default_utilization")]
    #[schemars(range(min = 0, max = 1))]
    pub expected_utilization: f64,
}

impl Default for Cost {
    fn default() -> Self {
        Cost {
            enabled: true,
            currency: default_currency(),
            hours_per_month: default_hours(),
            storage_gib_month: default_storage_price(),
            expected_utilization: default_utilization(),
        }
    }
}

fn default_currency() -> String {
    "USD".into()
}
fn default_hours() -> f64 {
    730.0
}
fn default_storage_price() -> f64 {
    0.08
}
fn default_utilization() -> f64 {
    0.6
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Drift {
    /// Fields never reported as drift.
    #[serde(default)]
    pub ignore: Vec<DriftIgnore>,
    /// Seconds before a cluster that does not answer is reported unreachable.
    #[serde(default)]
    pub timeout_seconds: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DriftIgnore {
    /// Object kind, e.g. `Deployment`.
    pub kind: String,
    /// JSON pointers inside the object, e.g. `/spec/replicas`.
    pub paths: Vec<String>,
}

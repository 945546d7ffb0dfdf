//! The plan's data model: what blueprints see. Field names are the template
//! contract (documented in `blueprints/README.md`); keep them stable.

use std::collections::BTreeMap;

use serde::Serialize;

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

#[derive(Clone, Debug, Serialize)]
pub struct GpuCtx {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub effect: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PoolCtx {
    pub name: String,
    /// `<cluster>-<pool>`: MachineDeployment and template names.
    pub resource_name: String,
    pub instance_type: String,
    pub cpu: u32,
    pub memory_gib: u32,
    pub min_nodes: u32,
    pub max_nodes: u32,
    pub spot: bool,
    pub hourly_price: f64,
    pub gpu: Option<GpuCtx>,
    pub node_labels: BTreeMap<String, String>,
    pub node_labels_csv: String,
    pub taints: Vec<Taint>,
    pub taints_csv: String,
    /// Kueue ResourceFlavor name.
    pub flavor: String,
    /// Kubelet flags of the pool's nodes (cloud flags plus the node labels).
    pub kubelet_args: Vec<Arg>,
    /// The pool's name in the managed service: the EKS node group, GKE node pool or
    /// AKS agent pool (at most 12 lowercase alphanumerics, unique in the cluster).
    pub managed_name: String,
    /// An AKS system agent pool (added by the plan; not a spec pool).
    pub system: bool,
    /// EKS node group AMI type (empty elsewhere).
    pub ami_type: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuotaCtx {
    pub gpu: u32,
    pub cpu: String,
    pub memory: String,
    pub pods: Option<u32>,
    pub has_cpu: bool,
    pub has_memory: bool,
    /// Kueue nominal quotas: the team's quota, or the cluster's capacity when unset.
    pub kueue_cpu: String,
    pub kueue_memory: String,
    /// The most GPUs Kueue can admit for the team (nominal plus borrowing, within
    /// its pools' capacity): the ResourceQuota's GPU ceiling, so a workload Kueue
    /// admits is never rejected by the quota afterwards.
    pub gpu_ceiling: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlavorQuota {
    pub flavor: String,
    pub gpu: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TeamCtx {
    pub name: String,
    pub namespace: String,
    pub owners: Vec<String>,
    pub members: Vec<String>,
    pub profile: bool,
    pub quota: QuotaCtx,
    /// The team's GPU quota split across the GPU flavors it may use.
    pub gpu_flavors: Vec<FlavorQuota>,
    pub gpu_borrowing_limit: Option<u32>,
    pub local_queue: String,
    pub cluster_queue: String,
    /// Service accounts the team's models run as, with their storage identity.
    pub service_accounts: Vec<ServiceAccountCtx>,
}

/// A model service account: its cloud identity annotations (IRSA, GKE or
/// Azure Workload Identity, KServe's S3 settings) and the credential Secrets
/// KServe's storage initializer reads through it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceAccountCtx {
    pub name: String,
    pub annotations: BTreeMap<String, String>,
    pub secrets: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub gpus: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelCtx {
    pub name: String,
    pub namespace: String,
    pub team: String,
    pub format: String,
    pub runtime: Option<String>,
    /// The stable model version.
    pub storage_uri: String,
    /// A canary rollout: two InferenceServices and a Splitter InferenceGraph.
    pub canary: Option<CanaryCtx>,
    pub service_account: Option<String>,
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub scale_metric: String,
    pub scale_target: u32,
    pub knative: bool,
    /// The `serving.kserve.io/deploymentMode` value for the pinned KServe version.
    pub deployment_mode: String,
    pub cpu: String,
    pub memory: String,
    pub placement: Placement,
    /// The external host, KServe's default domain template `<name>-<namespace>.<domain>`.
    pub host: String,
    /// Labels of the predictor pods (Azure Workload Identity's opt-in).
    pub pod_labels: BTreeMap<String, String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    /// Egress the storage identity needs beyond the team's policy (metadata endpoints).
    pub egress: Vec<EgressCtx>,
}

/// Canary traffic split: the stable and canary InferenceServices behind an
/// InferenceGraph named after the model, whose Splitter sends `percent` of
/// the requests to the canary.
#[derive(Clone, Debug, Serialize)]
pub struct CanaryCtx {
    pub stable_name: String,
    pub canary_name: String,
    pub storage_uri: String,
    pub percent: i64,
    pub stable_percent: i64,
}

/// One address and port a model's pods may reach (a /32 and one port).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EgressCtx {
    pub cidr: String,
    pub port: u16,
}

/// A credential Secret of a model, filled by an ExternalSecret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModelSecretCtx {
    pub name: String,
    pub namespace: String,
    pub store: String,
    pub key: String,
    /// Annotations of the produced Secret (KServe's `serving.kserve.io/s3-*`).
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServingRuntimeCtx {
    pub name: String,
    pub namespace: String,
    pub model_formats: Vec<String>,
    pub image: String,
    pub args: Vec<String>,
    pub protocols: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServingCtx {
    pub enabled: bool,
    pub deployment_mode: String,
    /// Some model uses the Knative mode, so Knative Serving is installed.
    pub knative: bool,
    pub models: Vec<ModelCtx>,
    pub runtimes: Vec<ServingRuntimeCtx>,
    /// Storage and Hugging Face credentials of the models.
    pub secrets: Vec<ModelSecretCtx>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ParameterCtx {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<String>,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExperimentCtx {
    pub name: String,
    pub namespace: String,
    pub objective_type: String,
    pub metric: String,
    pub goal: Option<f64>,
    pub algorithm: String,
    pub max_trials: u32,
    pub parallel_trials: u32,
    pub max_failed_trials: u32,
    pub image: String,
    pub command: Vec<String>,
    pub cpu: String,
    pub memory: String,
    pub placement: Placement,
    pub parameters: Vec<ParameterCtx>,
    pub local_queue: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TuningCtx {
    pub enabled: bool,
    pub experiments: Vec<ExperimentCtx>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrainingRuntimeCtx {
    pub name: String,
    pub image: String,
    pub num_nodes: u32,
    pub placement: Placement,
    pub cpu: String,
    pub memory: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrainingCtx {
    pub enabled: bool,
    pub cohort: String,
    pub runtimes: Vec<TrainingRuntimeCtx>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SecretCtx {
    pub name: String,
    pub store: Option<String>,
    pub key: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PipelinesCtx {
    pub enabled: bool,
    pub s3: bool,
    pub bucket: String,
    pub region: String,
    pub endpoint: String,
    pub secure: bool,
    pub pipeline_root: String,
    pub cache_enabled: bool,
    pub credentials: Option<SecretCtx>,
    /// The `providers` entry of the `kfp-launcher` ConfigMap (YAML text).
    pub launcher_providers: String,
    /// Environment of the KFP API server container for the object store.
    pub api_server_env: Vec<EnvVar>,
    /// Namespaces where pipeline runs execute (single-user KFP: `kubeflow`).
    pub run_namespaces: Vec<String>,
    /// Whether KFP's in-cluster MinIO is deployed (not with S3).
    pub deploy_minio: bool,
    /// Kustomize patches deleting the upstream MinIO objects (S3 only).
    pub minio_delete_patches: Vec<serde_json::Value>,
    /// Argo's artifact repository (YAML text) when the store is S3.
    pub argo_artifact_repository: String,
    /// The KFP UI server's `AWS_*` environment for an S3 store.
    pub ui_env: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MeshCtx {
    pub mtls: String,
    pub tls: Option<SecretCtx>,
    pub allowed_namespaces: Vec<String>,
    /// Where the ingress gateway pods run (the Istio `gateway` chart's release).
    pub ingress_namespace: String,
    /// Its Service, which Knative's external gateway routes through.
    pub ingress_service: String,
    /// The Service of Knative's cluster-local gateway, beside the gateway pods (the
    /// one net-istio ships in istio-system selects no pods there).
    pub local_gateway_service: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyTemplateCtx {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub rego: String,
    pub parameters_schema: serde_json::Value,
    pub parameters: serde_json::Value,
    pub matches: serde_json::Value,
    pub namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyCtx {
    pub enabled: bool,
    pub enforcement: String,
    pub templates: Vec<PolicyTemplateCtx>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PricingCtx {
    pub enabled: bool,
    pub currency: String,
    /// Hourly prices as OpenCost custom pricing wants them (decimal strings).
    pub cpu_hourly: String,
    pub ram_gib_hourly: String,
    pub gpu_hourly: String,
    pub spot_cpu_hourly: String,
    pub spot_ram_gib_hourly: String,
    pub storage_gib_hourly: String,
    /// OpenCost's CSV price list of the pools (`plan/cost.rs`), mounted from
    /// a ConfigMap of the cost layer.
    pub price_list_csv: String,
    pub price_list_configmap: String,
    pub price_list_dir: String,
    pub price_list_file: String,
    /// Node label (value `spot`) that marks spot nodes.
    pub spot_label: String,
    /// OpenCost's namespace.
    pub namespace: String,
    /// The Prometheus OpenCost reads.
    pub prometheus: PrometheusCtx,
}

#[derive(Clone, Debug, Serialize)]
pub struct PrometheusCtx {
    pub repo: String,
    pub chart: String,
    pub version: String,
    pub namespace: String,
    pub service: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerCtx {
    pub name: String,
    pub dir: String,
    pub index: usize,
    /// Sync wave of the layer's component installs (Helm charts, upstream manifests).
    pub install_wave: usize,
    /// Sync wave of the Application that syncs the layer's own objects.
    pub sync_wave: usize,
}

/// Everything blueprints need to render one cluster.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterPlan {
    pub platform: PlatformCtx,
    pub gitops: GitopsCtx,
    pub cluster: ClusterCtx,
    pub components: BTreeMap<String, ComponentCtx>,
    pub pools: Vec<PoolCtx>,
    pub gpu_pools: Vec<PoolCtx>,
    /// The node pools Cluster API creates: the spec's pools, plus AKS's system pool.
    pub machine_pools: Vec<PoolCtx>,
    pub teams: Vec<TeamCtx>,
    pub pipelines: PipelinesCtx,
    pub training: TrainingCtx,
    pub tuning: TuningCtx,
    pub serving: ServingCtx,
    pub mesh: MeshCtx,
    pub policy: PolicyCtx,
    pub cost: PricingCtx,
    /// Some team uses a Kubeflow Profile, so the profile controller is installed.
    pub profiles: bool,
    /// The bootstrap layer (`00-bootstrap`): what a new cluster needs before
    /// anything else runs on it.
    pub bootstrap: LayerCtx,
    /// Its add-on installs, per provider, in install order.
    pub addons: Vec<AddonCtx>,
    /// ClusterSecretStores (bootstrap objects), with the provider block of each.
    pub secret_stores: Vec<SecretStoreCtx>,
    /// StorageClasses the bootstrap layer creates (when the CSI chart does not).
    pub storage_classes: Vec<StorageClassCtx>,
    pub layers: Vec<LayerCtx>,
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

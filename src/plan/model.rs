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
    pub server: String,
    pub context: String,
    /// Namespace of the Cluster API objects on the management cluster.
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub control_plane_replicas: u32,
    pub control_plane_instance_type: String,
    pub pod_cidr: String,
    pub service_cidr: String,
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
    pub service_accounts: Vec<String>,
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
    /// The URI the InferenceService points at (the canary's when one is rolling out).
    pub storage_uri: String,
    pub stable_storage_uri: String,
    pub canary_percent: Option<i64>,
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
    pub host: String,
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
    /// Namespaces where pipeline runs execute (kubeflow, plus Profile namespaces).
    pub run_namespaces: Vec<String>,
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
    pub layers: Vec<LayerCtx>,
}

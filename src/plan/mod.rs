//! Plan: the validated spec becomes one normalized model per cluster. All
//! decisions (which pools and teams a cluster gets, quotas per GPU flavor,
//! tolerations, versions, prices, waves) are made here, in Rust, one planner
//! per part, each with its context types beside it; blueprints only shape
//! YAML from this model. This module holds the top-level model (what
//! templates see: field names are the template contract, keep them stable)
//! and orchestrates the planners.

pub mod addons;
pub mod cluster;
pub mod components;
pub mod cost;
pub mod fleet;
pub mod labels;
pub mod layers;
pub mod mesh;
pub mod pipelines;
pub mod platform;
pub mod policy;
pub mod pools;
pub mod quota;
pub mod serving;
pub mod storage;
pub mod teams;
pub mod tenancy;
#[cfg(test)]
mod testing;
pub mod training;
pub mod tuning;

pub use addons::{AddonCtx, SecretStoreCtx, StorageClassCtx};
pub use cluster::{Arg, AwsCtx, AzureCtx, ClusterCtx, FlagsCtx, GcpCtx, InfraCtx, RegistrationCtx};
pub use components::{
    ComponentCtx, KNATIVE_OPERATOR_REPO, KNATIVE_OPERATOR_VERSION, PROFILES_PATH, PROFILES_REPO,
    PROFILES_VERSION,
};
pub use cost::{PricingCtx, PrometheusCtx};
pub use labels::{ENVIRONMENT_LABEL, POOL_LABEL, STAGE_LABEL, TEAM_LABEL, WAVE_LABEL};
pub use layers::{LAYERS, LayerCtx};
pub use mesh::{INGRESS_NAMESPACE, MeshCtx};
pub use pipelines::{EnvVar, PipelinesCtx};
pub use platform::{GitopsCtx, PlatformCtx, WaveCtx};
pub use policy::{PolicyCtx, PolicyTemplateCtx};
pub use pools::{GPU_RESOURCE, GpuCtx, Placement, PoolCtx, Taint, Toleration};
pub use serving::{CanaryCtx, ModelCtx, ServingCtx, ServingRuntimeCtx};
pub use storage::{EgressCtx, ExternalSecretCtx};
pub use teams::{
    FlavorQuota, QuotaCtx, ServiceAccountCtx, TeamCtx, WorkloadPodCtx, gpu_ceiling,
    split_proportional,
};
pub use tenancy::{RbacRule, TenancyCtx};
pub use training::{TrainingCtx, TrainingRuntimeCtx};
pub use tuning::{ExperimentCtx, ParameterCtx, TuningCtx};

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog;
use crate::spec::model::{self as spec, Spec};
use crate::validate::Validated;

/// A policy source: the Rego and its metadata (from `policies/`).
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// File stem, e.g. `k8srequiredlimits`.
    pub name: String,
    pub rego: String,
    pub meta: serde_json::Value,
}

/// The whole platform's plan: the global parts and one plan per cluster.
#[derive(Clone, Debug, Serialize)]
pub struct PlatformPlan {
    pub platform: PlatformCtx,
    pub gitops: GitopsCtx,
    pub clusters: Vec<ClusterPlan>,
    /// Every repository an Application of the platform pulls from (AppProject sourceRepos).
    pub source_repos: Vec<String>,
    /// Rollout waves in order, with their clusters (the ApplicationSet's RollingSync steps).
    pub waves: Vec<WaveCtx>,
    /// RollingSync steps: per wave, one per stage of its leaf Applications (`plan/fleet.rs`).
    pub steps: Vec<fleet::StepCtx>,
    /// The labels the RollingSync steps match (`mlpc.io/wave`, `mlpc.io/stage`).
    pub wave_label: String,
    pub stage_label: String,
}

/// A Secret the platform references by name, filled from a secret store when
/// `store` is set.
#[derive(Clone, Debug, Serialize)]
pub struct SecretCtx {
    pub name: String,
    pub store: Option<String>,
    pub key: Option<String>,
}

impl From<&spec::SecretRef> for SecretCtx {
    fn from(r: &spec::SecretRef) -> SecretCtx {
        SecretCtx {
            name: r.secret_name.clone(),
            store: r.external.as_ref().map(|e| e.store.clone()),
            key: r.external.as_ref().map(|e| e.key.clone()),
        }
    }
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
    /// What lets a pod onto GPU nodes (GPU operator daemons, Kueue GPU flavors).
    pub gpu_tolerations: Vec<Toleration>,
    pub teams: Vec<TeamCtx>,
    /// The pods of the shared ClusterTrainingRuntimes: the teams' workload
    /// service account, labels and (optional) storage environment.
    pub workload_pod: WorkloadPodCtx,
    pub pipelines: PipelinesCtx,
    pub training: TrainingCtx,
    pub tuning: TuningCtx,
    pub serving: ServingCtx,
    pub mesh: MeshCtx,
    pub tenancy: TenancyCtx,
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

pub fn plan(v: &Validated, policies: &[PolicySource]) -> PlatformPlan {
    let names = v.cluster_names();
    let clusters: Vec<ClusterPlan> = names
        .iter()
        .filter_map(|n| v.spec_for_cluster(n))
        .map(|(spec, cluster)| for_cluster(spec, cluster, policies))
        .collect();
    // Global parts come from the first cluster's view (they are environment-independent
    // in practice); fall back to any view.
    let spec = names
        .first()
        .and_then(|n| v.spec_for_cluster(n))
        .map(|(s, _)| s)
        .or_else(|| v.envs.values().next());
    let (platform, gitops) = match spec {
        Some(s) => (platform::platform_ctx(s), platform::gitops_ctx(s)),
        None => (PlatformCtx::default(), GitopsCtx::default()),
    };
    let waves = platform::waves(
        &clusters,
        spec.map(|s| s.fleet.waves.as_slice()).unwrap_or_default(),
    );
    let steps = fleet::steps(&clusters, &waves);
    PlatformPlan {
        source_repos: platform::source_repos(&gitops, &clusters),
        steps,
        platform,
        gitops,
        clusters,
        waves,
        wave_label: WAVE_LABEL.into(),
        stage_label: STAGE_LABEL.into(),
    }
}

/// One cluster's plan: each planner in turn, fed what the earlier ones decided.
pub fn for_cluster(s: &Spec, c: &spec::Cluster, policies: &[PolicySource]) -> ClusterPlan {
    let versions = catalog::resolve(&s.components, &c.components);
    let pools = pools::plan(s, c);
    let mut teams = teams::plan(s, c, &pools);
    let serving = serving::plan(s, c, &pools, &mut teams, &versions["kserve"]);
    let policy = policy::plan(s, &teams, policies, &versions, serving.knative);
    ClusterPlan {
        platform: platform::platform_ctx(s),
        gitops: platform::gitops_ctx(s),
        cluster: cluster::cluster_ctx(s, c),
        components: components::plan(&versions),
        machine_pools: pools::machine_pools(c, &pools),
        gpu_pools: pools.iter().filter(|p| p.gpu.is_some()).cloned().collect(),
        gpu_tolerations: pools::gpu_tolerations(),
        pipelines: pipelines::plan(s),
        training: training::plan(s, &pools, &teams),
        tuning: tuning::plan(s, c, &pools, &teams),
        workload_pod: teams::shared_workload_pod(c.provider, &teams),
        serving,
        mesh: mesh::plan(s, c),
        tenancy: tenancy::plan(s),
        policy,
        cost: cost::pricing(s, &pools),
        profiles: teams.iter().any(|t| t.profile),
        bootstrap: layers::bootstrap(),
        addons: addons::addons(s, c),
        secret_stores: addons::secret_stores(s),
        storage_classes: addons::storage_classes(c),
        layers: layers::plan(),
        pools,
        teams,
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{POOLS, cluster, spec};
    use super::*;

    #[test]
    fn a_cluster_plan_gets_its_own_pools_and_installs() {
        let s = spec(&format!(
            "{POOLS}\n[[teams]]\nname = \"nlp\"\nprofile = true\n"
        ));
        let c2 = for_cluster(&s, cluster(&s, "c2"), &[]);
        let gpu: Vec<&str> = c2.gpu_pools.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(gpu, ["a100"]);
        assert!(c2.profiles);
        assert_eq!(c2.gpu_tolerations[0].key, GPU_RESOURCE);
        assert_eq!(c2.layers.len(), LAYERS.len());
        assert!(c2.cluster.cloud_autoscaler, "GKE scales its own pools");
        let c1 = for_cluster(&s, cluster(&s, "c1"), &[]);
        assert_eq!(
            c1.cluster.node_name.as_deref(),
            Some("{{ ds.meta_data.local_hostname }}")
        );
        assert_eq!(c1.gpu_pools.len(), 2);
    }

    #[test]
    fn waves_and_source_repos() {
        let s = spec(&format!(
            "{POOLS}\n[[teams]]\nname = \"nlp\"\nprofile = true\n\n[fleet]\nwaves = [{{ wave = 0, max_update = \"50%\" }}]\n"
        ));
        let plans: Vec<ClusterPlan> = s.clusters.iter().map(|c| for_cluster(&s, c, &[])).collect();
        let waves = platform::waves(&plans, &s.fleet.waves);
        assert_eq!(waves.len(), 1);
        assert_eq!(waves[0].clusters, ["c1", "c2"]);
        assert_eq!(waves[0].max_update, Some(serde_json::json!("50%")));
        let repos = platform::source_repos(&platform::gitops_ctx(&s), &plans);
        assert!(repos.contains(&PROFILES_REPO.to_string()));
        assert!(
            !repos.contains(&KNATIVE_OPERATOR_REPO.to_string()),
            "no Knative model"
        );
        assert!(repos.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
    }
}

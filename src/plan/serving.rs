//! Serving decisions: the InferenceServices of a model (a canary is two of
//! them behind a Splitter InferenceGraph, so the split holds from Git alone),
//! the storage identity of its service account (`storage.rs` decides the
//! annotations, credential Secrets and metadata egress; here they land on
//! the model), and the model server's args and env.
//!
//! The planner: an InferenceService per model of the cluster's teams (deployment
//! mode by the pinned KServe version, canary, placement), the custom
//! ServingRuntimes the models use, and Knative when some model needs it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::components::{self, ComponentCtx};
use super::pipelines::EnvVar;
use super::pools::{self, Placement, PoolCtx};
use super::storage::{
    EgressCtx, ExternalSecretCtx, Store, external, identity_annotations, identity_pod_labels,
    s3_annotations, storage_egress,
};
use super::teams::{ServiceAccountCtx, TeamCtx};
use crate::catalog::Version;
use crate::spec::model::{self as spec, DeploymentMode, Provider, Spec, on_cluster};

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

#[derive(Clone, Debug, Serialize)]
pub struct ServingRuntimeCtx {
    pub name: String,
    pub namespace: String,
    pub model_formats: Vec<String>,
    pub image: String,
    pub args: Vec<String>,
    pub protocols: Vec<String>,
}

/// The requests (cpu, memory) mlpc gives a canary's InferenceGraph router
/// (KServe's own default, `catalog::KSERVE_ROUTER_REQUESTS`, applies to a
/// graph that sets none).
pub const ROUTER_REQUESTS: (&str, &str) = ("100m", "128Mi");

#[derive(Clone, Debug, Serialize)]
pub struct ServingCtx {
    pub enabled: bool,
    pub deployment_mode: String,
    /// Some model uses the Knative mode, so Knative Serving is installed.
    pub knative: bool,
    /// The Knative operator's install (used when `knative`).
    pub knative_operator: ComponentCtx,
    pub models: Vec<ModelCtx>,
    pub runtimes: Vec<ServingRuntimeCtx>,
    /// Storage and Hugging Face credentials of the models.
    pub secrets: Vec<ExternalSecretCtx>,
    /// A canary's InferenceGraph router's requests.
    pub router_requests: super::quota::CpuMemory,
}

/// KServe's name of a deployment mode: 0.16 renamed them.
fn mode_name(m: DeploymentMode, kserve: &str) -> String {
    let new_names = Version::parse(kserve).is_some_and(|v| v.line() >= (0, 16));
    match (m, new_names) {
        (DeploymentMode::Knative, true) => "Knative",
        (DeploymentMode::Knative, false) => "Serverless",
        (DeploymentMode::Standard, true) => "Standard",
        (DeploymentMode::Standard, false) => "RawDeployment",
    }
    .to_string()
}

/// The models of `teams` that run in the cluster, at KServe version `kserve`;
/// the teams get their models' service accounts.
pub fn plan(
    s: &Spec,
    c: &spec::Cluster,
    pools: &[PoolCtx],
    teams: &mut [TeamCtx],
    kserve: &str,
) -> ServingCtx {
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    let served: Vec<&spec::Model> = s
        .serving
        .models
        .iter()
        .filter(|m| on_cluster(&m.clusters, &c.name) && names.contains(&m.team.as_str()))
        .collect();
    let models: Vec<ModelCtx> = served
        .iter()
        .map(|m| {
            let team_pools = teams
                .iter()
                .find(|t| t.name == m.team)
                .map_or(&[][..], |t| t.gpu_pools.as_slice());
            model(s, m, pools, team_pools, kserve, c.provider)
        })
        .collect();
    let runtimes = runtimes(s, &models);
    let secrets = accounts(c.provider, &served, teams);
    ServingCtx {
        enabled: s.serving.enabled,
        deployment_mode: mode_name(s.serving.deployment_mode, kserve),
        knative: models.iter().any(|m| m.knative),
        knative_operator: components::pinned(
            components::KNATIVE_OPERATOR_REPO,
            components::KNATIVE_OPERATOR_CHART,
            "",
            components::KNATIVE_OPERATOR_VERSION,
        ),
        models,
        runtimes,
        secrets,
        router_requests: ROUTER_REQUESTS.into(),
    }
}

/// The pool a model runs on: the one it names; else, when it needs GPUs, the
/// first GPU pool its team may use on the cluster whose nodes hold its GPUs
/// (else the first it may use): a GPU pod must select one of its team's pools
/// (policy `k8sgpupools`), never any GPU pool.
fn model_pool<'a>(
    m: &'a spec::Model,
    pools: &[PoolCtx],
    team_pools: &'a [String],
) -> Option<&'a str> {
    if m.node_pool.is_some() || m.gpus == 0 {
        return m.node_pool.as_deref();
    }
    let holds = |name: &String| {
        pools
            .iter()
            .any(|p| &p.name == name && p.gpu.as_ref().is_some_and(|g| g.count >= m.gpus))
    };
    team_pools
        .iter()
        .find(|n| holds(n))
        .or(team_pools.first())
        .map(String::as_str)
}

fn model(
    s: &Spec,
    m: &spec::Model,
    pools: &[PoolCtx],
    team_pools: &[String],
    kserve: &str,
    p: Provider,
) -> ModelCtx {
    let mode = m.deployment_mode.unwrap_or(s.serving.deployment_mode);
    let mut ctx = ModelCtx {
        name: m.name.clone(),
        namespace: m.team.clone(),
        team: m.team.clone(),
        format: m.format.clone(),
        runtime: m.runtime.clone(),
        storage_uri: m.storage_uri.clone(),
        canary: None,
        service_account: m.service_account.clone(),
        min_replicas: m.min_replicas,
        max_replicas: m.max_replicas,
        scale_metric: m.scale_metric_in(mode).as_str().to_string(),
        scale_target: m.scale_target_in(mode),
        knative: mode == DeploymentMode::Knative,
        deployment_mode: mode_name(mode, kserve),
        cpu: m.cpu.0.clone(),
        memory: m.memory.0.clone(),
        placement: pools::placement(pools, model_pool(m, pools, team_pools), m.gpus),
        host: String::new(),
        pod_labels: BTreeMap::new(),
        args: Vec::new(),
        env: Vec::new(),
        egress: Vec::new(),
    };
    fill(&mut ctx, m, s, p);
    ctx
}

/// The spec's custom runtimes, once in each namespace whose models use them.
fn runtimes(s: &Spec, models: &[ModelCtx]) -> Vec<ServingRuntimeCtx> {
    let mut used: Vec<(String, String)> = models
        .iter()
        .filter_map(|m| {
            m.runtime
                .as_ref()
                .filter(|r| s.serving.runtimes.iter().any(|x| &x.name == *r))
                .map(|r| (m.namespace.clone(), r.clone()))
        })
        .collect();
    used.sort();
    used.dedup();
    used.iter()
        .filter_map(|(ns, name)| {
            s.serving
                .runtimes
                .iter()
                .find(|r| &r.name == name)
                .map(|r| ServingRuntimeCtx {
                    name: r.name.clone(),
                    namespace: ns.clone(),
                    model_formats: r.model_formats.clone(),
                    image: r.image.clone(),
                    args: r.args.clone(),
                    protocols: r.protocols.clone(),
                })
        })
        .collect()
}

/// The parts of a model's context decided here: canary, identity labels,
/// args, env, egress, host.
fn fill(ctx: &mut ModelCtx, m: &spec::Model, s: &Spec, provider: Provider) {
    ctx.canary = m.canary.as_ref().map(|c| {
        let percent = c.percent.clamp(0, 100);
        CanaryCtx {
            stable_name: format!("{}-stable", m.name),
            canary_name: format!("{}-canary", m.name),
            storage_uri: c.storage_uri.clone(),
            percent,
            stable_percent: 100 - percent,
        }
    });
    ctx.host = format!("{}-{}.{}", m.name, m.team, s.platform.domain);
    ctx.pod_labels = identity_pod_labels(provider, m.storage.as_ref());
    ctx.args = m.args.clone();
    ctx.env = m
        .env
        .iter()
        .map(|(k, v)| EnvVar {
            name: k.clone(),
            value: v.clone(),
        })
        .collect();
    ctx.egress = storage_egress(provider, m.storage.as_ref());
}

/// The models' service accounts per team (identity annotations, credential
/// Secrets) and the ExternalSecrets that fill those Secrets. Validation
/// (E205) made sure models sharing a service account agree.
pub(super) fn accounts(
    provider: Provider,
    models: &[&spec::Model],
    teams: &mut [TeamCtx],
) -> Vec<ExternalSecretCtx> {
    let mut secrets = Vec::new();
    for t in teams.iter_mut() {
        let mut sas: BTreeMap<String, ServiceAccountCtx> = BTreeMap::new();
        for m in models.iter().filter(|m| m.team == t.namespace) {
            let Some(name) = &m.service_account else {
                continue;
            };
            let sa = sas
                .entry(name.clone())
                .or_insert_with(|| ServiceAccountCtx {
                    name: name.clone(),
                    ..Default::default()
                });
            if let Some(st) = &m.storage {
                let identity = identity_annotations(provider, Some(st));
                if !identity.is_empty() && Store::of(&m.storage_uri) == Store::S3 {
                    sa.annotations.extend(s3_annotations(st));
                }
                sa.annotations.extend(identity);
                if let Some(c) = &st.credentials {
                    sa.secrets.push(c.secret_name.clone());
                    let annotations = if Store::of(&m.storage_uri) == Store::S3 {
                        s3_annotations(st)
                    } else {
                        BTreeMap::new()
                    };
                    secrets.extend(external(c, &t.namespace, annotations));
                }
            }
            if let Some(h) = &m.hf_token {
                sa.secrets.push(h.secret_name.clone());
                secrets.extend(external(h, &t.namespace, BTreeMap::new()));
            }
            sa.secrets.sort();
            sa.secrets.dedup();
        }
        t.service_accounts = sas.into_values().collect();
    }
    secrets.sort();
    secrets.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name);
    secrets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{POOLS, cluster, spec};

    const MODELS: &str = r#"
[[teams]]
name = "nlp"

[[teams]]
name = "vision"
clusters = ["c2"]

[serving]
deployment_mode = "standard"

[[serving.runtimes]]
name = "vllm"
model_formats = ["huggingface"]
image = "vllm/vllm-openai:v0.9.0"

[[serving.models]]
name = "llm"
team = "nlp"
format = "huggingface"
runtime = "vllm"
storage_uri = "hf://org/llm"
service_account = "llm-sa"
gpus = 1
node_pool = "l4"

[[serving.models]]
name = "clf"
team = "nlp"
format = "sklearn"
runtime = "vllm"
storage_uri = "s3://b/clf/v1"
deployment_mode = "knative"
canary = { percent = 10, storage_uri = "s3://b/clf/v2" }

[[serving.models]]
name = "other"
team = "vision"
format = "sklearn"
storage_uri = "s3://b/other"

[[serving.models]]
name = "elsewhere"
team = "nlp"
clusters = ["c2"]
format = "sklearn"
storage_uri = "s3://b/elsewhere"
"#;

    fn on_c1(kserve: &str) -> (ServingCtx, Vec<TeamCtx>) {
        let s = spec(&format!("{POOLS}{MODELS}"));
        let c = cluster(&s, "c1");
        let pools = pools::plan(&s, c);
        let mut teams = crate::plan::teams::plan(&s, c, &pools);
        (plan(&s, c, &pools, &mut teams, kserve), teams)
    }

    #[test]
    fn models_of_the_clusters_teams_only() {
        let (s, _) = on_c1("v0.16.0");
        let names: Vec<&str> = s.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["llm", "clf"]);
    }

    #[test]
    fn deployment_modes_follow_the_kserve_version() {
        let (new, _) = on_c1("v0.16.0");
        assert_eq!(new.deployment_mode, "Standard");
        assert_eq!(new.models[1].deployment_mode, "Knative");
        let (old, _) = on_c1("v0.15.2");
        assert_eq!(old.deployment_mode, "RawDeployment");
        assert_eq!(old.models[1].deployment_mode, "Serverless");
        assert!(new.knative, "a Knative model brings Knative Serving");
        assert_eq!(new.knative_operator.version, "v1.19.4");
    }

    #[test]
    fn a_canary_is_two_inference_services_and_a_split() {
        let (s, _) = on_c1("v0.16.0");
        let c = s.models[1].canary.as_ref().map(|c| {
            let names = (c.stable_name.as_str(), c.canary_name.as_str());
            (names, c.storage_uri.as_str(), c.percent, c.stable_percent)
        });
        assert_eq!(
            c,
            Some((("clf-stable", "clf-canary"), "s3://b/clf/v2", 10, 90))
        );
        assert_eq!(s.models[1].storage_uri, "s3://b/clf/v1");
        assert!(s.models[0].canary.is_none());
    }

    #[test]
    fn placement_host_runtimes_and_service_accounts() {
        let (s, teams) = on_c1("v0.16.0");
        let llm = &s.models[0];
        assert_eq!(llm.placement.node_selector["mlpc.io/pool"], "l4");
        assert_eq!(llm.placement.gpus, 1);
        assert_eq!(llm.host, "llm-nlp.ml.example");
        // vllm is used twice in nlp: one ServingRuntime there.
        let rt: Vec<(&str, &str)> = s
            .runtimes
            .iter()
            .map(|r| (r.name.as_str(), r.namespace.as_str()))
            .collect();
        assert_eq!(rt, [("vllm", "nlp")]);
        let sas: Vec<&str> = teams[0]
            .service_accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(sas, ["llm-sa"]);
    }

    #[test]
    fn a_gpu_model_without_a_pool_runs_on_a_pool_its_team_may_use() {
        let s = spec(&format!(
            "{POOLS}[[teams]]\nname = \"nlp\"\ngpu_pools = [\"l4\"]\n\n[[teams]]\nname = \"any\"\n\n{}",
            r#"[[serving.models]]
name = "llm"
team = "nlp"
format = "sklearn"
storage_uri = "s3://b/llm"
gpus = 1

[[serving.models]]
name = "big"
team = "any"
format = "sklearn"
storage_uri = "s3://b/big"
gpus = 8

[[serving.models]]
name = "cpu"
team = "nlp"
format = "sklearn"
storage_uri = "s3://b/cpu"
"#
        ));
        let c = cluster(&s, "c1");
        let pools = pools::plan(&s, c);
        let mut teams = crate::plan::teams::plan(&s, c, &pools);
        let p = plan(&s, c, &pools, &mut teams, "v0.16.0");
        let pools: Vec<Option<&str>> = p
            .models
            .iter()
            .map(|m| {
                m.placement
                    .node_selector
                    .get("mlpc.io/pool")
                    .map(String::as_str)
            })
            .collect();
        // nlp may use l4 only; `any` every pool, the first whose nodes hold 8
        // GPUs; a model without GPUs is not pinned.
        assert_eq!(pools, [Some("l4"), Some("a100"), None]);
    }
}

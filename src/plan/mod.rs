//! Plan: the validated spec becomes one normalized model per cluster. All
//! decisions (which pools and teams a cluster gets, quotas per GPU flavor,
//! tolerations, versions, prices) are made here, in Rust; blueprints only
//! shape YAML from this model.

pub mod addons;
pub mod cluster;
pub mod cost;
pub mod fleet;
mod model;
pub mod pipelines;
pub mod serving;

use std::collections::BTreeMap;

pub use model::*;

use crate::catalog;
use crate::spec::model::{self as spec, DeploymentMode, Spec};
use crate::validate::Validated;
use crate::validate::names::parse_quantity;

/// Layers of a workload cluster, in sync-wave order. The index is the
/// directory prefix (`01-mesh`).
pub const LAYERS: &[&str] = &[
    "mesh",
    "pipelines",
    "training",
    "tuning",
    "serving",
    "tenancy",
    "policy",
    "cost",
];

pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// Namespace of the Istio ingress gateway (its own, apart from istiod's).
pub const INGRESS_NAMESPACE: &str = "istio-ingress";
pub const POOL_LABEL: &str = "mlpc.io/pool";
pub const TEAM_LABEL: &str = "mlpc.io/team";

/// A policy source: the Rego and its metadata (from `policies/`).
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// File stem, e.g. `k8srequiredlimits`.
    pub name: String,
    pub rego: String,
    pub meta: serde_json::Value,
}

/// The whole platform's plan: the global parts and one plan per cluster.
#[derive(Clone, Debug, serde::Serialize)]
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
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct WaveCtx {
    pub wave: u32,
    /// The wave as the label value on generated Applications.
    pub label: String,
    /// RollingSync maxUpdate: an integer or a percentage string.
    pub max_update: Option<serde_json::Value>,
    pub clusters: Vec<String>,
}

/// Waves of the fleet in ascending order; clusters in spec order within a wave.
fn waves(clusters: &[ClusterPlan], settings: &[spec::WaveSettings]) -> Vec<WaveCtx> {
    let mut by_wave: std::collections::BTreeMap<u32, Vec<String>> =
        std::collections::BTreeMap::new();
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

/// Installs that are not in the component catalog (they follow from the spec).
pub const PROFILES_REPO: &str = "https://github.com/kubeflow/manifests.git";
pub const PROFILES_VERSION: &str = "v1.10.2";
pub const PROFILES_PATH: &str = "applications/profiles/upstream/overlays/kubeflow";
pub const KNATIVE_OPERATOR_REPO: &str = "https://knative.github.io/operator";
pub const KNATIVE_OPERATOR_VERSION: &str = catalog::KNATIVE_OPERATOR_VERSION;

pub fn plan(v: &Validated, policies: &[PolicySource]) -> PlatformPlan {
    let names = v.cluster_names();
    let clusters: Vec<ClusterPlan> = names
        .iter()
        .filter_map(|n| v.spec_for_cluster(n))
        .map(|(spec, cluster)| plan_cluster(spec, cluster, policies))
        .collect();
    // Global parts come from the first cluster's view (they are environment-independent
    // in practice); fall back to any view.
    let spec = names
        .first()
        .and_then(|n| v.spec_for_cluster(n))
        .map(|(s, _)| s)
        .or_else(|| v.envs.values().next());
    let (platform, gitops) = match spec {
        Some(s) => (platform_ctx(s), gitops_ctx(s)),
        None => (PlatformCtx::default(), GitopsCtx::default()),
    };
    let waves = waves(
        &clusters,
        spec.map(|s| s.fleet.waves.as_slice()).unwrap_or_default(),
    );
    let mut source_repos: Vec<String> = vec![gitops.repo_url.clone()];
    for c in &clusters {
        source_repos.extend(
            c.components
                .values()
                .filter(|k| !k.repo.is_empty())
                .map(|k| k.repo.clone()),
        );
        if c.profiles {
            source_repos.push(PROFILES_REPO.into());
        }
        source_repos.extend(c.addons.iter().map(|a| a.repo.clone()));
        if c.serving.knative {
            source_repos.push(KNATIVE_OPERATOR_REPO.into());
        }
        if c.cost.enabled {
            source_repos.push(c.cost.prometheus.repo.clone());
        }
    }
    source_repos.sort();
    source_repos.dedup();
    let steps = fleet::steps(&clusters, &waves);
    PlatformPlan {
        platform,
        gitops,
        clusters,
        source_repos,
        waves,
        steps,
    }
}

fn platform_ctx(s: &Spec) -> PlatformCtx {
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

fn gitops_ctx(s: &Spec) -> GitopsCtx {
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

fn in_cluster(list: &[String], cluster: &str) -> bool {
    list.is_empty() || list.iter().any(|c| c == cluster)
}

fn component_ctx(key: &str, version: &str) -> ComponentCtx {
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

fn pool_ctx(cluster: &spec::Cluster, k8s: catalog::Version, p: &spec::NodePool) -> PoolCtx {
    let mut node_labels = BTreeMap::new();
    node_labels.insert(POOL_LABEL.to_string(), p.name.clone());
    let mut taints = Vec::new();
    if let Some(g) = &p.gpu {
        node_labels.insert("mlpc.io/gpu-type".into(), g.kind.clone());
        node_labels.insert("cluster-api/accelerator".into(), g.kind.clone());
        node_labels.insert("nvidia.com/gpu.present".into(), "true".into());
        taints.push(Taint {
            key: GPU_RESOURCE.into(),
            value: "true".into(),
            effect: "NoSchedule".into(),
        });
    }
    if p.spot {
        node_labels.insert("mlpc.io/capacity-type".into(), "spot".into());
    }
    for (k, v) in &p.labels {
        node_labels.insert(k.clone(), v.clone());
    }
    let node_labels_csv = node_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let taints_csv = taints
        .iter()
        .map(|t| format!("{}={}:{}", t.key, t.value, t.effect))
        .collect::<Vec<_>>()
        .join(",");
    PoolCtx {
        kubelet_args: cluster::kubelet_args(cluster.provider, k8s, &node_labels_csv),
        managed_name: String::new(),
        system: false,
        ami_type: if cluster.provider == spec::Provider::Eks {
            addons::eks_ami_type(p.gpu.is_some(), k8s).into()
        } else {
            String::new()
        },
        name: p.name.clone(),
        resource_name: format!("{}-{}", cluster.name, p.name),
        instance_type: p.instance_type.clone(),
        cpu: p.cpu,
        memory_gib: p.memory_gib,
        min_nodes: p.min_nodes,
        max_nodes: p.max_nodes,
        spot: p.spot,
        hourly_price: p.hourly_price,
        gpu: p.gpu.as_ref().map(|g| GpuCtx {
            kind: g.kind.clone(),
            count: g.count,
        }),
        node_labels,
        node_labels_csv,
        taints,
        taints_csv,
        flavor: p.name.clone(),
    }
}

/// What Kueue can admit for a team on its GPU flavors: per flavor the nominal
/// quota plus the borrowing limit (the pool's whole capacity when unlimited),
/// never more than the pool has.
pub fn gpu_ceiling(nominal: &[u64], capacity: &[u64], borrowing: Option<u32>) -> u64 {
    nominal
        .iter()
        .zip(capacity)
        .map(|(&n, &cap)| {
            let most = match borrowing {
                Some(b) => n + u64::from(b),
                None => cap,
            };
            most.min(cap).max(n)
        })
        .sum()
}

fn gpu_tolerations() -> Vec<Toleration> {
    vec![Toleration {
        key: GPU_RESOURCE.into(),
        operator: "Exists".into(),
        effect: "NoSchedule".into(),
    }]
}

/// Split `total` across `weights` proportionally, largest remainders first,
/// ties by position: deterministic and summing exactly to `total`.
pub fn split_proportional(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum == 0 {
        let mut out = vec![0; weights.len()];
        out[0] = total;
        return out;
    }
    let mut out: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    let mut rest = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((total * weights[i]) % sum));
    for i in order {
        if rest == 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

fn plan_cluster(s: &Spec, c: &spec::Cluster, policies: &[PolicySource]) -> ClusterPlan {
    let versions = catalog::resolve(&s.components, &c.components);
    let components: BTreeMap<String, ComponentCtx> = versions
        .iter()
        .map(|(k, v)| (k.to_string(), component_ctx(k, v)))
        .collect();
    let kserve_new_modes =
        catalog::Version::parse(&versions["kserve"]).is_some_and(|v| v.line() >= (0, 16));
    let mode_name = |m: DeploymentMode| -> String {
        match (m, kserve_new_modes) {
            (DeploymentMode::Knative, true) => "Knative",
            (DeploymentMode::Knative, false) => "Serverless",
            (DeploymentMode::Standard, true) => "Standard",
            (DeploymentMode::Standard, false) => "RawDeployment",
        }
        .to_string()
    };

    let k8s = cluster::k8s_version(s);
    let mut pools: Vec<PoolCtx> = s
        .node_pools
        .iter()
        .filter(|p| in_cluster(&p.clusters, &c.name))
        .map(|p| pool_ctx(c, k8s, p))
        .collect();
    let pool_names: Vec<String> = pools.iter().map(|p| p.name.clone()).collect();
    let pool_names: Vec<&str> = pool_names.iter().map(String::as_str).collect();
    let managed_names = cluster::managed_pool_names(c.provider, &c.name, &pool_names);
    for (p, n) in pools.iter_mut().zip(managed_names) {
        p.managed_name = n;
    }
    let gpu_pools: Vec<PoolCtx> = pools.iter().filter(|p| p.gpu.is_some()).cloned().collect();
    let pool = |name: &str| pools.iter().find(|p| p.name == name);

    let cpu_capacity: u64 = pools
        .iter()
        .map(|p| u64::from(p.cpu) * u64::from(p.max_nodes))
        .sum();
    let memory_capacity: u64 = pools
        .iter()
        .map(|p| u64::from(p.memory_gib) * u64::from(p.max_nodes))
        .sum();
    let teams_in: Vec<&spec::Team> = s
        .teams
        .iter()
        .filter(|t| in_cluster(&t.clusters, &c.name))
        .collect();
    let teams: Vec<TeamCtx> = teams_in
        .iter()
        .map(|t| {
            let usable: Vec<&PoolCtx> = gpu_pools
                .iter()
                .filter(|p| t.gpu_pools.is_empty() || t.gpu_pools.contains(&p.name))
                .collect();
            let weights: Vec<u64> = usable
                .iter()
                .map(|p| u64::from(p.max_nodes) * u64::from(p.gpu.as_ref().map_or(0, |g| g.count)))
                .collect();
            let split = split_proportional(u64::from(t.quota.gpu), &weights);
            let gpu_ceiling = gpu_ceiling(&split, &weights, t.quota.gpu_borrowing_limit);
            let flavors = usable
                .iter()
                .zip(split)
                .map(|(p, gpus)| FlavorQuota {
                    flavor: p.flavor.clone(),
                    gpu: gpus,
                })
                .collect();
            let cpu = t.quota.cpu.as_ref().map(|q| q.0.clone());
            let memory = t.quota.memory.as_ref().map(|q| q.0.clone());
            TeamCtx {
                name: t.name.clone(),
                namespace: t.name.clone(),
                owners: t.owners.clone(),
                members: t.members.clone(),
                profile: t.profile,
                quota: QuotaCtx {
                    gpu: t.quota.gpu,
                    cpu: cpu.clone().unwrap_or_else(|| "0".into()),
                    memory: memory.clone().unwrap_or_else(|| "0".into()),
                    pods: t.quota.pods,
                    has_cpu: cpu.is_some(),
                    has_memory: memory.is_some(),
                    kueue_cpu: cpu.clone().unwrap_or_else(|| cpu_capacity.to_string()),
                    kueue_memory: memory
                        .clone()
                        .unwrap_or_else(|| format!("{memory_capacity}Gi")),
                    gpu_ceiling,
                },
                gpu_flavors: flavors,
                gpu_borrowing_limit: t.quota.gpu_borrowing_limit,
                local_queue: format!("{}-queue", t.name),
                cluster_queue: t.name.clone(),
                service_accounts: Vec::new(),
            }
        })
        .collect();
    let team_names: Vec<&str> = teams_in.iter().map(|t| t.name.as_str()).collect();

    let placement = |pool_name: Option<&String>, gpus: u32| -> Placement {
        match pool_name.and_then(|n| pool(n)) {
            Some(p) => Placement {
                node_selector: BTreeMap::from([(POOL_LABEL.to_string(), p.name.clone())]),
                tolerations: if p.gpu.is_some() {
                    gpu_tolerations()
                } else {
                    Vec::new()
                },
                gpus,
            },
            None => Placement {
                node_selector: BTreeMap::new(),
                tolerations: if gpus > 0 {
                    gpu_tolerations()
                } else {
                    Vec::new()
                },
                gpus,
            },
        }
    };

    // Serving.
    let models: Vec<ModelCtx> = s
        .serving
        .models
        .iter()
        .filter(|m| in_cluster(&m.clusters, &c.name) && team_names.contains(&m.team.as_str()))
        .map(|m| {
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
                deployment_mode: mode_name(mode),
                cpu: m.cpu.0.clone(),
                memory: m.memory.0.clone(),
                placement: placement(m.node_pool.as_ref(), m.gpus),
                host: String::new(),
                pod_labels: BTreeMap::new(),
                args: Vec::new(),
                env: Vec::new(),
                egress: Vec::new(),
            };
            serving::fill(&mut ctx, m, s, c.provider);
            ctx
        })
        .collect();
    let runtimes_used: Vec<(String, String)> = {
        let mut v: Vec<(String, String)> = models
            .iter()
            .filter_map(|m| {
                m.runtime
                    .as_ref()
                    .filter(|r| s.serving.runtimes.iter().any(|x| &x.name == *r))
                    .map(|r| (m.namespace.clone(), r.clone()))
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let serving_runtimes: Vec<ServingRuntimeCtx> = runtimes_used
        .iter()
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
        .collect();

    // Tuning.
    let experiments: Vec<ExperimentCtx> = s
        .tuning
        .experiments
        .iter()
        .filter(|e| in_cluster(&e.clusters, &c.name) && team_names.contains(&e.team.as_str()))
        .map(|e| ExperimentCtx {
            name: e.name.clone(),
            namespace: e.team.clone(),
            objective_type: match e.objective.kind {
                spec::ObjectiveType::Maximize => "maximize".into(),
                spec::ObjectiveType::Minimize => "minimize".into(),
            },
            metric: e.objective.metric.clone(),
            goal: e.objective.goal,
            algorithm: e.algorithm.as_str().into(),
            max_trials: e.max_trials,
            parallel_trials: e.parallel_trials,
            max_failed_trials: e.max_failed_trials,
            image: e.image.clone(),
            command: e.command.clone(),
            cpu: e.cpu.0.clone(),
            memory: e.memory.0.clone(),
            placement: placement(e.node_pool.as_ref(), e.gpus_per_trial),
            parameters: e
                .parameters
                .iter()
                .map(|p| ParameterCtx {
                    name: p.name.clone(),
                    kind: match p.kind {
                        spec::ParameterType::Double => "double",
                        spec::ParameterType::Int => "int",
                        spec::ParameterType::Categorical => "categorical",
                        spec::ParameterType::Discrete => "discrete",
                    }
                    .into(),
                    min: p.min.map(|v| number_string(v, p.kind)),
                    max: p.max.map(|v| number_string(v, p.kind)),
                    step: p.step.map(|v| number_string(v, p.kind)),
                    values: p.values.clone(),
                })
                .collect(),
            local_queue: format!("{}-queue", e.team),
        })
        .collect();

    // Training runtimes.
    let runtimes: Vec<TrainingRuntimeCtx> = s
        .training
        .runtimes
        .iter()
        .filter_map(|r| {
            let p = pool(&r.node_pool)?;
            let gpus = r
                .gpus_per_node
                .or(p.gpu.as_ref().map(|g| g.count))
                .unwrap_or(0);
            // The teams that may run on the runtime's pool share it; each pod sits
            // next to the Istio sidecar its namespace injects, inside the quota.
            let (proxy_cpu, proxy_gib) = catalog::ISTIO_PROXY_LIMITS;
            let gib = 1024f64.powi(3);
            let users: Vec<(Option<f64>, Option<f64>)> = teams
                .iter()
                .filter(|t| p.gpu.is_none() || t.gpu_flavors.iter().any(|f| f.flavor == p.flavor))
                .map(|t| {
                    let cpu = t
                        .quota
                        .has_cpu
                        .then(|| parse_quantity(&t.quota.cpu))
                        .flatten()
                        .map(|q| (q - proxy_cpu).max(1.0));
                    let memory = t
                        .quota
                        .has_memory
                        .then(|| parse_quantity(&t.quota.memory))
                        .flatten()
                        .map(|q| (q - proxy_gib * gib).max(gib));
                    (cpu, memory)
                })
                .collect();
            let (cpu, memory_gib) = runtime_pod_size(p.cpu, p.memory_gib, &users);
            Some(TrainingRuntimeCtx {
                name: r.name.clone(),
                image: r.image.clone(),
                num_nodes: r.num_nodes,
                placement: placement(Some(&r.node_pool), gpus),
                cpu: cpu.to_string(),
                memory: format!("{memory_gib}Gi"),
            })
        })
        .collect();

    // Service accounts models run as, per team namespace, with their storage identity.
    let mut teams = teams;
    let served: Vec<&spec::Model> = s
        .serving
        .models
        .iter()
        .filter(|m| in_cluster(&m.clusters, &c.name) && team_names.contains(&m.team.as_str()))
        .collect();
    let model_secrets = serving::accounts(c.provider, &served, &mut teams);

    let store = &s.pipelines.artifact_store;
    let s3 = store.kind == spec::ArtifactStoreKind::S3;
    let pipeline_root = s.pipelines.pipeline_root.clone().unwrap_or_else(|| {
        if s3 {
            format!(
                "s3://{}/pipelines",
                store.bucket.clone().unwrap_or_default()
            )
        } else {
            "minio://mlpipeline/v2/artifacts".into()
        }
    });
    let endpoint = store.endpoint.clone().unwrap_or_else(|| {
        if s3 {
            format!(
                "s3.{}.amazonaws.com",
                store.region.clone().unwrap_or_else(|| "us-east-1".into())
            )
        } else {
            "minio-service.kubeflow:9000".into()
        }
    });
    let secure = pipelines::secure(s3);
    let credentials = store.credentials.as_ref().map(secret_ctx);
    let launcher_providers = {
        let creds = match &credentials {
            Some(c) => serde_json::json!({"fromEnv": false, "secretRef": {
                "secretName": c.name, "accessKeyKey": "AWS_ACCESS_KEY_ID", "secretKeyKey": "AWS_SECRET_ACCESS_KEY"}}),
            None => serde_json::json!({"fromEnv": true}),
        };
        crate::yaml::to_yaml(&serde_json::json!({"s3": {"default": {
            "endpoint": endpoint,
            "region": store.region.clone().unwrap_or_else(|| "us-east-1".into()),
            "disableSSL": !secure,
            "forcePathStyle": !s3,
            "credentials": creds,
        }}}))
    };
    let host = endpoint.split(':').next().unwrap_or_default().to_string();
    let port = endpoint
        .split_once(':')
        .map(|(_, p)| p.to_string())
        .unwrap_or_else(|| if secure { "443".into() } else { "9000".into() });
    let env = |n: &str, v: String| EnvVar {
        name: n.into(),
        value: v,
    };
    let api_server_env = vec![
        env("OBJECTSTORECONFIG_HOST", host),
        env("OBJECTSTORECONFIG_PORT", port),
        env(
            "OBJECTSTORECONFIG_REGION",
            store.region.clone().unwrap_or_else(|| "us-east-1".into()),
        ),
        env("OBJECTSTORECONFIG_SECURE", secure.to_string()),
        env("CACHEENABLED", s.pipelines.cache_enabled.to_string()),
    ];
    let region = store.region.clone().unwrap_or_else(|| "us-east-1".into());
    let bucket = store.bucket.clone().unwrap_or_else(|| "mlpipeline".into());
    let pipelines = PipelinesCtx {
        deploy_minio: !s3,
        minio_delete_patches: if s3 {
            pipelines::minio_delete_patches()
        } else {
            Vec::new()
        },
        argo_artifact_repository: pipelines::argo_artifact_repository(
            &bucket, &endpoint, &region, secure,
        ),
        ui_env: pipelines::ui_env(&endpoint, &region, secure),
        launcher_providers,
        api_server_env,
        run_namespaces: pipelines::run_namespaces(),
        enabled: s.pipelines.enabled,
        s3,
        bucket,
        region,
        endpoint,
        secure,
        pipeline_root,
        cache_enabled: s.pipelines.cache_enabled,
        credentials,
    };

    let any_knative = models.iter().any(|m| m.knative);
    let serving = ServingCtx {
        enabled: s.serving.enabled,
        deployment_mode: mode_name(s.serving.deployment_mode),
        knative: any_knative,
        models,
        runtimes: serving_runtimes,
        secrets: model_secrets,
    };

    // Profile namespaces are created by the profile controller, which does not
    // copy the team label: requiring it there would block the controller.
    let profile_teams: Vec<&str> = teams
        .iter()
        .filter(|t| t.profile)
        .map(|t| t.name.as_str())
        .collect();
    // The images the platform itself puts into team namespaces, admitted by
    // the allowed-registries policy by exact reference.
    let platform_images = catalog::platform_images(
        &versions,
        catalog::PlatformUse {
            mesh: true,
            serving: s.serving.enabled,
            knative: serving.knative,
            tuning: s.tuning.enabled,
            knative_operator: KNATIVE_OPERATOR_VERSION,
        },
    );
    let policy = PolicyCtx {
        enabled: s.policy.enabled,
        enforcement: s.policy.enforcement.as_str().into(),
        templates: policies
            .iter()
            .filter(|p| !s.policy.disabled.contains(&p.name))
            .filter_map(|p| policy_ctx(p, s, &team_names, &profile_teams, &platform_images))
            .collect(),
    };

    let cost = cost::pricing(s, &pools);
    let wants_profiles = teams.iter().any(|t| t.profile);

    ClusterPlan {
        platform: platform_ctx(s),
        gitops: gitops_ctx(s),
        cluster: cluster::cluster_ctx(s, c),
        components,
        machine_pools: cluster::machine_pools(c, &pools),
        pools,
        gpu_pools,
        teams,
        pipelines,
        training: TrainingCtx {
            enabled: s.training.enabled,
            cohort: s.training.cohort.clone(),
            runtimes,
        },
        tuning: TuningCtx {
            enabled: s.tuning.enabled,
            experiments,
        },
        serving,
        mesh: MeshCtx {
            mtls: match s.mesh.mtls {
                spec::MtlsMode::Strict => "STRICT".into(),
                spec::MtlsMode::Permissive => "PERMISSIVE".into(),
            },
            tls: s.mesh.tls.as_ref().map(secret_ctx),
            allowed_namespaces: s.mesh.allowed_namespaces.clone(),
            ingress_namespace: INGRESS_NAMESPACE.into(),
            ingress_service: format!("istio-ingressgateway.{INGRESS_NAMESPACE}.svc.cluster.local"),
            local_gateway_service: format!(
                "knative-local-gateway.{INGRESS_NAMESPACE}.svc.cluster.local"
            ),
        },
        policy,
        cost,
        profiles: wants_profiles,
        bootstrap: LayerCtx {
            name: "bootstrap".into(),
            dir: "00-bootstrap".into(),
            index: 0,
            install_wave: 1,
            sync_wave: 1,
        },
        addons: addons::addons(s, c),
        secret_stores: addons::secret_stores(s),
        storage_classes: addons::storage_classes(c),
        layers: LAYERS
            .iter()
            .enumerate()
            .map(|(i, l)| LayerCtx {
                name: l.to_string(),
                dir: format!("{:02}-{l}", i + 1),
                index: i + 1,
                install_wave: (i + 1) * 10,
                // Every other layer puts objects into team namespaces, so the
                // tenancy objects (Namespaces first) sync before any of them.
                // Cost objects (OpenCost's price list and namespace) come
                // before the OpenCost install that mounts them.
                sync_wave: match *l {
                    "tenancy" => 2,
                    "cost" => (i + 1) * 10 - 2,
                    _ => (i + 1) * 10 + 5,
                },
            })
            .collect(),
    }
}

fn secret_ctx(r: &spec::SecretRef) -> SecretCtx {
    SecretCtx {
        name: r.secret_name.clone(),
        store: r.external.as_ref().map(|e| e.store.clone()),
        key: r.external.as_ref().map(|e| e.key.clone()),
    }
}

/// Katib wants feasible-space bounds as strings; ints print without a decimal point.
fn number_string(v: f64, kind: spec::ParameterType) -> String {
    if kind == spec::ParameterType::Int || (v.fract() == 0.0 && v.abs() < 1e15) {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn policy_ctx(
    p: &PolicySource,
    s: &Spec,
    teams: &[&str],
    profile_teams: &[&str],
    platform_images: &[String],
) -> Option<PolicyTemplateCtx> {
    let kind = p.meta.get("kind")?.as_str()?.to_string();
    let params = match p.name.as_str() {
        "k8sallowedrepos" => {
            if s.policy.allowed_registries.is_empty() {
                return None;
            }
            serde_json::json!({ "repos": s.policy.allowed_registries, "images": platform_images })
        }
        "k8sdisallowedtags" => serde_json::json!({ "tags": s.policy.disallowed_tags }),
        "k8sgputoleration" => serde_json::json!({ "maxGpusPerPod": s.policy.max_gpus_per_pod }),
        "k8srequiredteamlabel" => serde_json::json!({ "label": TEAM_LABEL }),
        _ => serde_json::Value::Null,
    };
    let mut namespaces: Vec<String> = teams.iter().map(|t| t.to_string()).collect();
    namespaces.retain(|n| !s.policy.exempt_namespaces.contains(n));
    if p.name == "k8srequiredteamlabel" {
        namespaces.retain(|n| !profile_teams.contains(&n.as_str()));
    }
    if namespaces.is_empty() {
        return None;
    }
    Some(PolicyTemplateCtx {
        name: p.name.clone(),
        kind,
        description: p
            .meta
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .trim()
            .to_string(),
        rego: p.rego.clone(),
        parameters_schema: p
            .meta
            .get("parameters")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
        parameters: params,
        matches: p
            .meta
            .get("match")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
        namespaces,
        excluded_namespaces: s.policy.exempt_namespaces.clone(),
    })
}

/// Requested CPU of a quantity string in cores (0 when unparsable; validation ran before).
pub fn cores(q: &str) -> f64 {
    parse_quantity(q).unwrap_or(0.0)
}

/// CPU cores and memory (GiB) one pod of a training runtime requests: 90% of a
/// node of its pool (headroom for the kubelet and daemons), but no more than the
/// smallest CPU and memory quota (`users`: cores, bytes; `None` when unset) of the
/// teams that may use the pool. Kueue does not lend CPU or memory past a team's
/// quota, so a larger pod would never be admitted for that team.
fn runtime_pod_size(
    node_cpu: u32,
    node_memory_gib: u32,
    users: &[(Option<f64>, Option<f64>)],
) -> (u64, u64) {
    let min = |v: Option<f64>, cap: u64| v.map_or(cap, |x| cap.min(x.floor() as u64));
    let gib = 1024f64.powi(3);
    let mut cpu = u64::from(node_cpu) * 9 / 10;
    let mut memory = u64::from(node_memory_gib) * 9 / 10;
    for (c, m) in users {
        cpu = min(*c, cpu);
        memory = min(m.map(|b| b / gib), memory);
    }
    (cpu.max(1), memory.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gpu_ceiling_adds_borrowing_within_capacity() {
        assert_eq!(gpu_ceiling(&[10, 6], &[32, 24], Some(8)), 18 + 14);
        assert_eq!(gpu_ceiling(&[30], &[32], Some(8)), 32, "capped at the pool");
        assert_eq!(gpu_ceiling(&[4], &[24], None), 24, "unlimited borrowing");
        assert_eq!(gpu_ceiling(&[4], &[24], Some(0)), 4);
        assert_eq!(
            gpu_ceiling(&[40], &[32], Some(0)),
            40,
            "never below nominal"
        );
    }

    #[test]
    fn runtime_pods_fit_every_team_that_may_use_their_pool() {
        let gib = 1024f64.powi(3);
        // The example's A100 pool (96 CPU, 1152 GiB): 90% of a node...
        assert_eq!(runtime_pod_size(96, 1152, &[]), (86, 1036));
        // ...but vision (128 CPU, 1 TiB) may use the pool: 1036 GiB would never
        // be admitted (issue 16; found by the simulated cluster).
        assert_eq!(
            runtime_pod_size(
                96,
                1152,
                &[
                    (Some(128.0), Some(1024.0 * gib)),
                    (Some(192.0), Some(1536.0 * gib))
                ]
            ),
            (86, 1024)
        );
        assert_eq!(
            runtime_pod_size(96, 1152, &[(Some(64.0), None)]),
            (64, 1036)
        );
        assert_eq!(
            runtime_pod_size(4, 8, &[(Some(0.5), Some(0.25 * gib))]),
            (1, 1),
            "at least 1"
        );
    }

    proptest! {
        #[test]
        fn quota_splits_always_sum_to_the_total(
            total in 0u64..100_000,
            weights in proptest::collection::vec(0u64..10_000, 1..10),
        ) {
            let split = split_proportional(total, &weights);
            prop_assert_eq!(split.len(), weights.len());
            prop_assert_eq!(split.iter().sum::<u64>(), total);
        }
    }
}

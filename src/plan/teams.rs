//! Teams of a cluster: their namespaces, quotas (the GPU quota split across
//! the GPU pools each team may use, by capacity), queues and labels, and the
//! service account their batch workloads (training runtimes, Katib trials)
//! run as, `mlpc-workloads`, with the team's storage identity.

use std::collections::BTreeMap;

use serde::Serialize;

use super::labels::{STORAGE_IDENTITY_LABEL, TEAM_LABEL};
use super::pools::PoolCtx;
use super::storage::{self, EgressCtx, ExternalSecretCtx};
use crate::spec::model::{self as spec, Provider, Spec, on_cluster};

/// The service account of a team's batch workloads, in every team namespace:
/// the ClusterTrainingRuntimes (shared by the teams) and Katib trial
/// templates name it, so a stable name is the contract.
pub const WORKLOAD_SERVICE_ACCOUNT: &str = "mlpc-workloads";
/// The ConfigMap (S3 endpoint and region) and Secret (keys) whose entries
/// become the workloads' environment.
pub const WORKLOAD_STORAGE: &str = "mlpc-workloads-storage";
/// The value of `STORAGE_IDENTITY_LABEL` on workload pods; the team's
/// storage-identity NetworkPolicy selects it.
pub const WORKLOAD_LABEL_VALUE: &str = "team";
use super::quota;
use crate::validate::names::parse_quantity;

#[derive(Clone, Debug, Serialize)]
pub struct QuotaCtx {
    pub gpu: u32,
    pub cpu: String,
    pub memory: String,
    pub pods: Option<u32>,
    pub has_cpu: bool,
    pub has_memory: bool,
    /// Kueue nominal quotas: the team's quota less what its models may take
    /// (`plan/quota.rs`), or the cluster's capacity when unset.
    pub kueue_cpu: String,
    pub kueue_memory: String,
    /// The namespace ResourceQuota's requests: the team's quota plus the Istio
    /// proxies of the pods it admits.
    pub namespace_cpu: String,
    pub namespace_memory: String,
    /// The ResourceQuota's GPUs: the most Kueue can admit for the team (nominal
    /// plus borrowing, within its pools' capacity) plus what its models may
    /// take, so neither a workload Kueue admits nor a model scaling up is
    /// rejected by the quota.
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
    /// The Kubeflow Profile's owner: the first owner, else the platform's admin.
    pub profile_owner: String,
    /// Labels of the team's namespace or Profile (the team label).
    pub labels: BTreeMap<String, String>,
    pub quota: QuotaCtx,
    /// The team's GPU quota split across the GPU flavors it may use (less
    /// what its models may take: Kueue's nominal quotas).
    pub gpu_flavors: Vec<FlavorQuota>,
    /// The cluster's GPU pools the team may use (spec order): the pools its
    /// GPU pods may select (policy `k8sgpupools`).
    pub gpu_pools: Vec<String>,
    /// The GPUs its models may take, per flavor of their pools.
    pub served_flavors: Vec<FlavorQuota>,
    pub gpu_borrowing_limit: Option<u32>,
    pub local_queue: String,
    pub cluster_queue: String,
    /// Service accounts the team's models run as, with their storage identity
    /// (filled by the serving planner).
    pub service_accounts: Vec<ServiceAccountCtx>,
    /// The service account of its training and trial pods, with the team's
    /// storage identity.
    pub workload_account: ServiceAccountCtx,
    /// What those pods look like (service account, labels, environment).
    pub workload_pod: WorkloadPodCtx,
    /// Egress the team's storage identity needs (metadata endpoints), for
    /// the pods `workload_selector` selects.
    pub workload_egress: Vec<EgressCtx>,
    pub workload_selector: BTreeMap<String, String>,
    /// Non-secret storage settings of the workloads' environment (the
    /// `mlpc-workloads-storage` ConfigMap; none when empty).
    pub workload_env: BTreeMap<String, String>,
    /// The name of that ConfigMap and of the Secret (`mlpc-workloads-storage`).
    pub workload_storage: String,
    /// The ExternalSecret filling the `mlpc-workloads-storage` Secret.
    pub workload_secret: Option<ExternalSecretCtx>,
}

/// A workload pod's identity: the service account it runs as, its labels
/// (the storage-identity selector, Azure Workload Identity's opt-in), and
/// where its containers' environment comes from.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkloadPodCtx {
    pub service_account: String,
    pub labels: BTreeMap<String, String>,
    pub env_from: Vec<EnvFromSource>,
}

/// A container's `envFrom` entry, in the Kubernetes shape.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvFromSource {
    #[serde(rename = "configMapRef", skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<EnvFromRef>,
    #[serde(rename = "secretRef", skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<EnvFromRef>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnvFromRef {
    pub name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

impl EnvFromSource {
    fn config_map(optional: bool) -> Self {
        EnvFromSource {
            config_map_ref: Some(EnvFromRef {
                name: WORKLOAD_STORAGE.into(),
                optional,
            }),
            secret_ref: None,
        }
    }
    fn secret(optional: bool) -> Self {
        EnvFromSource {
            config_map_ref: None,
            secret_ref: Some(EnvFromRef {
                name: WORKLOAD_STORAGE.into(),
                optional,
            }),
        }
    }
}

fn workload_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(
        STORAGE_IDENTITY_LABEL.to_string(),
        WORKLOAD_LABEL_VALUE.to_string(),
    )])
}

/// The pods of the cluster's shared ClusterTrainingRuntimes: any team may
/// run them, so they name what every team namespace holds (the service
/// account) and what only some do (the storage ConfigMap and Secret,
/// optional); on AKS, Azure Workload Identity's label when some team has an
/// identity (the webhook leaves a service account without one unchanged).
pub fn shared_workload_pod(p: Provider, teams: &[TeamCtx]) -> WorkloadPodCtx {
    let mut labels = workload_labels();
    for t in teams {
        labels.extend(t.workload_pod.labels.clone());
    }
    debug_assert!(p == Provider::Aks || labels == workload_labels());
    WorkloadPodCtx {
        service_account: WORKLOAD_SERVICE_ACCOUNT.into(),
        labels,
        env_from: vec![EnvFromSource::config_map(true), EnvFromSource::secret(true)],
    }
}

/// A team's workload service account, pods, egress and environment, from
/// its storage on provider `p`.
fn fill_workloads(ctx: &mut TeamCtx, p: Provider, t: &spec::Team) {
    let st = t.storage.as_ref();
    ctx.workload_account = ServiceAccountCtx {
        name: WORKLOAD_SERVICE_ACCOUNT.into(),
        annotations: storage::identity_annotations(p, st),
        secrets: Vec::new(),
    };
    ctx.workload_env = st.map(storage::s3_env).unwrap_or_default();
    ctx.workload_secret = st
        .and_then(|s| s.credentials.as_ref())
        .and_then(|c| storage::external(c, &ctx.namespace, BTreeMap::new()));
    ctx.workload_egress = storage::storage_egress(p, st);
    ctx.workload_selector = workload_labels();
    let mut labels = workload_labels();
    labels.extend(storage::identity_pod_labels(p, st));
    let mut env_from = Vec::new();
    if !ctx.workload_env.is_empty() {
        env_from.push(EnvFromSource::config_map(false));
    }
    if ctx.workload_secret.is_some() {
        env_from.push(EnvFromSource::secret(false));
    }
    ctx.workload_pod = WorkloadPodCtx {
        service_account: WORKLOAD_SERVICE_ACCOUNT.into(),
        labels,
        env_from,
    };
}

/// A service account with its storage identity: cloud identity annotations
/// (IRSA, GKE or Azure Workload Identity; for a model also KServe's S3
/// settings) and, for a model, the credential Secrets KServe's storage
/// initializer reads through it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceAccountCtx {
    pub name: String,
    pub annotations: BTreeMap<String, String>,
    pub secrets: Vec<String>,
}

/// A team's LocalQueue (in its namespace): where its workloads queue.
pub fn local_queue(team: &str) -> String {
    format!("{team}-queue")
}

/// The cluster's teams.
pub fn plan(s: &Spec, c: &spec::Cluster, pools: &[PoolCtx]) -> Vec<TeamCtx> {
    let gpu_pools: Vec<&PoolCtx> = pools.iter().filter(|p| p.gpu.is_some()).collect();
    let cpu_capacity: u64 = pools
        .iter()
        .map(|p| u64::from(p.cpu) * u64::from(p.max_nodes))
        .sum();
    let memory_capacity: u64 = pools
        .iter()
        .map(|p| u64::from(p.memory_gib) * u64::from(p.max_nodes))
        .sum();
    s.teams
        .iter()
        .filter(|t| on_cluster(&t.clusters, &c.name))
        .map(|t| {
            let usable: Vec<&PoolCtx> = gpu_pools
                .iter()
                .copied()
                .filter(|p| t.may_use_pool(&p.name))
                .collect();
            let weights: Vec<u64> = usable.iter().map(|p| p.gpu_capacity).collect();
            let served = quota::reserved(s, &c.name, &t.name);
            let headroom = quota::proxy_headroom(t.quota.pods);
            let split = split_proportional(quota::kueue_gpus(s, &c.name, t), &weights);
            let gpu_ceiling =
                gpu_ceiling(&split, &weights, t.quota.gpu_borrowing_limit) + served.gpus;
            let amount = |q: &Option<spec::Quantity>| {
                q.as_ref().and_then(|q| parse_quantity(&q.0)).unwrap_or(0.0)
            };
            let (cpu_q, memory_q) = (amount(&t.quota.cpu), amount(&t.quota.memory));
            let allowed_pools = usable.iter().map(|p| p.name.clone()).collect();
            let gpu_flavors = usable
                .iter()
                .zip(split)
                .map(|(p, gpus)| FlavorQuota {
                    flavor: p.flavor.clone(),
                    gpu: gpus,
                })
                .collect();
            let cpu = t.quota.cpu.as_ref().map(|q| q.0.clone());
            let memory = t.quota.memory.as_ref().map(|q| q.0.clone());
            let mut ctx = TeamCtx {
                name: t.name.clone(),
                namespace: t.name.clone(),
                owners: t.owners.clone(),
                members: t.members.clone(),
                profile: t.profile,
                profile_owner: t
                    .owners
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("admin@{}", s.platform.domain)),
                labels: BTreeMap::from([(TEAM_LABEL.to_string(), t.name.clone())]),
                quota: QuotaCtx {
                    gpu: t.quota.gpu,
                    cpu: cpu.clone().unwrap_or_else(|| "0".into()),
                    memory: memory.clone().unwrap_or_else(|| "0".into()),
                    pods: t.quota.pods,
                    has_cpu: cpu.is_some(),
                    has_memory: memory.is_some(),
                    kueue_cpu: cpu
                        .map(|_| quota::cpu_quantity(cpu_q - served.cpu))
                        .unwrap_or_else(|| cpu_capacity.to_string()),
                    kueue_memory: memory
                        .map(|_| quota::memory_quantity(memory_q - served.memory))
                        .unwrap_or_else(|| format!("{memory_capacity}Gi")),
                    namespace_cpu: quota::cpu_quantity(cpu_q + headroom.cpu),
                    namespace_memory: quota::memory_quantity(memory_q + headroom.memory),
                    gpu_ceiling,
                },
                gpu_flavors,
                gpu_pools: allowed_pools,
                served_flavors: quota::served_gpus_by_pool(s, &c.name, t)
                    .into_iter()
                    .filter_map(|(pool, gpu)| {
                        let p = gpu_pools.iter().find(|p| p.name == pool)?;
                        Some(FlavorQuota {
                            flavor: p.flavor.clone(),
                            gpu,
                        })
                    })
                    .collect(),
                gpu_borrowing_limit: t.quota.gpu_borrowing_limit,
                local_queue: local_queue(&t.name),
                cluster_queue: t.name.clone(),
                service_accounts: Vec::new(),
                workload_account: ServiceAccountCtx::default(),
                workload_pod: WorkloadPodCtx::default(),
                workload_egress: Vec::new(),
                workload_selector: BTreeMap::new(),
                workload_env: BTreeMap::new(),
                workload_storage: WORKLOAD_STORAGE.into(),
                workload_secret: None,
            };
            fill_workloads(&mut ctx, c.provider, t);
            ctx
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::pools;
    use crate::plan::testing::{POOLS, cluster, spec};
    use proptest::prelude::*;

    const TEAMS: &str = r#"
[[teams]]
name = "vision"
owners = ["ana@example.com"]
quota = { gpu = 10, cpu = "64" }

[[teams]]
name = "nlp"
profile = true
gpu_pools = ["l4"]
quota = { gpu = 3, gpu_borrowing_limit = 2 }

[[teams]]
name = "ops"
clusters = ["c2"]
"#;

    fn plan_on(name: &str) -> Vec<TeamCtx> {
        let s = spec(&format!("{POOLS}{TEAMS}"));
        let c = cluster(&s, name);
        plan(&s, c, &pools::plan(&s, c))
    }

    fn flavors(t: &TeamCtx) -> Vec<(&str, u64)> {
        t.gpu_flavors
            .iter()
            .map(|f| (f.flavor.as_str(), f.gpu))
            .collect()
    }

    #[test]
    fn teams_follow_their_clusters() {
        let names = |ts: Vec<TeamCtx>| ts.into_iter().map(|t| t.name).collect::<Vec<_>>();
        assert_eq!(names(plan_on("c1")), ["vision", "nlp"]);
        assert_eq!(names(plan_on("c2")), ["vision", "nlp", "ops"]);
    }

    #[test]
    fn workload_accounts_carry_the_teams_storage_on_each_provider() {
        let s = spec(&format!(
            "{POOLS}{TEAMS}\n[[teams]]\nname = \"data\"\nstorage = {{ identity = \"d@p.iam.gserviceaccount.com\", node_identity = true, region = \"eu\", credentials = {{ secret_name = \"mlpc-workloads-storage\", external = {{ store = \"s\", key = \"k\" }} }} }}\n"
        ));
        let on = |name: &str| {
            let c = cluster(&s, name);
            plan(&s, c, &pools::plan(&s, c))
        };
        // GKE: the identity annotation and the metadata servers.
        let gke = on("c2");
        let data = gke.iter().find(|t| t.name == "data").unwrap();
        assert_eq!(
            data.workload_account.annotations["iam.gke.io/gcp-service-account"],
            "d@p.iam.gserviceaccount.com"
        );
        assert_eq!(data.workload_egress.len(), 2);
        assert_eq!(data.workload_env["AWS_REGION"], "eu");
        assert_eq!(
            data.workload_secret.as_ref().map(|x| x.name.as_str()),
            Some(WORKLOAD_STORAGE)
        );
        // Its trials read both, not optionally; the other teams' nothing.
        assert_eq!(data.workload_pod.env_from.len(), 2);
        assert!(data.workload_pod.env_from.iter().all(|e| {
            !e.config_map_ref
                .as_ref()
                .or(e.secret_ref.as_ref())
                .unwrap()
                .optional
        }));
        let vision = &gke[0];
        assert!(vision.workload_pod.env_from.is_empty());
        assert!(vision.workload_account.annotations.is_empty());
        assert!(vision.workload_egress.is_empty());
        // Self-managed AWS: no federation, the node's identity only.
        let aws = on("c1");
        let data = aws.iter().find(|t| t.name == "data").unwrap();
        assert!(data.workload_account.annotations.is_empty());
        assert_eq!(data.workload_egress.len(), 1);
        // The shared runtimes: the account every namespace has, optional storage.
        let shared = shared_workload_pod(Provider::Aws, &aws);
        assert_eq!(shared.service_account, WORKLOAD_SERVICE_ACCOUNT);
        assert_eq!(shared.labels.len(), 1);
        assert!(shared.env_from.iter().all(|e| {
            e.config_map_ref
                .as_ref()
                .or(e.secret_ref.as_ref())
                .unwrap()
                .optional
        }));
    }

    #[test]
    fn gpu_quota_is_split_by_pool_capacity() {
        let c1 = plan_on("c1");
        // a100: 2 nodes x 8, l4: 4 nodes x 4: equal capacity, equal halves.
        assert_eq!(flavors(&c1[0]), [("a100", 5), ("l4", 5)]);
        // Unlimited borrowing: Kueue may admit both pools' whole capacity.
        assert_eq!(c1[0].quota.gpu_ceiling, 32);
        // nlp may use l4 only: all of it there, ceiling nominal + borrowing.
        assert_eq!(flavors(&c1[1]), [("l4", 3)]);
        assert_eq!(c1[1].quota.gpu_ceiling, 5);
        // l4 does not exist on c2: vision's quota all on a100, nlp has no flavor.
        let c2 = plan_on("c2");
        assert_eq!(flavors(&c2[0]), [("a100", 10)]);
        assert!(c2[1].gpu_flavors.is_empty());
        assert_eq!(c2[1].quota.gpu_ceiling, 0);
    }

    #[test]
    fn unset_cpu_and_memory_quotas_give_kueue_the_cluster_capacity() {
        let c1 = plan_on("c1");
        assert_eq!(c1[0].quota.kueue_cpu, "64");
        assert!(c1[0].quota.has_cpu);
        // 16 x 10 + 96 x 2 + 48 x 4 cores; 64 x 10 + 1152 x 2 + 192 x 4 GiB.
        assert_eq!(c1[1].quota.kueue_cpu, "544");
        assert_eq!(c1[1].quota.kueue_memory, "3712Gi");
        assert_eq!(
            (c1[1].quota.cpu.as_str(), c1[1].quota.has_cpu),
            ("0", false)
        );
    }

    #[test]
    fn names_labels_owner_and_queues() {
        let c1 = plan_on("c1");
        assert_eq!(c1[0].profile_owner, "ana@example.com");
        assert_eq!(c1[1].profile_owner, "admin@ml.example");
        assert_eq!(
            c1[1].labels,
            BTreeMap::from([("mlpc.io/team".to_string(), "nlp".to_string())])
        );
        assert_eq!(
            (c1[1].local_queue.as_str(), c1[1].cluster_queue.as_str()),
            ("nlp-queue", "nlp")
        );
    }

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
    fn splits_are_proportional_with_largest_remainders() {
        assert_eq!(split_proportional(10, &[1, 1, 1]), [4, 3, 3]);
        assert_eq!(split_proportional(7, &[16, 48]), [2, 5]);
        assert_eq!(split_proportional(5, &[0, 0]), [5, 0]);
        assert!(split_proportional(5, &[]).is_empty());
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

        #[test]
        fn planned_team_quotas_sum_to_the_teams_gpu_quota(
            gpu in 0u32..1_000,
            a100 in 1u32..50,
            l4 in 1u32..50,
        ) {
            let s = spec(&format!(
                "{}\n[[teams]]\nname = \"t\"\nquota = {{ gpu = {gpu} }}\n",
                POOLS.replace("max_nodes = 2", &format!("max_nodes = {a100}"))
                    .replace("max_nodes = 4", &format!("max_nodes = {l4}"))
            ));
            let c = cluster(&s, "c1");
            let teams = plan(&s, c, &pools::plan(&s, c));
            let sum: u64 = teams[0].gpu_flavors.iter().map(|f| f.gpu).sum();
            prop_assert_eq!(sum, u64::from(gpu));
        }
    }
}

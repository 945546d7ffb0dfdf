//! A team's quota, shared by what serves and what queues. Kueue admits batch
//! work against its ClusterQueue; the namespace's ResourceQuota then counts
//! every pod as created, model servers and injected sidecars included, which
//! Kueue never sees. So that neither refuses what the other allowed:
//!
//! - the team's models at their most (every replica of `max_replicas` up, the
//!   canary's and its graph router's too, each pod with the Istio proxy and, in
//!   Knative mode, the queue-proxy) and its Katib suggestions are reserved out
//!   of the quota, and Kueue's nominal quota is the rest;
//! - the ResourceQuota holds the whole quota plus the Istio proxy of every pod
//!   it may admit (`pods`), since Kueue sizes a Job by its pod template, before
//!   the proxy is injected; it counts requests only (Kueue admits by requests;
//!   the proxy's and the LimitRange's default limits exceed their requests).

use crate::catalog;
use crate::spec::model::{self as spec, DeploymentMode, Spec, on_cluster};
use crate::validate::names::parse_quantity;

/// A container's CPU and memory quantities, as written in the output.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CpuMemory {
    pub cpu: &'static str,
    pub memory: &'static str,
}

impl From<(&'static str, &'static str)> for CpuMemory {
    fn from((cpu, memory): (&'static str, &'static str)) -> Self {
        CpuMemory { cpu, memory }
    }
}

/// Resources in Kubernetes' base units: cores, bytes, GPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Amount {
    pub cpu: f64,
    pub memory: f64,
    pub gpus: u64,
}

impl Amount {
    fn add(&mut self, other: Amount, times: u64) {
        self.cpu += other.cpu * times as f64;
        self.memory += other.memory * times as f64;
        self.gpus += other.gpus * times;
    }
}

fn q(s: &str) -> f64 {
    parse_quantity(s).unwrap_or(0.0)
}

/// The Istio proxy's requests, next to every container of a meshed pod.
fn proxy() -> Amount {
    let (cpu, memory) = catalog::ISTIO_PROXY_REQUESTS;
    Amount {
        cpu: q(cpu),
        memory: q(memory),
        gpus: 0,
    }
}

/// Knative's queue-proxy: its CPU request from Knative's defaults, and the
/// team LimitRange's default memory request (Knative sets none).
fn queue_proxy() -> Amount {
    Amount {
        cpu: q(catalog::KNATIVE_QUEUE_PROXY_CPU_REQUEST),
        memory: q(super::tenancy::LIMIT_RANGE_DEFAULT_REQUEST.1),
        gpus: 0,
    }
}

/// What one model may take at its most: every replica up, its canary's too,
/// and the InferenceGraph router that splits between them.
pub fn model_footprint(s: &Spec, m: &spec::Model) -> Amount {
    let knative = m.deployment_mode.unwrap_or(s.serving.deployment_mode) == DeploymentMode::Knative;
    let sidecars = |pod: &mut Amount| {
        pod.add(proxy(), 1);
        if knative {
            pod.add(queue_proxy(), 1);
        }
    };
    let mut pod = Amount {
        cpu: q(&m.cpu.0),
        memory: q(&m.memory.0),
        gpus: u64::from(m.gpus),
    };
    sidecars(&mut pod);
    let versions = if m.canary.is_some() { 2 } else { 1 };
    let mut total = Amount::default();
    total.add(pod, u64::from(m.max_replicas) * versions);
    if m.canary.is_some() {
        let (cpu, memory) = super::serving::ROUTER_REQUESTS;
        let mut router = Amount {
            cpu: q(cpu),
            memory: q(memory),
            gpus: 0,
        };
        sidecars(&mut router);
        total.add(router, u64::from(m.max_replicas));
    }
    total
}

/// What a team's models and Katib suggestions on a cluster may take: held out
/// of Kueue's share of the team's quota.
pub fn reserved(s: &Spec, cluster: &str, team: &str) -> Amount {
    let mut total = Amount::default();
    if s.serving.enabled {
        for m in &s.serving.models {
            if m.team == team && on_cluster(&m.clusters, cluster) {
                total.add(model_footprint(s, m), 1);
            }
        }
    }
    if s.tuning.enabled {
        // One suggestion Deployment per Experiment, outside the mesh.
        let (cpu, memory) = catalog::KATIB_SUGGESTION_REQUESTS;
        let suggestion = Amount {
            cpu: q(cpu),
            memory: q(memory),
            gpus: 0,
        };
        let experiments = s
            .tuning
            .experiments
            .iter()
            .filter(|e| e.team == team && on_cluster(&e.clusters, cluster))
            .count();
        total.add(suggestion, experiments as u64);
    }
    total
}

/// The GPUs a team's models may take on a cluster, per node pool: the pool a
/// model names, else the first GPU pool the team may use there.
pub fn served_gpus_by_pool(
    s: &Spec,
    cluster: &str,
    team: &spec::Team,
) -> std::collections::BTreeMap<String, u64> {
    let mut out = std::collections::BTreeMap::new();
    if !s.serving.enabled {
        return out;
    }
    let fallback = s
        .node_pools
        .iter()
        .find(|p| p.gpu.is_some() && on_cluster(&p.clusters, cluster) && team.may_use_pool(&p.name))
        .map(|p| p.name.clone());
    for m in &s.serving.models {
        if m.team != team.name || !on_cluster(&m.clusters, cluster) || m.gpus == 0 {
            continue;
        }
        if let Some(pool) = m.node_pool.clone().or_else(|| fallback.clone()) {
            *out.entry(pool).or_insert(0) += model_footprint(s, m).gpus;
        }
    }
    out
}

/// The GPUs Kueue may give a team on a cluster (split across its pools): its
/// quota less what its models may take.
pub fn kueue_gpus(s: &Spec, cluster: &str, team: &spec::Team) -> u64 {
    u64::from(team.quota.gpu).saturating_sub(reserved(s, cluster, &team.name).gpus)
}

/// The Istio proxies of up to `pods` pods: room the ResourceQuota keeps above
/// the quota for the proxies of the Jobs Kueue admits.
pub fn proxy_headroom(pods: Option<u32>) -> Amount {
    let mut total = Amount::default();
    total.add(proxy(), u64::from(pods.unwrap_or(0)));
    total
}

/// Cores as a Kubernetes quantity: whole cores, else millicores (rounded down,
/// so what is derived never exceeds what it came from).
pub fn cpu_quantity(cores: f64) -> String {
    let milli = (cores.max(0.0) * 1000.0 + 1e-6).floor() as u64;
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        format!("{milli}m")
    }
}

/// Bytes as a Kubernetes quantity in Gi or Mi (rounded down to a MiB).
pub fn memory_quantity(bytes: f64) -> String {
    let mib = (bytes.max(0.0) / 1024f64.powi(2) + 1e-6).floor() as u64;
    if mib.is_multiple_of(1024) {
        format!("{}Gi", mib / 1024)
    } else {
        format!("{mib}Mi")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::spec;

    const MODELS: &str = r#"
[[teams]]
name = "vision"
quota = { gpu = 16, cpu = "128", memory = "1Ti", pods = 100 }

[serving]
deployment_mode = "standard"

[[serving.models]]
name = "clf"
team = "vision"
format = "pytorch"
storage_uri = "s3://b/clf/v1"
deployment_mode = "knative"
max_replicas = 6
gpus = 1
cpu = "4"
memory = "16Gi"
canary = { percent = 10, storage_uri = "s3://b/clf/v2" }
storage = { public = true }

[[serving.models]]
name = "ranker"
team = "vision"
format = "xgboost"
storage_uri = "s3://b/ranker/v1"
max_replicas = 10
cpu = "2"
memory = "4Gi"
storage = { public = true }
"#;

    #[test]
    fn models_reserve_every_replica_with_its_sidecars() {
        let s = spec(MODELS);
        let gib = 1024f64.powi(3);
        let mib = 1024f64.powi(2);
        // Knative with a canary: 2 x 6 pods of 4 CPU, 16Gi, 1 GPU, each with the
        // proxy (100m, 128Mi) and queue-proxy (25m, the LimitRange's 512Mi);
        // 6 router pods (100m, 128Mi) with the same sidecars.
        let clf = model_footprint(&s, &s.serving.models[0]);
        assert_eq!(clf.gpus, 12);
        assert!(
            (clf.cpu - (12.0 * 4.125 + 6.0 * 0.225)).abs() < 1e-9,
            "{clf:?}"
        );
        assert!((clf.memory - (12.0 * (16.0 * gib + 640.0 * mib) + 6.0 * 768.0 * mib)).abs() < 1.0);
        // Standard mode, no canary: 10 pods of 2 CPU, 4Gi with the proxy only.
        let ranker = model_footprint(&s, &s.serving.models[1]);
        assert_eq!(ranker.gpus, 0);
        assert!((ranker.cpu - 21.0).abs() < 1e-9, "{ranker:?}");
        let all = reserved(&s, "c1", "vision");
        assert_eq!(all.gpus, 12);
        assert!((all.cpu - clf.cpu - ranker.cpu).abs() < 1e-9);
        assert_eq!(reserved(&s, "c1", "nlp"), Amount::default());
    }

    #[test]
    fn quantities_round_down() {
        assert_eq!(cpu_quantity(77.15), "77150m");
        assert_eq!(cpu_quantity(64.0), "64");
        assert_eq!(cpu_quantity(-1.0), "0");
        assert_eq!(memory_quantity(1024f64.powi(4)), "1024Gi");
        assert_eq!(memory_quantity(1.5 * 1024f64.powi(3) + 10.0), "1536Mi");
        let headroom = proxy_headroom(Some(200));
        assert_eq!(cpu_quantity(headroom.cpu), "20");
        assert_eq!(memory_quantity(headroom.memory), "25Gi");
    }
}

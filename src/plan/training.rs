//! Training: the Kueue cohort and a ClusterTrainingRuntime per declared runtime
//! whose pool exists in the cluster, sized to its nodes.

use serde::Serialize;

use super::pools::{self, Placement, PoolCtx};
use super::teams::TeamCtx;
use crate::catalog;
use crate::spec::model::Spec;
use crate::validate::names::parse_quantity;

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

/// The runtimes on the cluster's pools, sized to their nodes and to the
/// quotas of the teams that can run them.
pub fn plan(s: &Spec, pools: &[PoolCtx], teams: &[TeamCtx]) -> TrainingCtx {
    let runtimes = s
        .training
        .runtimes
        .iter()
        .filter_map(|r| {
            let p = pools.iter().find(|p| p.name == r.node_pool)?;
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
                placement: pools::placement(pools, Some(&r.node_pool), gpus),
                cpu: cpu.to_string(),
                memory: format!("{memory_gib}Gi"),
            })
        })
        .collect();
    TrainingCtx {
        enabled: s.training.enabled,
        cohort: s.training.cohort.clone(),
        runtimes,
    }
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
    use crate::plan::testing::{POOLS, cluster, spec};

    const RUNTIMES: &str = r#"
[[training.runtimes]]
name = "torch-a100"
image = "pytorch/pytorch:2"
node_pool = "a100"

[[training.runtimes]]
name = "torch-l4"
image = "pytorch/pytorch:2"
node_pool = "l4"
gpus_per_node = 2
num_nodes = 3
"#;

    #[test]
    fn runtimes_on_the_clusters_pools_sized_to_their_nodes() {
        let s = spec(&format!("{POOLS}{RUNTIMES}"));
        let on = |name: &str| {
            let c = cluster(&s, name);
            plan(&s, &pools::plan(&s, c), &[])
        };
        let c1 = on("c1");
        let a100 = &c1.runtimes[0];
        // 90% of a 96-core, 1152 GiB node; every GPU of the node.
        assert_eq!((a100.cpu.as_str(), a100.memory.as_str()), ("86", "1036Gi"));
        assert_eq!(a100.placement.gpus, 8);
        assert_eq!(a100.placement.node_selector["mlpc.io/pool"], "a100");
        let l4 = &c1.runtimes[1];
        assert_eq!((l4.placement.gpus, l4.num_nodes), (2, 3));
        // l4 does not exist on c2.
        let names: Vec<String> = on("c2").runtimes.into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["torch-a100"]);
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
}

//! Training: the Kueue cohort, Kueue's manager configuration (every Job in a
//! team namespace is queued) and a ClusterTrainingRuntime per declared runtime
//! whose pool exists in the cluster, sized to its nodes.

use serde::Serialize;
use serde_json::{Value, json};

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
    /// The Kueue chart's values: its manager configuration.
    pub kueue_values: Value,
    /// The LocalQueue each team namespace gets for Jobs that name none.
    pub default_local_queue: &'static str,
}

/// The LocalQueue Kueue gives a Job that names none (its `LocalQueueDefaulting`
/// feature, beta and on since Kueue 0.12): one per team namespace, on the team's
/// ClusterQueue.
pub const DEFAULT_LOCAL_QUEUE: &str = "default";

/// The job kinds Kueue manages: the ones the platform installs (batch Jobs, and
/// Trainer's TrainJobs with the JobSets they create). Not the chart's `pod`,
/// `deployment` and `statefulset`: with `manageJobsWithoutQueueName` they would
/// gate every pod of a team namespace, KServe's model servers and Katib's
/// suggestions included.
pub const KUEUE_FRAMEWORKS: [&str; 3] = [
    "batch/job",
    "jobset.x-k8s.io/jobset",
    "trainer.kubeflow.org/trainjob",
];

/// Kueue's manager configuration, as the chart value
/// `managerConfig.controllerManagerConfigYaml` (which replaces the chart's
/// whole; the chart derives its webhooks' namespace selector from it).
///
/// The chart's defaults (Kueue 0.16, `values.yaml`) are kept, except: Kueue
/// manages a Job in a team namespace even without a queue label
/// (`manageJobsWithoutQueueName`, restricted to the team namespaces by name),
/// where the `default` LocalQueue takes it. Without that, a Job without the
/// label bypasses Kueue: it runs at once, and the GPU toleration the policy
/// requires lets it onto any GPU pool, outside the team's flavors and quota.
/// Outside team namespaces (the platform's own Jobs) nothing changes: the
/// webhooks do not even see them.
pub fn kueue_config(team_namespaces: &[&str]) -> Value {
    let mut config = json!({
        "apiVersion": "config.kueue.x-k8s.io/v1beta2",
        "kind": "Configuration",
        "health": {"healthProbeBindAddress": ":8081"},
        "metrics": {"bindAddress": ":8443"},
        "webhook": {"port": 9443},
        "leaderElection": {"leaderElect": true, "resourceName": "c1f6bfd2.kueue.x-k8s.io"},
        "controller": {"groupKindConcurrency": {
            "Job.batch": 5,
            "Pod": 5,
            "Workload.kueue.x-k8s.io": 5,
            "LocalQueue.kueue.x-k8s.io": 1,
            "ClusterQueue.kueue.x-k8s.io": 1,
            "ResourceFlavor.kueue.x-k8s.io": 1,
        }},
        "clientConnection": {"qps": 50, "burst": 100},
        "integrations": {"frameworks": KUEUE_FRAMEWORKS},
    });
    // An `In` selector needs at least one value; with no team there is nothing
    // to manage without a label.
    if !team_namespaces.is_empty() {
        let mut names = team_namespaces.to_vec();
        names.sort_unstable();
        names.dedup();
        config["manageJobsWithoutQueueName"] = json!(true);
        config["managedJobsNamespaceSelector"] = json!({"matchExpressions": [{
            "key": "kubernetes.io/metadata.name",
            "operator": "In",
            "values": names,
        }]});
    }
    config
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
            // Each pod must fit what Kueue may admit for every team that may run
            // on the runtime's pool (its quota less its models' share). Kueue
            // admits a TrainJob's `num_nodes` pods at once: each gets 1/num_nodes
            // of it, less the Istio proxy's requests the ResourceQuota counts next
            // to it (Kueue sizes the pod before the proxy is injected).
            let (proxy_cpu, proxy_memory) = istio_proxy_requests();
            let gib = 1024f64.powi(3);
            let n = f64::from(r.num_nodes.max(1));
            let users: Vec<(Option<f64>, Option<f64>)> = teams
                .iter()
                .filter(|t| p.gpu.is_none() || t.gpu_flavors.iter().any(|f| f.flavor == p.flavor))
                .map(|t| {
                    let cpu = t
                        .quota
                        .has_cpu
                        .then(|| parse_quantity(&t.quota.kueue_cpu))
                        .flatten()
                        .map(|q| (q / n - proxy_cpu).max(1.0));
                    let memory = t
                        .quota
                        .has_memory
                        .then(|| parse_quantity(&t.quota.kueue_memory))
                        .flatten()
                        .map(|q| (q / n - proxy_memory).max(gib));
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
    let namespaces: Vec<&str> = teams.iter().map(|t| t.namespace.as_str()).collect();
    TrainingCtx {
        enabled: s.training.enabled,
        cohort: s.training.cohort.clone(),
        runtimes,
        kueue_values: json!({"managerConfig": {
            "controllerManagerConfigYaml": crate::yaml::to_yaml(&kueue_config(&namespaces)),
        }}),
        default_local_queue: DEFAULT_LOCAL_QUEUE,
    }
}

/// The Istio proxy's requests in cores and bytes.
fn istio_proxy_requests() -> (f64, f64) {
    let (cpu, memory) = catalog::ISTIO_PROXY_REQUESTS;
    (
        parse_quantity(cpu).unwrap_or(0.0),
        parse_quantity(memory).unwrap_or(0.0),
    )
}

/// CPU cores and memory (GiB) one pod of a training runtime requests: 90% of a
/// node of its pool (headroom for the kubelet and daemons), but no more than the
/// smallest CPU and memory quota share (`users`: cores, bytes per pod, the quota
/// over the runtime's `num_nodes`; `None` when unset) of the teams that may use
/// the pool. Kueue does not lend CPU or memory past a team's
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
    fn a_multi_node_runtime_fits_its_pods_together_in_the_quota() {
        // l4 nodes: 48 CPU, 192 GiB. A team with 64 CPU and 256 GiB may use the
        // pool: one pod per job would get 43 CPU and 172 GiB, but three pods of
        // that size (129 CPU) would never be admitted (Kueue does not lend CPU
        // or memory past the quota).
        let s = spec(&format!(
            "{POOLS}{RUNTIMES}\n[[teams]]\nname = \"t\"\ngpu_pools = [\"l4\"]\nquota = {{ gpu = 12, cpu = \"64\", memory = \"256Gi\" }}\n"
        ));
        let c = cluster(&s, "c1");
        let pools = pools::plan(&s, c);
        let teams = crate::plan::teams::plan(&s, c, &pools);
        let l4 = plan(&s, &pools, &teams)
            .runtimes
            .into_iter()
            .find(|r| r.name == "torch-l4")
            .unwrap();
        assert_eq!(l4.num_nodes, 3);
        let (proxy_cpu, proxy_memory) = istio_proxy_requests();
        let cpu: f64 = l4.cpu.parse().unwrap();
        let gib: f64 = l4.memory.trim_end_matches("Gi").parse().unwrap();
        assert!(3.0 * (cpu + proxy_cpu) <= 64.0, "{l4:?}");
        assert!(
            3.0 * (gib + proxy_memory / 1024f64.powi(3)) <= 256.0,
            "{l4:?}"
        );
        assert_eq!((l4.cpu.as_str(), l4.memory.as_str()), ("21", "85Gi"));
    }

    #[test]
    fn kueue_manages_every_job_of_the_team_namespaces_and_nothing_else() {
        let c = kueue_config(&["vision", "nlp", "vision"]);
        assert_eq!(c["manageJobsWithoutQueueName"], true);
        assert_eq!(
            c["managedJobsNamespaceSelector"]["matchExpressions"][0],
            json!({"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["nlp", "vision"]})
        );
        // Job kinds only: the pod integrations would gate model servers.
        let frameworks = c["integrations"]["frameworks"].as_array().unwrap();
        assert!(frameworks.contains(&json!("batch/job")));
        assert!(!frameworks.contains(&json!("pod")) && !frameworks.contains(&json!("deployment")));
        // The chart's defaults the value replaces are all there.
        for key in [
            "health",
            "metrics",
            "webhook",
            "leaderElection",
            "controller",
            "clientConnection",
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        // No team: no `In []` selector (invalid), nothing managed without a label.
        let none = kueue_config(&[]);
        assert!(none.get("manageJobsWithoutQueueName").is_none());
        assert!(none.get("managedJobsNamespaceSelector").is_none());
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

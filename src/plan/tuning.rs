//! Tuning: a Katib Experiment per sweep of the cluster's teams, its trials
//! queued through the team's LocalQueue and placed on its pool.

use serde::Serialize;

use super::pools::{self, Placement, PoolCtx};
use super::teams::{self, TeamCtx, WorkloadPodCtx};
use crate::spec::model::{self as spec, Spec, on_cluster};

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
    /// The trial pods' service account (the team's `mlpc-workloads`), labels
    /// and storage environment.
    pub pod: WorkloadPodCtx,
}

#[derive(Clone, Debug, Serialize)]
pub struct TuningCtx {
    pub enabled: bool,
    /// KFP's cluster resources own `Namespace/kubeflow` when pipelines are on:
    /// Katib's install must not manage it too (two Applications would fight,
    /// and deleting one would prune the namespace).
    pub drop_kubeflow_namespace: bool,
    pub experiments: Vec<ExperimentCtx>,
}

/// The experiments of `teams` that run in the cluster.
pub fn plan(s: &Spec, c: &spec::Cluster, pools: &[PoolCtx], teams: &[TeamCtx]) -> TuningCtx {
    TuningCtx {
        enabled: s.tuning.enabled,
        drop_kubeflow_namespace: s.pipelines.enabled,
        experiments: s
            .tuning
            .experiments
            .iter()
            .filter(|e| on_cluster(&e.clusters, &c.name))
            .filter_map(|e| {
                let team = teams.iter().find(|t| t.name == e.team)?;
                Some(experiment(e, pools, team))
            })
            .collect(),
    }
}

fn experiment(e: &spec::Experiment, pools: &[PoolCtx], team: &TeamCtx) -> ExperimentCtx {
    ExperimentCtx {
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
        placement: pools::placement(pools, e.node_pool.as_deref(), e.gpus_per_trial),
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
        local_queue: teams::local_queue(&e.team),
        pod: team.workload_pod.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::pools;
    use crate::plan::testing::{POOLS, cluster, spec};

    const SWEEPS: &str = r#"
[[teams]]
name = "nlp"

[[teams]]
name = "vision"

[[tuning.experiments]]
name = "lr"
team = "nlp"
algorithm = "random"
objective = { type = "minimize", metric = "loss" }
image = "ghcr.io/o/train:1"
command = ["python", "train.py"]
gpus_per_trial = 1

[[tuning.experiments.parameters]]
name = "lr"
type = "double"
min = 0.001
max = 1.0

[[tuning.experiments.parameters]]
name = "layers"
type = "int"
min = 2.0
max = 8.0
step = 2.0

[[tuning.experiments]]
name = "gone"
team = "vision"
algorithm = "random"
objective = { type = "maximize", metric = "acc" }
image = "ghcr.io/o/train:1"
command = ["python", "train.py"]
parameters = []
"#;

    fn on_c1(extra: &str) -> TuningCtx {
        let s = spec(&format!("{POOLS}{SWEEPS}{extra}"));
        let c = cluster(&s, "c1");
        let pools = pools::plan(&s, c);
        let mut nlp: Vec<TeamCtx> = teams::plan(&s, c, &pools);
        nlp.retain(|t| t.name == "nlp");
        plan(&s, c, &pools, &nlp)
    }

    #[test]
    fn experiments_of_the_clusters_teams_with_katib_values() {
        let t = on_c1("");
        assert_eq!(
            t.experiments.len(),
            1,
            "vision is not on this cluster's list"
        );
        let e = &t.experiments[0];
        assert_eq!(
            (e.objective_type.as_str(), e.algorithm.as_str()),
            ("minimize", "random")
        );
        assert_eq!(e.local_queue, "nlp-queue");
        // GPUs without a pool: anywhere, tolerating GPU nodes.
        assert!(e.placement.node_selector.is_empty());
        assert_eq!(e.placement.tolerations.len(), 1);
        let p: Vec<String> = e
            .parameters
            .iter()
            .map(|p| format!("{} {:?} {:?} {:?}", p.kind, p.min, p.max, p.step))
            .collect();
        assert_eq!(
            p,
            [
                r#"double Some("0.001") Some("1") None"#,
                r#"int Some("2") Some("8") Some("2")"#
            ]
        );
    }

    #[test]
    fn katib_leaves_the_kubeflow_namespace_to_pipelines() {
        assert!(on_c1("").drop_kubeflow_namespace);
        assert!(!on_c1("[pipelines]\nenabled = false\n").drop_kubeflow_namespace);
    }
}

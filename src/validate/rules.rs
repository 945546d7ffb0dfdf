//! Semantic rules. Each has a stable code (documented in the README), a
//! message, the path of the offending value (resolved to `file:line:col` by
//! the caller) and a hint.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog;
use crate::diag::{Diagnostic, suggest};
use crate::spec::model::*;
use crate::spec::tree::Seg;

use super::names::{
    is_dns1035_label, is_dns1123_label, is_label_key, is_label_value, parse_quantity, split_image,
};

/// A finding before its position is resolved.
pub struct Finding {
    pub diag: Diagnostic,
    pub path: Vec<Seg>,
}

/// Rules run on one merged view of the spec (one environment).
pub struct Rules<'a> {
    spec: &'a Spec,
    /// Clusters whose environment is this view's; per-cluster rules only look at them.
    view: BTreeSet<&'a str>,
    pub out: Vec<Finding>,
}

macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$(Seg::from($seg)),*] };
}

impl<'a> Rules<'a> {
    pub fn run(spec: &'a Spec, env: Option<&str>) -> Vec<Finding> {
        let view = spec
            .clusters
            .iter()
            .filter(|c| env.is_none_or(|e| c.environment == e))
            .map(|c| c.name.as_str())
            .collect();
        Self::run_view(spec, view)
    }

    /// [`Rules::run`] without the per-cluster rules of `except` (clusters that
    /// have their own overlay are judged in their own view).
    pub fn run_except(
        spec: &'a Spec,
        env: Option<&str>,
        except: &BTreeSet<String>,
    ) -> Vec<Finding> {
        let view = spec
            .clusters
            .iter()
            .filter(|c| env.is_none_or(|e| c.environment == e) && !except.contains(&c.name))
            .map(|c| c.name.as_str())
            .collect();
        Self::run_view(spec, view)
    }

    /// The rules on the view of one cluster (with its `clusters/<name>.toml`).
    pub fn run_for_cluster(spec: &'a Spec, cluster: &str) -> Vec<Finding> {
        let view = spec
            .clusters
            .iter()
            .filter(|c| c.name == cluster)
            .map(|c| c.name.as_str())
            .collect();
        Self::run_view(spec, view)
    }

    fn run_view(spec: &'a Spec, view: BTreeSet<&'a str>) -> Vec<Finding> {
        let mut r = Rules {
            spec,
            view,
            out: Vec::new(),
        };
        r.names();
        r.duplicates();
        r.references();
        r.ranges();
        r.serving();
        r.tuning();
        r.components();
        r.capacity();
        r.pool_overcommit();
        r.serving_share();
        r.team_fit();
        r.control_plane_prices();
        r.images();
        r.misc();
        r.out
    }

    fn push(&mut self, diag: Diagnostic, path: Vec<Seg>) {
        self.out.push(Finding { diag, path });
    }

    fn cluster_names(&self) -> Vec<&'a str> {
        self.spec.clusters.iter().map(|c| c.name.as_str()).collect()
    }

    fn pool(&self, name: &str) -> Option<&'a NodePool> {
        self.spec.node_pools.iter().find(|p| p.name == name)
    }

    fn team(&self, name: &str) -> Option<&'a Team> {
        self.spec.teams.iter().find(|t| t.name == name)
    }

    /// Clusters a pool, team or workload with this `clusters` list lives in.
    fn placed<'b>(&'b self, list: &'b [String]) -> Vec<&'a str> {
        self.cluster_names()
            .into_iter()
            .filter(|c| on_cluster(list, c))
            .collect()
    }

    // E102: names must be valid Kubernetes names (they become namespaces, object and file names).
    fn names(&mut self) {
        let s = self.spec;
        let check = |r: &mut Self, name: &str, what: &str, path: Vec<Seg>, dns1035: bool| {
            let ok = if dns1035 {
                is_dns1035_label(name)
            } else {
                is_dns1123_label(name)
            };
            if !ok {
                let rule = if dns1035 {
                    "a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters)"
                } else {
                    "a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)"
                };
                let fixed: String = name
                    .to_lowercase()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect::<String>()
                    .trim_matches('-')
                    .chars()
                    .take(63)
                    .collect();
                r.push(
                    Diagnostic::error("E102", format!("{what} name \"{name}\" is not {rule}"))
                        .with_hint(if fixed.is_empty() {
                            "choose a name like `team-a`".to_string()
                        } else {
                            format!("try \"{fixed}\"")
                        }),
                    path,
                );
            }
        };
        check(
            self,
            &s.platform.name,
            "platform",
            path!["platform", "name"],
            false,
        );
        for (i, c) in s.clusters.iter().enumerate() {
            check(
                self,
                &c.name,
                "cluster",
                path!["clusters", i, "name"],
                false,
            );
            check(
                self,
                &c.environment,
                "environment",
                path!["clusters", i, "environment"],
                false,
            );
        }
        for (i, p) in s.node_pools.iter().enumerate() {
            check(
                self,
                &p.name,
                "node pool",
                path!["node_pools", i, "name"],
                false,
            );
        }
        for (i, t) in s.teams.iter().enumerate() {
            check(self, &t.name, "team", path!["teams", i, "name"], false);
        }
        for (i, m) in s.serving.models.iter().enumerate() {
            check(
                self,
                &m.name,
                "model",
                path!["serving", "models", i, "name"],
                true,
            );
        }
        for (i, r) in s.serving.runtimes.iter().enumerate() {
            check(
                self,
                &r.name,
                "serving runtime",
                path!["serving", "runtimes", i, "name"],
                false,
            );
        }
        for (i, r) in s.training.runtimes.iter().enumerate() {
            check(
                self,
                &r.name,
                "training runtime",
                path!["training", "runtimes", i, "name"],
                false,
            );
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            check(
                self,
                &e.name,
                "experiment",
                path!["tuning", "experiments", i, "name"],
                false,
            );
        }
        check(
            self,
            &s.training.cohort,
            "cohort",
            path!["training", "cohort"],
            false,
        );
    }

    // E101: duplicate names within a list.
    fn duplicates(&mut self) {
        let s = self.spec;
        let lists: Vec<(&str, Vec<&str>, Vec<Seg>)> = vec![
            (
                "cluster",
                s.clusters.iter().map(|c| c.name.as_str()).collect(),
                path!["clusters"],
            ),
            (
                "node pool",
                s.node_pools.iter().map(|c| c.name.as_str()).collect(),
                path!["node_pools"],
            ),
            (
                "team",
                s.teams.iter().map(|c| c.name.as_str()).collect(),
                path!["teams"],
            ),
            (
                "model",
                s.serving.models.iter().map(|c| c.name.as_str()).collect(),
                path!["serving", "models"],
            ),
            (
                "serving runtime",
                s.serving.runtimes.iter().map(|c| c.name.as_str()).collect(),
                path!["serving", "runtimes"],
            ),
            (
                "training runtime",
                s.training
                    .runtimes
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect(),
                path!["training", "runtimes"],
            ),
            (
                "experiment",
                s.tuning
                    .experiments
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect(),
                path!["tuning", "experiments"],
            ),
        ];
        for (what, names, base) in lists {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, n) in names.iter().enumerate() {
                if let Some(first) = seen.get(n) {
                    let mut p = base.clone();
                    p.push(Seg::Index(i));
                    p.push(Seg::from("name"));
                    self.push(
                        Diagnostic::error("E101", format!("duplicate {what} name \"{n}\""))
                            .with_hint(format!(
                                "entry {first} already uses this name; names must be unique"
                            )),
                        p,
                    );
                } else {
                    seen.insert(n, i);
                }
            }
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            let mut seen = BTreeSet::new();
            for (j, p) in e.parameters.iter().enumerate() {
                if !seen.insert(p.name.as_str()) {
                    self.push(
                        Diagnostic::error(
                            "E101",
                            format!(
                                "duplicate parameter \"{}\" in experiment \"{}\"",
                                p.name, e.name
                            ),
                        )
                        .with_hint("each parameter name may appear once"),
                        path!["tuning", "experiments", i, "parameters", j, "name"],
                    );
                }
            }
        }
    }

    fn unknown(
        &mut self,
        code: &'static str,
        what: &str,
        name: &str,
        known: &[&str],
        path: Vec<Seg>,
    ) {
        let hint = match suggest(name, known.iter().copied()) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None if known.is_empty() => format!("declare a {what} first"),
            None => format!("known {what}s: {}", known.join(", ")),
        };
        self.push(
            Diagnostic::error(code, format!("unknown {what} \"{name}\"")).with_hint(hint),
            path,
        );
    }

    // E103 / E104 / E105 / E116 / E117: references between entries.
    fn references(&mut self) {
        let s = self.spec;
        let clusters = self.cluster_names();
        let pools: Vec<&str> = s.node_pools.iter().map(|p| p.name.as_str()).collect();
        let teams: Vec<&str> = s.teams.iter().map(|t| t.name.as_str()).collect();
        let check_clusters = |r: &mut Self, list: &[String], base: Vec<Seg>| {
            for (j, c) in list.iter().enumerate() {
                if !clusters.contains(&c.as_str()) {
                    let mut p = base.clone();
                    p.push(Seg::Index(j));
                    r.unknown("E103", "cluster", c, &clusters, p);
                }
            }
        };
        for (i, p) in s.node_pools.iter().enumerate() {
            check_clusters(self, &p.clusters, path!["node_pools", i, "clusters"]);
        }
        for (i, t) in s.teams.iter().enumerate() {
            check_clusters(self, &t.clusters, path!["teams", i, "clusters"]);
            for (j, gp) in t.gpu_pools.iter().enumerate() {
                match self.pool(gp) {
                    None => self.unknown(
                        "E105",
                        "node pool",
                        gp,
                        &pools,
                        path!["teams", i, "gpu_pools", j],
                    ),
                    Some(p) if p.gpu.is_none() => self.push(
                        Diagnostic::error(
                            "E111",
                            format!(
                                "team \"{}\" lists \"{gp}\" as a GPU pool, but it has no GPUs",
                                t.name
                            ),
                        )
                        .with_hint("list only pools with a `gpu` table"),
                        path!["teams", i, "gpu_pools", j],
                    ),
                    _ => {}
                }
            }
        }
        for (i, m) in s.serving.models.iter().enumerate() {
            check_clusters(self, &m.clusters, path!["serving", "models", i, "clusters"]);
            if self.team(&m.team).is_none() {
                self.unknown(
                    "E104",
                    "team",
                    &m.team,
                    &teams,
                    path!["serving", "models", i, "team"],
                );
            }
            if let Some(p) = &m.node_pool
                && self.pool(p).is_none()
            {
                self.unknown(
                    "E105",
                    "node pool",
                    p,
                    &pools,
                    path!["serving", "models", i, "node_pool"],
                );
            }
            if let Some(rt) = &m.runtime
                && !s.serving.runtimes.iter().any(|r| &r.name == rt)
                && !BUILTIN_SERVING_RUNTIMES.contains(&rt.as_str())
            {
                let mut known: Vec<&str> =
                    s.serving.runtimes.iter().map(|r| r.name.as_str()).collect();
                known.extend(BUILTIN_SERVING_RUNTIMES);
                self.unknown(
                    "E105",
                    "serving runtime",
                    rt,
                    &known,
                    path!["serving", "models", i, "runtime"],
                );
            }
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            check_clusters(
                self,
                &e.clusters,
                path!["tuning", "experiments", i, "clusters"],
            );
            if self.team(&e.team).is_none() {
                self.unknown(
                    "E104",
                    "team",
                    &e.team,
                    &teams,
                    path!["tuning", "experiments", i, "team"],
                );
            }
            if let Some(p) = &e.node_pool
                && self.pool(p).is_none()
            {
                self.unknown(
                    "E105",
                    "node pool",
                    p,
                    &pools,
                    path!["tuning", "experiments", i, "node_pool"],
                );
            }
        }
        for (i, rt) in s.training.runtimes.iter().enumerate() {
            if self.pool(&rt.node_pool).is_none() {
                self.unknown(
                    "E105",
                    "node pool",
                    &rt.node_pool,
                    &pools,
                    path!["training", "runtimes", i, "node_pool"],
                );
            }
        }
        // Workloads must run where their team, and their pool, exist.
        type Workload<'w> = (
            String,
            &'w String,
            &'w [String],
            Option<&'w String>,
            Vec<Seg>,
        );
        let workloads: Vec<Workload<'_>> = s
            .serving
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    format!("model \"{}\"", m.name),
                    &m.team,
                    m.clusters.as_slice(),
                    m.node_pool.as_ref(),
                    path!["serving", "models", i],
                )
            })
            .chain(s.tuning.experiments.iter().enumerate().map(|(i, e)| {
                (
                    format!("experiment \"{}\"", e.name),
                    &e.team,
                    e.clusters.as_slice(),
                    e.node_pool.as_ref(),
                    path!["tuning", "experiments", i],
                )
            }))
            .collect();
        for (what, team, wclusters, pool, base) in workloads {
            let Some(team) = self.team(team) else {
                continue;
            };
            for (j, c) in wclusters.iter().enumerate() {
                if !on_cluster(&team.clusters, c) {
                    let mut p = base.clone();
                    p.extend(path!["clusters", j]);
                    self.push(
                        Diagnostic::error(
                            "E116",
                            format!(
                                "{what} runs on cluster \"{c}\", where team \"{}\" does not exist",
                                team.name
                            ),
                        )
                        .with_hint(format!(
                            "add \"{c}\" to the team's clusters, or remove it here"
                        )),
                        p,
                    );
                }
            }
            let Some(pool) = pool.and_then(|p| self.pool(p)) else {
                continue;
            };
            let run_on: Vec<&str> = self
                .placed(wclusters)
                .into_iter()
                .filter(|c| on_cluster(&team.clusters, c))
                .collect();
            for c in run_on {
                if self.view.contains(c) && !on_cluster(&pool.clusters, c) {
                    let mut p = base.clone();
                    p.push(Seg::from("node_pool"));
                    self.push(
                        Diagnostic::error("E117", format!("{what} uses node pool \"{}\", which does not exist in cluster \"{c}\"", pool.name))
                            .with_hint(format!("add \"{c}\" to the pool's clusters, or pin the workload's clusters")),
                        p,
                    );
                }
            }
        }
    }

    // E106 / E120 / E121 / E130 / E136 / W137: numeric ranges.
    fn ranges(&mut self) {
        let s = self.spec;
        for (i, p) in s.node_pools.iter().enumerate() {
            if p.min_nodes > p.max_nodes {
                self.push(
                    Diagnostic::error(
                        "E106",
                        format!(
                            "node pool \"{}\": min_nodes {} is greater than max_nodes {}",
                            p.name, p.min_nodes, p.max_nodes
                        ),
                    )
                    .with_hint("min_nodes must be <= max_nodes"),
                    path!["node_pools", i, "min_nodes"],
                );
            }
            if p.max_nodes == 0 {
                self.push(
                    Diagnostic::warning(
                        "W137",
                        format!(
                            "node pool \"{}\" has max_nodes = 0 and never gets a node",
                            p.name
                        ),
                    )
                    .with_hint("raise max_nodes, or remove the pool"),
                    path!["node_pools", i, "max_nodes"],
                );
            }
            if !p.hourly_price.is_finite() || p.hourly_price < 0.0 {
                self.push(
                    Diagnostic::error(
                        "E121",
                        format!(
                            "node pool \"{}\": hourly_price {} is not a price",
                            p.name, p.hourly_price
                        ),
                    )
                    .with_hint("write the price of one node per hour, e.g. 32.77"),
                    path!["node_pools", i, "hourly_price"],
                );
            }
            if let Some(g) = &p.gpu
                && g.count == 0
            {
                self.push(
                    Diagnostic::error(
                        "E136",
                        format!("node pool \"{}\" declares a GPU with count = 0", p.name),
                    )
                    .with_hint("remove the `gpu` table for a CPU pool, or set the GPUs per node"),
                    path!["node_pools", i, "gpu", "count"],
                );
            }
            for (k, v) in &p.labels {
                if !is_label_key(k) || !is_label_value(v) {
                    self.push(
                        Diagnostic::error(
                            "E133",
                            format!(
                                "node pool \"{}\": label {k}={v} is not a valid Kubernetes label",
                                p.name
                            ),
                        )
                        .with_hint(
                            "keys: [prefix/]name, values: up to 63 alphanumerics, '-', '_', '.'",
                        ),
                        path!["node_pools", i, "labels", k.as_str()],
                    );
                }
            }
        }
        for (i, c) in s.clusters.iter().enumerate() {
            if c.control_plane.replicas.is_multiple_of(2) {
                self.push(
                    Diagnostic::error("E130", format!("cluster \"{}\": {} control plane replicas; stacked etcd needs an odd number", c.name, c.control_plane.replicas))
                        .with_hint("use 1, 3 or 5 replicas"),
                    path!["clusters", i, "control_plane", "replicas"],
                );
            }
            for (k, v) in &c.labels {
                if !is_label_key(k) || !is_label_value(v) {
                    self.push(
                        Diagnostic::error(
                            "E133",
                            format!(
                                "cluster \"{}\": label {k}={v} is not a valid Kubernetes label",
                                c.name
                            ),
                        )
                        .with_hint(
                            "keys: [prefix/]name, values: up to 63 alphanumerics, '-', '_', '.'",
                        ),
                        path!["clusters", i, "labels", k.as_str()],
                    );
                }
            }
        }
        for (i, t) in s.teams.iter().enumerate() {
            for (field, q) in [("cpu", &t.quota.cpu), ("memory", &t.quota.memory)] {
                if let Some(q) = q
                    && parse_quantity(&q.0).is_none()
                {
                    self.push(
                        Diagnostic::error(
                            "E120",
                            format!(
                                "team \"{}\": quota.{field} \"{}\" is not a Kubernetes quantity",
                                t.name, q.0
                            ),
                        )
                        .with_hint(quantity_hint(
                            &q.0,
                            if field == "cpu" {
                                "e.g. \"64\" or \"500m\""
                            } else {
                                "e.g. \"256Gi\""
                            },
                        )),
                        path!["teams", i, "quota", field],
                    );
                }
            }
        }
        for (i, m) in s.serving.models.iter().enumerate() {
            if m.min_replicas > m.max_replicas {
                self.push(
                    Diagnostic::error(
                        "E106",
                        format!(
                            "model \"{}\": min_replicas {} is greater than max_replicas {}",
                            m.name, m.min_replicas, m.max_replicas
                        ),
                    )
                    .with_hint("min_replicas must be <= max_replicas"),
                    path!["serving", "models", i, "min_replicas"],
                );
            }
            for (field, q) in [("cpu", &m.cpu), ("memory", &m.memory)] {
                if parse_quantity(&q.0).is_none() {
                    self.push(
                        Diagnostic::error(
                            "E120",
                            format!(
                                "model \"{}\": {field} \"{}\" is not a Kubernetes quantity",
                                m.name, q.0
                            ),
                        )
                        .with_hint(quantity_hint(&q.0, "e.g. \"2\" or \"8Gi\"")),
                        path!["serving", "models", i, field],
                    );
                }
            }
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            for (field, q) in [("cpu", &e.cpu), ("memory", &e.memory)] {
                if parse_quantity(&q.0).is_none() {
                    self.push(
                        Diagnostic::error(
                            "E120",
                            format!(
                                "experiment \"{}\": {field} \"{}\" is not a Kubernetes quantity",
                                e.name, q.0
                            ),
                        )
                        .with_hint(quantity_hint(&q.0, "e.g. \"4\" or \"16Gi\"")),
                        path!["tuning", "experiments", i, field],
                    );
                }
            }
        }
    }

    // E107 / E123 / E125 / E132: serving semantics of KServe.
    fn serving(&mut self) {
        let s = self.spec;
        for (i, m) in s.serving.models.iter().enumerate() {
            let mode = m.deployment_mode.unwrap_or(s.serving.deployment_mode);
            if let Some(c) = &m.canary {
                if !(0..=100).contains(&c.percent) {
                    self.push(
                        Diagnostic::error(
                            "E107",
                            format!(
                                "model \"{}\": canary percent {} is outside 0..=100",
                                m.name, c.percent
                            ),
                        )
                        .with_hint("the share of traffic for the new version, e.g. 10"),
                        path!["serving", "models", i, "canary", "percent"],
                    );
                }
                check_uri(
                    self,
                    &c.storage_uri,
                    &m.name,
                    path!["serving", "models", i, "canary", "storage_uri"],
                );
            }
            let metric = m.scale_metric_in(mode);
            match (mode, metric) {
                (DeploymentMode::Standard, ScaleMetric::Concurrency | ScaleMetric::Rps) => self.push(
                    Diagnostic::error("E123", format!("model \"{}\": scale metric `{}` needs the knative deployment mode; the standard mode scales with an HPA on cpu or memory", m.name, metric.as_str()))
                        .with_hint("use scale_metric = \"cpu\", or deployment_mode = \"knative\""),
                    path!["serving", "models", i, "scale_metric"],
                ),
                (DeploymentMode::Knative, ScaleMetric::Memory) => self.push(
                    Diagnostic::error("E123", format!("model \"{}\": Knative's autoscaler does not scale on memory", m.name))
                        .with_hint("use concurrency or rps, or the standard mode"),
                    path!["serving", "models", i, "scale_metric"],
                ),
                _ => {}
            }
            if mode == DeploymentMode::Standard && m.min_replicas == 0 {
                self.push(
                    Diagnostic::error("E132", format!("model \"{}\": min_replicas = 0 needs the knative mode; an HPA cannot scale to zero", m.name))
                        .with_hint("set min_replicas = 1, or deployment_mode = \"knative\""),
                    path!["serving", "models", i, "min_replicas"],
                );
            }
            check_uri(
                self,
                &m.storage_uri,
                &m.name,
                path!["serving", "models", i, "storage_uri"],
            );
        }

        fn check_uri(r: &mut Rules<'_>, uri: &str, model: &str, path: Vec<Seg>) {
            const SCHEMES: &[&str] = &[
                "s3://",
                "gs://",
                "pvc://",
                "hf://",
                "oci://",
                "https://",
                "http://",
                "hdfs://",
                "webhdfs://",
            ];
            let is_azure = uri.starts_with("https://") && uri.contains(".blob.core.windows.net");
            if !(SCHEMES
                .iter()
                .any(|s| uri.starts_with(s) && uri.len() > s.len())
                || is_azure)
            {
                r.push(
                    Diagnostic::error("E125", format!("model \"{model}\": storage URI \"{uri}\" has no scheme KServe can download from"))
                        .with_hint("use s3://, gs://, pvc://, hf://, oci:// or https://"),
                    path,
                );
            }
        }
    }

    // E109 / E110 / E123-like rules for Katib experiments.
    fn tuning(&mut self) {
        let s = self.spec;
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            if e.parallel_trials > e.max_trials {
                self.push(
                    Diagnostic::error("E110", format!("experiment \"{}\": parallel_trials {} is above max_trials {}", e.name, e.parallel_trials, e.max_trials))
                        .with_hint("Katib never runs more trials in parallel than in total; lower parallel_trials"),
                    path!["tuning", "experiments", i, "parallel_trials"],
                );
            }
            // E140: the trial command may only use declared parameters.
            let names: Vec<&str> = e.parameters.iter().map(|p| p.name.as_str()).collect();
            for (j, arg) in e.command.iter().enumerate() {
                let mut rest = arg.as_str();
                while let Some(start) = rest.find("${trialParameters.") {
                    let after = &rest[start + "${trialParameters.".len()..];
                    let Some(end) = after.find('}') else { break };
                    let used = &after[..end];
                    if !names.contains(&used) {
                        let hint = match suggest(used, names.iter().copied()) {
                            Some(s) => format!("did you mean `${{trialParameters.{s}}}`?"),
                            None => format!("declared parameters: {}", names.join(", ")),
                        };
                        self.push(
                            Diagnostic::error("E140", format!("experiment \"{}\": the command uses `${{trialParameters.{used}}}`, which is not a parameter", e.name))
                                .with_hint(hint),
                            path!["tuning", "experiments", i, "command", j],
                        );
                    }
                    rest = &after[end..];
                }
            }
            if e.parameters.is_empty() {
                self.push(
                    Diagnostic::error(
                        "E109",
                        format!("experiment \"{}\" has no parameters to tune", e.name),
                    )
                    .with_hint("add [[tuning.experiments.parameters]]"),
                    path!["tuning", "experiments", i, "parameters"],
                );
            }
            for (j, p) in e.parameters.iter().enumerate() {
                let base = path!["tuning", "experiments", i, "parameters", j];
                match p.kind {
                    ParameterType::Double | ParameterType::Int => match (p.min, p.max) {
                        (Some(lo), Some(hi)) if lo >= hi => {
                            let mut path = base.clone();
                            path.push(Seg::from("min"));
                            self.push(
                                Diagnostic::error("E109", format!("experiment \"{}\": parameter \"{}\" has min {lo} >= max {hi}", e.name, p.name))
                                    .with_hint("the search range must not be empty: min < max"),
                                path,
                            );
                        }
                        (Some(_), Some(_)) => {
                            if e.algorithm == Algorithm::Grid
                                && p.kind == ParameterType::Double
                                && p.step.is_none()
                            {
                                let mut path = base.clone();
                                path.push(Seg::from("name"));
                                self.push(
                                    Diagnostic::error("E139", format!("experiment \"{}\": the grid algorithm needs a step for double parameter \"{}\"", e.name, p.name))
                                        .with_hint("add `step = ...`, or use another algorithm"),
                                    path,
                                );
                            }
                        }
                        _ => self.push(
                            Diagnostic::error(
                                "E109",
                                format!(
                                    "experiment \"{}\": parameter \"{}\" needs both min and max",
                                    e.name, p.name
                                ),
                            )
                            .with_hint("add `min = ...` and `max = ...`"),
                            base,
                        ),
                    },
                    ParameterType::Categorical | ParameterType::Discrete => {
                        if p.values.is_empty() {
                            let mut path = base.clone();
                            path.push(Seg::from("values"));
                            self.push(
                                Diagnostic::error(
                                    "E109",
                                    format!(
                                        "experiment \"{}\": parameter \"{}\" lists no values",
                                        e.name, p.name
                                    ),
                                )
                                .with_hint("add `values = [\"...\", ...]`"),
                                path,
                            );
                        }
                    }
                }
            }
        }
    }

    // E112 / E113 / E122: component versions.
    fn components(&mut self) {
        let s = self.spec;
        let check = |r: &mut Self, comps: &Components, base: Vec<Seg>| {
            for (key, v) in catalog::overrides(comps) {
                if let Some(v) = v
                    && let Err(msg) = catalog::check_version(key, v)
                {
                    let mut p = base.clone();
                    p.push(Seg::from(key));
                    let comp = catalog::component(key);
                    r.push(
                        Diagnostic::error("E112", format!("unknown component version: {msg}"))
                            .with_hint(format!(
                                "the catalog default is {}",
                                comp.map(|c| c.default).unwrap_or("?")
                            )),
                        p,
                    );
                }
            }
        };
        check(self, &s.components, path!["components"]);
        for (i, c) in s.clusters.iter().enumerate() {
            check(self, &c.components, path!["clusters", i, "components"]);
        }
        if catalog::Version::parse(&s.platform.kubernetes_version).is_none() {
            self.push(
                Diagnostic::error(
                    "E122",
                    format!(
                        "kubernetes_version \"{}\" is not a version",
                        s.platform.kubernetes_version
                    ),
                )
                .with_hint("write it like \"v1.34.1\""),
                path!["platform", "kubernetes_version"],
            );
        }
        for (i, c) in s.clusters.iter().enumerate() {
            if !self.view.contains(c.name.as_str()) {
                continue;
            }
            let versions = catalog::resolve(&s.components, &c.components);
            let queueing = s.training.enabled;
            for inc in
                catalog::incompatibilities(&versions, &s.platform.kubernetes_version, queueing)
            {
                let from_cluster = catalog::overrides(&c.components)
                    .iter()
                    .any(|(k, v)| *k == inc.component && v.is_some());
                let path = if from_cluster {
                    path!["clusters", i, "components", inc.component]
                } else if catalog::overrides(&s.components)
                    .iter()
                    .any(|(k, v)| *k == inc.component && v.is_some())
                {
                    path!["components", inc.component]
                } else {
                    path!["clusters", i, "name"]
                };
                self.push(
                    Diagnostic::error("E113", format!("cluster \"{}\": {}", c.name, inc.message))
                        .with_hint(inc.hint),
                    path,
                );
            }
        }
    }

    // W115 / E111 / E118 / E119 / E131: GPU capacity and placement.
    fn capacity(&mut self) {
        let s = self.spec;
        let max_per_pod = s.policy.max_gpus_per_pod;
        for c in &s.clusters {
            if !self.view.contains(c.name.as_str()) {
                continue;
            }
            let gpu_pools: Vec<&NodePool> = s
                .node_pools
                .iter()
                .filter(|p| p.gpu.is_some() && on_cluster(&p.clusters, &c.name))
                .collect();
            let capacity: u64 = gpu_pools.iter().map(|p| p.gpu_capacity()).sum();
            let teams: Vec<(usize, &Team)> = s
                .teams
                .iter()
                .enumerate()
                .filter(|(_, t)| on_cluster(&t.clusters, &c.name))
                .collect();
            let quota: u64 = teams.iter().map(|(_, t)| u64::from(t.quota.gpu)).sum();
            if quota > capacity {
                let ratio = if capacity == 0 {
                    f64::INFINITY
                } else {
                    quota as f64 / capacity as f64
                };
                let ratio = if ratio.is_finite() {
                    format!("{ratio:.2}x")
                } else {
                    "unbounded".into()
                };
                // Point at the quota of the team whose quota crosses the
                // capacity (spec order): the line a user edits to fix it.
                let mut running = 0u64;
                let crossing = teams
                    .iter()
                    .find(|(_, t)| {
                        running += u64::from(t.quota.gpu);
                        running > capacity
                    })
                    .map(|(ti, _)| *ti)
                    .unwrap_or(teams[0].0);
                let named: Vec<String> = teams
                    .iter()
                    .filter(|(_, t)| t.quota.gpu > 0)
                    .map(|(_, t)| format!("\"{}\" {}", t.name, t.quota.gpu))
                    .collect();
                self.push(
                    Diagnostic::warning("W115", format!(
                        "team \"{}\": GPU quotas on cluster \"{}\" sum to {quota} (teams {}), above its GPU capacity of {capacity} (overcommit {ratio})",
                        s.teams[crossing].name, c.name, named.join(", ")
                    ))
                    .with_hint("teams may wait for GPUs at peak; raise max_nodes of a GPU pool or lower quotas"),
                    path!["teams", crossing, "quota", "gpu"],
                );
            }
            for (ti, t) in &teams {
                if t.quota.gpu == 0 {
                    continue;
                }
                let usable = gpu_pools.iter().any(|p| t.may_use_pool(&p.name));
                if !usable {
                    self.push(
                        Diagnostic::error("E131", format!("team \"{}\" has a GPU quota of {} on cluster \"{}\", but no GPU pool it may use exists there", t.name, t.quota.gpu, c.name))
                            .with_hint("add a GPU pool to this cluster, or set the team's clusters/gpu_pools"),
                        path!["teams", *ti, "quota", "gpu"],
                    );
                }
            }
            // Models and experiments that need GPUs must find a GPU pool in each of their clusters.
            for (mi, m) in s.serving.models.iter().enumerate() {
                if m.gpus == 0 || !on_cluster(&m.clusters, &c.name) {
                    continue;
                }
                if let Some(team) = self.team(&m.team)
                    && !on_cluster(&team.clusters, &c.name)
                {
                    continue;
                }
                if m.node_pool.is_none() && gpu_pools.is_empty() {
                    self.push(
                        Diagnostic::error("E111", format!("model \"{}\" needs {} GPU(s), but cluster \"{}\" has no GPU node pool", m.name, m.gpus, c.name))
                            .with_hint("add a GPU pool to the cluster, or set the model's clusters"),
                        path!["serving", "models", mi, "gpus"],
                    );
                } else if m.node_pool.is_none()
                    && let Some(team) = self.team(&m.team)
                    && !gpu_pools.iter().any(|p| team.may_use_pool(&p.name))
                {
                    self.push(
                        Diagnostic::error("E210", format!("model \"{}\" needs {} GPU(s), but on cluster \"{}\" team \"{}\" may use none of the GPU pools (its gpu_pools: {})", m.name, m.gpus, c.name, team.name, team.gpu_pools.join(", ")))
                            .with_hint("add one of the cluster's GPU pools to the team's gpu_pools, or set the model's clusters"),
                        path!["serving", "models", mi, "gpus"],
                    );
                }
            }
        }
        // Per-pod GPU requests against the pool and the policy.
        let mut per_pod: Vec<(String, u32, Option<&String>, Vec<Seg>)> = Vec::new();
        for (i, m) in s.serving.models.iter().enumerate() {
            per_pod.push((
                format!("model \"{}\"", m.name),
                m.gpus,
                m.node_pool.as_ref(),
                path!["serving", "models", i],
            ));
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            per_pod.push((
                format!("experiment \"{}\"", e.name),
                e.gpus_per_trial,
                e.node_pool.as_ref(),
                path!["tuning", "experiments", i],
            ));
        }
        for (i, r) in s.training.runtimes.iter().enumerate() {
            let gpus = r
                .gpus_per_node
                .or_else(|| {
                    self.pool(&r.node_pool)
                        .and_then(|p| p.gpu.as_ref().map(|g| g.count))
                })
                .unwrap_or(0);
            per_pod.push((
                format!("training runtime \"{}\"", r.name),
                gpus,
                Some(&r.node_pool),
                path!["training", "runtimes", i],
            ));
        }
        for (what, gpus, pool, base) in per_pod {
            let field = if base.iter().any(|s| *s == Seg::from("experiments")) {
                "gpus_per_trial"
            } else if base.iter().any(|s| *s == Seg::from("runtimes")) {
                "gpus_per_node"
            } else {
                "gpus"
            };
            let mut gp = base.clone();
            gp.push(Seg::from(field));
            if s.policy.enabled && gpus > max_per_pod {
                self.push(
                    Diagnostic::error("E118", format!("{what} requests {gpus} GPUs per pod, above the policy's max_gpus_per_pod of {max_per_pod}"))
                        .with_hint("Gatekeeper would reject the pods; lower the GPUs or raise [policy] max_gpus_per_pod"),
                    gp.clone(),
                );
            }
            if let Some(pool) = pool.and_then(|p| self.pool(p)) {
                match &pool.gpu {
                    None if gpus > 0 => {
                        let mut pp = base.clone();
                        pp.push(Seg::from("node_pool"));
                        self.push(
                            Diagnostic::error("E111", format!("{what} needs {gpus} GPU(s) but node pool \"{}\" has no GPUs", pool.name))
                                .with_hint("pick a pool with a `gpu` table"),
                            pp,
                        );
                    }
                    Some(g) if gpus > g.count => self.push(
                        Diagnostic::error("E119", format!("{what} needs {gpus} GPUs per pod, but a node of pool \"{}\" has only {}", pool.name, g.count))
                            .with_hint("the pod can never be scheduled; lower the GPUs or pick a larger pool"),
                        gp,
                    ),
                    _ => {}
                }
            } else if gpus > 0 && base.iter().any(|s| *s == Seg::from("experiments")) {
                self.push(
                    Diagnostic::error("E111", format!("{what} needs GPUs but names no node_pool"))
                        .with_hint("set node_pool to a GPU pool so trials get the GPU tolerations"),
                    gp,
                );
            }
        }
    }

    // E230: a team's models at their most (every replica, canary and router
    // included, with their sidecars: `plan::quota::reserved`) are held out of
    // the team's quota and Kueue gets the rest. Above the quota, either the
    // models cannot scale to max_replicas or the team's Jobs are admitted by
    // Kueue and then refused by the namespace's ResourceQuota.
    fn serving_share(&mut self) {
        let s = self.spec;
        for c in &s.clusters {
            if !self.view.contains(c.name.as_str()) {
                continue;
            }
            for (ti, t) in s.teams.iter().enumerate() {
                if !on_cluster(&t.clusters, &c.name) {
                    continue;
                }
                let served = crate::plan::quota::reserved(s, &c.name, &t.name);
                let cpu = t.quota.cpu.as_ref().and_then(|q| parse_quantity(&q.0));
                let memory = t.quota.memory.as_ref().and_then(|q| parse_quantity(&q.0));
                let over: Vec<(&str, String, String)> = [
                    (
                        "gpu",
                        (served.gpus > u64::from(t.quota.gpu)).then(|| served.gpus.to_string()),
                        t.quota.gpu.to_string(),
                    ),
                    (
                        "cpu",
                        cpu.filter(|q| served.cpu > *q + 1e-9)
                            .map(|_| crate::plan::quota::cpu_quantity(served.cpu)),
                        t.quota
                            .cpu
                            .as_ref()
                            .map(|q| q.0.clone())
                            .unwrap_or_default(),
                    ),
                    (
                        "memory",
                        memory
                            .filter(|q| served.memory > *q + 0.5)
                            .map(|_| crate::plan::quota::memory_quantity(served.memory)),
                        t.quota
                            .memory
                            .as_ref()
                            .map(|q| q.0.clone())
                            .unwrap_or_default(),
                    ),
                ]
                .into_iter()
                .filter_map(|(k, need, quota)| need.map(|n| (k, n, quota)))
                .collect();
                for (key, need, quota) in over {
                    self.push(
                        Diagnostic::error(
                            "E230",
                            format!(
                                "team \"{}\" on cluster \"{}\": its models may take {key} {need} at max_replicas (canary and router included, with their sidecars), above its {key} quota of {quota}",
                                t.name, c.name
                            ),
                        )
                        .with_hint(format!(
                            "raise the team's quota.{key}, or lower its models' max_replicas or sizes; models scaling past the quota would be refused by the namespace's ResourceQuota"
                        )),
                        vec![Seg::from("teams"), Seg::from(ti), Seg::from("quota"), Seg::from(key)],
                    );
                }
            }
        }
    }

    // W161: the nominal GPU quota Kueue gets on one pool (each team's quota
    // split across its usable pools by capacity, as the plan does) above
    // what that pool can ever hold. W115 sums the cluster; a team limited to
    // one pool can overcommit that pool while the cluster total fits.
    fn pool_overcommit(&mut self) {
        let s = self.spec;
        for c in &s.clusters {
            if !self.view.contains(c.name.as_str()) {
                continue;
            }
            let gpu_pools: Vec<(usize, &NodePool)> = s
                .node_pools
                .iter()
                .enumerate()
                .filter(|(_, p)| p.gpu.is_some() && on_cluster(&p.clusters, &c.name))
                .collect();
            let mut nominal: BTreeMap<usize, Vec<(&str, u64)>> = BTreeMap::new();
            for t in s.teams.iter().filter(|t| on_cluster(&t.clusters, &c.name)) {
                let usable: Vec<&(usize, &NodePool)> = gpu_pools
                    .iter()
                    .filter(|(_, p)| t.may_use_pool(&p.name))
                    .collect();
                let weights: Vec<u64> = usable.iter().map(|(_, p)| p.gpu_capacity()).collect();
                let split = crate::plan::teams::split_proportional(
                    crate::plan::quota::kueue_gpus(s, &c.name, t),
                    &weights,
                );
                for ((pi, _), gpus) in usable.iter().zip(split) {
                    if gpus > 0 {
                        nominal
                            .entry(*pi)
                            .or_default()
                            .push((t.name.as_str(), gpus));
                    }
                }
            }
            for (pi, teams) in nominal {
                let pool = s.node_pools[pi].clone();
                let total: u64 = teams.iter().map(|(_, g)| g).sum();
                let cap = pool.gpu_capacity();
                if total > cap {
                    let named: Vec<String> =
                        teams.iter().map(|(t, g)| format!("\"{t}\" {g}")).collect();
                    self.push(
                        Diagnostic::warning(
                            "W161",
                            format!(
                                "node pool \"{}\" on cluster \"{}\": nominal GPU quota {total} (teams {}) is above its capacity of {cap} ({} nodes x {} GPUs)",
                                pool.name,
                                c.name,
                                named.join(", "),
                                pool.max_nodes,
                                pool.gpu.as_ref().map_or(0, |g| g.count)
                            ),
                        )
                        .with_hint("Kueue admits more GPU work on this pool than it can hold; raise max_nodes or give the teams more gpu_pools"),
                        path!["node_pools", pi, "max_nodes"],
                    );
                }
            }
        }
    }

    // E162 / E163: a workload must fit its team. A model or experiment on a
    // GPU pool its team may not use gets no Kueue flavor and no GPU quota
    // there; a single trial or replica asking more CPU or memory than the
    // team's whole quota can never be admitted by the ResourceQuota.
    fn team_fit(&mut self) {
        let s = self.spec;
        // (what, team, node pool, GPUs, cpu, memory, path of the entry)
        type Workload<'w> = (
            String,
            &'w str,
            Option<&'w String>,
            u32,
            &'w Quantity,
            &'w Quantity,
            Vec<Seg>,
        );
        let mut workloads: Vec<Workload<'_>> = Vec::new();
        for (i, m) in s.serving.models.iter().enumerate() {
            workloads.push((
                format!("model \"{}\"", m.name),
                m.team.as_str(),
                m.node_pool.as_ref(),
                m.gpus,
                &m.cpu,
                &m.memory,
                path!["serving", "models", i],
            ));
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            workloads.push((
                format!("experiment \"{}\" (one trial)", e.name),
                e.team.as_str(),
                e.node_pool.as_ref(),
                e.gpus_per_trial,
                &e.cpu,
                &e.memory,
                path!["tuning", "experiments", i],
            ));
        }
        for (what, team, pool, _gpus, cpu, memory, base) in workloads {
            let Some(t) = self.team(team) else {
                continue; // E104 reports the unknown team
            };
            if let Some(pool) = pool.and_then(|p| self.pool(p))
                && pool.gpu.is_some()
                && !t.gpu_pools.is_empty()
                && !t.gpu_pools.contains(&pool.name)
            {
                let mut p = base.clone();
                p.push(Seg::from("node_pool"));
                self.push(
                    Diagnostic::error(
                        "E162",
                        format!(
                            "{what} runs on node pool \"{}\", which is not one of team \"{}\"'s gpu_pools ({})",
                            pool.name,
                            t.name,
                            t.gpu_pools.join(", ")
                        ),
                    )
                    .with_hint(format!(
                        "the team has no GPU quota on that pool and Gatekeeper (k8sgpupools) refuses its GPU pods there; use one of its gpu_pools, or add \"{}\" to them",
                        pool.name
                    )),
                    p,
                );
            }
            for (key, asked, quota) in [
                ("cpu", cpu, t.quota.cpu.as_ref()),
                ("memory", memory, t.quota.memory.as_ref()),
            ] {
                let (Some(quota), Some(a), Some(q)) = (
                    quota,
                    parse_quantity(&asked.0),
                    quota.and_then(|q| parse_quantity(&q.0)),
                ) else {
                    continue; // no quota, or E120 reports the quantity
                };
                if a > q {
                    let mut p = base.clone();
                    p.push(Seg::from(key));
                    self.push(
                        Diagnostic::error(
                            "E163",
                            format!(
                                "{what} asks {key} {}, above team \"{}\"'s whole {key} quota of {}",
                                asked.0, t.name, quota.0
                            ),
                        )
                        .with_hint(format!(
                            "the pod can never be admitted; lower {key}, or raise the team's quota.{key}"
                        )),
                        p,
                    );
                }
            }
        }
    }

    // E121: a control plane machine's price, like a node's, is a price.
    fn control_plane_prices(&mut self) {
        for (i, c) in self.spec.clusters.iter().enumerate() {
            if let Some(p) = c.control_plane.hourly_price
                && (!p.is_finite() || p < 0.0)
            {
                self.push(
                    Diagnostic::error(
                        "E121",
                        format!(
                            "cluster \"{}\": control_plane.hourly_price {p} is not a price",
                            c.name
                        ),
                    )
                    .with_hint("write the price of one control plane machine per hour, e.g. 0.384"),
                    path!["clusters", i, "control_plane", "hourly_price"],
                );
            }
        }
    }

    // E127 / E128: images the platform's own policies would refuse.
    fn images(&mut self) {
        let s = self.spec;
        let mut images: Vec<(&str, Vec<Seg>)> = Vec::new();
        for (i, r) in s.training.runtimes.iter().enumerate() {
            images.push((&r.image, path!["training", "runtimes", i, "image"]));
        }
        for (i, e) in s.tuning.experiments.iter().enumerate() {
            images.push((&e.image, path!["tuning", "experiments", i, "image"]));
        }
        for (i, r) in s.serving.runtimes.iter().enumerate() {
            images.push((&r.image, path!["serving", "runtimes", i, "image"]));
        }
        for (image, path) in images {
            let (_, tag, digest) = split_image(image);
            if digest.is_none() {
                match tag {
                    None => self.push(
                        Diagnostic::error(
                            "E127",
                            format!("image \"{image}\" has no tag (it means :latest)"),
                        )
                        .with_hint("pin a version tag or a digest"),
                        path.clone(),
                    ),
                    Some(t)
                        if s.policy.enabled && s.policy.disallowed_tags.iter().any(|d| d == t) =>
                    {
                        self.push(
                            Diagnostic::error(
                                "E127",
                                format!("image \"{image}\" uses the disallowed tag `{t}`"),
                            )
                            .with_hint("pin a version tag or a digest"),
                            path.clone(),
                        )
                    }
                    _ => {}
                }
            }
            if s.policy.enabled
                && !s.policy.allowed_registries.is_empty()
                && !s
                    .policy
                    .allowed_registries
                    .iter()
                    .any(|r| image.starts_with(r.as_str()))
            {
                self.push(
                    Diagnostic::error(
                        "E128",
                        format!("image \"{image}\" is not from an allowed registry"),
                    )
                    .with_hint(format!(
                        "allowed: {}",
                        s.policy.allowed_registries.join(", ")
                    )),
                    path,
                );
            }
        }
    }

    // E124 / E126 / E135 / W134: the rest.
    fn misc(&mut self) {
        let s = self.spec;
        let url = &s.gitops.repo_url;
        let git_like = url.starts_with("https://")
            || url.starts_with("ssh://")
            || url.starts_with("git@")
            || url.starts_with("http://")
            || url.starts_with("file://");
        if !git_like {
            self.push(
                Diagnostic::error(
                    "E124",
                    format!("gitops.repo_url \"{url}\" is not a Git URL Argo CD can clone"),
                )
                .with_hint("use https://host/org/repo.git or git@host:org/repo.git"),
                path!["gitops", "repo_url"],
            );
        }
        if s.clusters.is_empty() {
            self.push(
                Diagnostic::error("E135", "the spec declares no cluster")
                    .with_hint("add a [[clusters]] entry"),
                vec![],
            );
        }
        let store = &s.pipelines.artifact_store;
        if s.pipelines.enabled
            && store.kind == ArtifactStoreKind::S3
            && store.bucket.as_deref().is_none_or(str::is_empty)
        {
            self.push(
                Diagnostic::error("E126", "pipelines.artifact_store is S3 but names no bucket")
                    .with_hint("add `bucket = \"...\"`"),
                path!["pipelines", "artifact_store"],
            );
        }
        for (i, t) in s.teams.iter().enumerate() {
            if t.owners.is_empty() {
                self.push(
                    Diagnostic::warning(
                        "W134",
                        format!(
                            "team \"{}\" has no owners; nobody can administer its namespace",
                            t.name
                        ),
                    )
                    .with_hint("add owners = [\"someone@example.com\"]"),
                    path!["teams", i, "name"],
                );
            }
        }
    }
}

/// Runtimes KServe installs as ClusterServingRuntimes.
pub const BUILTIN_SERVING_RUNTIMES: &[&str] = &[
    "kserve-huggingfaceserver",
    "kserve-lgbserver",
    "kserve-mlserver",
    "kserve-paddleserver",
    "kserve-pmmlserver",
    "kserve-sklearnserver",
    "kserve-tensorflow-serving",
    "kserve-torchserve",
    "kserve-tritonserver",
    "kserve-xgbserver",
];

/// The hint of an invalid quantity: the fix itself when the mistake is a
/// familiar unit (`16gb`, `512 MB`, `1TiB`), else a generic example.
pub fn quantity_hint(value: &str, example: &str) -> String {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (num, unit) = compact.split_at(split);
    let binary = match unit.to_ascii_lowercase().as_str() {
        "kb" | "kib" => "Ki",
        "mb" | "mib" => "Mi",
        "gb" | "gib" => "Gi",
        "tb" | "tib" => "Ti",
        _ => "",
    };
    if !num.is_empty() && num.parse::<f64>().is_ok() && !binary.is_empty() {
        format!(
            "write \"{num}{binary}\": Kubernetes quantities use the suffixes Ki, Mi, Gi, Ti (powers of 2) or k, M, G, T (powers of 10)"
        )
    } else {
        example.to_string()
    }
}

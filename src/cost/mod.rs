//! Monthly cost estimates: one model for `mlpc cost` and the cost delta of
//! `mlpc diff`, built on the node-pool prices of the plan, the very
//! [`PoolCtx`] list from which `plan::cost::pricing` derives OpenCost's
//! custom pricing in the compiled output (one source of truth).
//!
//! Per cluster and node pool:
//! - the range: `min_nodes` and `max_nodes` × `hourly_price` × `hours_per_month`;
//! - the estimate: the nodes the teams' quotas need, within that range. A GPU
//!   pool's demand is the GPUs the teams' Kueue flavor quotas put on it (the
//!   numbers the ClusterQueues get) plus what their models may take there
//!   (`plan::quota`: held out of Kueue's share); a CPU pool's is the teams' CPU quota,
//!   spread over the CPU pools by capacity. Nodes = ⌈demand / per node⌉,
//!   clamped to `[min_nodes, max_nodes]`.
//!
//! Each team's share of a pool follows its part of the demand (GPU quota on
//! GPU pools, CPU quota on CPU pools), over the larger of the demand and the
//! estimated capacity; what no quota claims is `unallocated` (minimum nodes,
//! headroom, the platform's own components).

pub mod report;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::plan::{ClusterPlan, PlatformPlan, PoolCtx};
use crate::spec::revision::Revision;
use crate::spec::side::Side;
use crate::validate::Validated;
use crate::validate::names::parse_quantity;

/// Hours in a month when the spec does not say (365 × 24 / 12).
pub const DEFAULT_HOURS: f64 = 730.0;

/// The estimate for a whole platform (or the selected clusters).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub currency: String,
    /// Sum of the clusters' minimum (every pool at `min_nodes`).
    pub min_monthly: f64,
    /// Sum of the clusters' estimates.
    pub monthly: f64,
    /// Sum of the clusters' expected cost (`[cost] expected_utilization` of the quotas).
    pub expected_monthly: f64,
    /// Sum of the clusters' maximum (every pool at `max_nodes`).
    pub max_monthly: f64,
    pub unallocated_monthly: f64,
    /// Each team's share, summed over the clusters, by team name.
    pub teams: Vec<TeamTotal>,
    pub clusters: Vec<ClusterCost>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TeamTotal {
    pub team: String,
    pub monthly: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ClusterCost {
    pub cluster: String,
    pub environment: String,
    pub currency: String,
    pub hours_per_month: f64,
    pub min_monthly: f64,
    pub monthly: f64,
    /// The cost when `expected_utilization` of the quotas is in use.
    pub expected_monthly: f64,
    pub max_monthly: f64,
    pub unallocated_monthly: f64,
    /// The quota share the expected figure assumes (0..=1).
    pub expected_utilization: f64,
    /// Control plane machines (`replicas` × `control_plane.hourly_price`), in
    /// every figure; part of the unallocated rest.
    pub control_plane_monthly: f64,
    pub pools: Vec<PoolCost>,
    pub teams: Vec<TeamCost>,
    /// What the figures leave out because the spec gives no price for it.
    pub unpriced: Vec<String>,
    /// The hourly unit prices of OpenCost's custom pricing for this cluster,
    /// exactly as compiled (derived from the same pools).
    pub opencost: OpenCostPrices,
    /// The hourly price of one GPU of each type and capacity (on-demand or
    /// spot), derived from its pools: the prices OpenCost's price list has.
    pub gpu_types: Vec<GpuTypePrice>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GpuTypePrice {
    pub gpu_type: String,
    pub spot: bool,
    pub hourly: String,
}

/// What a cluster's estimate needs beyond its plan, from its merged spec.
#[derive(Clone, Debug, PartialEq)]
pub struct CostInputs {
    pub expected_utilization: f64,
    pub storage_gib_month: f64,
    pub control_plane_replicas: u32,
    pub control_plane_hourly: Option<f64>,
    /// Root disk per node, by pool name (pools without one are absent).
    pub disk_gib: BTreeMap<String, u32>,
}

impl Default for CostInputs {
    fn default() -> Self {
        CostInputs {
            expected_utilization: 0.6,
            storage_gib_month: 0.08,
            control_plane_replicas: 0,
            control_plane_hourly: None,
            disk_gib: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct OpenCostPrices {
    pub cpu_hourly: String,
    pub ram_gib_hourly: String,
    pub gpu_hourly: String,
    pub spot_cpu_hourly: String,
    pub spot_ram_gib_hourly: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PoolCost {
    pub pool: String,
    pub instance_type: String,
    pub hourly_price: f64,
    pub spot: bool,
    /// `gpu` for GPU pools (demand in GPUs), `cpu` otherwise (demand in cores).
    pub unit: &'static str,
    pub units_per_node: f64,
    /// GPUs or cores the teams' quotas ask of this pool.
    pub demand: f64,
    pub min_nodes: u32,
    pub max_nodes: u32,
    /// Nodes the estimate assumes.
    pub nodes: u32,
    /// Nodes the quotas would need without the pool's limits.
    pub needed_nodes: u32,
    /// The quotas need more nodes than `max_nodes`: the estimate stops there,
    /// so a quota increase can show no cost change.
    pub capped: bool,
    /// Nodes for `expected_utilization` of the quotas, within min and max.
    pub expected_nodes: u32,
    /// Root disk per node in GiB (priced in every figure), if declared.
    pub disk_gib: Option<u32>,
    pub min_monthly: f64,
    pub monthly: f64,
    pub expected_monthly: f64,
    pub max_monthly: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TeamCost {
    pub team: String,
    pub gpu_quota: u32,
    /// CPU quota in cores, when the team has one.
    pub cpu_quota: Option<f64>,
    pub monthly: f64,
    /// Fraction of the cluster's estimate (0..=1).
    pub share: f64,
}

/// Estimate every cluster of a compiled (or only planned) spec.
pub fn estimate(validated: &Validated, plan: &PlatformPlan) -> Estimate {
    let clusters = plan
        .clusters
        .iter()
        .map(|cp| {
            let (currency, hours, inputs) = match validated.spec_for_cluster(&cp.cluster.name) {
                Some((s, c)) => (
                    s.cost.currency.clone(),
                    s.cost.hours_per_month,
                    CostInputs {
                        expected_utilization: s.cost.expected_utilization,
                        storage_gib_month: s.cost.storage_gib_month,
                        control_plane_replicas: c.control_plane.replicas,
                        control_plane_hourly: c.control_plane.hourly_price,
                        disk_gib: s
                            .node_pools
                            .iter()
                            .filter_map(|p| p.disk_gib.map(|d| (p.name.clone(), d)))
                            .collect(),
                    },
                ),
                None => (
                    cp.cost.currency.clone(),
                    DEFAULT_HOURS,
                    CostInputs::default(),
                ),
            };
            cluster_cost(cp, &currency, hours, &inputs)
        })
        .collect();
    Estimate::from_clusters(clusters)
}

impl Estimate {
    /// Totals over `clusters`.
    pub fn from_clusters(clusters: Vec<ClusterCost>) -> Estimate {
        let mut teams: BTreeMap<String, f64> = BTreeMap::new();
        for c in &clusters {
            for t in &c.teams {
                *teams.entry(t.team.clone()).or_default() += t.monthly;
            }
        }
        let sum = |f: fn(&ClusterCost) -> f64| round2(clusters.iter().map(f).sum());
        Estimate {
            currency: clusters
                .first()
                .map(|c| c.currency.clone())
                .unwrap_or_else(|| "USD".into()),
            min_monthly: sum(|c| c.min_monthly),
            monthly: sum(|c| c.monthly),
            expected_monthly: sum(|c| c.expected_monthly),
            max_monthly: sum(|c| c.max_monthly),
            unallocated_monthly: sum(|c| c.unallocated_monthly),
            teams: teams
                .into_iter()
                .map(|(team, monthly)| TeamTotal {
                    team,
                    monthly: round2(monthly),
                })
                .collect(),
            clusters,
        }
    }

    /// Only the named clusters (all when `only` is empty).
    pub fn only(self, only: &[String]) -> Estimate {
        if only.is_empty() {
            return self;
        }
        Estimate::from_clusters(
            self.clusters
                .into_iter()
                .filter(|c| only.contains(&c.cluster))
                .collect(),
        )
    }

    /// Currencies of the clusters, when they disagree (the totals then mix them).
    pub fn mixed_currencies(&self) -> Option<Vec<String>> {
        let mut all: Vec<String> = self.clusters.iter().map(|c| c.currency.clone()).collect();
        all.sort();
        all.dedup();
        (all.len() > 1).then_some(all)
    }
}

fn is_gpu_pool(p: &PoolCtx) -> bool {
    p.gpu.as_ref().is_some_and(|g| g.count > 0)
}

/// The estimate of one cluster.
pub fn cluster_cost(
    cp: &ClusterPlan,
    currency: &str,
    hours: f64,
    inputs: &CostInputs,
) -> ClusterCost {
    let hours = if hours.is_finite() && hours > 0.0 {
        hours
    } else {
        DEFAULT_HOURS
    };
    let utilization = if inputs.expected_utilization.is_finite() {
        inputs.expected_utilization.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let storage = if inputs.storage_gib_month.is_finite() {
        inputs.storage_gib_month.max(0.0)
    } else {
        0.0
    };
    // Team demand per pool (GPUs on GPU pools, cores on CPU pools).
    let cpu_weights: Vec<f64> = cp
        .pools
        .iter()
        .map(|p| {
            if is_gpu_pool(p) {
                0.0
            } else {
                f64::from(p.cpu) * f64::from(p.max_nodes)
            }
        })
        .collect();
    let cpu_weight_sum: f64 = cpu_weights.iter().sum();
    let team_cpu: Vec<Option<f64>> = cp
        .teams
        .iter()
        .map(|t| {
            if t.quota.has_cpu {
                parse_quantity(&t.quota.cpu)
            } else {
                None
            }
        })
        .collect();
    // units[team][pool]
    let units: Vec<Vec<f64>> = cp
        .teams
        .iter()
        .zip(&team_cpu)
        .map(|(t, cpu)| {
            cp.pools
                .iter()
                .zip(&cpu_weights)
                .map(|(p, w)| {
                    if is_gpu_pool(p) {
                        t.gpu_flavors
                            .iter()
                            .chain(&t.served_flavors)
                            .filter(|f| f.flavor == p.flavor)
                            .map(|f| f.gpu as f64)
                            .sum()
                    } else if cpu_weight_sum > 0.0 {
                        cpu.unwrap_or(0.0) * w / cpu_weight_sum
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();

    let mut team_monthly = vec![0.0; cp.teams.len()];
    let pools: Vec<PoolCost> = cp
        .pools
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let gpu = is_gpu_pool(p);
            let per_node = if gpu {
                f64::from(p.gpu.as_ref().map_or(0, |g| g.count))
            } else {
                f64::from(p.cpu)
            };
            let demand: f64 = units.iter().map(|u| u[i]).sum();
            let nodes_for = |d: f64| -> u32 {
                if per_node > 0.0 {
                    // Shave float noise so 16 GPUs on 8-GPU nodes is 2 nodes, not 3.
                    (((d / per_node) - 1e-9).ceil().max(0.0)).min(f64::from(u32::MAX)) as u32
                } else {
                    0
                }
            };
            let needed = nodes_for(demand);
            let min_nodes = p.min_nodes.min(p.max_nodes);
            let nodes = needed.clamp(min_nodes, p.max_nodes);
            let expected_nodes = nodes_for(demand * utilization).clamp(min_nodes, p.max_nodes);
            let disk_gib = inputs.disk_gib.get(&p.name).copied();
            // A node's month: its machine, plus its root disk when declared.
            let node_month = p.hourly_price * hours + f64::from(disk_gib.unwrap_or(0)) * storage;
            let month = |n: u32| f64::from(n) * node_month;
            let monthly = month(nodes);
            let denom = demand.max(f64::from(nodes) * per_node);
            if denom > 0.0 {
                for (t, u) in units.iter().enumerate() {
                    team_monthly[t] += monthly * u[i] / denom;
                }
            }
            PoolCost {
                pool: p.name.clone(),
                instance_type: p.instance_type.clone(),
                hourly_price: p.hourly_price,
                spot: p.spot,
                unit: if gpu { "gpu" } else { "cpu" },
                units_per_node: per_node,
                demand: round2(demand),
                min_nodes: p.min_nodes,
                max_nodes: p.max_nodes,
                nodes,
                needed_nodes: needed,
                capped: needed > p.max_nodes,
                expected_nodes,
                disk_gib,
                min_monthly: round2(month(p.min_nodes)),
                monthly: round2(monthly),
                expected_monthly: round2(month(expected_nodes)),
                max_monthly: round2(month(p.max_nodes)),
            }
        })
        .collect();

    let control_plane_monthly = round2(
        f64::from(inputs.control_plane_replicas)
            * inputs
                .control_plane_hourly
                .filter(|p| p.is_finite() && *p >= 0.0)
                .unwrap_or(0.0)
            * hours,
    );
    let mut unpriced = Vec::new();
    if inputs.control_plane_hourly.is_none() && inputs.control_plane_replicas > 0 {
        unpriced.push(format!(
            "{} control plane machine(s): set control_plane.hourly_price",
            inputs.control_plane_replicas
        ));
    }
    let no_disk: Vec<&str> = pools
        .iter()
        .filter(|p| p.disk_gib.is_none())
        .map(|p| p.pool.as_str())
        .collect();
    if !no_disk.is_empty() {
        unpriced.push(format!(
            "node disks of {}: set disk_gib on the pool",
            no_disk.join(", ")
        ));
    }
    let monthly: f64 = pools.iter().map(|p| p.monthly).sum::<f64>() + control_plane_monthly;
    let teams: Vec<TeamCost> = cp
        .teams
        .iter()
        .zip(&team_cpu)
        .zip(&team_monthly)
        .map(|((t, cpu), m)| TeamCost {
            team: t.name.clone(),
            gpu_quota: t.quota.gpu,
            cpu_quota: *cpu,
            monthly: round2(*m),
            share: if monthly > 0.0 {
                (m / monthly * 10_000.0).round() / 10_000.0
            } else {
                0.0
            },
        })
        .collect();
    let allocated: f64 = team_monthly.iter().sum();
    ClusterCost {
        cluster: cp.cluster.name.clone(),
        environment: cp.cluster.environment.clone(),
        currency: currency.to_string(),
        hours_per_month: hours,
        min_monthly: round2(
            pools.iter().map(|p| p.min_monthly).sum::<f64>() + control_plane_monthly,
        ),
        monthly: round2(monthly),
        expected_monthly: round2(
            pools.iter().map(|p| p.expected_monthly).sum::<f64>() + control_plane_monthly,
        ),
        max_monthly: round2(
            pools.iter().map(|p| p.max_monthly).sum::<f64>() + control_plane_monthly,
        ),
        unallocated_monthly: round2((monthly - allocated).max(0.0)),
        expected_utilization: utilization,
        control_plane_monthly,
        gpu_types: crate::plan::cost::gpu_prices(&cp.pools)
            .into_iter()
            .map(|g| GpuTypePrice {
                gpu_type: g.gpu_type,
                spot: g.spot,
                hourly: crate::plan::cost::price_string(g.hourly),
            })
            .collect(),
        pools,
        teams,
        unpriced,
        opencost: OpenCostPrices {
            cpu_hourly: cp.cost.cpu_hourly.clone(),
            ram_gib_hourly: cp.cost.ram_gib_hourly.clone(),
            gpu_hourly: cp.cost.gpu_hourly.clone(),
            spot_cpu_hourly: cp.cost.spot_cpu_hourly.clone(),
            spot_ram_gib_hourly: cp.cost.spot_ram_gib_hourly.clone(),
        },
    }
}

/// One revision's estimate, with how reports and messages name it.
pub struct EstimateAt {
    pub side: Side,
    pub label: String,
    pub estimate: Estimate,
}

/// The estimate of revision `rev` of the spec (the working tree when
/// `None`); `what` names the side (`base`, `head`). Policies shape no price:
/// the spec is planned without reading them, and nothing is rendered.
pub fn estimate_at(what: &str, rev: Option<&str>, spec: &Path) -> Result<EstimateAt> {
    let at = Revision::open(what, rev)?;
    let validated = crate::compile::load_validated(at.files(), spec).map_err(|e| {
        // The working tree's own errors need no label; its invalid spec
        // does, to be reported beside the other revision's.
        match (at.git(), e) {
            (None, e @ crate::error::Error::InvalidSpec(_)) | (Some(_), e) => at.context(e),
            (None, e) => e,
        }
    })?;
    let plan = crate::plan::plan(&validated, &[]);
    Ok(EstimateAt {
        side: at.side,
        label: at.label,
        estimate: estimate(&validated, &plan),
    })
}

/// The estimates of `head` (the working tree when `None`) and, when given,
/// `base`, side by side. The head's own failure comes first (the revision
/// asked about), then every invalid spec of both, the base's first.
pub fn estimate_both(
    base: Option<&str>,
    head: Option<&str>,
    spec: &Path,
) -> Result<(Option<EstimateAt>, EstimateAt)> {
    let (head, base) = rayon::join(
        || estimate_at("head", head, spec),
        || {
            base.map(|rev| estimate_at("base", Some(rev), spec))
                .transpose()
        },
    );
    match (base, head) {
        (_, Err(e)) if !matches!(e, crate::error::Error::InvalidSpec(_)) => Err(e),
        (base, head) => crate::error::both(base, head),
    }
}

/// Base versus head.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Delta {
    pub currency: String,
    pub base_monthly: f64,
    pub head_monthly: f64,
    pub delta_monthly: f64,
    pub base_min_monthly: f64,
    pub base_max_monthly: f64,
    pub head_min_monthly: f64,
    pub head_max_monthly: f64,
    /// Clusters whose estimate changed, by name.
    pub clusters: Vec<LineDelta>,
    /// Teams whose share changed, by name.
    pub teams: Vec<LineDelta>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LineDelta {
    pub name: String,
    pub base_monthly: f64,
    pub head_monthly: f64,
    pub delta_monthly: f64,
    /// Why a team's cost moved although its quotas did not (or did not move
    /// although they did); absent when the quota change explains it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The one pairing of a base and a head list: each head item with the base
/// item of the same key (in head order), then the base items the head no
/// longer has (in key order). The delta and the report's lines both use it.
pub fn pair<K: Ord, T>(
    base: Vec<T>,
    head: Vec<T>,
    key: impl Fn(&T) -> K,
) -> (Vec<(T, Option<T>)>, Vec<T>) {
    let mut base: BTreeMap<K, T> = base.into_iter().map(|t| (key(&t), t)).collect();
    let both = head
        .into_iter()
        .map(|h| {
            let b = base.remove(&key(&h));
            (h, b)
        })
        .collect();
    (both, base.into_values().collect())
}

fn line_deltas(base: Vec<(String, f64)>, head: Vec<(String, f64)>) -> Vec<LineDelta> {
    let (both, gone) = pair(base, head, |(name, _)| name.clone());
    let mut out: Vec<LineDelta> = both
        .into_iter()
        .map(|((name, h), b)| (name, b.map_or(0.0, |(_, b)| b), h))
        .chain(gone.into_iter().map(|(name, b)| (name, b, 0.0)))
        .map(|(name, b, h)| LineDelta {
            name,
            base_monthly: round2(b),
            head_monthly: round2(h),
            delta_monthly: round2(h - b),
            reason: None,
        })
        .filter(|d| d.delta_monthly != 0.0)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// A team's quotas on each cluster: (cluster, GPU, CPU cores).
fn quotas(e: &Estimate, team: &str) -> Vec<(String, u32, Option<String>)> {
    e.clusters
        .iter()
        .flat_map(|c| {
            c.teams.iter().filter(|t| t.team == team).map(|t| {
                (
                    c.cluster.clone(),
                    t.gpu_quota,
                    t.cpu_quota.map(|q| format!("{q}")),
                )
            })
        })
        .collect()
}

/// Pools of the clusters `team` is in whose node count changed: `cluster/pool a→b nodes`.
fn moved_pools(base: &Estimate, head: &Estimate, team: &str) -> Vec<String> {
    let mut out = Vec::new();
    for hc in head
        .clusters
        .iter()
        .filter(|c| c.teams.iter().any(|t| t.team == team))
    {
        let Some(bc) = base.clusters.iter().find(|c| c.cluster == hc.cluster) else {
            continue;
        };
        for hp in &hc.pools {
            let before = bc.pools.iter().find(|p| p.pool == hp.pool);
            match before {
                Some(bp) if bp.nodes == hp.nodes && bp.hourly_price == hp.hourly_price => {}
                Some(bp) => out.push(format!(
                    "{}/{} {}→{} nodes",
                    hc.cluster, hp.pool, bp.nodes, hp.nodes
                )),
                None => out.push(format!("{}/{} added", hc.cluster, hp.pool)),
            }
        }
    }
    out
}

/// Capped pools of the clusters `team` is in: `cluster/pool (needs n, max m)`.
fn capped_pools(head: &Estimate, team: &str) -> Vec<String> {
    head.clusters
        .iter()
        .filter(|c| c.teams.iter().any(|t| t.team == team))
        .flat_map(|c| {
            c.pools.iter().filter(|p| p.capped).map(move |p| {
                format!(
                    "{}/{} (quotas need {} nodes, max_nodes {})",
                    c.cluster, p.pool, p.needed_nodes, p.max_nodes
                )
            })
        })
        .collect()
}

/// Team lines of a delta: every team whose cost changed, and every team whose
/// quota changed; each with the reason when the two disagree (a team whose
/// quotas did not change pays more because another team's quota added a
/// node to a shared pool; a quota increase shows no cost in a capped pool).
fn team_deltas(base: &Estimate, head: &Estimate) -> Vec<LineDelta> {
    let mut names: Vec<String> = base
        .teams
        .iter()
        .chain(&head.teams)
        .map(|t| t.team.clone())
        .collect();
    names.sort();
    names.dedup();
    let total = |e: &Estimate, n: &str| {
        e.teams
            .iter()
            .find(|t| t.team == n)
            .map_or(0.0, |t| t.monthly)
    };
    let mut out = Vec::new();
    for name in names {
        let (b, h) = (total(base, &name), total(head, &name));
        let delta = round2(h - b);
        let quota_changed = quotas(base, &name) != quotas(head, &name);
        let reason = match (quota_changed, delta != 0.0) {
            (false, true) => {
                let moved = moved_pools(base, head, &name);
                Some(if moved.is_empty() {
                    "its quotas did not change; its share of the pools it uses did (another team's quota)".to_string()
                } else {
                    format!(
                        "its quotas did not change; pools it uses changed size ({}), so its share moved",
                        moved.join(", ")
                    )
                })
            }
            (true, false) => {
                let capped = capped_pools(head, &name);
                Some(if capped.is_empty() {
                    "its quotas changed within the nodes already counted (the pools' headroom or min_nodes)".to_string()
                } else {
                    format!(
                        "its quotas changed, but pools are capped at max_nodes: {}",
                        capped.join(", ")
                    )
                })
            }
            _ => None,
        };
        if delta != 0.0 || reason.is_some() {
            out.push(LineDelta {
                name,
                base_monthly: round2(b),
                head_monthly: round2(h),
                delta_monthly: delta,
                reason,
            });
        }
    }
    out
}

pub fn delta(base: &Estimate, head: &Estimate) -> Delta {
    let clusters = |e: &Estimate| -> Vec<(String, f64)> {
        e.clusters
            .iter()
            .map(|c| (c.cluster.clone(), c.monthly))
            .collect()
    };
    let mut cluster_lines = line_deltas(clusters(base), clusters(head));
    // A cluster whose quotas changed but whose cost did not: say why (a +2
    // GPU quota in a capped pool shows +0).
    for hc in &head.clusters {
        let Some(bc) = base.clusters.iter().find(|c| c.cluster == hc.cluster) else {
            continue;
        };
        let q = |c: &ClusterCost| -> Vec<(String, u32, Option<String>)> {
            c.teams
                .iter()
                .map(|t| {
                    (
                        t.team.clone(),
                        t.gpu_quota,
                        t.cpu_quota.map(|v| format!("{v}")),
                    )
                })
                .collect()
        };
        if q(bc) == q(hc) || round2(hc.monthly - bc.monthly) != 0.0 {
            continue;
        }
        let capped: Vec<String> = hc
            .pools
            .iter()
            .filter(|p| p.capped)
            .map(|p| {
                format!(
                    "{} (quotas need {} nodes, max_nodes {})",
                    p.pool, p.needed_nodes, p.max_nodes
                )
            })
            .collect();
        cluster_lines.push(LineDelta {
            name: hc.cluster.clone(),
            base_monthly: bc.monthly,
            head_monthly: hc.monthly,
            delta_monthly: 0.0,
            reason: Some(if capped.is_empty() {
                "quotas changed within the nodes already counted (headroom or min_nodes)".into()
            } else {
                format!(
                    "quotas changed, but pools are capped at max_nodes: {}",
                    capped.join(", ")
                )
            }),
        });
    }
    cluster_lines.sort_by(|a, b| a.name.cmp(&b.name));
    Delta {
        currency: head.currency.clone(),
        base_monthly: base.monthly,
        head_monthly: head.monthly,
        delta_monthly: round2(head.monthly - base.monthly),
        base_min_monthly: base.min_monthly,
        base_max_monthly: base.max_monthly,
        head_min_monthly: head.min_monthly,
        head_max_monthly: head.max_monthly,
        clusters: cluster_lines,
        teams: team_deltas(base, head),
    }
}

/// Cents; `-0.0` becomes `0.0`.
pub fn round2(v: f64) -> f64 {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// `12,345.67`.
pub fn money(v: f64) -> String {
    let v = round2(v);
    let s = format!("{:.2}", v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{frac}")
}

/// `+1,234.50`, `-12.00`, `±0.00`.
pub fn signed_money(v: f64) -> String {
    let v = round2(v);
    if v > 0.0 {
        format!("+{}", money(v))
    } else if v < 0.0 {
        money(v)
    } else {
        "±0.00".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(money(0.0), "0.00");
        assert_eq!(money(1234567.891), "1,234,567.89");
        assert_eq!(money(-999.5), "-999.50");
        assert_eq!(money(100.0), "100.00");
        assert_eq!(signed_money(12.0), "+12.00");
        assert_eq!(signed_money(-0.001), "±0.00");
        assert_eq!(signed_money(-1000.0), "-1,000.00");
    }
}

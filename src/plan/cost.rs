//! Prices: one source of truth for OpenCost's pricing in the compiled output
//! (its custom pricing defaults and the CSV price list of the cluster's node
//! pools) and for `mlpc cost` estimates; and the Prometheus OpenCost reads.

use crate::spec::model::Spec;

use serde::Serialize;

use super::labels::{CAPACITY_TYPE_LABEL, POOL_LABEL};
use super::pools::PoolCtx;

/// The Prometheus OpenCost queries: the prometheus-community chart, installed
/// as OpenCost's docs say (`prometheus-system`, release `prometheus`, no
/// alertmanager or pushgateway, plus a scrape job for OpenCost itself). Its
/// default scrape jobs cover what OpenCost needs: the kubelet's cAdvisor
/// (`kubernetes-nodes-cadvisor`), and kube-state-metrics and node-exporter
/// (its subcharts, scraped through `kubernetes-service-endpoints`).
pub const PROMETHEUS_REPO: &str = "https://prometheus-community.github.io/helm-charts";
pub const PROMETHEUS_CHART: &str = "prometheus";
pub const PROMETHEUS_VERSION: &str = "29.27.0";
pub const PROMETHEUS_NAMESPACE: &str = "prometheus-system";
/// The chart's server Service for release `prometheus` (port 80).
pub const PROMETHEUS_SERVICE: &str = "prometheus-server";
/// Where OpenCost runs (its chart's Service `opencost`, API port 9003).
pub const OPENCOST_NAMESPACE: &str = "opencost";
/// The ConfigMap holding the CSV price list, and where OpenCost reads it.
pub const PRICE_LIST_CONFIGMAP: &str = "mlpc-node-prices";
pub const PRICE_LIST_DIR: &str = "/var/lib/mlpc-prices";
pub const PRICE_LIST_FILE: &str = "node-prices.csv";
/// The node label every pool's nodes carry, which the price list keys on.
const POOL_FIELD: &str = POOL_LABEL;
/// The label (value `spot`) on spot pools' nodes: OpenCost's custom pricing
/// prices nodes the price list does not know with its spot unit prices.
pub const SPOT_LABEL: &str = CAPACITY_TYPE_LABEL;

#[derive(Clone, Debug, Serialize)]
pub struct PricingCtx {
    pub enabled: bool,
    pub currency: String,
    /// Hourly prices as OpenCost custom pricing wants them (decimal strings).
    pub cpu_hourly: String,
    pub ram_gib_hourly: String,
    pub gpu_hourly: String,
    pub spot_cpu_hourly: String,
    pub spot_ram_gib_hourly: String,
    pub storage_gib_hourly: String,
    /// OpenCost's CSV price list of the pools (`plan/cost.rs`), mounted from
    /// a ConfigMap of the cost layer.
    pub price_list_csv: String,
    pub price_list_configmap: String,
    pub price_list_dir: String,
    pub price_list_file: String,
    /// Node label (value `spot`) that marks spot nodes.
    pub spot_label: String,
    /// OpenCost's namespace.
    pub namespace: String,
    /// The Prometheus OpenCost reads.
    pub prometheus: PrometheusCtx,
}

#[derive(Clone, Debug, Serialize)]
pub struct PrometheusCtx {
    pub repo: String,
    pub chart: String,
    pub version: String,
    pub namespace: String,
    pub service: String,
}

/// OpenCost's default ratio of one vCPU-hour to one GiB-hour of RAM
/// (0.031611 / 0.004237): used to split a node's price into CPU and RAM.
const CPU_TO_RAM_RATIO: f64 = 7.46;

/// Per-unit hourly prices derived from the pools' node prices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitPrices {
    pub cpu: f64,
    pub ram_gib: f64,
    pub gpu: f64,
    pub spot_cpu: f64,
    pub spot_ram_gib: f64,
}

/// Split each CPU pool's node price into CPU and RAM with OpenCost's ratio,
/// weighted by the pool's max size; a GPU's price is what remains of a GPU
/// node's price after its CPU and RAM.
pub fn unit_prices(pools: &[PoolCtx]) -> UnitPrices {
    let split = |p: &PoolCtx| {
        let weight = CPU_TO_RAM_RATIO * f64::from(p.cpu) + f64::from(p.memory_gib);
        if weight <= 0.0 {
            return (0.0, 0.0);
        }
        let ram = p.hourly_price / weight;
        (ram * CPU_TO_RAM_RATIO, ram)
    };
    let avg = |spot: bool| {
        let cpu_pools: Vec<&PoolCtx> = pools
            .iter()
            .filter(|p| p.gpu.is_none() && p.spot == spot)
            .collect();
        let total: f64 = cpu_pools
            .iter()
            .map(|p| f64::from(p.max_nodes.max(1)))
            .sum();
        if total == 0.0 {
            return None;
        }
        let (c, r) = cpu_pools.iter().fold((0.0, 0.0), |(c, r), p| {
            let (pc, pr) = split(p);
            let w = f64::from(p.max_nodes.max(1));
            (c + pc * w, r + pr * w)
        });
        Some((c / total, r / total))
    };
    // OpenCost's published defaults when the spec has no CPU pool to derive from.
    let (cpu, ram) = avg(false).unwrap_or((0.031611, 0.004237));
    let (spot_cpu, spot_ram) = avg(true).unwrap_or((cpu, ram));
    let gpu_pools: Vec<&PoolCtx> = pools.iter().filter(|p| p.gpu.is_some()).collect();
    let mut gpu_total = 0.0;
    let mut gpu_count = 0.0;
    for p in gpu_pools {
        let g = f64::from(p.gpu.as_ref().map_or(0, |g| g.count));
        if g == 0.0 {
            continue;
        }
        let rest = p.hourly_price - f64::from(p.cpu) * cpu - f64::from(p.memory_gib) * ram;
        let w = f64::from(p.max_nodes.max(1));
        gpu_total += (rest / g).max(0.0) * w;
        gpu_count += w;
    }
    UnitPrices {
        cpu,
        ram_gib: ram,
        // A cluster without GPU pools has no GPU to price: 0, not a made-up default.
        gpu: if gpu_count > 0.0 {
            gpu_total / gpu_count
        } else {
            0.0
        },
        spot_cpu,
        spot_ram_gib: spot_ram,
    }
}

/// The hourly price of one GPU of a type, on-demand or spot.
#[derive(Clone, Debug, PartialEq)]
pub struct GpuPrice {
    pub gpu_type: String,
    pub spot: bool,
    pub hourly: f64,
}

/// The hourly price of one GPU per (GPU type, capacity type): what remains of
/// each GPU pool's node price after its CPU and RAM (at the cluster's
/// on-demand or spot unit prices, like the pool), per GPU, averaged over the
/// pools of that type and capacity weighted by max size. OpenCost gets the
/// same prices through its CSV price list ([`price_list`]); `mlpc cost`
/// reports them.
pub fn gpu_prices(pools: &[PoolCtx]) -> Vec<GpuPrice> {
    let u = unit_prices(pools);
    let mut by_type: std::collections::BTreeMap<(String, bool), (f64, f64)> =
        std::collections::BTreeMap::new();
    for p in pools {
        let Some(g) = p.gpu.as_ref().filter(|g| g.count > 0) else {
            continue;
        };
        let (cpu, ram) = if p.spot {
            (u.spot_cpu, u.spot_ram_gib)
        } else {
            (u.cpu, u.ram_gib)
        };
        let rest = p.hourly_price - f64::from(p.cpu) * cpu - f64::from(p.memory_gib) * ram;
        let w = f64::from(p.max_nodes.max(1));
        let e = by_type.entry((g.kind.clone(), p.spot)).or_default();
        e.0 += (rest / f64::from(g.count)).max(0.0) * w;
        e.1 += w;
    }
    by_type
        .into_iter()
        .map(|((gpu_type, spot), (total, w))| GpuPrice {
            gpu_type,
            spot,
            hourly: total / w,
        })
        .collect()
}

/// One row of OpenCost's CSV price list: a node price keyed by the pool
/// label (`node`), or the price of one GPU on the pool's nodes (`gpu`).
#[derive(Clone, Debug, PartialEq)]
pub struct PriceRow {
    pub pool: String,
    pub asset_class: &'static str,
    pub hourly: String,
}

/// OpenCost's CSV price list for the cluster's pools (read by its CSV
/// provider, `USE_CSV_PROVIDER`): per pool, a `node` row keyed on the node's
/// `mlpc.io/pool` label, and for GPU pools a `gpu` row with the price of one
/// GPU of its type and capacity ([`gpu_prices`]). Spot pools are priced at
/// their own (spot) price.
///
/// OpenCost's CSV provider prices a GPU node at `node row + GPUs x gpu row`
/// and reports the GPU row as the per-GPU cost; its cost model then splits
/// `that total - one GPU price` into CPU and RAM (`GetNodeCost`: "remove the
/// gpuPrice from the total"), one GPU price short for nodes with several. So
/// the node row is `pool price - (2n - 1) x gpu price`, which can be
/// negative: OpenCost then sees exactly the pool's price per node, `n` GPUs at
/// the GPU price and the rest as CPU and RAM (`tests/cost_cli.rs` replays this).
pub fn price_list(pools: &[PoolCtx]) -> Vec<PriceRow> {
    let gpu = gpu_prices(pools);
    let mut rows = Vec::new();
    for p in pools {
        let g = p.gpu.as_ref().filter(|g| g.count > 0).and_then(|g| {
            gpu.iter()
                .find(|x| x.gpu_type == g.kind && x.spot == p.spot)
                .map(|x| (g.count, rounded(x.hourly)))
        });
        let node = match g {
            Some((n, price)) => p.hourly_price - (2.0 * f64::from(n) - 1.0) * price,
            None => p.hourly_price,
        };
        rows.push(PriceRow {
            pool: p.name.clone(),
            asset_class: "node",
            hourly: price_string(node),
        });
        if let Some((_, price)) = g {
            rows.push(PriceRow {
                pool: p.name.clone(),
                asset_class: "gpu",
                hourly: price_string(price),
            });
        }
    }
    rows
}

/// The CSV text of [`price_list`], in the columns OpenCost's CSV provider
/// decodes (`EndTimestamp,InstanceID,Region,AssetClass,InstanceIDField,
/// InstanceType,MarketPriceHourly,Version`). It passes its own column list
/// to the decoder, so the file has no header row (one would be read as a
/// price); the first line is a comment (one field starting with `#`, which
/// the provider skips). Pool names are DNS labels: no quoting needed.
pub fn price_list_csv(pools: &[PoolCtx]) -> String {
    let mut out = String::from(
        "# Node pool prices per hour written by mlpc from ml-platform.toml (see plan/cost.rs)\n",
    );
    for r in price_list(pools) {
        let field = if r.asset_class == "node" {
            format!("metadata.labels.{POOL_FIELD}")
        } else {
            POOL_FIELD.to_string()
        };
        out.push_str(&format!(
            ",{},,{},{},,{},\n",
            r.pool, r.asset_class, field, r.hourly
        ));
    }
    out
}

fn rounded(v: f64) -> f64 {
    price_string(v).parse().unwrap_or(v)
}

/// Six significant decimals: stable text for the same inputs on every machine.
pub fn price_string(v: f64) -> String {
    // No "-0" for a value that rounds to zero.
    let v = if v.abs() < 5e-7 { 0.0 } else { v };
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

pub fn pricing(s: &Spec, pools: &[PoolCtx]) -> PricingCtx {
    let u = unit_prices(pools);
    PricingCtx {
        enabled: s.cost.enabled,
        currency: s.cost.currency.clone(),
        cpu_hourly: price_string(u.cpu),
        ram_gib_hourly: price_string(u.ram_gib),
        gpu_hourly: price_string(u.gpu),
        spot_cpu_hourly: price_string(u.spot_cpu),
        spot_ram_gib_hourly: price_string(u.spot_ram_gib),
        storage_gib_hourly: price_string(
            s.cost.storage_gib_month / s.cost.hours_per_month.max(1.0),
        ),
        price_list_csv: price_list_csv(pools),
        price_list_configmap: PRICE_LIST_CONFIGMAP.into(),
        price_list_dir: PRICE_LIST_DIR.into(),
        price_list_file: PRICE_LIST_FILE.into(),
        spot_label: SPOT_LABEL.into(),
        namespace: OPENCOST_NAMESPACE.into(),
        prometheus: PrometheusCtx {
            repo: PROMETHEUS_REPO.into(),
            chart: PROMETHEUS_CHART.into(),
            version: PROMETHEUS_VERSION.into(),
            namespace: PROMETHEUS_NAMESPACE.into(),
            service: PROMETHEUS_SERVICE.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_strings_are_stable() {
        assert_eq!(price_string(0.031611), "0.031611");
        assert_eq!(price_string(2.0), "2");
        assert_eq!(price_string(0.0), "0");
    }
}

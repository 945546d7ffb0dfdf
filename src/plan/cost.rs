//! Prices: one source of truth for OpenCost's custom pricing in the compiled
//! output and for `mlpc cost` estimates.

use crate::spec::model::Spec;

use super::{PoolCtx, PricingCtx};

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

/// The hourly price of one GPU per GPU type: what remains of each GPU
/// pool's node price after its CPU and RAM (at the cluster's unit prices),
/// per GPU, averaged over the type's pools weighted by max size. OpenCost's
/// custom pricing has one GPU price per cluster (its custom provider keys
/// every GPU node to `default,gpu`), so it gets the blend of these
/// ([`unit_prices`]); `mlpc cost` reports them per type.
pub fn gpu_type_prices(pools: &[PoolCtx]) -> Vec<(String, f64)> {
    let u = unit_prices(pools);
    let mut by_type: std::collections::BTreeMap<String, (f64, f64)> =
        std::collections::BTreeMap::new();
    for p in pools {
        let Some(g) = p.gpu.as_ref().filter(|g| g.count > 0) else {
            continue;
        };
        let rest = p.hourly_price - f64::from(p.cpu) * u.cpu - f64::from(p.memory_gib) * u.ram_gib;
        let w = f64::from(p.max_nodes.max(1));
        let e = by_type.entry(g.kind.clone()).or_default();
        e.0 += (rest / f64::from(g.count)).max(0.0) * w;
        e.1 += w;
    }
    by_type
        .into_iter()
        .map(|(k, (total, w))| (k, total / w))
        .collect()
}

/// Six significant decimals: stable text for the same inputs on every machine.
pub fn price_string(v: f64) -> String {
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

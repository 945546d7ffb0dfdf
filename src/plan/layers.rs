//! Layers: the order a workload cluster is built in. Each layer is a blueprint
//! folder, an output directory `<NN>-<layer>` and an Argo CD sync wave for its
//! component installs and one for its own objects.

use serde::Serialize;

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

#[derive(Clone, Debug, Serialize)]
pub struct LayerCtx {
    pub name: String,
    pub dir: String,
    pub index: usize,
    /// Sync wave of the layer's component installs (Helm charts, upstream manifests).
    pub install_wave: usize,
    /// Sync wave of the Application that syncs the layer's own objects.
    pub sync_wave: usize,
}

/// The bootstrap layer (`00-bootstrap`): what a new cluster needs before
/// anything else runs on it.
pub fn bootstrap() -> LayerCtx {
    LayerCtx {
        name: "bootstrap".into(),
        dir: "00-bootstrap".into(),
        index: 0,
        install_wave: 1,
        sync_wave: 1,
    }
}

/// The layers after bootstrap, in order: installs at wave 10 × index, objects
/// five waves later (tenancy's and cost's before).
pub fn plan() -> Vec<LayerCtx> {
    LAYERS
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let index = i + 1;
            let install_wave = index * 10;
            let sync_wave = match *l {
                // Every other layer puts objects into team namespaces, so the
                // tenancy objects (Namespaces first) sync before any of them.
                "tenancy" => 2,
                // Cost objects (OpenCost's price list and namespace) come
                // before the OpenCost install that mounts them.
                "cost" => install_wave - 2,
                _ => install_wave + 5,
            };
            LayerCtx {
                name: l.to_string(),
                dir: format!("{index:02}-{l}"),
                index,
                install_wave,
                sync_wave,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_in_order_with_their_waves() {
        let waves: Vec<(String, usize, usize)> = std::iter::once(bootstrap())
            .chain(plan())
            .map(|l| (l.dir, l.install_wave, l.sync_wave))
            .collect();
        let want = [
            ("00-bootstrap", 1, 1),
            ("01-mesh", 10, 15),
            ("02-pipelines", 20, 25),
            ("03-training", 30, 35),
            ("04-tuning", 40, 45),
            ("05-serving", 50, 55),
            ("06-tenancy", 60, 2),
            ("07-policy", 70, 75),
            ("08-cost", 80, 78),
        ];
        let want: Vec<(String, usize, usize)> = want
            .iter()
            .map(|(d, i, s)| (d.to_string(), *i, *s))
            .collect();
        assert_eq!(waves, want);
    }
}

//! Emit: rendered objects become the output tree: canonical YAML, one object
//! per file, a kustomization per directory, labels on every object, and
//! `mlpc.lock`. Writing to disk (atomic) and `--check` are in `write`.

pub mod layout;
pub mod lock;
pub mod templates;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::yaml;

pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "mlpc");
pub const PLATFORM_LABEL: &str = "mlpc.io/platform";
pub const CLUSTER_LABEL: &str = "mlpc.io/cluster";
pub const LAYER_LABEL: &str = "mlpc.io/layer";

/// An object placed in the output tree.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Path relative to the output root, `/`-separated.
    pub path: String,
    pub object: Value,
    /// The cluster it belongs to (`fleet` for platform-wide objects).
    pub cluster: String,
    pub layer: String,
    pub template: String,
}

/// The complete output: every file's bytes by relative path.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub files: BTreeMap<String, Vec<u8>>,
    pub objects: Vec<Placed>,
}

pub fn add_labels(obj: &mut Value, platform: &str, cluster: &str, layer: &str) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let labels = meta.entry("labels").or_insert_with(|| json!({}));
    if !labels.is_object() {
        *labels = json!({});
    }
    if let Some(l) = labels.as_object_mut() {
        l.insert(MANAGED_BY.0.into(), MANAGED_BY.1.into());
        l.insert(PLATFORM_LABEL.into(), platform.into());
        l.insert(CLUSTER_LABEL.into(), cluster.into());
        l.insert(LAYER_LABEL.into(), layer.into());
    }
}

impl Tree {
    /// Add an object under `dir`; two objects may not share a file, and no
    /// Secret with data is ever written (credentials are only referenced).
    pub fn place(&mut self, dir: &str, mut p: Placed) -> Result<()> {
        if p.object.get("kind").and_then(Value::as_str) == Some("Secret")
            && layout::api_group(&p.object).is_empty()
            && ["data", "stringData"].iter().any(|k| {
                p.object
                    .get(*k)
                    .is_some_and(|d| d.as_object().is_none_or(|m| !m.is_empty()))
            })
        {
            return Err(Error::Blueprint {
                template: p.template.clone(),
                message: "renders a Secret with data; mlpc never writes credentials to Git (use an ExternalSecret)".into(),
            });
        }
        let name = layout::file_name(&p.object).map_err(|m| Error::Blueprint {
            template: p.template.clone(),
            message: m,
        })?;
        let path = format!("{dir}/{name}");
        if self.files.contains_key(&path) {
            let prev = self
                .objects
                .iter()
                .find(|o| o.path == path)
                .map(|o| o.template.clone())
                .unwrap_or_default();
            return Err(Error::Blueprint {
                template: p.template.clone(),
                message: format!(
                    "produces {path}, which {prev} also produces (same kind, namespace and name)"
                ),
            });
        }
        self.files
            .insert(path.clone(), yaml::to_yaml(&p.object).into_bytes());
        p.path = path;
        self.objects.push(p);
        Ok(())
    }

    pub fn add_kustomizations(&mut self) {
        add_kustomizations(&mut self.files);
    }
}

/// A `kustomization.yaml` in every directory that holds objects, and one per
/// cluster listing its layers; existing ones are regenerated.
pub fn add_kustomizations(files: &mut BTreeMap<String, Vec<u8>>) {
    files.retain(|k, _| !(k == "kustomization.yaml" || k.ends_with("/kustomization.yaml")));
    {
        let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for path in files.keys() {
            if let Some((dir, file)) = path.rsplit_once('/') {
                dirs.entry(dir.to_string())
                    .or_default()
                    .insert(file.to_string());
            }
        }
        let mut cluster_layers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for dir in dirs.keys() {
            if let Some((cluster, layer)) = layout::split_layer_dir(dir) {
                cluster_layers
                    .entry(layout::cluster_dir(cluster))
                    .or_default()
                    .insert(layer.to_string());
            }
        }
        for (dir, names) in dirs {
            if dir == layout::CLUSTERS || names.iter().all(|n| !n.ends_with(".yaml")) {
                continue;
            }
            files.insert(format!("{dir}/kustomization.yaml"), kustomization(names));
        }
        for (dir, layers) in cluster_layers {
            files.insert(format!("{dir}/kustomization.yaml"), kustomization(layers));
        }
    }
}

fn kustomization(resources: BTreeSet<String>) -> Vec<u8> {
    let v = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources.into_iter().collect::<Vec<_>>(),
    });
    let mut text = String::from(
        "# Generated by mlpc. Do not edit: change ml-platform.toml and run `mlpc compile`.\n",
    );
    text.push_str(&yaml::to_yaml(&v));
    text.into_bytes()
}

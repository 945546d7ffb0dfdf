//! Tiny in-memory specs for the planners' unit tests.

use crate::spec::model::{Cluster, Spec};

const BASE: &str = r#"
[platform]
name = "p"
domain = "ml.example"
kubernetes_version = "v1.34.1"

[gitops]
repo_url = "https://git.example/p.git"

[[clusters]]
name = "c1"
environment = "dev"
provider = "aws"
region = "us-east-1"
server = "https://c1.example:6443"

[[clusters]]
name = "c2"
environment = "dev"
provider = "gke"
region = "europe-west4"
gcp = { project = "proj" }
"#;

/// The base spec (clusters `c1` on AWS and `c2` on GKE) with `extra` TOML appended.
pub fn spec(extra: &str) -> Spec {
    match toml::from_str(&format!("{BASE}\n{extra}")) {
        Ok(s) => s,
        Err(e) => panic!("test spec does not parse: {e}"),
    }
}

/// A cluster of the spec by name.
pub fn cluster<'a>(s: &'a Spec, name: &str) -> &'a Cluster {
    match s.clusters.iter().find(|c| c.name == name) {
        Some(c) => c,
        None => panic!("no cluster {name}"),
    }
}

/// A CPU pool and two GPU pools (8 × 2 and 4 × 4 GPUs), the second only on `c1`.
pub const POOLS: &str = r#"
[[node_pools]]
name = "cpu"
instance_type = "m6i.4xlarge"
cpu = 16
memory_gib = 64
max_nodes = 10
hourly_price = 1.0

[[node_pools]]
name = "a100"
instance_type = "p4d.24xlarge"
gpu = { type = "nvidia-a100", count = 8 }
cpu = 96
memory_gib = 1152
max_nodes = 2
hourly_price = 30.0

[[node_pools]]
name = "l4"
instance_type = "g6.12xlarge"
gpu = { type = "nvidia-l4", count = 4 }
cpu = 48
memory_gib = 192
max_nodes = 4
hourly_price = 4.0
clusters = ["c1"]
"#;

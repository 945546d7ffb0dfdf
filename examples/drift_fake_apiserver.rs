//! Fake API servers for `mlpc drift`, one per cluster of a spec, seeded with
//! its compile (for the benchmark and for trying drift by hand).
//!
//! ```sh
//! cargo run --example drift_fake_apiserver -- --spec ml-platform.toml \
//!     --kubeconfig /tmp/kc --drift 3 --orphans 2 --noise 1000 &
//! mlpc drift --kubeconfig /tmp/kc
//! ```
//!
//! `--drift N` changes N ResourceQuotas per cluster, `--orphans N` adds N
//! labelled ConfigMaps nothing compiles, `--noise N` adds N unlabelled
//! ConfigMaps (filtered out by the label selector). Prints `ready` and the
//! live object count on stdout, then serves until killed.

#[path = "../tests/suite/support/fake_apiserver.rs"]
mod fake_apiserver;

use std::path::PathBuf;

use fake_apiserver::{FakeApiServer, compile_spec, write_kubeconfig};
use serde_json::json;

fn main() {
    let mut spec = PathBuf::from("ml-platform.toml");
    let mut kubeconfig = PathBuf::from("kubeconfig");
    let mut blueprints: Option<PathBuf> = None;
    let (mut drift, mut orphans, mut noise) = (0usize, 0usize, 0usize);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--spec" => spec = value().into(),
            "--kubeconfig" => kubeconfig = value().into(),
            "--blueprints" => blueprints = Some(value().into()),
            "--drift" => drift = value().parse().expect("--drift N"),
            "--orphans" => orphans = value().parse().expect("--orphans N"),
            "--noise" => noise = value().parse().expect("--noise N"),
            other => panic!("unknown argument {other}"),
        }
    }
    let compiled = compile_spec(&spec, blueprints.as_deref());
    let mut servers = Vec::new();
    let mut contexts = Vec::new();
    let mut total = 0;
    for (cluster, objects) in &compiled.objects {
        let server = FakeApiServer::start();
        server.seed(objects);
        {
            let mut s = server.state();
            let quotas: Vec<(String, String)> = objects
                .iter()
                .filter(|o| o["kind"] == "ResourceQuota")
                .take(drift)
                .map(|o| {
                    (
                        o["metadata"]["namespace"].as_str().unwrap().to_string(),
                        o["metadata"]["name"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            for (ns, name) in quotas {
                s.update("ResourceQuota", Some(&ns), &name, |o| {
                    o["spec"]["hard"]["requests.cpu"] = json!("1");
                });
            }
            let labels = json!({
                "app.kubernetes.io/managed-by": "mlpc",
                "mlpc.io/platform": compiled.platform,
            });
            for i in 0..orphans {
                s.put_raw(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("orphan-{i}"), "namespace": "kubeflow",
                        "labels": labels, "uid": format!("orphan-{i}"), "resourceVersion": "1"},
                    "data": {"k": "v"}}));
            }
            for i in 0..noise {
                s.put_raw(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("noise-{i}"), "namespace": "default",
                        "labels": {"app": "other"}, "uid": format!("noise-{i}"), "resourceVersion": "1"},
                    "data": {"k": "v"}}));
            }
            total += s.object_count();
        }
        contexts.push((compiled.contexts[cluster].clone(), server.url()));
        servers.push(server);
    }
    let refs: Vec<(&str, &str)> = contexts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_kubeconfig(&kubeconfig, &refs);
    println!("ready {total} live objects on {} servers", servers.len());
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

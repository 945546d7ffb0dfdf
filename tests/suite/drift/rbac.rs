//! The ClusterRole `mlpc compile` emits for drift: read verbs only, no
//! Secrets, every resource type the compile puts on a workload cluster, and
//! enough for a whole `mlpc drift` run against a server that enforces it.

use std::collections::BTreeSet;

use crate::support::drift_harness::*;
use crate::support::fake_apiserver::{self, known_type};
use serde_json::{Value, json};

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("the compile has no {kind} {name}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// `(group, resource)` pairs the role lets drift get and list.
fn readable(role: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for rule in role["rules"].as_array().unwrap() {
        if rule.get("nonResourceURLs").is_some() {
            continue;
        }
        let verbs = strings(&rule["verbs"]);
        if !(verbs.contains(&"get".to_string()) && verbs.contains(&"list".to_string())) {
            continue;
        }
        for g in strings(&rule["apiGroups"]) {
            for r in strings(&rule["resources"]) {
                out.insert((g.clone(), r));
            }
        }
    }
    out
}

#[test]
fn every_cluster_gets_a_read_only_role_covering_what_it_compiles() {
    let compiled = fake_apiserver::compile_spec(&repo().join("ml-platform.toml"), None);
    for (cluster, objects) in &compiled.objects {
        let sa = find(objects, "ServiceAccount", "mlpc-drift");
        assert_eq!(sa["metadata"]["namespace"], "kube-system");
        let role = find(objects, "ClusterRole", "mlpc-drift-reader");
        let binding = find(objects, "ClusterRoleBinding", "mlpc-drift-reader");
        assert_eq!(
            binding["roleRef"],
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "mlpc-drift-reader"})
        );
        assert_eq!(
            binding["subjects"],
            json!([{"kind": "ServiceAccount", "name": "mlpc-drift", "namespace": "kube-system"}])
        );
        for rule in role["rules"].as_array().unwrap() {
            let verbs = strings(&rule["verbs"]);
            if rule.get("nonResourceURLs").is_some() {
                assert_eq!(verbs, ["get"], "{rule}");
                assert_eq!(
                    strings(&rule["nonResourceURLs"]),
                    ["/api", "/api/*", "/apis", "/apis/*"]
                );
                continue;
            }
            assert_eq!(verbs, ["get", "list"], "read verbs only: {rule}");
            for field in ["apiGroups", "resources"] {
                for v in strings(&rule[field]) {
                    assert_ne!(v, "*", "no wildcards: {rule}");
                    assert_ne!(v, "secrets", "drift never reads Secrets: {rule}");
                }
            }
        }
        let readable = readable(role);
        for o in objects {
            let api_version = o["apiVersion"].as_str().unwrap();
            let kind = o["kind"].as_str().unwrap();
            let t = known_type(api_version, kind)
                .unwrap_or_else(|| panic!("add {api_version} {kind} to the fake server's table"));
            assert!(
                readable.contains(&(t.group.clone(), t.plural.clone())),
                "{cluster}: the drift ClusterRole does not cover {}/{} ({kind})",
                t.group,
                t.plural
            );
        }
    }
}

#[test]
fn the_role_is_enough_for_a_whole_drift_run() {
    let fleet = Fleet::example();
    for (cluster, server) in &fleet.servers {
        let role = find(fleet.desired(cluster), "ClusterRole", "mlpc-drift-reader");
        server.state().allowed = Some(readable(role));
    }
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    for c in report["clusters"].as_array().unwrap() {
        assert_eq!(c["errors"], json!([]), "{c:#}");
    }
    // And the enforcement is real: without the Kueue rule, Kueue is forbidden.
    let stg = fleet.server("stg-use1");
    stg.state()
        .allowed
        .as_mut()
        .unwrap()
        .retain(|(g, _)| g != "kueue.x-k8s.io");
    let (_, report) = fleet.drift_json(&["--cluster", "stg-use1"]);
    let errors = report["clusters"][0]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| e["reason"] == "forbidden"));
}

//! `mlpc drift` through the real binary against fake API servers seeded with
//! the compiled example: in sync, then each kind of injected difference or
//! fault, asserting the report holds exactly what was injected.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::support::drift_harness::*;
use crate::support::fake_apiserver::closed_port;
use serde_json::{Value, json};

const STG: &str = "stg-use1";
const PROD: &str = "prod-usw2";
const SELECTOR: &str = "app.kubernetes.io/managed-by=mlpc,mlpc.io/platform=acme-ml";

fn t(c: &str, k: &str, ns: &str, n: &str, s: &str) -> (String, String, String, String, String) {
    (c.into(), k.into(), ns.into(), n.into(), s.into())
}

fn distinct_types(objects: &[Value]) -> BTreeSet<(String, String)> {
    objects
        .iter()
        .map(|o| {
            (
                o["apiVersion"].as_str().unwrap().to_string(),
                o["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn in_sync_platform_reports_every_object_in_sync_with_only_get_requests() {
    let fleet = Fleet::example();
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(not_in_sync(&report), vec![]);
    for (name, server) in &fleet.servers {
        let c = cluster(&report, name);
        assert_eq!(c["error"], Value::Null);
        assert_eq!(c["errors"], json!([]));
        assert_eq!(c["server"], json!(server.url()));
        let desired = fleet.desired(name);
        assert_eq!(
            c["objects"].as_array().unwrap().len(),
            desired.len(),
            "one entry per compiled object"
        );
        assert_eq!(c["summary"]["in_sync"], json!(desired.len()));
        // The RBAC objects drift needs are part of the compile.
        let o = object(&report, name, "ClusterRole", "mlpc-drift-reader");
        assert_eq!(o["status"], "in_sync");
        assert_eq!(o["namespace"], Value::Null);
        assert_eq!(o["apiVersion"], "rbac.authorization.k8s.io/v1");

        let reqs = server.requests();
        assert!(
            reqs.iter().all(|r| r.method == "GET"),
            "only GET: {:?}",
            reqs.iter().map(|r| &r.method).collect::<Vec<_>>()
        );
        // Discovery once: /api, /apis, one document per group version.
        let count = |p: &str| reqs.iter().filter(|r| r.path() == p).count();
        assert_eq!(count("/api"), 1);
        assert_eq!(count("/apis"), 1);
        assert_eq!(count("/api/v1"), 1);
        assert_eq!(count("/apis/kueue.x-k8s.io/v1beta2"), 1);
        // One LIST per resource type, by label selector, paginated; no GET
        // of single objects.
        let lists: Vec<_> = reqs
            .iter()
            .filter(|r| r.query().contains_key("labelSelector"))
            .collect();
        assert_eq!(lists.len(), distinct_types(desired).len(), "{lists:?}");
        for l in &lists {
            assert_eq!(l.query()["labelSelector"], SELECTOR);
            assert_eq!(l.query()["limit"], "500");
            assert!(
                !l.path().contains("/namespaces/"),
                "all namespaces: {}",
                l.path()
            );
        }
        let discovery = 2 + reqs
            .iter()
            .filter(|r| {
                let p = r.path();
                (p.starts_with("/apis/") && p.matches('/').count() == 3)
                    || (p.starts_with("/api/") && p.matches('/').count() == 2)
            })
            .count();
        assert_eq!(reqs.len(), discovery + lists.len(), "no other requests");
    }
    // Gatekeeper constraints are reached through discovery (their plural is
    // the lowercased kind), not a guessed `...s`.
    let reqs = fleet.server(STG).requests();
    assert!(
        reqs.iter()
            .any(|r| r.path() == "/apis/constraints.gatekeeper.sh/v1beta1/k8sallowedrepos")
    );
}

/// Semantically equal values and server additions are not drift.
fn make_equivalent_changes(fleet: &Fleet) {
    let mut s = fleet.server(PROD).state();
    s.update("ResourceQuota", Some("recsys"), "recsys-quota", |o| {
        // 256Gi + 100 pods' Istio proxies (128Mi each) = 274944Mi.
        o["spec"]["hard"]["requests.memory"] = json!("288299679744");
        o["spec"]["hard"]["requests.cpu"] = json!("74000m");
        o["spec"]["hard"]["pods"] = json!("1e2");
    });
    s.update("LimitRange", Some("vision"), "vision-defaults", |o| {
        o["spec"]["limits"][0]["default"]["cpu"] = json!("1000m");
        o["spec"]["limits"][0]["default"]["memory"] = json!("2147483648");
        o["spec"]["limits"][0]["defaultRequest"]["cpu"] = json!("0.25");
    });
    s.update(
        "NetworkPolicy",
        Some("nlp"),
        "allow-team-and-platform",
        |o| {
            // int-or-string: the same port as a string; a defaulted field.
            o["spec"]["egress"][2]["ports"][0]["port"] = json!("53");
            o["spec"]["egress"][1]["ports"][0]["endPort"] = Value::Null;
        },
    );
    // Empty map vs absent.
    s.update("ResourceFlavor", None, "default-flavor", |o| {
        o.as_object_mut().unwrap().remove("spec");
    });
    // Labels and annotations another controller adds.
    s.update("Namespace", None, "vision", |o| {
        o["metadata"]["labels"]["topology.istio.io/network"] = json!("net1");
        o["metadata"]["annotations"]["openshift.io/sa.scc.mcs"] = json!("s0:c1");
    });
}

#[test]
fn semantically_equal_values_are_in_sync() {
    let fleet = Fleet::example();
    make_equivalent_changes(&fleet);
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(not_in_sync(&report), vec![]);
}

#[test]
fn reports_exactly_the_injected_differences() {
    let fleet = Fleet::example();
    make_equivalent_changes(&fleet);
    {
        let mut s = fleet.server(STG).state();
        // A quota changed by hand.
        s.update("ResourceQuota", Some("vision"), "vision-quota", |o| {
            o["spec"]["hard"]["requests.cpu"] = json!("96");
            o["spec"]["hard"].as_object_mut().unwrap().remove("pods");
        });
        // An orphan: labelled by mlpc, no longer compiled.
        let mut orphan = s
            .objects
            .values()
            .flat_map(|m| m.values())
            .find(|o| {
                o.pointer("/metadata/name") == Some(&json!("recsys-quota"))
                    && o.pointer("/metadata/namespace") == Some(&json!("recsys"))
            })
            .unwrap()
            .clone();
        orphan["metadata"]["name"] = json!("old-team-quota");
        s.put_raw(orphan.clone());
        // A copy a controller made, labels included: not an orphan.
        let mut owned = orphan;
        owned["metadata"]["name"] = json!("owned-copy");
        owned["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "Namespace", "name": "recsys", "uid": "1", "controller": true}]);
        s.put_raw(owned);
        // An object labelled for another platform is none of our business.
        let mut other = s
            .objects
            .values()
            .flat_map(|m| m.values())
            .find(|o| o.pointer("/metadata/name") == Some(&json!("vision-quota")))
            .unwrap()
            .clone();
        other["metadata"]["name"] = json!("other-platform");
        other["metadata"]["labels"]["mlpc.io/platform"] = json!("other");
        s.put_raw(other);
    }
    {
        let mut s = fleet.server(PROD).state();
        // An InferenceService deleted.
        s.delete("InferenceService", Some("nlp"), "support-llm");
        // A model's replica bounds changed.
        s.update("InferenceService", Some("recsys"), "recs-ranker", |o| {
            o["spec"]["predictor"]["minReplicas"] = json!(1);
        });
    }
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        not_in_sync(&report),
        vec![
            t(PROD, "InferenceService", "nlp", "support-llm", "missing"),
            t(PROD, "InferenceService", "recsys", "recs-ranker", "drifted"),
            t(STG, "ResourceQuota", "recsys", "old-team-quota", "orphaned"),
            t(STG, "ResourceQuota", "vision", "vision-quota", "drifted"),
        ]
    );
    let quota = object(&report, STG, "ResourceQuota", "vision-quota");
    assert_eq!(
        quota["fields"],
        json!([
            {"path": "/spec/hard/pods", "desired": "100", "live": null},
            {"path": "/spec/hard/requests.cpu", "desired": "74", "live": "96"},
        ])
    );
    let ranker = object(&report, PROD, "InferenceService", "recs-ranker");
    assert_eq!(
        ranker["fields"],
        json!([{"path": "/spec/predictor/minReplicas", "desired": 3, "live": 1}])
    );
    let missing = object(&report, PROD, "InferenceService", "support-llm");
    assert_eq!(missing["apiVersion"], "serving.kserve.io/v1beta1");
    assert_eq!(missing["fields"], json!([]));
    let orphan = object(&report, STG, "ResourceQuota", "old-team-quota");
    assert_eq!(orphan["apiVersion"], "v1");
    let s = &report["summary"];
    assert_eq!(
        (
            s["drifted"].clone(),
            s["missing"].clone(),
            s["orphaned"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    // The missing object was confirmed with one GET; still nothing but GET.
    let prod_reqs = fleet.server(PROD).requests();
    assert!(prod_reqs.iter().all(|r| r.method == "GET"));
    assert_eq!(
        prod_reqs
            .iter()
            .filter(|r| r.path()
                == "/apis/serving.kserve.io/v1beta1/namespaces/nlp/inferenceservices/support-llm")
            .count(),
        1
    );
}

#[test]
fn human_and_markdown_reports_show_field_diffs() {
    let fleet = Fleet::example();
    fleet
        .server(STG)
        .state()
        .update("ResourceQuota", Some("vision"), "vision-quota", |o| {
            o["spec"]["hard"]["requests.cpu"] = json!("96");
        });
    fleet
        .server(PROD)
        .state()
        .delete("InferenceService", Some("nlp"), "support-llm");
    let human = fleet.drift(&[]);
    assert_eq!(human.code, 1, "{}{}", human.stdout, human.stderr);
    let out = &human.stdout;
    for want in [
        "stg-use1 (context stg-use1-admin, http://127.0.0.1:",
        "drifted   ResourceQuota vision/vision-quota v1",
        "/spec/hard/requests.cpu",
        "desired: \"74\"",
        "live:    \"96\"",
        "missing   InferenceService nlp/support-llm serving.kserve.io/v1beta1",
        "drift: 2 cluster(s):",
    ] {
        assert!(out.contains(want), "{want:?} not in:\n{out}");
    }
    // Clusters are grouped: stg first (spec order), then prod.
    assert!(out.find("stg-use1 (").unwrap() < out.find("prod-usw2 (").unwrap());
    assert!(
        !out.contains("in_sync"),
        "in-sync objects are only counted:\n{out}"
    );

    let md = fleet.drift(&["--format", "markdown"]);
    assert_eq!(md.code, 1);
    for want in [
        "# Drift: acme-ml",
        "| Cluster | In sync | Drifted | Missing | Orphaned | Not checked |",
        "## stg-use1",
        "| drifted | ResourceQuota vision/vision-quota (v1) | `/spec/hard/requests.cpu` | `\"74\"` | `\"96\"` |",
        "| missing | InferenceService nlp/support-llm (serving.kserve.io/v1beta1) | | | |",
    ] {
        assert!(md.stdout.contains(want), "{want:?} not in:\n{}", md.stdout);
    }
}

#[test]
fn forbidden_group_is_reported_and_the_rest_still_checked() {
    let fleet = Fleet::example();
    fleet
        .server(STG)
        .state()
        .forbidden
        .insert(("kueue.x-k8s.io".into(), "*".into()));
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(
        code, 1,
        "part of the platform could not be checked: {report:#}"
    );
    let c = cluster(&report, STG);
    assert_eq!(c["error"], Value::Null);
    let errors = c["errors"].as_array().unwrap();
    let kinds: Vec<&str> = errors.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ClusterQueue", "LocalQueue", "ResourceFlavor"]);
    for e in errors {
        assert_eq!(e["reason"], "forbidden");
        assert!(e["message"].as_str().unwrap().contains("forbidden"), "{e}");
    }
    let kueue_objects = fleet
        .desired(STG)
        .iter()
        .filter(|o| o["apiVersion"] == "kueue.x-k8s.io/v1beta2")
        .count();
    assert_eq!(c["summary"]["unchecked"], json!(kueue_objects));
    assert_eq!(
        c["summary"]["in_sync"],
        json!(fleet.desired(STG).len() - kueue_objects)
    );
    assert_eq!(not_in_sync(&report), vec![]);
    assert_eq!(cluster(&report, PROD)["errors"], json!([]));
}

#[test]
fn crd_not_installed_is_reported_per_type() {
    let fleet = Fleet::example();
    fleet
        .server(PROD)
        .state()
        .uninstall("constraints.gatekeeper.sh/v1beta1");
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let errors = cluster(&report, PROD)["errors"].as_array().unwrap().clone();
    // One per constraint kind the platform's policies compile to.
    let kinds = std::fs::read_dir(repo().join("policies"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "rego")
        })
        .count();
    assert_eq!(errors.len(), kinds, "{errors:#?}");
    for e in &errors {
        assert_eq!(e["reason"], "not_installed");
        assert_eq!(e["apiVersion"], "constraints.gatekeeper.sh/v1beta1");
        assert_eq!(e["objects"], 1);
    }
    // Not reported as missing objects.
    assert_eq!(not_in_sync(&report), vec![]);
    assert_eq!(cluster(&report, STG)["errors"], json!([]));
}

#[test]
fn unreachable_cluster_is_reported_and_the_others_checked() {
    let fleet = Fleet::example();
    fleet.write_kubeconfig(&[(PROD, format!("http://127.0.0.1:{}", closed_port()))]);
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    let prod = cluster(&report, PROD);
    let err = prod["error"].as_str().unwrap();
    assert!(err.contains("unreachable"), "{err}");
    assert_eq!(prod["objects"], json!([]));
    assert_eq!(
        prod["summary"]["unchecked"],
        json!(fleet.desired(PROD).len())
    );
    let stg = cluster(&report, STG);
    assert_eq!(stg["error"], Value::Null);
    assert_eq!(stg["summary"]["in_sync"], json!(fleet.desired(STG).len()));
}

#[test]
fn nothing_checked_exits_2_with_the_report() {
    let fleet = Fleet::example();
    fleet.write_kubeconfig(&[
        (PROD, format!("http://127.0.0.1:{}", closed_port())),
        (STG, String::new()), // no context for stg at all
    ]);
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 2, "{report:#}");
    assert!(
        cluster(&report, STG)["error"]
            .as_str()
            .unwrap()
            .contains("no context \"stg-use1-admin\""),
        "{report:#}"
    );
    assert!(
        cluster(&report, PROD)["error"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );
    let human = fleet.drift(&[]);
    assert_eq!(human.code, 2);
    assert!(
        human.stdout.contains("error: unreachable"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_cluster_that_does_not_answer_times_out() {
    let fleet = Fleet::example();
    fleet.server(PROD).state().hang = true;
    let start = Instant::now();
    let (code, report) = fleet.drift_json(&["--timeout", "1"]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(code, 1, "{report:#}");
    let err = cluster(&report, PROD)["error"].as_str().unwrap();
    assert!(err.contains("no answer within 1s"), "{err}");
    assert_eq!(
        cluster(&report, STG)["summary"]["in_sync"],
        json!(fleet.desired(STG).len())
    );
}

#[test]
fn timeout_comes_from_the_spec() {
    let (_dir, spec) =
        example_spec_copy(|t| t.replace("timeout_seconds = 20", "timeout_seconds = 1"));
    let fleet = Fleet::new(&spec, None);
    fleet.server(STG).state().hang = true;
    let start = Instant::now();
    let (_, report) = fleet.drift_json(&[]);
    assert!(start.elapsed() < Duration::from_secs(15));
    assert!(
        cluster(&report, STG)["error"]
            .as_str()
            .unwrap()
            .contains("no answer within 1s")
    );
}

#[test]
fn lists_are_paginated_with_continue_tokens() {
    let fleet = Fleet::example();
    fleet.server(STG).state().max_page = Some(2);
    let (code, report) = fleet.drift_json(&["--page-size", "3"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        cluster(&report, STG)["summary"]["in_sync"],
        json!(fleet.desired(STG).len())
    );
    let reqs = fleet.server(STG).requests();
    let continued: Vec<_> = reqs
        .iter()
        .filter(|r| r.query().contains_key("continue"))
        .collect();
    assert!(!continued.is_empty());
    for r in &continued {
        assert_eq!(r.query()["limit"], "3");
        assert_eq!(r.query()["labelSelector"], SELECTOR);
    }
    // 14 NetworkPolicies? No: 7 per cluster (6 of the teams, 1 opening the
    // metadata endpoint to recs-ranker), in pages of 2: 4 requests.
    let np = reqs
        .iter()
        .filter(|r| r.path() == "/apis/networking.k8s.io/v1/networkpolicies")
        .count();
    assert_eq!(np, 4);
}

#[test]
fn an_object_that_lost_its_labels_is_drifted_not_missing() {
    let fleet = Fleet::example();
    fleet
        .server(STG)
        .state()
        .update("NetworkPolicy", Some("vision"), "default-deny", |o| {
            let labels = o["metadata"]["labels"].as_object_mut().unwrap();
            labels.remove("app.kubernetes.io/managed-by");
            labels.remove("mlpc.io/platform");
        });
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        not_in_sync(&report),
        vec![t(STG, "NetworkPolicy", "vision", "default-deny", "drifted")]
    );
    let o = cluster(&report, STG)["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["kind"] == "NetworkPolicy"
                && o["name"] == "default-deny"
                && o["namespace"] == "vision"
        })
        .unwrap();
    assert_eq!(o["note"], "exists without mlpc's labels");
    assert_eq!(
        o["fields"],
        json!([
            {"path": "/metadata/labels/app.kubernetes.io~1managed-by", "desired": "mlpc", "live": null},
            {"path": "/metadata/labels/mlpc.io~1platform", "desired": "acme-ml", "live": null},
        ])
    );
}

#[test]
fn only_the_selected_cluster_is_contacted() {
    let fleet = Fleet::example();
    let (code, report) = fleet.drift_json(&["--cluster", STG]);
    assert_eq!(code, 0);
    let names: Vec<&str> = report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(names, [STG]);
    assert!(fleet.server(PROD).requests().is_empty());
    let bad = fleet.drift(&["--cluster", "prod-usw3"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("did you mean prod-usw2"),
        "{}",
        bad.stderr
    );
}

#[test]
fn spec_ignores_hide_fields() {
    let (_dir, spec) = example_spec_copy(|t| {
        t.replace(
            r#"ignore = [{ kind = "Deployment", paths = ["/spec/replicas"] }]"#,
            r#"ignore = [{ kind = "ResourceQuota", paths = ["/spec/hard/pods", "/metadata/labels"] }]"#,
        )
    });
    let fleet = Fleet::new(&spec, None);
    fleet
        .server(STG)
        .state()
        .update("ResourceQuota", Some("nlp"), "nlp-quota", |o| {
            o["spec"]["hard"]["pods"] = json!("5");
            o["metadata"]["labels"]["mlpc.io/layer"] = json!("other");
        });
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(not_in_sync(&report), vec![]);
}

#[test]
fn orphans_of_kinds_only_the_previous_compile_had() {
    let fleet = Fleet::example();
    // The previous compile emitted a Deployment the current one no longer does.
    let layer = fleet.dir.path().join("out/clusters/stg-use1/05-serving");
    std::fs::create_dir_all(&layer).unwrap();
    std::fs::write(
        layer.join("deployment-serving-old-router.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: old-router\n  namespace: serving\n",
    )
    .unwrap();
    std::fs::write(layer.join("kustomization.yaml"), "resources: []\n").unwrap();
    let labels = json!({"app.kubernetes.io/managed-by": "mlpc", "mlpc.io/platform": "acme-ml"});
    {
        let mut s = fleet.server(STG).state();
        s.put_raw(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "old-router", "namespace": "serving", "labels": labels.clone()},
            "spec": {"replicas": 1}}));
        // KServe copies an InferenceService's labels onto its Deployments.
        s.put_raw(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "recs-ranker-predictor", "namespace": "recsys", "labels": labels,
                "ownerReferences": [{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                    "name": "recs-ranker", "uid": "u", "controller": true}]},
            "spec": {"replicas": 1}}));
    }
    // A kind of the old compile the cluster does not serve is skipped quietly.
    std::fs::write(
        layer.join("widget-serving-w.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    )
    .unwrap();
    let (code, report) = fleet.drift_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        not_in_sync(&report),
        vec![t(STG, "Deployment", "serving", "old-router", "orphaned")]
    );
    assert_eq!(cluster(&report, STG)["errors"], json!([]));
    // Without the previous tree, nothing lists Deployments.
    let (_, report) = fleet.drift_json(&["--out", "elsewhere"]);
    assert_eq!(not_in_sync(&report), vec![]);
}

/// The compile never writes Secret data (see `emit`), so credentials can
/// only show up in values under credential-looking keys: those are compared
/// but never printed. (Secret `data`/`stringData` redaction is unit-tested
/// in `drift::compare`.)
#[test]
fn credential_values_are_never_printed() {
    let bp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bp.path().join("pipelines")).unwrap();
    std::fs::write(
        bp.path().join("pipelines/zz-config.yaml.j2"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: kubeflow\ndata:\n  API_TOKEN: desired-t0ken\n  db_password: desired-s3cr3t\n  mode: fast\n",
    )
    .unwrap();
    let fleet = Fleet::new(&repo().join("ml-platform.toml"), Some(bp.path()));
    fleet
        .server(STG)
        .state()
        .update("ConfigMap", Some("kubeflow"), "cfg", |o| {
            o["data"]["API_TOKEN"] = json!("live-t0ken");
            o["data"]["db_password"] = json!("live-s3cr3t");
            o["data"]["mode"] = json!("slow");
        });
    let (code, report) = fleet.drift_json(&["--cluster", STG]);
    assert_eq!(code, 1, "{report:#}");
    let cm = object(&report, STG, "ConfigMap", "cfg");
    assert_eq!(
        cm["fields"],
        json!([
            {"path": "/data/API_TOKEN", "desired": "<redacted>", "live": "<redacted>"},
            {"path": "/data/db_password", "desired": "<redacted>", "live": "<redacted>"},
            {"path": "/data/mode", "desired": "fast", "live": "slow"},
        ])
    );
    for format in ["json", "human", "markdown"] {
        let r = fleet.drift(&["--cluster", STG, "--format", format]);
        assert_eq!(r.code, 1);
        for leak in ["s3cr3t", "t0ken"] {
            assert!(
                !r.stdout.contains(leak),
                "{format} leaks {leak}:\n{}",
                r.stdout
            );
            assert!(
                !r.stderr.contains(leak),
                "{format} leaks {leak}:\n{}",
                r.stderr
            );
        }
    }
}

#[test]
fn insecure_kubeconfig_is_refused_and_a_wrong_server_warned() {
    let fleet = Fleet::example();
    let mut text = std::fs::read_to_string(&fleet.kubeconfig).unwrap();
    // Only one cluster, over TLS that cannot verify: the flag is ignored.
    let url = fleet.server(STG).url().replace("http://", "https://");
    text = text.replace(
        &format!("    server: {}\n", fleet.server(STG).url()),
        &format!("    server: {url}\n    insecure-skip-tls-verify: true\n"),
    );
    std::fs::write(&fleet.kubeconfig, text).unwrap();
    let (_, report) = fleet.drift_json(&["--timeout", "5"]);
    let stg = cluster(&report, STG);
    assert!(
        stg["error"].is_string(),
        "plain HTTP server cannot pass TLS: {stg:#}"
    );
    let warnings = stg["warnings"].to_string();
    assert!(warnings.contains("insecure-skip-tls-verify"), "{warnings}");
    let prod = cluster(&report, PROD);
    assert!(
        prod["warnings"]
            .to_string()
            .contains("the spec's server for prod-usw2 is https://prod-usw2.k8s.acme.example:6443"),
        "{prod:#}"
    );
}

#[test]
fn bad_kubeconfig_flag_is_a_usage_error() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .args(["drift", "--kubeconfig", "/nonexistent/kubeconfig", "--spec"])
        .arg(repo().join("ml-platform.toml"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--kubeconfig /nonexistent/kubeconfig"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty());
}

//! Issue 14, item 6: drift is bounded against a hostile or broken API server
//! (endless pagination, huge bodies), escapes what servers and specs say in
//! its human and markdown reports, and never sends a token over plain http.

use std::time::{Duration, Instant};

use crate::support::drift_harness::*;

const STG: &str = "stg-use1";

#[test]
fn a_server_that_always_says_continue_is_not_paginated_forever() {
    let fleet = Fleet::example();
    fleet.server(STG).state().endless_continue = true;
    let start = Instant::now();
    let r = fleet.drift(&["--format", "json", "--cluster", STG, "--timeout", "5"]);
    assert!(
        start.elapsed() < Duration::from_secs(50),
        "{:?}",
        start.elapsed()
    );
    // Every type's LIST is endless: nothing could be checked (2).
    assert_eq!(r.code, 2, "{}", r.stderr);
    let j = r.json();
    let errors = cluster(&j, STG)["errors"].to_string();
    assert!(errors.contains("did not end after 1000 pages"), "{errors}");
}

#[test]
fn a_huge_list_body_is_cut_off() {
    let fleet = Fleet::example();
    fleet.server(STG).state().list_padding = Some(("namespaces".into(), 70 * 1024 * 1024));
    let start = Instant::now();
    let r = fleet.drift(&["--format", "json", "--cluster", STG, "--timeout", "20"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        r.code, 1,
        "namespaces could not be checked: {}{}",
        r.stdout, r.stderr
    );
    let j = r.json();
    let errors = cluster(&j, STG)["errors"].to_string();
    assert!(errors.contains("larger than 64 MiB"), "{errors}");
}

#[test]
fn a_cluster_has_an_overall_deadline() {
    let fleet = Fleet::example();
    // Every page is slow but within the per-request timeout; the pages never end.
    fleet.server(STG).state().endless_continue = true;
    fleet.server(STG).state().max_page = Some(1);
    let start = Instant::now();
    let r = fleet.drift(&["--format", "json", "--cluster", STG, "--timeout", "1"]);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert!(r.code >= 1, "{}", r.stdout);
}

#[test]
fn a_token_over_plain_http_is_refused_off_this_machine() {
    let fleet = Fleet::example();
    fleet.write_kubeconfig(&[(STG, "http://192.0.2.1:8080".to_string())]);
    let start = Instant::now();
    let r = fleet.drift(&["--format", "json", "--cluster", STG, "--timeout", "2"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    let j = r.json();
    let err = cluster(&j, STG)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(err.contains("plain http"), "{}", j);
    assert!(!r.stdout.contains("fake-token") && !r.stderr.contains("fake-token"));
}

#[test]
fn names_and_messages_cannot_forge_report_lines() {
    let fleet = Fleet::example();
    // An orphan whose name carries a newline and an ANSI escape, as a
    // hostile server could send it.
    {
        let mut s = fleet.server(STG).state();
        let mut ns = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "evil\n  in_sync   Namespace forged\u{1b}[2J|x|",
                "labels": {"app.kubernetes.io/managed-by": "mlpc", "mlpc.io/platform": "acme-ml"}
            }
        });
        ns["metadata"]["uid"] = serde_json::json!("u-1");
        s.put_raw(ns);
    }
    for format in ["human", "markdown"] {
        let r = fleet.drift(&["--format", format, "--cluster", STG]);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(!r.stdout.contains('\u{1b}'), "{format}: {}", r.stdout);
        // The newline is written as `\n` (its backslash escaped again in markdown).
        assert!(r.stdout.contains("evil\\"), "{format}: {}", r.stdout);
        assert!(
            !r.stdout
                .lines()
                .any(|l| l.trim_start().starts_with("in_sync   Namespace forged")),
            "{format}: {}",
            r.stdout
        );
    }
}

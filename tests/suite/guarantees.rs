//! Safety guarantees not covered elsewhere: credentials from a kubeconfig
//! never reach mlpc's output, and the compiled output never holds Secret data.

use crate::support::*;

#[test]
fn kubeconfig_credentials_never_appear_in_output_or_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let token = "s3cr3t-bearer-token-do-not-print";
    let key = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tdGVzdGtleQ==";
    let mut kubeconfig = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for c in ["stg-use1", "prod-usw2"] {
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        kubeconfig.push_str(&format!(
            "- name: {c}\n  cluster:\n    server: http://127.0.0.1:9\n"
        ));
    }
    kubeconfig.push_str("users:\n- name: admin\n  user:\n");
    kubeconfig.push_str(&format!("    token: {token}\n    client-key-data: {key}\n"));
    kubeconfig.push_str("contexts:\n");
    for (ctx, c) in [
        ("stg-use1-admin", "stg-use1"),
        ("prod-usw2-admin", "prod-usw2"),
    ] {
        kubeconfig.push_str(&format!(
            "- name: {ctx}\n  context:\n    cluster: {c}\n    user: admin\n"
        ));
    }
    let kc = tmp.path().join("kubeconfig");
    std::fs::write(&kc, kubeconfig).unwrap();
    for format in ["human", "json", "markdown"] {
        let o = mlpc(
            &repo(),
            &[
                "drift",
                "--kubeconfig",
                kc.to_str().unwrap(),
                "--timeout",
                "2",
                "--format",
                format,
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(2),
            "nothing could be checked: {}{}",
            stdout(&o),
            stderr(&o)
        );
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains(token), "the token leaked:\n{all}");
        assert!(!all.contains(key), "the client key leaked:\n{all}");
    }
}

#[test]
fn compiled_output_holds_no_secret_objects() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        mlpc(&repo(), &["compile", "--out", out.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    for (rel, bytes) in read_tree(&out) {
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text.starts_with("apiVersion: v1\nkind: Secret"),
            "{rel} is a Secret"
        );
        for doc in mlpc::yaml::parse_stream(&text).unwrap_or_default() {
            assert_ne!(doc["kind"], "Secret", "{rel}");
        }
    }
}

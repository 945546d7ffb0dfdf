//! Every directory of the compiled example builds with `kubectl kustomize`,
//! and yields exactly the objects mlpc wrote.

use std::process::Command;

use crate::support::*;

#[test]
fn every_cluster_and_management_directory_builds_with_kubectl_kustomize() {
    let kubectl = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output();
    assert!(
        kubectl.as_ref().is_ok_and(|o| o.status.success()),
        "kubectl is required for this test (install it; CI's .ci/run checks for it)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = mlpc(&repo(), &["compile", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let files = read_tree(&out);
    let mut dirs: Vec<String> = files
        .keys()
        .filter(|k| k.ends_with("/kustomization.yaml"))
        .map(|k| k.trim_end_matches("/kustomization.yaml").to_string())
        .filter(|d| {
            d.starts_with("clusters/") && d.matches('/').count() == 1
                || d.starts_with("management/")
        })
        .collect();
    dirs.sort();
    assert!(dirs.iter().any(|d| d == "clusters/prod-usw2"));
    for dir in dirs {
        let o = Command::new("kubectl")
            .arg("kustomize")
            .arg(out.join(&dir))
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "kubectl kustomize {dir}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let rendered = String::from_utf8(o.stdout).unwrap();
        let docs = rendered
            .split("\n---\n")
            .filter(|d| !d.trim().is_empty())
            .count();
        // A cluster's kustomization includes its layers; the others only their own files.
        let recursive = dir.starts_with("clusters/");
        let expected = files
            .keys()
            .filter(|k| {
                k.strip_prefix(&format!("{dir}/")).is_some_and(|rest| {
                    (recursive || !rest.contains('/')) && !rest.ends_with("kustomization.yaml")
                })
            })
            .count();
        assert_eq!(
            docs, expected,
            "{dir}: kustomize output has {docs} objects, mlpc wrote {expected}"
        );
    }
}

//! `mlpc check` through the real binary, against ../shared/schemas.

mod platform;
mod strict;

use crate::support::*;

fn schemas_args() -> Vec<String> {
    vec![
        "--schemas".into(),
        shared_schemas().to_string_lossy().into_owned(),
        "--schemas".into(),
        repo().join("schemas/extra").to_string_lossy().into_owned(),
    ]
}

fn check(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(schemas_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    mlpc(dir, &refs)
}

#[test]
fn example_passes_strict_check() {
    let o = check(&repo(), &["--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 error(s), 0 warning(s)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn broken_manifests_are_each_named() {
    let dir = repo().join("tests/manifests/broken");
    let o = check(
        &repo(),
        &["--manifests", dir.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let has = |name: &str, source: &str, needle: &str| {
        findings.iter().any(|f| {
            f["name"] == name
                && f["source"] == source
                && f["severity"] == "error"
                && (f["message"].as_str().unwrap().contains(needle)
                    || f["rule"].as_str().unwrap().contains(needle))
        })
    };
    assert!(has("team-quota", "schema", "hardd"), "unknown field: {v:#}");
    assert!(
        findings
            .iter()
            .any(|f| f["name"] == "vision-queue" && f["path"] == ".spec.clusterQueue"),
        "wrong type with its path: {v:#}"
    );
    assert!(
        has("from-docker-hub", "policy", "K8sAllowedRepos"),
        "disallowed registry: {v:#}"
    );
    assert!(
        has("no-limits", "policy", "K8sRequiredLimits"),
        "missing limits: {v:#}"
    );
    assert!(
        has("gpu-without-toleration", "policy", "K8sGpuToleration"),
        "GPU pod without toleration: {v:#}"
    );
    assert!(
        has("privileged", "policy", "K8sPSPPrivileged"),
        "privileged container: {v:#}"
    );
    assert_eq!(
        v["errors"].as_u64().unwrap() as usize,
        findings.iter().filter(|f| f["severity"] == "error").count()
    );
}

#[test]
fn good_manifests_pass() {
    let dir = repo().join("tests/manifests/good");
    let o = check(&repo(), &["--manifests", dir.to_str().unwrap(), "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn human_output_groups_by_file_with_the_object_and_path() {
    let dir = repo().join("tests/manifests/broken");
    let o = check(&repo(), &["--manifests", dir.to_str().unwrap()]);
    let s = stdout(&o);
    assert!(s.contains("  wrong-type.yaml\n"), "{s}");
    assert!(
        s.contains("LocalQueue/vision/vision-queue .spec.clusterQueue"),
        "{s}"
    );
}

#[test]
fn junit_output_is_a_test_report() {
    let dir = repo().join("tests/manifests/broken");
    let o = check(
        &repo(),
        &["--manifests", dir.to_str().unwrap(), "--format", "junit"],
    );
    let s = stdout(&o);
    assert!(s.starts_with("<?xml"), "{s}");
    assert!(s.contains("<testsuites name=\"mlpc check\""), "{s}");
    assert!(s.contains("<failure type=\"policy\""), "{s}");
    assert_eq!(
        s.matches("<testsuite ").count(),
        s.matches("</testsuite>").count()
    );
}

#[test]
fn dryrun_in_staging_is_a_warning_deny_in_prod_is_an_error() {
    // Policies of the compiled spec, per cluster: staging is dryrun, prod deny.
    let dir = example_copy();
    let extra = dir.path().join("extra");
    std::fs::create_dir_all(&extra).unwrap();
    let o = check(
        dir.path(),
        &[
            "--manifests",
            repo().join("tests/manifests/broken").to_str().unwrap(),
            "--cluster",
            "stg-use1",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let policy: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] == "policy")
        .collect();
    assert!(!policy.is_empty());
    assert!(
        policy.iter().all(|f| f["severity"] == "warning"),
        "staging constraints are dryrun: {v:#}"
    );
}

#[test]
fn missing_schema_is_a_warning_and_an_error_when_strict() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("x.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {}\n",
    )
    .unwrap();
    let o = check(
        &repo(),
        &[
            "--manifests",
            tmp.path().to_str().unwrap(),
            "--skip-policy-tests",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("warning Widget/w: no schema"),
        "{}",
        stdout(&o)
    );
    let o = check(
        &repo(),
        &[
            "--manifests",
            tmp.path().to_str().unwrap(),
            "--strict",
            "--skip-policy-tests",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_broken_policy_fails_its_tests() {
    let dir = example_copy();
    let pol = dir.path().join("policies");
    std::fs::create_dir_all(&pol).unwrap();
    for e in std::fs::read_dir(repo().join("policies"))
        .unwrap()
        .flatten()
    {
        if e.path().is_file() {
            std::fs::copy(e.path(), pol.join(e.file_name())).unwrap();
        }
    }
    copy_dir(&repo().join("policies/tests"), &pol.join("tests"));
    // The privileged policy now lets everything through.
    std::fs::write(
        pol.join("k8spspprivileged.rego"),
        "package k8spspprivileged\n\nviolation[{\"msg\": msg}] {\n  false\n  msg := \"never\"\n}\n",
    )
    .unwrap();
    let o = check(dir.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["source"] == "policy-test"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("allowed an object it must deny")),
        "{v:#}"
    );
    // A template that does not parse names the template and the Rego line.
    std::fs::write(
        pol.join("k8spspprivileged.rego"),
        "package k8spspprivileged\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n",
    )
    .unwrap();
    let o = check(dir.path(), &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("k8spspprivileged") && text.contains("does not compile"),
        "{text}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A spec that does not even parse (TOML syntax in an overlay) is reported
/// in the format asked for: a CI step that parses JSON or JUnit gets it.
#[test]
fn check_keeps_its_format_when_an_overlay_does_not_parse() {
    let dir = example_copy();
    let overlay = dir.path().join("environments/prod.toml");
    let mut text = std::fs::read_to_string(&overlay).unwrap();
    text.push_str("\n[[[bad\n");
    std::fs::write(&overlay, text).unwrap();

    let o = mlpc(
        dir.path(),
        &["check", "--format", "json", "--skip-policy-tests"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stdout(&o)));
    assert_eq!(v["errors"], 1, "{v}");
    assert_eq!(v["findings"][0]["rule"], "E001", "{v}");
    assert_eq!(v["findings"][0]["source"], "input", "{v}");
    assert_eq!(v["findings"][0]["file"], "environments/prod.toml", "{v}");

    let o = mlpc(
        dir.path(),
        &["check", "--format", "junit", "--skip-policy-tests"],
    );
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<failure type=\"input\"") && xml.contains("E001"),
        "{xml}"
    );

    // For people: the finding with its line, on stdout.
    let o = mlpc(dir.path(), &["check", "--skip-policy-tests"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("environments/prod.toml:") && stdout(&o).contains("error[E001]"),
        "{}",
        stdout(&o)
    );
}

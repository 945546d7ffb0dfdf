//! Helpers shared by the suite's modules: running the real binary, copies of
//! the example, Git commits, and the fake API servers of the drift tests.
#![allow(dead_code)]

pub mod drift_harness;
pub mod drift_report;
pub mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/schemas` beside the repository; CI always has it.
pub fn shared_schemas() -> PathBuf {
    let p = repo().join("..").join("shared").join("schemas");
    assert!(
        p.join("README.md").is_file(),
        "../shared/schemas is missing: the schema tests need the upstream schemas beside the repo ({})",
        p.display()
    );
    p
}

pub fn mlpc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("MLPC_TEST_FAIL_AFTER_WRITES")
        .output()
        .expect("run mlpc")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copy the example spec (spec, overlays) into a fresh temp dir.
pub fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_example_into(dir.path());
    dir
}

pub fn copy_example_into(dir: &Path) {
    std::fs::create_dir_all(dir.join("environments")).unwrap();
    std::fs::copy(
        repo().join("ml-platform.toml"),
        dir.join("ml-platform.toml"),
    )
    .unwrap();
    for e in ["staging.toml", "prod.toml"] {
        std::fs::copy(
            repo().join("environments").join(e),
            dir.join("environments").join(e),
        )
        .unwrap();
    }
}

/// Every file under `root` with its bytes, by `/`-separated relative path.
pub fn read_tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Stage everything in the work tree and commit it (fixed time: deterministic ids).
pub fn commit_all(git: &git2::Repository, message: &str) {
    let mut index = git.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new(
        "mlpc test",
        "test@example.com",
        &git2::Time::new(1_700_000_000, 0),
    )
    .unwrap();
    let parent = git.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    git.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

/// Proptest settings with `cases` cases; failing inputs are saved beside the
/// test's source (`tests/suite/<module>.proptest-regressions`, committed) and
/// replayed first on every run.
pub fn proptest_config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// Compiles the spec in `dir` into `dir/out` (must succeed) and returns every
/// object, with its output path under `_path`.
pub fn compile_objects(dir: &Path) -> Vec<serde_json::Value> {
    let out = dir.join("out");
    let o = mlpc(dir, &["compile", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let mut objs = Vec::new();
    for (rel, bytes) in read_tree(&out) {
        if rel.ends_with(".yaml") && !rel.ends_with("kustomization.yaml") {
            let text = String::from_utf8(bytes).unwrap();
            let mut o: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            o["_path"] = serde_json::Value::from(rel);
            objs.push(o);
        }
    }
    objs
}

/// The object of `kind` and `name` whose output path contains `path_part`.
pub fn find_object<'a>(
    objs: &'a [serde_json::Value],
    path_part: &str,
    kind: &str,
    name: &str,
) -> &'a serde_json::Value {
    objs.iter()
        .find(|o| {
            o["kind"] == kind
                && o["metadata"]["name"] == name
                && o["_path"].as_str().unwrap_or_default().contains(path_part)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} under {path_part}"))
}

/// A Cluster API template's name without the content hash mlpc appends
/// (`<cluster>-<pool>-<8 hex>`, see `emit/templates.rs`).
pub fn template_base(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, h)) if h.len() == 8 && h.chars().all(|c| c.is_ascii_hexdigit()) => base,
        _ => name,
    }
}

/// The compiled objects of `kind` whose output path contains `path_part`.
pub fn objects_of<'a>(
    objs: &'a [serde_json::Value],
    path_part: &str,
    kind: &str,
) -> Vec<&'a serde_json::Value> {
    objs.iter()
        .filter(|o| {
            o["kind"] == kind && o["_path"].as_str().unwrap_or_default().contains(path_part)
        })
        .collect()
}

/// `validate --format json` as (code, message) pairs.
pub fn validate_findings(dir: &Path) -> Vec<(String, String)> {
    let o = mlpc(dir, &["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output");
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Replace the first `from` (which must be there) of `dir`'s ml-platform.toml.
pub fn edit_spec(dir: &Path, from: &str, to: &str) {
    let spec = dir.join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&spec, text.replacen(from, to, 1)).unwrap();
}

/// Append to `dir`'s ml-platform.toml.
pub fn append_spec(dir: &Path, more: &str) {
    let spec = dir.join("ml-platform.toml");
    let mut text = std::fs::read_to_string(&spec).unwrap();
    text.push_str(more);
    std::fs::write(&spec, text).unwrap();
}

/// A NetworkPolicy's egress rules as (CIDR, port) pairs: the first peer and
/// port of each rule.
pub fn egress_endpoints(np: &serde_json::Value) -> Vec<(&str, i64)> {
    np["spec"]["egress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["to"][0]["ipBlock"]["cidr"].as_str().unwrap(),
                e["ports"][0]["port"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// A temporary directory holding the every-provider spec
/// (`tests/specs/providers/ml-platform.toml`) as its `ml-platform.toml`.
pub fn providers_spec() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo().join("tests/specs/providers/ml-platform.toml"),
        dir.path().join("ml-platform.toml"),
    )
    .unwrap();
    dir
}

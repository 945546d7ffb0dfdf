//! `mlpc validate` through the real binary: the example is valid, and each
//! broken spec under tests/specs/invalid reports exactly the expected codes at
//! the expected `file:line:col` (in the overlay file when it comes from one).

use crate::support::*;

#[test]
fn example_spec_is_valid() {
    let o = mlpc(&repo(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 error(s), 0 warning(s)"));
}

fn findings(dir: &std::path::Path) -> (i32, Vec<String>) {
    let o = mlpc(dir, &["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output");
    let lines = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let p = &d["position"];
            format!(
                "{} {}:{}:{}",
                d["code"].as_str().unwrap(),
                p["file"].as_str().unwrap(),
                p["line"],
                p["column"]
            )
        })
        .collect();
    (o.status.code().unwrap_or(-1), lines)
}

#[test]
fn every_broken_spec_reports_its_codes_and_positions() {
    let root = repo().join("tests/specs/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 12, "at least a dozen broken specs");
    for case in cases {
        let expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let (code, got) = findings(&case);
        assert_eq!(code, 1, "{}: exit code", case.display());
        assert_eq!(got, expected, "{}", case.display());
    }
}

#[test]
fn human_output_points_at_the_value_with_a_hint() {
    let case = repo().join("tests/specs/invalid/unknown-key");
    let o = mlpc(&case, &["validate"]);
    let out = stdout(&o);
    assert!(
        out.contains("ml-platform.toml:57:1: error[E002]: unknown key `node_pools[1].cpus`"),
        "{out}"
    );
    assert!(out.contains("hint: did you mean `cpu`?"), "{out}");
    assert!(out.contains("57 | cpus = 96"), "{out}");
    assert!(!out.contains('\x1b'), "NO_COLOR output has no escape codes");
}

#[test]
fn warnings_do_not_fail() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "quota = { gpu = 4, cpu = \"64\"",
        "quota = { gpu = 60, cpu = \"64\"",
    );
    std::fs::write(&spec, text).unwrap();
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let w115: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "W115")
        .collect();
    assert_eq!(w115.len(), 2, "both clusters overcommit: {v:#}");
    assert!(w115.iter().all(|d| d["severity"] == "warning"));
    assert!(
        w115[0]["message"].as_str().unwrap().contains("overcommit"),
        "{v:#}"
    );
}

#[test]
fn env_flag_limits_the_view() {
    let case = repo().join("tests/specs/invalid/min-gt-max-in-overlay");
    let (_, prod_only) = {
        let o = mlpc(&case, &["validate", "--env", "prod", "--format", "json"]);
        (
            o.status.code(),
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        )
    };
    assert_eq!(
        prod_only.as_array().unwrap().len(),
        0,
        "the staging overlay's error is not in the prod view"
    );
}

#[test]
fn missing_spec_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read ml-platform.toml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn init_writes_a_spec_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let o = mlpc(dir.path(), &["init", "--dir", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let spec = dir.path().join("p/ml-platform.toml");
    assert!(
        std::fs::read_to_string(&spec)
            .unwrap()
            .starts_with("#:schema ./schemas/ml-platform.schema.json")
    );
    assert!(
        dir.path()
            .join("p/schemas/ml-platform.schema.json")
            .is_file()
    );
    let o = mlpc(&dir.path().join("p"), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A second init refuses to overwrite.
    let o = mlpc(dir.path(), &["init", "--dir", "p"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn overlay_entry_with_a_new_name_is_flagged() {
    let dir = example_copy();
    let staging = dir.path().join("environments/staging.toml");
    let text = std::fs::read_to_string(&staging)
        .unwrap()
        .replace("name = \"vision\"", "name = \"vison\"");
    std::fs::write(&staging, text).unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    let out = stdout(&o);
    assert!(
        out.contains("environments/staging.toml:18:8: warning[W138]"),
        "{out}"
    );
    assert!(out.contains("did you mean \"vision\"?"), "{out}");
}

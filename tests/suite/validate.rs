//! `mlpc validate` through the real binary: the example is valid, and each
//! broken spec (the example with one patch, `BROKEN`) reports exactly the
//! expected codes at the expected `file:line:col` (in the overlay file when it
//! comes from one).

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

/// A broken spec: the example (`ml-platform.toml`, `environments/`) with one
/// patch. `search` occurs exactly once in the example's `file` and becomes
/// `replace`. `expected` is every finding, `CODE file:line:col` in the patched
/// files' lines, in mlpc's order; `@` is the line the patch touched (the first
/// line that differs from the example).
struct Broken {
    name: &'static str,
    file: &'static str,
    search: &'static str,
    replace: &'static str,
    expected: &'static [&'static str],
}

const SPEC: &str = "ml-platform.toml";
const STAGING: &str = "environments/staging.toml";
const PROD: &str = "environments/prod.toml";

const BROKEN: &[Broken] = &[
    Broken {
        name: "bad-name",
        file: SPEC,
        search: r#"name = "vision""#,
        replace: r#"name = "Vision_Team""#,
        expected: &[
            "W134 environments/staging.toml:18:8",
            "W138 environments/staging.toml:18:8",
            "W115 environments/staging.toml:19:17",
            "E102 ml-platform.toml:@:8",
            "E104 ml-platform.toml:138:8",
            "E104 ml-platform.toml:165:8",
        ],
    },
    Broken {
        name: "canary-same-version",
        file: SPEC,
        search: r#"canary = { percent = 10, storage_uri = "s3://acme-ml-models/vision/image-classifier/v8" }"#,
        replace: r#"canary = { percent = 10, storage_uri = "s3://acme-ml-models/vision/image-classifier/v7" }"#,
        expected: &["E202 ml-platform.toml:@:40"],
    },
    Broken {
        name: "concurrency-without-knative",
        file: SPEC,
        search: r#"deployment_mode = "knative""#,
        replace: "",
        expected: &["E123 ml-platform.toml:173:16"],
    },
    Broken {
        name: "canary-percent",
        file: SPEC,
        search: "canary = { percent = 10,",
        replace: "canary = { percent = 150,",
        expected: &["E107 ml-platform.toml:@:22"],
    },
    Broken {
        name: "duplicate-name",
        file: SPEC,
        search: r#"name = "recsys""#,
        replace: r#"name = "nlp""#,
        expected: &["E101 ml-platform.toml:@:8", "E104 ml-platform.toml:204:8"],
    },
    Broken {
        name: "even-control-plane",
        file: SPEC,
        search: r#"replicas = 3, instance_type = "m6i.2xlarge""#,
        replace: r#"replicas = 2, instance_type = "m6i.2xlarge""#,
        expected: &["E130 ml-platform.toml:@:30"],
    },
    Broken {
        // `node_pool = "gpu-l4"` alone is not unique: the support-llm model's.
        name: "gpu-model-without-pool",
        file: SPEC,
        search: "node_pool = \"gpu-l4\"\ncpu = \"8\"",
        replace: "node_pool = \"cpu-general\"\ncpu = \"8\"",
        expected: &["E111 ml-platform.toml:@:13"],
    },
    Broken {
        name: "grid-without-step",
        file: SPEC,
        search: r#"algorithm = "bayesianoptimization""#,
        replace: r#"algorithm = "grid""#,
        expected: &["E139 ml-platform.toml:150:8"],
    },
    Broken {
        // The blank line after `[components]` becomes the pin.
        name: "incompatible-versions",
        file: SPEC,
        search: "kueue = \"v0.16.0\"\n\n",
        replace: "kueue = \"v0.16.0\"\ncluster_api = \"v1.10.2\"\n",
        expected: &["E113 ml-platform.toml:@:15", "E113 ml-platform.toml:@:15"],
    },
    Broken {
        name: "katib-range",
        file: SPEC,
        search: "min = 0.0001",
        replace: "min = 0.5",
        expected: &["E109 ml-platform.toml:@:7"],
    },
    Broken {
        name: "min-gt-max-in-overlay",
        file: STAGING,
        search: "min_nodes = 0",
        replace: "min_nodes = 5",
        expected: &["E106 environments/staging.toml:@:13"],
    },
    Broken {
        name: "missing-key",
        file: SPEC,
        search: r#"region = "us-west-2""#,
        replace: "",
        expected: &["E004 ml-platform.toml:33:1"],
    },
    Broken {
        name: "parallel-trials",
        file: SPEC,
        search: "parallel_trials = 3",
        replace: "parallel_trials = 30",
        expected: &["E110 ml-platform.toml:@:19"],
    },
    Broken {
        // Appended to the overlay: the patch starts at the blank line 11.
        name: "plaintext-secret-in-overlay",
        file: PROD,
        search: "max_replicas = 12\n",
        replace: "max_replicas = 12\n\n[pipelines.artifact_store]\naccess_key = \"AKIAIOSFODNN7EXAMPLE\"\n",
        expected: &[
            "E002 environments/prod.toml:13:1",
            "E114 environments/prod.toml:13:14",
        ],
    },
    Broken {
        name: "toml-syntax",
        file: SPEC,
        search: "wave = 1",
        replace: "wave = = 1",
        expected: &["E001 ml-platform.toml:@:8", "E001 ml-platform.toml:@:10"],
    },
    Broken {
        name: "unknown-cluster",
        file: SPEC,
        search: r#"clusters = ["prod-usw2"]"#,
        replace: r#"clusters = ["prod-usw3"]"#,
        expected: &["E103 ml-platform.toml:@:13"],
    },
    Broken {
        name: "unknown-key",
        file: SPEC,
        search: "cpu = 96",
        replace: "cpus = 96",
        expected: &["E004 ml-platform.toml:53:1", "E002 ml-platform.toml:@:1"],
    },
    Broken {
        name: "unknown-team",
        file: SPEC,
        search: r#"team = "recsys""#,
        replace: r#"team = "recsis""#,
        expected: &["E104 ml-platform.toml:@:8"],
    },
    Broken {
        name: "unknown-trial-parameter",
        file: SPEC,
        search: "${trialParameters.batchSize}",
        replace: "${trialParameters.batchsize}",
        expected: &["E140 ml-platform.toml:@:74"],
    },
    Broken {
        name: "unknown-version",
        file: SPEC,
        search: r#"kserve = "v0.16.0""#,
        replace: r#"kserve = "v0.9.0""#,
        expected: &["E112 ml-platform.toml:@:10"],
    },
    Broken {
        name: "wrong-type",
        file: SPEC,
        search: "max_nodes = 10",
        replace: r#"max_nodes = "ten""#,
        expected: &["E003 ml-platform.toml:@:13"],
    },
    // The classifier and its canary at 9 replicas each would take 18 L4 GPUs
    // in prod, above vision's 16: held out of the quota, they leave Kueue
    // nothing and would be refused by the ResourceQuota when they scale.
    Broken {
        name: "models-above-their-teams-quota",
        file: SPEC,
        search: "max_replicas = 6",
        replace: "max_replicas = 9",
        expected: &["E230 ml-platform.toml:90:17"],
    },
];

/// The broken spec called `name`, written to a temp dir, and the line its
/// patch touched.
fn broken(name: &str) -> (tempfile::TempDir, &'static Broken, usize) {
    let case = BROKEN
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no broken spec {name}"));
    let dir = example_copy();
    let path = dir.path().join(case.file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.matches(case.search).count(),
        1,
        "{name}: `{}` must occur exactly once in the example's {}",
        case.search,
        case.file
    );
    let patched = text.replacen(case.search, case.replace, 1);
    let first_difference = text
        .bytes()
        .zip(patched.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(text.len().min(patched.len()));
    let line = patched[..first_difference].matches('\n').count() + 1;
    std::fs::write(&path, patched).unwrap();
    (dir, case, line)
}

#[test]
fn every_broken_spec_reports_its_codes_and_positions() {
    assert!(BROKEN.len() >= 20, "the broken specs are all here");
    let mut failures = Vec::new();
    for case in BROKEN {
        let (dir, _, line) = broken(case.name);
        let expected: Vec<String> = case
            .expected
            .iter()
            .map(|e| e.replace(":@:", &format!(":{line}:")))
            .collect();
        let (code, got) = findings(dir.path());
        if code != 1 || got != expected {
            failures.push(format!(
                "{} (patch at {}:{line}): exit {code}\n  expected {expected:?}\n  got      {got:?}",
                case.name, case.file
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn human_output_points_at_the_value_with_a_hint() {
    let (dir, _, line) = broken("unknown-key");
    let o = mlpc(dir.path(), &["validate"]);
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "ml-platform.toml:{line}:1: error[E002]: unknown key `node_pools[1].cpus`"
        )),
        "{out}"
    );
    assert!(out.contains("hint: did you mean `cpu`?"), "{out}");
    assert!(out.contains(&format!("{line} | cpus = 96")), "{out}");
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
    let (case, _, _) = broken("min-gt-max-in-overlay");
    let codes = |env: &str| {
        let o = mlpc(case.path(), &["validate", "--env", env, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let codes: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].to_string())
            .collect();
        codes
    };
    assert_eq!(
        codes("staging"),
        ["\"E106\""],
        "the staging overlay's error"
    );
    assert!(
        codes("prod").is_empty(),
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

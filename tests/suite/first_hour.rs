//! Issue 18, a new user's first hour: each finding of that report, through
//! the real binary, on a copy of the example or an `mlpc init`-ed directory.

use std::path::Path;

use crate::support::*;
use serde_json::Value;

/// `mlpc validate --format json`: exit code and findings.
fn validate_json(dir: &Path, extra: &[&str]) -> (i32, Vec<Value>) {
    let mut args = vec!["validate", "--format", "json"];
    args.extend_from_slice(extra);
    let o = mlpc(dir, &args);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("json output ({e}): {}{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap_or(-1), v.as_array().unwrap().clone())
}

fn codes(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn with_code<'a>(findings: &'a [Value], code: &str) -> Vec<&'a Value> {
    findings.iter().filter(|d| d["code"] == code).collect()
}

fn edit(dir: &Path, file: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(file);
    let text = std::fs::read_to_string(&p).unwrap_or_default();
    std::fs::write(&p, f(text)).unwrap();
}

fn append(dir: &Path, file: &str, text: &str) {
    edit(dir, file, |t| t + text);
}

// ---- Validation ----

#[test]
fn an_unknown_env_is_a_usage_error_with_a_suggestion() {
    let o = mlpc(&repo(), &["validate", "--env", "stagign"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o)
            .contains("--env stagign: no such environment in the spec (did you mean staging?)"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("next: mlpc compile"), "{}", stdout(&o));
    // No close name: the known environments are listed.
    let o = mlpc(&repo(), &["validate", "--env", "qa"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("known: prod, staging"),
        "{}",
        stderr(&o)
    );
    // A real one still works.
    assert_eq!(
        mlpc(&repo(), &["validate", "--env", "prod"]).status.code(),
        Some(0)
    );
}

#[test]
fn a_model_with_only_its_required_keys_validates_in_either_mode() {
    let dir = example_copy();
    append(
        dir.path(),
        "ml-platform.toml",
        "\n[[serving.models]]\nname = \"minimal\"\nteam = \"recsys\"\nformat = \"sklearn\"\nstorage_uri = \"pvc://models/recsys/minimal/v1\"\n\n[[serving.models]]\nname = \"minimal-knative\"\nteam = \"recsys\"\nformat = \"sklearn\"\nstorage_uri = \"pvc://models/recsys/minimal/v1\"\ndeployment_mode = \"knative\"\n",
    );
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 0, "{findings:?}");
    // The defaults follow the mode: an HPA on cpu, Knative on concurrency.
    let out = dir.path().join("out");
    assert_eq!(mlpc(dir.path(), &["compile"]).status.code(), Some(0));
    let isvc = |name: &str| {
        std::fs::read_to_string(out.join(format!(
            "clusters/prod-usw2/05-serving/inferenceservice-recsys-{name}.yaml"
        )))
        .unwrap()
    };
    assert!(
        isvc("minimal").contains("scaleMetric: cpu"),
        "{}",
        isvc("minimal")
    );
    assert!(
        isvc("minimal").contains("scaleTarget: 70"),
        "{}",
        isvc("minimal")
    );
    assert!(
        isvc("minimal-knative").contains("scaleMetric: concurrency"),
        "{}",
        isvc("minimal-knative")
    );
}

/// A spec with only the required keys of every table, in either default
/// serving mode: the defaults validate together and compile.
#[test]
fn a_spec_of_required_keys_only_validates_and_compiles() {
    const MINIMAL: &str = r#"[platform]
name = "mini"
domain = "ml.mini.example"

[gitops]
repo_url = "https://git.mini.example/ml.git"

[[clusters]]
name = "one"
environment = "dev"
provider = "docker"
region = "local"
server = "https://one.k8s.mini.example:6443"

[[node_pools]]
name = "gpu"
instance_type = "kind"
gpu = { type = "nvidia-t4", count = 1 }
cpu = 8
memory_gib = 32
max_nodes = 1
hourly_price = 0

[[teams]]
name = "a"
owners = ["a@mini.example"]

[[training.runtimes]]
name = "torch"
image = "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime"
node_pool = "gpu"

[[tuning.experiments]]
name = "sweep"
team = "a"
algorithm = "random"
objective = { type = "maximize", metric = "acc" }
image = "ghcr.io/mini/train:1.0"
command = ["python", "train.py", "--lr=${trialParameters.lr}"]
[[tuning.experiments.parameters]]
name = "lr"
type = "double"
min = 0.001
max = 0.1

[[serving.models]]
name = "m"
team = "a"
format = "sklearn"
storage_uri = "pvc://models/m"
"#;
    for extra in ["", "\n[serving]\ndeployment_mode = \"knative\"\n"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ml-platform.toml"),
            format!("{MINIMAL}{extra}"),
        )
        .unwrap();
        let (code, findings) = validate_json(dir.path(), &[]);
        assert_eq!(code, 0, "{extra}: {findings:#?}");
        assert!(findings.is_empty(), "{extra}: {findings:#?}");
        let o = mlpc(dir.path(), &["compile"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
}

#[test]
fn an_overlay_entry_name_typo_is_one_error_not_a_cascade() {
    let dir = example_copy();
    append(
        dir.path(),
        "environments/staging.toml",
        "\n[[node_pools]]\nname = \"gpu-a10O\"\nmax_nodes = 3\n",
    );
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["E160"], "{findings:#?}");
    let d = &findings[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["position"]["file"], "environments/staging.toml");
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean \"gpu-a100\"?"),
        "{d}"
    );
    assert!(
        d["message"].as_str().unwrap().contains("`instance_type`"),
        "{d}"
    );
    // A complete new entry is still only a warning (W138).
    let dir = example_copy();
    append(
        dir.path(),
        "environments/staging.toml",
        "\n[[teams]]\nname = \"search\"\nowners = [\"s@acme.example\"]\nquota = { gpu = 0 }\n",
    );
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 0, "{findings:#?}");
    assert_eq!(codes(&findings), ["W138"]);
}

#[test]
fn semantic_rules_run_beside_structural_errors() {
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "name = \"recsys\"\nowners",
            "name = \"recsys\"\nowner = \"typo\"\nowners",
        )
        .replace("canary = { percent = 10,", "canary = { percent = 150,")
    });
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let c = codes(&findings);
    assert!(c.contains(&"E002"), "{findings:#?}");
    assert!(
        c.contains(&"E107"),
        "the rules ran on the rest: {findings:#?}"
    );
    // Nothing about references to the entry set aside (recsys's models).
    assert!(!c.contains(&"E104"), "{findings:#?}");
    let e107 = with_code(&findings, "E107")[0];
    assert_eq!(e107["path"], "serving.models[0].canary.percent");
    assert_eq!(e107["position"]["file"], "ml-platform.toml");
}

#[test]
fn w115_points_at_the_team_quota_and_names_the_team() {
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "quota = { gpu = 4, cpu = \"64\"",
            "quota = { gpu = 90, cpu = \"64\"",
        )
    });
    let (_, findings) = validate_json(dir.path(), &[]);
    let w = with_code(&findings, "W115");
    assert!(!w.is_empty(), "{findings:#?}");
    let prod = w
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("prod-usw2"))
        .unwrap();
    assert_eq!(prod["path"], "teams[2].quota.gpu", "{prod}");
    assert!(
        prod["message"]
            .as_str()
            .unwrap()
            .starts_with("team \"recsys\""),
        "{prod}"
    );
    assert!(
        prod["message"].as_str().unwrap().contains("\"vision\" 16"),
        "{prod}"
    );
}

#[test]
fn a_pool_with_more_nominal_quota_than_capacity_is_flagged() {
    let dir = example_copy();
    // recsys may only use gpu-l4: 16 GPUs there overcommit the pool (24 GPUs;
    // vision 2 and nlp 7 nominal there, after their models' share) while the
    // cluster totals still fit (no W115).
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "quota = { gpu = 4, cpu = \"64\"",
            "quota = { gpu = 16, cpu = \"64\"",
        )
    });
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 0, "a warning: {findings:#?}");
    assert!(with_code(&findings, "W115").is_empty(), "{findings:#?}");
    let w = with_code(&findings, "W161");
    assert!(!w.is_empty(), "{findings:#?}");
    let m = w[0]["message"].as_str().unwrap();
    assert!(m.contains("node pool \"gpu-l4\""), "{m}");
    assert!(m.contains("\"recsys\" 16"), "{m}");
}

#[test]
fn a_model_outside_its_teams_pools_and_a_trial_above_the_quota_are_errors() {
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "scale_target = 60\ncpu = \"2\"",
            "scale_target = 60\ngpus = 1\nnode_pool = \"gpu-a100\"\ncpu = \"2\"",
        )
        .replace(
            "gpus_per_trial = 1\n",
            "gpus_per_trial = 1\nmemory = \"2Ti\"\ncpu = \"300\"\n",
        )
    });
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    let e147 = with_code(&findings, "E162");
    assert_eq!(e147.len(), 1, "{findings:#?}");
    assert_eq!(e147[0]["path"], "serving.models[2].node_pool");
    assert!(
        e147[0]["message"]
            .as_str()
            .unwrap()
            .contains("team \"recsys\"")
    );
    let e148: Vec<&str> = with_code(&findings, "E163")
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(
        e148.contains(&"tuning.experiments[0].memory"),
        "{findings:#?}"
    );
    assert!(e148.contains(&"tuning.experiments[0].cpu"), "{findings:#?}");
}

#[test]
fn hints_name_the_fix() {
    // A managed service mlpc does not create clusters on is not a typo of a
    // provider (`rosa` is not "did you mean `aws`").
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replacen("provider = \"aws\"", "provider = \"rosa\"", 1)
    });
    let (_, findings) = validate_json(dir.path(), &[]);
    let d = with_code(&findings, "E005")[0];
    let hint = d["hint"].as_str().unwrap();
    assert!(hint.contains("not this service"), "{hint}");
    assert!(
        hint.contains("\"aws\", \"gcp\", \"azure\", \"docker\", \"eks\", \"gke\", \"aks\""),
        "{hint}"
    );
    assert!(hint.contains("\"eks\" for the same cloud"), "{hint}");
    assert!(!hint.contains("did you mean"), "{hint}");
    assert!(
        d["message"].as_str().unwrap().contains("not know yet"),
        "{d}"
    );
    // 16gb is 16Gi.
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace("memory = \"16Gi\"", "memory = \"16gb\"")
    });
    let (_, findings) = validate_json(dir.path(), &[]);
    let d = with_code(&findings, "E120")[0];
    assert!(
        d["hint"].as_str().unwrap().starts_with("write \"16Gi\""),
        "{d}"
    );
    // nan is named as such.
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace("hourly_price = 4.60", "hourly_price = nan")
    });
    let (_, findings) = validate_json(dir.path(), &[]);
    let d = with_code(&findings, "E003")[0];
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("found NaN, which is not a finite number"),
        "{d}"
    );
    // An empty file: tables to add, not `key = ...`.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ml-platform.toml"), "").unwrap();
    let (_, findings) = validate_json(dir.path(), &[]);
    let hints: Vec<&str> = findings
        .iter()
        .map(|d| d["hint"].as_str().unwrap())
        .collect();
    assert!(hints.contains(&"add a `[gitops]` table"), "{hints:?}");
    assert!(hints.contains(&"add a `[platform]` table"), "{hints:?}");
}

#[test]
fn check_keeps_its_format_on_an_invalid_spec() {
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace("canary = { percent = 10,", "canary = { percent = 150,")
    });
    let o = mlpc(
        dir.path(),
        &["check", "--format", "json", "--skip-policy-tests"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stdout(&o)));
    assert_eq!(v["errors"], 1, "{v}");
    assert_eq!(v["findings"][0]["rule"], "E107");
    assert_eq!(v["findings"][0]["source"], "input");
    assert_eq!(v["findings"][0]["file"], "ml-platform.toml");
    let o = mlpc(
        dir.path(),
        &["check", "--format", "junit", "--skip-policy-tests"],
    );
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<failure type=\"input\""), "{xml}");
    assert!(xml.contains("E107"), "{xml}");
}

// ---- CLI details ----

#[test]
fn render_suggests_a_cluster_and_rollout_help_has_an_example() {
    let o = mlpc(&repo(), &["render", "--cluster", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("known: stg-use1, prod-usw2"),
        "{}",
        stderr(&o)
    );
    let o = mlpc(&repo(), &["render", "--cluster", "prod-usw"]);
    assert!(
        stderr(&o).contains("did you mean prod-usw2?"),
        "{}",
        stderr(&o)
    );
    for args in [
        &["rollout", "--help"][..],
        &["rollout", "plan", "--help"],
        &["catalog", "--help"],
    ] {
        let o = mlpc(&repo(), args);
        assert!(stdout(&o).contains("Example"), "{args:?}: {}", stdout(&o));
    }
}

#[test]
fn a_gpu_quota_change_in_an_overlay_draws_no_picture() {
    let dir = example_copy();
    let git = git2::Repository::init(dir.path()).unwrap();
    commit_all(&git, "example");
    edit(dir.path(), "environments/staging.toml", |t| {
        t.replace(
            "name = \"vision\"\nquota = { gpu = 8,",
            "name = \"vision\"\nquota = { gpu = 10,",
        )
    });
    let md = stdout(&mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    ));
    assert!(md.contains("ClusterQueue"), "{md}");
    assert!(!md.contains("```mermaid"), "{md}");
}

// ---- Catalog ----

#[test]
fn catalog_lists_components_lines_sources_and_incompatibilities() {
    let o = mlpc(&repo(), &["catalog"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.contains("kserve"), "{text}");
    assert!(text.contains("Known-incompatible"), "{text}");
    assert!(text.contains("https://charts.jetstack.io"), "{text}");
    let o = mlpc(&repo(), &["catalog", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let comps = v["components"].as_array().unwrap();
    let keys: Vec<&str> = comps.iter().map(|c| c["key"].as_str().unwrap()).collect();
    for k in mlpc::catalog::CATALOG.iter().map(|c| c.key) {
        assert!(keys.contains(&k), "{k}");
    }
    let kserve = comps.iter().find(|c| c["key"] == "kserve").unwrap();
    assert_eq!(
        kserve["default"].as_str().unwrap(),
        mlpc::catalog::component("kserve").unwrap().default
    );
    assert!(!kserve["release_lines"].as_array().unwrap().is_empty());
    assert!(!v["incompatible"].as_array().unwrap().is_empty());
    // The schema's [components] description points to it.
    let schema = mlpc::spec::schema::schema_json();
    assert!(schema.contains("mlpc catalog"));
}

// ---- Cost ----

fn cost_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["cost", "--format", "json"];
    args.extend_from_slice(extra);
    let o = mlpc(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn cluster<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["estimate"]["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster"] == name)
        .unwrap()
}

fn pool<'a>(c: &'a Value, name: &str) -> &'a Value {
    c["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == name)
        .unwrap()
}

#[test]
fn cost_gives_an_expected_figure_beside_the_range() {
    let dir = example_copy();
    let v = cost_json(dir.path(), &[]);
    let e = &v["estimate"];
    let (min, expected, monthly, max) = (
        e["min_monthly"].as_f64().unwrap(),
        e["expected_monthly"].as_f64().unwrap(),
        e["monthly"].as_f64().unwrap(),
        e["max_monthly"].as_f64().unwrap(),
    );
    assert!(
        min <= expected && expected < monthly && monthly <= max,
        "{e}"
    );
    let prod = cluster(&v, "prod-usw2");
    assert_eq!(prod["expected_utilization"], 0.6);
    // 60% of prod's A100 quota demand (11 GPUs: what the teams' models leave
    // to Kueue there) is 6.6 GPUs: 1 node of 8, where the quotas need 2.
    assert_eq!(pool(prod, "gpu-a100")["nodes"], 2);
    assert_eq!(pool(prod, "gpu-a100")["expected_nodes"], 1);
    let human = stdout(&mlpc(dir.path(), &["cost"]));
    assert!(human.contains("expected"), "{human}");
    assert!(human.contains("at 60% quota use"), "{human}");
    // The knob: at full use the expected figure is the quota-based estimate.
    append(dir.path(), "ml-platform.toml", "");
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "hours_per_month = 730",
            "hours_per_month = 730\nexpected_utilization = 1.0",
        )
    });
    let v = cost_json(dir.path(), &[]);
    assert_eq!(v["estimate"]["expected_monthly"], v["estimate"]["monthly"]);
    // Out of range is a validation error.
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace("expected_utilization = 1.0", "expected_utilization = 1.5")
    });
    let (code, findings) = validate_json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings[0]["path"], "cost.expected_utilization");
}

#[test]
fn a_capped_pool_says_so_and_a_quota_change_there_explains_its_zero() {
    let dir = example_copy();
    let git = git2::Repository::init(dir.path()).unwrap();
    commit_all(&git, "example");
    // prod's CPU quotas (384 cores) need 24 nodes of cpu-general; max is 10.
    let v = cost_json(dir.path(), &[]);
    let p = pool(cluster(&v, "prod-usw2"), "cpu-general");
    assert_eq!(p["capped"], true, "{p}");
    assert_eq!(p["needed_nodes"], 24, "{p}");
    let human = stdout(&mlpc(dir.path(), &["cost"]));
    assert!(
        human.contains("capped at max_nodes: the quotas need 24 nodes"),
        "{human}"
    );
    // +2 cores of CPU quota on the capped pool: prod's cost does not move,
    // and the delta says why instead of a silent +0.
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "quota = { gpu = 4, cpu = \"64\"",
            "quota = { gpu = 4, cpu = \"66\"",
        )
    });
    let v = cost_json(dir.path(), &["--base", "HEAD"]);
    let d = &v["delta"];
    assert_eq!(d["delta_monthly"], 0.0, "{d}");
    let prod = d["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "prod-usw2")
        .expect("a line for prod");
    assert!(
        prod["reason"]
            .as_str()
            .unwrap()
            .contains("capped at max_nodes: cpu-general"),
        "{prod}"
    );
    // vision and nlp did not change their quotas; their cost moved with
    // recsys's share of the shared pool, and each says so.
    for t in d["teams"].as_array().unwrap() {
        if t["name"] != "recsys" {
            assert!(
                t["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("its quotas did not change"),
                "{t}"
            );
        }
    }
    let md = stdout(&mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    ));
    assert!(
        md.contains("team `vision` — its quotas did not change"),
        "{md}"
    );
}

#[test]
fn control_plane_and_disks_are_priced_when_declared_and_named_when_not() {
    let dir = example_copy();
    let v = cost_json(dir.path(), &[]);
    let prod = cluster(&v, "prod-usw2");
    let unpriced: Vec<&str> = prod["unpriced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(
        unpriced
            .iter()
            .any(|u| u.contains("3 control plane machine(s)")),
        "{unpriced:?}"
    );
    assert!(
        unpriced.iter().any(|u| u.contains("node disks")),
        "{unpriced:?}"
    );
    let before = prod["monthly"].as_f64().unwrap();
    let a100_before = pool(prod, "gpu-a100")["monthly"].as_f64().unwrap();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "control_plane = { replicas = 3, instance_type = \"m6i.2xlarge\" }",
            "control_plane = { replicas = 3, instance_type = \"m6i.2xlarge\", hourly_price = 0.384 }",
        )
        .replace("hourly_price = 32.77\n", "hourly_price = 32.77\ndisk_gib = 640\n")
    });
    let v = cost_json(dir.path(), &[]);
    let prod = cluster(&v, "prod-usw2");
    let cp = 3.0 * 0.384 * 730.0;
    assert!(
        (prod["control_plane_monthly"].as_f64().unwrap() - cp).abs() < 0.01,
        "{prod}"
    );
    // 2 A100 nodes × 640 GiB × 0.08 per GiB-month.
    let disks = 2.0 * 640.0 * 0.08;
    let a100 = pool(prod, "gpu-a100")["monthly"].as_f64().unwrap();
    assert!(
        (a100 - a100_before - disks).abs() < 0.01,
        "{a100} vs {a100_before}"
    );
    let after = prod["monthly"].as_f64().unwrap();
    assert!(
        (after - before - cp - disks).abs() < 0.02,
        "{after} vs {before}"
    );
    assert!(
        !prod["unpriced"].to_string().contains("control plane"),
        "{prod}"
    );
    // The disk priced is the disk the A100 machines get (not the 500 GiB default).
    let out = mlpc(dir.path(), &["compile"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let template = read_tree(&dir.path().join("out/management/prod-usw2"))
        .into_iter()
        .find(|(f, _)| {
            f.strip_suffix(".yaml")
                .and_then(|f| f.strip_prefix("awsmachinetemplate-prod-usw2-"))
                .is_some_and(|n| template_base(n) == "prod-usw2-gpu-a100")
        })
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .expect("the A100 AWSMachineTemplate");
    assert!(template.contains("size: 640"), "{template}");
}

#[test]
fn opencost_gets_no_made_up_gpu_price_and_cost_lists_each_gpu_type() {
    let dir = example_copy();
    let v = cost_json(dir.path(), &[]);
    let prod = cluster(&v, "prod-usw2");
    let types: Vec<&str> = prod["gpu_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["gpu_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["nvidia-a100", "nvidia-h100", "nvidia-l4"]);
    let human = stdout(&mlpc(dir.path(), &["cost"]));
    assert!(
        human.contains("per GPU nvidia-a100 ") && human.contains("nvidia-h100 spot "),
        "{human}"
    );
    // A cluster without a GPU pool: OpenCost's GPU price is 0.
    let dir = example_copy();
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "gpu_pools = [\"gpu-l4\"]\nquota = { gpu = 4,",
            "gpu_pools = [\"gpu-l4\"]\nquota = { gpu = 0,",
        )
        .replace("[[clusters]]\nname = \"prod-usw2\"", "[[clusters]]\nname = \"cpu-only\"\nenvironment = \"prod\"\nprovider = \"aws\"\nregion = \"eu-west-1\"\nwave = 1\nserver = \"https://cpu-only.k8s.acme.example:6443\"\n\n[[clusters]]\nname = \"prod-usw2\"")
    });
    // Keep the GPU workloads off the new cluster.
    edit(dir.path(), "ml-platform.toml", |t| {
        t.replace(
            "name = \"gpu-a100\"\n",
            "name = \"gpu-a100\"\nclusters = [\"stg-use1\", \"prod-usw2\"]\n",
        )
        .replace(
            "name = \"gpu-l4\"\n",
            "name = \"gpu-l4\"\nclusters = [\"stg-use1\", \"prod-usw2\"]\n",
        )
        .replace(
            "name = \"vision\"\n",
            "name = \"vision\"\nclusters = [\"stg-use1\", \"prod-usw2\"]\n",
        )
        .replace(
            "name = \"nlp\"\n",
            "name = \"nlp\"\nclusters = [\"stg-use1\", \"prod-usw2\"]\n",
        )
    });
    let o = mlpc(dir.path(), &["compile"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let app = std::fs::read_to_string(
        dir.path()
            .join("out/management/argocd/cpu-only/application-argocd-cpu-only-opencost.yaml"),
    )
    .unwrap();
    assert!(
        app.contains("GPU: \"0\"") || app.contains("GPU: '0'") || app.contains("\"GPU\":\"0\""),
        "{app}"
    );
}

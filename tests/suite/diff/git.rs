//! `mlpc diff` end to end: throw-away Git repositories built with git2 in a
//! temp dir, holding a copy of the example spec, and the real binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// A model added by the head commit (the example's recs-ranker shape).
const NEW_MODEL: &str = r#"
[[serving.models]]
name = "fraud-scorer"
team = "recsys"
format = "xgboost"
runtime = "kserve-xgbserver"
storage_uri = "s3://acme-ml-models/recsys/fraud-scorer/v1"
service_account = "recsys-models"
storage = { public = true }
min_replicas = 1
max_replicas = 4
scale_metric = "cpu"
scale_target = 60
cpu = "1"
memory = "2Gi"
"#;

struct Repo {
    dir: tempfile::TempDir,
    git: git2::Repository,
}

impl Repo {
    /// A repository whose first commit holds the example spec (under `sub`).
    fn with_example(sub: &str) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let git = git2::Repository::init(dir.path()).unwrap();
        let root = dir.path().join(sub);
        std::fs::create_dir_all(root.join("environments")).unwrap();
        std::fs::copy(
            Path::new(MANIFEST).join("ml-platform.toml"),
            root.join("ml-platform.toml"),
        )
        .unwrap();
        for e in std::fs::read_dir(Path::new(MANIFEST).join("environments")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                std::fs::copy(&p, root.join("environments").join(p.file_name().unwrap())).unwrap();
            }
        }
        let r = Repo { dir, git };
        r.commit("example spec");
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn spec(&self, sub: &str) -> PathBuf {
        self.path().join(sub).join("ml-platform.toml")
    }

    fn commit(&self, message: &str) {
        let mut index = self.git.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = self.git.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("mlpc test", "test@example.com").unwrap();
        let parent = self.git.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        self.git
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap();
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let p = self.path().join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        let new = f(text.clone());
        assert_ne!(text, new, "edit of {rel} changed nothing");
        std::fs::write(&p, new).unwrap();
    }

    fn mlpc(&self, args: &[&str]) -> Output {
        self.mlpc_in(self.path(), args)
    }

    fn mlpc_in(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mlpc"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

/// Raise vision's GPU quota (prod: staging overrides it) and serve a new model.
fn quota_and_model(text: String) -> String {
    let text = text.replacen(
        "quota = { gpu = 16, cpu = \"128\"",
        "quota = { gpu = 32, cpu = \"128\"",
        1,
    );
    text.replacen("[mesh]", &format!("{}\n[mesh]", NEW_MODEL.trim_start()), 1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", stdout(o), stderr(o)))
}

type Row = (String, String, String, String, String);

fn changes(v: &Value) -> BTreeSet<Row> {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (
                s("cluster"),
                s("kind"),
                s("namespace"),
                s("name"),
                s("change"),
            )
        })
        .collect()
}

fn row(cluster: &str, kind: &str, ns: &str, name: &str, change: &str) -> Row {
    (
        cluster.into(),
        kind.into(),
        ns.into(),
        name.into(),
        change.into(),
    )
}

/// What the quota and model change must touch, and nothing else.
fn expected_quota_and_model() -> BTreeSet<Row> {
    let mut want = BTreeSet::from([
        // vision's prod quota: its ResourceQuota and Kueue ClusterQueue.
        row(
            "prod-usw2",
            "ResourceQuota",
            "vision",
            "vision-quota",
            "modified",
        ),
        row("prod-usw2", "ClusterQueue", "", "vision", "modified"),
        // The new model's replicas are held out of recsys's Kueue share, which
        // caps the L4 runtime's pods in prod (recsys may use that pool).
        row(
            "prod-usw2",
            "ClusterTrainingRuntime",
            "",
            "torch-l4",
            "modified",
        ),
    ]);
    // The model is served on both clusters (recsys is on both), and takes
    // its share of recsys's quota from Kueue there.
    for c in ["prod-usw2", "stg-use1"] {
        want.insert(row(
            c,
            "InferenceService",
            "recsys",
            "fraud-scorer",
            "added",
        ));
        want.insert(row(c, "ClusterQueue", "", "recsys", "modified"));
    }
    want
}

fn setup_quota_and_model() -> Repo {
    let r = Repo::with_example("");
    r.edit("ml-platform.toml", quota_and_model);
    r.commit("raise vision's GPU quota; serve fraud-scorer");
    r
}

#[test]
fn quota_and_model_change_names_exactly_the_changed_objects() {
    let r = setup_quota_and_model();
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_of(&o);
    let got = changes(&v);
    assert_eq!(got, expected_quota_and_model(), "{}", stdout(&o));
    assert_eq!(v["base"], "HEAD~1");
    assert_eq!(v["head"], "working tree");
    assert_eq!(v["base_commit"].as_str().unwrap().len(), 40);

    // Field-level diffs: the quota line changes, the added model is all `+`.
    let by_kind = |k: &str, cluster: &str| {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k && c["cluster"] == cluster)
            .cloned()
            .unwrap()
    };
    let rq = by_kind("ResourceQuota", "prod-usw2");
    let diff = rq["diff"].as_str().unwrap();
    // The quota's GPUs are what Kueue can admit plus what vision's models may
    // take (12): 16 - 12 = 4 split 2/2 plus 8 borrowable per flavor is 20, so
    // 32; 32 - 12 = 20 split 11/9 plus 8 each is 36, so 48.
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("\"32\"")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("\"48\"")),
        "{diff}"
    );
    assert!(diff.contains("@@"), "{diff}");
    // Only the changed hunk, not the whole object.
    let plus_minus = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .count();
    assert_eq!(plus_minus, 2, "{diff}");
    assert_eq!(rq["apiVersion"], "v1");
    assert_eq!(rq["layer"], "tenancy");
    let isvc = by_kind("InferenceService", "stg-use1");
    assert_eq!(isvc["apiVersion"], "serving.kserve.io/v1beta1");
    let d = isvc["diff"].as_str().unwrap();
    assert!(
        d.starts_with("--- /dev/null\n+++ b/clusters/stg-use1/"),
        "{d}"
    );
    assert!(d.contains("+  name: fraud-scorer"), "{d}");
    assert!(!d.lines().skip(2).any(|l| l.starts_with('-')), "{d}");

    // Cost: vision's 16 more GPUs go to Kueue (its models' 12 are held
    // already): one more A100 node (11 → 20 GPUs on 8-GPU nodes) in prod; the
    // L4 pool is at its max_nodes already. At 730 hours.
    let cost = &v["cost"];
    assert_eq!(cost["currency"], "USD");
    let delta = cost["delta_monthly"].as_f64().unwrap();
    assert!((delta - 32.77 * 730.0).abs() < 0.005, "{cost}");
    let base = cost["base_monthly"].as_f64().unwrap();
    let head = cost["head_monthly"].as_f64().unwrap();
    assert!((head - base - delta).abs() < 0.005, "{cost}");
    let clusters: Vec<&str> = cost["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(clusters, ["prod-usw2"]);
}

#[test]
fn markdown_comment_has_summary_table_cost_and_details() {
    let r = setup_quota_and_model();
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.starts_with("### mlpc diff: 7 objects changed across 2 clusters: 2 added, 5 modified\n"),
        "{md}"
    );
    assert!(
        md.contains("| Cluster | Layer | Added | Removed | Modified | Moved |"),
        "{md}"
    );
    assert!(
        md.contains("| prod-usw2 | serving | 1 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| prod-usw2 | training | 0 | 0 | 3 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| prod-usw2 | tenancy | 0 | 0 | 1 | 0 |"),
        "{md}"
    );
    // Layers in deployment order within a cluster.
    assert!(md.find("| prod-usw2 | training").unwrap() < md.find("| prod-usw2 | serving").unwrap());
    assert!(
        md.contains("| stg-use1 | serving | 1 | 0 | 0 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| stg-use1 | training | 0 | 0 | 1 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("| **Total** | | **2** | **0** | **5** | **0** |"),
        "{md}"
    );
    assert!(md.contains("**Monthly cost estimate:**"), "{md}");
    assert!(md.contains("(+23,922.10 USD)"), "{md}");
    assert!(
        md.contains("| cluster `prod-usw2` | 113,777.80 | 137,699.90 | +23,922.10 |"),
        "{md}"
    );
    assert!(md.contains("| team `vision` |"), "{md}");
    assert_eq!(md.matches("<details>").count(), 7, "{md}");
    assert_eq!(md.matches("</details>").count(), 7, "{md}");
    assert!(md.contains("```diff\n"), "{md}");
    assert!(
        md.contains("<code>kueue.x-k8s.io/ClusterQueue</code>"),
        "{md}"
    );
    // Details in key order: cluster, group, kind, namespace, name.
    let pos = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} missing:\n{md}"));
    assert!(
        pos("<code>prod-usw2</code> · <code>ResourceQuota</code>")
            < pos("<code>prod-usw2</code> · <code>kueue.x-k8s.io/ClusterQueue</code>")
    );
    assert!(
        pos("<code>kueue.x-k8s.io/ClusterQueue</code>")
            < pos("<code>prod-usw2</code> · <code>serving.kserve.io/InferenceService</code>")
    );
    assert!(pos("<code>prod-usw2</code> · <code>serving.kserve.io") < pos("<code>stg-use1</code>"));
}

#[test]
fn same_revision_reports_no_changes() {
    let r = setup_quota_and_model();
    for format in ["human", "json", "markdown"] {
        let o = r.mlpc(&[
            "diff",
            "--base",
            "HEAD",
            "--head",
            "HEAD",
            "--format",
            format,
            "--exit-code",
        ]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stderr(&o));
        let out = stdout(&o);
        match format {
            "json" => {
                let v = json_of(&o);
                assert_eq!(v["changes"].as_array().unwrap().len(), 0);
                assert_eq!(v["cost"]["delta_monthly"].as_f64(), Some(0.0));
                assert_eq!(v["head"], "HEAD");
            }
            _ => assert!(out.contains("no changes"), "{out}"),
        }
    }
}

#[test]
fn exit_code_reports_changes_like_git() {
    let r = setup_quota_and_model();
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--head", "HEAD", "--exit-code"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let human = stdout(&o);
    assert!(
        human.contains("+ added prod-usw2 serving.kserve.io/InferenceService recsys/fraud-scorer"),
        "{human}"
    );
    assert!(
        human.contains("~ modified prod-usw2 ResourceQuota vision/vision-quota"),
        "{human}"
    );
    assert!(
        human.contains("7 objects changed across 2 clusters: 2 added, 5 modified"),
        "{human}"
    );
    assert!(human.contains("monthly cost estimate:"), "{human}");
}

#[test]
fn working_tree_is_the_head_by_default() {
    let r = Repo::with_example("");
    // Uncommitted: only the working tree has the change.
    r.edit("ml-platform.toml", quota_and_model);
    let o = r.mlpc(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(changes(&json_of(&o)), expected_quota_and_model());
    let o = r.mlpc(&[
        "diff", "--base", "HEAD", "--head", "HEAD", "--format", "json",
    ]);
    assert!(changes(&json_of(&o)).is_empty());
}

#[test]
fn filters_and_summary_mode() {
    let r = setup_quota_and_model();
    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD~1",
        "--format",
        "json",
        "--cluster",
        "stg-use1",
    ]);
    let v = json_of(&o);
    assert_eq!(
        changes(&v),
        BTreeSet::from([
            row(
                "stg-use1",
                "InferenceService",
                "recsys",
                "fraud-scorer",
                "added"
            ),
            row("stg-use1", "ClusterQueue", "", "recsys", "modified"),
        ])
    );
    // The cost follows the cluster filter: staging's pools did not change.
    assert_eq!(v["cost"]["delta_monthly"].as_f64(), Some(0.0));

    let o = r.mlpc(&[
        "diff", "--base", "HEAD~1", "--format", "json", "--layer", "tenancy", "--layer", "training",
    ]);
    let v = json_of(&o);
    assert_eq!(
        changes(&v),
        BTreeSet::from([
            row("prod-usw2", "ClusterQueue", "", "vision", "modified"),
            row("prod-usw2", "ClusterQueue", "", "recsys", "modified"),
            row("stg-use1", "ClusterQueue", "", "recsys", "modified"),
            row(
                "prod-usw2",
                "ClusterTrainingRuntime",
                "",
                "torch-l4",
                "modified"
            ),
            row(
                "prod-usw2",
                "ResourceQuota",
                "vision",
                "vision-quota",
                "modified"
            ),
        ])
    );

    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--format", "json", "--summary"]);
    let v = json_of(&o);
    assert_eq!(changes(&v), expected_quota_and_model());
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["diff"].is_null())
    );
    assert_eq!(v["summary"]["added"], 2);
    assert_eq!(v["summary"]["modified"], 5);

    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD~1",
        "--format",
        "markdown",
        "--summary",
    ]);
    let md = stdout(&o);
    assert!(md.contains("| **Total** |"), "{md}");
    assert!(!md.contains("<details>"), "{md}");

    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--summary"]);
    let human = stdout(&o);
    assert!(human.contains("CLUSTER    LAYER"), "{human}");
    assert!(!human.contains("@@"), "{human}");

    // Unknown names are usage errors.
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--layer", "servng"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean serving?"),
        "{}",
        stderr(&o)
    );
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--cluster", "prod-usw"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean prod-usw2?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn invalid_base_spec_is_reported_not_a_crash() {
    let r = Repo::with_example("");
    r.edit("ml-platform.toml", |t| {
        t.replacen("[platform]", "[platform", 1)
    });
    r.commit("broken");
    r.edit("ml-platform.toml", |t| {
        t.replacen("[platform", "[platform]", 1)
    });
    r.commit("fixed");
    let o = r.mlpc(&["diff", "--base", "HEAD~1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("base revision HEAD~1 ("), "{out}");
    assert!(out.contains("spec invalid"), "{out}");
    assert!(out.contains("ml-platform.toml:"), "{out}");
    assert!(out.contains("TOML syntax"), "{out}");
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json_of(&o);
    assert_eq!(v["errors"][0]["revision"], "HEAD~1");
    assert!(!v["errors"][0]["diagnostics"].as_array().unwrap().is_empty());
    // A semantically invalid base: a team on a pool that does not exist.
    let r = Repo::with_example("");
    r.edit("ml-platform.toml", |t| {
        t.replacen("gpu_pools = [\"gpu-l4\"]", "gpu_pools = [\"gpu-t4\"]", 1)
    });
    r.commit("bad pool");
    r.edit("ml-platform.toml", |t| {
        t.replacen("gpu_pools = [\"gpu-t4\"]", "gpu_pools = [\"gpu-l4\"]", 1)
    });
    let o = r.mlpc(&["diff", "--base", "HEAD", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("### mlpc: base revision HEAD ("),
        "{}",
        stdout(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let r = Repo::with_example("");
    let o = r.mlpc(&["diff", "--base", "no-such-rev"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown revision no-such-rev"),
        "{}",
        stderr(&o)
    );

    let plain = tempfile::tempdir().unwrap();
    let o = r.mlpc_in(plain.path(), &["diff", "--base", "HEAD"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not inside a Git repository"),
        "{}",
        stderr(&o)
    );

    // The spec did not exist at the base revision.
    let o = r.mlpc(&["diff", "--base", "HEAD", "--spec", "other.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("does not exist at revision HEAD"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn spec_in_a_subdirectory_resolves_from_the_current_directory() {
    let r = Repo::with_example("platform");
    r.edit("platform/ml-platform.toml", quota_and_model);
    r.commit("change");
    // From the repository root, with a relative spec path...
    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD~1",
        "--spec",
        "platform/ml-platform.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(changes(&json_of(&o)), expected_quota_and_model());
    // ...from the subdirectory, with the default...
    let o = r.mlpc_in(
        &r.path().join("platform"),
        &["diff", "--base", "HEAD~1", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(changes(&json_of(&o)), expected_quota_and_model());
    // ...and with an absolute path.
    let spec = r.spec("platform");
    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--spec",
        spec.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(changes(&json_of(&o)), expected_quota_and_model());
}

#[test]
fn overlays_are_read_at_each_revision() {
    let r = Repo::with_example("");
    // Staging's L4 pool grows: its MachineDeployment changes, in staging only.
    r.edit("environments/staging.toml", |t| {
        t.replacen(
            "min_nodes = 0\nmax_nodes = 4",
            "min_nodes = 0\nmax_nodes = 5",
            1,
        )
    });
    r.commit("staging: more L4 nodes");
    let o = r.mlpc(&["diff", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_of(&o);
    let got = changes(&v);
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|c| c.0 == "stg-use1" && c.4 == "modified"),
        "{got:?}"
    );
    assert!(got.iter().any(|c| c.1 == "MachineDeployment"), "{got:?}");
    // The range grows, the estimate does not (the quotas need no more nodes).
    assert_eq!(
        v["cost"]["delta_monthly"].as_f64(),
        Some(0.0),
        "{}",
        v["cost"]
    );
    let grow = v["cost"]["head_max_monthly"].as_f64().unwrap()
        - v["cost"]["base_max_monthly"].as_f64().unwrap();
    assert!((grow - 4.60 * 730.0).abs() < 0.005, "{}", v["cost"]);
}

#[test]
fn blueprint_overrides_are_read_at_each_revision() {
    let r = Repo::with_example("");
    // The base has no override directory: the embedded blueprints apply.
    let project =
        std::fs::read_to_string(Path::new(MANIFEST).join("blueprints/platform/project.yaml.j2"))
            .unwrap();
    let dir = r.path().join("bp/platform");
    std::fs::create_dir_all(&dir).unwrap();
    let changed = project.replacen("compiled by mlpc", "compiled by mlpc, overridden", 1);
    assert_ne!(changed, project, "the AppProject template changed shape");
    std::fs::write(dir.join("project.yaml.j2"), &changed).unwrap();
    r.commit("override the AppProject");
    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--blueprints",
        "bp",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("has no bp"), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(
        changes(&v),
        BTreeSet::from([row("fleet", "AppProject", "argocd", "acme-ml", "modified")])
    );
    let diff = v["changes"][0]["diff"].as_str().unwrap();
    assert!(
        diff.contains("+  description: ML platform acme-ml, compiled by mlpc, overridden"),
        "{diff}"
    );
    // Both revisions with the override: nothing changed.
    let o = r.mlpc(&[
        "diff",
        "--base",
        "HEAD",
        "--blueprints",
        "bp",
        "--format",
        "json",
        "--exit-code",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn help_has_an_example() {
    let o = Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .args(["diff", "--help"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("mlpc diff --base HEAD~1 --head HEAD --format markdown"));
}

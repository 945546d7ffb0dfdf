//! `mlpc cost` end to end on the example spec: the estimate per cluster, pool
//! and team, the delta against a Git revision, and the same prices as the
//! compiled OpenCost custom pricing.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const H: f64 = 730.0;

fn copy_example(dir: &Path) {
    std::fs::create_dir_all(dir.join("environments")).unwrap();
    std::fs::copy(
        Path::new(MANIFEST).join("ml-platform.toml"),
        dir.join("ml-platform.toml"),
    )
    .unwrap();
    for e in std::fs::read_dir(Path::new(MANIFEST).join("environments")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            std::fs::copy(&p, dir.join("environments").join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn commit_all(git: &git2::Repository, message: &str) {
    let mut index = git.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("mlpc test", "test@example.com").unwrap();
    let parent = git.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    git.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

fn mlpc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.006
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
fn estimates_per_cluster_pool_and_team() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let o = mlpc(dir.path(), &["cost", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json_of(&o);
    assert_eq!(v["currency"], "USD");
    let prod = cluster(&v, "prod-usw2");
    assert_eq!(prod["hours_per_month"].as_f64(), Some(H));
    // Teams' prod GPU quotas split over the flavors Kueue gets:
    // A100 9 + 11 = 20 GPUs → 3 nodes; H100 5 → 1; L4 7 + 8 + 4 = 19 → 5;
    // CPU quotas 128 + 192 + 64 = 384 cores → capped at 10 nodes.
    for (name, nodes, price, min, max) in [
        ("cpu-general", 10, 0.768, 2, 10),
        ("gpu-a100", 3, 32.77, 0, 4),
        ("gpu-h100", 1, 55.04, 0, 2),
        ("gpu-l4", 5, 4.60, 1, 6),
    ] {
        let p = pool(prod, name);
        assert_eq!(p["nodes"], nodes, "{name}: {p}");
        assert!(
            close(p["monthly"].as_f64().unwrap(), f64::from(nodes) * price * H),
            "{p}"
        );
        assert!(
            close(
                p["min_monthly"].as_f64().unwrap(),
                f64::from(min) * price * H
            ),
            "{p}"
        );
        assert!(
            close(
                p["max_monthly"].as_f64().unwrap(),
                f64::from(max) * price * H
            ),
            "{p}"
        );
    }
    let total = (10.0 * 0.768 + 3.0 * 32.77 + 55.04 + 5.0 * 4.60) * H;
    assert!(close(prod["monthly"].as_f64().unwrap(), total), "{prod}");
    // Teams' shares and the unallocated rest add up to the cluster.
    let teams: f64 = prod["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["monthly"].as_f64().unwrap())
        .sum();
    let rest = prod["unallocated_monthly"].as_f64().unwrap();
    assert!((teams + rest - total).abs() < 0.05, "{prod}");
    // nlp has the largest quota and the H100s to itself.
    let share = |n: &str| {
        prod["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team"] == n)
            .unwrap()["monthly"]
            .as_f64()
            .unwrap()
    };
    assert!(share("nlp") > share("vision") && share("vision") > share("recsys"));
    // The fleet total is the sum of the clusters.
    let stg = cluster(&v, "stg-use1");
    assert!(close(
        v["estimate"]["monthly"].as_f64().unwrap(),
        prod["monthly"].as_f64().unwrap() + stg["monthly"].as_f64().unwrap()
    ));

    for format in ["human", "markdown"] {
        let o = mlpc(dir.path(), &["cost", "--format", format]);
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("gpu-a100"), "{text}");
        assert!(text.contains("vision"), "{text}");
        assert!(
            text.contains(&format!(
                "{} USD/month",
                mlpc::cost::money(v["estimate"]["monthly"].as_f64().unwrap())
            )),
            "{text}"
        );
    }
}

#[test]
fn same_prices_as_the_compiled_opencost_pricing() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let o = mlpc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = mlpc(dir.path(), &["cost", "--format", "json"]);
    let v = json_of(&o);
    for c in v["estimate"]["clusters"].as_array().unwrap() {
        let name = c["cluster"].as_str().unwrap();
        let app = std::fs::read_to_string(dir.path().join(format!(
            "out/management/argocd/{name}/application-argocd-{name}-opencost.yaml"
        )))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        for key in ["cpu_hourly", "ram_gib_hourly", "gpu_hourly"] {
            let price = c["opencost"][key].as_str().unwrap();
            assert!(
                app.contains(&format!(": '{price}'"))
                    || app.contains(&format!(": \"{price}\""))
                    || app.contains(&format!(": {price}\n")),
                "{name} {key} {price} not in\n{app}"
            );
        }
    }
}

#[test]
fn delta_against_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let git = git2::Repository::init(dir.path()).unwrap();
    copy_example(dir.path());
    commit_all(&git, "example");
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replacen(
            "quota = { gpu = 16, cpu = \"128\"",
            "quota = { gpu = 24, cpu = \"128\"",
            1,
        ),
    )
    .unwrap();
    commit_all(&git, "vision: 24 GPUs");

    let o = mlpc(
        dir.path(),
        &["cost", "--base", "HEAD~1", "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json_of(&o);
    let d = &v["delta"];
    // One more A100 node and one more L4 node in prod.
    assert!(
        close(d["delta_monthly"].as_f64().unwrap(), (32.77 + 4.60) * H),
        "{d}"
    );
    assert_eq!(d["clusters"].as_array().unwrap().len(), 1);
    assert_eq!(d["clusters"][0]["name"], "prod-usw2");
    let vision = d["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "vision")
        .unwrap();
    assert!(vision["delta_monthly"].as_f64().unwrap() > 0.0, "{d}");
    assert_eq!(v["base"], "HEAD~1");
    assert!(v["base_estimate"]["monthly"].is_number());

    let o = mlpc(
        dir.path(),
        &["cost", "--base", "HEAD~1", "--format", "markdown"],
    );
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("### mlpc cost: "), "{md}");
    assert!(md.contains("+27,280.10 USD against HEAD~1"), "{md}");
    assert!(md.contains("| Delta (USD) |"), "{md}");

    let o = mlpc(dir.path(), &["cost", "--base", "HEAD~1"]);
    let human = String::from_utf8_lossy(&o.stdout);
    assert!(human.contains("+23,922.10"), "{human}");
    assert!(human.contains("DELTA"), "{human}");

    let o = mlpc(dir.path(), &["cost", "--base", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn invalid_spec_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replacen("hourly_price = 0.768", "hourly_price = \"cheap\"", 1),
    )
    .unwrap();
    let o = mlpc(dir.path(), &["cost"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("spec invalid"));
}

#[test]
fn help_has_an_example() {
    let o = mlpc(Path::new(MANIFEST), &["cost", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("mlpc cost --base origin/main"));
}

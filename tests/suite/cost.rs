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
    // Teams' prod GPU quotas: what their models may take (vision's classifier
    // and its canary at 6 replicas: 12 L4 GPUs; nlp's LLM: 4 L4 GPUs), the
    // rest split over the flavors Kueue gets: A100 2 + 9 = 11 GPUs → 2 nodes;
    // H100 4 → 1; L4 2 + 12 + 7 + 4 + 4 = 29 → capped at 6;
    // CPU quotas 128 + 192 + 64 = 384 cores → capped at 10 nodes.
    for (name, nodes, price, min, max) in [
        ("cpu-general", 10, 0.768, 2, 10),
        ("gpu-a100", 2, 32.77, 0, 4),
        ("gpu-h100", 1, 55.04, 0, 2),
        ("gpu-l4", 6, 4.60, 1, 6),
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
    let total = (10.0 * 0.768 + 2.0 * 32.77 + 55.04 + 6.0 * 4.60) * H;
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
            "quota = { gpu = 32, cpu = \"128\"",
            1,
        ),
    )
    .unwrap();
    commit_all(&git, "vision: 32 GPUs");

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
    // One more A100 node in prod (the L4 pool is at its max_nodes already).
    assert!(
        close(d["delta_monthly"].as_f64().unwrap(), 32.77 * H),
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
    assert!(md.contains("+23,922.10 USD against HEAD~1"), "{md}");
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

fn yaml_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    mlpc::yaml::parse_stream(&text).unwrap().remove(0)
}

/// OpenCost's CSV provider (v1.117) and cost model on one pool's rows:
/// `CSVProvider.NodePricing` makes the node cost `node + n x gpu` with a
/// per-GPU cost `gpu`; `CostModel.GetNodeCost` splits `cost - gpu` into CPU
/// and RAM. Returns (node total per hour, per-GPU price).
fn opencost_sees(node: f64, gpu: Option<f64>, n: f64) -> (f64, f64) {
    let g = gpu.unwrap_or(0.0);
    let cost = node + n * g;
    let cpu_ram = cost - g;
    (cpu_ram + n * g, g)
}

#[test]
fn opencost_price_list_prices_each_pool_gpu_type_and_spot_as_cost_does() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let o = mlpc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json_of(&mlpc(dir.path(), &["cost", "--format", "json"]));
    let c = cluster(&v, "prod-usw2");
    let out = dir.path().join("out");
    // The price list OpenCost reads (its CSV provider, from a ConfigMap).
    let cm =
        yaml_file(&out.join("clusters/prod-usw2/08-cost/configmap-opencost-mlpc-node-prices.yaml"));
    let csv = cm["data"]["node-prices.csv"].as_str().unwrap();
    let mut node_rows = std::collections::BTreeMap::new();
    let mut gpu_rows = std::collections::BTreeMap::new();
    for line in csv.lines() {
        if line.starts_with('#') {
            assert!(!line.contains(','), "a comment is one CSV field: {line}");
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 8, "{line}");
        let price: f64 = f[6].parse().unwrap();
        match f[3] {
            "node" => {
                assert_eq!(f[4], "metadata.labels.mlpc.io/pool");
                node_rows.insert(f[1].to_string(), price);
            }
            "gpu" => {
                assert_eq!(f[4], "mlpc.io/pool");
                gpu_rows.insert(f[1].to_string(), price);
            }
            other => panic!("asset class {other}"),
        }
    }
    let gpu_types = c["gpu_types"].as_array().unwrap();
    for p in c["pools"].as_array().unwrap() {
        let name = p["pool"].as_str().unwrap();
        let n = if p["unit"] == "gpu" {
            p["units_per_node"].as_f64().unwrap()
        } else {
            0.0
        };
        let (total, g) = opencost_sees(node_rows[name], gpu_rows.get(name).copied(), n);
        // Every node costs OpenCost what `mlpc cost` prices it at (spot pools at their spot price).
        assert!(
            (total - p["hourly_price"].as_f64().unwrap()).abs() < 1e-5,
            "{name}: OpenCost {total} vs {}",
            p["hourly_price"]
        );
        if n > 0.0 {
            let spot = p["spot"].as_bool().unwrap();
            assert!(
                gpu_types.iter().any(|t| t["spot"] == spot
                    && (t["hourly"].as_str().unwrap().parse::<f64>().unwrap() - g).abs() < 1e-9),
                "{name}: GPU {g} (spot {spot}) not in {gpu_types:?}"
            );
        }
    }
    // Each GPU type on its own, the spot H100 marked spot.
    let h100 = gpu_types
        .iter()
        .find(|t| t["gpu_type"] == "nvidia-h100")
        .unwrap();
    assert_eq!(h100["spot"], true);
    let a100 = gpu_types
        .iter()
        .find(|t| t["gpu_type"] == "nvidia-a100")
        .unwrap();
    assert_ne!(h100["hourly"], a100["hourly"]);
    assert_eq!(
        gpu_rows["gpu-h100"].to_string(),
        h100["hourly"].as_str().unwrap()
    );

    // OpenCost uses the CSV provider on that file, mounted from that ConfigMap.
    let argocd = out.join("management/argocd/prod-usw2");
    let oc = yaml_file(&argocd.join("application-argocd-prod-usw2-opencost.yaml"));
    let values = &oc["spec"]["source"]["helm"]["valuesObject"];
    let env = &values["opencost"]["exporter"]["extraEnv"];
    assert_eq!(env["USE_CUSTOM_PROVIDER"], "true");
    assert_eq!(env["USE_CSV_PROVIDER"], "true");
    let mount = &values["opencost"]["exporter"]["extraVolumeMounts"][0];
    assert_eq!(
        env["CSV_PATH"].as_str().unwrap(),
        format!("{}/node-prices.csv", mount["mountPath"].as_str().unwrap())
    );
    let vol = &values["extraVolumes"][0];
    assert_eq!(vol["name"], mount["name"]);
    assert_eq!(vol["configMap"]["name"], cm["metadata"]["name"]);
    assert_eq!(
        oc["spec"]["destination"]["namespace"],
        cm["metadata"]["namespace"]
    );
    // The price list syncs before the install that mounts it.
    let wave = |o: &Value| -> i64 {
        o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let layer = yaml_file(&argocd.join("application-argocd-prod-usw2-cost.yaml"));
    assert!(wave(&layer) < wave(&oc));
}

#[test]
fn opencost_reads_a_prometheus_the_platform_installs() {
    let dir = tempfile::tempdir().unwrap();
    copy_example(dir.path());
    let o = mlpc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let argocd = dir.path().join("out/management/argocd/stg-use1");
    let prom = yaml_file(&argocd.join("application-argocd-stg-use1-prometheus.yaml"));
    let oc = yaml_file(&argocd.join("application-argocd-stg-use1-opencost.yaml"));
    let src = &prom["spec"]["source"];
    assert_eq!(
        src["repoURL"],
        "https://prometheus-community.github.io/helm-charts"
    );
    assert_eq!(src["chart"], "prometheus");
    assert!(
        src["targetRevision"].as_str().unwrap().split('.').count() == 3,
        "pinned: {}",
        src["targetRevision"]
    );
    // OpenCost's in-cluster Prometheus is that release's server Service (port 80).
    let internal =
        &oc["spec"]["source"]["helm"]["valuesObject"]["opencost"]["prometheus"]["internal"];
    assert_eq!(internal["enabled"], true);
    assert_eq!(
        internal["namespaceName"],
        prom["spec"]["destination"]["namespace"]
    );
    assert_eq!(
        internal["serviceName"].as_str().unwrap(),
        format!("{}-server", src["helm"]["releaseName"].as_str().unwrap())
    );
    assert_eq!(internal["port"], 80);
    // What OpenCost needs scraped: the chart's default jobs (cAdvisor,
    // kube-state-metrics and node-exporter through service endpoints) stay on,
    // and a job scrapes OpenCost's own metrics at its Service.
    let values = &src["helm"]["valuesObject"];
    assert!(values.get("scrapeConfigs").is_none(), "default jobs kept");
    assert_ne!(values["kube-state-metrics"]["enabled"], false);
    assert_ne!(values["prometheus-node-exporter"]["enabled"], false);
    let jobs = mlpc::yaml::parse_stream(values["extraScrapeConfigs"].as_str().unwrap())
        .unwrap()
        .remove(0);
    let job = &jobs[0];
    assert_eq!(job["job_name"], "opencost");
    let ns = oc["spec"]["destination"]["namespace"].as_str().unwrap();
    let release = oc["spec"]["source"]["helm"]["releaseName"]
        .as_str()
        .unwrap();
    assert_eq!(
        job["dns_sd_configs"][0]["names"][0].as_str().unwrap(),
        format!("{release}.{ns}")
    );
    assert_eq!(job["dns_sd_configs"][0]["port"], 9003);
    // Prometheus is up before OpenCost, and the AppProject lets the chart in.
    let wave = |o: &Value| {
        o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    assert!(wave(&prom) < wave(&oc));
    let project = std::fs::read_to_string(
        dir.path()
            .join("out/management/argocd/appproject-argocd-acme-ml.yaml"),
    )
    .unwrap();
    assert!(project.contains("https://prometheus-community.github.io/helm-charts"));
}

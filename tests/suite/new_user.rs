//! A new user's steps, as the README's first screens tell them, on an
//! `mlpc init`-ed directory: write a GCP + Azure + docker platform, validate,
//! compile, check, diff and cost. Also per-cluster overlays, the lock files
//! Git must not see, and the README's own claims about these.

use std::path::Path;

use crate::support::*;

const SPEC: &str = r#"#:schema ./schemas/ml-platform.schema.json
# Nova ML: a kind cluster for development, production on GCP and Azure.

[platform]
name = "nova-ml"
domain = "ml.nova.example"
kubernetes_version = "v1.34.1"

[gitops]
repo_url = "https://git.nova.example/platform/ml-gitops.git"

[[clusters]]
name = "dev-kind"
environment = "dev"
provider = "docker"
region = "local"
server = "https://dev-kind.k8s.nova.example:6443"
control_plane = { replicas = 1 }

[[clusters]]
name = "prod-gcp"
environment = "prod"
provider = "gcp"
region = "europe-west4"
wave = 1
server = "https://prod-gcp.k8s.nova.example:6443"
gcp = { project = "nova-ml-prod" }

[[clusters]]
name = "prod-azure"
environment = "prod"
provider = "azure"
region = "westeurope"
wave = 1
server = "https://prod-azure.k8s.nova.example:6443"
azure = { subscription_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", tenant_id = "11111111-2222-3333-4444-555555555555", client_id = "66666666-7777-8888-9999-000000000000" }

[[node_pools]]
name = "cpu-kind"
instance_type = "kind-worker"
cpu = 8
memory_gib = 32
min_nodes = 1
max_nodes = 2
hourly_price = 0
clusters = ["dev-kind"]

[[node_pools]]
name = "cpu-gcp"
instance_type = "n2-standard-16"
cpu = 16
memory_gib = 64
min_nodes = 2
max_nodes = 6
hourly_price = 0.78
clusters = ["prod-gcp"]

[[node_pools]]
name = "gpu-gcp-a100"
instance_type = "a2-highgpu-8g"
gpu = { type = "nvidia-a100", count = 8 }
cpu = 96
memory_gib = 680
max_nodes = 2
hourly_price = 29.39
clusters = ["prod-gcp"]

[[node_pools]]
name = "cpu-azure"
instance_type = "Standard_D16s_v5"
cpu = 16
memory_gib = 64
min_nodes = 2
max_nodes = 6
hourly_price = 0.77
clusters = ["prod-azure"]

[[node_pools]]
name = "gpu-azure-a100"
instance_type = "Standard_ND96asr_v4"
gpu = { type = "nvidia-a100", count = 8 }
cpu = 96
memory_gib = 900
max_nodes = 1
hourly_price = 27.2
clusters = ["prod-azure"]

[[teams]]
name = "research"
owners = ["lead@nova.example"]
quota = { gpu = 8, cpu = "64", memory = "256Gi" }

[[serving.models]]
name = "ranker"
team = "research"
format = "sklearn"
storage_uri = "gs://nova-models/ranker/v1"
# Public buckets: no credentials on any of the three providers.
storage = { public = true }
"#;

/// Development has no GPU: the team's GPU quota is zero there.
const DEV: &str = r#"#:schema ../schemas/ml-platform.schema.json
[[teams]]
name = "research"
quota = { gpu = 0, cpu = "8", memory = "32Gi" }
"#;

/// Azure reads the model from Blob storage: one key, no duplicated model.
const AZURE: &str = r#"#:schema ../schemas/ml-platform.schema.json
[[serving.models]]
name = "ranker"
storage_uri = "https://novamodels.blob.core.windows.net/models/ranker/v1"
"#;

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = mlpc(dir, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "mlpc {args:?}:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn new_platform() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    ok(root, &["init"]);
    // The starter's overlays are the example's; this platform has its own.
    std::fs::remove_file(root.join("environments/staging.toml")).unwrap();
    std::fs::remove_file(root.join("environments/prod.toml")).unwrap();
    std::fs::write(root.join("ml-platform.toml"), SPEC).unwrap();
    std::fs::write(root.join("environments/dev.toml"), DEV).unwrap();
    std::fs::create_dir_all(root.join("clusters")).unwrap();
    std::fs::write(root.join("clusters/prod-azure.toml"), AZURE).unwrap();
    dir
}

#[test]
fn a_new_user_compiles_a_three_provider_platform_on_an_init_ed_directory() {
    let dir = new_platform();
    let root = dir.path();
    let text = ok(root, &["validate"]);
    assert!(text.contains("0 error(s), 0 warning(s)"), "{text}");
    ok(root, &["compile"]);
    let out = root.join("out");
    for (cluster, infra) in [
        ("dev-kind", "dockercluster"),
        ("prod-gcp", "gcpcluster"),
        ("prod-azure", "azurecluster"),
    ] {
        let files: Vec<String> = std::fs::read_dir(out.join("management").join(cluster))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            files.iter().any(|f| f.starts_with(infra)),
            "{cluster}: {files:?}"
        );
    }
    // The per-cluster overlay reached Azure only.
    let isvc = |c: &str| {
        std::fs::read_to_string(out.join(format!(
            "clusters/{c}/05-serving/inferenceservice-research-ranker.yaml"
        )))
        .unwrap()
    };
    assert!(isvc("prod-azure").contains("novamodels.blob.core.windows.net"));
    assert!(isvc("prod-gcp").contains("gs://nova-models/ranker/v1"));
    ok(
        root,
        &[
            "check",
            "--schemas",
            &shared_schemas().display().to_string(),
            "--schemas",
            "schemas/extra",
        ],
    );
    // Git: commit, change a quota, preview it.
    let git = git2::Repository::init(root).unwrap();
    commit_all(&git, "platform");
    let spec = root.join("ml-platform.toml");
    let changed = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("quota = { gpu = 8,", "quota = { gpu = 12,");
    std::fs::write(&spec, changed).unwrap();
    let diff = ok(root, &["diff", "--base", "HEAD"]);
    assert!(diff.contains("ClusterQueue"), "{diff}");
    let cost = ok(root, &["cost", "--base", "HEAD"]);
    for c in ["dev-kind", "prod-gcp", "prod-azure"] {
        assert!(cost.contains(c), "{cost}");
    }
}

#[test]
fn per_cluster_overlays_merge_after_the_environment_and_keep_positions() {
    let dir = new_platform();
    let root = dir.path();
    // A typo in the cluster overlay's entry name: one error, in that file.
    std::fs::write(
        root.join("clusters/prod-azure.toml"),
        "[[serving.models]]\nname = \"rankr\"\nstorage_uri = \"https://novamodels.blob.core.windows.net/models/ranker/v1\"\n",
    )
    .unwrap();
    let o = mlpc(root, &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v[0];
    assert_eq!(v.as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(d["code"], "E160", "{v:#}");
    assert_eq!(d["position"]["file"], "clusters/prod-azure.toml");
    assert_eq!(d["position"]["line"], 2);
    assert!(
        d["hint"]
            .as_str()
            .unwrap()
            .contains("did you mean \"ranker\"")
    );
    // A bad value in the cluster overlay points at it.
    std::fs::write(
        root.join("clusters/prod-azure.toml"),
        "[[serving.models]]\nname = \"ranker\"\nstorage_uri = \"ftp://models/ranker\"\n",
    )
    .unwrap();
    let o = mlpc(root, &["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "E125", "{v:#}");
    assert_eq!(v[0]["position"]["file"], "clusters/prod-azure.toml");
    assert_eq!(v[0]["position"]["line"], 3);
    // A file for no cluster: W164 with a suggestion.
    std::fs::write(root.join("clusters/prod-azure.toml"), AZURE).unwrap();
    std::fs::write(root.join("clusters/prod-azur.toml"), "").unwrap();
    let o = mlpc(root, &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "W164", "{v:#}");
    assert!(
        v[0]["hint"]
            .as_str()
            .unwrap()
            .contains("clusters/prod-azure.toml")
    );
}

#[test]
fn diff_and_cost_at_a_revision_read_the_cluster_overlays() {
    let dir = new_platform();
    let root = dir.path();
    let git = git2::Repository::init(root).unwrap();
    commit_all(&git, "platform");
    // Only the cluster overlay changes: the diff sees it, for that cluster only.
    std::fs::write(
        root.join("clusters/prod-azure.toml"),
        AZURE.replace("ranker/v1", "ranker/v2"),
    )
    .unwrap();
    let o = mlpc(root, &["diff", "--base", "HEAD", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{v:#}");
    assert_eq!(changes[0]["cluster"], "prod-azure");
    assert_eq!(changes[0]["kind"], "InferenceService");
    // A pool resized in a cluster overlay changes that cluster's cost at HEAD.
    std::fs::write(
        root.join("clusters/prod-gcp.toml"),
        "[[node_pools]]\nname = \"cpu-gcp\"\nmin_nodes = 4\n",
    )
    .unwrap();
    commit_all(&git, "bigger gcp");
    let o = mlpc(root, &["cost", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("prod-gcp"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(text.contains("delta"), "{v:#}");
}

#[test]
fn the_lock_files_of_a_compile_are_ignored_by_git() {
    // In an init-ed repository...
    let dir = new_platform();
    let root = dir.path();
    ok(root, &["compile"]);
    assert!(root.join(".out.mlpc-lock").exists());
    let git = git2::Repository::init(root).unwrap();
    assert!(git.is_path_ignored(".out.mlpc-lock").unwrap());
    assert!(git.is_path_ignored(".out.mlpc-tmp-123").unwrap());
    assert!(!git.is_path_ignored("out/mlpc.lock").unwrap());
    // ...and in this repository, where none is committed.
    let this = git2::Repository::open(repo()).unwrap();
    assert!(this.is_path_ignored(".out.mlpc-lock").unwrap());
    let index = this.index().unwrap();
    assert!(index.get_path(Path::new(".out.mlpc-lock"), 0).is_none());
    // init keeps a user's .gitignore and adds to it once.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "/secrets").unwrap();
    ok(dir.path(), &["init"]);
    ok(dir.path(), &["init", "--force"]);
    let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
    assert!(text.starts_with("/secrets\n"), "{text}");
    assert_eq!(text.matches(".*.mlpc-lock").count(), 1, "{text}");
}

/// The README's first screens: the two commands of a fresh machine, then a
/// new platform from `mlpc init` to a compile, with an install command that
/// works from a checkout; and no output directory it describes is missing.
#[test]
fn the_readme_gets_a_new_user_from_nothing_to_a_compiled_platform() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let first: String = readme.lines().take(60).collect::<Vec<_>>().join("\n");
    for needle in [
        "cargo run --release -- compile",
        "cargo test ",
        "cargo install --locked --path .",
        "mlpc init --dir my-platform",
        "mlpc validate",
        "mlpc compile",
        "../shared/schemas",
        "docker build",
    ] {
        assert!(first.contains(needle), "first screens lack `{needle}`");
    }
    // The new-platform block runs as written (mlpc from this build).
    let dir = tempfile::tempdir().unwrap();
    let block: Vec<&str> = first
        .lines()
        .skip_while(|l| !l.starts_with("mlpc init"))
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(block.len() >= 4, "{block:?}");
    let mut cwd = dir.path().to_path_buf();
    for line in block {
        let cmd = line.split('#').next().unwrap().trim();
        if let Some(d) = cmd.strip_prefix("cd ") {
            cwd = cwd.join(d);
            continue;
        }
        let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
        ok(&cwd, &args);
    }
    assert!(cwd.join("out/mlpc.lock").is_file());
    // Every layer directory the README lists is emitted, and only those.
    let listed: Vec<String> = readme
        .lines()
        .skip_while(|l| !l.contains("clusters/<cluster>/<NN-layer>/"))
        .take(2)
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|w| w.len() > 3 && w.as_bytes()[0].is_ascii_digit() && w.as_bytes()[2] == b'-')
        .map(|w| w.trim_end_matches(':').to_string())
        .collect();
    let mut emitted: Vec<String> = std::fs::read_dir(cwd.join("out/clusters/prod-usw2"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    emitted.sort();
    assert_eq!(listed, emitted);
}

/// Every finding code the validator can emit is documented in the README's
/// table (the codes are string literals in src/validate).
#[test]
fn every_validation_code_is_in_the_readme() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut codes = std::collections::BTreeSet::new();
    for dir in ["src/validate", "src/spec", "src/check"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            let starts = ["\"E1", "\"W1", "\"E2", "\"W2"];
            for (i, _) in starts.iter().flat_map(|p| text.match_indices(p)) {
                let code = &text[i + 1..(i + 5).min(text.len())];
                if code[1..].chars().all(|c| c.is_ascii_digit()) && text[i + 5..].starts_with('"') {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    assert!(codes.len() > 40, "{codes:?}");
    for code in ["E160", "W161", "E162", "E163", "W164"] {
        assert!(codes.contains(code), "{code} is emitted");
    }
    for code in codes {
        assert!(
            readme.contains(&format!("| {code} |")),
            "{code} is not in the README"
        );
    }
}

/// A cluster with its own overlay is judged by its own view: a GPU pool its
/// overlay sizes is not "missing" in its environment's view.
#[test]
fn per_cluster_rules_judge_a_cluster_by_its_own_view() {
    let dir = new_platform();
    let root = dir.path();
    let spec = std::fs::read_to_string(root.join("ml-platform.toml")).unwrap();
    std::fs::write(
        root.join("ml-platform.toml"),
        spec.replace(
            "memory_gib = 900\nmax_nodes = 1\n",
            "memory_gib = 900\nmax_nodes = 0\n",
        ),
    )
    .unwrap();
    let o = mlpc(root, &["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("W115"), "without the overlay: {v:#}");
    std::fs::write(
        root.join("clusters/prod-azure.toml"),
        format!("{AZURE}\n[[node_pools]]\nname = \"gpu-azure-a100\"\nmax_nodes = 1\n"),
    )
    .unwrap();
    let o = mlpc(root, &["validate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v.to_string().contains("W115"), "{v:#}");
    // The pool's own max_nodes = 0 in the base is still reported (W137).
    assert!(v.to_string().contains("W137"), "{v:#}");
}

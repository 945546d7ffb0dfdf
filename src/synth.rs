//! Synthetic specs of a chosen size, for benchmarks, scale tests and fuzzing
//! seeds (`mlpc synth`, hidden). The output is a valid spec: every team runs
//! on two clusters, serves one model, every fifth team runs a sweep; clusters
//! alternate between staging and production across three waves.

use std::fmt::Write;

#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub clusters: usize,
    pub teams: usize,
}

/// Every provider in turn, so a fleet of seven or more covers them all.
pub const PROVIDERS: [&str; 7] = ["aws", "gcp", "azure", "docker", "eks", "gke", "aks"];

/// The settings table a provider requires (GCP project, Azure identity).
fn provider_settings(provider: &str, i: usize) -> String {
    match provider {
        "gcp" | "gke" => format!("gcp = {{ project = \"synth-project-{i:04}\" }}\n"),
        "azure" | "aks" => format!(
            "azure = {{ subscription_id = \"00000000-0000-0000-0000-{i:012}\", tenant_id = \"11111111-1111-1111-1111-111111111111\", client_id = \"22222222-2222-2222-2222-222222222222\" }}\n"
        ),
        _ => String::new(),
    }
}

pub fn spec(size: Size) -> String {
    let n = size.clusters.max(1);
    let mut s = String::new();
    let _ = write!(
        s,
        "#:schema ./schemas/ml-platform.schema.json\n# Synthetic platform: {n} clusters, {} teams (mlpc synth).\n\n\
[platform]\nname = \"synth\"\ndomain = \"synth.example\"\nkubernetes_version = \"v1.34.1\"\n\n\
[gitops]\nrepo_url = \"https://git.example/synth/platform.git\"\n\n\
[policy]\nallowed_registries = [\"ghcr.io/synth/\", \"kserve/\", \"docker.io/istio/\"]\n\n",
        size.teams
    );
    for i in 0..n {
        let env = if i % 2 == 0 { "staging" } else { "prod" };
        let wave = (i * 3) / n;
        let provider = PROVIDERS[i % PROVIDERS.len()];
        let _ = write!(
            s,
            "[[clusters]]\nname = \"c{i:04}\"\nenvironment = \"{env}\"\nprovider = \"{provider}\"\nregion = \"region-{}\"\nwave = {wave}\nserver = \"https://c{i:04}.k8s.synth.example:6443\"\ncontrol_plane = {{ replicas = 3 }}\n{}\n",
            i % 7,
            provider_settings(provider, i)
        );
    }
    // GPU capacity grows with the teams a cluster hosts, so quotas never overcommit.
    let per_cluster_teams = (size.teams * 2).div_ceil(n).max(1) as u64;
    let _ = write!(
        s,
        "[[node_pools]]\nname = \"cpu\"\ninstance_type = \"m6i.4xlarge\"\ncpu = 16\nmemory_gib = 64\nmin_nodes = 1\nmax_nodes = {}\nhourly_price = 0.768\n\n\
[[node_pools]]\nname = \"gpu-a100\"\ninstance_type = \"p4d.24xlarge\"\ngpu = {{ type = \"nvidia-a100\", count = 8 }}\ncpu = 96\nmemory_gib = 1152\nmax_nodes = {}\nhourly_price = 32.77\n\n\
[[node_pools]]\nname = \"gpu-l4\"\ninstance_type = \"g6.12xlarge\"\ngpu = {{ type = \"nvidia-l4\", count = 4 }}\ncpu = 48\nmemory_gib = 192\nmax_nodes = {}\nhourly_price = 4.6\n\n",
        4 + per_cluster_teams,
        per_cluster_teams.div_ceil(2),
        per_cluster_teams
    );
    for t in 0..size.teams {
        let (a, b) = (t % n, (t + 1) % n);
        let clusters = if a == b {
            format!("[\"c{a:04}\"]")
        } else {
            format!("[\"c{a:04}\", \"c{b:04}\"]")
        };
        let _ = write!(
            s,
            "[[teams]]\nname = \"team-{t:04}\"\nowners = [\"owner{t}@synth.example\"]\nmembers = [\"dev{t}@synth.example\"]\nclusters = {clusters}\nquota = {{ gpu = 4, cpu = \"32\", memory = \"128Gi\", pods = 50 }}\n\n"
        );
    }
    s.push_str("[pipelines.artifact_store]\ntype = \"s3\"\nbucket = \"synth-artifacts\"\nregion = \"us-east-1\"\n\n");
    for t in 0..size.teams {
        let _ = write!(
            s,
            "[[serving.models]]\nname = \"model-{t:04}\"\nteam = \"team-{t:04}\"\nformat = \"sklearn\"\nstorage_uri = \"s3://synth-models/team-{t:04}/v1\"\nstorage = {{ public = true }}\nscale_metric = \"cpu\"\nscale_target = 70\n\n"
        );
    }
    for t in (0..size.teams).step_by(5) {
        let _ = write!(
            s,
            "[[tuning.experiments]]\nname = \"sweep-{t:04}\"\nteam = \"team-{t:04}\"\nalgorithm = \"random\"\nobjective = {{ type = \"maximize\", metric = \"accuracy\" }}\nimage = \"ghcr.io/synth/train:1.0.0\"\ncommand = [\"python\", \"train.py\", \"--lr=${{trialParameters.lr}}\"]\nnode_pool = \"gpu-l4\"\ngpus_per_trial = 1\n\n[[tuning.experiments.parameters]]\nname = \"lr\"\ntype = \"double\"\nmin = 0.001\nmax = 0.1\n\n"
        );
    }
    s
}

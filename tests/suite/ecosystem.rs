//! Render (Argo CD plugin mode), graph and shell completions.

use crate::support::*;

#[test]
fn render_streams_one_clusters_objects() {
    let o = mlpc(&repo(), &["render", "--cluster", "prod-usw2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let docs = mlpc::yaml::parse_stream(&stdout(&o)).expect("a YAML stream");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(
        mlpc(&repo(), &["compile", "--out", out.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let files: Vec<_> = read_tree(&out)
        .into_keys()
        .filter(|k| k.starts_with("clusters/prod-usw2/") && !k.ends_with("kustomization.yaml"))
        .collect();
    assert_eq!(docs.len(), files.len());
    assert!(
        docs.iter()
            .all(|d| d["metadata"]["labels"]["mlpc.io/cluster"] == "prod-usw2")
    );
    let mgmt = mlpc(
        &repo(),
        &["render", "--cluster", "prod-usw2", "--scope", "management"],
    );
    let docs = mlpc::yaml::parse_stream(&stdout(&mgmt)).unwrap();
    assert!(docs.iter().any(|d| d["kind"] == "MachineDeployment"));
    assert!(docs.iter().any(|d| d["kind"] == "Application"));
    let bad = mlpc(&repo(), &["render", "--cluster", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn graph_draws_waves_pools_teams_and_models() {
    let o = mlpc(&repo(), &["graph"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let g = stdout(&o);
    assert!(g.starts_with("flowchart LR\n"), "{g}");
    assert!(
        g.contains("subgraph wave0[\"wave 0\"]") && g.contains("wave0 ==> wave1"),
        "{g}"
    );
    assert!(
        g.contains("pool gpu-h100: 0..2 × p5.48xlarge, 8× nvidia-h100"),
        "{g}"
    );
    assert!(g.contains("team vision: 16 GPU"), "{g}");
    assert!(
        g.contains("model image-classifier (pytorch, canary 10%)"),
        "{g}"
    );
    assert!(
        g.contains(
            "layers: bootstrap, mesh, pipelines, training, tuning, serving, tenancy, policy"
        ),
        "{g}"
    );
    // The H100 pool exists only in production.
    assert!(!g.contains("stg_use1_pool_gpu_h100"), "{g}");
    let dot = stdout(&mlpc(&repo(), &["graph", "--format", "dot"]));
    assert!(
        dot.starts_with("digraph platform {") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_mlpc()"),
        ("zsh", "#compdef mlpc"),
        ("fish", "complete -c mlpc"),
    ] {
        let o = mlpc(&repo(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0));
        let s = stdout(&o);
        assert!(s.contains(marker), "{shell}: {s}");
        assert!(
            s.contains("compile") && s.contains("validate"),
            "{shell} lists subcommands"
        );
    }
}

#[test]
fn every_subcommand_help_has_an_example() {
    for cmd in [
        "validate",
        "compile",
        "check",
        "schema",
        "init",
        "render",
        "graph",
        "completions",
    ] {
        let o = mlpc(&repo(), &[cmd, "--help"]);
        assert!(
            stdout(&o).contains("Example"),
            "{cmd} --help has no example:\n{}",
            stdout(&o)
        );
    }
}

//! The diff's PR comment includes the platform picture when the topology
//! (clusters, waves, pools, teams, models) changes, and only then.

use crate::support::*;

#[test]
fn graph_appears_only_when_the_topology_changes() {
    let dir = example_copy();
    let git = git2::Repository::init(dir.path()).unwrap();
    commit_all(&git, "example");
    let spec = dir.path().join("ml-platform.toml");
    // A quota change: same picture.
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "quota = { gpu = 4, cpu = \"64\"",
        "quota = { gpu = 6, cpu = \"64\"",
    );
    std::fs::write(&spec, &text).unwrap();
    let md = stdout(&mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    ));
    // recsys borrows without limit, so only its Kueue quota moves.
    assert!(md.contains("ClusterQueue"), "{md}");
    assert!(!md.contains("```mermaid"), "{md}");
    // A new GPU pool in production: the picture is included.
    let text = text
        + "\n[[node_pools]]\nname = \"gpu-h200\"\ninstance_type = \"p5en.48xlarge\"\ngpu = { type = \"nvidia-h200\", count = 8 }\ncpu = 192\nmemory_gib = 2048\nmax_nodes = 1\nhourly_price = 63.3\nclusters = [\"prod-usw2\"]\n";
    std::fs::write(&spec, text).unwrap();
    let md = stdout(&mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    ));
    assert!(md.contains("Platform topology changed"), "{md}");
    assert!(md.contains("```mermaid\nflowchart LR"), "{md}");
    assert!(
        md.contains("pool gpu-h200: 0..1 × p5en.48xlarge, 8× nvidia-h200"),
        "{md}"
    );
}

#[test]
fn the_picture_never_pushes_the_comment_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let git = git2::Repository::init(dir.path()).unwrap();
    let spec = dir.path().join("ml-platform.toml");
    std::fs::write(
        &spec,
        mlpc::synth::spec(mlpc::synth::Size {
            clusters: 100,
            teams: 200,
        }),
    )
    .unwrap();
    commit_all(&git, "fleet");
    let text = std::fs::read_to_string(&spec).unwrap()
        + "\n[[teams]]\nname = \"newcomers\"\nowners = [\"n@synth.example\"]\nquota = { gpu = 1 }\n";
    std::fs::write(&spec, text).unwrap();
    let md = stdout(&mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    ));
    assert!(
        md.chars().count() <= 60_000,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("Platform topology changed"),
        "{}",
        &md[..md.len().min(2000)]
    );
}

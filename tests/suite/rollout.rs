//! `mlpc rollout plan`: waves in order, and against a Git base which
//! clusters each wave changes (a throw-away git2 repository).

use std::path::Path;

use crate::support::*;

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let o = mlpc(dir, args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn waves_in_order_with_their_clusters() {
    let v = json(&repo(), &["rollout", "plan", "--format", "json"]);
    let waves = v["waves"].as_array().unwrap();
    assert_eq!(waves.len(), 2);
    assert_eq!(waves[0]["wave"], 0);
    assert_eq!(waves[0]["clusters"][0]["cluster"], "stg-use1");
    assert_eq!(waves[1]["clusters"][0]["cluster"], "prod-usw2");
    assert!(
        waves[0]["clusters"][0]["changes"].is_null(),
        "no base, no change counts"
    );
}

#[test]
fn against_a_base_each_wave_shows_what_it_changes() {
    let dir = example_copy();
    let git = git2::Repository::init(dir.path()).unwrap();
    commit_all(&git, "example");
    // A production-only change: the staging wave changes nothing.
    let prod = dir.path().join("environments/prod.toml");
    let text = std::fs::read_to_string(&prod)
        .unwrap()
        .replace("max_replicas = 12", "max_replicas = 16");
    std::fs::write(&prod, text).unwrap();
    commit_all(&git, "more ranker replicas in prod");
    let v = json(
        dir.path(),
        &[
            "rollout", "plan", "--base", "HEAD~1", "--head", "HEAD", "--format", "json",
        ],
    );
    assert_eq!(v["base"], "HEAD~1");
    let waves = v["waves"].as_array().unwrap();
    assert_eq!(waves[0]["clusters"][0]["changes"]["total"], 0);
    assert_eq!(waves[0]["changed_clusters"], 0);
    // The InferenceService, and recsys's Kueue share its replicas come out of
    // (its ClusterQueue, and the L4 runtime sized within it).
    assert_eq!(waves[1]["clusters"][0]["changes"]["modified"], 3);
    assert_eq!(waves[1]["changed_clusters"], 1);
    let md = stdout(&mlpc(
        dir.path(),
        &[
            "rollout", "plan", "--base", "HEAD~1", "--format", "markdown",
        ],
    ));
    assert!(
        md.contains("| 1 | all | `prod-usw2` | prod | 3 object(s) change: 3 modified |"),
        "{md}"
    );
    assert!(
        md.contains("| 0 | all | `stg-use1` | staging | no change |"),
        "{md}"
    );
    let human = stdout(&mlpc(dir.path(), &["rollout", "plan", "--base", "HEAD~1"]));
    assert!(human.contains("wave 1 (maxUpdate: all)"), "{human}");
    // An unknown revision is a usage error.
    assert_eq!(
        mlpc(dir.path(), &["rollout", "plan", "--base", "nope"])
            .status
            .code(),
        Some(2)
    );
}

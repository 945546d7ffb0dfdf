//! The ready-to-copy CI pipelines in examples/ci run these exact `mlpc`
//! commands; run them here, against a throw-away repository holding the
//! example, so the templates cannot rot.

mod support;

use std::path::Path;
use std::process::Command;

use support::*;

/// Every `mlpc ...` command line of a pipeline file, in order.
fn mlpc_commands(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .trim()
        })
        .filter(|l| l.starts_with("mlpc "))
        .map(str::to_string)
        .collect()
}

#[test]
fn ci_pipeline_commands_run_on_the_example() {
    let dir = example_copy();
    let root = dir.path();
    let git = git2::Repository::init(root).unwrap();
    // The schemas the pipelines fetch, from ../shared (same layouts).
    let shared = shared_schemas();
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    std::os::unix::fs::symlink(repo().join("schemas/extra"), root.join("schemas/extra")).unwrap();
    // The pipelines expect the compiled output committed.
    assert_eq!(mlpc(root, &["compile"]).status.code(), Some(0));
    commit_all(&git, "platform");
    git.reference(
        "refs/remotes/origin/main",
        git.head().unwrap().target().unwrap(),
        true,
        "base",
    )
    .unwrap();

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mlpc"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for file in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        let commands = mlpc_commands(&repo().join(file));
        assert!(commands.len() >= 5, "{file}: {commands:?}");
        for cmd in commands {
            let cmd = cmd
                .replace("${{ github.base_ref }}", "main")
                .replace("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")
                .replace("/tmp/crds", &shared.join("crds").display().to_string())
                .replace("/tmp/k8s-schemas/", &format!("{}/k8s/", shared.display()));
            let o = Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .current_dir(root)
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{file}: `{cmd}` failed:\n{}{}",
                stdout(&o),
                stderr(&o)
            );
            ran += 1;
        }
    }
    assert!(ran >= 10, "ran {ran} commands");
    // The preview they post is a markdown comment.
    let md = std::fs::read_to_string(root.join("preview.md")).unwrap();
    assert!(md.contains("mlpc"), "{md}");
}

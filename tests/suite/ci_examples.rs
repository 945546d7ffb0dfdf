//! The ready-to-copy CI pipelines in examples/ci run these exact `mlpc`
//! commands; run them here, against a throw-away repository made by
//! `mlpc init` (what a new user has), so the templates cannot rot.

use std::path::Path;
use std::process::Command;

use crate::support::*;

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
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let o = mlpc(root, &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `--schemas schemas/extra` in the pipelines: init wrote it.
    assert!(root.join("schemas/extra/operator.knative.dev").is_dir());
    let git = git2::Repository::init(root).unwrap();
    // The schemas the pipelines fetch, from ../shared (same layouts).
    let shared = shared_schemas();
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

#[test]
fn pipelines_install_mlpc_from_the_dockerfile_image_not_a_placeholder_url() {
    for file in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
        "examples/argocd-cmp/repo-server-patch.yaml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(!text.contains("github.com/acme/mlpc"), "{file}");
        assert!(!text.contains("cargo install --locked --git"), "{file}");
        assert!(
            text.contains("Dockerfile"),
            "{file}: says where the image comes from"
        );
    }
    for file in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(text.contains("MLPC_IMAGE"), "{file}");
    }
}

/// The image the examples use: multi-stage, a static (musl) binary, a shell
/// for the plugin's `sh -c`, and a non-root user matching the sidecar patch.
#[test]
fn the_dockerfile_builds_a_static_non_root_image() {
    let text = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "{stages:?}");
    assert!(
        stages[0].contains("rust:1.95-alpine AS build"),
        "{stages:?}"
    );
    assert!(text.contains("cargo build --release --locked --bin mlpc"));
    // No shared zlib sneaks in (libz-sys links a system one when it finds it).
    assert!(text.contains("ENV LIBZ_SYS_STATIC=1"));
    assert!(text.contains("COPY --from=build /src/target/release/mlpc /usr/local/bin/mlpc"));
    let user = text
        .lines()
        .rev()
        .find(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert_eq!(user, "USER 999:999");
    let patch =
        std::fs::read_to_string(repo().join("examples/argocd-cmp/repo-server-patch.yaml")).unwrap();
    assert!(patch.contains("runAsUser: 999"));
    let plugin = std::fs::read_to_string(repo().join("examples/argocd-cmp/plugin.yaml")).unwrap();
    assert!(plugin.contains("command: [sh, -c]") && text.contains("FROM alpine"));
    // The build context leaves out local build output.
    let ignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "target"));
}

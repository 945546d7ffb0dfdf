//! `mlpc compile` through the real binary: the golden snapshot of the
//! example, determinism, `--check`, pruning of stale files, keeping files
//! mlpc never wrote, `--cluster`, and atomicity under an injected failure.

use std::path::Path;

use crate::support::*;

fn compile_into(spec_dir: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let out = out.to_str().unwrap();
    let mut args = vec!["compile", "--out", out];
    args.extend_from_slice(extra);
    mlpc(spec_dir, &args)
}

/// Remove the recs-ranker model from a copy of the example (and the overlay
/// entries that name it, which would otherwise re-add a half-empty model).
fn remove_the_ranker(dir: &Path) {
    let spec = dir.join("ml-platform.toml");
    let mut text = std::fs::read_to_string(&spec).unwrap();
    let start = text
        .find("[[serving.models]]\nname = \"recs-ranker\"")
        .unwrap();
    let end = text[start..].find("\n[mesh]").unwrap() + start;
    text.replace_range(start..end, "");
    std::fs::write(&spec, text).unwrap();
    for (env, enforcement) in [("staging", "dryrun"), ("prod", "deny")] {
        std::fs::write(
            dir.join(format!("environments/{env}.toml")),
            format!("[policy]\nenforcement = \"{enforcement}\"\n"),
        )
        .unwrap();
    }
}

/// The whole compiled example, pinned. Regenerate after a reviewed change with
/// `MLPC_BLESS=1 cargo test --test suite compile::golden`.
#[test]
fn golden_snapshot_of_the_example() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = compile_into(&repo(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let got = read_tree(&out);
    let golden_dir = repo().join("tests/golden/example");
    if std::env::var_os("MLPC_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&golden_dir);
        for (rel, bytes) in &got {
            let p = golden_dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }
    let want = read_tree(&golden_dir);
    let got_names: Vec<&String> = got.keys().collect();
    let want_names: Vec<&String> = want.keys().collect();
    assert_eq!(
        got_names, want_names,
        "file set differs from tests/golden/example"
    );
    for (rel, bytes) in &got {
        assert!(
            want.get(rel) == Some(bytes),
            "{rel} differs from the golden snapshot; review and re-bless with MLPC_BLESS=1"
        );
    }
}

#[test]
fn compile_is_deterministic_and_check_passes_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert_eq!(compile_into(&repo(), &a, &[]).status.code(), Some(0));
    assert_eq!(compile_into(&repo(), &b, &[]).status.code(), Some(0));
    assert_eq!(read_tree(&a), read_tree(&b));
    let o = compile_into(&repo(), &a, &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A second compile into the same tree writes nothing.
    let o = compile_into(&repo(), &a, &[]);
    assert!(stdout(&o).contains("already up to date"), "{}", stdout(&o));
}

#[test]
fn every_object_carries_the_mlpc_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(compile_into(&repo(), &out, &[]).status.code(), Some(0));
    for (rel, bytes) in read_tree(&out) {
        if rel.ends_with("kustomization.yaml") || rel == "mlpc.lock" {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        for label in [
            "app.kubernetes.io/managed-by: mlpc",
            "mlpc.io/platform: acme-ml",
            "mlpc.io/cluster: ",
            "mlpc.io/layer: ",
        ] {
            assert!(text.contains(label), "{rel} lacks {label}");
        }
        // A `creationTimestamp:` key (Argo's artifact keyFormat may name the
        // workflow's, `{{workflow.creationTimestamp.Y}}`, which is no timestamp).
        assert!(
            !text.contains("creationTimestamp:"),
            "{rel} has a timestamp"
        );
        let name = rel.rsplit('/').next().unwrap();
        assert_eq!(name, name.to_lowercase(), "file names are lowercase");
    }
}

#[test]
fn check_reports_stale_missing_and_extra_files() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    let quota = out.join("clusters/prod-usw2/06-tenancy/resourcequota-vision-vision-quota.yaml");
    std::fs::write(&quota, "hand edit\n").unwrap();
    let ns = out.join("clusters/prod-usw2/06-tenancy/namespace-vision.yaml");
    std::fs::remove_file(&ns).unwrap();
    // A model removed from the spec leaves its InferenceService behind as extra.
    remove_the_ranker(dir.path());
    let o = compile_into(dir.path(), &out, &["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(
        s.contains("stale") && s.contains("resourcequota-vision-vision-quota.yaml"),
        "{s}"
    );
    assert!(
        s.contains("missing") && s.contains("namespace-vision.yaml"),
        "{s}"
    );
    assert!(
        s.contains("extra") && s.contains("inferenceservice-recsys-recs-ranker.yaml"),
        "{s}"
    );
}

#[test]
fn recompile_prunes_its_own_files_and_keeps_foreign_ones() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    let foreign = out.join("clusters/prod-usw2/NOTES.md");
    std::fs::write(&foreign, "kept\n").unwrap();
    remove_the_ranker(dir.path());
    let o = compile_into(dir.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !out.join("clusters/prod-usw2/05-serving/inferenceservice-recsys-recs-ranker.yaml")
            .exists()
    );
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "kept\n");
    assert_eq!(
        compile_into(dir.path(), &out, &["--check"]).status.code(),
        Some(0)
    );
}

#[test]
fn injected_failure_leaves_the_previous_tree_untouched() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    let before = read_tree(&out);
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("gpu = 16, cpu = \"128\"", "gpu = 20, cpu = \"128\"");
    std::fs::write(&spec, text).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .args(["compile", "--out", out.to_str().unwrap()])
        .current_dir(dir.path())
        .env("MLPC_TEST_FAIL_AFTER_WRITES", "7")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("injected failure"), "{}", stderr(&o));
    assert_eq!(
        read_tree(&out),
        before,
        "out/ changed after a failed compile"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("mlpc-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary directory left behind");
    // The next compile succeeds and picks the change up.
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    assert_ne!(read_tree(&out), before);
}

#[test]
fn cluster_flag_limits_the_work_and_keeps_the_rest() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    let staging_quota =
        out.join("clusters/stg-use1/06-tenancy/resourcequota-vision-vision-quota.yaml");
    let prod_quota =
        out.join("clusters/prod-usw2/06-tenancy/resourcequota-vision-vision-quota.yaml");
    let staging_before = std::fs::read_to_string(&staging_quota).unwrap();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("gpu = 16, cpu = \"128\"", "gpu = 12, cpu = \"128\"");
    std::fs::write(&spec, text).unwrap();
    let o = compile_into(dir.path(), &out, &["--cluster", "prod-usw2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // 12 GPUs split 7/5 over A100 and L4, each flavor borrowing up to 8:
    // Kueue may admit 15 + 13, the quota's ceiling.
    assert!(
        std::fs::read_to_string(&prod_quota)
            .unwrap()
            .contains("requests.nvidia.com/gpu: \"28\"")
    );
    assert_eq!(
        std::fs::read_to_string(&staging_quota).unwrap(),
        staging_before
    );
    let o = compile_into(dir.path(), &out, &["--cluster", "prod-usw3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean prod-usw2"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn invalid_spec_writes_nothing() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("team = \"recsys\"", "team = \"nobody\"");
    std::fs::write(&spec, text).unwrap();
    let out = dir.path().join("out");
    let o = compile_into(dir.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("E104"), "{}", stdout(&o));
    assert!(!out.exists());
}

#[test]
fn out_must_not_contain_the_spec() {
    let dir = example_copy();
    let o = mlpc(dir.path(), &["compile", "--out", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("contains the spec"), "{}", stderr(&o));
}

#[test]
fn blueprint_override_errors_name_the_template_and_line() {
    let dir = example_copy();
    let bp = dir.path().join("bp/mesh");
    std::fs::create_dir_all(&bp).unwrap();
    std::fs::write(
        bp.join("objects.yaml.j2"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ cluster.nmae }}\n",
    )
    .unwrap();
    let o = mlpc(dir.path(), &["compile", "--blueprints", "bp"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("mesh/objects.yaml.j2") && err.contains(":4"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
    // Rendered text that is not YAML is caught before anything is written.
    std::fs::write(
        bp.join("objects.yaml.j2"),
        "apiVersion: v1\nkind: [unclosed\n",
    )
    .unwrap();
    let o = mlpc(dir.path(), &["compile", "--blueprints", "bp"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not valid YAML"), "{}", stderr(&o));
}

#[test]
fn a_blueprint_that_writes_secret_data_is_refused() {
    let dir = example_copy();
    let bp = dir.path().join("bp/tenancy");
    std::fs::create_dir_all(&bp).unwrap();
    std::fs::write(
        bp.join("leak.yaml.j2"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak\n  namespace: vision\nstringData:\n  password: hunter2\n",
    )
    .unwrap();
    let o = mlpc(dir.path(), &["compile", "--blueprints", "bp"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("never writes credentials"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn symlinks_in_out_are_never_followed() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(compile_into(dir.path(), &out, &[]).status.code(), Some(0));
    // Someone replaced a layer directory with a link to a directory outside out/.
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("precious.txt"), "untouched\n").unwrap();
    let layer = out.join("clusters/prod-usw2/01-mesh");
    std::fs::remove_dir_all(&layer).unwrap();
    std::os::unix::fs::symlink(&outside, &layer).unwrap();
    // And a user's own link elsewhere in out/.
    std::os::unix::fs::symlink(&outside, out.join("docs-link")).unwrap();
    let o = compile_into(dir.path(), &out, &["--check"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a symlinked layer is not what the spec compiles to"
    );
    let o = compile_into(dir.path(), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        1,
        "nothing was written outside out/"
    );
    assert_eq!(
        std::fs::read_to_string(outside.join("precious.txt")).unwrap(),
        "untouched\n"
    );
    assert!(
        !std::fs::symlink_metadata(&layer)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(out.join("docs-link"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the user's link is kept"
    );
    assert_eq!(
        compile_into(dir.path(), &out, &["--check"]).status.code(),
        Some(0)
    );
}

#[test]
fn concurrent_compiles_into_one_out_do_not_interleave() {
    let dir = example_copy();
    let out = dir.path().join("out");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
            .args(["compile", "--out", out.to_str().unwrap()])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children: Vec<_> = (0..4).map(|_| spawn()).collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(
        compile_into(dir.path(), &out, &["--check"]).status.code(),
        Some(0)
    );
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("mlpc-tmp"))
        .count();
    assert_eq!(leftovers, 0);
}

//! Issue 14 (security), items 2 to 7, through the real binary. Item 1 (no
//! value changes the output's structure) is `tests/suite/hostile.rs`.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{self, example_copy, mlpc, stderr, stdout};

fn edit(dir: &Path, from: &str, to: &str) {
    let spec = dir.join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains(from), "the example has {from:?}");
    std::fs::write(&spec, text.replacen(from, to, 1)).unwrap();
}

fn all_output(o: &std::process::Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

// ---- 2. secrets echoed ------------------------------------------------------

#[test]
fn a_spec_symlinked_outside_its_directory_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("credentials");
    std::fs::write(
        &secret,
        "[platform]\nname = \"AWS_SECRET=hunter2-very-secret\"\n",
    )
    .unwrap();
    let spec_dir = dir.path().join("platform");
    std::fs::create_dir_all(&spec_dir).unwrap();
    std::os::unix::fs::symlink(&secret, spec_dir.join("ml-platform.toml")).unwrap();
    for cmd in [&["validate"][..], &["compile"][..]] {
        let o = mlpc(&spec_dir, cmd);
        let text = all_output(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {text}");
        assert!(text.contains("outside the spec's directory"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

#[test]
fn a_fifo_as_the_spec_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("ml-platform.toml");
    let c = std::ffi::CString::new(spec.to_str().unwrap()).unwrap();
    // SAFETY: a valid path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
        .arg("validate")
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            assert_eq!(s.code(), Some(2));
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("validate waits on a FIFO spec");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_overlay_symlinked_outside_is_not_read_but_one_inside_is() {
    let dir = example_copy();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("config");
    std::fs::write(&secret, "[core]\n\turl = https://x:hunter2@git.example\n").unwrap();
    let overlay = dir.path().join("environments/staging.toml");
    std::fs::rename(&overlay, dir.path().join("staging-real.toml")).unwrap();
    std::os::unix::fs::symlink(&secret, &overlay).unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    // A link that stays inside the spec's directory is fine.
    std::fs::remove_file(&overlay).unwrap();
    std::os::unix::fs::symlink(dir.path().join("staging-real.toml"), &overlay).unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
}

#[test]
fn findings_never_echo_credentials() {
    let dir = example_copy();
    // E005/E002 print the offending table; E125/E114 the storage URI.
    edit(
        dir.path(),
        "credentials = { secret_name = \"kfp-s3-credentials\"",
        "credentials = { password = \"hunter2-pw\", secret_name = \"kfp-s3-credentials\"",
    );
    edit(
        dir.path(),
        "storage_uri = \"s3://acme-ml-models/recsys/ranker/v12\"",
        "storage_uri = \"ftp://admin:s3cr3t-pass@models.example/ranker\"",
    );
    for format in ["human", "json"] {
        let o = mlpc(dir.path(), &["validate", "--format", format]);
        let text = all_output(&o);
        assert_eq!(o.status.code(), Some(1), "{text}");
        assert!(text.contains("E114"), "{text}");
        assert!(!text.contains("hunter2-pw"), "{format}: {text}");
        assert!(!text.contains("s3cr3t-pass"), "{format}: {text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}

// ---- 3. plaintext credentials missed by E114 ---------------------------------

#[test]
fn e114_finds_tokens_inside_values() {
    let cases = [
        (
            "repo_url = \"https://github.com/acme/ml-platform-gitops.git\"",
            "repo_url = \"https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/ml-platform-gitops.git\"",
        ),
        (
            "\"--batch-size=${trialParameters.batchSize}\"",
            "\"--batch-size=${trialParameters.batchSize}\", \"--db-password=hunter2\"",
        ),
        (
            "\"--batch-size=${trialParameters.batchSize}\"",
            "\"--batch-size=${trialParameters.batchSize}\", \"--api-token\", \"hunter2\"",
        ),
        (
            "\"python\", \"train.py\"",
            "\"python\", \"train.py\", \"--key=AKIAIOSFODNN7EXAMPLE\"",
        ),
        (
            "\"python\", \"train.py\"",
            "\"python\", \"train.py\", \"--auth\", \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3ZhbHVl\"",
        ),
        (
            "storage_uri = \"s3://acme-ml-models/recsys/ranker/v12\"",
            "storage_uri = \"s3://acme-ml-models/recsys/ranker/v12?password=hunter2\"",
        ),
        (
            "name = \"learningRate\"",
            "name = \"glpat-abcdefghij0123456789\"",
        ),
    ];
    for (from, to) in cases {
        let dir = example_copy();
        edit(dir.path(), from, to);
        let o = mlpc(dir.path(), &["validate", "--format", "json"]);
        let text = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{to}: {text}");
        assert!(text.contains("\"E114\""), "{to}: {text}");
        assert!(!text.contains("hunter2"), "{to}: {text}");
    }
}

// ---- 4. symlinks under out/ ---------------------------------------------------

#[test]
fn compile_cluster_never_copies_through_a_link_in_out() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(mlpc(dir.path(), &["compile"]).status.code(), Some(0));
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "TOP SECRET bytes\n").unwrap();
    // A file of the other cluster, replaced by a link to the secret.
    let victim = std::fs::read_dir(out.join("clusters/prod-usw2/01-mesh"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n != "kustomization.yaml"))
        .unwrap();
    std::fs::remove_file(&victim).unwrap();
    std::os::unix::fs::symlink(&outside, &victim).unwrap();
    let o = mlpc(dir.path(), &["compile", "--cluster", "stg-use1"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("symlink"), "{text}");
    let lock = std::fs::read_to_string(out.join("mlpc.lock")).unwrap();
    assert!(!lock.contains("TOP SECRET"));
    for e in walk(&out) {
        if std::fs::symlink_metadata(&e).unwrap().is_file() {
            assert!(
                !std::fs::read_to_string(&e)
                    .unwrap_or_default()
                    .contains("TOP SECRET")
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            }
            out.push(e.path());
        }
    }
    out
}

// ---- 5. the --out guard -------------------------------------------------------

#[test]
fn out_spelled_as_the_spec_directory_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let spec_dir = root.path().join("platform");
    std::fs::create_dir_all(&spec_dir).unwrap();
    support::copy_example_into(&spec_dir);
    std::fs::create_dir_all(spec_dir.join("private")).unwrap();
    std::fs::set_permissions(
        spec_dir.join("private"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    for out in ["../platform", ".", "..", "./private/../../platform"] {
        let o = mlpc(&spec_dir, &["compile", "--out", out]);
        let text = all_output(&o);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {text}");
        assert!(text.contains("contains the spec"), "{text}");
    }
    let mode = std::fs::metadata(spec_dir.join("private"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "the spec's tree is untouched");
    assert!(!spec_dir.join("mlpc.lock").exists());
}

#[test]
fn out_at_a_git_repository_root_is_refused() {
    let dir = example_copy();
    let other = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(other.path().join(".git")).unwrap();
    let o = mlpc(
        dir.path(),
        &["compile", "--out", other.path().to_str().unwrap()],
    );
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("Git repository"), "{text}");
}

#[test]
fn a_foreign_directory_needs_force_and_keeps_its_bytes_and_modes() {
    let dir = example_copy();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("private/empty")).unwrap();
    std::fs::write(out.join("private/notes.txt"), b"mine\x00\xff").unwrap();
    std::fs::set_permissions(
        out.join("private/notes.txt"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::set_permissions(
        out.join("private/empty"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    std::fs::set_permissions(out.join("private"), std::fs::Permissions::from_mode(0o750)).unwrap();
    let o = mlpc(dir.path(), &["compile"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("--force"), "{text}");
    assert!(!out.join("mlpc.lock").exists());
    let o = mlpc(dir.path(), &["compile", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let mode = |p: &str| std::fs::metadata(out.join(p)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(
        std::fs::read(out.join("private/notes.txt")).unwrap(),
        b"mine\x00\xff"
    );
    assert_eq!(mode("private/notes.txt"), 0o600);
    assert_eq!(
        mode("private/empty"),
        0o700,
        "empty foreign directories stay, mode kept"
    );
    assert_eq!(mode("private"), 0o750);
    // Recompiling after a spec change keeps them too (an mlpc tree now).
    edit(dir.path(), "max_nodes = 10", "max_nodes = 12");
    let o = mlpc(dir.path(), &["compile"]);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert_eq!(mode("private/empty"), 0o700);
    assert_eq!(mode("private/notes.txt"), 0o600);
}

#[test]
fn a_fifo_in_out_never_hangs_the_compile() {
    let dir = example_copy();
    let out = dir.path().join("out");
    assert_eq!(mlpc(dir.path(), &["compile"]).status.code(), Some(0));
    let fifo = out.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o640) }, 0);
    // And one where mlpc writes a file, and as the lock of another out.
    let victim = out.join("clusters/stg-use1/kustomization.yaml");
    std::fs::remove_file(&victim).unwrap();
    let c2 = std::ffi::CString::new(victim.to_str().unwrap()).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { libc::mkfifo(c2.as_ptr(), 0o644) }, 0);
    edit(dir.path(), "max_nodes = 10", "max_nodes = 12");
    for args in [&["compile", "--check"][..], &["compile"][..]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
            .args(args)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("mlpc {args:?} hangs on a FIFO in out/");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(
            status.code().is_some_and(|c| c <= 1),
            "{args:?}: {status:?}"
        );
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o640
    );
    assert!(std::fs::symlink_metadata(&victim).unwrap().is_file());
}

// ---- 7. smaller ---------------------------------------------------------------

#[test]
fn a_full_stdout_exits_2_in_every_command() {
    let dir = example_copy();
    assert_eq!(mlpc(dir.path(), &["compile"]).status.code(), Some(0));
    let git = git2::Repository::init(dir.path()).unwrap();
    support::commit_all(&git, "base");
    edit(dir.path(), "max_nodes = 10", "max_nodes = 12");
    for args in [
        &["diff", "--base", "HEAD"][..],
        &["diff", "--base", "HEAD", "--format", "markdown"][..],
        &["rollout", "plan", "--base", "HEAD"][..],
        &["validate"][..],
        &["validate", "--format", "json"][..],
        &["compile", "--out", "out2"][..],
        &["compile", "--check"][..],
        &["compile", "--check", "--out", "out"][..],
        &["render", "--cluster", "stg-use1"][..],
        &["graph"][..],
        &["cost"][..],
        &["cost", "--format", "markdown"][..],
        &["check"][..],
        &["check", "--format", "junit"][..],
        &["schema"][..],
        &["rollout", "plan"][..],
        &["completions", "bash"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlpc"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(full)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("cannot write to stdout"), "{args:?}: {err}");
    }
}

#[test]
fn broad_drift_ignores_warn() {
    let dir = example_copy();
    edit(
        dir.path(),
        "paths = [\"/spec/replicas\"]",
        "paths = [\"/spec/replicas\", \"\", \"*\", \"/spec\"]",
    );
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "warnings only: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let w149 = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "W149")
        .count();
    // One per path and environment view.
    assert!(w149 >= 3, "{text}");
    assert!(!text.contains("/spec/replicas\\\" is too broad"), "{text}");
}

#[test]
fn max_objects_refuses_a_spec_that_multiplies_into_too_many_files() {
    let dir = example_copy();
    let o = mlpc(dir.path(), &["compile", "--max-objects", "50"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("--max-objects"), "{text}");
    assert!(!dir.path().join("out").exists());
    // Under the limit it compiles; past half of it (or 20,000 objects) it warns.
    let o = mlpc(dir.path(), &["compile", "--max-objects", "400"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("warning:") && text.contains("objects"),
        "{text}"
    );
    let o = mlpc(dir.path(), &["compile"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
}

#[test]
fn the_new_tree_is_synced_before_the_swap() {
    let dir = example_copy();
    let o = mlpc(dir.path(), &["-v", "compile"]);
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("synced"), "{text}");
}

#[test]
fn diff_markdown_never_carries_a_linked_files_content_or_a_credential() {
    let dir = example_copy();
    let git = git2::Repository::init(dir.path()).unwrap();
    support::commit_all(&git, "base");
    // The head's overlay is a link to a credentials file outside the spec's
    // directory, and its spec pastes a password into a URI.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join(".git-credentials");
    std::fs::write(&secret, "https://bob:hunter2-linked@github.com\n").unwrap();
    let overlay = dir.path().join("environments/prod.toml");
    std::fs::remove_file(&overlay).unwrap();
    std::os::unix::fs::symlink(&secret, &overlay).unwrap();
    let o = mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    );
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    std::fs::remove_file(&overlay).unwrap();
    std::fs::write(&overlay, "").unwrap();
    edit(
        dir.path(),
        "storage_uri = \"s3://acme-ml-models/recsys/ranker/v12\"",
        "storage_uri = \"https://bob:hunter2-inline@models.example/ranker\"",
    );
    let o = mlpc(
        dir.path(),
        &["diff", "--base", "HEAD", "--format", "markdown"],
    );
    let text = all_output(&o);
    assert_eq!(o.status.code(), Some(1), "an invalid head: {text}");
    assert!(text.contains("E114"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

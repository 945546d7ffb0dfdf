//! The example platform on fake API servers: one server per cluster, seeded
//! with what `mlpc compile` produces, a kubeconfig in a temp dir pointing
//! the spec's contexts at them, and `mlpc drift` run through the real binary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub use super::drift_report::not_in_sync;
use super::fake_apiserver::{CompiledPlatform, FakeApiServer, compile_spec, write_kubeconfig};
pub use super::repo;

pub struct Fleet {
    pub dir: tempfile::TempDir,
    pub spec: PathBuf,
    pub kubeconfig: PathBuf,
    pub servers: BTreeMap<String, FakeApiServer>,
    pub compiled: CompiledPlatform,
    pub blueprints: Option<PathBuf>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

impl Fleet {
    /// The example spec, in sync on every cluster.
    pub fn example() -> Fleet {
        Fleet::new(&repo().join("ml-platform.toml"), None)
    }

    pub fn new(spec: &Path, blueprints: Option<&Path>) -> Fleet {
        let compiled = compile_spec(spec, blueprints);
        let dir = tempfile::tempdir().unwrap();
        let mut servers = BTreeMap::new();
        for (cluster, objects) in &compiled.objects {
            let s = FakeApiServer::start();
            s.seed(objects);
            servers.insert(cluster.clone(), s);
        }
        let kubeconfig = dir.path().join("kubeconfig");
        let fleet = Fleet {
            dir,
            spec: spec.to_path_buf(),
            kubeconfig,
            servers,
            compiled,
            blueprints: blueprints.map(Path::to_path_buf),
        };
        fleet.write_kubeconfig(&[]);
        fleet
    }

    /// Point each cluster's context at its server, except the overrides
    /// (`(cluster, url)`); a cluster overridden with `""` gets no context.
    pub fn write_kubeconfig(&self, overrides: &[(&str, String)]) {
        let mut entries: Vec<(String, String)> = Vec::new();
        for (cluster, server) in &self.servers {
            let url = overrides
                .iter()
                .find(|(c, _)| c == cluster)
                .map(|(_, u)| u.clone())
                .unwrap_or_else(|| server.url());
            if url.is_empty() {
                continue;
            }
            entries.push((self.compiled.contexts[cluster].clone(), url));
        }
        let refs: Vec<(&str, &str)> = entries
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        write_kubeconfig(&self.kubeconfig, &refs);
    }

    pub fn server(&self, cluster: &str) -> &FakeApiServer {
        &self.servers[cluster]
    }

    pub fn desired(&self, cluster: &str) -> &[Value] {
        &self.compiled.objects[cluster]
    }

    /// `mlpc drift --spec <spec> --kubeconfig <kc> <extra>` in the temp dir.
    pub fn drift(&self, extra: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlpc"));
        cmd.arg("drift")
            .arg("--spec")
            .arg(&self.spec)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        if let Some(b) = &self.blueprints {
            cmd.arg("--blueprints").arg(b);
        }
        let o = cmd
            .args(extra)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .output()
            .expect("run mlpc");
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    pub fn drift_json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let r = self.drift(&args);
        let j = r.json();
        (r.code, j)
    }
}

pub fn cluster<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster"] == name)
        .unwrap_or_else(|| panic!("no cluster {name} in the report"))
}

pub fn object<'a>(report: &'a Value, cluster_name: &str, kind: &str, name: &str) -> &'a Value {
    cluster(report, cluster_name)["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {cluster_name}"))
}

/// The example spec (and overlays) copied to a temp dir, `edit` applied to
/// the spec text.
pub fn example_spec_copy(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("environments")).unwrap();
    let text = std::fs::read_to_string(repo().join("ml-platform.toml")).unwrap();
    std::fs::write(dir.path().join("ml-platform.toml"), edit(text)).unwrap();
    for e in std::fs::read_dir(repo().join("environments"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(
            e.path(),
            dir.path().join("environments").join(e.file_name()),
        )
        .unwrap();
    }
    if repo().join("policies").is_dir() {
        copy_dir(&repo().join("policies"), &dir.path().join("policies"));
    }
    let spec = dir.path().join("ml-platform.toml");
    (dir, spec)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

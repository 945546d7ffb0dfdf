//! End to end against real Kubernetes control planes (etcd + kube-apiserver
//! built from their modules by `tests/e2e/build`, run by `tests/e2e/cluster`).
//!
//! Apply: every compiled object of `clusters/<c>` goes to that cluster's control
//! plane and every object of `management/` to a management control plane, in
//! sync-wave order, server-side (strict field validation), each first with
//! `dryRun=All` and then for real. Drift: `mlpc drift` against those servers,
//! in sync right after the apply, then after known mutations. RBAC: drift as
//! the generated `mlpc-drift` ServiceAccount through a TokenRequest token.
//!
//! What the harness does in place of controllers that are not running (and
//! only that): it creates the namespaces Argo CD would create
//! (`CreateNamespace=true` on an Application's destination, the Argo CD
//! install's own namespace) and those Kubeflow's profile controller creates
//! (one per Profile). Everything else must come from the compiled output.
//!
//! Run alone: `cargo test --test suite e2e::` (the first run builds the binaries,
//! about 10 minutes on 2 cores; see README).

mod simulated;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::support::drift_report::not_in_sync;
use crate::support::{self, repo};
use kube::api::{Api, DynamicObject, Patch, PatchParams, ValidationDirective};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};
use serde_json::{Value, json};

/// Control planes are CPU-heavy on a 2-core machine: one fleet at a time.
static FLEET: Mutex<()> = Mutex::new(());

/// Kinds no published Go module carries the CRD of at the version mlpc pins, so
/// no control plane here serves them (see tests/e2e/crd_sources.py). Their
/// objects are listed as unchecked; the test fails if a server ever serves one,
/// so that this list shrinks as soon as it can.
const NO_CRD_SOURCE: &[(&str, &str)] = &[
    (
        "Profile",
        "kubeflow.org/v1 Profile: kubeflow/manifests v1.10.2 is not a Go module",
    ),
    (
        "KnativeServing",
        "operator.knative.dev/v1beta1: knative.dev/operator for knative-v1.19.4 is not served by the module proxy",
    ),
];

/// Real-server rejections of today's output that are not fixed yet: `(cluster,
/// kind, namespace/name, message fragment, issue)`. The test asserts this list
/// exactly, so fixing one makes it fail until the entry is removed.
const KNOWN_REJECTIONS: &[(&str, &str, &str, &str, &str)] = &[];

fn cluster_script() -> PathBuf {
    repo().join("tests/e2e/cluster")
}

/// One control plane; stopped and deleted on drop, even when the test fails.
struct ControlPlane {
    name: String,
    dir: PathBuf,
}

impl ControlPlane {
    fn up(name: &str, parent: &Path, spec: &Path) -> ControlPlane {
        let cp = ControlPlane {
            name: name.to_string(),
            dir: parent.join(name),
        };
        run_script(&["up", &cp.dir.to_string_lossy()]);
        run_script(&["crds", &cp.dir.to_string_lossy(), &spec.to_string_lossy()]);
        cp
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    fn kubectl(&self, args: &[&str]) -> std::process::Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.kubeconfig())
            .args(args)
            .output()
            .expect("run kubectl")
    }

    fn kubectl_ok(&self, args: &[&str]) -> String {
        let o = self.kubectl(args);
        assert!(
            o.status.success(),
            "kubectl {args:?} on {}: {}",
            self.name,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn server(&self) -> String {
        let port = std::fs::read_to_string(self.dir.join("port")).expect("port file");
        format!("https://127.0.0.1:{}", port.trim())
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        let _ = Command::new(cluster_script())
            .arg("down")
            .arg(&self.dir)
            .status();
    }
}

fn run_script(args: &[&str]) {
    let o = Command::new(cluster_script())
        .args(args)
        .env("MLPC", env!("CARGO_BIN_EXE_mlpc"))
        .output()
        .expect("run tests/e2e/cluster");
    eprint!("{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.status.success(),
        "tests/e2e/cluster {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Compile `spec` into `out`; a spec that does not compile fails the test with
/// its findings (on stdout) and errors.
fn compile_spec(spec: &Path, out: &Path) {
    let o = support::mlpc(
        spec.parent().unwrap(),
        &[
            "compile",
            "--spec",
            &spec.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ],
    );
    assert!(
        o.status.success(),
        "compile {}: {}{}",
        spec.display(),
        support::stdout(&o),
        support::stderr(&o)
    );
}

/// Control planes for every workload cluster of `spec` and one for management,
/// started concurrently.
struct Fleet {
    // Fields drop in order: the control planes stop before their directory goes.
    planes: BTreeMap<String, ControlPlane>,
    spec: PathBuf,
    out: PathBuf,
    contexts: BTreeMap<String, String>,
    tmp: tempfile::TempDir,
}

const MANAGEMENT: &str = "management";

impl Fleet {
    fn start(spec: &Path) -> Fleet {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        compile_spec(spec, &out);
        let contexts = spec_contexts(spec);
        let mut names: Vec<String> = contexts.keys().cloned().collect();
        names.push(MANAGEMENT.to_string());
        let planes: BTreeMap<String, ControlPlane> = std::thread::scope(|s| {
            let handles: Vec<_> = names
                .iter()
                .map(|n| {
                    let parent = tmp.path().to_path_buf();
                    s.spawn(move || (n.clone(), ControlPlane::up(n, &parent, spec)))
                })
                .collect();
            // Join all before unwrapping: every started plane gets its guard.
            let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
            let mut planes = BTreeMap::new();
            let mut failed = false;
            for r in results {
                match r {
                    Ok((n, p)) => {
                        planes.insert(n, p);
                    }
                    Err(_) => failed = true,
                }
            }
            assert!(!failed, "a control plane did not start (see above)");
            planes
        });
        Fleet {
            tmp,
            spec: spec.to_path_buf(),
            out,
            planes,
            contexts,
        }
    }

    fn plane(&self, name: &str) -> &ControlPlane {
        &self.planes[name]
    }

    /// A kubeconfig whose contexts, named as the spec names them, reach each
    /// cluster's control plane as `user` (admin certificates, or a token).
    fn kubeconfig(&self, path: &Path, token: Option<&BTreeMap<String, String>>) {
        let mut clusters = Vec::new();
        let mut users = Vec::new();
        let mut contexts = Vec::new();
        for (cluster, context) in &self.contexts {
            let cp = self.plane(cluster);
            let pki = cp.dir.join("pki");
            clusters.push(json!({"name": cluster, "cluster": {
                "server": cp.server(),
                "certificate-authority": pki.join("ca.crt"),
            }}));
            let user = match token {
                Some(t) => json!({"token": t[cluster]}),
                None => json!({
                    "client-certificate": pki.join("admin.crt"),
                    "client-key": pki.join("admin.key"),
                }),
            };
            users.push(json!({"name": cluster, "user": user}));
            contexts
                .push(json!({"name": context, "context": {"cluster": cluster, "user": cluster}}));
        }
        let kc = json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": clusters, "users": users, "contexts": contexts,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&kc).unwrap()).unwrap();
    }

    fn drift(&self, kubeconfig: &Path) -> (i32, Value, String) {
        let o = Command::new(env!("CARGO_BIN_EXE_mlpc"))
            .args(["drift", "--format", "json", "--spec"])
            .arg(&self.spec)
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .env("NO_COLOR", "1")
            .env_remove("KUBECONFIG")
            .output()
            .expect("run mlpc drift");
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        let report = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("drift JSON: {e}\n{stdout}\n{stderr}"));
        (o.status.code().unwrap_or(-1), report, stderr)
    }
}

/// `(cluster name, kubeconfig context)` of every cluster of the spec.
fn spec_contexts(spec: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(spec).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap().to_string();
            // `context` defaults to the cluster's name, as in mlpc.
            let context = c
                .get("context")
                .and_then(|x| x.as_str())
                .map_or_else(|| name.clone(), str::to_string);
            (name, context)
        })
        .collect()
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every object file under `dir` (recursively), kustomization files excepted.
fn object_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml")
                && p.file_name().unwrap() != "kustomization.yaml"
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn sync_wave(o: &Value) -> i64 {
    o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The order Argo CD (gitops-engine) applies kinds in within one wave; other
/// kinds come after, by name.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// One object to apply, with its place in the sync order.
struct Item {
    key: (i64, i64, usize, String, String),
    object: Value,
}

fn item(app_wave: i64, object: Value) -> Item {
    let kind = object["kind"].as_str().unwrap().to_string();
    let rank = KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len());
    let name = format!(
        "{}/{}",
        object["metadata"]["namespace"].as_str().unwrap_or(""),
        object["metadata"]["name"].as_str().unwrap()
    );
    Item {
        key: (app_wave, sync_wave(&object), rank, kind, name),
        object,
    }
}

/// The compiled Applications: `(file, object)` under `management/argocd/`.
fn applications(out: &Path) -> Vec<(PathBuf, Value)> {
    object_files(&out.join("management/argocd"))
        .into_iter()
        .map(|p| {
            let v = read_yaml(&p);
            (p, v)
        })
        .filter(|(_, v)| v["kind"] == "Application")
        .collect()
}

fn creates_namespace(app: &Value) -> Option<String> {
    let opts = app["spec"]["syncPolicy"]["syncOptions"].as_array()?;
    if !opts.iter().any(|o| o == "CreateNamespace=true") {
        return None;
    }
    app["spec"]["destination"]["namespace"]
        .as_str()
        .map(str::to_string)
}

/// Objects of `clusters/<c>`, ordered: the wave of the Application syncing
/// their directory, their own sync-wave, then kind.
fn workload_items(out: &Path, cluster: &str) -> Vec<Item> {
    let mut dir_wave = BTreeMap::new();
    for (_, app) in applications(out) {
        if let Some(path) = app["spec"]["source"]["path"].as_str()
            && let Some(rest) = path.split("/clusters/").nth(1)
        {
            dir_wave.insert(rest.to_string(), sync_wave(&app));
        }
    }
    let root = out.join("clusters").join(cluster);
    let mut items: Vec<Item> = object_files(&root)
        .into_iter()
        .map(|p| {
            let rel = p
                .parent()
                .unwrap()
                .strip_prefix(out.join("clusters"))
                .unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            let wave = *dir_wave
                .get(&rel)
                .unwrap_or_else(|| panic!("no Application syncs clusters/{rel}"));
            item(wave, read_yaml(&p))
        })
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

/// Objects of `management/`: the bootstrap (`management/argocd/*.yaml`, which
/// an operator applies once) first, then what its Applications sync.
fn management_items(out: &Path) -> Vec<Item> {
    let root = out.join("management");
    let mut items: Vec<Item> = object_files(&root)
        .into_iter()
        .map(|p| {
            let bootstrap = p.parent().unwrap() == root.join("argocd");
            item(if bootstrap { 0 } else { 1 }, read_yaml(&p))
        })
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key));
    items
}

/// Namespaces the harness creates in place of Argo CD and the profile
/// controller, per control plane.
fn namespaces_made_by_controllers(out: &Path, spec: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut ns: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let argocd = out.join("management/argocd");
    for (path, app) in applications(out) {
        let plane = if path.parent().unwrap() == argocd {
            MANAGEMENT.to_string()
        } else {
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        if let Some(n) = creates_namespace(&app) {
            ns.entry(plane).or_default().insert(n);
        }
        // Argo CD's own namespace, where it is installed (not by mlpc).
        if let Some(n) = app["metadata"]["namespace"].as_str() {
            ns.entry(MANAGEMENT.to_string())
                .or_default()
                .insert(n.to_string());
        }
    }
    for cluster in spec_contexts(spec).keys() {
        for p in object_files(&out.join("clusters").join(cluster)) {
            let o = read_yaml(&p);
            if o["kind"] == "Profile" {
                ns.entry(cluster.clone())
                    .or_default()
                    .insert(o["metadata"]["name"].as_str().unwrap().to_string());
            }
        }
    }
    ns
}

#[derive(Debug, Default)]
struct Applied {
    applied: usize,
    /// `(kind, namespace/name, message)`.
    rejected: Vec<(String, String, String)>,
    /// Objects whose kind no control plane serves (NO_CRD_SOURCE).
    unchecked: Vec<(String, String)>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn client(kubeconfig: &Path) -> kube::Client {
    let kc = Kubeconfig::read_from(kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// Apply `items` in order: server-side, strict field validation, each one
/// first as a dry run and then for real (as Argo CD does per wave).
fn apply(cp: &ControlPlane, namespaces: &BTreeSet<String>, items: &[Item]) -> Applied {
    for n in namespaces {
        let o = cp.kubectl(&["create", "namespace", n]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() || err.contains("AlreadyExists"),
            "namespace {n}: {err}"
        );
    }
    runtime().block_on(async {
        let client = client(&cp.kubeconfig()).await;
        let discovery = Discovery::new(client.clone()).run().await.unwrap();
        let mut result = Applied::default();
        for it in items {
            let o = &it.object;
            let (kind, name) = (it.key.3.clone(), it.key.4.clone());
            let api_version = o["apiVersion"].as_str().unwrap();
            let (group, version) = match api_version.split_once('/') {
                Some((g, v)) => (g, v),
                None => ("", api_version),
            };
            let gvk = GroupVersionKind::gvk(group, version, &kind);
            let Some((ar, caps)) = discovery.resolve_gvk(&gvk) else {
                if NO_CRD_SOURCE.iter().any(|(k, _)| *k == kind) {
                    result.unchecked.push((kind, name));
                } else {
                    result.rejected.push((
                        kind,
                        name,
                        format!("the server serves no {api_version}"),
                    ));
                }
                continue;
            };
            assert!(
                !NO_CRD_SOURCE.iter().any(|(k, _)| *k == kind),
                "{kind} is served now: remove it from NO_CRD_SOURCE"
            );
            let api: Api<DynamicObject> = match (caps.scope, o["metadata"]["namespace"].as_str()) {
                (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, &ar),
                (Scope::Namespaced, None) => {
                    result.rejected.push((
                        kind,
                        name,
                        "namespaced kind without a namespace".into(),
                    ));
                    continue;
                }
                (Scope::Cluster, _) => Api::all_with(client.clone(), &ar),
            };
            let obj_name = o["metadata"]["name"].as_str().unwrap();
            let mut pp = PatchParams::apply("argocd-controller");
            pp.field_validation = Some(ValidationDirective::Strict);
            let dry = api
                .patch(obj_name, &pp.clone().dry_run(), &Patch::Apply(o))
                .await;
            let real = match dry {
                Ok(_) => api.patch(obj_name, &pp, &Patch::Apply(o)).await.map(|_| ()),
                Err(e) => Err(e),
            };
            match real {
                Ok(()) => result.applied += 1,
                Err(kube::Error::Api(s)) => result.rejected.push((kind, name, s.message.clone())),
                Err(e) => panic!("{kind} {name} on {}: {e}", cp.name),
            }
        }
        result
    })
}

/// Compile `spec`, start its fleet, apply everything, check the rejections.
fn apply_fleet(spec: &Path) -> Fleet {
    let fleet = Fleet::start(spec);
    let namespaces = namespaces_made_by_controllers(&fleet.out, spec);
    let mut rejected = Vec::new();
    for name in fleet.planes.keys() {
        let items = if name == MANAGEMENT {
            management_items(&fleet.out)
        } else {
            workload_items(&fleet.out, name)
        };
        let r = apply(
            fleet.plane(name),
            namespaces.get(name).unwrap_or(&BTreeSet::new()),
            &items,
        );
        println!(
            "{name}: applied={} rejected={} unchecked={} ({})",
            r.applied,
            r.rejected.len(),
            r.unchecked.len(),
            r.unchecked
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (kind, obj, msg) in r.rejected {
            println!("  rejected {kind} {obj}: {msg}");
            rejected.push((name.clone(), kind, obj, msg));
        }
        assert!(r.applied > 0, "{name}: nothing applied");
    }
    let unexpected: Vec<_> = rejected
        .iter()
        .filter(|(c, k, o, m)| {
            !KNOWN_REJECTIONS
                .iter()
                .any(|(kc, kk, ko, km, _)| kc == c && kk == k && ko == o && m.contains(km))
        })
        .collect();
    let unseen: Vec<_> = KNOWN_REJECTIONS
        .iter()
        .filter(|(kc, kk, ko, km, _)| {
            !rejected
                .iter()
                .any(|(c, k, o, m)| kc == c && kk == k && ko == o && m.contains(km))
        })
        .collect();
    assert!(
        unexpected.is_empty() && unseen.is_empty(),
        "real-server rejections differ from KNOWN_REJECTIONS\nunexpected: {unexpected:#?}\nno longer rejected: {unseen:#?}"
    );
    fleet
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    FLEET.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn example_applies_then_drift_and_rbac_against_real_servers() {
    let _guard = lock();
    let (_dir, spec) = example_spec_with_ignore();
    let fleet = apply_fleet(&spec);

    // Right after the apply, everything is in sync (server defaults are not drift).
    let admin = fleet.tmp.path().join("admin.kubeconfig");
    fleet.kubeconfig(&admin, None);
    let (code, report, stderr) = fleet.drift(&admin);
    assert_all_in_sync(&fleet, code, &report, &stderr, "drift right after apply");

    // RBAC: the generated read-only identity checks the same fleet, no 403.
    let mut tokens = BTreeMap::new();
    for cluster in fleet.contexts.keys() {
        let cp = fleet.plane(cluster);
        let token = cp.kubectl_ok(&["create", "token", "mlpc-drift", "-n", "kube-system"]);
        tokens.insert(cluster.clone(), token.trim().to_string());
    }
    let reader = fleet.tmp.path().join("reader.kubeconfig");
    fleet.kubeconfig(&reader, Some(&tokens));
    let (code, report, stderr) = fleet.drift(&reader);
    assert!(
        !stderr.contains("403") && !stderr.contains("orbidden"),
        "{stderr}"
    );
    assert_all_in_sync(&fleet, code, &report, &stderr, "drift as mlpc-drift");
    for cluster in fleet.contexts.keys() {
        let context = &fleet.contexts[cluster];
        for verb in ["create", "update", "patch", "delete", "deletecollection"] {
            let o = Command::new("kubectl")
                .arg("--kubeconfig")
                .arg(&reader)
                .args([
                    "--context",
                    context,
                    "auth",
                    "can-i",
                    verb,
                    "*.*",
                    "--all-namespaces",
                ])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&o.stdout).trim(),
                "no",
                "{cluster}: can-i {verb}"
            );
        }
        let o = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&reader)
            .args([
                "--context",
                context,
                "auth",
                "can-i",
                "--list",
                "-n",
                "kube-system",
            ])
            .output()
            .unwrap();
        let list = String::from_utf8_lossy(&o.stdout);
        for line in list.lines().skip(1) {
            // system:basic-user lets every authenticated identity ask about
            // itself (self-subject reviews: nothing stored, nothing changed).
            if line.starts_with("selfsubject") {
                continue;
            }
            let verbs = line.rsplit('[').next().unwrap_or("");
            for w in ["create", "update", "patch", "delete", "*"] {
                assert!(
                    !verbs.split([' ', ']']).any(|v| v == w),
                    "{cluster}: mlpc-drift may {w}: {line}"
                );
            }
        }
        // It can read what it checks.
        let o = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&reader)
            .args([
                "--context",
                context,
                "auth",
                "can-i",
                "list",
                "resourcequotas",
                "--all-namespaces",
            ])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "yes");
    }

    // Mutations, as an operator with kubectl would make them (admin).
    let prod = fleet.plane("prod-usw2");
    // A quota raised by hand: drift.
    prod.kubectl_ok(&[
        "patch",
        "resourcequota",
        "vision-quota",
        "-n",
        "vision",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"hard":{"pods":"999"}}}"#,
    ]);
    // An InferenceService deleted: missing.
    prod.kubectl_ok(&["delete", "inferenceservice", "recs-ranker", "-n", "recsys"]);
    // An object with mlpc's labels that the compile does not emit: orphaned.
    let orphan = json!({
        "apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue",
        "metadata": {"name": "old-queue", "namespace": "vision", "labels": {
            "app.kubernetes.io/managed-by": "mlpc",
            "mlpc.io/platform": "acme-ml",
            "mlpc.io/cluster": "prod-usw2",
        }},
        "spec": {"clusterQueue": "vision"},
    });
    let orphan_file = fleet.tmp.path().join("orphan.json");
    std::fs::write(&orphan_file, orphan.to_string()).unwrap();
    prod.kubectl_ok(&["create", "-f", &orphan_file.to_string_lossy()]);
    // A quantity rewritten to an equal value: not drift.
    let quota: Value = serde_json::from_str(&prod.kubectl_ok(&[
        "get",
        "resourcequota",
        "nlp-quota",
        "-n",
        "nlp",
        "-o",
        "json",
    ]))
    .unwrap();
    let cpu = quota["spec"]["hard"]["requests.cpu"]
        .as_str()
        .unwrap()
        .to_string();
    let millis = format!(
        "{}m",
        cpu.parse::<u64>().expect("a whole number of CPUs") * 1000
    );
    prod.kubectl_ok(&[
        "patch",
        "resourcequota",
        "nlp-quota",
        "-n",
        "nlp",
        "--type",
        "merge",
        "-p",
        &json!({"spec": {"hard": {"requests.cpu": millis}}}).to_string(),
    ]);
    // A field the spec's [drift] ignore list names: not drift.
    prod.kubectl_ok(&[
        "patch",
        "inferenceservice",
        "support-llm",
        "-n",
        "nlp",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"predictor":{"minReplicas":3}}}"#,
    ]);

    let (code, report, stderr) = fleet.drift(&admin);
    assert_eq!(code, 1, "{stderr}");
    assert_only_uncheckable_kinds(&fleet, &report);
    let s = |x: &str| x.to_string();
    assert_eq!(
        not_in_sync(&report),
        vec![
            (
                s("prod-usw2"),
                s("InferenceService"),
                s("recsys"),
                s("recs-ranker"),
                s("missing")
            ),
            (
                s("prod-usw2"),
                s("LocalQueue"),
                s("vision"),
                s("old-queue"),
                s("orphaned")
            ),
            (
                s("prod-usw2"),
                s("ResourceQuota"),
                s("vision"),
                s("vision-quota"),
                s("drifted")
            ),
        ],
        "{report:#}"
    );
    let quota = object(&report, "prod-usw2", "ResourceQuota", "vision-quota");
    let fields: Vec<(String, String, String)> = quota["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].to_string(),
                f["desired"].to_string(),
                f["live"].to_string(),
            )
        })
        .collect();
    assert_eq!(fields.len(), 1, "{quota:#}");
    assert!(fields[0].0.contains("pods"), "{quota:#}");
    assert!(fields[0].2.contains("999"), "{quota:#}");
}

#[test]
fn four_provider_spec_applies_with_zero_rejections() {
    let _guard = lock();
    let spec = repo().join("tests/e2e/specs/four-providers.toml");
    let fleet = apply_fleet(&spec);
    assert_eq!(fleet.planes.len(), 5);
}

/// Issue 17: the management objects of every provider (self-managed aws, gcp,
/// azure, docker; managed eks, gke, aks; the management cluster itself), with
/// their registrations and add-ons, on a real API server with the providers'
/// CRDs at the pinned versions.
#[test]
fn every_providers_management_objects_apply_with_zero_rejections() {
    let _guard = lock();
    let spec = repo().join("tests/specs/providers/ml-platform.toml");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    compile_spec(&spec, &out);
    let plane = ControlPlane::up(MANAGEMENT, tmp.path(), &spec);
    let namespaces = namespaces_made_by_controllers(&out, &spec);
    let items = management_items(&out);
    let kinds: BTreeSet<String> = items
        .iter()
        .filter_map(|i| i.object["kind"].as_str().map(str::to_string))
        .collect();
    for kind in [
        "AWSManagedControlPlane",
        "AWSManagedMachinePool",
        "GCPManagedControlPlane",
        "GCPManagedMachinePool",
        "AzureManagedControlPlane",
        "AzureManagedMachinePool",
        "AzureClusterIdentity",
        "MachinePool",
        "KubeadmControlPlane",
        "ExternalSecret",
        "SecretStore",
    ] {
        assert!(kinds.contains(kind), "no {kind} among {kinds:?}");
    }
    let r = apply(
        &plane,
        namespaces.get(MANAGEMENT).unwrap_or(&BTreeSet::new()),
        &items,
    );
    println!(
        "{MANAGEMENT}: applied={} rejected={} unchecked={}",
        r.applied,
        r.rejected.len(),
        r.unchecked.len()
    );
    for (kind, obj, msg) in &r.rejected {
        println!("  rejected {kind} {obj}: {msg}");
    }
    assert!(r.rejected.is_empty(), "{:#?}", r.rejected);
    assert!(r.unchecked.is_empty(), "{:?}", r.unchecked);
    assert_eq!(r.applied, items.len());
}

/// The example spec with one more `[drift]` ignore (the autoscaler's field of
/// one InferenceService), so that the test can edit a field the spec ignores.
fn example_spec_with_ignore() -> (tempfile::TempDir, PathBuf) {
    let dir = support::example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let from = r#"ignore = [{ kind = "Deployment", paths = ["/spec/replicas"] }]"#;
    assert!(text.contains(from), "the example's [drift] ignore changed");
    let text = text.replace(
        from,
        r#"ignore = [{ kind = "Deployment", paths = ["/spec/replicas"] }, { kind = "InferenceService", paths = ["/spec/predictor/minReplicas"] }]"#,
    );
    std::fs::write(&spec, text).unwrap();
    if repo().join("policies").is_dir() {
        copy_dir(&repo().join("policies"), &dir.path().join("policies"));
    }
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

/// The only parts drift could not check are the kinds no control plane here
/// serves (NO_CRD_SOURCE): reported `not_installed`, one object each, per
/// cluster. Anything else (a 403, a timeout, an unknown type) fails.
/// Everything checked is in sync; only the kinds of NO_CRD_SOURCE were not
/// checked, which is the only reason for exit 1.
fn assert_all_in_sync(fleet: &Fleet, code: i32, report: &Value, stderr: &str, what: &str) {
    assert_eq!(
        not_in_sync(report),
        Vec::<(String, String, String, String, String)>::new(),
        "{what}: {stderr}\n{report:#}"
    );
    assert_only_uncheckable_kinds(fleet, report);
    assert_eq!(
        code,
        if NO_CRD_SOURCE.is_empty() { 0 } else { 1 },
        "{what}: {stderr}\n{report:#}"
    );
}

fn assert_only_uncheckable_kinds(fleet: &Fleet, report: &Value) {
    for cluster in fleet.contexts.keys() {
        let c = report["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["cluster"] == cluster.as_str())
            .unwrap();
        assert!(c["error"].is_null(), "{cluster}: {c:#}");
        let mut errors: Vec<(String, String, u64)> = c["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_string(),
                    e["reason"].as_str().unwrap().to_string(),
                    e["objects"].as_u64().unwrap(),
                )
            })
            .collect();
        errors.sort();
        let mut want: Vec<(String, String, u64)> = NO_CRD_SOURCE
            .iter()
            .map(|(k, _)| (k.to_string(), "not_installed".to_string(), 1))
            .collect();
        want.sort();
        assert_eq!(errors, want, "{cluster}: {c:#}");
    }
}

fn object<'a>(report: &'a Value, cluster: &str, kind: &str, name: &str) -> &'a Value {
    report["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster"] == cluster)
        .unwrap()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {cluster}"))
}

/// Gatekeeper's own `gator test` (the version mlpc installs, built from its
/// module) and `mlpc check` judge the same objects with the same compiled
/// ConstraintTemplates and Constraints: the verdicts must agree object by
/// object and constraint by constraint, messages and enforcement included.
#[test]
fn gator_and_mlpc_check_agree_object_by_object() {
    let build = Command::new(repo().join("tests/e2e/build"))
        .output()
        .expect("run tests/e2e/build");
    assert!(
        build.status.success(),
        "tests/e2e/build: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    let bin = repo().join("target/e2e/bin");
    // prod enforces (deny), staging audits (dryrun): both actions are compared.
    for cluster in ["prod-usw2", "stg-use1"] {
        let tmp = tempfile::tempdir().unwrap();
        let work = tmp.path().join("inputs");
        let o = Command::new("python3")
            .arg(repo().join("tests/e2e/gator_inputs.py"))
            .arg(env!("CARGO_BIN_EXE_mlpc"))
            .arg(repo().join("ml-platform.toml"))
            .arg(&work)
            .args(["600", cluster])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let g = Command::new(bin.join("gator"))
            .args(["test", "-o", "json", "-f"])
            .arg(work.join("policies"))
            .arg("-f")
            .arg(work.join("objects"))
            .output()
            .unwrap();
        let gator: Value = serde_json::from_slice(&g.stdout)
            .unwrap_or_else(|e| panic!("gator JSON: {e}: {}", String::from_utf8_lossy(&g.stderr)));
        let m = support::mlpc(
            tmp.path(),
            &[
                "check",
                "--manifests",
                &work.join("all").to_string_lossy(),
                "--skip-policy-tests",
                "--spec",
                "/nonexistent.toml",
                "--format",
                "json",
            ],
        );
        let mlpc: Value = serde_json::from_slice(&m.stdout)
            .unwrap_or_else(|e| panic!("mlpc JSON: {e}: {}", support::stderr(&m)));

        // (kind, namespace, name, constraint Kind/name, message, action)
        type Verdict = (String, String, String, String, String, String);
        let s = |v: &Value| v.as_str().unwrap_or("").to_string();
        let mut from_gator: Vec<Verdict> = gator
            .as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let o = &r["violatingObject"];
                let c = &r["constraint"];
                (
                    s(&o["kind"]),
                    s(&o["metadata"]["namespace"]),
                    s(&o["metadata"]["name"]),
                    format!("{}/{}", s(&c["kind"]), s(&c["metadata"]["name"])),
                    s(&r["msg"]),
                    s(&r["enforcementAction"]),
                )
            })
            .collect();
        let mut from_mlpc: Vec<Verdict> = mlpc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["source"] == "policy")
            .map(|f| {
                // mlpc appends the enforcement action to the message: ` (deny)`.
                let msg = s(&f["message"]);
                let (text, action) = msg.rsplit_once(" (").expect("an action suffix");
                (
                    s(&f["kind"]),
                    s(&f["namespace"]),
                    s(&f["name"]),
                    s(&f["rule"]),
                    text.to_string(),
                    action.trim_end_matches(')').to_string(),
                )
            })
            .collect();
        from_gator.sort();
        from_mlpc.sort();
        let constraints: BTreeSet<&String> = from_gator.iter().map(|v| &v.3).collect();
        println!(
            "{cluster}: gator and mlpc check agree on {} violations of {} constraints",
            from_gator.len(),
            constraints.len()
        );
        // The inputs are built to break most policies: agreement on nothing proves nothing.
        assert!(constraints.len() >= 5, "{constraints:?}");
        assert_eq!(from_mlpc, from_gator, "{cluster}: mlpc check vs gator");
    }
}

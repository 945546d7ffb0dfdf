//! A fake Kubernetes API server for the drift tests and benchmark: plain
//! HTTP/1.1 on 127.0.0.1 (port 0), hand-written on tokio's `TcpListener`.
//!
//! It answers like a real one where drift looks: `/version`, `/api`,
//! `/apis`, per group-version discovery documents, LIST with
//! `labelSelector`, `limit` and `continue` (all namespaces or one), GET,
//! `404` Status objects for unknown objects and unserved resources, `403`
//! for a chosen resource type or group, `405` for anything but GET. Objects
//! are held in wire format: seeded from compiled objects with the fields a
//! server and its controllers add (uid, resourceVersion, managedFields,
//! creationTimestamp, status, defaults, Argo CD's tracking annotation), and
//! LIST items of built-in types without `apiVersion`/`kind`, as real servers
//! send them. Every request's method and target is recorded.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A resource type the server serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    /// Built into Kubernetes (as opposed to a CRD): LIST items carry no
    /// apiVersion/kind.
    pub builtin: bool,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.rsplit_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

/// Resource name and scope of the kinds mlpc emits (and a few more), as
/// their API servers and CRDs declare them. Gatekeeper constraint plurals
/// are the lowercased kind (no `s`).
pub fn known_type(api_version: &str, kind: &str) -> Option<ResourceType> {
    let (group, version) = split_api_version(api_version);
    let (plural, namespaced): (&str, bool) = match (group.as_str(), kind) {
        ("", "Namespace") => ("namespaces", false),
        ("", "ResourceQuota") => ("resourcequotas", true),
        ("", "LimitRange") => ("limitranges", true),
        ("", "ServiceAccount") => ("serviceaccounts", true),
        ("", "ConfigMap") => ("configmaps", true),
        ("", "Secret") => ("secrets", true),
        ("", "Service") => ("services", true),
        ("apps", "Deployment") => ("deployments", true),
        ("rbac.authorization.k8s.io", "RoleBinding") => ("rolebindings", true),
        ("rbac.authorization.k8s.io", "Role") => ("roles", true),
        ("rbac.authorization.k8s.io", "ClusterRole") => ("clusterroles", false),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => ("clusterrolebindings", false),
        ("networking.k8s.io", "NetworkPolicy") => ("networkpolicies", true),
        ("networking.k8s.io", "IngressClass") => ("ingressclasses", false),
        ("networking.k8s.io", "Ingress") => ("ingresses", true),
        ("storage.k8s.io", "StorageClass") => ("storageclasses", false),
        ("kubeflow.org", "Profile") => ("profiles", false),
        ("kubeflow.org", "Experiment") => ("experiments", true),
        ("kueue.x-k8s.io", "ClusterQueue") => ("clusterqueues", false),
        ("kueue.x-k8s.io", "LocalQueue") => ("localqueues", true),
        ("kueue.x-k8s.io", "ResourceFlavor") => ("resourceflavors", false),
        ("networking.istio.io", "Gateway") => ("gateways", true),
        ("security.istio.io", "AuthorizationPolicy") => ("authorizationpolicies", true),
        ("security.istio.io", "PeerAuthentication") => ("peerauthentications", true),
        ("operator.knative.dev", "KnativeServing") => ("knativeservings", true),
        ("serving.kserve.io", "InferenceService") => ("inferenceservices", true),
        ("serving.kserve.io", "InferenceGraph") => ("inferencegraphs", true),
        ("serving.kserve.io", "ServingRuntime") => ("servingruntimes", true),
        ("templates.gatekeeper.sh", "ConstraintTemplate") => ("constrainttemplates", false),
        ("trainer.kubeflow.org", "ClusterTrainingRuntime") => ("clustertrainingruntimes", false),
        ("external-secrets.io", "ExternalSecret") => ("externalsecrets", true),
        ("external-secrets.io", "ClusterSecretStore") => ("clustersecretstores", false),
        ("constraints.gatekeeper.sh", _) => {
            return Some(ResourceType {
                group,
                version,
                kind: kind.to_string(),
                plural: kind.to_ascii_lowercase(),
                namespaced: false,
                builtin: false,
            });
        }
        _ => return None,
    };
    let builtin = group.is_empty() || group.ends_with(".k8s.io") || group == "apps";
    Some(ResourceType {
        group,
        version,
        kind: kind.to_string(),
        plural: plural.to_string(),
        namespaced,
        builtin,
    })
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent (percent-encoded).
    pub target: String,
}

impl Recorded {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> BTreeMap<String, String> {
        parse_query(self.target.split_once('?').map(|x| x.1).unwrap_or(""))
    }
}

type ObjectKey = (String, String);

#[derive(Default)]
pub struct State {
    pub types: Vec<ResourceType>,
    /// Objects by `(apiVersion, plural)`, then `(namespace, name)`.
    pub objects: BTreeMap<(String, String), BTreeMap<ObjectKey, Value>>,
    /// `(group, plural)` answered with 403; plural `*` for the whole group.
    pub forbidden: BTreeSet<(String, String)>,
    pub requests: Vec<Recorded>,
    /// Accept connections and read requests, never answer.
    pub hang: bool,
    /// Serve at most this many items per LIST page, whatever `limit` says
    /// (servers may return fewer than asked).
    pub max_page: Option<usize>,
    /// RBAC: when set, only these `(group, plural)` may be read; every other
    /// resource answers 403.
    pub allowed: Option<BTreeSet<(String, String)>>,
    pub resource_version: u64,
    /// Hostile: every LIST page says `continue` (a new token each time).
    pub endless_continue: bool,
    /// Hostile: LIST bodies of this resource (plural) padded to this many bytes.
    pub list_padding: Option<(String, usize)>,
}

impl State {
    fn find_type(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    pub fn type_of(&self, api_version: &str, kind: &str) -> Option<ResourceType> {
        self.types
            .iter()
            .find(|t| t.api_version() == api_version && t.kind == kind)
            .cloned()
    }

    /// Serve `t` (idempotent).
    pub fn add_type(&mut self, t: ResourceType) {
        if !self.types.contains(&t) {
            self.types.push(t);
        }
    }

    fn next_rv(&mut self) -> u64 {
        self.resource_version += 1;
        self.resource_version
    }

    /// Store `obj` as is (already wire format), serving its type.
    pub fn put_raw(&mut self, obj: Value) {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let t = self.type_of(&api_version, &kind).unwrap_or_else(|| {
            known_type(&api_version, &kind).unwrap_or_else(|| {
                let (group, version) = split_api_version(&api_version);
                ResourceType {
                    group,
                    version,
                    kind: kind.clone(),
                    plural: format!("{}s", kind.to_ascii_lowercase()),
                    namespaced: obj.pointer("/metadata/namespace").is_some(),
                    builtin: false,
                }
            })
        });
        let ns = if t.namespaced {
            obj.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        self.objects
            .entry((api_version, t.plural.clone()))
            .or_default()
            .insert((ns, name), obj);
        self.add_type(t);
    }

    /// Store a compiled object the way an API server returns it after Argo
    /// CD applied it.
    pub fn put_compiled(&mut self, obj: &Value) {
        let rv = self.next_rv();
        let live = to_live(obj, rv);
        self.put_raw(live);
    }

    fn key_of(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Option<((String, String), ObjectKey)> {
        for (tk, objs) in &self.objects {
            let Some(t) = self
                .types
                .iter()
                .find(|t| t.api_version() == tk.0 && t.plural == tk.1)
            else {
                continue;
            };
            if t.kind != kind {
                continue;
            }
            let key = (ns.unwrap_or_default().to_string(), name.to_string());
            if objs.contains_key(&key) {
                return Some((tk.clone(), key));
            }
        }
        None
    }

    /// Change a stored object in place; panics when there is none (a test bug).
    pub fn update(&mut self, kind: &str, ns: Option<&str>, name: &str, f: impl FnOnce(&mut Value)) {
        let (tk, key) = self
            .key_of(kind, ns, name)
            .unwrap_or_else(|| panic!("no live {kind} {ns:?}/{name} to update"));
        let rv = self.next_rv();
        let obj = self
            .objects
            .get_mut(&tk)
            .and_then(|m| m.get_mut(&key))
            .unwrap();
        f(obj);
        obj["metadata"]["resourceVersion"] = json!(rv.to_string());
    }

    /// Delete a stored object; panics when there is none.
    pub fn delete(&mut self, kind: &str, ns: Option<&str>, name: &str) -> Value {
        let (tk, key) = self
            .key_of(kind, ns, name)
            .unwrap_or_else(|| panic!("no live {kind} {ns:?}/{name} to delete"));
        self.objects.get_mut(&tk).unwrap().remove(&key).unwrap()
    }

    /// Stop serving a group version, as when its CRD is not installed.
    pub fn uninstall(&mut self, api_version: &str) {
        self.types.retain(|t| t.api_version() != api_version);
        self.objects.retain(|(v, _), _| v != api_version);
    }

    pub fn object_count(&self) -> usize {
        self.objects.values().map(BTreeMap::len).sum()
    }
}

/// A compiled object as an API server holds it after Argo CD applied it:
/// server metadata, status, defaults the compiled object does not set.
pub fn to_live(obj: &Value, rv: u64) -> Value {
    let mut o = obj.clone();
    let kind = o["kind"].as_str().unwrap_or_default().to_string();
    let api_version = o["apiVersion"].as_str().unwrap_or_default().to_string();
    let name = o
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let ns = o
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(String::from);
    let cluster = o
        .pointer("/metadata/labels/mlpc.io~1cluster")
        .and_then(Value::as_str)
        .unwrap_or("c")
        .to_string();
    let layer = o
        .pointer("/metadata/labels/mlpc.io~1layer")
        .and_then(Value::as_str)
        .unwrap_or("l")
        .to_string();
    let group = split_api_version(&api_version).0;
    let meta = o["metadata"].as_object_mut().expect("metadata");
    meta.insert(
        "uid".into(),
        json!(format!("00000000-0000-4000-8000-{rv:012}")),
    );
    meta.insert("resourceVersion".into(), json!(rv.to_string()));
    meta.insert("creationTimestamp".into(), json!("2025-06-01T12:00:00Z"));
    if !group.is_empty() || kind != "Namespace" {
        meta.insert("generation".into(), json!(1));
    }
    meta.insert(
        "managedFields".into(),
        json!([{
            "manager": "argocd-controller",
            "operation": "Apply",
            "apiVersion": api_version,
            "time": "2025-06-01T12:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {}}}
        }]),
    );
    let annotations = meta
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("annotations");
    annotations.insert(
        "argocd.argoproj.io/tracking-id".into(),
        json!(format!(
            "{cluster}-{layer}:{group}/{kind}:{}/{name}",
            ns.as_deref().unwrap_or("")
        )),
    );
    match kind.as_str() {
        "Secret" => {
            // stringData is write-only: the server folds it into data.
            if let Some(Value::Object(sd)) = o.as_object_mut().and_then(|m| m.remove("stringData"))
            {
                let data = o
                    .as_object_mut()
                    .unwrap()
                    .entry("data")
                    .or_insert_with(|| json!({}));
                for (k, v) in sd {
                    data[&k] = json!(base64(v.as_str().unwrap_or_default().as_bytes()));
                }
            }
            o.as_object_mut()
                .unwrap()
                .entry("type")
                .or_insert(json!("Opaque"));
        }
        "Namespace" => {
            o["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
            o["spec"] = json!({"finalizers": ["kubernetes"]});
            o["status"] = json!({"phase": "Active"});
        }
        "ResourceQuota" => {
            let hard = o.pointer("/spec/hard").cloned().unwrap_or(json!({}));
            let used: serde_json::Map<String, Value> = hard
                .as_object()
                .map(|m| m.keys().map(|k| (k.clone(), json!("0"))).collect())
                .unwrap_or_default();
            o["status"] = json!({"hard": hard, "used": used});
        }
        "ClusterQueue" => {
            let spec = o["spec"].as_object_mut().expect("spec");
            spec.entry("stopPolicy").or_insert(json!("None"));
            spec.entry("flavorFungibility").or_insert(
                json!({"whenCanBorrow": "MayStopSearch", "whenCanPreempt": "TryNextFlavor"}),
            );
            o["status"] = json!({"admittedWorkloads": 0, "pendingWorkloads": 0, "conditions": [
                {"type": "Active", "status": "True", "reason": "Ready", "message": "Can admit new workloads",
                 "lastTransitionTime": "2025-06-01T12:00:00Z", "observedGeneration": 1}]});
        }
        "LocalQueue" => {
            o["spec"]
                .as_object_mut()
                .expect("spec")
                .entry("stopPolicy")
                .or_insert(json!("None"));
        }
        "InferenceService" => {
            o["status"] = json!({
                "url": format!("https://{name}.{}.example", ns.as_deref().unwrap_or("default")),
                "observedGeneration": 1,
                "conditions": [{"type": "Ready", "status": "True",
                    "lastTransitionTime": "2025-06-01T12:00:00Z"}],
            });
        }
        "ServiceAccount" | "LimitRange" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding"
        | "NetworkPolicy" | "ConfigMap" => {}
        _ => {
            if !group.is_empty() && o.get("spec").is_some() {
                o["status"] = json!({"observedGeneration": 1, "conditions": [
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2025-06-01T12:00:00Z"}]});
            }
        }
    }
    o
}

/// Standard base64 with padding (Secret data on the wire).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

pub struct FakeApiServer {
    pub port: u16,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeApiServer {
    /// Listen on 127.0.0.1, a free port, serving the built-in types mlpc
    /// emits (and nothing else until seeded).
    pub fn start() -> FakeApiServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let state = Arc::new(Mutex::new(State::default()));
        {
            let mut s = state.lock().unwrap();
            for (v, k) in [
                ("v1", "Namespace"),
                ("v1", "ConfigMap"),
                ("v1", "Secret"),
                ("v1", "ServiceAccount"),
                ("v1", "ResourceQuota"),
                ("v1", "LimitRange"),
                ("apps/v1", "Deployment"),
                ("rbac.authorization.k8s.io/v1", "RoleBinding"),
                ("rbac.authorization.k8s.io/v1", "ClusterRole"),
                ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
                ("networking.k8s.io/v1", "NetworkPolicy"),
            ] {
                s.add_type(known_type(v, k).unwrap());
            }
        }
        let listener = runtime.block_on(async {
            TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0")
        });
        let port = listener.local_addr().unwrap().port();
        let st = Arc::clone(&state);
        runtime.spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let _ = sock.set_nodelay(true);
                let st = Arc::clone(&st);
                tokio::spawn(async move {
                    let _ = connection(sock, st).await;
                });
            }
        });
        FakeApiServer {
            port,
            state,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Seed with compiled objects (the CRDs of their kinds installed).
    pub fn seed(&self, objects: &[Value]) {
        let mut s = self.state();
        for o in objects {
            s.put_compiled(o);
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.state().requests.clear();
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn connection(sock: tokio::net::TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut content_length = 0usize;
        let mut close = false;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim();
                if k == "content-length" {
                    content_length = v.parse().unwrap_or(0);
                } else if k == "connection" && v.eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        }
        if content_length > 0 {
            let mut body = vec![0u8; content_length];
            r.read_exact(&mut body).await?;
        }
        let (hang, (code, body)) = {
            let mut s = state.lock().unwrap();
            s.requests.push(Recorded {
                method: method.clone(),
                target: target.clone(),
            });
            if s.hang {
                (true, (0, String::new()))
            } else {
                (false, handle(&s, &method, &target))
            }
        };
        if hang {
            std::future::pending::<()>().await;
        }
        let reason = match code {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-cache, private\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        w.write_all(head.as_bytes()).await?;
        w.write_all(body.as_bytes()).await?;
        w.flush().await?;
        if close {
            return Ok(());
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn status(code: u16, reason: &str, message: String, details: Value) -> (u16, String) {
    let v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    });
    (code, v.to_string())
}

fn not_found_path() -> (u16, String) {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource".into(),
        json!({}),
    )
}

/// An equality-based label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`).
fn matches_selector(obj: &Value, selector: &str) -> bool {
    let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    selector
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .all(|req| {
            if let Some((k, v)) = req.split_once("!=") {
                get(k.trim()) != Some(v.trim())
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                get(k.trim()) == Some(v.trim())
            } else if let Some(k) = req.strip_prefix('!') {
                get(k.trim()).is_none()
            } else {
                get(req).is_some()
            }
        })
}

fn handle(s: &State, method: &str, target: &str) -> (u16, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = parse_query(query);
    let segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if method != "GET" {
        return status(
            405,
            "MethodNotAllowed",
            format!("the fake API server is read-only: {method} is not allowed"),
            json!({}),
        );
    }
    match segs.as_slice() {
        ["version"] => (
            200,
            json!({"major": "1", "minor": "34", "gitVersion": "v1.34.1",
                "gitCommit": "0000000", "gitTreeState": "clean",
                "buildDate": "2025-09-09T00:00:00Z", "goVersion": "go1.24.6",
                "compiler": "gc", "platform": "linux/amd64"})
            .to_string(),
        ),
        ["api"] => (
            200,
            json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]})
            .to_string(),
        ),
        ["apis"] => {
            let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for t in s.types.iter().filter(|t| !t.group.is_empty()) {
                groups.entry(&t.group).or_default().insert(&t.version);
            }
            let groups: Vec<Value> = groups
                .into_iter()
                .map(|(g, vs)| {
                    let versions: Vec<Value> = vs
                        .iter()
                        .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                        .collect();
                    json!({"name": g, "versions": versions, "preferredVersion": versions[0]})
                })
                .collect();
            (
                200,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string(),
            )
        }
        ["api", v] => discovery_doc(s, "", v),
        ["apis", g, v] => discovery_doc(s, g, v),
        ["apis", g] => {
            let versions: Vec<Value> = s
                .types
                .iter()
                .filter(|t| t.group == *g)
                .map(|t| t.version.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            if versions.is_empty() {
                return not_found_path();
            }
            (
                200,
                json!({"kind": "APIGroup", "apiVersion": "v1", "name": g,
                    "versions": versions, "preferredVersion": versions[0]})
                .to_string(),
            )
        }
        ["api", v, rest @ ..] => resource(s, "", v, rest, &query),
        ["apis", g, v, rest @ ..] => resource(s, g, v, rest, &query),
        _ => not_found_path(),
    }
}

fn discovery_doc(s: &State, group: &str, version: &str) -> (u16, String) {
    let resources: Vec<Value> = s
        .types
        .iter()
        .filter(|t| t.group == group && t.version == version)
        .flat_map(|t| {
            let main = json!({
                "name": t.plural,
                "singularName": t.kind.to_ascii_lowercase(),
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "storageVersionHash": "abcdEFGH123=",
            });
            let status = json!({
                "name": format!("{}/status", t.plural),
                "singularName": "",
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": ["get", "patch", "update"],
            });
            [main, status]
        })
        .collect();
    if resources.is_empty() {
        return not_found_path();
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    (
        200,
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
            .to_string(),
    )
}

fn resource(
    s: &State,
    group: &str,
    version: &str,
    rest: &[&str],
    query: &BTreeMap<String, String>,
) -> (u16, String) {
    let (ns, plural, name) = match rest {
        [plural] => (None, *plural, None),
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        [plural, name] => (None, *plural, Some(*name)),
        _ => return not_found_path(),
    };
    let Some(t) = s.find_type(group, version, plural) else {
        return not_found_path();
    };
    let gr = if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    };
    let denied_by_rbac = s
        .allowed
        .as_ref()
        .is_some_and(|a| !a.contains(&(group.to_string(), plural.to_string())));
    if denied_by_rbac
        || s.forbidden
            .contains(&(group.to_string(), plural.to_string()))
        || s.forbidden.contains(&(group.to_string(), "*".to_string()))
    {
        let verb = if name.is_some() { "get" } else { "list" };
        let scope = match ns {
            Some(n) => format!("in the namespace \"{n}\""),
            None => "at the cluster scope".into(),
        };
        return status(
            403,
            "Forbidden",
            format!(
                "{gr} is forbidden: User \"system:serviceaccount:kube-system:mlpc-drift\" cannot {verb} resource \"{plural}\" in API group \"{group}\" {scope}"
            ),
            json!({"group": group, "kind": plural}),
        );
    }
    if ns.is_some() && !t.namespaced {
        return not_found_path();
    }
    let empty = BTreeMap::new();
    let objects = s
        .objects
        .get(&(t.api_version(), t.plural.clone()))
        .unwrap_or(&empty);
    if let Some(name) = name {
        let key = (ns.unwrap_or_default().to_string(), name.to_string());
        return match objects.get(&key) {
            Some(o) => (200, o.to_string()),
            None => status(
                404,
                "NotFound",
                format!("{gr} \"{name}\" not found"),
                json!({"name": name, "group": group, "kind": plural}),
            ),
        };
    }
    let selector = query.get("labelSelector").cloned().unwrap_or_default();
    let selected: Vec<&Value> = objects
        .iter()
        .filter(|((ons, _), _)| ns.is_none_or(|n| n == ons))
        .map(|(_, o)| o)
        .filter(|o| matches_selector(o, &selector))
        .collect();
    let offset: usize = match query.get("continue").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match c.strip_prefix("page-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => {
                return status(
                    400,
                    "BadRequest",
                    format!("invalid continue token {c:?}"),
                    json!({}),
                );
            }
        },
    };
    let mut limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    if let Some(m) = s.max_page {
        limit = limit.min(m);
    }
    let end = offset.saturating_add(limit).min(selected.len());
    let items: Vec<Value> = selected[offset.min(end)..end]
        .iter()
        .map(|o| {
            let mut o = (*o).clone();
            if t.builtin
                && let Some(m) = o.as_object_mut()
            {
                m.remove("apiVersion");
                m.remove("kind");
            }
            o
        })
        .collect();
    let mut meta = json!({"resourceVersion": s.resource_version.to_string()});
    if end < selected.len() {
        meta["continue"] = json!(format!("page-{end}"));
        meta["remainingItemCount"] = json!(selected.len() - end);
    }
    if s.endless_continue {
        // A new token each time, past the last item: empty pages forever.
        meta["continue"] = json!(format!("page-{}", 1_000_000 + s.requests.len()));
    }
    let mut body = json!({"kind": format!("{}List", t.kind), "apiVersion": t.api_version(), "metadata": meta, "items": items});
    if let Some((plural, n)) = &s.list_padding
        && *plural == t.plural
    {
        body["padding"] = json!("x".repeat(*n));
    }
    (200, body.to_string())
}

/// A kubeconfig whose `(context, server URL)` pairs each get a cluster and
/// a token user.
pub fn write_kubeconfig(path: &Path, contexts: &[(&str, &str)]) {
    let mut clusters = String::new();
    let mut ctxs = String::new();
    for (name, url) in contexts {
        clusters.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
        ctxs.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: drift-reader\n"
        ));
    }
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n- name: drift-reader\n  user:\n    token: fake-token\ncontexts:\n{ctxs}current-context: {}\n",
        contexts.first().map(|c| c.0).unwrap_or("none")
    );
    std::fs::write(path, text).expect("write kubeconfig");
}

/// The compiled objects of each workload cluster (`clusters/<name>/`), the
/// platform name, and each cluster's kubeconfig context.
pub struct CompiledPlatform {
    pub platform: String,
    pub objects: BTreeMap<String, Vec<Value>>,
    pub contexts: BTreeMap<String, String>,
}

pub fn compile_spec(spec: &Path, blueprints: Option<&Path>) -> CompiledPlatform {
    let compiled = mlpc::compile::compile(&mlpc::compile::CompileOptions {
        spec: spec.to_path_buf(),
        blueprints: blueprints.map(Path::to_path_buf),
        clusters: vec![],
    })
    .unwrap_or_else(|e| panic!("{} does not compile: {e}", spec.display()));
    let mut objects: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut contexts = BTreeMap::new();
    for c in &compiled.plan.clusters {
        contexts.insert(c.cluster.name.clone(), c.cluster.context.clone());
        let prefix = format!("clusters/{}/", c.cluster.name);
        objects.insert(
            c.cluster.name.clone(),
            compiled
                .tree
                .objects
                .iter()
                .filter(|p| p.path.starts_with(&prefix))
                .map(|p| p.object.clone())
                .collect(),
        );
    }
    CompiledPlatform {
        platform: compiled.plan.platform.name.clone(),
        objects,
        contexts,
    }
}

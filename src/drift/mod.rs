//! Drift: what differs between what mlpc compiles and what each workload
//! cluster's API server holds, object by object.
//!
//! Per cluster: discovery maps each compiled apiVersion/kind to its resource
//! (once), then one paginated LIST per resource type with mlpc's label
//! selector fetches every live object mlpc manages; compiled objects the LIST
//! did not return are looked up by name (they may have lost their labels).
//! Clusters are checked concurrently, with a bound. Strictly read-only.
//!
//! Objects the compile places under `management/` live on the management
//! cluster (Cluster API, Argo CD) and are not part of drift.

pub mod client;
pub mod compare;
pub mod progress;
pub mod quantity;
pub mod render;
pub mod targets;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use kube::config::Kubeconfig;
use serde::Serialize;
use serde_json::Value;

use client::{ApiError, Conn, GroupVersion, ResourceType};
use compare::{FieldDiff, Ignores};
use progress::Progress;

/// One workload cluster to check.
#[derive(Clone, Debug)]
pub struct Target {
    pub cluster: String,
    /// kubeconfig context.
    pub context: String,
    /// API server URL the spec declares (compared with the context's).
    pub server: String,
    /// The compiled objects that live on this cluster.
    pub desired: Vec<Value>,
    /// `(apiVersion, kind)` searched for orphans only (kinds of a previous
    /// compile the current one no longer emits).
    pub orphan_only: BTreeSet<(String, String)>,
    pub ignores: Ignores,
    /// Timeout of each request.
    pub timeout: Duration,
}

pub struct Options {
    pub platform: String,
    /// The kubeconfig, or why it could not be read.
    pub kubeconfig: Result<Kubeconfig, String>,
    /// Clusters checked at once.
    pub concurrency: usize,
    /// Requests in flight per cluster.
    pub per_cluster: usize,
    /// LIST page size (`limit`).
    pub page_size: u32,
    /// Draw the progress bar.
    pub progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Drifted,
    Missing,
    Orphaned,
    InSync,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InSync => "in_sync",
            Status::Drifted => "drifted",
            Status::Missing => "missing",
            Status::Orphaned => "orphaned",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReport {
    pub api_version: String,
    pub kind: String,
    /// `null` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
    pub status: Status,
    pub fields: Vec<FieldDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A resource type (or one object) that could not be checked.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeError {
    pub api_version: String,
    pub kind: String,
    /// The resource name, when discovery found it.
    pub resource: Option<String>,
    /// `forbidden`, `not_installed`, `timeout`, `unreachable`, `error`, ...
    pub reason: String,
    pub message: String,
    /// Compiled objects of this type left unchecked.
    pub objects: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub in_sync: usize,
    pub drifted: usize,
    pub missing: usize,
    pub orphaned: usize,
    /// Compiled objects that could not be checked (see `errors`).
    pub unchecked: usize,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.in_sync += o.in_sync;
        self.drifted += o.drifted;
        self.missing += o.missing;
        self.orphaned += o.orphaned;
        self.unchecked += o.unchecked;
    }

    pub fn drift(&self) -> usize {
        self.drifted + self.missing + self.orphaned
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClusterReport {
    pub cluster: String,
    pub context: String,
    /// The API server contacted (from the kubeconfig context).
    pub server: Option<String>,
    /// Set when the cluster could not be checked at all.
    pub error: Option<String>,
    pub warnings: Vec<String>,
    /// Resource types (or objects) that could not be checked.
    pub errors: Vec<TypeError>,
    pub summary: Summary,
    pub objects: Vec<ObjectReport>,
    /// Resource types listed successfully.
    #[serde(skip)]
    pub types_checked: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub platform: String,
    pub clusters: Vec<ClusterReport>,
    pub summary: Summary,
}

/// A drift check's overall result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every checked object is in sync.
    InSync,
    /// Drift found, or part of the platform could not be checked.
    Drift,
    /// No cluster could be checked at all.
    NothingChecked,
}

impl Report {
    /// True when no cluster could be checked at all.
    pub fn nothing_checked(&self) -> bool {
        !self
            .clusters
            .iter()
            .any(|c| c.error.is_none() && (c.types_checked > 0 || c.summary.unchecked == 0))
    }

    /// What the check found, overall (the binary turns it into the exit code).
    pub fn verdict(&self) -> Verdict {
        if self.nothing_checked() {
            Verdict::NothingChecked
        } else if self.summary.drift() > 0
            || self
                .clusters
                .iter()
                .any(|c| c.error.is_some() || !c.errors.is_empty())
        {
            Verdict::Drift
        } else {
            Verdict::InSync
        }
    }
}

/// The label selector of every object mlpc compiles for `platform`.
pub fn selector(platform: &str) -> String {
    format!(
        "{}={},{}={platform}",
        crate::emit::MANAGED_BY.0,
        crate::emit::MANAGED_BY.1,
        crate::emit::PLATFORM_LABEL
    )
}

/// Check every target (at most `concurrency` at once) and gather the report,
/// clusters in the order given.
pub fn run(targets: Vec<Target>, opts: Options) -> Report {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("cannot start the async runtime: {e}");
            return Report {
                platform: opts.platform.clone(),
                clusters: targets
                    .iter()
                    .map(|t| failed(t, None, msg.clone()))
                    .collect(),
                summary: Summary::default(),
            };
        }
    };
    let progress = Progress::start(targets.len(), opts.progress);
    let shared = Arc::new(Shared {
        kubeconfig: opts.kubeconfig,
        selector: selector(&opts.platform),
        page_size: opts.page_size.max(1),
        per_cluster: opts.per_cluster.max(1),
        progress: progress.clone(),
    });
    let concurrency = opts.concurrency.max(1);
    let clusters = runtime.block_on(async move {
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        let n = targets.len();
        for (i, t) in targets.into_iter().enumerate() {
            let sem = Arc::clone(&sem);
            let shared = Arc::clone(&shared);
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let name = t.cluster.clone();
                // One overall deadline per cluster, whatever its server does
                // between the per-request timeouts (slow pages, many types).
                let deadline = cluster_deadline(t.timeout);
                let fallback = t.clone();
                let r = match tokio::time::timeout(deadline, check_cluster(t, &shared)).await {
                    Ok(r) => r,
                    Err(_) => failed(
                        &fallback,
                        None,
                        format!(
                            "no complete answer within {}s (the per-cluster deadline)",
                            deadline.as_secs()
                        ),
                    ),
                };
                shared.progress.cluster_done();
                (i, name, r)
            });
        }
        let mut out: Vec<Option<ClusterReport>> = vec![None; n];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, _, r)) = joined {
                out[i] = Some(r);
            }
        }
        out
    });
    progress.finish();
    let clusters: Vec<ClusterReport> = clusters.into_iter().flatten().collect();
    let mut summary = Summary::default();
    for c in &clusters {
        summary.add(&c.summary);
    }
    Report {
        platform: opts.platform,
        clusters,
        summary,
    }
}

struct Shared {
    kubeconfig: Result<Kubeconfig, String>,
    selector: String,
    page_size: u32,
    per_cluster: usize,
    progress: Progress,
}

fn failed(t: &Target, server: Option<String>, error: String) -> ClusterReport {
    ClusterReport {
        cluster: t.cluster.clone(),
        context: t.context.clone(),
        server,
        error: Some(error),
        warnings: Vec::new(),
        errors: Vec::new(),
        summary: Summary {
            unchecked: t.desired.len(),
            ..Summary::default()
        },
        objects: Vec::new(),
        types_checked: 0,
    }
}

fn api_version(o: &Value) -> &str {
    o.get("apiVersion").and_then(Value::as_str).unwrap_or("")
}

fn kind(o: &Value) -> &str {
    o.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn meta_str<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.get("metadata")?.get(key)?.as_str()
}

/// `(namespace, name)` as the API server identifies the object.
fn identity(o: &Value, namespaced: bool) -> (Option<String>, String) {
    let ns = if namespaced {
        Some(meta_str(o, "namespace").unwrap_or("default").to_string())
    } else {
        None
    };
    (ns, meta_str(o, "name").unwrap_or_default().to_string())
}

fn same_server(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim_end_matches('/').to_ascii_lowercase();
        match s.strip_suffix(":443") {
            Some(x) if x.starts_with("https://") => x.to_string(),
            _ => s,
        }
    };
    norm(a) == norm(b)
}

/// A type whose compiled objects could not be checked.
fn type_error(
    api_version: &str,
    kind: &str,
    rt: Option<&ResourceType>,
    reason: &str,
    message: String,
    objects: usize,
) -> TypeError {
    TypeError {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        resource: rt.map(|r| r.plural.clone()),
        reason: reason.to_string(),
        message,
        objects,
    }
}

/// One resource type to LIST: its compiled objects (none for orphan-only types).
struct Job<'a> {
    rt: ResourceType,
    desired: Vec<&'a Value>,
}

/// The whole check of one cluster may take this long: ten request timeouts.
pub fn cluster_deadline(timeout: Duration) -> Duration {
    timeout.saturating_mul(10)
}

async fn check_cluster(t: Target, shared: &Shared) -> ClusterReport {
    let kubeconfig = match &shared.kubeconfig {
        Ok(k) => k,
        Err(e) => return failed(&t, None, e.clone()),
    };
    let (conn, warnings) = match Conn::new(kubeconfig, &t.context, t.timeout).await {
        Ok(c) => c,
        Err(e) => return failed(&t, None, e),
    };
    let mut rep = failed(&t, Some(conn.url.clone()), String::new());
    rep.error = None;
    rep.warnings = warnings;
    if !t.server.is_empty() && !same_server(&conn.url, &t.server) {
        rep.warnings.push(format!(
            "context {} points at {}, but the spec's server for {} is {}",
            t.context, conn.url, t.cluster, t.server
        ));
    }

    // Compiled objects by type; orphan-only types after them.
    let mut by_type: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for o in &t.desired {
        by_type
            .entry((api_version(o).to_string(), kind(o).to_string()))
            .or_default()
            .push(o);
    }
    for key in &t.orphan_only {
        by_type.entry(key.clone()).or_default();
    }
    let needed: BTreeSet<String> = by_type.keys().map(|(v, _)| v.clone()).collect();
    let discovery = match conn.discover(&needed, shared.per_cluster).await {
        Ok(d) => d,
        Err(e) => {
            rep.error = Some(match e {
                ApiError::Timeout(_) | ApiError::Unreachable(_) => e.to_string(),
                _ => format!("discovery failed: {e}"),
            });
            return rep;
        }
    };

    let mut jobs = Vec::new();
    for ((av, k), desired) in by_type {
        let err = |reason: &str, msg: String| type_error(&av, &k, None, reason, msg, desired.len());
        let problem = match discovery.by_version.get(&av) {
            Some(GroupVersion::Served(kinds)) => match kinds.get(&k) {
                Some(rt) if rt.verbs.iter().any(|v| v == "list") => {
                    jobs.push(Job {
                        rt: rt.clone(),
                        desired,
                    });
                    continue;
                }
                Some(rt) => Some(type_error(
                    &av,
                    &k,
                    Some(rt),
                    "error",
                    format!("{} cannot be listed", rt.plural),
                    desired.len(),
                )),
                None => Some(err(
                    "not_installed",
                    format!("{av} serves no kind {k} (is its CRD installed?)"),
                )),
            },
            Some(GroupVersion::Failed(e)) => Some(err(e.reason(), format!("discovery: {e}"))),
            _ => Some(err(
                "not_installed",
                format!("the server does not serve {av} (is its CRD installed?)"),
            )),
        };
        // A type of an older compile that the cluster does not have cannot
        // hold orphans: nothing to say.
        if let Some(p) = problem
            && p.objects > 0
        {
            rep.errors.push(p);
        }
    }
    shared.progress.add_lists(jobs.len());

    // LIST every type, a bounded number at once; each result is compared as
    // it arrives and dropped, so only a few types' live objects are held.
    let sem = Arc::new(tokio::sync::Semaphore::new(shared.per_cluster));
    let conn = Arc::new(conn);
    let budget = Arc::new(std::sync::atomic::AtomicUsize::new(client::MAX_OBJECTS));
    let mut lists = tokio::task::JoinSet::new();
    for (ji, job) in jobs.iter().enumerate() {
        let budget = Arc::clone(&budget);
        let sem = Arc::clone(&sem);
        let conn = Arc::clone(&conn);
        let rt = job.rt.clone();
        let selector = shared.selector.clone();
        let page = shared.page_size;
        let progress = shared.progress.clone();
        lists.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let r = conn.list(&rt, &selector, page, &budget).await;
            progress.list_done();
            (ji, r)
        });
    }

    let mut lookups: Vec<(usize, &Value)> = Vec::new();
    let mut orphan_warnings = Vec::new();
    while let Some(joined) = lists.join_next().await {
        let (ji, result) = match joined {
            Ok(r) => r,
            Err(e) => {
                rep.warnings.push(format!("a LIST task failed: {e}"));
                continue;
            }
        };
        let job = &jobs[ji];
        let rt = &job.rt;
        let items = match result {
            Ok(items) => items,
            Err(e) => {
                if job.desired.is_empty() {
                    orphan_warnings.push(format!(
                        "could not search {} for orphaned objects: {e}",
                        rt.plural
                    ));
                } else {
                    rep.errors.push(type_error(
                        &rt.api_version,
                        &rt.kind,
                        Some(rt),
                        e.reason(),
                        e.to_string(),
                        job.desired.len(),
                    ));
                }
                continue;
            }
        };
        rep.types_checked += 1;
        let mut live: BTreeMap<(Option<String>, String), Value> = items
            .into_iter()
            .map(|o| (identity(&o, rt.namespaced), o))
            .collect();
        for d in &job.desired {
            match live.remove(&identity(d, rt.namespaced)) {
                Some(l) => rep.objects.push(compared(rt, d, &l, &t.ignores)),
                None => lookups.push((ji, d)),
            }
        }
        for ((ns, name), o) in live {
            // A copy a controller made of an mlpc object (KServe copies an
            // InferenceService's labels to what it creates) is not an orphan.
            let owned = o
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if owned {
                continue;
            }
            rep.objects.push(ObjectReport {
                api_version: rt.api_version.clone(),
                kind: rt.kind.clone(),
                namespace: ns,
                name,
                status: Status::Orphaned,
                fields: Vec::new(),
                note: None,
            });
        }
    }

    // Compiled objects the label selector did not return: missing, or
    // present without mlpc's labels. One GET each.
    let mut gets = Vec::new();
    for (ji, d) in &lookups {
        let sem = Arc::clone(&sem);
        let conn = Arc::clone(&conn);
        let rt = jobs[*ji].rt.clone();
        let (ns, name) = identity(d, rt.namespaced);
        gets.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            conn.get(&rt, ns.as_deref(), &name).await
        }));
    }
    for ((ji, d), get) in lookups.iter().zip(gets) {
        let rt = &jobs[*ji].rt;
        let result = match get.await {
            Ok(r) => r,
            Err(e) => Err(ApiError::Other(format!("task failed: {e}"))),
        };
        let (ns, name) = identity(d, rt.namespaced);
        match result {
            Ok(Some(l)) => {
                let mut r = compared(rt, d, &l, &t.ignores);
                r.note = Some("exists without mlpc's labels".into());
                if r.status == Status::InSync {
                    r.status = Status::Drifted;
                }
                rep.objects.push(r);
            }
            Ok(None) => rep.objects.push(ObjectReport {
                api_version: api_version(d).to_string(),
                kind: rt.kind.clone(),
                namespace: ns,
                name,
                status: Status::Missing,
                fields: Vec::new(),
                note: None,
            }),
            Err(e) => rep.errors.push(type_error(
                &rt.api_version,
                &rt.kind,
                Some(rt),
                e.reason(),
                format!(
                    "GET {}{name}: {e}",
                    ns.map(|n| format!("{n}/")).unwrap_or_default()
                ),
                1,
            )),
        }
    }

    orphan_warnings.sort();
    rep.warnings.extend(orphan_warnings);
    rep.errors.sort_by(|a, b| {
        (&a.kind, &a.api_version, &a.message).cmp(&(&b.kind, &b.api_version, &b.message))
    });
    rep.objects.sort_by(|a, b| {
        (&a.kind, &a.namespace, &a.name, &a.api_version).cmp(&(
            &b.kind,
            &b.namespace,
            &b.name,
            &b.api_version,
        ))
    });
    let mut s = Summary::default();
    for o in &rep.objects {
        match o.status {
            Status::InSync => s.in_sync += 1,
            Status::Drifted => s.drifted += 1,
            Status::Missing => s.missing += 1,
            Status::Orphaned => s.orphaned += 1,
        }
    }
    s.unchecked = rep.errors.iter().map(|e| e.objects).sum();
    rep.summary = s;
    rep
}

fn compared(rt: &ResourceType, desired: &Value, live: &Value, ignores: &Ignores) -> ObjectReport {
    let fields = if rt.namespaced {
        compare::diff(&rt.kind, desired, live, ignores)
    } else {
        // The API server drops a namespace given to a cluster-scoped object.
        let mut d = desired.clone();
        if let Some(m) = d.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        compare::diff(&rt.kind, &d, live, ignores)
    };
    let (namespace, name) = identity(desired, rt.namespaced);
    ObjectReport {
        api_version: api_version(desired).to_string(),
        kind: rt.kind.clone(),
        namespace,
        name,
        status: if fields.is_empty() {
            Status::InSync
        } else {
            Status::Drifted
        },
        fields,
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_names_mlpc_and_the_platform() {
        assert_eq!(
            selector("acme-ml"),
            "app.kubernetes.io/managed-by=mlpc,mlpc.io/platform=acme-ml"
        );
    }

    #[test]
    fn servers_compare_loosely() {
        assert!(same_server("https://a.example:443/", "https://A.example"));
        assert!(!same_server("https://a.example:6443", "https://a.example"));
        assert!(!same_server("http://127.0.0.1:1", "https://a.example:6443"));
    }

    fn cluster(error: Option<&str>, types_checked: usize, s: Summary) -> ClusterReport {
        ClusterReport {
            cluster: "c".into(),
            context: "c".into(),
            server: None,
            error: error.map(String::from),
            warnings: vec![],
            errors: vec![],
            summary: s,
            objects: vec![],
            types_checked,
        }
    }

    #[test]
    fn verdicts() {
        let report = |clusters: Vec<ClusterReport>| {
            let mut summary = Summary::default();
            for c in &clusters {
                summary.add(&c.summary);
            }
            Report {
                platform: "p".into(),
                clusters,
                summary,
            }
        };
        let synced = Summary {
            in_sync: 3,
            ..Summary::default()
        };
        let drifted = Summary {
            in_sync: 2,
            drifted: 1,
            ..Summary::default()
        };
        let unchecked = Summary {
            unchecked: 3,
            ..Summary::default()
        };
        assert_eq!(
            report(vec![cluster(None, 2, synced.clone())]).verdict(),
            Verdict::InSync
        );
        assert_eq!(
            report(vec![cluster(None, 2, drifted)]).verdict(),
            Verdict::Drift
        );
        assert_eq!(
            report(vec![
                cluster(None, 2, synced),
                cluster(Some("unreachable"), 0, unchecked.clone())
            ])
            .verdict(),
            Verdict::Drift
        );
        assert_eq!(
            report(vec![cluster(Some("unreachable"), 0, unchecked.clone())]).verdict(),
            Verdict::NothingChecked
        );
        // Reachable, but every type forbidden: nothing was checked.
        assert_eq!(
            report(vec![cluster(None, 0, unchecked)]).verdict(),
            Verdict::NothingChecked
        );
        // Nothing compiled for the cluster and it answered: in sync.
        assert_eq!(
            report(vec![cluster(None, 0, Summary::default())]).verdict(),
            Verdict::InSync
        );
    }
}

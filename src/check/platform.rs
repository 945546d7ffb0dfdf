//! The platform check (E185–W196): cross-object rules over one cluster's
//! whole tree, its layers plus the Argo CD Applications that install into it.
//!
//! - E185: an object (or an Application's destination) in a namespace nothing creates;
//! - E186–E191: a Secret, secret store, IngressClass, Issuer, ServiceAccount,
//!   StorageClass or PriorityClass referenced but produced by nothing;
//! - E192: a pod the platform makes (models, InferenceGraph routers, trials,
//!   suggestions, training runtimes), as it looks after injection (Istio's proxy and init container,
//!   Knative's queue-proxy, KServe's storage initializer, Katib's metrics
//!   collector) and LimitRange defaulting, that the platform's own policies deny;
//! - E193/E194: such a pod's requests above its team's ResourceQuota, or above
//!   one node of its pool;
//! - E195: a Kueue nominal quota per flavor above its pool's capacity;
//! - E217: an InferenceGraph's router that the ingress gateway cannot reach,
//!   or that the NetworkPolicies or Istio AuthorizationPolicies on its way
//!   keep from an InferenceService it calls;
//! - W196: a rule that could not run (unknown pool or component version).
//!
//! Everything is read from the compiled tree (versions from the Applications'
//! `targetRevision`, pools from the plan or the Cluster API capacity
//! annotations), so `mlpc check --manifests out/` runs the same rules.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{CheckOptions, Finding, Object, Policies, Source};
use crate::catalog;
use crate::diag::Severity;
use crate::validate::names::parse_quantity;

const POOL_LABEL: &str = "mlpc.io/pool";
const GPU: &str = "nvidia.com/gpu";
const IN_CLUSTER: &str = "in-cluster";
/// The role of an InferenceGraph's router pod.
const ROUTER: &str = "InferenceGraph router";

/// One node pool of one cluster, as the platform check sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    pub cpu: u64,
    pub memory_gib: u64,
    pub gpus: u64,
    pub max_nodes: u64,
}

/// Pools by (cluster, pool).
pub type Pools = BTreeMap<(String, String), Pool>;

/// The pools of a plan (compile, or `check` with a spec).
pub fn pools_from_plan(plan: &crate::plan::PlatformPlan) -> Pools {
    let mut out = Pools::new();
    for c in &plan.clusters {
        for p in &c.pools {
            out.insert(
                (c.cluster.name.clone(), p.name.clone()),
                Pool {
                    cpu: u64::from(p.cpu),
                    memory_gib: u64::from(p.memory_gib),
                    gpus: p.gpu.as_ref().map_or(0, |g| u64::from(g.count)),
                    max_nodes: u64::from(p.max_nodes),
                },
            );
        }
    }
    out
}

/// The pools a compiled tree describes by itself: Cluster API
/// MachineDeployments and MachinePools with the autoscaler's capacity
/// annotations (self-managed and EKS clusters; GKE and AKS pools carry none).
pub fn pools_from_tree(objects: &[Object]) -> Pools {
    let mut out = Pools::new();
    for o in objects {
        let kind = str_at(&o.value, "/kind");
        if !matches!(kind, "MachineDeployment" | "MachinePool") {
            continue;
        }
        let ann = |k: &str| {
            o.value
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
        };
        let (Some(cpu), Some(mem), Some(max)) = (
            ann("capacity.cluster-autoscaler.kubernetes.io/cpu"),
            ann("capacity.cluster-autoscaler.kubernetes.io/memory"),
            ann("cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size"),
        ) else {
            continue;
        };
        let Some(pool) = o
            .value
            .pointer("/spec/template/metadata/labels")
            .and_then(|l| l.get(POOL_LABEL))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let cluster = str_at(&o.value, "/spec/clusterName");
        let q = |s: &str| parse_quantity(s).unwrap_or(0.0);
        out.insert(
            (cluster.to_string(), pool.to_string()),
            Pool {
                cpu: q(cpu) as u64,
                memory_gib: (q(mem) / GIB) as u64,
                gpus: ann("capacity.cluster-autoscaler.kubernetes.io/gpu-count")
                    .map_or(0, |g| q(g) as u64),
                max_nodes: q(max) as u64,
            },
        );
    }
    out
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The kind a `*Ref` names: the cluster-scoped kind when it says so, else the
/// namespaced one (the default of both ESO and cert-manager); and whether the
/// reference resolves in the referring object's namespace.
fn scoped_kind(
    v: &Value,
    kind_at: &str,
    cluster_kind: &'static str,
    namespaced_kind: &'static str,
) -> (&'static str, bool) {
    if str_at(v, kind_at) == cluster_kind {
        (cluster_kind, false)
    } else {
        (namespaced_kind, true)
    }
}

/// Whether a reference says `optional: true`: the kubelet starts the pod
/// without its Secret, so nothing needs to produce it.
fn optional_ref(v: &Value, at: &str) -> bool {
    v.pointer(at).and_then(Value::as_bool) == Some(true)
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

/// Which cluster a file of the compiled layout belongs to, and whether it is
/// applied to the management cluster by default.
fn layout(file: &str) -> Option<(String, bool)> {
    let mut parts = file.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("clusters"), Some(c), Some(_)) => Some((c.to_string(), false)),
        (Some("management"), Some("argocd"), Some(c)) => {
            // `management/argocd/<file>`: the fleet's own objects.
            let fleet = parts.next().is_none();
            Some((if fleet { "fleet" } else { c }.to_string(), true))
        }
        (Some("management"), Some(c), Some(_)) => Some((c.to_string(), true)),
        _ => None,
    }
}

fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(d, _)| d)
}

fn destination(app: &Value) -> String {
    let server = str_at(app, "/spec/destination/server");
    let name = str_at(app, "/spec/destination/name");
    if server == "https://kubernetes.default.svc" || name == IN_CLUSTER {
        IN_CLUSTER.to_string()
    } else if !server.is_empty() {
        server.to_string()
    } else {
        format!("name:{name}")
    }
}

fn app_paths(app: &Value) -> Vec<&str> {
    let mut out = vec![str_at(app, "/spec/source/path")];
    if let Some(list) = app.pointer("/spec/sources").and_then(Value::as_array) {
        out.extend(list.iter().map(|s| str_at(s, "/path")));
    }
    out.retain(|p| !p.is_empty());
    out
}

fn is_app(v: &Value) -> bool {
    str_at(v, "/kind") == "Application" && str_at(v, "/apiVersion").starts_with("argoproj.io/")
}

/// The objects one cluster receives.
#[derive(Default)]
struct View<'a> {
    objects: Vec<&'a Object>,
    /// Applications that install into this cluster (their destination).
    apps: Vec<&'a Object>,
    /// Namespaces the Argo CD Applications live in (Argo CD's own, installed
    /// before mlpc's tree).
    argocd: bool,
    /// The objects by (kind, namespace or "").
    index: BTreeMap<(String, String), Vec<&'a Object>>,
}

impl<'a> View<'a> {
    fn of(&self, kind: &str, ns: &str) -> &[&'a Object] {
        self.index
            .get(&(kind.to_string(), ns.to_string()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Split the objects into the clusters they are applied to.
fn views(objects: &[Object]) -> BTreeMap<String, View<'_>> {
    let dirs: BTreeSet<&str> = objects
        .iter()
        .filter(|o| layout(&o.file).is_some())
        .map(|o| dir_of(&o.file))
        .collect();
    let mut dir_dest: BTreeMap<&str, String> = BTreeMap::new();
    for o in objects.iter().filter(|o| is_app(&o.value)) {
        for p in app_paths(&o.value) {
            let p = p.trim_end_matches('/');
            for d in &dirs {
                if p == *d || p.ends_with(&format!("/{d}")) {
                    dir_dest.insert(d, destination(&o.value));
                }
            }
        }
    }
    let mut out: BTreeMap<String, View> = BTreeMap::new();
    for o in objects {
        let Some((cluster, mgmt)) = layout(&o.file) else {
            continue;
        };
        let dest = dir_dest.get(dir_of(&o.file)).cloned().unwrap_or_else(|| {
            if mgmt {
                IN_CLUSTER.to_string()
            } else {
                format!("cluster:{cluster}")
            }
        });
        let view = out.entry(dest).or_default();
        view.objects.push(o);
        if is_app(&o.value) {
            view.argocd = true;
            out.entry(destination(&o.value)).or_default().apps.push(o);
        }
    }
    for view in out.values_mut() {
        for o in &view.objects {
            view.index
                .entry((
                    str_at(&o.value, "/kind").to_string(),
                    str_at(&o.value, "/metadata/namespace").to_string(),
                ))
                .or_default()
                .push(o);
        }
    }
    out
}

/// (kind, namespace or "", name) of something a reference may point at.
type Key = (&'static str, String, String);

#[derive(Default)]
struct Produced {
    namespaces: BTreeSet<String>,
    objects: BTreeSet<Key>,
    /// Namespaces the profile controller creates (injection labels set by it).
    profiles: BTreeSet<String>,
}

impl Produced {
    fn has(&self, kind: &'static str, ns: &str, name: &str) -> bool {
        if kind == "ServiceAccount" && name == "default" {
            return true;
        }
        if kind == "PriorityClass" && name.starts_with("system-") {
            return true;
        }
        self.objects
            .contains(&(kind, ns.to_string(), name.to_string()))
    }
}

const CHECKED_KINDS: &[&str] = &[
    "Secret",
    "SecretStore",
    "ClusterSecretStore",
    "IngressClass",
    "Issuer",
    "ClusterIssuer",
    "ServiceAccount",
    "StorageClass",
    "PriorityClass",
];

fn produced(view: &View) -> Produced {
    let mut p = Produced::default();
    for ns in catalog::BUILTIN_NAMESPACES {
        p.namespaces.insert((*ns).to_string());
    }
    for o in &view.objects {
        let v = &o.value;
        let kind = str_at(v, "/kind");
        let ns = str_at(v, "/metadata/namespace").to_string();
        let name = str_at(v, "/metadata/name").to_string();
        if let Some(k) = CHECKED_KINDS.iter().find(|k| **k == kind) {
            p.objects.insert((k, ns.clone(), name.clone()));
        }
        match kind {
            "Namespace" => {
                p.namespaces.insert(name.clone());
            }
            "Profile" if str_at(v, "/apiVersion").starts_with("kubeflow.org/") => {
                p.namespaces.insert(name.clone());
                p.profiles.insert(name.clone());
                for sa in catalog::PROFILE_SERVICE_ACCOUNTS {
                    p.objects
                        .insert(("ServiceAccount", name.clone(), (*sa).to_string()));
                }
            }
            "ExternalSecret" => {
                let target = str_at(v, "/spec/target/name");
                let target = if target.is_empty() { &name } else { target };
                p.objects.insert(("Secret", ns.clone(), target.to_string()));
            }
            "Certificate" if str_at(v, "/apiVersion").starts_with("cert-manager.io/") => {
                p.objects
                    .insert(("Secret", ns.clone(), str_at(v, "/spec/secretName").into()));
            }
            "Cluster" if str_at(v, "/apiVersion").starts_with("cluster.x-k8s.io/") => {
                p.objects
                    .insert(("Secret", ns.clone(), format!("{name}-kubeconfig")));
            }
            _ => {}
        }
    }
    if view.argocd {
        for o in &view.objects {
            if is_app(&o.value) {
                let ns = str_at(&o.value, "/metadata/namespace").to_string();
                p.namespaces.insert(ns.clone());
                for (kind, in_ns, name) in catalog::MANAGEMENT_PROVIDED {
                    let in_ns = if in_ns.is_empty() {
                        ns.clone()
                    } else {
                        (*in_ns).to_string()
                    };
                    if *kind == "Namespace" {
                        p.namespaces.insert((*name).to_string());
                    } else if let Some(k) = CHECKED_KINDS.iter().find(|k| *k == kind) {
                        p.objects.insert((k, in_ns, (*name).to_string()));
                    }
                }
            }
        }
    }
    for app in &view.apps {
        let v = &app.value;
        let dest_ns = str_at(v, "/spec/destination/namespace").to_string();
        let creates = v
            .pointer("/spec/syncPolicy/syncOptions")
            .and_then(Value::as_array)
            .is_some_and(|o| o.iter().any(|x| x.as_str() == Some("CreateNamespace=true")));
        if creates && !dest_ns.is_empty() {
            p.namespaces.insert(dest_ns.clone());
        }
        let source = app_source(v);
        for made in catalog::upstream_products(&source.chart_or_path, &source.values) {
            let ns = if made.namespace.is_empty() && made.namespaced {
                dest_ns.clone()
            } else {
                made.namespace.clone()
            };
            if made.kind == "Namespace" {
                p.namespaces.insert(made.name.clone());
            } else if let Some(k) = CHECKED_KINDS.iter().find(|k| **k == made.kind) {
                p.objects.insert((k, ns, made.name.clone()));
            }
        }
    }
    p
}

struct AppSource {
    chart_or_path: String,
    version: String,
    values: Value,
}

fn app_source(v: &Value) -> AppSource {
    let src = v.pointer("/spec/source").cloned().unwrap_or(Value::Null);
    let chart = str_at(&src, "/chart");
    let path = str_at(&src, "/path");
    AppSource {
        chart_or_path: if chart.is_empty() { path } else { chart }.to_string(),
        version: str_at(&src, "/targetRevision").to_string(),
        values: src
            .pointer("/helm/valuesObject")
            .cloned()
            .unwrap_or(Value::Null),
    }
}

/// The versions of the components installed into a view, from their
/// Applications (`targetRevision`), keyed by catalog component.
fn installed(view: &View) -> BTreeMap<&'static str, (String, Value)> {
    let mut out = BTreeMap::new();
    for app in &view.apps {
        let s = app_source(&app.value);
        let key = match s.chart_or_path.as_str() {
            "istiod" => "istio",
            "cni" => "istio-cni",
            "kserve" => "kserve",
            "knative-operator" => "knative-operator",
            "kueue" => "kueue",
            p if p.starts_with("manifests/v1beta1/") => "katib",
            _ => continue,
        };
        out.insert(key, (s.version, s.values));
    }
    out
}

fn finding(o: &Object, sev: Severity, code: &str, path: &str, message: String) -> Finding {
    let mut f = Finding::about(o, sev, Source::Platform, path.into(), message, code.into());
    if f.cluster.is_none() {
        f.cluster = layout(&o.file).map(|(c, _)| c);
    }
    f
}

/// Run the platform rules over every cluster of a compiled tree.
pub fn check(objects: &[Object], policies: &Policies, pools: &Pools) -> Vec<Finding> {
    use rayon::prelude::*;
    let views: Vec<(String, View)> = views(objects).into_iter().collect();
    // Clusters are independent: one task each, collected in cluster order.
    let per_view: Vec<(Vec<Finding>, Vec<Pod>)> = views
        .par_iter()
        .map(|(key, view)| {
            let mut out = Vec::new();
            let made = produced(view);
            namespaces(view, &made, &mut out);
            references(view, &made, &mut out);
            let mut pods = synthesize(view, &made, &mut out);
            for p in &mut pods {
                p.view = key.clone();
            }
            pod_fits(view, &pods, pools, &mut out);
            graph_reach(view, &pods, &mut out);
            kueue_fits(view, pools, &mut out);
            (out, pods)
        })
        .collect();
    // The pods of every cluster meet their own cluster's constraints, in one
    // evaluation (policy engines are prepared once per chunk, not per cluster).
    // Clusters whose constraints are the same share one set: a fleet of alike
    // clusters evaluates each distinct pod once, not once per cluster.
    let mut constraints = Policies {
        templates: policies.templates.clone(),
        ..Policies::default()
    };
    let mut same_as: BTreeMap<String, String> = BTreeMap::new();
    let mut by_content: BTreeMap<String, String> = BTreeMap::new();
    for (key, view) in &views {
        let own = view_constraints(key, view);
        let content = format!("{:?}", own.iter().map(|(_, c)| c).collect::<Vec<_>>());
        match by_content.get(&content) {
            Some(first) => {
                same_as.insert(key.clone(), first.clone());
            }
            None => {
                by_content.insert(content, key.clone());
                same_as.insert(key.clone(), key.clone());
                constraints.constraints.extend(own);
            }
        }
    }
    let mut out = Vec::new();
    let mut pods = Vec::new();
    for (f, p) in per_view {
        out.extend(f);
        pods.extend(p);
    }
    pod_policies(&pods, &same_as, &constraints, &mut out);
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------- E185

fn namespaces(view: &View, made: &Produced, out: &mut Vec<Finding>) {
    for o in &view.objects {
        let ns = str_at(&o.value, "/metadata/namespace");
        if !ns.is_empty() && !made.namespaces.contains(ns) {
            out.push(finding(
                o,
                Severity::Error,
                "E185",
                ".metadata.namespace",
                format!("namespace `{ns}` is created by nothing in this cluster's tree (no Namespace, Profile, Application with CreateNamespace=true, or upstream install that makes it): the sync fails"),
            ));
        }
    }
    for app in &view.apps {
        let ns = str_at(&app.value, "/spec/destination/namespace");
        if !ns.is_empty() && !made.namespaces.contains(ns) {
            out.push(finding(
                app,
                Severity::Error,
                "E185",
                ".spec.destination.namespace",
                format!("destination namespace `{ns}` is created by nothing (add CreateNamespace=true or a Namespace object)"),
            ));
        }
    }
}

// ---------------------------------------------------------------- E186–E191

fn code_of(kind: &str) -> &'static str {
    match kind {
        "Secret" => "E186",
        "SecretStore" | "ClusterSecretStore" => "E187",
        "IngressClass" => "E188",
        "Issuer" | "ClusterIssuer" => "E189",
        "ServiceAccount" => "E190",
        _ => "E191",
    }
}

struct Ref {
    kind: &'static str,
    namespace: String,
    name: String,
    path: String,
}

/// E186–E191 for a reference of `o` that nothing in the tree produces.
fn unmade(o: &Object, made: &Produced, r: Ref) -> Option<Finding> {
    if r.name.is_empty() || made.has(r.kind, &r.namespace, &r.name) {
        return None;
    }
    let at = if r.namespace.is_empty() {
        String::new()
    } else {
        format!(" in namespace `{}`", r.namespace)
    };
    Some(finding(
        o,
        Severity::Error,
        code_of(r.kind),
        &r.path,
        format!(
            "{} `{}`{at} is referenced but produced by nothing in this cluster's tree (no object, ExternalSecret target, Certificate, or upstream install that makes it)",
            r.kind, r.name
        ),
    ))
}

fn references(view: &View, made: &Produced, out: &mut Vec<Finding>) {
    let mut push = |o: &Object, r: Ref| out.extend(unmade(o, made, r));
    for o in &view.objects {
        for r in refs_of(&o.value) {
            push(o, r);
        }
    }
    for app in &view.apps {
        let s = app_source(&app.value);
        if s.chart_or_path == "kserve" {
            let mode = str_at(&s.values, "/kserve/controller/deploymentMode");
            let class = str_at(
                &s.values,
                "/kserve/controller/gateway/ingressGateway/className",
            );
            if matches!(mode, "Standard" | "RawDeployment") && !class.is_empty() {
                push(
                    app,
                    Ref {
                        kind: "IngressClass",
                        namespace: String::new(),
                        name: class.into(),
                        path: ".spec.source.helm.valuesObject.kserve.controller.gateway.ingressGateway.className".into(),
                    },
                );
            }
        }
    }
}

fn refs_of(v: &Value) -> Vec<Ref> {
    let ns = str_at(v, "/metadata/namespace").to_string();
    let kind = str_at(v, "/kind");
    let api = str_at(v, "/apiVersion");
    let mut out = Vec::new();
    let mut r = |kind: &'static str, namespace: &str, name: &str, path: String| {
        out.push(Ref {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            path,
        })
    };
    for (path, spec) in pod_specs(v) {
        pod_refs(spec, &ns, &path, &mut r);
    }
    match kind {
        "PersistentVolumeClaim" => {
            let sc = str_at(v, "/spec/storageClassName");
            r("StorageClass", "", sc, ".spec.storageClassName".into());
        }
        "StatefulSet" => {
            for (i, t) in arr(v, "/spec/volumeClaimTemplates").iter().enumerate() {
                let sc = str_at(t, "/spec/storageClassName");
                r(
                    "StorageClass",
                    "",
                    sc,
                    format!(".spec.volumeClaimTemplates[{i}].spec.storageClassName"),
                );
            }
        }
        "Ingress" => {
            r(
                "IngressClass",
                "",
                str_at(v, "/spec/ingressClassName"),
                ".spec.ingressClassName".into(),
            );
            for (i, t) in arr(v, "/spec/tls").iter().enumerate() {
                r(
                    "Secret",
                    &ns,
                    str_at(t, "/secretName"),
                    format!(".spec.tls[{i}].secretName"),
                );
            }
        }
        "Gateway" if api.starts_with("networking.istio.io/") => {
            for (i, s) in arr(v, "/spec/servers").iter().enumerate() {
                r(
                    "Secret",
                    &ns,
                    str_at(s, "/tls/credentialName"),
                    format!(".spec.servers[{i}].tls.credentialName"),
                );
            }
        }
        "ExternalSecret" => {
            let (kind, in_ns) = scoped_kind(
                v,
                "/spec/secretStoreRef/kind",
                "ClusterSecretStore",
                "SecretStore",
            );
            r(
                kind,
                if in_ns { ns.as_str() } else { "" },
                str_at(v, "/spec/secretStoreRef/name"),
                ".spec.secretStoreRef".into(),
            );
        }
        "Certificate" if api.starts_with("cert-manager.io/") => {
            let (kind, in_ns) = scoped_kind(v, "/spec/issuerRef/kind", "ClusterIssuer", "Issuer");
            r(
                kind,
                if in_ns { ns.as_str() } else { "" },
                str_at(v, "/spec/issuerRef/name"),
                ".spec.issuerRef".into(),
            );
        }
        "SecretStore" | "ClusterSecretStore" if api.starts_with("external-secrets.io/") => {
            if let Some(p) = v.pointer("/spec/provider") {
                store_refs(p, &ns, ".spec.provider", &mut r);
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            for (i, s) in arr(v, "/subjects").iter().enumerate() {
                if str_at(s, "/kind") == "ServiceAccount" {
                    let sns = str_at(s, "/namespace");
                    let sns = if sns.is_empty() { ns.as_str() } else { sns };
                    r(
                        "ServiceAccount",
                        sns,
                        str_at(s, "/name"),
                        format!(".subjects[{i}]"),
                    );
                }
            }
        }
        "InferenceService" => {
            for comp in ["predictor", "transformer", "explainer"] {
                let sa = str_at(v, &format!("/spec/{comp}/serviceAccountName"));
                r(
                    "ServiceAccount",
                    &ns,
                    sa,
                    format!(".spec.{comp}.serviceAccountName"),
                );
                if let Some(c) = v.pointer(&format!("/spec/{comp}")) {
                    for (i, s) in arr(c, "/imagePullSecrets").iter().enumerate() {
                        r(
                            "Secret",
                            &ns,
                            str_at(s, "/name"),
                            format!(".spec.{comp}.imagePullSecrets[{i}]"),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// Secret and ServiceAccount references inside an External Secrets provider block.
fn store_refs(
    v: &Value,
    ns: &str,
    path: &str,
    r: &mut dyn FnMut(&'static str, &str, &str, String),
) {
    let Some(map) = v.as_object() else { return };
    for (k, child) in map {
        let here = format!("{path}.{k}");
        let name = str_at(child, "/name");
        let cns = str_at(child, "/namespace");
        let cns = if cns.is_empty() { ns } else { cns };
        let lower = k.to_ascii_lowercase();
        if lower.ends_with("secretref") && !name.is_empty() && !cns.is_empty() {
            r("Secret", cns, name, here);
        } else if (lower == "serviceaccount" || lower == "serviceaccountref")
            && !name.is_empty()
            && !cns.is_empty()
        {
            r("ServiceAccount", cns, name, here);
        } else {
            store_refs(child, ns, &here, r);
        }
    }
}

fn arr<'a>(v: &'a Value, p: &str) -> &'a [Value] {
    v.pointer(p)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The pod specs of a workload object in the tree, with their JSON paths.
fn pod_specs(v: &Value) -> Vec<(String, &Value)> {
    let at = |p: &str| v.pointer(p).map(|s| (p.replace('/', "."), s));
    match str_at(v, "/kind") {
        "Pod" => at("/spec").into_iter().collect(),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => at("/spec/template/spec").into_iter().collect(),
        "CronJob" => at("/spec/jobTemplate/spec/template/spec")
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// E186–E191 for the references of a pod the platform makes in `ns` (a
/// trial, a training runtime's pod), which no object of the tree spells out.
fn pod_refs_in(
    o: &Object,
    made: &Produced,
    spec: &Value,
    ns: &str,
    path: &str,
    out: &mut Vec<Finding>,
) {
    let mut refs = Vec::new();
    pod_refs(spec, ns, path, &mut |kind, namespace, name, path| {
        refs.push(Ref {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            path,
        })
    });
    out.extend(refs.into_iter().filter_map(|r| unmade(o, made, r)));
}

fn pod_refs(
    spec: &Value,
    ns: &str,
    path: &str,
    r: &mut dyn FnMut(&'static str, &str, &str, String),
) {
    r(
        "ServiceAccount",
        ns,
        str_at(spec, "/serviceAccountName"),
        format!("{path}.serviceAccountName"),
    );
    r(
        "PriorityClass",
        "",
        str_at(spec, "/priorityClassName"),
        format!("{path}.priorityClassName"),
    );
    for (i, s) in arr(spec, "/imagePullSecrets").iter().enumerate() {
        r(
            "Secret",
            ns,
            str_at(s, "/name"),
            format!("{path}.imagePullSecrets[{i}]"),
        );
    }
    for (i, vol) in arr(spec, "/volumes").iter().enumerate() {
        if !optional_ref(vol, "/secret/optional") {
            r(
                "Secret",
                ns,
                str_at(vol, "/secret/secretName"),
                format!("{path}.volumes[{i}].secret.secretName"),
            );
        }
    }
    for field in ["containers", "initContainers"] {
        for (i, c) in arr(spec, &format!("/{field}")).iter().enumerate() {
            for (j, e) in arr(c, "/env").iter().enumerate() {
                if !optional_ref(e, "/valueFrom/secretKeyRef/optional") {
                    r(
                        "Secret",
                        ns,
                        str_at(e, "/valueFrom/secretKeyRef/name"),
                        format!("{path}.{field}[{i}].env[{j}]"),
                    );
                }
            }
            for (j, e) in arr(c, "/envFrom").iter().enumerate() {
                if !optional_ref(e, "/secretRef/optional") {
                    r(
                        "Secret",
                        ns,
                        str_at(e, "/secretRef/name"),
                        format!("{path}.{field}[{i}].envFrom[{j}]"),
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------- pods

/// A pod the platform makes appear in a team namespace, as admitted.
struct Pod<'a> {
    source: &'a Object,
    /// The cluster (view key) it runs in.
    view: String,
    /// What makes it (`model`, `InferenceGraph router`, `trial`, `suggestion`, `training runtime`).
    role: &'static str,
    namespace: String,
    spec: Value,
}

/// Namespace name → its labels.
fn namespace_labels<'a>(view: &View<'a>) -> BTreeMap<&'a str, &'a Value> {
    view.of("Namespace", "")
        .iter()
        .filter_map(|o| {
            Some((
                str_at(&o.value, "/metadata/name"),
                o.value.pointer("/metadata/labels")?,
            ))
        })
        .collect()
}

fn label_is(labels: Option<&Value>, key: &str, value: &str) -> bool {
    labels
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .is_some_and(|v| v == value)
}

fn synthesize<'a>(view: &View<'a>, made: &Produced, out: &mut Vec<Finding>) -> Vec<Pod<'a>> {
    let versions = installed(view);
    let version = |k: &str| versions.get(k).map(|(v, _)| v.clone());
    let mut pods: Vec<Pod> = Vec::new();
    let mut unknown = |o: &Object, what: String| {
        out.push(finding(
            o,
            Severity::Warning,
            "W196",
            ".",
            format!(
                "{what}: mlpc cannot tell which image it runs, so the pod is checked without it"
            ),
        ))
    };
    let ns_labels = namespace_labels(view);
    let mut unmade_refs = Vec::new();
    // Team namespaces: those with a LocalQueue (Kueue) to a ClusterQueue.
    let mut team_queue: BTreeMap<String, String> = BTreeMap::new();
    // (namespace, LocalQueue) → its ClusterQueue.
    let mut local_queues: BTreeMap<(String, String), String> = BTreeMap::new();
    for o in &view.objects {
        if str_at(&o.value, "/kind") == "LocalQueue" {
            let ns = str_at(&o.value, "/metadata/namespace");
            let cq = str_at(&o.value, "/spec/clusterQueue");
            team_queue.insert(ns.into(), cq.into());
            local_queues.insert(
                (ns.into(), str_at(&o.value, "/metadata/name").into()),
                cq.into(),
            );
        }
    }
    // Kueue manages a job that names a LocalQueue, or every job when its
    // configuration says `manageJobsWithoutQueueName` (then through the
    // namespace's `default` LocalQueue, else its only one).
    let manage_all = versions
        .get("kueue")
        .is_some_and(|(_, vals)| manages_jobs_without_queue_name(vals));
    let queue_of = |ns: &str, labels: Option<&Value>| -> Option<String> {
        match labels
            .and_then(|l| l.get("kueue.x-k8s.io/queue-name"))
            .and_then(Value::as_str)
        {
            Some(q) => local_queues.get(&(ns.into(), q.into())).cloned(),
            None if manage_all => local_queues
                .get(&(ns.into(), "default".into()))
                .or_else(|| team_queue.get(ns))
                .cloned(),
            None => None,
        }
    };
    let flavor_pools = flavor_pools(view);
    // ClusterQueue name → the pools its flavors select.
    let queue_pools: BTreeMap<&str, BTreeSet<String>> = view
        .of("ClusterQueue", "")
        .iter()
        .map(|o| {
            let pools = arr(&o.value, "/spec/resourceGroups")
                .iter()
                .flat_map(|g| arr(g, "/flavors").iter())
                .filter_map(|f| flavor_pools.get(str_at(f, "/name")).cloned())
                .collect();
            (str_at(&o.value, "/metadata/name"), pools)
        })
        .collect();
    for o in &view.objects {
        let v = &o.value;
        let ns = str_at(v, "/metadata/namespace").to_string();
        match str_at(v, "/kind") {
            "InferenceService" if str_at(v, "/apiVersion").starts_with("serving.kserve.io/") => {
                let Some(pred) = v.pointer("/spec/predictor") else {
                    continue;
                };
                let kserve = version("kserve").unwrap_or_default();
                let mut spec = json!({});
                for k in [
                    "nodeSelector",
                    "tolerations",
                    "serviceAccountName",
                    "imagePullSecrets",
                    "affinity",
                ] {
                    if let Some(x) = pred.get(k) {
                        spec[k] = x.clone();
                    }
                }
                let mut main = pred
                    .pointer("/containers/0")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let model = pred.get("model").cloned().unwrap_or(Value::Null);
                if main.get("image").is_none() {
                    if let Some(img) = model.get("image").and_then(Value::as_str) {
                        main["image"] = json!(img);
                    } else {
                        let runtime = model
                            .get("runtime")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .or_else(|| {
                                catalog::kserve_runtime_for_format(str_at(
                                    &model,
                                    "/modelFormat/name",
                                ))
                                .map(str::to_string)
                            })
                            .unwrap_or_default();
                        let in_tree = view
                            .of("ClusterServingRuntime", "")
                            .iter()
                            .chain(view.of("ServingRuntime", &ns))
                            .find(|r| str_at(&r.value, "/metadata/name") == runtime)
                            .map(|r| str_at(&r.value, "/spec/containers/0/image").to_string());
                        match in_tree.or_else(|| catalog::kserve_runtime_image(&kserve, &runtime)) {
                            Some(img) => main["image"] = json!(img),
                            None => unknown(o, format!("model runtime `{runtime}`")),
                        }
                    }
                    if let Some(res) = model.get("resources") {
                        main["resources"] = res.clone();
                    }
                }
                main["name"] = json!("kserve-container");
                let mut containers = vec![main];
                if knative_mode(v, &versions) {
                    let op = version("knative-operator").unwrap_or_default();
                    match queue_proxy(&op) {
                        Some(q) => containers.push(q),
                        None => unknown(
                            o,
                            format!("Knative's queue-proxy of Knative Operator `{op}`"),
                        ),
                    }
                }
                spec["containers"] = json!(containers);
                let uri = model
                    .get("storageUri")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !uri.is_empty() && !uri.starts_with("pvc://") {
                    spec["initContainers"] = json!([{
                        "name": "storage-initializer",
                        "image": catalog::kserve_storage_initializer_image(&kserve),
                        "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                    }]);
                }
                pods.push(Pod {
                    source: o,
                    view: String::new(),
                    role: "model",
                    namespace: ns,
                    spec,
                });
            }
            "InferenceGraph" if str_at(v, "/apiVersion").starts_with("serving.kserve.io/") => {
                let kserve = version("kserve").unwrap_or_default();
                let knative = knative_mode(v, &versions);
                let op = version("knative-operator").unwrap_or_default();
                let queue = if knative { queue_proxy(&op) } else { None };
                if knative && queue.is_none() {
                    unknown(
                        o,
                        format!("Knative's queue-proxy of Knative Operator `{op}`"),
                    );
                }
                pods.push(Pod {
                    source: o,
                    view: String::new(),
                    role: ROUTER,
                    namespace: ns,
                    spec: router_pod(v, &kserve, knative, queue),
                });
            }
            "Experiment" if str_at(v, "/apiVersion").starts_with("kubeflow.org/") => {
                let katib = version("katib").unwrap_or_default();
                let algorithm = str_at(v, "/spec/algorithm/algorithmName");
                match catalog::KATIB_SUGGESTIONS
                    .iter()
                    .find(|(a, _)| *a == algorithm)
                {
                    Some((_, image)) => pods.push(Pod {
                        source: o,
                        view: String::new(),
                        role: "suggestion",
                        namespace: ns.clone(),
                        spec: json!({
                            "metadata": {"annotations": {"sidecar.istio.io/inject": "false"}},
                            "containers": [{
                                "name": "suggestion",
                                "image": catalog::katib_image(&katib, image),
                                "resources": katib_resources(),
                            }],
                        }),
                    }),
                    None => unknown(o, format!("Katib algorithm `{algorithm}`")),
                }
                let Some(template) = v.pointer("/spec/trialTemplate/trialSpec/spec/template")
                else {
                    continue;
                };
                let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
                pod_refs_in(
                    o,
                    made,
                    &spec,
                    &ns,
                    ".spec.trialTemplate.trialSpec.spec.template.spec",
                    &mut unmade_refs,
                );
                spec["metadata"] = template
                    .get("metadata")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let labels = ns_labels.get(ns.as_str()).copied();
                let injected = label_is(
                    labels,
                    "katib.kubeflow.org/metrics-collector-injection",
                    "enabled",
                ) || made.profiles.contains(&ns);
                let collector = str_at(v, "/spec/metricsCollectorSpec/collector/kind");
                let collector = if collector.is_empty() {
                    "StdOut"
                } else {
                    collector
                };
                if injected
                    && let Some((_, image)) = catalog::KATIB_COLLECTORS
                        .iter()
                        .find(|(k, _)| *k == collector)
                    && let Some(list) = spec.get_mut("containers").and_then(Value::as_array_mut)
                {
                    list.push(json!({
                        "name": "metrics-logger-and-collector",
                        "image": catalog::katib_image(&katib, image),
                        "resources": katib_resources(),
                    }));
                }
                // The trial Job's pods as Kueue admits it, when Kueue manages it.
                let job_labels = v.pointer("/spec/trialTemplate/trialSpec/metadata/labels");
                if let Some(cq) = queue_of(&ns, job_labels) {
                    kueue_admit(view, &cq, &mut spec);
                }
                pods.push(Pod {
                    source: o,
                    view: String::new(),
                    role: "trial",
                    namespace: ns,
                    spec,
                });
            }
            "ClusterTrainingRuntime" | "TrainingRuntime"
                if str_at(v, "/apiVersion").starts_with("trainer.kubeflow.org/") =>
            {
                for (j, job) in arr(v, "/spec/template/spec/replicatedJobs")
                    .iter()
                    .enumerate()
                {
                    let Some(template) = job.pointer("/template/spec/template") else {
                        continue;
                    };
                    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
                    spec["metadata"] = template
                        .get("metadata")
                        .cloned()
                        .unwrap_or_else(|| json!({}));
                    let pool = spec
                        .pointer("/nodeSelector")
                        .and_then(|s| s.get(POOL_LABEL))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let teams: Vec<String> = if str_at(v, "/kind") == "TrainingRuntime" {
                        vec![ns.clone()]
                    } else {
                        team_queue
                            .iter()
                            .filter(|(_, cq)| {
                                pool.as_ref().is_none_or(|p| {
                                    queue_pools.get(cq.as_str()).is_some_and(|q| q.contains(p))
                                })
                            })
                            .map(|(t, _)| t.clone())
                            .collect()
                    };
                    for team in teams {
                        // Its pods run in each team's namespace: what they
                        // reference must be there.
                        let at = format!(
                            ".spec.template.spec.replicatedJobs[{j}].template.spec.template.spec"
                        );
                        pod_refs_in(o, made, &spec, &team, &at, &mut unmade_refs);
                        // A TrainJob's pods as Kueue admits it through the
                        // team's queue.
                        let mut spec = spec.clone();
                        if let Some(cq) = team_queue.get(&team) {
                            kueue_admit(view, cq, &mut spec);
                        }
                        pods.push(Pod {
                            source: o,
                            view: String::new(),
                            role: "training runtime",
                            namespace: team,
                            spec,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out.extend(unmade_refs);
    // Istio's sidecar and init container, then LimitRange defaults.
    let istio = version("istio");
    let cni = versions.contains_key("istio-cni")
        || versions
            .get("istio")
            .is_some_and(|(_, vals)| vals.pointer("/pilot/cni/enabled") == Some(&json!(true)));
    for pod in &mut pods {
        let labels = ns_labels.get(pod.namespace.as_str()).copied();
        let meshed = label_is(labels, "istio-injection", "enabled")
            || labels.and_then(|l| l.get("istio.io/rev")).is_some()
            || made.profiles.contains(&pod.namespace);
        let opted_out = ["annotations", "labels"].iter().any(|k| {
            pod.spec
                .pointer(&format!("/metadata/{k}/sidecar.istio.io~1inject"))
                .and_then(Value::as_str)
                == Some("false")
        });
        if let Some(istio) = &istio
            && meshed
            && !opted_out
        {
            inject_istio(&mut pod.spec, &catalog::istio_proxy_image(istio), cni);
        }
        apply_limit_ranges(view, &pod.namespace, &mut pod.spec);
    }
    pods
}

/// Whether KServe runs an InferenceService or InferenceGraph with Knative:
/// its `serving.kserve.io/deploymentMode` annotation, else the chart's default.
fn knative_mode(v: &Value, versions: &BTreeMap<&'static str, (String, Value)>) -> bool {
    let mode = v
        .pointer("/metadata/annotations/serving.kserve.io~1deploymentMode")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            versions
                .get("kserve")
                .map(|(_, vals)| str_at(vals, "/kserve/controller/deploymentMode").to_string())
                .unwrap_or_default()
        });
    matches!(mode.as_str(), "Knative" | "Serverless" | "")
}

/// Knative's queue-proxy, as Knative adds it to every revision's pod.
fn queue_proxy(operator: &str) -> Option<Value> {
    catalog::knative_queue_image(operator).map(|q| {
        json!({
            "name": "queue-proxy",
            "image": q,
            "resources": {"requests": {"cpu": catalog::KNATIVE_QUEUE_PROXY_CPU_REQUEST}},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
        })
    })
}

/// The router pod KServe makes for an InferenceGraph (its
/// `inferencegraph/raw_ig.go` and `knative_reconciler.go`): the graph's labels
/// and annotations with `serving.kserve.io/inferencegraph` (plus the
/// Deployment's `app` label in the standard mode, the workload kind under
/// Knative), one `kserve/router` container with the graph's resources or,
/// when it sets none, the `router` defaults of `inferenceservice-config`;
/// the graph's placement and service account; under Knative the queue-proxy.
fn router_pod(graph: &Value, kserve: &str, knative: bool, queue: Option<Value>) -> Value {
    let name = str_at(graph, "/metadata/name");
    let mut labels = graph
        .pointer("/metadata/labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    labels["serving.kserve.io/inferencegraph"] = json!(name);
    if knative {
        labels["serving.kserve.io/kind"] = json!("InferenceGraph");
    } else {
        labels["app"] = json!(format!("isvc.{name}"));
    }
    let own = graph
        .pointer("/spec/resources")
        .filter(|r| r.as_object().is_some_and(|m| !m.is_empty()));
    let resources = match own {
        Some(r) => r.clone(),
        None => {
            let (rc, rm) = catalog::KSERVE_ROUTER_REQUESTS;
            let (lc, lm) = catalog::KSERVE_ROUTER_LIMITS;
            json!({"requests": {"cpu": rc, "memory": rm}, "limits": {"cpu": lc, "memory": lm}})
        }
    };
    let mut containers = vec![json!({
        "name": if knative { "user-container" } else { name },
        "image": catalog::kserve_router_image(kserve),
        "resources": resources,
        "securityContext": {"privileged": false, "runAsNonRoot": true, "readOnlyRootFilesystem": true, "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
    })];
    containers.extend(queue);
    let mut spec = json!({
        "metadata": {
            "labels": labels,
            "annotations": graph.pointer("/metadata/annotations").cloned().unwrap_or_else(|| json!({})),
        },
        "automountServiceAccountToken": false,
        "containers": containers,
    });
    for k in [
        "affinity",
        "tolerations",
        "nodeSelector",
        "serviceAccountName",
    ] {
        if let Some(x) = graph.pointer(&format!("/spec/{k}")) {
            spec[k] = x.clone();
        }
    }
    spec
}

/// Whether Kueue's configuration (its Helm values, or the configuration
/// file they carry as text) manages jobs that name no LocalQueue.
fn manages_jobs_without_queue_name(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, x)| {
            (k == "manageJobsWithoutQueueName" && x == &json!(true))
                || manages_jobs_without_queue_name(x)
        }),
        Value::Array(a) => a.iter().any(manages_jobs_without_queue_name),
        Value::String(s) => s
            .lines()
            .any(|l| l.trim().replace(' ', "") == "manageJobsWithoutQueueName:true"),
        _ => false,
    }
}

/// A job's pod as Kueue admits it through ClusterQueue `cq`: when it asks for
/// GPUs, Kueue assigns the first flavor of the queue's `nvidia.com/gpu` group
/// whose node labels agree with the pod's nodeSelector, and adds that
/// flavor's nodeLabels to the nodeSelector and its tolerations to the pod's
/// (before the job's pods are created).
fn kueue_admit(view: &View, cq: &str, spec: &mut Value) {
    if pod_amount(spec, "requests", GPU) <= 0.0 && pod_amount(spec, "limits", GPU) <= 0.0 {
        return;
    }
    let Some(queue) = view
        .of("ClusterQueue", "")
        .iter()
        .find(|o| str_at(&o.value, "/metadata/name") == cq)
    else {
        return;
    };
    let selector = spec.get("nodeSelector").cloned().unwrap_or(Value::Null);
    let agrees = |labels: &Value| {
        labels.as_object().is_some_and(|l| {
            l.iter()
                .all(|(k, v)| selector.get(k).is_none_or(|mine| mine == v))
        })
    };
    let flavor = arr(&queue.value, "/spec/resourceGroups")
        .iter()
        .filter(|g| arr(g, "/coveredResources").iter().any(|r| r == GPU))
        .flat_map(|g| arr(g, "/flavors").iter())
        .filter_map(|f| {
            view.of("ResourceFlavor", "")
                .iter()
                .find(|o| str_at(&o.value, "/metadata/name") == str_at(f, "/name"))
        })
        .find(|o| agrees(o.value.pointer("/spec/nodeLabels").unwrap_or(&Value::Null)));
    let Some(flavor) = flavor else {
        return;
    };
    if let Some(labels) = flavor
        .value
        .pointer("/spec/nodeLabels")
        .and_then(Value::as_object)
    {
        if !spec.get("nodeSelector").is_some_and(Value::is_object) {
            spec["nodeSelector"] = json!({});
        }
        for (k, v) in labels {
            spec["nodeSelector"][k] = v.clone();
        }
    }
    for t in arr(&flavor.value, "/spec/tolerations") {
        let has = spec
            .get("tolerations")
            .and_then(Value::as_array)
            .is_some_and(|l| l.contains(t));
        if !has {
            push_to(spec, "tolerations", t.clone());
        }
    }
}

fn katib_resources() -> Value {
    json!({
        "requests": {"cpu": catalog::KATIB_SUGGESTION_REQUESTS.0, "memory": catalog::KATIB_SUGGESTION_REQUESTS.1, "ephemeral-storage": "500Mi"},
        "limits": {"cpu": "500m", "memory": "100Mi", "ephemeral-storage": "5Gi"},
    })
}

fn inject_istio(spec: &mut Value, image: &str, cni: bool) {
    let (rc, rm) = catalog::ISTIO_PROXY_REQUESTS;
    let (lc, lm) = catalog::ISTIO_PROXY_LIMITS;
    let resources = json!({"requests": {"cpu": rc, "memory": rm}, "limits": {"cpu": format!("{lc}"), "memory": format!("{lm}Gi")}});
    let proxy = json!({
        "name": "istio-proxy",
        "image": image,
        "resources": resources,
        "securityContext": {"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 1337, "capabilities": {"drop": ["ALL"]}},
    });
    let init = if cni {
        json!({
            "name": "istio-validation",
            "image": image,
            "resources": resources,
            "securityContext": {"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true, "runAsUser": 1337, "capabilities": {"drop": ["ALL"]}},
        })
    } else {
        json!({
            "name": "istio-init",
            "image": image,
            "resources": resources,
            "securityContext": {"allowPrivilegeEscalation": false, "privileged": false, "readOnlyRootFilesystem": false, "runAsNonRoot": false, "runAsUser": 0, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]}},
        })
    };
    push_to(spec, "containers", proxy);
    push_to(spec, "initContainers", init);
}

fn push_to(spec: &mut Value, field: &str, c: Value) {
    if !spec.get(field).is_some_and(Value::is_array) {
        spec[field] = json!([]);
    }
    if let Some(list) = spec.get_mut(field).and_then(Value::as_array_mut) {
        list.push(c);
    }
}

/// The LimitRanger admission plugin: containers without requests or limits
/// get the namespace's Container defaults.
fn apply_limit_ranges(view: &View, ns: &str, spec: &mut Value) {
    for o in view.of("LimitRange", ns) {
        for l in arr(&o.value, "/spec/limits") {
            if str_at(l, "/type") != "Container" {
                continue;
            }
            for field in ["containers", "initContainers"] {
                let Some(list) = spec.get_mut(field).and_then(Value::as_array_mut) else {
                    continue;
                };
                for c in list {
                    for (from, to) in [("default", "limits"), ("defaultRequest", "requests")] {
                        let Some(defaults) = l.get(from).and_then(Value::as_object) else {
                            continue;
                        };
                        for (res, q) in defaults {
                            if c.pointer(&format!("/resources/{to}/{res}")).is_none() {
                                // A limit without a request makes the request equal the limit.
                                let q = if to == "requests" {
                                    c.pointer(&format!("/resources/limits/{res}"))
                                        .cloned()
                                        .unwrap_or(q.clone())
                                } else {
                                    q.clone()
                                };
                                if !c.get("resources").is_some_and(Value::is_object) {
                                    c["resources"] = json!({});
                                }
                                if !c["resources"].get(to).is_some_and(Value::is_object) {
                                    c["resources"][to] = json!({});
                                }
                                c["resources"][to][res] = q;
                            }
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------- E192

/// The constraints synced into this cluster, tagged with its key.
fn view_constraints(key: &str, view: &View) -> Vec<(Option<String>, super::policy::Constraint)> {
    let own: Vec<Object> = view
        .objects
        .iter()
        .filter(|o| crate::emit::layout::api_group(&o.value) == "constraints.gatekeeper.sh")
        .map(|o| Object {
            value: o.value.clone(),
            file: o.file.clone(),
            cluster: Some(key.to_string()),
        })
        .collect();
    Policies::from_objects(&own, true).constraints
}

/// Run the pods through their clusters' constraints. `same_as` maps a
/// cluster to the one whose constraints stand for its own (identical ones): a
/// pod alike in spec and namespace to one already evaluated there shares its
/// verdict instead of a second evaluation.
fn pod_policies(
    pods: &[Pod],
    same_as: &BTreeMap<String, String>,
    policies: &Policies,
    out: &mut Vec<Finding>,
) {
    if pods.is_empty() || policies.constraints.is_empty() {
        return;
    }
    // (constraint set, namespace, spec) → the pods that share it.
    let mut alike: BTreeMap<(&str, &str, String), Vec<usize>> = BTreeMap::new();
    for (i, p) in pods.iter().enumerate() {
        let set = same_as.get(&p.view).map_or(p.view.as_str(), String::as_str);
        alike
            .entry((set, p.namespace.as_str(), p.spec.to_string()))
            .or_default()
            .push(i);
    }
    let groups: Vec<(&str, &Vec<usize>)> = alike
        .iter()
        .map(|((set, _, _), members)| (*set, members))
        .collect();
    let objects: Vec<Object> = groups
        .iter()
        .enumerate()
        .map(|(i, (set, members))| {
            let p = &pods[members[0]];
            let mut spec = p.spec.clone();
            let metadata = spec
                .as_object_mut()
                .and_then(|m| m.remove("metadata"))
                .unwrap_or_else(|| json!({}));
            let mut pod = json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": metadata,
                "spec": spec,
            });
            pod["metadata"]["namespace"] = json!(p.namespace);
            pod["metadata"]["name"] = json!(format!("platform-pod-{i}"));
            Object {
                value: pod,
                file: p.source.file.clone(),
                cluster: Some(set.to_string()),
            }
        })
        .collect();
    let opts = CheckOptions {
        skip_schemas: true,
        ..CheckOptions::default()
    };
    let report = super::check(&objects, policies, &opts);
    for f in report.findings {
        if f.source != Source::Policy {
            continue;
        }
        let Some(g) = f
            .name
            .strip_prefix("platform-pod-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|g| *g < groups.len())
        else {
            continue;
        };
        let (code, sev) = if f.severity == Severity::Error {
            ("E192", Severity::Error)
        } else {
            ("W192", Severity::Warning)
        };
        for &i in groups[g].1 {
            let pod = &pods[i];
            out.push(finding(
                pod.source,
                sev,
                code,
                ".",
                format!(
                    "the {} pod it makes in namespace `{}` (after sidecar injection) is refused by the platform's policy {}: {}",
                    pod.role, pod.namespace, f.rule, f.message
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------- E193, E194

/// Requests (or limits) of a pod as the scheduler and ResourceQuota count
/// them: the larger of the sum of its containers and its largest init container.
fn pod_amount(spec: &Value, which: &str, res: &str) -> f64 {
    let get = |c: &Value| {
        c.pointer(&format!("/resources/{which}/{}", res.replace('/', "~1")))
            .and_then(|q| match q {
                Value::String(s) => parse_quantity(s),
                Value::Number(n) => n.as_f64(),
                _ => None,
            })
            .unwrap_or(0.0)
    };
    let sum: f64 = arr(spec, "/containers").iter().map(get).sum();
    let init = arr(spec, "/initContainers")
        .iter()
        .map(get)
        .fold(0.0, f64::max);
    sum.max(init)
}

fn show(res: &str, v: f64) -> String {
    if res == "memory" {
        format!("{:.1}Gi", v / GIB)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn pod_fits(view: &View, pods: &[Pod], pools: &Pools, out: &mut Vec<Finding>) {
    for pod in pods {
        for q in view.of("ResourceQuota", &pod.namespace) {
            let Some(hard) = q.value.pointer("/spec/hard").and_then(Value::as_object) else {
                continue;
            };
            for (key, limit) in hard {
                let (which, res) = match key.as_str() {
                    "cpu" | "requests.cpu" => ("requests", "cpu"),
                    "memory" | "requests.memory" => ("requests", "memory"),
                    "limits.cpu" => ("limits", "cpu"),
                    "limits.memory" => ("limits", "memory"),
                    k if k == format!("requests.{GPU}") => ("requests", GPU),
                    _ => continue,
                };
                let Some(limit) = limit.as_str().and_then(parse_quantity) else {
                    continue;
                };
                let asked = pod_amount(&pod.spec, which, res);
                if asked > limit + 1e-9 {
                    out.push(finding(
                        pod.source,
                        Severity::Error,
                        "E193",
                        ".",
                        format!(
                            "one {} pod in namespace `{}` asks {} {key} (with its sidecars), above the team's ResourceQuota `{}` of {}: the quota rejects the pod{}",
                            pod.role,
                            pod.namespace,
                            show(res, asked),
                            str_at(&q.value, "/metadata/name"),
                            show(res, limit),
                            if matches!(pod.role, "training runtime" | "trial") {
                                " (after Kueue admitted its job)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
        let Some(pool) = pod
            .spec
            .pointer("/nodeSelector")
            .and_then(|s| s.get(POOL_LABEL))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let cluster = pod
            .source
            .cluster
            .clone()
            .or_else(|| layout(&pod.source.file).map(|(c, _)| c))
            .unwrap_or_default();
        let Some(p) = pools.get(&(cluster.clone(), pool.to_string())) else {
            out.push(finding(
                pod.source,
                Severity::Warning,
                "W196",
                ".",
                format!("node pool `{pool}` of cluster `{cluster}` has no known capacity (check with the spec, or a tree with Cluster API capacity annotations): its pods are not sized against a node"),
            ));
            continue;
        };
        let (cpu_milli, mem) = catalog::node_allocatable(p.cpu, p.memory_gib);
        for (res, have) in [
            ("cpu", cpu_milli as f64 / 1000.0),
            ("memory", mem as f64),
            (GPU, p.gpus as f64),
        ] {
            let asked = pod_amount(&pod.spec, "requests", res);
            if asked > have + 1e-9 {
                out.push(finding(
                    pod.source,
                    Severity::Error,
                    "E194",
                    ".",
                    format!(
                        "one {} pod in namespace `{}` asks {} {res} (with its sidecars), above what one node of pool `{pool}` can give ({} allocatable of {} cores / {} GiB / {} GPUs): it never schedules",
                        pod.role,
                        pod.namespace,
                        show(res, asked),
                        show(res, have),
                        p.cpu,
                        p.memory_gib,
                        p.gpus
                    ),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- E217

/// The labels KServe gives an InferenceService's predictor pods: the
/// service's own, the predictor's `labels`, its name and component.
fn predictor_labels(isvc: &Value) -> Value {
    let mut l = isvc
        .pointer("/metadata/labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}));
    if let Some(m) = isvc
        .pointer("/spec/predictor/labels")
        .and_then(Value::as_object)
    {
        for (k, v) in m {
            l[k] = v.clone();
        }
    }
    l["serving.kserve.io/inferenceservice"] = json!(str_at(isvc, "/metadata/name"));
    l["component"] = json!("predictor");
    l
}

/// Knative's cluster-local gateway as the tree routes it: the Service
/// `knative-local-gateway` (namespace, pod selector, target port).
fn local_gateway<'a>(view: &View<'a>) -> Option<(&'a str, &'a Value, u16)> {
    view.objects.iter().find_map(|o| {
        let v = &o.value;
        (str_at(v, "/kind") == "Service" && str_at(v, "/metadata/name") == "knative-local-gateway")
            .then(|| {
                let port = arr(v, "/spec/ports")
                    .iter()
                    .find_map(|p| p.get("targetPort").and_then(Value::as_u64))
                    .and_then(|p| u16::try_from(p).ok())
                    .unwrap_or(8081);
                (
                    str_at(v, "/metadata/namespace"),
                    v.pointer("/spec/selector").unwrap_or(&Value::Null),
                    port,
                )
            })
    })
}

/// The serving Gateway's pods (the Istio `Gateway` named `serving`): namespace and selector.
fn ingress_gateway<'a>(view: &View<'a>) -> Option<(&'a str, &'a Value)> {
    view.objects.iter().find_map(|o| {
        let v = &o.value;
        (str_at(v, "/kind") == "Gateway"
            && str_at(v, "/apiVersion").starts_with("networking.istio.io/")
            && str_at(v, "/metadata/name") == "serving")
            .then(|| {
                (
                    str_at(v, "/metadata/namespace"),
                    v.pointer("/spec/selector").unwrap_or(&Value::Null),
                )
            })
    })
}

/// Why a connection is refused, for a finding.
fn refusal(r: &super::reach::Refused) -> String {
    let names = r
        .names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if r.side == "DENY" {
        format!(
            "a DENY rule of {} {names} in `{}` refuses it",
            r.kind, r.namespace
        )
    } else {
        format!(
            "no {} rule of {} {names} in `{}` admits it",
            r.side, r.kind, r.namespace
        )
    }
}

/// E217: clients reach an InferenceGraph's router through the ingress
/// gateway, and the router reaches each InferenceService it calls:
/// in the standard mode directly (the predictor's port 8080), under Knative
/// through the cluster-local gateway (then the gateway to the revision's
/// queue-proxy, 8012), through the NetworkPolicies of every namespace on
/// the way and the destination's AuthorizationPolicies.
fn graph_reach(view: &View, pods: &[Pod], out: &mut Vec<Finding>) {
    use super::reach::{Endpoint, mesh_allows, network_allows};
    let ns_labels: BTreeMap<String, BTreeMap<String, String>> = namespace_labels(view)
        .into_iter()
        .map(|(ns, l)| {
            let m = l
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            (ns.to_string(), m)
        })
        .collect();
    let netpols = |ns: &str| -> Vec<&Value> {
        view.of("NetworkPolicy", ns)
            .iter()
            .map(|o| &o.value)
            .collect()
    };
    let authz = |ns: &str| -> Vec<&Value> {
        view.of("AuthorizationPolicy", ns)
            .iter()
            .filter(|o| str_at(&o.value, "/apiVersion").starts_with("security.istio.io/"))
            .map(|o| &o.value)
            .collect()
    };
    let gateway = local_gateway(view);
    for pod in pods.iter().filter(|p| p.role == ROUTER) {
        let graph = &pod.source.value;
        let ns = pod.namespace.as_str();
        let no_labels = json!({});
        let router_labels = pod.spec.pointer("/metadata/labels").unwrap_or(&no_labels);
        let at = |n: &'_ str| ns_labels.get(n).cloned().unwrap_or_default();
        let router = Endpoint {
            namespace: ns,
            labels: router_labels,
            namespace_labels: at(ns),
        };
        let knative = pod
            .spec
            .pointer("/metadata/labels/serving.kserve.io~1kind")
            .is_some();
        // Clients: the ingress gateway to the router (queue-proxy's 8012
        // under Knative, the router's 8080 in the standard mode).
        if let Some((gw_ns, gw_labels)) = ingress_gateway(view) {
            let gw = Endpoint {
                namespace: gw_ns,
                labels: gw_labels,
                namespace_labels: at(gw_ns),
            };
            let port = if knative { 8012 } else { 8080 };
            if let Err(r) = network_allows(&netpols, &gw, &router, port)
                .and_then(|()| mesh_allows(&authz, gw_ns, &router))
            {
                out.push(finding(
                    pod.source,
                    Severity::Error,
                    "E217",
                    ".",
                    format!(
                        "the ingress gateway in `{gw_ns}` cannot reach the router of InferenceGraph `{}`: {}, so the model's host answers no client",
                        str_at(graph, "/metadata/name"),
                        refusal(&r)
                    ),
                ));
            }
        }
        let steps: BTreeSet<&str> = graph
            .pointer("/spec/nodes")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|nodes| nodes.values())
            .flat_map(|n| arr(n, "/steps").iter())
            .filter_map(|s| s.get("serviceName").and_then(Value::as_str))
            .collect();
        for step in steps {
            let Some(isvc) = view
                .of("InferenceService", ns)
                .iter()
                .find(|o| str_at(&o.value, "/metadata/name") == step)
            else {
                continue;
            };
            let labels = predictor_labels(&isvc.value);
            let target = Endpoint {
                namespace: ns,
                labels: &labels,
                namespace_labels: at(ns),
            };
            let hops: Vec<(String, Result<(), super::reach::Refused>)> = if knative {
                let Some((gw_ns, gw_labels, gw_port)) = gateway else {
                    continue;
                };
                let gw = Endpoint {
                    namespace: gw_ns,
                    labels: gw_labels,
                    namespace_labels: at(gw_ns),
                };
                vec![
                    (
                        format!("to Knative's local gateway in `{gw_ns}`"),
                        network_allows(&netpols, &router, &gw, gw_port),
                    ),
                    (
                        format!("from the local gateway in `{gw_ns}` to the model's pods"),
                        network_allows(&netpols, &gw, &target, 8012)
                            .and_then(|()| mesh_allows(&authz, gw_ns, &target)),
                    ),
                ]
            } else {
                vec![(
                    "to the model's pods".to_string(),
                    network_allows(&netpols, &router, &target, 8080)
                        .and_then(|()| mesh_allows(&authz, ns, &target)),
                )]
            };
            for (hop, result) in hops {
                if let Err(r) = result {
                    let why = refusal(&r);
                    out.push(finding(
                        pod.source,
                        Severity::Error,
                        "E217",
                        ".",
                        format!(
                            "the router of InferenceGraph `{}` cannot reach InferenceService `{step}` {hop}: {why}, so that version gets no requests",
                            str_at(graph, "/metadata/name"),
                        ),
                    ));
                }
            }
        }
    }
}

// ---------------------------------------------------------------- E195

/// ResourceFlavor name → the pool its node labels select.
fn flavor_pools(view: &View) -> BTreeMap<String, String> {
    view.objects
        .iter()
        .filter(|o| str_at(&o.value, "/kind") == "ResourceFlavor")
        .filter_map(|o| {
            let pool = o
                .value
                .pointer("/spec/nodeLabels")
                .and_then(|l| l.get(POOL_LABEL))
                .and_then(Value::as_str)?;
            Some((
                str_at(&o.value, "/metadata/name").to_string(),
                pool.to_string(),
            ))
        })
        .collect()
}

fn kueue_fits(view: &View, pools: &Pools, out: &mut Vec<Finding>) {
    let flavors = flavor_pools(view);
    for o in &view.objects {
        if str_at(&o.value, "/kind") != "ClusterQueue" {
            continue;
        }
        let cluster = o
            .cluster
            .clone()
            .or_else(|| layout(&o.file).map(|(c, _)| c))
            .unwrap_or_default();
        for (g, group) in arr(&o.value, "/spec/resourceGroups").iter().enumerate() {
            for (f, flavor) in arr(group, "/flavors").iter().enumerate() {
                let Some(pool) = flavors.get(str_at(flavor, "/name")) else {
                    continue;
                };
                let Some(p) = pools.get(&(cluster.clone(), pool.clone())) else {
                    out.push(finding(
                        o,
                        Severity::Warning,
                        "W196",
                        ".",
                        format!("node pool `{pool}` of cluster `{cluster}` has no known capacity: the quota of flavor `{}` is not compared with it", str_at(flavor, "/name")),
                    ));
                    continue;
                };
                let (cpu_milli, mem) = catalog::node_allocatable(p.cpu, p.memory_gib);
                let n = p.max_nodes as f64;
                for (r, res) in arr(flavor, "/resources").iter().enumerate() {
                    let name = str_at(res, "/name");
                    let cap = match name {
                        "cpu" => n * cpu_milli as f64 / 1000.0,
                        "memory" => n * mem as f64,
                        GPU => n * p.gpus as f64,
                        _ => continue,
                    };
                    let nominal = match res.get("nominalQuota") {
                        Some(Value::String(s)) => parse_quantity(s).unwrap_or(0.0),
                        Some(Value::Number(x)) => x.as_f64().unwrap_or(0.0),
                        _ => 0.0,
                    };
                    if nominal > cap + 1e-9 {
                        out.push(finding(
                            o,
                            Severity::Error,
                            "E195",
                            &format!(".spec.resourceGroups[{g}].flavors[{f}].resources[{r}].nominalQuota"),
                            format!(
                                "nominal {name} quota {} on flavor `{}` is above the capacity of pool `{pool}` ({} at its {} nodes): Kueue admits work no node can hold",
                                show(name, nominal),
                                str_at(flavor, "/name"),
                                show(name, cap),
                                p.max_nodes
                            ),
                        ));
                    }
                }
            }
        }
    }
}

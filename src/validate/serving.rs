//! Serving rules E200–W209: a canary is split by an InferenceGraph, which
//! calls each version's v1/v2 predict endpoint (E200, W201, E202); a model on
//! a private bucket has a storage identity that works on every cluster it
//! runs on (E203), carried by a service account (E204) that models sharing
//! it agree on (E205); credential Secrets are produced by an ExternalSecret
//! (E206); env names are C identifiers (E207); an `hf_token` belongs to an
//! `hf://` model (W209); node identity, as a model's only way to its bucket,
//! where its pods cannot get the node's identity: EKS node groups on Amazon
//! Linux 2023 (E215), GKE with Workload Identity on (E216). Control
//! characters in args are E145's.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::plan::storage::{Store, identity_annotation, node_identity_works};
use crate::spec::model::{Cluster, Model, Provider, Spec, on_cluster};
use crate::spec::tree::Seg;

use super::rules::Finding;

macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$(Seg::from($seg)),*] };
}

/// Whether model `m` is served on cluster `c`: listed there, and its team too.
fn lands(spec: &Spec, m: &Model, c: &Cluster) -> bool {
    on_cluster(&m.clusters, &c.name)
        && spec
            .teams
            .iter()
            .any(|t| t.name == m.team && on_cluster(&t.clusters, &c.name))
}

pub fn check_where(spec: &Spec, in_view: &dyn Fn(&Cluster) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |diag: Diagnostic, path: Vec<Seg>| out.push(Finding { diag, path });
    // (team, service account) -> (model index, identity) of the first model using it.
    let mut accounts: BTreeMap<(&str, &str), (usize, Option<&str>)> = BTreeMap::new();

    for (i, m) in spec.serving.models.iter().enumerate() {
        if let Some(c) = &m.canary {
            if let Some(r) = m
                .runtime
                .as_ref()
                .and_then(|r| spec.serving.runtimes.iter().find(|x| &x.name == r))
                && !r.protocols.is_empty()
                && !r.protocols.iter().any(|p| p == "v1" || p == "v2")
            {
                push(
                    Diagnostic::error(
                        "E200",
                        format!(
                            "model \"{}\": the canary is split by an InferenceGraph, which calls the v1 or v2 predict endpoint, but runtime \"{}\" speaks only {}",
                            m.name,
                            r.name,
                            r.protocols.join(", ")
                        ),
                    )
                    .with_hint("add \"v1\" or \"v2\" to the runtime's protocols, or roll out without a canary"),
                    path!["serving", "models", i, "canary"],
                );
            }
            if m.format == "huggingface" {
                push(
                    Diagnostic::warning(
                        "W201",
                        format!(
                            "model \"{}\": the canary's InferenceGraph forwards predict (v1/v2) requests only; OpenAI-style endpoints (/openai/v1/...) of a generative model are not split",
                            m.name
                        ),
                    )
                    .with_hint("for a generative model, call the graph with v1/v2 predict requests, or promote without a canary"),
                    path!["serving", "models", i, "canary"],
                );
            }
            if c.storage_uri == m.storage_uri {
                push(
                    Diagnostic::error(
                        "E202",
                        format!(
                            "model \"{}\": the canary serves the same storage URI as the stable version",
                            m.name
                        ),
                    )
                    .with_hint("point canary.storage_uri at the new version, or remove the canary once promoted"),
                    path!["serving", "models", i, "canary", "storage_uri"],
                );
            }
        }

        let uris: Vec<&str> = std::iter::once(m.storage_uri.as_str())
            .chain(m.canary.as_ref().map(|c| c.storage_uri.as_str()))
            .collect();
        let st = m.storage.as_ref();
        let needs_account = st.is_some_and(|s| s.identity.is_some() || s.credentials.is_some())
            || m.hf_token.is_some();
        if needs_account && m.service_account.is_none() {
            push(
                Diagnostic::error(
                    "E204",
                    format!(
                        "model \"{}\": storage identity and credentials are carried by the model's service account, but it has none",
                        m.name
                    ),
                )
                .with_hint("set service_account = \"<team>-models\" (mlpc creates it in the team namespace)"),
                path!["serving", "models", i],
            );
        }
        if let Some(sa) = &m.service_account {
            let identity = st.and_then(|s| s.identity.as_deref());
            match accounts.get(&(m.team.as_str(), sa.as_str())) {
                Some((j, other)) if *other != identity => push(
                    Diagnostic::error(
                        "E205",
                        format!(
                            "model \"{}\": service account \"{sa}\" is shared with model \"{}\", which maps it to another storage identity",
                            m.name, spec.serving.models[*j].name
                        ),
                    )
                    .with_hint("one service account has one cloud identity: give this model its own service_account"),
                    path!["serving", "models", i, "service_account"],
                ),
                Some(_) => {}
                None => {
                    accounts.insert((m.team.as_str(), sa.as_str()), (i, identity));
                }
            }
        }
        for (field, secret) in [
            (
                "storage.credentials",
                st.and_then(|s| s.credentials.as_ref()),
            ),
            ("hf_token", m.hf_token.as_ref()),
        ] {
            if let Some(r) = secret
                && r.external.is_none()
            {
                let mut p = path!["serving", "models", i];
                p.extend(field.split('.').map(Seg::from));
                push(
                    Diagnostic::error(
                        "E206",
                        format!(
                            "model \"{}\": {field} names Secret \"{}\" but nothing produces it in the team namespace",
                            m.name, r.secret_name
                        ),
                    )
                    .with_hint("fill it from a declared store: `external = { store = \"...\", key = \"...\" }`"),
                    p,
                );
            }
        }
        if m.hf_token.is_some() && !uris.iter().any(|u| Store::of(u) == Store::HuggingFace) {
            push(
                Diagnostic::warning(
                    "W209",
                    format!(
                        "model \"{}\": hf_token is set but no storage URI of the model is hf://",
                        m.name
                    ),
                )
                .with_hint("remove hf_token, or point storage_uri at hf://<org>/<model>"),
                path!["serving", "models", i, "hf_token"],
            );
        }
        for name in m.env.keys() {
            if !is_c_identifier(name) {
                push(
                    Diagnostic::error(
                        "E207",
                        format!(
                            "model \"{}\": env name \"{}\" is not a C identifier",
                            m.name,
                            crate::redact::escape_controls(name)
                        ),
                    )
                    .with_hint("letters, digits and '_', not starting with a digit"),
                    path!["serving", "models", i, "env"],
                );
            }
        }
        // E203: every cluster the model lands on has a way to its bucket
        // (one finding per URI and provider, naming the clusters).
        let mut missing: BTreeMap<(usize, &str), Vec<&str>> = BTreeMap::new();
        for c in spec.clusters.iter().filter(|c| in_view(c)) {
            if !lands(spec, m, c) {
                continue;
            }
            for (u, uri) in uris.iter().enumerate() {
                let store = Store::of(uri);
                if !store.is_cloud()
                    || st.is_some_and(|s| s.public || path_works(store, c.provider, s))
                {
                    continue;
                }
                missing
                    .entry((u, c.provider.as_str()))
                    .or_default()
                    .push(c.name.as_str());
            }
        }
        for ((u, provider), clusters) in missing {
            let uri = uris[u];
            let p = spec
                .clusters
                .iter()
                .find(|c| c.provider.as_str() == provider)
                .map(|c| c.provider);
            let Some(p) = p else { continue };
            let at = if u == 0 {
                path!["serving", "models", i, "storage_uri"]
            } else {
                path!["serving", "models", i, "canary", "storage_uri"]
            };
            push(
                Diagnostic::error(
                    "E203",
                    format!(
                        "model \"{}\": nothing authenticates the storage initializer to \"{uri}\" on {provider} cluster(s) {}: the download fails",
                        m.name,
                        clusters.join(", ")
                    ),
                )
                .with_hint(paths_hint(Store::of(uri), p)),
                at,
            );
        }
        // E215/E216: node identity where the pods cannot reach the node's
        // identity, when it is the model's only way to its bucket.
        let only_node = st.is_some_and(|s| {
            s.node_identity && !s.public && s.credentials.is_none() && s.identity.is_none()
        }) && uris.iter().any(|u| Store::of(u).is_cloud());
        if only_node {
            let mut blocked: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for c in spec.clusters.iter().filter(|c| in_view(c)) {
                if !lands(spec, m, c) {
                    continue;
                }
                if let Some(code) = node_identity_blocked(spec, c, m.node_pool.as_deref()) {
                    blocked.entry(code).or_default().push(c.name.as_str());
                }
            }
            for (code, clusters) in blocked {
                let (why, hint) = if code == "E215" {
                    (
                        "EKS managed node groups on Amazon Linux 2023 (mlpc gives them no launch template) answer IMDSv2 only with a PUT response hop limit of 1, so the token never reaches a pod",
                        "`storage = { identity = \"arn:aws:iam::<account>:role/<role>\" }` (IRSA), or `storage.credentials`",
                    )
                } else {
                    (
                        "Workload Identity is on there (a model or a secret store maps a service account to a Google service account), so the GKE metadata server answers the model's pods with its Kubernetes service account's federated identity, not the node's service account",
                        "`storage = { identity = \"<sa>@<project>.iam.gserviceaccount.com\" }` (GKE Workload Identity), or `storage.credentials`",
                    )
                };
                push(
                    Diagnostic::error(
                        code,
                        format!(
                            "model \"{}\": node_identity is its only way to its bucket, but on cluster(s) {} {why}: the download fails",
                            m.name,
                            clusters.join(", ")
                        ),
                    )
                    .with_hint(format!("use {hint}")),
                    path!["serving", "models", i, "storage", "node_identity"],
                );
            }
        }
    }
    out
}

/// Where a model's node identity cannot reach its pods on cluster `c`:
/// E215 on EKS when the model may land on a node group of Amazon Linux 2023
/// (EKS's own launch template: IMDSv2 only, hop limit 1; mlpc sets the limit
/// to 2 only on the self-managed AWS machines it templates), E216 on GKE when
/// Workload Identity is on (the GKE metadata server answers for the pod's
/// service account). Self-managed AWS (hop limit 2, `plan::pools`) and GCP
/// (the GCE metadata server has no hop limit) work.
fn node_identity_blocked(spec: &Spec, c: &Cluster, pool: Option<&str>) -> Option<&'static str> {
    match c.provider {
        Provider::Eks => {
            let k8s = crate::plan::cluster::k8s_version(spec);
            let on = |p: &&crate::spec::model::NodePool| on_cluster(&p.clusters, &c.name);
            let named = pool.and_then(|n| spec.node_pools.iter().filter(on).find(|p| p.name == n));
            let mut lands = spec
                .node_pools
                .iter()
                .filter(on)
                .filter(|p| named.is_none_or(|n| n.name == p.name));
            lands
                .any(|p| {
                    crate::plan::cluster::eks_ami_type(p.gpu.is_some(), k8s).starts_with("AL2023")
                })
                .then_some("E215")
        }
        Provider::Gke => crate::plan::cluster::wants_workload_identity(spec, c).then_some("E216"),
        _ => None,
    }
}

/// Does one of the declared paths authenticate to `store` on `provider`?
fn path_works(store: Store, p: Provider, st: &crate::spec::model::Storage) -> bool {
    let identity = st.identity.is_some()
        && identity_annotation(p).is_some()
        && matches!(
            (store, p),
            (Store::S3, Provider::Eks)
                | (Store::Gcs, Provider::Gke)
                | (Store::AzureBlob, Provider::Aks)
        );
    let node = st.node_identity
        && node_identity_works(p)
        && matches!(
            (store, p),
            (Store::S3, Provider::Aws | Provider::Eks)
                | (Store::Gcs, Provider::Gcp | Provider::Gke)
        );
    // KServe's storage initializer reads S3 keys, a GCS key file or an Azure
    // service principal / storage key from the service account's Secrets.
    let keys = st.credentials.is_some();
    identity || node || keys
}

fn paths_hint(store: Store, p: Provider) -> String {
    let mut ways = Vec::new();
    match (store, p) {
        (Store::S3, Provider::Eks) => ways.push("`storage = { identity = \"arn:aws:iam::<account>:role/<role>\" }` (IRSA)"),
        (Store::Gcs, Provider::Gke) => ways.push("`storage = { identity = \"<sa>@<project>.iam.gserviceaccount.com\" }` (GKE Workload Identity)"),
        (Store::AzureBlob, Provider::Aks) => ways.push("`storage = { identity = \"<managed identity client ID>\" }` (Azure Workload Identity)"),
        _ => {}
    }
    if matches!(
        (store, p),
        (Store::S3, Provider::Aws | Provider::Eks) | (Store::Gcs, Provider::Gcp | Provider::Gke)
    ) {
        ways.push("`storage = { node_identity = true }` (the node's identity through the metadata endpoint)");
    }
    ways.push(match store {
        Store::S3 => "`storage.credentials`, a Secret of S3 keys from a declared store",
        Store::Gcs => "`storage.credentials`, a Secret holding a key file `gcloud-application-credentials.json` from a declared store",
        _ => "`storage.credentials`, a Secret holding `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` and `AZURE_TENANT_ID` (or `AZURE_STORAGE_ACCESS_KEY`) from a declared store",
    });
    ways.push("`storage = { public = true }` for a public bucket");
    format!("on {}: {}", p.as_str(), ways.join(", or "))
}

fn is_c_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

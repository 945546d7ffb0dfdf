//! Serving decisions: the InferenceServices of a model (a canary is two of
//! them behind a Splitter InferenceGraph, so the split holds from Git alone),
//! the storage identity of its service account (annotations, credential
//! Secrets, the metadata egress the identity needs and nothing wider), and
//! the model server's args and env.

use std::collections::BTreeMap;

use crate::spec::model::{self as spec, Provider, SecretRef, Spec};

use super::{CanaryCtx, EgressCtx, EnvVar, ModelCtx, ModelSecretCtx, ServiceAccountCtx, TeamCtx};

/// The instance metadata endpoint (AWS IMDS, GCE metadata; on GKE with
/// Workload Identity the GKE metadata server answers there).
pub const METADATA_CIDR: &str = "169.254.169.254/32";
/// GKE's metadata server for Workload Identity (GKE 1.21 and later).
pub const GKE_METADATA_CIDR: &str = "169.254.169.252/32";
pub const GKE_METADATA_PORT: u16 = 988;

/// Where a storage URI points, as KServe's storage initializer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    S3,
    Gcs,
    AzureBlob,
    HuggingFace,
    Other,
}

impl Store {
    pub fn of(uri: &str) -> Store {
        if uri.starts_with("s3://") {
            Store::S3
        } else if uri.starts_with("gs://") {
            Store::Gcs
        } else if uri.starts_with("https://") && uri.contains(".blob.core.windows.net") {
            Store::AzureBlob
        } else if uri.starts_with("hf://") {
            Store::HuggingFace
        } else {
            Store::Other
        }
    }

    /// Needs cloud credentials (a private bucket).
    pub fn is_cloud(self) -> bool {
        matches!(self, Store::S3 | Store::Gcs | Store::AzureBlob)
    }
}

/// The service-account annotation a workload identity uses on a provider:
/// IRSA on EKS, Workload Identity on GKE and AKS. Self-managed clusters run
/// neither webhook nor OIDC federation, so they have none.
pub fn identity_annotation(p: Provider) -> Option<&'static str> {
    match p {
        Provider::Eks => Some("eks.amazonaws.com/role-arn"),
        Provider::Gke => Some("iam.gke.io/gcp-service-account"),
        Provider::Aks => Some("azure.workload.identity/client-id"),
        _ => None,
    }
}

/// Providers whose node identity KServe's storage initializer can use
/// through the metadata endpoint (boto3's and google-auth's default chains;
/// Azure's needs a client ID, so not AKS or Azure).
pub fn node_identity_works(p: Provider) -> bool {
    matches!(
        p,
        Provider::Aws | Provider::Eks | Provider::Gcp | Provider::Gke
    )
}

/// The egress a model's storage path needs beyond the team's policy, which
/// already allows HTTPS (STS, Entra ID, the buckets) but not the link-local
/// metadata endpoints.
pub fn storage_egress(p: Provider, st: Option<&spec::ModelStorage>) -> Vec<EgressCtx> {
    let Some(st) = st else { return Vec::new() };
    let mut out = Vec::new();
    if st.node_identity && node_identity_works(p) {
        out.push(EgressCtx {
            cidr: METADATA_CIDR.into(),
            port: 80,
        });
    }
    if st.identity.is_some() && p == Provider::Gke {
        out.push(EgressCtx {
            cidr: GKE_METADATA_CIDR.into(),
            port: GKE_METADATA_PORT,
        });
        out.push(EgressCtx {
            cidr: METADATA_CIDR.into(),
            port: 80,
        });
    }
    out.sort();
    out.dedup();
    out
}

/// The parts of a model's context decided here: canary, identity labels,
/// args, env, egress, host.
pub(super) fn fill(ctx: &mut ModelCtx, m: &spec::Model, s: &Spec, provider: Provider) {
    ctx.canary = m.canary.as_ref().map(|c| {
        let percent = c.percent.clamp(0, 100);
        CanaryCtx {
            stable_name: format!("{}-stable", m.name),
            canary_name: format!("{}-canary", m.name),
            storage_uri: c.storage_uri.clone(),
            percent,
            stable_percent: 100 - percent,
        }
    });
    ctx.host = format!("{}-{}.{}", m.name, m.team, s.platform.domain);
    if provider == Provider::Aks && m.storage.as_ref().is_some_and(|st| st.identity.is_some()) {
        ctx.pod_labels
            .insert("azure.workload.identity/use".into(), "true".into());
    }
    ctx.args = m.args.clone();
    ctx.env = m
        .env
        .iter()
        .map(|(k, v)| EnvVar {
            name: k.clone(),
            value: v.clone(),
        })
        .collect();
    ctx.egress = storage_egress(provider, m.storage.as_ref());
}

/// KServe's S3 settings (`serving.kserve.io/s3-*`), read from the service
/// account (IRSA) or from the credentials Secret.
fn s3_annotations(st: &spec::ModelStorage) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    if let Some(e) = &st.endpoint {
        let (https, host) = match e.strip_prefix("http://") {
            Some(h) => ("0", h),
            None => ("1", e.strip_prefix("https://").unwrap_or(e)),
        };
        a.insert("serving.kserve.io/s3-endpoint".into(), host.to_string());
        a.insert("serving.kserve.io/s3-usehttps".into(), https.into());
    }
    if let Some(r) = &st.region {
        a.insert("serving.kserve.io/s3-region".into(), r.clone());
    }
    a
}

fn external(
    r: &SecretRef,
    ns: &str,
    annotations: BTreeMap<String, String>,
) -> Option<ModelSecretCtx> {
    r.external.as_ref().map(|e| ModelSecretCtx {
        name: r.secret_name.clone(),
        namespace: ns.to_string(),
        store: e.store.clone(),
        key: e.key.clone(),
        annotations,
    })
}

/// The models' service accounts per team (identity annotations, credential
/// Secrets) and the ExternalSecrets that fill those Secrets. Validation
/// (E205) made sure models sharing a service account agree.
pub(super) fn accounts(
    provider: Provider,
    models: &[&spec::Model],
    teams: &mut [TeamCtx],
) -> Vec<ModelSecretCtx> {
    let mut secrets = Vec::new();
    for t in teams.iter_mut() {
        let mut sas: BTreeMap<String, ServiceAccountCtx> = BTreeMap::new();
        for m in models.iter().filter(|m| m.team == t.namespace) {
            let Some(name) = &m.service_account else {
                continue;
            };
            let sa = sas
                .entry(name.clone())
                .or_insert_with(|| ServiceAccountCtx {
                    name: name.clone(),
                    ..Default::default()
                });
            if let Some(st) = &m.storage {
                if let (Some(id), Some(key)) = (&st.identity, identity_annotation(provider)) {
                    sa.annotations.insert(key.into(), id.clone());
                    if Store::of(&m.storage_uri) == Store::S3 {
                        sa.annotations.extend(s3_annotations(st));
                    }
                }
                if let Some(c) = &st.credentials {
                    sa.secrets.push(c.secret_name.clone());
                    let annotations = if Store::of(&m.storage_uri) == Store::S3 {
                        s3_annotations(st)
                    } else {
                        BTreeMap::new()
                    };
                    secrets.extend(external(c, &t.namespace, annotations));
                }
            }
            if let Some(h) = &m.hf_token {
                sa.secrets.push(h.secret_name.clone());
                secrets.extend(external(h, &t.namespace, BTreeMap::new()));
            }
            sa.secrets.sort();
            sa.secrets.dedup();
        }
        t.service_accounts = sas.into_values().collect();
    }
    secrets.sort();
    secrets.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name);
    secrets
}

/// Does a workload on cluster `c` map a service account to a cloud identity:
/// a model's `storage.identity`, or External Secrets' store identity?
pub fn wants_workload_identity(s: &Spec, c: &spec::Cluster) -> bool {
    s.secret_stores.iter().any(|st| st.identity.is_some())
        || s.serving.models.iter().any(|m| {
            (m.clusters.is_empty() || m.clusters.contains(&c.name))
                && m.storage.as_ref().is_some_and(|st| st.identity.is_some())
        })
}

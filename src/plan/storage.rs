//! Storage identity, the one home for models and teams alike: what a
//! `storage = { identity | node_identity | credentials | public, endpoint,
//! region }` becomes on a cluster's provider. The service-account annotation
//! of a workload identity (IRSA, GKE or Azure Workload Identity), the pod
//! label Azure's webhook wants, the metadata egress a node or GKE identity
//! needs (and nothing wider), KServe's S3 settings, and the ExternalSecret
//! that fills a credential Secret. The serving planner applies it to a
//! model's service account, the teams planner to a team's workload service
//! account (`mlpc-workloads`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::spec::model::{Provider, SecretRef, Storage};

/// The instance metadata endpoint (AWS IMDS, GCE metadata; on GKE with
/// Workload Identity the GKE metadata server answers there).
pub const METADATA_CIDR: &str = "169.254.169.254/32";
/// GKE's metadata server for Workload Identity (GKE 1.21 and later).
pub const GKE_METADATA_CIDR: &str = "169.254.169.252/32";
pub const GKE_METADATA_PORT: u16 = 988;
/// Azure Workload Identity's webhook mutates only pods with this label.
pub const AZURE_USE_LABEL: &str = "azure.workload.identity/use";

/// One address and port a workload's pods may reach (a /32 and one port).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EgressCtx {
    pub cidr: String,
    pub port: u16,
}

/// A credential Secret, filled by an ExternalSecret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExternalSecretCtx {
    pub name: String,
    pub namespace: String,
    pub store: String,
    pub key: String,
    /// Annotations of the produced Secret (KServe's `serving.kserve.io/s3-*`).
    pub annotations: BTreeMap<String, String>,
}

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

/// Providers whose node identity the cloud SDKs' default chains (boto3,
/// google-auth, as KServe's storage initializer and training code use them)
/// find through the metadata endpoint; Azure's needs a client ID, so not AKS
/// or Azure.
pub fn node_identity_works(p: Provider) -> bool {
    matches!(
        p,
        Provider::Aws | Provider::Eks | Provider::Gcp | Provider::Gke
    )
}

/// Does some declared way authenticate on `p`, whatever the bucket: an
/// identity where the provider federates one, the node's identity where the
/// SDKs find it, keys, or a public bucket. (Which bucket kind each reaches is
/// the model rule's, E203; a team's buckets are not declared.)
pub fn some_path_works(p: Provider, st: &Storage) -> bool {
    st.public
        || st.credentials.is_some()
        || (st.identity.is_some() && identity_annotation(p).is_some())
        || (st.node_identity && node_identity_works(p))
}

/// The service-account annotations of a storage identity on `p` (empty when
/// the provider federates none).
pub fn identity_annotations(p: Provider, st: Option<&Storage>) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    if let (Some(id), Some(key)) = (st.and_then(|s| s.identity.as_ref()), identity_annotation(p)) {
        a.insert(key.to_string(), id.clone());
    }
    a
}

/// The pod labels a storage identity needs on `p`: Azure Workload Identity's
/// opt-in on AKS.
pub fn identity_pod_labels(p: Provider, st: Option<&Storage>) -> BTreeMap<String, String> {
    let mut l = BTreeMap::new();
    if p == Provider::Aks && st.is_some_and(|s| s.identity.is_some()) {
        l.insert(AZURE_USE_LABEL.into(), "true".into());
    }
    l
}

/// The egress a storage path needs beyond the team's policy, which already
/// allows HTTPS (STS, Entra ID, the buckets) but not the link-local metadata
/// endpoints.
pub fn storage_egress(p: Provider, st: Option<&Storage>) -> Vec<EgressCtx> {
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

/// KServe's S3 settings (`serving.kserve.io/s3-*`), read from the service
/// account (IRSA) or from the credentials Secret.
pub fn s3_annotations(st: &Storage) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    if let Some(e) = &st.endpoint {
        let (https, host) = endpoint_parts(e);
        a.insert("serving.kserve.io/s3-endpoint".into(), host.to_string());
        a.insert(
            "serving.kserve.io/s3-usehttps".into(),
            if https { "1" } else { "0" }.into(),
        );
    }
    if let Some(r) = &st.region {
        a.insert("serving.kserve.io/s3-region".into(), r.clone());
    }
    a
}

/// The S3 settings as the AWS SDKs read them from the environment (boto3
/// 1.28+, the AWS CLI, s3fs): `AWS_ENDPOINT_URL_S3`, `AWS_REGION` and
/// `AWS_DEFAULT_REGION`. A training pod has no KServe to read annotations.
pub fn s3_env(st: &Storage) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    if let Some(e) = &st.endpoint {
        let (https, host) = endpoint_parts(e);
        let scheme = if https { "https" } else { "http" };
        env.insert("AWS_ENDPOINT_URL_S3".into(), format!("{scheme}://{host}"));
    }
    if let Some(r) = &st.region {
        env.insert("AWS_REGION".into(), r.clone());
        env.insert("AWS_DEFAULT_REGION".into(), r.clone());
    }
    env
}

/// `(https, host[:port])` of an endpoint written with or without a scheme.
fn endpoint_parts(e: &str) -> (bool, &str) {
    match e.strip_prefix("http://") {
        Some(h) => (false, h),
        None => (true, e.strip_prefix("https://").unwrap_or(e)),
    }
}

/// The ExternalSecret filling `r` in `ns`, when it names a store.
pub fn external(
    r: &SecretRef,
    ns: &str,
    annotations: BTreeMap<String, String>,
) -> Option<ExternalSecretCtx> {
    r.external.as_ref().map(|e| ExternalSecretCtx {
        name: r.secret_name.clone(),
        namespace: ns.to_string(),
        store: e.store.clone(),
        key: e.key.clone(),
        annotations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(identity: bool, node: bool) -> Storage {
        Storage {
            identity: identity.then(|| "id".to_string()),
            node_identity: node,
            ..Default::default()
        }
    }

    #[test]
    fn identity_per_provider() {
        let s = st(true, false);
        for (p, key) in [
            (Provider::Eks, Some("eks.amazonaws.com/role-arn")),
            (Provider::Gke, Some("iam.gke.io/gcp-service-account")),
            (Provider::Aks, Some("azure.workload.identity/client-id")),
            (Provider::Aws, None),
            (Provider::Docker, None),
        ] {
            let a = identity_annotations(p, Some(&s));
            assert_eq!(a.keys().next().map(String::as_str), key, "{p:?}");
            assert_eq!(
                identity_pod_labels(p, Some(&s)).contains_key(AZURE_USE_LABEL),
                p == Provider::Aks
            );
            assert_eq!(some_path_works(p, &s), key.is_some());
        }
    }

    #[test]
    fn egress_only_where_an_identity_answers_on_the_metadata_endpoints() {
        assert_eq!(
            storage_egress(Provider::Aws, Some(&st(false, true))),
            [EgressCtx {
                cidr: METADATA_CIDR.into(),
                port: 80
            }]
        );
        assert!(storage_egress(Provider::Aks, Some(&st(false, true))).is_empty());
        assert!(storage_egress(Provider::Eks, Some(&st(true, false))).is_empty());
        assert_eq!(
            storage_egress(Provider::Gke, Some(&st(true, false))).len(),
            2
        );
        assert!(!some_path_works(Provider::Azure, &st(false, true)));
    }

    #[test]
    fn s3_settings_for_kserve_and_for_the_sdks() {
        let s = Storage {
            endpoint: Some("http://minio.data:9000".into()),
            region: Some("eu-west-1".into()),
            ..Default::default()
        };
        let a = s3_annotations(&s);
        assert_eq!(a["serving.kserve.io/s3-endpoint"], "minio.data:9000");
        assert_eq!(a["serving.kserve.io/s3-usehttps"], "0");
        let env = s3_env(&s);
        assert_eq!(env["AWS_ENDPOINT_URL_S3"], "http://minio.data:9000");
        assert_eq!(env["AWS_DEFAULT_REGION"], "eu-west-1");
        let tls = s3_env(&Storage {
            endpoint: Some("s3.example:443".into()),
            ..Default::default()
        });
        assert_eq!(tls["AWS_ENDPOINT_URL_S3"], "https://s3.example:443");
    }
}

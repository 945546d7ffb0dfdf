//! Pipelines: how Kubeflow Pipelines (2.14, the `platform-agnostic` kustomize
//! env) is wired to its artifact store.
//!
//! KFP is installed **single-user**: runs execute in `kubeflow` only. Its
//! multi-user env (`platform-agnostic-multi-user`) needs what mlpc does not
//! install: an authenticating proxy that sets the `kubeflow-userid` header on
//! every UI request (the multi-user API server rejects requests without a user),
//! the `kubeflow/kubeflow-gateway` Gateway its VirtualService binds, and an
//! ingress gateway running as `istio-system/istio-ingressgateway-service-account`,
//! the only principal its UI AuthorizationPolicy admits. So Profile namespaces
//! get no per-namespace KFP configuration (launcher ConfigMap, credentials):
//! nothing would run there.
//!
//! With S3 the in-cluster MinIO is not deployed: KFP's API server, UI, launcher
//! and Argo's artifact repository (logs) all point at the bucket, with the
//! credentials of `mlpipeline-minio-artifact` (filled by an ExternalSecret).

use serde::Serialize;
use serde_json::{Value, json};

use super::SecretCtx;
use crate::spec::model::{self as spec, Spec};

#[derive(Clone, Debug, Serialize)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PipelinesCtx {
    pub enabled: bool,
    pub s3: bool,
    pub bucket: String,
    pub region: String,
    pub endpoint: String,
    pub secure: bool,
    pub pipeline_root: String,
    pub cache_enabled: bool,
    pub credentials: Option<SecretCtx>,
    /// The credentials come from a secret store: mlpc writes their ExternalSecrets.
    pub store_credentials: bool,
    /// On S3 with store credentials, the upstream demo Secret is deleted so ours
    /// is the only one.
    pub replace_demo_secret: bool,
    /// The `providers` entry of the `kfp-launcher` ConfigMap (YAML text).
    pub launcher_providers: String,
    /// Environment of the KFP API server container for the object store.
    pub api_server_env: Vec<EnvVar>,
    /// Namespaces where pipeline runs execute (single-user KFP: `kubeflow`).
    pub run_namespaces: Vec<String>,
    /// Whether KFP's in-cluster MinIO is deployed (not with S3).
    pub deploy_minio: bool,
    /// Kustomize patches deleting the upstream MinIO objects (S3 only).
    pub minio_delete_patches: Vec<serde_json::Value>,
    /// Argo's artifact repository (YAML text) when the store is S3.
    pub argo_artifact_repository: String,
    /// The KFP UI server's `AWS_*` environment for an S3 store.
    pub ui_env: Vec<serde_json::Value>,
}

/// The namespace KFP runs in, and where its runs execute.
pub const KFP_NAMESPACE: &str = "kubeflow";

/// The Secret every KFP component reads the object store credentials from
/// (keys `accesskey`, `secretkey`).
pub const ARTIFACT_SECRET: &str = "mlpipeline-minio-artifact";

/// The upstream MinIO objects (`third-party/minio/base` at KFP 2.14): not
/// deployed when the artifact store is S3. (group, kind, name).
pub const MINIO_OBJECTS: &[(&str, &str, &str)] = &[
    ("apps", "Deployment", "minio"),
    ("", "Service", "minio-service"),
    ("", "PersistentVolumeClaim", "minio-pvc"),
];

/// Kustomize patches (`{target, patch}`, patch as YAML text) that delete the
/// upstream MinIO objects from KFP's install.
pub fn minio_delete_patches() -> Vec<Value> {
    MINIO_OBJECTS
        .iter()
        .map(|(group, kind, name)| {
            let api_version = if group.is_empty() {
                "v1".to_string()
            } else {
                format!("{group}/v1")
            };
            let mut target = json!({"kind": kind, "name": name});
            if !group.is_empty() {
                target["group"] = json!(group);
            }
            json!({
                "target": target,
                "patch": crate::yaml::to_yaml(&json!({
                    "$patch": "delete",
                    "apiVersion": api_version,
                    "kind": kind,
                    "metadata": {"name": name},
                })),
            })
        })
        .collect()
}

/// Whether KFP talks TLS to the store: S3 (AWS, or an S3-compatible
/// endpoint, which validation takes as `host[:port]` without a scheme, E148)
/// speaks HTTPS; the in-cluster MinIO KFP deploys serves plain HTTP on 9000.
pub fn secure(s3: bool) -> bool {
    s3
}

/// Namespaces where pipeline runs execute (single-user KFP: its own).
pub fn run_namespaces() -> Vec<String> {
    vec![KFP_NAMESPACE.to_string()]
}

/// Argo Workflows' artifact repository (workflow-controller-configmap
/// `artifactRepository`, where run logs are archived), as KFP's base writes it
/// for MinIO, pointed at the store instead.
pub fn argo_artifact_repository(
    bucket: &str,
    endpoint: &str,
    region: &str,
    secure: bool,
) -> String {
    crate::yaml::to_yaml(&json!({
        "archiveLogs": true,
        "s3": {
            "endpoint": endpoint,
            "bucket": bucket,
            "region": region,
            "keyFormat": "artifacts/{{workflow.name}}/{{workflow.creationTimestamp.Y}}/{{workflow.creationTimestamp.m}}/{{workflow.creationTimestamp.d}}/{{pod.name}}",
            "insecure": !secure,
            "accessKeySecret": {"name": ARTIFACT_SECRET, "key": "accesskey"},
            "secretKeySecret": {"name": ARTIFACT_SECRET, "key": "secretkey"},
        },
    }))
}

/// Environment of the KFP UI's server for reading `s3://` artifacts (its
/// `AWS_*` settings, as KFP's `env/aws` sets them), for an S3 store.
pub fn ui_env(endpoint: &str, region: &str, secure: bool) -> Vec<Value> {
    let from_secret = |name: &str, key: &str| json!({"name": name, "valueFrom": {"secretKeyRef": {"name": ARTIFACT_SECRET, "key": key}}});
    vec![
        from_secret("AWS_ACCESS_KEY_ID", "accesskey"),
        from_secret("AWS_SECRET_ACCESS_KEY", "secretkey"),
        json!({"name": "AWS_REGION", "value": region}),
        json!({"name": "AWS_S3_ENDPOINT", "value": endpoint}),
        json!({"name": "AWS_SSL", "value": secure.to_string()}),
    ]
}

const DEFAULT_REGION: &str = "us-east-1";

pub fn plan(s: &Spec) -> PipelinesCtx {
    let store = &s.pipelines.artifact_store;
    let s3 = store.kind == spec::ArtifactStoreKind::S3;
    let region = store
        .region
        .clone()
        .unwrap_or_else(|| DEFAULT_REGION.into());
    let pipeline_root = s.pipelines.pipeline_root.clone().unwrap_or_else(|| {
        if s3 {
            format!(
                "s3://{}/pipelines",
                store.bucket.clone().unwrap_or_default()
            )
        } else {
            "minio://mlpipeline/v2/artifacts".into()
        }
    });
    let endpoint = store.endpoint.clone().unwrap_or_else(|| {
        if s3 {
            format!("s3.{region}.amazonaws.com")
        } else {
            "minio-service.kubeflow:9000".into()
        }
    });
    let secure = secure(s3);
    let credentials = store.credentials.as_ref().map(SecretCtx::from);
    let store_credentials = credentials.as_ref().is_some_and(|c| c.store.is_some());
    let launcher_providers = {
        let creds = match &credentials {
            Some(c) => serde_json::json!({"fromEnv": false, "secretRef": {
                "secretName": c.name, "accessKeyKey": "AWS_ACCESS_KEY_ID", "secretKeyKey": "AWS_SECRET_ACCESS_KEY"}}),
            None => serde_json::json!({"fromEnv": true}),
        };
        crate::yaml::to_yaml(&serde_json::json!({"s3": {"default": {
            "endpoint": endpoint,
            "region": region,
            "disableSSL": !secure,
            "forcePathStyle": !s3,
            "credentials": creds,
        }}}))
    };
    let host = endpoint.split(':').next().unwrap_or_default().to_string();
    let port = endpoint
        .split_once(':')
        .map(|(_, p)| p.to_string())
        .unwrap_or_else(|| if secure { "443".into() } else { "9000".into() });
    let env = |n: &str, v: String| EnvVar {
        name: n.into(),
        value: v,
    };
    let api_server_env = vec![
        env("OBJECTSTORECONFIG_HOST", host),
        env("OBJECTSTORECONFIG_PORT", port),
        env("OBJECTSTORECONFIG_REGION", region.clone()),
        env("OBJECTSTORECONFIG_SECURE", secure.to_string()),
        env("CACHEENABLED", s.pipelines.cache_enabled.to_string()),
    ];
    let bucket = store.bucket.clone().unwrap_or_else(|| "mlpipeline".into());
    PipelinesCtx {
        deploy_minio: !s3,
        minio_delete_patches: if s3 {
            minio_delete_patches()
        } else {
            Vec::new()
        },
        argo_artifact_repository: argo_artifact_repository(&bucket, &endpoint, &region, secure),
        ui_env: ui_env(&endpoint, &region, secure),
        launcher_providers,
        api_server_env,
        run_namespaces: run_namespaces(),
        enabled: s.pipelines.enabled,
        s3,
        bucket,
        region,
        endpoint,
        secure,
        pipeline_root,
        cache_enabled: s.pipelines.cache_enabled,
        credentials,
        store_credentials,
        replace_demo_secret: s3 && store_credentials,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{POOLS, spec};

    fn env(p: &PipelinesCtx) -> Vec<(&str, &str)> {
        p.api_server_env
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str()))
            .collect()
    }

    fn on_c1(extra: &str) -> PipelinesCtx {
        plan(&spec(&format!(
            "{POOLS}\n[[teams]]\nname = \"nlp\"\nprofile = true\n{extra}"
        )))
    }

    #[test]
    fn in_cluster_minio_by_default() {
        let p = on_c1("");
        assert_eq!(
            (p.s3, p.endpoint.as_str(), p.secure, p.bucket.as_str()),
            (false, "minio-service.kubeflow:9000", false, "mlpipeline")
        );
        assert_eq!(p.pipeline_root, "minio://mlpipeline/v2/artifacts");
        assert_eq!(
            env(&p)[..4],
            [
                ("OBJECTSTORECONFIG_HOST", "minio-service.kubeflow"),
                ("OBJECTSTORECONFIG_PORT", "9000"),
                ("OBJECTSTORECONFIG_REGION", "us-east-1"),
                ("OBJECTSTORECONFIG_SECURE", "false"),
            ]
        );
        assert_eq!(
            p.run_namespaces,
            ["kubeflow"],
            "single-user: not in Profile namespaces"
        );
        assert!(p.deploy_minio && p.minio_delete_patches.is_empty());
        assert!(!p.store_credentials && !p.replace_demo_secret);
    }

    #[test]
    fn s3_speaks_https_to_the_regional_endpoint() {
        let p = on_c1(
            r#"
[pipelines.artifact_store]
type = "s3"
bucket = "art"
region = "eu-west-1"
credentials = { secret_name = "kfp-s3", external = { store = "vault", key = "kfp" } }
"#,
        );
        assert_eq!(
            (p.endpoint.as_str(), p.secure, p.pipeline_root.as_str()),
            ("s3.eu-west-1.amazonaws.com", true, "s3://art/pipelines")
        );
        assert_eq!(env(&p)[1], ("OBJECTSTORECONFIG_PORT", "443"));
        assert!(p.store_credentials && p.replace_demo_secret);
        assert!(!p.deploy_minio && p.minio_delete_patches.len() == 3);
        assert!(p.launcher_providers.contains("secretName: kfp-s3"));
    }

    #[test]
    fn a_custom_endpoint_is_split_into_host_and_port() {
        let p = on_c1(
            r#"
[pipelines.artifact_store]
type = "s3"
bucket = "art"
endpoint = "minio.store:9000"
"#,
        );
        assert_eq!(
            env(&p)[..2],
            [
                ("OBJECTSTORECONFIG_HOST", "minio.store"),
                ("OBJECTSTORECONFIG_PORT", "9000")
            ]
        );
        assert!(!p.store_credentials);
    }

    #[test]
    fn tls_follows_the_store() {
        assert!(secure(true));
        assert!(!secure(false));
    }

    #[test]
    fn minio_is_deleted_by_kind_and_name() {
        let p = minio_delete_patches();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0]["target"]["group"], "apps");
        assert!(p[1]["target"].get("group").is_none());
        assert!(p[2]["patch"].as_str().unwrap().contains("$patch"));
    }
}

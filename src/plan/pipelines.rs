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

use serde_json::{Value, json};

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

#[cfg(test)]
mod tests {
    use super::*;

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

//! Mesh: Istio's mTLS mode, the serving Gateway's certificate, the namespaces
//! team namespaces admit, and where the ingress gateway runs.

use serde::Serialize;

use super::SecretCtx;
use crate::spec::model::{self as spec, Provider, Spec};

/// Namespace of the Istio ingress gateway (its own, apart from istiod's).
pub const INGRESS_NAMESPACE: &str = "istio-ingress";

#[derive(Clone, Debug, Serialize)]
pub struct MeshCtx {
    pub mtls: String,
    pub tls: Option<SecretCtx>,
    pub allowed_namespaces: Vec<String>,
    /// Where the ingress gateway pods run (the Istio `gateway` chart's release).
    pub ingress_namespace: String,
    /// Its Service, which Knative's external gateway routes through.
    pub ingress_service: String,
    /// The Service of Knative's cluster-local gateway, beside the gateway pods (the
    /// one net-istio ships in istio-system selects no pods there).
    pub local_gateway_service: String,
    /// Helm values of the Istio CNI chart: GKE keeps CNI binaries elsewhere.
    pub cni_values: serde_json::Value,
    /// istiod's `pilot.env`: the injector's settings mlpc decides.
    pub pilot_env: serde_json::Value,
}

/// Kubernetes' SidecarContainers feature is on by default from 1.29 (beta).
const NATIVE_SIDECARS_FROM: (u64, u64) = (1, 29);

/// istiod's environment. `ENABLE_NATIVE_SIDECARS=true` injects `istio-proxy` as
/// a native sidecar (an init container with `restartPolicy: Always`), which the
/// kubelet stops when the pod's containers end. Istio 1.27+ defaults to `auto`,
/// which does so only when every node runs a kubelet of 1.33 or later: on a
/// 1.29–1.32 cluster the proxy stays a plain container that never exits, so a
/// TrainJob's or batch Job's pods never complete, the JobSet never finishes and
/// Kueue never gives the team's quota back.
fn pilot_env(s: &Spec) -> serde_json::Value {
    if super::cluster::k8s_version(s).line() >= NATIVE_SIDECARS_FROM {
        serde_json::json!({"ENABLE_NATIVE_SIDECARS": "true"})
    } else {
        serde_json::json!({})
    }
}

pub fn plan(s: &Spec, c: &spec::Cluster) -> MeshCtx {
    MeshCtx {
        mtls: match s.mesh.mtls {
            spec::MtlsMode::Strict => "STRICT".into(),
            spec::MtlsMode::Permissive => "PERMISSIVE".into(),
        },
        tls: s.mesh.tls.as_ref().map(SecretCtx::from),
        allowed_namespaces: s.mesh.allowed_namespaces.clone(),
        ingress_namespace: INGRESS_NAMESPACE.into(),
        ingress_service: format!("istio-ingressgateway.{INGRESS_NAMESPACE}.svc.cluster.local"),
        local_gateway_service: format!(
            "knative-local-gateway.{INGRESS_NAMESPACE}.svc.cluster.local"
        ),
        cni_values: if c.provider == Provider::Gke {
            serde_json::json!({"cni": {"cniBinDir": "/home/kubernetes/bin"}})
        } else {
            serde_json::json!({})
        },
        pilot_env: pilot_env(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{cluster, spec};

    #[test]
    fn mtls_gateway_services_and_cni_values() {
        let s = spec("[mesh]\nmtls = \"PERMISSIVE\"\n");
        let aws = plan(&s, cluster(&s, "c1"));
        assert_eq!(aws.mtls, "PERMISSIVE");
        assert_eq!(
            aws.ingress_service,
            "istio-ingressgateway.istio-ingress.svc.cluster.local"
        );
        assert_eq!(aws.cni_values, serde_json::json!({}));
        let gke = plan(&s, cluster(&s, "c2"));
        assert_eq!(
            gke.cni_values,
            serde_json::json!({"cni": {"cniBinDir": "/home/kubernetes/bin"}})
        );
    }

    #[test]
    fn sidecars_are_native_from_kubernetes_1_29() {
        let env = |v: &str| {
            let mut s = spec("");
            s.platform.kubernetes_version = v.into();
            plan(&s, cluster(&s, "c1")).pilot_env
        };
        let native = serde_json::json!({"ENABLE_NATIVE_SIDECARS": "true"});
        assert_eq!(
            env("v1.31.2"),
            native,
            "Istio's `auto` would not, below 1.33"
        );
        assert_eq!(env("v1.29.0"), native);
        assert_eq!(env("v1.34.1"), native);
        assert_eq!(env("v1.28.5"), serde_json::json!({}));
    }
}

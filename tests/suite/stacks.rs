//! Stacks that work together once synced (issue 16, first part), through the
//! real binary: each test pins a defect of the first version that a schema
//! check could not see.

use std::path::Path;

use crate::support::*;
use crate::support::{compile_objects as compile, find_object as find};
use serde_json::Value;

fn env_value(app: &Value, name: &str) -> String {
    // The KFP Application patches the API server's environment.
    let patches = app["spec"]["source"]["kustomize"]["patches"]
        .as_array()
        .unwrap();
    for p in patches {
        let patch: Value = serde_saphyr::from_str(p["patch"].as_str().unwrap()).unwrap();
        if let Some(envs) = patch
            .pointer("/spec/template/spec/containers/0/env")
            .and_then(Value::as_array)
        {
            for e in envs {
                if e["name"] == name {
                    return e["value"].as_str().unwrap().to_string();
                }
            }
        }
    }
    panic!("no env {name}");
}

/// The in-cluster MinIO serves plain HTTP: KFP must not be told to use TLS.
#[test]
fn in_cluster_artifact_store_is_not_tls() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text.find("[pipelines.artifact_store]").unwrap();
    let end = text[start..].find("\n\n").unwrap() + start;
    let mut text = text.replace(
        &text[start..end],
        "[pipelines.artifact_store]\ntype = \"incluster\"",
    );
    text = text.replace("pipeline_root = \"s3://acme-ml-artifacts/pipelines\"\n", "");
    std::fs::write(&spec, text).unwrap();
    let objs = compile(dir.path());
    let kfp = find(&objs, "argocd/stg-use1", "Application", "stg-use1-kfp");
    assert_eq!(env_value(kfp, "OBJECTSTORECONFIG_SECURE"), "false");
    // S3 stays on TLS.
    let objs = compile(example_copy().path());
    let kfp = find(&objs, "argocd/stg-use1", "Application", "stg-use1-kfp");
    assert_eq!(env_value(kfp, "OBJECTSTORECONFIG_SECURE"), "true");
}

#[test]
fn team_namespaces_get_katib_metrics_collection() {
    let objs = compile(example_copy().path());
    let ns = find(&objs, "clusters/prod-usw2", "Namespace", "vision");
    assert_eq!(
        ns["metadata"]["labels"]["katib.kubeflow.org/metrics-collector-injection"],
        "enabled"
    );
}

#[test]
fn knative_serving_has_its_namespace_in_the_mesh_and_accepts_gpu_placement() {
    let objs = compile(example_copy().path());
    let ns = find(&objs, "clusters/prod-usw2", "Namespace", "knative-serving");
    assert_eq!(ns["metadata"]["labels"]["istio-injection"], "enabled");
    let ks = find(
        &objs,
        "clusters/prod-usw2",
        "KnativeServing",
        "knative-serving",
    );
    let features = &ks["spec"]["config"]["features"];
    for f in [
        "kubernetes.podspec-nodeselector",
        "kubernetes.podspec-tolerations",
        "kubernetes.podspec-affinity",
    ] {
        assert_eq!(features[f], "enabled", "{f}");
    }
    // The Knative-mode model really uses what the features allow (its stable
    // version, next to its canary).
    let isvc = find(
        &objs,
        "clusters/prod-usw2",
        "InferenceService",
        "image-classifier-stable",
    );
    assert!(!isvc["spec"]["predictor"]["tolerations"].is_null());
}

#[test]
fn only_kfp_owns_the_kubeflow_namespace() {
    let objs = compile(example_copy().path());
    let katib = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-katib");
    let patches = katib["spec"]["source"]["kustomize"]["patches"]
        .as_array()
        .unwrap();
    assert!(
        patches.iter().any(|p| p["target"]["kind"] == "Namespace"
            && p["patch"].as_str().unwrap().contains("\"$patch\": delete")),
        "{patches:?}"
    );
}

/// Team namespaces enforce Pod Security `baseline`, which rejects the
/// NET_ADMIN `istio-init` container: Istio CNI must do the redirection.
#[test]
fn sidecars_need_no_net_admin_under_pod_security_baseline() {
    let objs = compile(example_copy().path());
    let cni = find(
        &objs,
        "argocd/prod-usw2",
        "Application",
        "prod-usw2-istio-cni",
    );
    assert_eq!(cni["spec"]["source"]["chart"], "cni");
    let istiod = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-istiod");
    assert_eq!(
        istiod["spec"]["source"]["helm"]["valuesObject"]["pilot"]["cni"]["enabled"],
        true
    );
    let cilium = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-cilium");
    assert_eq!(
        cilium["spec"]["source"]["helm"]["valuesObject"]["cni"]["exclusive"],
        false
    );
}

/// Batch pods in a meshed namespace must be able to end: the Istio proxy is a
/// native sidecar (the kubelet stops it with the pod's containers). Istio 1.28's
/// own default (`auto`) does so only when every kubelet is 1.33 or later, so on
/// a 1.31 cluster a TrainJob's pods would run forever and hold the team's quota.
#[test]
fn batch_pods_can_complete_next_to_the_istio_proxy() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert!(text.contains("kubernetes_version = \"v1.34.1\""));
    std::fs::write(
        &spec,
        text.replace(
            "kubernetes_version = \"v1.34.1\"",
            "kubernetes_version = \"v1.31.6\"",
        ),
    )
    .unwrap();
    let objs = compile(dir.path());
    for cluster in ["prod-usw2", "stg-use1"] {
        let istiod = find(
            &objs,
            &format!("argocd/{cluster}"),
            "Application",
            &format!("{cluster}-istiod"),
        );
        assert_eq!(
            istiod["spec"]["source"]["helm"]["valuesObject"]["pilot"]["env"]["ENABLE_NATIVE_SIDECARS"],
            "true",
            "{cluster}"
        );
    }
}

/// Knative-mode traffic inside the cluster goes through the local gateway:
/// its Service must select the gateway pods where they run (istio-ingress),
/// and KServe must be pointed at it with the chart keys of the pinned version.
#[test]
fn knative_local_gateway_reaches_the_gateway_pods() {
    let objs = compile(example_copy().path());
    let svc = find(
        &objs,
        "clusters/prod-usw2",
        "Service",
        "knative-local-gateway",
    );
    assert_eq!(svc["metadata"]["namespace"], "istio-ingress");
    assert_eq!(svc["spec"]["selector"]["istio"], "ingressgateway");
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 8081);
    let ks = find(
        &objs,
        "clusters/prod-usw2",
        "KnativeServing",
        "knative-serving",
    );
    assert_eq!(
        ks["spec"]["config"]["istio"]["local-gateway.knative-serving.knative-local-gateway"],
        "knative-local-gateway.istio-ingress.svc.cluster.local"
    );
    let kserve = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-kserve");
    let gw = &kserve["spec"]["source"]["helm"]["valuesObject"]["kserve"]["controller"]["gateway"];
    assert_eq!(
        gw["localGateway"]["gatewayService"],
        "knative-local-gateway.istio-ingress.svc.cluster.local"
    );
    // v0.16's chart has no ingressGateway.gatewayService: only these keys.
    let keys: Vec<&String> = gw["ingressGateway"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["className", "gateway"]);
}

/// Standard-mode models are exposed by Ingresses of class `istio`.
#[test]
fn standard_mode_ingresses_have_their_class() {
    let objs = compile(example_copy().path());
    let class = find(&objs, "clusters/prod-usw2", "IngressClass", "istio");
    assert_eq!(class["spec"]["controller"], "istio.io/ingress-controller");
    let istiod = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-istiod");
    let mesh = &istiod["spec"]["source"]["helm"]["valuesObject"]["meshConfig"];
    assert_eq!(mesh["ingressClass"], "istio");
    assert_eq!(mesh["ingressSelector"], "ingressgateway");
}

/// Members are bound to `edit`: the platform's kinds must aggregate into it.
#[test]
fn team_members_may_use_the_platform_kinds() {
    let objs = compile(example_copy().path());
    let role = find(&objs, "clusters/prod-usw2", "ClusterRole", "mlpc-ml-edit");
    assert_eq!(
        role["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-edit"],
        "true"
    );
    let rules = role["rules"].as_array().unwrap();
    for (group, resource) in [
        ("trainer.kubeflow.org", "trainjobs"),
        ("kubeflow.org", "experiments"),
        ("serving.kserve.io", "inferenceservices"),
    ] {
        assert!(
            rules.iter().any(|r| r["apiGroups"][0] == group
                && r["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == resource)
                && r["verbs"].as_array().unwrap().iter().any(|v| v == "create")),
            "{group}/{resource}: {rules:?}"
        );
    }
    let members = find(&objs, "clusters/prod-usw2", "RoleBinding", "vision-members");
    assert_eq!(members["roleRef"]["name"], "edit");
}

/// What Kueue admits, the namespace's ResourceQuota must accept: GPUs up to
/// nominal plus borrowing (within the pools), CPU and memory never borrowed
/// beyond the team's quota.
#[test]
fn kueue_never_admits_what_the_resource_quota_rejects() {
    let objs = compile(example_copy().path());
    for team in ["vision", "nlp", "recsys"] {
        let cq = find(&objs, "clusters/prod-usw2", "ClusterQueue", team);
        let rq = find(
            &objs,
            "clusters/prod-usw2",
            "ResourceQuota",
            &format!("{team}-quota"),
        );
        let groups = cq["spec"]["resourceGroups"].as_array().unwrap();
        let cpu_group = &groups[0]["flavors"][0]["resources"];
        assert_eq!(cpu_group[0]["borrowingLimit"], "0", "{team} cpu");
        assert_eq!(cpu_group[1]["borrowingLimit"], "0", "{team} memory");
        let admitted: u64 = groups
            .get(1)
            .map(|g| {
                g["flavors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        let r = &f["resources"][0];
                        r["nominalQuota"].as_u64().unwrap()
                            + r["borrowingLimit"].as_u64().unwrap_or(0)
                    })
                    .sum()
            })
            .unwrap_or(0);
        let hard: u64 = rq["spec"]["hard"]["requests.nvidia.com/gpu"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            hard >= admitted,
            "{team}: quota {hard} < Kueue can admit {admitted}"
        );
    }
}

/// Kubernetes quantity in base units (cores, bytes).
fn quantity(v: &Value) -> f64 {
    let s = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string());
    for (suffix, factor) in [
        ("Ti", 1024f64.powi(4)),
        ("Gi", 1024f64.powi(3)),
        ("Mi", 1024f64.powi(2)),
        ("Ki", 1024.0),
        ("m", 0.001),
    ] {
        if let Some(n) = s.strip_suffix(suffix) {
            return n.parse::<f64>().unwrap() * factor;
        }
    }
    s.parse().unwrap()
}

/// A team's batch work and its models share its namespace's ResourceQuota:
/// everything Kueue may admit (by the pod templates' requests, before the
/// Istio proxy is injected) plus every model replica at max_replicas with its
/// sidecars, every canary router and Katib suggestion, must fit in it together.
/// Before, the quota was the team's quota alone, with limits too: Kueue
/// admitted Jobs that the quota then refused whenever a model had scaled up.
#[test]
fn kueue_and_models_at_their_most_fit_the_resource_quota_together() {
    let objs = compile(example_copy().path());
    let in_team = |o: &&Value, team: &str| {
        o["metadata"]["namespace"] == team
            && o["_path"].as_str().unwrap().contains("clusters/prod-usw2/")
    };
    for team in ["vision", "nlp", "recsys"] {
        let rq = find(
            &objs,
            "clusters/prod-usw2",
            "ResourceQuota",
            &format!("{team}-quota"),
        );
        let hard = &rq["spec"]["hard"];
        assert!(
            hard.get("limits.cpu").is_none() && hard.get("limits.memory").is_none(),
            "{team}: Kueue admits by requests; a limits quota refuses what it admits: {hard}"
        );
        let cq = find(&objs, "clusters/prod-usw2", "ClusterQueue", team);
        let groups = cq["spec"]["resourceGroups"].as_array().unwrap();
        let cpu_mem = &groups[0]["flavors"][0]["resources"];
        // (cpu, memory, gpus): what Kueue may admit, CPU and memory not borrowed.
        let mut need = (
            quantity(&cpu_mem[0]["nominalQuota"]),
            quantity(&cpu_mem[1]["nominalQuota"]),
            groups.get(1).map_or(0.0, |g| {
                g["flavors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        let r = &f["resources"][0];
                        quantity(&r["nominalQuota"]) + r.get("borrowingLimit").map_or(0.0, quantity)
                    })
                    .sum()
            }),
        );
        let pods = quantity(&hard["pods"]);
        // The Istio proxy (the istiod chart's requests) of every pod.
        need.0 += pods * 0.1;
        need.1 += pods * 128.0 * 1024f64.powi(2);
        let limit_range = find(
            &objs,
            "clusters/prod-usw2",
            "LimitRange",
            &format!("{team}-defaults"),
        );
        let default_memory =
            quantity(&limit_range["spec"]["limits"][0]["defaultRequest"]["memory"]);
        for isvc in objs
            .iter()
            .filter(|o| o["kind"] == "InferenceService" && in_team(o, team))
        {
            let p = &isvc["spec"]["predictor"];
            let knative =
                isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Knative";
            let req = &p["model"]["resources"]["requests"];
            let replicas = p["maxReplicas"].as_f64().unwrap();
            // Its proxy is counted above; Knative's queue-proxy asks 25m and
            // the LimitRange's default memory.
            let (qp_cpu, qp_mem) = if knative {
                (0.025, default_memory)
            } else {
                (0.0, 0.0)
            };
            need.0 += replicas * (quantity(&req["cpu"]) + qp_cpu);
            need.1 += replicas * (quantity(&req["memory"]) + qp_mem);
            need.2 += replicas * req.get("nvidia.com/gpu").map_or(0.0, quantity);
        }
        for graph in objs
            .iter()
            .filter(|o| o["kind"] == "InferenceGraph" && in_team(o, team))
        {
            let replicas = graph["spec"]["maxReplicas"].as_f64().unwrap();
            let req = &graph["spec"]["resources"]["requests"];
            need.0 += replicas * (quantity(&req["cpu"]) + 0.025);
            need.1 += replicas * (quantity(&req["memory"]) + default_memory);
        }
        let experiments = objs
            .iter()
            .filter(|o| o["kind"] == "Experiment" && in_team(o, team))
            .count() as f64;
        need.0 += experiments * 0.05;
        need.1 += experiments * 10.0 * 1024f64.powi(2);
        let have = (
            quantity(&hard["requests.cpu"]),
            quantity(&hard["requests.memory"]),
            quantity(&hard["requests.nvidia.com/gpu"]),
        );
        assert!(
            need.0 <= have.0 + 1e-6 && need.1 <= have.1 + 1.0 && need.2 <= have.2,
            "{team}: Kueue's share and the models at their most need {need:?}, the quota holds {have:?}"
        );
    }
}

/// Every ExternalSecret reads a ClusterSecretStore that the compile creates,
/// through an External Secrets install the compile declares.
#[test]
fn secrets_have_a_store_and_an_operator() {
    let objs = compile(example_copy().path());
    let eso = find(
        &objs,
        "argocd/prod-usw2",
        "Application",
        "prod-usw2-external-secrets",
    );
    assert_eq!(eso["spec"]["source"]["chart"], "external-secrets");
    let store = find(
        &objs,
        "clusters/prod-usw2",
        "ClusterSecretStore",
        "aws-secrets-manager",
    );
    assert_eq!(store["spec"]["provider"]["aws"]["region"], "us-east-1");
    for es in objs.iter().filter(|o| {
        o["kind"] == "ExternalSecret"
            && o["_path"]
                .as_str()
                .unwrap()
                .starts_with("clusters/prod-usw2")
    }) {
        assert_eq!(
            es["spec"]["secretStoreRef"]["name"], "aws-secrets-manager",
            "{}",
            es["metadata"]["name"]
        );
    }
    // The serving Gateway's certificate is produced, beside the gateway.
    let tls = find(
        &objs,
        "clusters/prod-usw2",
        "ExternalSecret",
        "ml-acme-example-tls",
    );
    assert_eq!(tls["metadata"]["namespace"], "istio-ingress");
    assert_eq!(
        tls["spec"]["target"]["template"]["type"],
        "kubernetes.io/tls"
    );
}

#[test]
fn undeclared_stores_and_unproduced_tls_are_errors() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text.find("[[secret_stores]]").unwrap();
    let mut text = text[..start].to_string();
    text = text.replace(
        ", external = { store = \"aws-secrets-manager\", key = \"ml-platform/ingress-tls\" }",
        "",
    );
    std::fs::write(&spec, text).unwrap();
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let found: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        found.contains(&(
            "E181".into(),
            "pipelines.artifact_store.credentials.external.store".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&("E184".into(), "mesh.tls".into())),
        "{found:?}"
    );
    assert_eq!(o.status.code(), Some(1));
}

/// The KFP Application's kustomize patches, parsed: (target, patch).
fn kfp_patches(objs: &[Value], cluster: &str) -> Vec<(Value, Value)> {
    let kfp = find(
        objs,
        &format!("argocd/{cluster}"),
        "Application",
        &format!("{cluster}-kfp"),
    );
    kfp["spec"]["source"]["kustomize"]["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["target"].clone(),
                serde_saphyr::from_str(p["patch"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}

fn deletes(patches: &[(Value, Value)], kind: &str, name: &str) -> bool {
    patches
        .iter()
        .any(|(t, p)| t["kind"] == kind && t["name"] == name && p["$patch"] == "delete")
}

fn with_store(dir: &Path, store: &str) {
    let spec = dir.join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text.find("[pipelines.artifact_store]").unwrap();
    let end = text[start..].find("\n\n").unwrap() + start;
    let text = text
        .replace(&text[start..end], store)
        .replace("pipeline_root = \"s3://acme-ml-artifacts/pipelines\"\n", "");
    std::fs::write(&spec, text).unwrap();
}

/// With S3, KFP 2.14 gets no MinIO: its Deployment, Service and volume are
/// deleted from the upstream install, and everything that read MinIO reads
/// the bucket with the ExternalSecret's credentials: Argo's log archive
/// (workflow-controller-configmap) and the UI's s3:// reader.
#[test]
fn s3_store_deploys_no_minio_and_wires_kfp_to_the_bucket() {
    let objs = compile(example_copy().path());
    let patches = kfp_patches(&objs, "stg-use1");
    for (kind, name) in [
        ("Deployment", "minio"),
        ("Service", "minio-service"),
        ("PersistentVolumeClaim", "minio-pvc"),
        ("Secret", "mlpipeline-minio-artifact"),
    ] {
        assert!(
            deletes(&patches, kind, name),
            "{kind} {name} still deployed"
        );
    }
    let argo = patches
        .iter()
        .find(|(t, _)| t["name"] == "workflow-controller-configmap")
        .map(|(_, p)| p)
        .expect("Argo's artifact repository");
    let repo: Value =
        serde_saphyr::from_str(argo["data"]["artifactRepository"].as_str().unwrap()).unwrap();
    assert_eq!(repo["s3"]["endpoint"], "s3.us-east-1.amazonaws.com");
    assert_eq!(repo["s3"]["bucket"], "acme-ml-artifacts");
    assert_eq!(repo["s3"]["insecure"], false);
    assert_eq!(
        repo["s3"]["accessKeySecret"]["name"],
        "mlpipeline-minio-artifact"
    );
    let ui = patches
        .iter()
        .find(|(t, _)| t["name"] == "ml-pipeline-ui")
        .map(|(_, p)| p)
        .expect("the UI's S3 settings");
    let env = ui["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap();
    let key = |n: &str| {
        env.iter()
            .find(|e| e["name"] == n)
            .unwrap_or_else(|| panic!("no {n}"))
            .clone()
    };
    assert_eq!(
        key("AWS_ACCESS_KEY_ID")["valueFrom"]["secretKeyRef"]["name"],
        "mlpipeline-minio-artifact"
    );
    assert_eq!(
        key("AWS_S3_ENDPOINT")["value"],
        "s3.us-east-1.amazonaws.com"
    );
    // The Secret they all read is produced, with the keys they read.
    let es = find(
        &objs,
        "stg-use1/02-pipelines",
        "ExternalSecret",
        "mlpipeline-minio-artifact",
    );
    assert_eq!(es["metadata"]["namespace"], "kubeflow");
    assert_eq!(es["spec"]["target"]["name"], "mlpipeline-minio-artifact");
    let keys: Vec<&str> = es["spec"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["secretKey"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["accesskey", "secretkey"]);

    // The in-cluster store keeps MinIO and its Argo configuration.
    let dir = example_copy();
    with_store(
        dir.path(),
        "[pipelines.artifact_store]\ntype = \"incluster\"",
    );
    let patches = kfp_patches(&compile(dir.path()), "stg-use1");
    assert!(!deletes(&patches, "Deployment", "minio"));
    assert!(
        !patches
            .iter()
            .any(|(t, _)| t["name"] == "workflow-controller-configmap")
    );
}

/// KFP is single-user (its multi-user env needs an authenticating proxy and
/// Kubeflow's own gateway, which the platform does not install): the install
/// is the single-user env, and nothing configures pipeline runs in the teams'
/// Profile namespaces, where nothing would run them.
#[test]
fn kfp_is_single_user_and_configures_no_profile_namespace() {
    let objs = compile(example_copy().path());
    let kfp = find(&objs, "argocd/prod-usw2", "Application", "prod-usw2-kfp");
    assert_eq!(
        kfp["spec"]["source"]["path"],
        "manifests/kustomize/env/platform-agnostic"
    );
    for o in &objs {
        let path = o["_path"].as_str().unwrap();
        if !path.contains("/02-pipelines/") {
            continue;
        }
        assert_eq!(
            o["metadata"]["namespace"], "kubeflow",
            "{path}: pipelines objects outside KFP's namespace"
        );
    }
}

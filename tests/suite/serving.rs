//! Serving that works once synced (issue 16, serving part two), through the
//! real binary: a canary that splits traffic from Git alone in both deployment
//! modes, storage identities per provider with no wider egress than they need,
//! gated Hugging Face models and model server settings.

use crate::support::*;
use crate::support::{
    append_spec as append, compile_objects as compile, edit_spec as edit, find_object as find,
    objects_of as all, validate_findings as findings,
};
use serde_json::Value;

/// The example's canary (Knative mode): both versions are in Git, and the
/// split is an InferenceGraph's, not `canaryTrafficPercent`, which a fresh
/// cluster (no previously rolled-out revision) turns into 100% canary.
#[test]
fn a_canary_splits_stable_and_new_versions_from_git_alone() {
    let objs = compile(example_copy().path());
    for isvc in all(&objs, "clusters/prod-usw2", "InferenceService") {
        assert!(
            isvc["spec"]["predictor"]["canaryTrafficPercent"].is_null(),
            "{isvc}"
        );
    }
    let stable = find(
        &objs,
        "clusters/prod-usw2",
        "InferenceService",
        "image-classifier-stable",
    );
    let canary = find(
        &objs,
        "clusters/prod-usw2",
        "InferenceService",
        "image-classifier-canary",
    );
    assert_eq!(
        stable["spec"]["predictor"]["model"]["storageUri"],
        "s3://acme-ml-models/vision/image-classifier/v7"
    );
    assert_eq!(
        canary["spec"]["predictor"]["model"]["storageUri"],
        "s3://acme-ml-models/vision/image-classifier/v8"
    );
    let graph = find(
        &objs,
        "clusters/prod-usw2",
        "InferenceGraph",
        "image-classifier",
    );
    assert_eq!(graph["apiVersion"], "serving.kserve.io/v1alpha1");
    assert_eq!(
        graph["metadata"]["annotations"]["serving.kserve.io/deploymentMode"],
        "Knative"
    );
    let root = &graph["spec"]["nodes"]["root"];
    assert_eq!(root["routerType"], "Splitter");
    let steps: Vec<(String, i64)> = root["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["serviceName"].as_str().unwrap().to_string(),
                s["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("image-classifier-stable".to_string(), 90),
            ("image-classifier-canary".to_string(), 10)
        ]
    );
    // The graph (a Knative Service) answers on the host KServe gives models.
    let ks = find(
        &objs,
        "clusters/prod-usw2",
        "KnativeServing",
        "knative-serving",
    );
    assert_eq!(
        ks["spec"]["config"]["network"]["domain-template"],
        "{{.Name}}-{{.Namespace}}.{{.Domain}}"
    );
}

/// The standard mode splits too (it used to be refused, E108): the graph is a
/// Deployment + Service, so mlpc routes the model's host to it.
#[test]
fn a_canary_in_the_standard_mode_is_split_and_routed() {
    let dir = example_copy();
    edit(
        dir.path(),
        "deployment_mode = \"knative\"\nmin_replicas = 1\nmax_replicas = 6\nscale_metric = \"concurrency\"\nscale_target = 8",
        "deployment_mode = \"standard\"\nmin_replicas = 1\nmax_replicas = 6\nscale_metric = \"cpu\"\nscale_target = 70",
    );
    let objs = compile(dir.path());
    let graph = find(
        &objs,
        "clusters/stg-use1",
        "InferenceGraph",
        "image-classifier",
    );
    assert_eq!(
        graph["metadata"]["annotations"]["serving.kserve.io/deploymentMode"],
        "Standard"
    );
    assert_eq!(graph["spec"]["nodes"]["root"]["steps"][1]["weight"], 10);
    let ing = find(&objs, "clusters/stg-use1", "Ingress", "image-classifier");
    assert_eq!(ing["spec"]["ingressClassName"], "istio");
    let rule = &ing["spec"]["rules"][0];
    assert_eq!(rule["host"], "image-classifier-vision.ml.acme.example");
    let backend = &rule["http"]["paths"][0]["backend"]["service"];
    assert_eq!(backend["name"], "image-classifier");
    assert_eq!(backend["port"]["number"], 80);
}

/// The graph calls each version's v1/v2 predict endpoint: a runtime that
/// speaks neither cannot be split (E200); a canary of the same URI is a
/// mistake (E202); generative endpoints are not split (W201).
#[test]
fn a_canary_is_accepted_only_where_the_graph_can_split_it() {
    let dir = example_copy();
    edit(
        dir.path(),
        "canary = { percent = 10, storage_uri = \"s3://acme-ml-models/vision/image-classifier/v8\" }",
        "canary = { percent = 10, storage_uri = \"s3://acme-ml-models/vision/image-classifier/v7\" }",
    );
    edit(
        dir.path(),
        "runtime = \"kserve-torchserve\"",
        "runtime = \"grpc-only\"",
    );
    edit(
        dir.path(),
        "storage_uri = \"hf://meta-llama/Llama-3.1-8B-Instruct\"",
        "storage_uri = \"hf://meta-llama/Llama-3.1-8B-Instruct\"\ncanary = { percent = 5, storage_uri = \"hf://meta-llama/Llama-3.2-3B-Instruct\" }",
    );
    append(
        dir.path(),
        "\n[[serving.runtimes]]\nname = \"grpc-only\"\nmodel_formats = [\"pytorch\"]\nimage = \"kserve/custom:1.0.0\"\nprotocols = [\"grpc-v2\"]\n",
    );
    let f = findings(dir.path());
    let codes: Vec<&str> = f.iter().map(|(c, _)| c.as_str()).collect();
    assert!(codes.contains(&"E200"), "{f:?}");
    assert!(codes.contains(&"E202"), "{f:?}");
    assert!(codes.contains(&"W201"), "{f:?}");
}

/// A private bucket with nothing that authenticates the storage initializer
/// on the cluster's provider is an error, naming the clusters and the ways
/// that work there; an identity where no workload identity runs (self-managed
/// AWS) is no way at all.
#[test]
fn a_private_bucket_without_a_storage_path_is_an_error() {
    let dir = example_copy();
    edit(
        dir.path(),
        "storage = { node_identity = true }",
        "storage = { identity = \"arn:aws:iam::123456789012:role/recsys-models\" }",
    );
    let f = findings(dir.path());
    let e203: Vec<&String> = f
        .iter()
        .filter(|(c, _)| c == "E203")
        .map(|(_, m)| m)
        .collect();
    // One finding per environment's view, each naming its cluster.
    assert_eq!(e203.len(), 2, "{f:?}");
    assert!(e203.iter().all(|m| m.contains("recs-ranker")), "{e203:?}");
    for c in ["prod-usw2", "stg-use1"] {
        assert!(e203.iter().any(|m| m.contains(c)), "{c}: {e203:?}");
    }
    // The example as shipped has a path for every private bucket.
    assert!(findings(example_copy().path()).is_empty());
}

/// Node identity opens exactly the metadata endpoint, for exactly the
/// model's pods.
#[test]
fn node_identity_opens_only_the_metadata_endpoint_for_the_model() {
    let objs = compile(example_copy().path());
    let np = find(
        &objs,
        "clusters/prod-usw2",
        "NetworkPolicy",
        "recs-ranker-storage-identity",
    );
    assert_eq!(np["metadata"]["namespace"], "recsys");
    assert_eq!(
        np["spec"]["podSelector"]["matchExpressions"][0],
        serde_json::json!({"key": "serving.kserve.io/inferenceservice", "operator": "In", "values": ["recs-ranker"]})
    );
    assert_eq!(np["spec"]["policyTypes"], serde_json::json!(["Egress"]));
    assert_eq!(
        np["spec"]["egress"],
        serde_json::json!([{"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"port": 80, "protocol": "TCP"}]}])
    );
    // Models with keys or no cloud bucket get no such opening (the teams'
    // workload pods get their own, `mlpc-workloads-storage-identity`).
    assert_eq!(
        all(&objs, "clusters/prod-usw2", "NetworkPolicy")
            .iter()
            .filter(|p| {
                let name = p["metadata"]["name"].as_str().unwrap();
                name.ends_with("-storage-identity") && !name.starts_with("mlpc-workloads")
            })
            .count(),
        1
    );
}

/// The example's ranker reads S3 with the AWS node's instance profile from a
/// pod: every self-managed AWS pool's machines answer IMDSv2 one hop past the
/// node (CAPA's default, hop limit 1, stops the token at the node).
#[test]
fn aws_pools_answer_the_metadata_token_to_pods() {
    let objs = compile(example_copy().path());
    let templates: Vec<&Value> = objs
        .iter()
        .filter(|o| {
            o["kind"] == "AWSMachineTemplate"
                && o["_path"].as_str().unwrap().starts_with("management/")
                && !o["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| template_base(n).ends_with("-control-plane"))
        })
        .collect();
    // Four pools on prod, three on staging.
    assert_eq!(templates.len(), 7, "{templates:#?}");
    for t in templates {
        assert_eq!(
            t["spec"]["template"]["spec"]["instanceMetadataOptions"],
            serde_json::json!({"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2}),
            "{}",
            t["metadata"]["name"]
        );
    }
}

/// Node identity on the managed providers: EKS node groups on Amazon Linux
/// 2023 stop the IMDSv2 token at the node (E215; on 1.32 a model pinned to
/// the AL2 GPU pool is fine), and GKE with Workload Identity on answers the
/// pods for their service account, not the node (E216). Self-managed AWS and
/// GCP, and GKE without Workload Identity, are fine.
#[test]
fn node_identity_is_refused_where_pods_cannot_reach_it() {
    let dir = providers_spec();
    let models = |extra: &str| {
        format!(
            r#"
[[serving.models]]
name = "on-eks"
team = "ml"
clusters = ["eks-1"]
format = "sklearn"
storage_uri = "s3://prov-models/a"
storage = {{ node_identity = true }}
{extra}
[[serving.models]]
name = "on-gke"
team = "ml"
clusters = ["gke-1"]
format = "sklearn"
storage_uri = "gs://prov-models/a"
storage = {{ node_identity = true }}

[[serving.models]]
name = "on-aws"
team = "ml"
clusters = ["aws-1"]
format = "sklearn"
storage_uri = "s3://prov-models/b"
storage = {{ node_identity = true }}

[[serving.models]]
name = "on-gcp"
team = "ml"
clusters = ["gcp-1"]
format = "sklearn"
storage_uri = "gs://prov-models/b"
storage = {{ node_identity = true }}
"#
        )
    };
    let codes = |f: &[(String, String)]| {
        let mut c: Vec<String> = f
            .iter()
            .filter(|(c, _)| c.starts_with("E2"))
            .map(|(c, m)| format!("{c} {}", m.split(':').next().unwrap()))
            .collect();
        c.sort();
        c
    };
    let spec = dir.path().join("ml-platform.toml");
    let base = std::fs::read_to_string(&spec).unwrap();
    append(dir.path(), &models(""));
    let f = findings(dir.path());
    assert_eq!(
        codes(&f),
        vec!["E215 model \"on-eks\"".to_string()],
        "{f:?}"
    );
    let e215 = &f.iter().find(|(c, _)| c == "E215").unwrap().1;
    assert!(
        e215.contains("eks-1") && e215.contains("hop limit of 1"),
        "{e215}"
    );
    // On 1.32 the GPU node groups are AL2 (hop limit 2): a model pinned there
    // is fine, one that may land on the AL2023 CPU pool is not.
    std::fs::write(&spec, base.replace("v1.34.1", "v1.32.9")).unwrap();
    append(dir.path(), &models("node_pool = \"gpu-a100\"\ngpus = 1\n"));
    assert!(codes(&findings(dir.path())).is_empty());
    std::fs::write(&spec, base.replace("v1.34.1", "v1.32.9")).unwrap();
    append(dir.path(), &models(""));
    assert_eq!(
        codes(&findings(dir.path())),
        vec!["E215 model \"on-eks\"".to_string()]
    );
    std::fs::write(&spec, &base).unwrap();
    append(dir.path(), &models(""));

    // With Workload Identity on the GKE cluster (another model's identity),
    // node identity there is refused too.
    append(
        dir.path(),
        r#"
[[serving.models]]
name = "with-wi"
team = "ml"
clusters = ["gke-1"]
format = "sklearn"
storage_uri = "gs://prov-models/c"
service_account = "gke-models"
storage = { identity = "models@prov-ml-prod.iam.gserviceaccount.com" }
"#,
    );
    let f = findings(dir.path());
    let e216: Vec<&String> = f
        .iter()
        .filter(|(c, _)| c == "E216")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(e216.len(), 1, "{f:?}");
    assert!(
        e216[0].contains("on-gke") && e216[0].contains("gke-1"),
        "{e216:?}"
    );
}

/// S3 keys: an ExternalSecret from the declared store fills a Secret with
/// KServe's S3 annotations; the model's service account lists it, which is
/// where KServe's storage initializer looks.
#[test]
fn s3_keys_reach_the_storage_initializer_through_the_service_account() {
    let objs = compile(example_copy().path());
    let sa = find(
        &objs,
        "clusters/prod-usw2",
        "ServiceAccount",
        "vision-models",
    );
    assert_eq!(
        sa["secrets"],
        serde_json::json!([{"name": "vision-models-s3"}])
    );
    let es = find(
        &objs,
        "clusters/prod-usw2",
        "ExternalSecret",
        "vision-models-s3",
    );
    assert_eq!(es["metadata"]["namespace"], "vision");
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "aws-secrets-manager");
    assert_eq!(
        es["spec"]["target"]["template"]["metadata"]["annotations"]["serving.kserve.io/s3-region"],
        "us-east-1"
    );
    assert_eq!(
        es["spec"]["dataFrom"][0]["extract"]["key"],
        "ml-platform/vision-models-s3"
    );
}

/// Workload identity per managed provider: the service-account annotation
/// of the provider, what the control plane needs to honour it, the pod label
/// Azure's webhook wants, and the GKE metadata server's egress.
#[test]
fn workload_identity_follows_each_managed_provider() {
    let dir = providers_spec();
    append(
        dir.path(),
        r#"
[[serving.models]]
name = "on-eks"
team = "ml"
clusters = ["eks-1"]
format = "sklearn"
storage_uri = "s3://prov-models/a"
service_account = "eks-models"
storage = { identity = "arn:aws:iam::123456789012:role/models", region = "us-west-2" }

[[serving.models]]
name = "on-gke"
team = "ml"
clusters = ["gke-1"]
format = "sklearn"
storage_uri = "gs://prov-models/a"
service_account = "gke-models"
storage = { identity = "models@prov-ml-prod.iam.gserviceaccount.com" }

[[serving.models]]
name = "on-aks"
team = "ml"
clusters = ["aks-1"]
format = "sklearn"
storage_uri = "https://provmodels.blob.core.windows.net/models/a"
service_account = "aks-models"
storage = { identity = "0a1b2c3d-0000-1111-2222-333344445555" }
"#,
    );
    let objs = compile(dir.path());
    let sa = find(&objs, "clusters/eks-1", "ServiceAccount", "eks-models");
    assert_eq!(
        sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::123456789012:role/models"
    );
    assert_eq!(
        sa["metadata"]["annotations"]["serving.kserve.io/s3-region"],
        "us-west-2"
    );
    let cp = all(&objs, "management/eks-1", "AWSManagedControlPlane");
    assert_eq!(cp[0]["spec"]["associateOIDCProvider"], true);

    let sa = find(&objs, "clusters/gke-1", "ServiceAccount", "gke-models");
    assert_eq!(
        sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
        "models@prov-ml-prod.iam.gserviceaccount.com"
    );
    let cp = all(&objs, "management/gke-1", "GCPManagedControlPlane");
    assert_eq!(
        cp[0]["spec"]["clusterSecurity"]["workloadIdentityConfig"]["workloadPool"],
        "prov-ml-prod.svc.id.goog"
    );
    let np = find(
        &objs,
        "clusters/gke-1",
        "NetworkPolicy",
        "on-gke-storage-identity",
    );
    assert_eq!(
        egress_endpoints(np),
        [("169.254.169.252/32", 988), ("169.254.169.254/32", 80)]
    );

    let sa = find(&objs, "clusters/aks-1", "ServiceAccount", "aks-models");
    assert_eq!(
        sa["metadata"]["annotations"]["azure.workload.identity/client-id"],
        "0a1b2c3d-0000-1111-2222-333344445555"
    );
    let isvc = find(&objs, "clusters/aks-1", "InferenceService", "on-aks");
    assert_eq!(
        isvc["spec"]["predictor"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    let cp = all(&objs, "management/aks-1", "AzureManagedControlPlane");
    assert_eq!(cp[0]["spec"]["oidcIssuerProfile"]["enabled"], true);
    assert_eq!(
        cp[0]["spec"]["securityProfile"]["workloadIdentity"]["enabled"],
        true
    );
    // No metadata opening where the token exchange runs over HTTPS.
    for c in ["eks-1", "aks-1"] {
        assert!(
            all(&objs, &format!("clusters/{c}"), "NetworkPolicy")
                .iter()
                .all(|p| !p["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .ends_with("-storage-identity")),
            "{c}"
        );
    }
}

/// A gated Hugging Face model downloads with a token from a declared store,
/// and the model server gets its arguments.
#[test]
fn gated_hf_models_get_a_token_and_the_server_its_args() {
    let objs = compile(example_copy().path());
    let sa = find(&objs, "clusters/prod-usw2", "ServiceAccount", "nlp-models");
    assert_eq!(sa["secrets"], serde_json::json!([{"name": "hf-token"}]));
    let es = find(&objs, "clusters/prod-usw2", "ExternalSecret", "hf-token");
    assert_eq!(es["metadata"]["namespace"], "nlp");
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "aws-secrets-manager");
    let isvc = find(
        &objs,
        "clusters/prod-usw2",
        "InferenceService",
        "support-llm",
    );
    assert_eq!(
        isvc["spec"]["predictor"]["model"]["args"],
        serde_json::json!(["--max-model-len=8192"])
    );
}

/// Env names must be names; an argument cannot carry a line break (E145); a YAML
/// lookalike in an argument stays one string; identity needs a service
/// account, shared accounts agree, and credential Secrets have a producer.
#[test]
fn model_settings_are_checked_and_cannot_inject_structure() {
    let dir = example_copy();
    edit(
        dir.path(),
        "args = [\"--max-model-len=8192\"]",
        "args = [\"--max-model-len=8192\", \"x\\n---\\nkind: Secret\"]\nenv = { \"BAD-NAME\" = \"1\" }",
    );
    edit(
        dir.path(),
        "team = \"recsys\"\nformat",
        "team = \"vision\"\nformat",
    );
    edit(
        dir.path(),
        "service_account = \"recsys-models\"\n",
        "service_account = \"vision-models\"\n",
    );
    edit(
        dir.path(),
        "storage = { node_identity = true }",
        "storage = { node_identity = true, identity = \"arn:aws:iam::123456789012:role/x\" }\nhf_token = { secret_name = \"hf\" }",
    );
    let f = findings(dir.path());
    let codes: Vec<&str> = f.iter().map(|(c, _)| c.as_str()).collect();
    // E145 refuses the line break in an argument.
    for c in ["E145", "E205", "E206", "E207", "W209"] {
        assert!(codes.contains(&c), "{c} in {f:?}");
    }
    let dir = example_copy();
    edit(dir.path(), "service_account = \"recsys-models\"\n", "");
    edit(
        dir.path(),
        "storage = { node_identity = true }",
        "storage = { credentials = { secret_name = \"k\", external = { store = \"aws-secrets-manager\", key = \"k\" } } }",
    );
    let f = findings(dir.path());
    assert!(f.iter().any(|(c, _)| c == "E204"), "{f:?}");

    let dir = example_copy();
    let hostile = "--chat-template={a: [b, c]} # not: a comment";
    edit(
        dir.path(),
        "args = [\"--max-model-len=8192\"]",
        &format!(
            "args = [\"--max-model-len=8192\", {}]\nenv = {{ VLLM_LOGGING_LEVEL = \"- x: y\" }}",
            serde_json::to_string(hostile).unwrap()
        ),
    );
    let objs = compile(dir.path());
    let model = &find(
        &objs,
        "clusters/prod-usw2",
        "InferenceService",
        "support-llm",
    )["spec"]["predictor"]["model"];
    assert_eq!(
        model["args"],
        serde_json::json!(["--max-model-len=8192", hostile])
    );
    assert_eq!(
        model["env"],
        serde_json::json!([{"name": "VLLM_LOGGING_LEVEL", "value": "- x: y"}])
    );
}

/// A GPU model that names no pool runs on a GPU pool its team may use (the
/// `k8sgpupools` policy refuses a GPU pod without one), and a team that may
/// use none of a cluster's GPU pools cannot serve a GPU model there (E210).
#[test]
fn a_gpu_model_without_a_pool_runs_on_one_its_team_may_use() {
    let dir = example_copy();
    edit(
        dir.path(),
        "scale_target = 60\n",
        "scale_target = 60\ngpus = 1\n",
    );
    // Its 12 replicas in prod take 12 GPUs of recsys's quota (E230 below).
    edit(
        dir.path(),
        r#"quota = { gpu = 4, cpu = "64""#,
        r#"quota = { gpu = 16, cpu = "64""#,
    );
    let objs = compile(dir.path());
    for cluster in ["stg-use1", "prod-usw2"] {
        let isvc = find(
            &objs,
            &format!("clusters/{cluster}/"),
            "InferenceService",
            "recs-ranker",
        );
        // recsys may use gpu-l4 only.
        assert_eq!(
            isvc["spec"]["predictor"]["nodeSelector"]["mlpc.io/pool"], "gpu-l4",
            "{cluster}: {isvc:#}"
        );
    }
    // recsys limited to gpu-h100, which only prod has (and no GPU quota, so
    // no E131 in staging).
    edit(
        dir.path(),
        r#"gpu_pools = ["gpu-l4"]"#,
        r#"gpu_pools = ["gpu-h100"]"#,
    );
    edit(
        dir.path(),
        r#"quota = { gpu = 16, cpu = "64""#,
        r#"quota = { gpu = 0, cpu = "64""#,
    );
    let found = findings(dir.path());
    let e210: Vec<_> = found.iter().filter(|f| f.0 == "E210").collect();
    assert_eq!(e210.len(), 1, "{found:#?}");
    assert!(
        e210[0].1.contains("stg-use1") && e210[0].1.contains("recsys"),
        "{found:#?}"
    );
    // Besides: the model's GPUs are above recsys's quota of 0 (E230).
    assert!(
        found.iter().all(|f| f.0 == "E210" || f.0 == "E230"),
        "{found:#?}"
    );
}

//! Team storage identity (issue 16): training runtime pods and Katib trials
//! run as the team's `mlpc-workloads` service account, which carries the
//! team's identity per provider; node identity opens the metadata endpoint
//! for exactly those pods; keys and S3 settings reach their environment; bad
//! combinations are rules E220–E224; the platform check sees the account.

use std::path::Path;

use crate::support::*;
use crate::support::{
    append_spec as append, compile_objects as compile, edit_spec as edit, find_object as find,
    objects_of as all, validate_findings as codes,
};
use serde_json::{Value, json};

/// The pod templates of a ClusterTrainingRuntime.
fn runtime_pods(rt: &Value) -> Vec<&Value> {
    rt["spec"]["template"]["spec"]["replicatedJobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["template"]["spec"]["template"])
        .collect()
}

fn trial_pod(exp: &Value) -> &Value {
    &exp["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]
}

/// The example (self-managed AWS): every team namespace has the workload
/// account; the shared runtimes and the sweep's trials run as it, labelled
/// for the storage-identity policy; vision's node identity opens the
/// metadata endpoint for exactly those pods; nlp's keys and region reach the
/// containers' environment.
#[test]
fn training_and_trial_pods_run_as_the_team_account_with_its_storage() {
    let objs = compile(example_copy().path());
    let c = "clusters/prod-usw2";
    for team in ["vision", "nlp", "recsys"] {
        let sa = all(&objs, c, "ServiceAccount").into_iter().find(|s| {
            s["metadata"]["name"] == "mlpc-workloads" && s["metadata"]["namespace"] == team
        });
        assert!(sa.is_some(), "{team} has no mlpc-workloads");
    }
    let runtimes = all(&objs, c, "ClusterTrainingRuntime");
    assert!(!runtimes.is_empty());
    for rt in runtimes {
        for pod in runtime_pods(rt) {
            assert_eq!(pod["spec"]["serviceAccountName"], "mlpc-workloads", "{rt}");
            assert_eq!(
                pod["metadata"]["labels"]["mlpc.io/storage-identity"],
                "team"
            );
            // Shared by the teams: the storage environment is optional.
            assert_eq!(
                pod["spec"]["containers"][0]["envFrom"],
                json!([
                    {"configMapRef": {"name": "mlpc-workloads-storage", "optional": true}},
                    {"secretRef": {"name": "mlpc-workloads-storage", "optional": true}}
                ])
            );
        }
    }
    let exp = find(&objs, c, "Experiment", "resnet-lr-sweep");
    let trial = trial_pod(exp);
    assert_eq!(trial["spec"]["serviceAccountName"], "mlpc-workloads");
    assert_eq!(
        trial["metadata"]["labels"]["mlpc.io/storage-identity"],
        "team"
    );
    // vision has a region: its trials read it, not optionally.
    assert_eq!(
        trial["spec"]["containers"][0]["envFrom"],
        json!([{"configMapRef": {"name": "mlpc-workloads-storage"}}])
    );

    // Node identity: only vision's workload pods reach only the metadata endpoint.
    let np = find(&objs, c, "NetworkPolicy", "mlpc-workloads-storage-identity");
    assert_eq!(np["metadata"]["namespace"], "vision");
    assert_eq!(
        np["spec"]["podSelector"],
        json!({"matchLabels": {"mlpc.io/storage-identity": "team"}})
    );
    assert_eq!(np["spec"]["policyTypes"], json!(["Egress"]));
    assert_eq!(
        np["spec"]["egress"],
        json!([{"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"port": 80, "protocol": "TCP"}]}])
    );
    let openings = all(&objs, c, "NetworkPolicy")
        .into_iter()
        .filter(|p| p["metadata"]["name"] == "mlpc-workloads-storage-identity")
        .count();
    assert_eq!(openings, 1, "nlp (keys) and recsys (none) get no opening");

    // nlp: keys from the store and the region, as the AWS SDKs read them.
    let es = find(&objs, c, "ExternalSecret", "mlpc-workloads-storage");
    assert_eq!(es["metadata"]["namespace"], "nlp");
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "aws-secrets-manager");
    assert_eq!(
        es["spec"]["dataFrom"][0]["extract"]["key"],
        "ml-platform/nlp-training-s3"
    );
    let cm = all(&objs, c, "ConfigMap")
        .into_iter()
        .find(|m| {
            m["metadata"]["name"] == "mlpc-workloads-storage" && m["metadata"]["namespace"] == "nlp"
        })
        .expect("nlp's storage settings");
    assert_eq!(cm["data"]["AWS_REGION"], "us-east-1");
    assert_eq!(cm["data"]["AWS_DEFAULT_REGION"], "us-east-1");
    // No cloud identity on a self-managed cluster's account.
    let sa = all(&objs, c, "ServiceAccount")
        .into_iter()
        .find(|s| {
            s["metadata"]["name"] == "mlpc-workloads" && s["metadata"]["namespace"] == "vision"
        })
        .unwrap();
    assert!(sa["metadata"]["annotations"].is_null(), "{sa}");
}

/// Workload identity per managed provider: the team account's annotation,
/// Azure's pod label on the runtime and trial pods, GKE's metadata server
/// opened for the team's workload pods.
#[test]
fn team_identity_follows_each_managed_provider() {
    let dir = providers_spec();
    append(
        dir.path(),
        r#"
[[teams]]
name = "on-eks"
clusters = ["eks-1"]
storage = { identity = "arn:aws:iam::123456789012:role/train", region = "us-west-2" }

[[teams]]
name = "on-gke"
clusters = ["gke-1"]
storage = { identity = "train@prov-ml-prod.iam.gserviceaccount.com" }

[[teams]]
name = "on-aks"
clusters = ["aks-1"]
storage = { identity = "0a1b2c3d-0000-1111-2222-333344445555" }

[[training.runtimes]]
name = "torch"
image = "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime"
node_pool = "gpu-a100"

[[tuning.experiments]]
name = "sweep"
team = "on-aks"
algorithm = "random"
objective = { type = "maximize", metric = "accuracy" }
image = "ghcr.io/prov/train:1"
command = ["python", "train.py"]

[[tuning.experiments.parameters]]
name = "lr"
type = "double"
min = 0.001
max = 0.1
"#,
    );
    let objs = compile(dir.path());
    let account = |c: &str, team: &str| -> Value {
        all(&objs, &format!("clusters/{c}/"), "ServiceAccount")
            .into_iter()
            .find(|s| {
                s["metadata"]["name"] == "mlpc-workloads" && s["metadata"]["namespace"] == team
            })
            .unwrap_or_else(|| panic!("no mlpc-workloads in {team} on {c}"))
            .clone()
    };
    assert_eq!(
        account("eks-1", "on-eks")["metadata"]["annotations"],
        json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/train"})
    );
    assert_eq!(
        account("gke-1", "on-gke")["metadata"]["annotations"],
        json!({"iam.gke.io/gcp-service-account": "train@prov-ml-prod.iam.gserviceaccount.com"})
    );
    assert_eq!(
        account("aks-1", "on-aks")["metadata"]["annotations"],
        json!({"azure.workload.identity/client-id": "0a1b2c3d-0000-1111-2222-333344445555"})
    );
    // The team on every cluster has an account without identity.
    assert!(account("aks-1", "ml")["metadata"]["annotations"].is_null());

    // AKS: the webhook mutates only labelled pods.
    let rt = find(&objs, "clusters/aks-1/", "ClusterTrainingRuntime", "torch");
    for pod in runtime_pods(rt) {
        assert_eq!(pod["spec"]["serviceAccountName"], "mlpc-workloads");
        assert_eq!(
            pod["metadata"]["labels"]["azure.workload.identity/use"],
            "true"
        );
    }
    let exp = find(&objs, "clusters/aks-1/", "Experiment", "sweep");
    assert_eq!(
        trial_pod(exp)["spec"]["serviceAccountName"],
        "mlpc-workloads"
    );
    assert_eq!(
        trial_pod(exp)["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    // Elsewhere no Azure label.
    let rt = find(&objs, "clusters/eks-1/", "ClusterTrainingRuntime", "torch");
    for pod in runtime_pods(rt) {
        assert!(pod["metadata"]["labels"]["azure.workload.identity/use"].is_null());
    }

    // GKE: the metadata server, for the team's workload pods only.
    let np = find(
        &objs,
        "clusters/gke-1/",
        "NetworkPolicy",
        "mlpc-workloads-storage-identity",
    );
    assert_eq!(np["metadata"]["namespace"], "on-gke");
    assert_eq!(
        np["spec"]["podSelector"]["matchLabels"]["mlpc.io/storage-identity"],
        "team"
    );
    assert_eq!(
        egress_endpoints(np),
        [("169.254.169.252/32", 988), ("169.254.169.254/32", 80)]
    );
    // IRSA and Azure exchange tokens over HTTPS: no opening.
    for c in ["eks-1", "aks-1"] {
        assert!(
            all(&objs, &format!("clusters/{c}/"), "NetworkPolicy")
                .iter()
                .all(|p| p["metadata"]["name"] != "mlpc-workloads-storage-identity"),
            "{c}"
        );
    }
    // The platform check finds every referenced account (compile runs it;
    // `check --manifests` too).
    let out = dir.path().join("out");
    let o = mlpc(dir.path(), &["check", "--manifests", out.to_str().unwrap()]);
    assert!(!stdout(&o).contains("E190"), "{}", stdout(&o));
}

/// Bad team storage: nothing that works on the provider (E220), an identity
/// of another cloud (E221, models too), a credential Secret the shared
/// runtimes do not read (E222) or that nothing produces (E223), a model on
/// the workload account (E224).
#[test]
fn bad_team_storage_gets_its_rule() {
    let has = |dir: &Path, code: &str, needle: &str| {
        let f = codes(dir);
        assert!(
            f.iter().any(|(c, m)| c == code && m.contains(needle)),
            "{code} {needle}: {f:?}"
        );
    };
    // An IRSA role on self-managed AWS clusters: no webhook, no federation.
    let dir = example_copy();
    edit(
        dir.path(),
        "storage = { node_identity = true, region = \"us-east-1\" }",
        "storage = { identity = \"arn:aws:iam::123456789012:role/vision\" }",
    );
    has(dir.path(), "E220", "team \"vision\"");

    let dir = example_copy();
    edit(
        dir.path(),
        "secret_name = \"mlpc-workloads-storage\"",
        "secret_name = \"nlp-s3\"",
    );
    has(dir.path(), "E222", "nlp-s3");

    let dir = example_copy();
    edit(
        dir.path(),
        "secret_name = \"mlpc-workloads-storage\", external = { store = \"aws-secrets-manager\", key = \"ml-platform/nlp-training-s3\" }",
        "secret_name = \"mlpc-workloads-storage\"",
    );
    has(dir.path(), "E223", "team \"nlp\"");

    let dir = example_copy();
    edit(
        dir.path(),
        "service_account = \"recsys-models\"",
        "service_account = \"mlpc-workloads\"",
    );
    has(dir.path(), "E224", "mlpc-workloads");

    // A Google service account on EKS, an ARN for an AKS model.
    let dir = providers_spec();
    append(
        dir.path(),
        r#"
[[teams]]
name = "on-eks"
clusters = ["eks-1"]
storage = { identity = "train@prov-ml-prod.iam.gserviceaccount.com" }

[[serving.models]]
name = "on-aks"
team = "ml"
clusters = ["aks-1"]
format = "sklearn"
storage_uri = "https://provmodels.blob.core.windows.net/models/a"
service_account = "aks-models"
storage = { identity = "arn:aws:iam::123456789012:role/models" }
"#,
    );
    has(dir.path(), "E221", "team \"on-eks\"");
    has(dir.path(), "E221", "model \"on-aks\"");
}

/// The platform check sees the pods the runtimes and trials make in each
/// team namespace: without the account there, E190 names them.
#[test]
fn the_platform_check_sees_the_workload_pods_accounts() {
    let dir = example_copy();
    let objs = compile(dir.path());
    let out = dir.path().join("out");
    for s in all(&objs, "clusters/stg-use1/", "ServiceAccount")
        .into_iter()
        .filter(|s| {
            s["metadata"]["name"] == "mlpc-workloads" && s["metadata"]["namespace"] == "vision"
        })
    {
        std::fs::remove_file(out.join(s["_path"].as_str().unwrap())).unwrap();
    }
    let o = mlpc(dir.path(), &["check", "--manifests", out.to_str().unwrap()]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    let e190: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("`mlpc-workloads` in namespace `vision`"))
        .collect();
    assert!(
        e190.iter()
            .any(|l| l.contains("ClusterTrainingRuntime/torch-a100")),
        "{text}"
    );
    assert!(
        e190.iter()
            .any(|l| l.contains("Experiment/vision/resnet-lr-sweep")),
        "{text}"
    );
}

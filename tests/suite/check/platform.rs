//! The platform check (E185–W196) through the real binary: zero findings on
//! the example and the provider specs, and each rule firing on a minimally
//! mutated compiled tree (`mlpc check --manifests`, no spec: everything the
//! rules need is read from the tree).

use std::path::Path;

use crate::support::*;
use serde_json::Value;

fn platform_findings(o: &std::process::Output) -> Vec<Value> {
    let v: Value = serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("json: {e}\n{}\n{}", stdout(o), stderr(o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] == "platform")
        .cloned()
        .collect()
}

fn check_spec(spec: &str) -> Vec<Value> {
    let o = mlpc(
        &repo(),
        &[
            "check",
            "--spec",
            spec,
            "--format",
            "json",
            "--skip-policy-tests",
        ],
    );
    platform_findings(&o)
}

#[test]
fn no_platform_findings_on_the_example_and_the_provider_specs() {
    for spec in [
        "ml-platform.toml",
        "tests/e2e/specs/four-providers.toml",
        "tests/specs/providers/ml-platform.toml",
    ] {
        let found = check_spec(spec);
        assert!(found.is_empty(), "{spec}: {found:#?}");
    }
}

/// The example compiled into a temp dir (the compile runs the platform check too).
fn compiled() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = mlpc(&repo(), &["compile", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("platform check"), "{}", stderr(&o));
    dir
}

fn check_tree(root: &Path) -> Vec<Value> {
    let out = root.join("out");
    let o = mlpc(
        root,
        &[
            "check",
            "--spec",
            "absent.toml",
            "--manifests",
            out.to_str().unwrap(),
            "--format",
            "json",
            "--skip-policy-tests",
        ],
    );
    platform_findings(&o)
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let p = root.join("out").join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}:\n{text}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
}

fn with_rule<'a>(found: &'a [Value], rule: &str) -> Vec<&'a Value> {
    found.iter().filter(|f| f["rule"] == rule).collect()
}

#[test]
fn the_compiled_tree_alone_has_no_platform_findings() {
    let dir = compiled();
    let found = check_tree(dir.path());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_object_in_a_namespace_nothing_creates() {
    let dir = compiled();
    std::fs::remove_file(
        dir.path()
            .join("out/clusters/prod-usw2/06-tenancy/namespace-recsys.yaml"),
    )
    .unwrap();
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E185");
    assert!(!e.is_empty(), "{found:#?}");
    assert!(
        e.iter()
            .all(|f| f["namespace"] == "recsys" && f["cluster"] == "prod-usw2"),
        "{e:#?}"
    );
}

#[test]
fn a_secret_and_an_ingress_class_produced_by_nothing() {
    let dir = compiled();
    edit(
        dir.path(),
        "clusters/stg-use1/01-mesh/gateway-istio-ingress-serving.yaml",
        "credentialName: ml-acme-example-tls",
        "credentialName: no-such-secret",
    );
    std::fs::remove_file(
        dir.path()
            .join("out/clusters/stg-use1/01-mesh/ingressclass-istio.yaml"),
    )
    .unwrap();
    let found = check_tree(dir.path());
    let e186 = with_rule(&found, "E186");
    assert_eq!(e186.len(), 1, "{found:#?}");
    assert!(
        e186[0]["message"]
            .as_str()
            .unwrap()
            .contains("no-such-secret")
    );
    let e188 = with_rule(&found, "E188");
    assert_eq!(e188.len(), 1, "{found:#?}");
    assert_eq!(e188[0]["kind"], "Application");
}

#[test]
fn a_foreign_image_in_a_training_runtime_is_denied_in_every_team_namespace() {
    let dir = compiled();
    edit(
        dir.path(),
        "clusters/prod-usw2/03-training/clustertrainingruntime-torch-l4.yaml",
        "image: pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime",
        "image: quay.io/someone/trainer:1.0.0",
    );
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E192");
    let namespaces: std::collections::BTreeSet<&str> = e
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("quay.io/someone"))
        .map(|f| {
            let m = f["message"].as_str().unwrap();
            let start = m.find("namespace `").unwrap() + 11;
            &m[start..start + m[start..].find('`').unwrap()]
        })
        .collect();
    assert_eq!(
        namespaces.into_iter().collect::<Vec<_>>(),
        vec!["nlp", "recsys", "vision"],
        "{found:#?}"
    );
}

/// Today's (before this change) allowed-registries constraint lists only the
/// spec's registries: the istio-proxy every meshed pod gets is denied.
#[test]
fn the_allowed_registries_policy_without_the_platform_images_denies_istio_proxy() {
    let dir = compiled();
    let file = "clusters/prod-usw2/07-policy/k8sallowedrepos-k8sallowedrepos.yaml";
    let p = dir.path().join("out").join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("docker.io/istio/proxyv2:"), "{text}");
    // Drop the `images` parameter (its key and list items), as the
    // constraint was before.
    let mut kept = Vec::new();
    let mut in_images = false;
    for line in text.lines() {
        if line.trim_start() == "images:" {
            in_images = true;
            continue;
        }
        if in_images && line.trim_start().starts_with("- ") {
            continue;
        }
        in_images = false;
        kept.push(line);
    }
    std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E192");
    assert!(
        e.iter().any(|f| f["kind"] == "InferenceService"
            && f["message"].as_str().unwrap().contains("<istio-proxy>")
            && f["message"]
                .as_str()
                .unwrap()
                .contains("docker.io/istio/proxyv2:1.28.1")),
        "{found:#?}"
    );
    assert!(
        e.iter()
            .any(|f| f["message"].as_str().unwrap().contains("<queue-proxy>")),
        "{found:#?}"
    );
    assert!(
        e.iter().any(|f| f["kind"] == "Experiment"
            && f["message"].as_str().unwrap().contains("suggestion-skopt")),
        "{found:#?}"
    );
}

#[test]
fn a_runtime_above_its_teams_quota_and_its_node() {
    let dir = compiled();
    let f = "clusters/prod-usw2/03-training/clustertrainingruntime-torch-l4.yaml";
    let text = std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
    let cpu = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("cpu: "))
        .unwrap()
        .to_string();
    let text = text.replace(&format!("cpu: {cpu}"), "cpu: \"100\"");
    std::fs::write(dir.path().join("out").join(f), text).unwrap();
    let found = check_tree(dir.path());
    let quota = with_rule(&found, "E193");
    assert!(
        quota.iter().any(|f| f["name"] == "torch-l4"
            && f["message"].as_str().unwrap().contains("`recsys`")),
        "{found:#?}"
    );
    let node = with_rule(&found, "E194");
    assert!(
        node.iter()
            .any(|f| f["name"] == "torch-l4"
                && f["message"].as_str().unwrap().contains("pool `gpu-l4`")),
        "{found:#?}"
    );
}

#[test]
fn a_nominal_quota_above_the_pool() {
    let dir = compiled();
    let f = "clusters/prod-usw2/03-training/clusterqueue-recsys.yaml";
    let text = std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
    let at = text.find("name: gpu-l4").unwrap();
    let (head, tail) = text.split_at(at);
    let start = tail.find("nominalQuota: ").unwrap() + "nominalQuota: ".len();
    let end = start + tail[start..].find('\n').unwrap();
    let tail = format!("{}1000{}", &tail[..start], &tail[end..]);
    std::fs::write(dir.path().join("out").join(f), format!("{head}{tail}")).unwrap();
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E195");
    assert_eq!(e.len(), 1, "{found:#?}");
    assert!(e[0]["message"].as_str().unwrap().contains("pool `gpu-l4`"));
}

#[test]
fn a_store_an_issuer_a_service_account_and_a_storage_class_produced_by_nothing() {
    let dir = compiled();
    edit(
        dir.path(),
        "clusters/stg-use1/01-mesh/externalsecret-istio-ingress-ml-acme-example-tls.yaml",
        "name: aws-secrets-manager",
        "name: no-such-store",
    );
    edit(
        dir.path(),
        "clusters/stg-use1/05-serving/inferenceservice-recsys-recs-ranker.yaml",
        "serviceAccountName: recsys-models",
        "serviceAccountName: no-such-account",
    );
    std::fs::write(
        dir.path().join("out/clusters/stg-use1/06-tenancy/extra.yaml"),
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: c\n  namespace: vision\nspec:\n  secretName: c-tls\n  issuerRef:\n    name: no-such-issuer\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  namespace: vision\nspec:\n  storageClassName: no-such-class\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n",
    )
    .unwrap();
    let found = check_tree(dir.path());
    for (rule, name) in [
        ("E187", "no-such-store"),
        ("E189", "no-such-issuer"),
        ("E190", "no-such-account"),
        ("E191", "no-such-class"),
    ] {
        let hits = with_rule(&found, rule);
        assert!(
            hits.iter()
                .any(|f| f["message"].as_str().unwrap().contains(name)),
            "{rule}: {found:#?}"
        );
    }
    // The Certificate's own Secret counts as produced: nothing else fires.
    assert!(found.iter().all(|f| f["rule"] != "E186"), "{found:#?}");
}

/// Every compile runs the platform rules: a GPU quota above the team's only
/// pool is a warning to validation (W161: quotas may overcommit on purpose),
/// but the ClusterQueue it compiles to promises Kueue more GPUs on that flavor
/// than the pool can ever hold (E195); nothing is written.
#[test]
fn compile_refuses_a_tree_the_platform_check_rejects() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let recsys = "quota = { gpu = 4, cpu = \"64\", memory = \"256Gi\", pods = 100 }";
    assert!(text.contains(recsys));
    std::fs::write(
        &spec,
        text.replace(recsys, &recsys.replace("gpu = 4", "gpu = 40")),
    )
    .unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("W161") || stderr(&o).contains("W161"));
    let o = mlpc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("E195"), "{}", stderr(&o));
    assert!(stderr(&o).contains("ClusterQueue/recsys"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
}

/// A canary's InferenceGraph runs KServe's router (`kserve/router` at the
/// KServe version) in the team namespace. With registries that do not cover
/// it, the allowed-registries constraint must list it exactly, and the
/// platform check must see the router pod (after Istio injection, with
/// Knative's queue-proxy) and find nothing; without it in the constraint,
/// the router pod is denied (E192).
#[test]
fn the_inference_graph_router_is_a_platform_image_and_its_pod_is_checked() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let from = "allowed_registries = [\"ghcr.io/acme/\", \"pytorch/\", \"kserve/\", ";
    assert!(text.contains(from), "{text}");
    std::fs::write(
        &spec,
        text.replacen(
            from,
            "allowed_registries = [\"ghcr.io/acme/\", \"pytorch/\", ",
            1,
        ),
    )
    .unwrap();
    // The compile runs the platform check: zero findings, the canary included.
    let out = dir.path().join("out");
    let o = mlpc(dir.path(), &["compile", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("platform check"), "{}", stderr(&o));
    let file = "clusters/prod-usw2/07-policy/k8sallowedrepos-k8sallowedrepos.yaml";
    let constraint: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(out.join(file)).unwrap()).unwrap();
    let images = constraint["spec"]["parameters"]["images"]
        .as_array()
        .unwrap();
    assert!(
        images.contains(&Value::from("kserve/router:v0.16.0")),
        "{images:?}"
    );
    assert!(
        !constraint["spec"]["parameters"]["repos"]
            .as_array()
            .unwrap()
            .contains(&Value::from("kserve/")),
        "{constraint}"
    );
    let found = check_tree(dir.path());
    assert!(found.is_empty(), "{found:#?}");

    // Without the router in the constraint, its pod is denied in `vision`.
    edit(dir.path(), file, "- kserve/router:v0.16.0\n", "");
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E192");
    assert!(
        e.iter().any(|f| f["kind"] == "InferenceGraph"
            && f["name"] == "image-classifier"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("InferenceGraph router pod it makes in namespace `vision`")
            && f["message"]
                .as_str()
                .unwrap()
                .contains("kserve/router:v0.16.0")),
        "{found:#?}"
    );
}

/// The canary's router reaches both versions through the team's policies
/// (the example: Knative, through the local gateway in `istio-ingress`);
/// a team NetworkPolicy that no longer lets its pods out to the gateway
/// cuts both versions off (E217), naming the hop and the policies.
#[test]
fn a_router_the_team_policies_keep_from_its_versions() {
    let dir = compiled();
    assert!(check_tree(dir.path()).is_empty());
    edit(
        dir.path(),
        "clusters/prod-usw2/06-tenancy/networkpolicy-vision-allow-team-and-platform.yaml",
        "          - istio-ingress\n",
        "",
    );
    let found = check_tree(dir.path());
    let e = with_rule(&found, "E217");
    for version in ["image-classifier-stable", "image-classifier-canary"] {
        assert!(
            e.iter().any(|f| f["kind"] == "InferenceGraph"
                && f["message"].as_str().unwrap().contains(&format!(
                    "cannot reach InferenceService `{version}` to Knative's local gateway in `istio-ingress`: no egress rule of NetworkPolicy `allow-team-and-platform`, `default-deny` in `vision` admits it"
                ))),
            "{version}: {found:#?}"
        );
    }
    assert_eq!(e.len(), 2, "{found:#?}");

    // Ingress from the gateway dropped instead: clients no longer reach the
    // router, nor the gateway the versions.
    let dir = compiled();
    let file = "clusters/prod-usw2/06-tenancy/networkpolicy-vision-allow-team-and-platform.yaml";
    let p = dir.path().join("out").join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    let line = "          - istio-ingress\n";
    let at = text.rfind(line).unwrap();
    assert!(at > text.find("ingress:").unwrap(), "{text}");
    std::fs::write(&p, format!("{}{}", &text[..at], &text[at + line.len()..])).unwrap();
    let found = check_tree(dir.path());
    let e: Vec<&str> = with_rule(&found, "E217")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(e.len(), 3, "{found:#?}");
    assert!(
        e.iter().any(|m| m.starts_with(
            "the ingress gateway in `istio-ingress` cannot reach the router of InferenceGraph `image-classifier`: no ingress rule of NetworkPolicy `allow-team-and-platform`, `default-deny` in `vision`"
        )),
        "{e:#?}"
    );
    assert_eq!(
        e.iter()
            .filter(|m| m.contains("from the local gateway in `istio-ingress` to the model's pods"))
            .count(),
        2,
        "{e:#?}"
    );
}

/// A GPU pod written into the compiled tree, in `namespace`, selecting `pool`
/// (none when `None`).
fn gpu_pod(root: &Path, name: &str, namespace: &str, pool: Option<&str>) {
    let selector = pool
        .map(|p| format!("  nodeSelector:\n    mlpc.io/pool: {p}\n"))
        .unwrap_or_default();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n{selector}  tolerations:\n  - key: nvidia.com/gpu\n    operator: Exists\n  containers:\n  - name: main\n    image: ghcr.io/acme/resnet-train:1.4.2\n    resources:\n      limits:\n        cpu: \"1\"\n        memory: 1Gi\n        nvidia.com/gpu: \"1\"\n"
    );
    let file = root
        .join("out/clusters/prod-usw2/06-tenancy")
        .join(format!("pod-{name}.yaml"));
    std::fs::write(file, pod).unwrap();
}

/// The policy findings of rule `rule` (a constraint kind) on the object called `name`.
fn policy_findings(root: &Path, rule: &str, name: &str) -> Vec<Value> {
    let out = root.join("out");
    let o = mlpc(
        root,
        &[
            "check",
            "--spec",
            "absent.toml",
            "--manifests",
            out.to_str().unwrap(),
            "--format",
            "json",
            "--skip-policy-tests",
        ],
    );
    let v: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("json: {e}\n{}\n{}", stdout(&o), stderr(&o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["source"] == "policy"
                && f["name"] == name
                && f["rule"].as_str().is_some_and(|r| r.starts_with(rule))
        })
        .cloned()
        .collect()
}

/// The compiled `k8sgpupools` constraint: a team's GPU pod lands only on a
/// GPU pool the team may use (recsys: gpu-l4), and must select one.
#[test]
fn a_gpu_pod_on_a_pool_its_team_may_not_use_is_denied_by_the_compiled_constraint() {
    let dir = compiled();
    gpu_pod(dir.path(), "on-a100", "recsys", Some("gpu-a100"));
    gpu_pod(dir.path(), "on-l4", "recsys", Some("gpu-l4"));
    gpu_pod(dir.path(), "anywhere", "vision", None);
    let denied = policy_findings(dir.path(), "K8sGpuPools", "on-a100");
    assert!(
        denied.iter().any(|f| f["severity"] == "error"
            && f["message"].as_str().unwrap().contains("<gpu-a100>")
            && f["message"].as_str().unwrap().contains("[\"gpu-l4\"]")),
        "{denied:#?}"
    );
    let own = policy_findings(dir.path(), "K8sGpuPools", "on-l4");
    assert!(own.is_empty(), "{own:#?}");
    let anywhere = policy_findings(dir.path(), "K8sGpuPools", "anywhere");
    assert!(
        anywhere.iter().any(|f| f["severity"] == "error"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("selects no GPU pool")),
        "{anywhere:#?}"
    );
}

const TRIAL: &str = "clusters/prod-usw2/04-tuning/experiment-vision-resnet-lr-sweep.yaml";

/// A Katib trial is checked as Kueue admits its Job: without a pool of its
/// own it gets the first GPU flavor of its team's queue (no finding), with or
/// without a queue label; on a pool its team may not use, or unqueued (Kueue
/// not managing unlabeled Jobs) without a pool, it is refused.
#[test]
fn trials_are_checked_with_the_pool_kueue_gives_them() {
    let k8sgpupools = |found: &[Value]| -> usize {
        with_rule(found, "E192")
            .iter()
            .filter(|f| f["message"].as_str().unwrap().contains("K8sGpuPools"))
            .count()
    };
    let selector = "            nodeSelector:\n              mlpc.io/pool: gpu-a100\n";
    // Kueue admits it: the flavor's nodeLabels are its nodeSelector.
    let dir = compiled();
    edit(dir.path(), TRIAL, selector, "");
    let found = check_tree(dir.path());
    assert!(found.is_empty(), "{found:#?}");
    // Without a queue label Kueue still manages it (manageJobsWithoutQueueName,
    // the team's `default` LocalQueue).
    edit(
        dir.path(),
        TRIAL,
        "kueue.x-k8s.io/queue-name: vision-queue",
        "app: trial",
    );
    let found = check_tree(dir.path());
    assert!(found.is_empty(), "{found:#?}");
    // Kueue configured to leave unlabeled Jobs alone: not queued and no pool,
    // it may land on any GPU pool.
    edit(
        dir.path(),
        "management/argocd/prod-usw2/application-argocd-prod-usw2-kueue.yaml",
        "manageJobsWithoutQueueName: true",
        "manageJobsWithoutQueueName: false",
    );
    let found = check_tree(dir.path());
    assert_eq!(k8sgpupools(&found), 1, "{found:#?}");
    // On a pool the vision team may not use.
    let dir = compiled();
    edit(
        dir.path(),
        TRIAL,
        selector,
        "            nodeSelector:\n              mlpc.io/pool: gpu-h100\n",
    );
    let found = check_tree(dir.path());
    assert_eq!(k8sgpupools(&found), 1, "{found:#?}");
}

/// Clusters with the same constraints share one evaluation of alike pods
/// (a fleet of alike clusters is checked in a fraction of the time): the
/// verdict must still reach every cluster, each with its own objects.
#[test]
fn a_pod_denied_in_alike_clusters_is_reported_in_each() {
    let dir = example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let twin = "\n[[clusters]]\nname = \"prod-usw2b\"\nenvironment = \"prod\"\nprovider = \"aws\"\nregion = \"us-west-2\"\nwave = 1\ncontext = \"prod-usw2b-admin\"\nserver = \"https://prod-usw2b.k8s.acme.example:6443\"\ncontrol_plane = { replicas = 3, instance_type = \"m6i.2xlarge\" }\n";
    let at = text.find("[[node_pools]]").unwrap();
    // The twin has the same pools (the H100 pool is prod-usw2's alone).
    let text = format!("{}{twin}\n{}", &text[..at], &text[at..]).replacen(
        "clusters = [\"prod-usw2\"]",
        "clusters = [\"prod-usw2\", \"prod-usw2b\"]",
        1,
    );
    std::fs::write(&spec, text).unwrap();
    let o = mlpc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // In both production clusters alike, the trial image's registry is no
    // longer allowed (as if edited in Git).
    for cluster in ["prod-usw2", "prod-usw2b"] {
        let f = dir.path().join(format!(
            "out/clusters/{cluster}/07-policy/k8sallowedrepos-k8sallowedrepos.yaml"
        ));
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains("    - ghcr.io/acme/\n"), "{text}");
        std::fs::write(&f, text.replacen("    - ghcr.io/acme/\n", "", 1)).unwrap();
    }
    let found = check_tree(dir.path());
    let trial_denied = |cluster: &str| {
        found
            .iter()
            .filter(|f| {
                f["cluster"] == cluster
                    && f["rule"] == "E192"
                    && f["message"].as_str().unwrap().contains("trial pod")
            })
            .count()
    };
    assert!(trial_denied("prod-usw2") > 0, "{found:#?}");
    assert_eq!(
        trial_denied("prod-usw2"),
        trial_denied("prod-usw2b"),
        "{found:#?}"
    );
    assert_eq!(trial_denied("stg-use1"), 0, "{found:#?}");
}

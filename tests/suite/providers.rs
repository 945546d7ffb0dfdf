//! Workload clusters per provider, through the real binary: a golden snapshot
//! of every provider's Cluster API objects, component flags per Kubernetes
//! release line, the endpoint in the API server certificate, Argo CD
//! destinations and registration, and the cluster rules E170–W179.

use std::path::Path;

use crate::support::*;
use serde_json::Value;

fn compile(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("out");
    let o = mlpc(dir, &["compile", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    out
}

fn objects(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for (rel, bytes) in read_tree(dir) {
        if !rel.ends_with(".yaml") || rel.ends_with("kustomization.yaml") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        out.push(serde_saphyr::from_str::<Value>(&text).unwrap());
    }
    out
}

fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    // Machine templates are named by content: match the name before the hash.
    objs.iter()
        .find(|o| {
            o["kind"] == kind
                && o["metadata"]["name"].as_str().is_some_and(|n| {
                    n == name || (kind.ends_with("Template") && template_base(n) == name)
                })
        })
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// Each provider's management objects, pinned. Re-bless after a reviewed
/// change with `MLPC_BLESS=1 cargo test --test suite providers::golden`.
#[test]
fn golden_snapshot_per_provider() {
    let dir = providers_spec();
    let out = compile(dir.path());
    let got = read_tree(&out.join("management"));
    let golden = repo().join("tests/golden/providers");
    if std::env::var_os("MLPC_BLESS").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        for (rel, bytes) in &got {
            let p = golden.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }
    let want = read_tree(&golden);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "file set differs from tests/golden/providers"
    );
    for (rel, bytes) in &got {
        assert!(
            want.get(rel) == Some(bytes),
            "{rel} differs from tests/golden/providers; review and re-bless with MLPC_BLESS=1"
        );
    }
    // Every provider is there, with its own kinds.
    let objs = objects(&out.join("management"));
    for (kind, name) in [
        ("AWSCluster", "aws-1"),
        ("GCPCluster", "gcp-1"),
        ("AzureCluster", "azure-1"),
        ("DockerCluster", "dev-1"),
        ("AWSManagedControlPlane", "eks-1-control-plane"),
        ("GCPManagedControlPlane", "gke-1-control-plane"),
        ("AzureManagedControlPlane", "aks-1-control-plane"),
        ("AzureClusterIdentity", "azure-1-identity"),
        ("AzureClusterIdentity", "aks-1-identity"),
    ] {
        find(&objs, kind, name);
    }
    // The management cluster gets no Cluster API objects and no registration.
    assert!(!out.join("management/mgmt").exists());
    assert!(
        !objs.iter().any(
            |o| o["metadata"]["name"] == "mgmt-capi" || o["metadata"]["name"] == "cluster-mgmt"
        )
    );
}

#[test]
fn provider_output_is_strictly_schema_valid() {
    let dir = providers_spec();
    let schemas = shared_schemas();
    let o = mlpc(
        dir.path(),
        &[
            "check",
            "--schemas",
            schemas.to_str().unwrap(),
            "--schemas",
            repo().join("schemas/extra").to_str().unwrap(),
            "--strict",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn settings_reach_the_provider_objects() {
    let dir = providers_spec();
    let objs = objects(&compile(dir.path()).join("management"));
    let aws = find(&objs, "AWSCluster", "aws-1");
    assert_eq!(aws["spec"]["sshKeyName"], "platform-ops");
    let aws_tpl = find(&objs, "AWSMachineTemplate", "aws-1-gpu-a100");
    assert_eq!(
        aws_tpl["spec"]["template"]["spec"]["ami"]["id"],
        "ami-0123456789abcdef0"
    );
    assert_eq!(
        aws_tpl["spec"]["template"]["spec"]["sshKeyName"],
        "platform-ops"
    );
    let gcp = find(&objs, "GCPCluster", "gcp-1");
    assert_eq!(gcp["spec"]["project"], "prov-ml-prod");
    assert_eq!(gcp["spec"]["network"]["name"], "ml-net");
    let gcp_tpl = find(&objs, "GCPMachineTemplate", "gcp-1-cpu");
    assert_eq!(
        gcp_tpl["spec"]["template"]["spec"]["serviceAccounts"]["email"],
        "nodes@prov-ml-prod.iam.gserviceaccount.com"
    );
    let az = find(&objs, "AzureCluster", "azure-1");
    assert_eq!(
        az["spec"]["subscriptionID"],
        "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    );
    assert_eq!(az["spec"]["resourceGroup"], "rg-ml-prod");
    assert_eq!(az["spec"]["identityRef"]["name"], "azure-1-identity");
    let id = find(&objs, "AzureClusterIdentity", "azure-1-identity");
    assert_eq!(id["spec"]["type"], "ServicePrincipal");
    assert_eq!(id["spec"]["clientSecret"]["name"], "capz-sp");
    let es = find(&objs, "ExternalSecret", "capz-sp");
    assert_eq!(es["spec"]["data"][0]["secretKey"], "clientSecret");
    let aks_id = find(&objs, "AzureClusterIdentity", "aks-1-identity");
    assert_eq!(aks_id["spec"]["type"], "WorkloadIdentity");
    // A cluster without an SSH key gets none (CAPA would look for `default`).
    let eks = find(&objs, "AWSManagedControlPlane", "eks-1-control-plane");
    assert_eq!(eks["spec"]["sshKeyName"], "platform-ops");
    assert_eq!(eks["spec"]["version"], "v1.34");
}

#[test]
fn managed_pools_keep_labels_taints_and_bounds() {
    let dir = providers_spec();
    let objs = objects(&compile(dir.path()).join("management"));
    let eks = find(&objs, "AWSManagedMachinePool", "eks-1-gpu-a100");
    assert_eq!(eks["spec"]["scaling"]["minSize"], 0);
    assert_eq!(eks["spec"]["scaling"]["maxSize"], 2);
    assert_eq!(eks["spec"]["capacityType"], "spot");
    assert_eq!(eks["spec"]["labels"]["mlpc.io/pool"], "gpu-a100");
    assert_eq!(eks["spec"]["taints"][0]["effect"], "no-schedule");
    let eks_mp = find(&objs, "MachinePool", "eks-1-gpu-a100");
    assert_eq!(
        eks_mp["metadata"]["annotations"]["capacity.cluster-autoscaler.kubernetes.io/gpu-count"],
        "8"
    );
    let gke = find(&objs, "GCPManagedMachinePool", "gke-1-gpu-a100");
    assert_eq!(gke["spec"]["scaling"]["maxCount"], 2);
    assert_eq!(gke["spec"]["kubernetesTaints"][0]["key"], "nvidia.com/gpu");
    let gke_mp = find(&objs, "MachinePool", "gke-1-gpu-a100");
    assert_eq!(
        gke_mp["metadata"]["annotations"]["cluster.x-k8s.io/replicas-managed-by"],
        "external-autoscaler"
    );
    let aks = find(&objs, "AzureManagedMachinePool", "aks-1-gpu-a100");
    assert_eq!(aks["spec"]["name"], "gpua100");
    assert_eq!(aks["spec"]["mode"], "User");
    assert_eq!(aks["spec"]["scaleSetPriority"], "Spot");
    let system = find(&objs, "AzureManagedMachinePool", "aks-1-system");
    assert_eq!(system["spec"]["mode"], "System");
    let aks_cp = find(&objs, "AzureManagedControlPlane", "aks-1-control-plane");
    // The DNS service sits inside the service CIDR (the default 10.128.0.0/12).
    assert_eq!(aks_cp["spec"]["dnsServiceIP"], "10.128.0.10");
}

/// Component flags follow the Kubernetes release line: kube-apiserver lost
/// `--cloud-provider` in 1.33 (it then exits at start), the controller
/// manager and kubelet keep `cloud-provider=external`.
#[test]
fn control_plane_flags_follow_the_kubernetes_version() {
    for (version, api_server_flag) in [("v1.32.9", true), ("v1.33.5", false), ("v1.34.1", false)] {
        let dir = providers_spec();
        let spec = dir.path().join("ml-platform.toml");
        let text = std::fs::read_to_string(&spec).unwrap().replace(
            "kubernetes_version = \"v1.34.1\"",
            &format!("kubernetes_version = \"{version}\""),
        );
        std::fs::write(&spec, text).unwrap();
        let objs = objects(&compile(dir.path()).join("management"));
        for cluster in ["aws-1", "gcp-1", "azure-1"] {
            let kcp = find(
                &objs,
                "KubeadmControlPlane",
                &format!("{cluster}-control-plane"),
            );
            let cc = &kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"];
            let api_args = cc["apiServer"]["extraArgs"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let has = api_args.iter().any(|a| a["name"] == "cloud-provider");
            assert_eq!(has, api_server_flag, "{cluster} on {version}: {api_args:?}");
            assert_eq!(
                cc["controllerManager"]["extraArgs"][0],
                serde_json::json!({"name": "cloud-provider", "value": "external"}),
                "{cluster} on {version}"
            );
            let kubelet = &kcp["spec"]["kubeadmConfigSpec"]["initConfiguration"]["nodeRegistration"]
                ["kubeletExtraArgs"];
            assert_eq!(
                kubelet[0]["name"], "cloud-provider",
                "{cluster} on {version}"
            );
            let pool = find(
                &objs,
                "KubeadmConfigTemplate",
                &format!("{cluster}-gpu-a100"),
            );
            assert_eq!(
                pool["spec"]["template"]["spec"]["joinConfiguration"]["nodeRegistration"]["kubeletExtraArgs"]
                    [0]["name"],
                "cloud-provider"
            );
        }
        // Docker nodes have no cloud: no cloud flags at all.
        let kcp = find(&objs, "KubeadmControlPlane", "dev-1-control-plane");
        let spec = &kcp["spec"]["kubeadmConfigSpec"];
        assert!(spec["clusterConfiguration"]["apiServer"]["extraArgs"].is_null());
        assert!(spec["clusterConfiguration"]["controllerManager"].is_null());
        assert_eq!(
            spec["initConfiguration"]["nodeRegistration"]["kubeletExtraArgs"],
            serde_json::json!([{"name": "node-labels", "value": "mlpc.io/pool=control-plane"}])
        );
    }
}

#[test]
fn endpoint_destination_and_registration() {
    let dir = providers_spec();
    let out = compile(dir.path());
    let mgmt = objects(&out.join("management"));
    // The spec's server host is in the API server certificate.
    let kcp = find(&mgmt, "KubeadmControlPlane", "aws-1-control-plane");
    assert_eq!(
        kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["apiServer"]["certSANs"],
        serde_json::json!(["aws-1.k8s.prov.example"])
    );
    // Self-managed clusters are registered under their `server`; managed ones
    // with the endpoint from Cluster API's kubeconfig, and deployed to by name.
    let reg = find(&mgmt, "ExternalSecret", "cluster-aws-1");
    let data = &reg["spec"]["target"]["template"]["data"];
    assert_eq!(data["server"], "https://aws-1.k8s.prov.example:6443");
    assert_eq!(data["name"], "aws-1");
    assert_eq!(
        reg["spec"]["data"][0]["remoteRef"]["key"],
        "aws-1-kubeconfig"
    );
    assert_eq!(
        reg["spec"]["target"]["template"]["metadata"]["labels"]["argocd.argoproj.io/secret-type"],
        "cluster"
    );
    let eks_reg = find(&mgmt, "ExternalSecret", "cluster-eks-1");
    let server = eks_reg["spec"]["target"]["template"]["data"]["server"]
        .as_str()
        .unwrap();
    assert!(server.contains(".kubeconfig | fromYaml"), "{server}");
    let role = find(&mgmt, "Role", "eks-1-capi-kubeconfig");
    assert_eq!(
        role["rules"][0]["resourceNames"],
        serde_json::json!(["eks-1-kubeconfig"])
    );
    let apps = |cluster: &str| -> Vec<Value> {
        objects(&out.join("management/argocd").join(cluster))
            .into_iter()
            .filter(|o| o["kind"] == "Application")
            .collect()
    };
    for app in apps("eks-1") {
        if app["metadata"]["name"] == "eks-1-cluster-autoscaler" {
            // The autoscaler runs on the management cluster, beside the
            // cluster's kubeconfig Secret.
            assert_eq!(
                app["spec"]["destination"]["server"],
                "https://kubernetes.default.svc"
            );
            assert_eq!(app["spec"]["destination"]["namespace"], "eks-1");
            continue;
        }
        assert_eq!(
            app["spec"]["destination"]["name"], "eks-1",
            "{}",
            app["metadata"]["name"]
        );
        assert!(app["spec"]["destination"]["server"].is_null());
    }
    for app in apps("aws-1") {
        if app["metadata"]["name"] == "aws-1-cluster-autoscaler" {
            continue;
        }
        assert_eq!(
            app["spec"]["destination"]["server"],
            "https://aws-1.k8s.prov.example:6443"
        );
    }
    for app in apps("mgmt") {
        assert_eq!(
            app["spec"]["destination"]["server"],
            "https://kubernetes.default.svc"
        );
    }
}

fn codes_after(patch: impl Fn(String) -> String) -> (Option<i32>, Vec<(String, String)>) {
    let dir = providers_spec();
    let spec = dir.path().join("ml-platform.toml");
    let text = patch(std::fs::read_to_string(&spec).unwrap());
    std::fs::write(&spec, text).unwrap();
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}{}", stdout(&o), stderr(&o)));
    let found = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (o.status.code(), found)
}

#[test]
fn the_providers_spec_is_clean_but_for_the_eks_gpu_image() {
    let (code, found) = codes_after(|t| t);
    assert_eq!(code, Some(0), "{found:?}");
    assert_eq!(
        found,
        vec![("W180".to_string(), "clusters[5].provider".to_string())]
    );
    // On 1.32 EKS still has its GPU AMI: nothing to warn about.
    let (_, found) = codes_after(|t| t.replace("v1.34.1", "v1.32.9"));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn cluster_rules_fire_where_the_value_is() {
    type Patch = Box<dyn Fn(String) -> String>;
    let cases: Vec<(&str, Patch, &str, &str)> = vec![
        (
            "E170: no server in a fleet",
            Box::new(|t: String| {
                t.replace("server = \"https://aws-1.k8s.prov.example:6443\"\n", "")
            }),
            "E170",
            "clusters[1]",
        ),
        (
            "E172: two management clusters",
            Box::new(|t: String| {
                t.replace(
                    "region = \"local\"\n",
                    "region = \"local\"\nmanagement = true\n",
                )
            }),
            "E172",
            "clusters[4].management",
        ),
        (
            "E173: settings of another cloud",
            Box::new(|t: String| {
                t.replace(
                    "region = \"local\"\n",
                    "region = \"local\"\ngcp = { project = \"prov-ml-prod\" }\n",
                )
            }),
            "E173",
            "clusters[4].gcp",
        ),
        (
            "E174: GKE without its project",
            Box::new(|t: String| t.replace("gcp = { project = \"prov-ml-prod\" }\n", "")),
            "E174",
            "clusters[6].provider",
        ),
        (
            "E175: a project ID that GCP refuses",
            Box::new(|t: String| {
                t.replace("project = \"prov-ml-prod\" }", "project = \"Prov_ML\" }")
            }),
            "E175",
            "clusters[6].gcp.project",
        ),
        (
            "E175: a subscription that is not a GUID",
            Box::new(|t: String| {
                t.replacen(
                    "subscription_id = \"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\"",
                    "subscription_id = \"my-subscription\"",
                    1,
                )
            }),
            "E175",
            "clusters[3].azure.subscription_id",
        ),
        (
            "E176: a service principal without its secret",
            Box::new(|t: String| {
                t.replace(
                    ", client_secret = { secret_name = \"capz-sp\", external = { store = \"vault\", key = \"capz/sp\" } }",
                    "",
                )
            }),
            "E176",
            "clusters[3].azure.identity",
        ),
        (
            "W177: a client secret the identity ignores",
            Box::new(|t: String| t.replace("identity = \"service-principal\", ", "")),
            "W177",
            "clusters[3].azure.client_secret",
        ),
        (
            "E178: a server with credentials",
            Box::new(|t: String| {
                t.replace(
                    "https://gcp-1.k8s.prov.example:6443",
                    "https://admin@gcp-1.k8s.prov.example:6443",
                )
            }),
            "E178",
            "clusters[2].server",
        ),
        (
            "W179: a release line without known flags",
            Box::new(|t: String| t.replace("v1.34.1", "v1.36.0")),
            "W179",
            "platform.kubernetes_version",
        ),
    ];
    for (what, patch, code, path) in cases {
        let (_, found) = codes_after(patch);
        assert!(
            found.iter().any(|(c, p)| c == code && p == path),
            "{what}: expected {code} at {path}, got {found:?}"
        );
    }
}

#[test]
fn a_single_cluster_without_server_warns_that_it_deploys_in_cluster() {
    let dir = tempfile::tempdir().unwrap();
    copy_example_into(dir.path());
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    // Keep only the staging cluster, without its server.
    let start = text.find("[[clusters]]\nname = \"prod-usw2\"").unwrap();
    let end = text[start..].find("\n[[node_pools]]").unwrap() + start;
    let mut text = text.replace(&text[start..end], "");
    text = text.replace("server = \"https://stg-use1.k8s.acme.example:6443\"\n", "");
    text = text.replace("clusters = [\"prod-usw2\"]\n", "");
    std::fs::write(&spec, text).unwrap();
    std::fs::write(dir.path().join("environments/prod.toml"), "").unwrap();
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    let out = stdout(&o);
    assert!(out.contains("\"W171\""), "{out}{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{out}");
}

/// Argo CD refuses an Application whose repository its AppProject does not
/// list: every install, add-ons included, must be permitted.
#[test]
fn every_application_source_is_permitted_by_the_project() {
    let dir = providers_spec();
    let objs = objects(&compile(dir.path()).join("management"));
    let project = objs
        .iter()
        .find(|o| o["kind"] == "AppProject")
        .expect("AppProject");
    let repos: Vec<&str> = project["spec"]["sourceRepos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let mut checked = 0;
    for app in objs.iter().filter(|o| o["kind"] == "Application") {
        let repo = app["spec"]["source"]["repoURL"].as_str().unwrap();
        assert!(
            repos.contains(&repo),
            "{}: {repo} is not in the project's sourceRepos",
            app["metadata"]["name"]
        );
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn the_catalog_lists_add_ons_and_version_keyed_flags() {
    let o = mlpc(&repo(), &["catalog", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let addons = v["addons"].as_array().unwrap();
    assert!(
        addons
            .iter()
            .any(|a| a["name"] == "cilium" && a["version"] == "1.19.6")
    );
    let flags = v["kubernetes"]["external_cloud_flags"].as_array().unwrap();
    assert!(flags.iter().any(|f| f["component"] == "api-server"
        && f["name"] == "cloud-provider"
        && f["removed_in"] == serde_json::json!([1, 33])));
}

/// Machine templates are immutable in every Cluster API provider: a pool
/// change must be a new template that the MachineDeployment points at (a
/// rollout), never an edit the provider's webhook refuses at sync.
#[test]
fn a_pool_change_is_a_new_template_and_a_rollout() {
    let dir = example_copy();
    let names = |dir: &std::path::Path| -> Vec<(String, String, String)> {
        let objs = crate::support::compile_objects(dir);
        let mut out: Vec<(String, String, String)> = objs
            .iter()
            .filter(|o| {
                o["kind"] == "MachineDeployment" && o["metadata"]["namespace"] == "prod-usw2"
            })
            .map(|md| {
                let spec = &md["spec"]["template"]["spec"];
                let infra = spec["infrastructureRef"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let boot = spec["bootstrap"]["configRef"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                // Both references name a template of the tree.
                for (kind, name) in [
                    ("AWSMachineTemplate", &infra),
                    ("KubeadmConfigTemplate", &boot),
                ] {
                    let t = find(&objs, kind, name);
                    assert_eq!(
                        t["metadata"]["annotations"]["argocd.argoproj.io/sync-options"],
                        "PruneLast=true"
                    );
                }
                (
                    md["metadata"]["name"].as_str().unwrap().to_string(),
                    infra,
                    boot,
                )
            })
            .collect();
        out.sort();
        out
    };
    let before = names(dir.path());
    assert_eq!(before.len(), 4, "{before:?}");
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replacen(
            "instance_type = \"p4d.24xlarge\"",
            "instance_type = \"p4de.24xlarge\"",
            1,
        ),
    )
    .unwrap();
    let after = names(dir.path());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        if b.0.ends_with("gpu-a100") {
            assert_ne!(
                b.1, a.1,
                "the A100 pool's new machine template has a new name"
            );
            assert_eq!(template_base(&a.1), template_base(&b.1));
        } else {
            assert_eq!(b, a, "other pools keep their templates (no rollout)");
        }
        // The bootstrap template did not change.
        assert_eq!(b.2, a.2);
    }
    // The old template is no longer in the tree (Argo CD prunes it last).
    let old = &before.iter().find(|b| b.0.ends_with("gpu-a100")).unwrap().1;
    let tree = read_tree(&dir.path().join("out"));
    assert!(
        !tree.keys().any(|f| f.contains(old.as_str())),
        "{old} still written"
    );
}

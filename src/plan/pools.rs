//! Node pools of a cluster (labels, taints, kubelet flags, names in the managed
//! service, disks and timeouts) and where a workload lands on them: its node
//! selector and tolerations.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cluster;
use super::labels::{CAPACITY_TYPE_LABEL, GPU_TYPE_LABEL, POOL_LABEL};
use crate::catalog::Version;
use crate::spec::model::{self as spec, Cloud, Provider, Spec, on_cluster};

/// The extended resource of NVIDIA GPUs (the device plugin's), also the key of
/// the GPU pools' taint.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

#[derive(Clone, Debug, Serialize)]
pub struct GpuCtx {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub effect: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PoolCtx {
    pub name: String,
    /// `<cluster>-<pool>`: MachineDeployment and template names.
    pub resource_name: String,
    pub instance_type: String,
    pub cpu: u32,
    pub memory_gib: u32,
    pub min_nodes: u32,
    pub max_nodes: u32,
    pub spot: bool,
    pub hourly_price: f64,
    pub gpu: Option<GpuCtx>,
    /// The most GPUs the pool holds (`max_nodes` × GPUs per node).
    pub gpu_capacity: u64,
    pub node_labels: BTreeMap<String, String>,
    pub node_labels_csv: String,
    /// The label that selects the pool's nodes (`mlpc.io/pool: <pool>`).
    pub selector: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub taints_csv: String,
    /// The taints in EKS node group vocabulary (`no-schedule`, ...).
    pub eks_taints: Vec<Taint>,
    /// Kueue ResourceFlavor name.
    pub flavor: String,
    /// Kubelet flags of the pool's nodes (cloud flags plus the node labels).
    pub kubelet_args: Vec<super::cluster::Arg>,
    /// The pool's name in the managed service: the EKS node group, GKE node pool or
    /// AKS agent pool (at most 12 lowercase alphanumerics, unique in the cluster).
    pub managed_name: String,
    /// An AKS system agent pool (added by the plan; not a spec pool).
    pub system: bool,
    /// EKS node group AMI type (empty elsewhere).
    pub ami_type: String,
    /// Root disk of each node in GiB.
    pub root_disk_gib: u32,
    /// EC2 instance metadata options (self-managed AWS pools).
    pub instance_metadata: Option<InstanceMetadataCtx>,
    /// How long Cluster API drains a node before deleting it (self-managed).
    pub drain_timeout_seconds: u32,
    /// How long a new node may take to become Ready before it is remediated.
    pub startup_timeout_seconds: u32,
}

/// EC2 instance metadata options of a pool's machines (CAPA's
/// `InstanceMetadataOptions`, field names as its API spells them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceMetadataCtx {
    pub http_endpoint: String,
    pub http_tokens: String,
    pub http_put_response_hop_limit: u32,
}

/// The instance metadata options of a self-managed AWS pool: IMDSv2 only,
/// with a PUT response hop limit of 2, set on every AWS pool.
///
/// CAPA (v2.10, `SetDefaults_AWSMachineSpec`) otherwise launches machines
/// with `httpTokens: optional` and a hop limit of 1. A pod is one hop further
/// than its node, so with a limit of 1 the IMDSv2 token never reaches it: a
/// model with `storage = { node_identity = true }` (boto3 asks for a token
/// first) and the EBS CSI controller (which reads the node's role from a
/// pod) only get credentials through the IMDSv1 fallback, which `optional`
/// leaves open to every process on the node. Required tokens with a limit of
/// 2 give pods exactly the reach they had, over IMDSv2 only; team namespaces
/// keep the metadata endpoint closed by NetworkPolicy but for the models that
/// use the node's identity. Other providers need nothing: GCE's and Azure's
/// metadata servers answer pods without a hop limit, and EKS's and GKE's
/// pools are the cloud's (validation says where node identity cannot work).
pub fn instance_metadata(p: Provider) -> Option<InstanceMetadataCtx> {
    (p == Provider::Aws).then(|| InstanceMetadataCtx {
        http_endpoint: "enabled".into(),
        http_tokens: "required".into(),
        http_put_response_hop_limit: 2,
    })
}

#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub gpus: u32,
}

/// The cluster's pools (spec order), named in the managed service.
pub fn plan(s: &Spec, c: &spec::Cluster) -> Vec<PoolCtx> {
    let k8s = cluster::k8s_version(s);
    let mut pools: Vec<PoolCtx> = s
        .node_pools
        .iter()
        .filter(|p| on_cluster(&p.clusters, &c.name))
        .map(|p| pool_ctx(c, k8s, p))
        .collect();
    let names: Vec<&str> = s
        .node_pools
        .iter()
        .filter(|p| on_cluster(&p.clusters, &c.name))
        .map(|p| p.name.as_str())
        .collect();
    let managed = cluster::managed_pool_names(c.provider, &c.name, &names);
    for (p, n) in pools.iter_mut().zip(managed) {
        p.managed_name = n;
    }
    pools
}

/// The label that selects a pool's nodes.
pub fn selector(pool: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(POOL_LABEL.to_string(), pool.to_string())])
}

/// What lets a pod onto GPU nodes: the GPU pools' taint.
pub fn gpu_tolerations() -> Vec<Toleration> {
    vec![Toleration {
        key: GPU_RESOURCE.into(),
        operator: "Exists".into(),
        effect: "NoSchedule".into(),
    }]
}

/// Root disk of a node: GPU nodes hold large images and datasets; Azure sizes
/// disks in powers of two.
pub fn root_disk_gib(p: Provider, gpu: bool) -> u32 {
    match (p.cloud(), gpu) {
        (Cloud::Azure, true) => 512,
        (Cloud::Azure, false) => 128,
        (_, true) => 500,
        (_, false) => 100,
    }
}

/// Drain and startup timeouts: GPU nodes take longer to drain (long jobs) and
/// to become Ready (the GPU operator installs the driver).
fn timeouts(gpu: bool) -> (u32, u32) {
    if gpu { (1800, 1800) } else { (600, 900) }
}

/// Where a workload runs: on `pool` when it names one of the cluster's pools
/// (with the GPU toleration on a GPU pool), else anywhere, tolerating GPU nodes
/// when it asks for GPUs.
pub fn placement(pools: &[PoolCtx], pool: Option<&str>, gpus: u32) -> Placement {
    let tolerate = |yes: bool| if yes { gpu_tolerations() } else { Vec::new() };
    match pool.and_then(|n| pools.iter().find(|p| p.name == n)) {
        Some(p) => Placement {
            node_selector: selector(&p.name),
            tolerations: tolerate(p.gpu.is_some()),
            gpus,
        },
        None => Placement {
            node_selector: BTreeMap::new(),
            tolerations: tolerate(gpus > 0),
            gpus,
        },
    }
}

fn pool_ctx(c: &spec::Cluster, k8s: Version, p: &spec::NodePool) -> PoolCtx {
    let mut node_labels = selector(&p.name);
    let mut taints = Vec::new();
    if let Some(g) = &p.gpu {
        node_labels.insert(GPU_TYPE_LABEL.into(), g.kind.clone());
        node_labels.insert("cluster-api/accelerator".into(), g.kind.clone());
        node_labels.insert("nvidia.com/gpu.present".into(), "true".into());
        taints.push(Taint {
            key: GPU_RESOURCE.into(),
            value: "true".into(),
            effect: "NoSchedule".into(),
        });
    }
    if p.spot {
        node_labels.insert(CAPACITY_TYPE_LABEL.into(), "spot".into());
    }
    for (k, v) in &p.labels {
        node_labels.insert(k.clone(), v.clone());
    }
    let node_labels_csv = csv(node_labels.iter().map(|(k, v)| format!("{k}={v}")));
    let taints_csv = csv(taints
        .iter()
        .map(|t| format!("{}={}:{}", t.key, t.value, t.effect)));
    let (drain, startup) = timeouts(p.gpu.is_some());
    PoolCtx {
        kubelet_args: cluster::kubelet_args(c.provider, k8s, &node_labels_csv),
        managed_name: String::new(),
        system: false,
        ami_type: if c.provider == Provider::Eks {
            cluster::eks_ami_type(p.gpu.is_some(), k8s).into()
        } else {
            String::new()
        },
        name: p.name.clone(),
        resource_name: format!("{}-{}", c.name, p.name),
        instance_type: p.instance_type.clone(),
        cpu: p.cpu,
        memory_gib: p.memory_gib,
        min_nodes: p.min_nodes,
        max_nodes: p.max_nodes,
        spot: p.spot,
        hourly_price: p.hourly_price,
        gpu: p.gpu.as_ref().map(|g| GpuCtx {
            kind: g.kind.clone(),
            count: g.count,
        }),
        gpu_capacity: p.gpu_capacity(),
        node_labels,
        node_labels_csv,
        selector: selector(&p.name),
        eks_taints: eks_taints(&taints),
        taints,
        taints_csv,
        flavor: p.name.clone(),
        // The disk `mlpc cost` prices is the disk the machines get.
        root_disk_gib: p
            .disk_gib
            .unwrap_or_else(|| root_disk_gib(c.provider, p.gpu.is_some())),
        instance_metadata: instance_metadata(c.provider),
        drain_timeout_seconds: drain,
        startup_timeout_seconds: startup,
    }
}

/// The pools Cluster API creates. AKS requires a `System` agent pool for its own
/// components; mlpc adds one (1–3 untainted nodes of the control-plane
/// instance type) so the spec's pools, GPU pools included, stay `User` pools.
pub fn machine_pools(c: &spec::Cluster, pools: &[PoolCtx]) -> Vec<PoolCtx> {
    let mut out = Vec::new();
    if c.provider == Provider::Aks && !c.management {
        let instance = c
            .control_plane
            .instance_type
            .clone()
            .unwrap_or_else(|| cluster::default_cp_instance(c.provider).into());
        out.push(system_pool(c, "system", instance));
    }
    out.extend(pools.iter().cloned());
    out
}

/// A pool the plan adds (AKS's system pool): untainted, unlabelled but for its
/// pool label, no GPUs.
pub fn system_pool(c: &spec::Cluster, name: &str, instance_type: String) -> PoolCtx {
    let (drain, startup) = timeouts(false);
    PoolCtx {
        name: name.into(),
        resource_name: format!("{}-{name}", c.name),
        instance_type,
        cpu: 4,
        memory_gib: 16,
        min_nodes: 1,
        max_nodes: 3,
        spot: false,
        hourly_price: 0.0,
        gpu: None,
        gpu_capacity: 0,
        node_labels_csv: format!("{POOL_LABEL}={name}"),
        node_labels: selector(name),
        selector: selector(name),
        taints: Vec::new(),
        taints_csv: String::new(),
        eks_taints: Vec::new(),
        flavor: String::new(),
        kubelet_args: Vec::new(),
        managed_name: name.into(),
        system: true,
        ami_type: String::new(),
        root_disk_gib: root_disk_gib(c.provider, false),
        instance_metadata: instance_metadata(c.provider),
        drain_timeout_seconds: drain,
        startup_timeout_seconds: startup,
    }
}

fn csv(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// EKS node groups spell taint effects in kebab case.
fn eks_taints(taints: &[Taint]) -> Vec<Taint> {
    taints
        .iter()
        .map(|t| Taint {
            effect: match t.effect.as_str() {
                "NoSchedule" => "no-schedule",
                "NoExecute" => "no-execute",
                "PreferNoSchedule" => "prefer-no-schedule",
                other => other,
            }
            .into(),
            ..t.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{POOLS, cluster, spec};

    #[test]
    fn pools_follow_their_clusters_with_labels_taints_and_sizes() {
        let s = spec(POOLS);
        let c1 = plan(&s, cluster(&s, "c1"));
        let names: Vec<&str> = c1.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["cpu", "a100", "l4"]);
        let c2 = plan(&s, cluster(&s, "c2"));
        assert_eq!(c2.len(), 2, "l4 lives on c1 only");

        let a100 = &c1[1];
        assert_eq!(a100.resource_name, "c1-a100");
        assert_eq!(a100.gpu_capacity, 16);
        assert_eq!(a100.selector, selector("a100"));
        assert_eq!(a100.node_labels["mlpc.io/pool"], "a100");
        assert_eq!(a100.node_labels["nvidia.com/gpu.present"], "true");
        assert_eq!(a100.taints_csv, "nvidia.com/gpu=true:NoSchedule");
        assert_eq!(a100.eks_taints[0].effect, "no-schedule");
        assert_eq!(
            (
                a100.root_disk_gib,
                a100.drain_timeout_seconds,
                a100.startup_timeout_seconds
            ),
            (500, 1800, 1800)
        );
        let cpu = &c1[0];
        assert!(cpu.taints.is_empty() && cpu.gpu_capacity == 0);
        assert_eq!(cpu.node_labels_csv, "mlpc.io/pool=cpu");
        assert_eq!(
            (
                cpu.root_disk_gib,
                cpu.drain_timeout_seconds,
                cpu.startup_timeout_seconds
            ),
            (100, 600, 900)
        );
    }

    #[test]
    fn aws_pools_answer_imdsv2_to_pods() {
        let s = spec(POOLS);
        let aws = plan(&s, cluster(&s, "c1"));
        let want = InstanceMetadataCtx {
            http_endpoint: "enabled".into(),
            http_tokens: "required".into(),
            http_put_response_hop_limit: 2,
        };
        assert!(
            aws.iter()
                .all(|p| p.instance_metadata == Some(want.clone()))
        );
        assert_eq!(
            serde_json::to_value(&want).unwrap(),
            serde_json::json!({"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2})
        );
        for p in [
            Provider::Gcp,
            Provider::Azure,
            Provider::Eks,
            Provider::Gke,
            Provider::Aks,
            Provider::Docker,
        ] {
            assert_eq!(instance_metadata(p), None, "{p:?}");
        }
    }

    #[test]
    fn azure_disks_are_powers_of_two() {
        assert_eq!(root_disk_gib(Provider::Aks, true), 512);
        assert_eq!(root_disk_gib(Provider::Azure, false), 128);
        assert_eq!(root_disk_gib(Provider::Gke, false), 100);
    }

    #[test]
    fn placement_selects_the_pool_and_tolerates_gpus() {
        let s = spec(POOLS);
        let pools = plan(&s, cluster(&s, "c1"));
        let on_gpu = placement(&pools, Some("a100"), 0);
        assert_eq!(on_gpu.node_selector, selector("a100"));
        assert_eq!(on_gpu.tolerations.len(), 1);
        assert_eq!(on_gpu.tolerations[0].key, GPU_RESOURCE);
        let on_cpu = placement(&pools, Some("cpu"), 0);
        assert_eq!(on_cpu.node_selector, selector("cpu"));
        assert!(on_cpu.tolerations.is_empty());
        // No pool (or one not on this cluster): anywhere, tolerating GPU nodes
        // only when GPUs are asked for.
        let anywhere = placement(&pools, Some("absent"), 2);
        assert!(anywhere.node_selector.is_empty());
        assert_eq!((anywhere.tolerations.len(), anywhere.gpus), (1, 2));
        assert!(placement(&pools, None, 0).tolerations.is_empty());
    }
}

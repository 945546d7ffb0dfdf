//! The built-in component catalog: default versions, the release lines mlpc
//! knows how to render, where each component installs from, and the pairs of
//! versions known not to work together.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::spec::model::Components;

/// A `vMAJOR.MINOR.PATCH` version (the leading `v` and any suffix are optional).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let core = s.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    pub fn line(self) -> (u64, u64) {
        (self.major, self.minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// How a component is installed by Argo CD.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A Helm chart from a repository (`repo` is an https or OCI host path).
    Helm {
        repo: &'static str,
        chart: &'static str,
    },
    /// A kustomize path in a Git repository, at a tag derived from the version.
    Git {
        repo: &'static str,
        path: &'static str,
    },
    /// Not installed by an Application on the workload cluster (e.g. Cluster API
    /// on the management cluster).
    Management,
}

#[derive(Clone, Copy, Debug)]
pub struct Component {
    /// Key in `[components]`.
    pub key: &'static str,
    pub default: &'static str,
    /// Release lines (major, minor) mlpc renders for.
    pub lines: &'static [(u64, u64)],
    /// Whether the install source (chart version or Git tag) writes the version with a leading `v`.
    pub v_prefix: bool,
    pub source: Source,
}

pub const CATALOG: &[Component] = &[
    Component {
        key: "istio",
        default: "1.28.1",
        lines: &[(1, 26), (1, 27), (1, 28)],
        v_prefix: false,
        source: Source::Helm {
            repo: "https://istio-release.storage.googleapis.com/charts",
            chart: "istiod",
        },
    },
    Component {
        key: "cert_manager",
        default: "v1.19.1",
        lines: &[(1, 17), (1, 18), (1, 19)],
        v_prefix: true,
        source: Source::Helm {
            repo: "https://charts.jetstack.io",
            chart: "cert-manager",
        },
    },
    Component {
        key: "kfp",
        default: "2.14.3",
        lines: &[(2, 5), (2, 14), (2, 15)],
        v_prefix: false,
        source: Source::Git {
            repo: "https://github.com/kubeflow/pipelines.git",
            path: "manifests/kustomize/env/platform-agnostic",
        },
    },
    Component {
        key: "katib",
        default: "v0.19.0",
        lines: &[(0, 17), (0, 18), (0, 19)],
        v_prefix: true,
        source: Source::Git {
            repo: "https://github.com/kubeflow/katib.git",
            path: "manifests/v1beta1/installs/katib-standalone",
        },
    },
    Component {
        key: "kserve",
        default: "v0.16.0",
        lines: &[(0, 14), (0, 15), (0, 16)],
        v_prefix: true,
        source: Source::Helm {
            repo: "ghcr.io/kserve/charts",
            chart: "kserve",
        },
    },
    Component {
        key: "trainer",
        default: "v2.1.0",
        lines: &[(2, 0), (2, 1), (2, 2)],
        v_prefix: true,
        source: Source::Git {
            repo: "https://github.com/kubeflow/trainer.git",
            path: "manifests/overlays/manager",
        },
    },
    Component {
        key: "kueue",
        default: "v0.16.0",
        lines: &[(0, 13), (0, 14), (0, 15), (0, 16)],
        // Kueue's OCI chart versions carry no `v`.
        v_prefix: false,
        source: Source::Helm {
            repo: "registry.k8s.io/kueue/charts",
            chart: "kueue",
        },
    },
    Component {
        key: "gatekeeper",
        default: "3.21.0",
        lines: &[(3, 19), (3, 20), (3, 21)],
        v_prefix: false,
        source: Source::Helm {
            repo: "https://open-policy-agent.github.io/gatekeeper/charts",
            chart: "gatekeeper",
        },
    },
    Component {
        key: "opencost",
        default: "2.3.2",
        lines: &[(2, 1), (2, 2), (2, 3)],
        v_prefix: false,
        source: Source::Helm {
            repo: "https://opencost.github.io/opencost-helm-chart",
            chart: "opencost",
        },
    },
    Component {
        key: "gpu_operator",
        default: "v25.10.0",
        lines: &[(25, 3), (25, 10)],
        v_prefix: true,
        source: Source::Helm {
            repo: "https://helm.ngc.nvidia.com/nvidia",
            chart: "gpu-operator",
        },
    },
    Component {
        key: "cluster_api",
        default: "v1.11.3",
        lines: &[(1, 9), (1, 10), (1, 11)],
        v_prefix: true,
        source: Source::Management,
    },
];

pub fn component(key: &str) -> Option<&'static Component> {
    CATALOG.iter().find(|c| c.key == key)
}

/// The spec's `[components]` table as (key, value) pairs, in catalog order.
pub fn overrides(c: &Components) -> Vec<(&'static str, Option<&String>)> {
    vec![
        ("istio", c.istio.as_ref()),
        ("cert_manager", c.cert_manager.as_ref()),
        ("kfp", c.kfp.as_ref()),
        ("katib", c.katib.as_ref()),
        ("kserve", c.kserve.as_ref()),
        ("trainer", c.trainer.as_ref()),
        ("kueue", c.kueue.as_ref()),
        ("gatekeeper", c.gatekeeper.as_ref()),
        ("opencost", c.opencost.as_ref()),
        ("gpu_operator", c.gpu_operator.as_ref()),
        ("cluster_api", c.cluster_api.as_ref()),
    ]
}

/// Resolved versions: cluster pins win over `[components]`, which wins over the catalog.
pub fn resolve(global: &Components, cluster: &Components) -> BTreeMap<&'static str, String> {
    let g = overrides(global);
    let c = overrides(cluster);
    CATALOG
        .iter()
        .zip(g.iter().zip(c.iter()))
        .map(|(comp, ((_, gv), (_, cv)))| {
            let v = cv
                .or(*gv)
                .cloned()
                .unwrap_or_else(|| comp.default.to_string());
            (comp.key, v)
        })
        .collect()
}

/// Why a version is not usable, if it is not.
pub fn check_version(key: &str, version: &str) -> Result<Version, String> {
    let comp = component(key).ok_or_else(|| format!("unknown component `{key}`"))?;
    let v = Version::parse(version)
        .ok_or_else(|| format!("`{version}` is not a version of the form MAJOR.MINOR.PATCH"))?;
    if !comp.lines.contains(&v.line()) {
        let lines: Vec<String> = comp.lines.iter().map(|(a, b)| format!("{a}.{b}")).collect();
        return Err(format!(
            "{key} {version} is not a release line mlpc renders for (known: {})",
            lines.join(", ")
        ));
    }
    Ok(v)
}

/// The rules [`incompatibilities`] applies, as `mlpc catalog` lists them:
/// (components involved, the combination that breaks). Keep in step with it.
pub const INCOMPATIBLE: &[(&[&str], &str)] = &[
    (
        &["cluster_api"],
        "cluster_api before 1.11 does not serve cluster.x-k8s.io/v1beta2, which mlpc emits",
    ),
    (
        &["kueue"],
        "kueue before 0.15 does not serve kueue.x-k8s.io/v1beta2, which mlpc emits",
    ),
    (
        &["kueue", "trainer"],
        "Kueue queues TrainJobs only with trainer 2.1 or later (when [training] has runtimes)",
    ),
    (
        &["istio", "kubernetes"],
        "istio 1.26 and 1.27 support Kubernetes 1.29 to 1.33; istio 1.28 supports 1.30 to 1.34",
    ),
    (
        &["kserve", "istio"],
        "kserve 0.15 or later needs istio 1.26 or later",
    ),
];

/// A known-incompatible combination of resolved versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Incompatibility {
    /// The component whose version should change.
    pub component: &'static str,
    pub message: String,
    pub hint: String,
}

/// Combinations known to break. `k8s` is the cluster's Kubernetes version.
pub fn incompatibilities(
    versions: &BTreeMap<&'static str, String>,
    k8s: &str,
    uses_trainjob_queueing: bool,
) -> Vec<Incompatibility> {
    let v = |k: &str| versions.get(k).and_then(|s| Version::parse(s));
    let mut out = Vec::new();
    if let Some(capi) = v("cluster_api")
        && capi.line() < (1, 11)
    {
        out.push(Incompatibility {
            component: "cluster_api",
            message: format!(
                "cluster_api {capi} does not serve cluster.x-k8s.io/v1beta2, which mlpc emits"
            ),
            hint: "use cluster_api v1.11 or later".into(),
        });
    }
    if let Some(kueue) = v("kueue")
        && kueue.line() < (0, 15)
    {
        out.push(Incompatibility {
            component: "kueue",
            message: format!(
                "kueue {kueue} does not serve kueue.x-k8s.io/v1beta2, which mlpc emits"
            ),
            hint: "use kueue v0.15 or later".into(),
        });
    }
    if uses_trainjob_queueing
        && let (Some(kueue), Some(trainer)) = (v("kueue"), v("trainer"))
        && trainer.line() < (2, 1)
    {
        out.push(Incompatibility {
            component: "trainer",
            message: format!(
                "Kueue {kueue} queues TrainJobs only with Kubeflow Trainer v2.1 or later, not {trainer}"
            ),
            hint: "use trainer v2.1 or later, or disable [training]".into(),
        });
    }
    // Istio supports a window of Kubernetes minors per release line.
    if let (Some(istio), Some(kube)) = (v("istio"), Version::parse(k8s)) {
        let window = match istio.line() {
            (1, 26) => Some((29, 33)),
            (1, 27) => Some((29, 33)),
            (1, 28) => Some((30, 34)),
            _ => None,
        };
        if let Some((lo, hi)) = window
            && kube.major == 1
            && !(lo..=hi).contains(&kube.minor)
        {
            out.push(Incompatibility {
                component: "istio",
                message: format!("istio {istio} supports Kubernetes 1.{lo} to 1.{hi}, not {kube}"),
                hint: "pick an Istio release line that supports this Kubernetes version".into(),
            });
        }
    }
    if let (Some(kserve), Some(istio)) = (v("kserve"), v("istio"))
        && kserve.line() >= (0, 15)
        && istio.line() < (1, 26)
    {
        out.push(Incompatibility {
            component: "kserve",
            message: format!("kserve {kserve} needs Istio 1.26 or later, not {istio}"),
            hint: "upgrade istio".into(),
        });
    }
    out
}

/// Kubernetes release lines mlpc renders control planes for (kubeadm flags,
/// Cluster API objects, add-on versions below).
pub const KUBERNETES_LINES: &[(u64, u64)] = &[(1, 32), (1, 33), (1, 34)];

/// A Kubernetes component whose flags mlpc sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum K8sComponent {
    ApiServer,
    ControllerManager,
    Kubelet,
}

/// A component flag whose validity depends on the cluster's Kubernetes release line.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct VersionedFlag {
    pub component: K8sComponent,
    pub name: &'static str,
    pub value: &'static str,
    /// First release line that no longer accepts the flag: the component exits at
    /// start with `unknown flag` when it is passed.
    pub removed_in: Option<(u64, u64)>,
    pub why: &'static str,
}

/// Flags of self-managed clusters on a cloud, whose cloud integration runs out of
/// tree in a cloud controller manager (Kubernetes removed the in-tree providers).
pub const EXTERNAL_CLOUD_FLAGS: &[VersionedFlag] = &[
    VersionedFlag {
        component: K8sComponent::ApiServer,
        name: "cloud-provider",
        value: "external",
        // kubernetes/kubernetes#130162: the flag was a no-op since 1.29 and is gone in 1.33.
        removed_in: Some((1, 33)),
        why: "tells the API server the cloud loops run outside (only accepted before 1.33)",
    },
    VersionedFlag {
        component: K8sComponent::ControllerManager,
        name: "cloud-provider",
        value: "external",
        removed_in: None,
        why: "the cloud controller manager runs the node, route and service loops",
    },
    VersionedFlag {
        component: K8sComponent::Kubelet,
        name: "cloud-provider",
        value: "external",
        removed_in: None,
        why: "nodes register with the uninitialized taint until the cloud controller manager sets their provider ID and addresses",
    },
];

/// The flags of `component` for a cluster on Kubernetes `k8s`: those of
/// `EXTERNAL_CLOUD_FLAGS` when the cloud integration is external, minus any the
/// release line no longer accepts.
pub fn component_flags(
    component: K8sComponent,
    k8s: Version,
    external_cloud: bool,
) -> Vec<(&'static str, &'static str)> {
    if !external_cloud {
        return Vec::new();
    }
    EXTERNAL_CLOUD_FLAGS
        .iter()
        .filter(|f| f.component == component)
        .filter(|f| f.removed_in.is_none_or(|r| k8s.line() < r))
        .map(|f| (f.name, f.value))
        .collect()
}

/// The Knative Operator release mlpc installs (only where some model uses Knative mode).
pub const KNATIVE_OPERATOR_VERSION: &str = "v1.19.4";

/// Without `spec.version`, a Knative Operator installs the newest Knative
/// Serving it ships: per operator release, that Serving's queue-proxy image
/// (`queue-sidecar-image` of `cmd/operator/kodata/knative-serving/<v>/2-serving-core.yaml`).
pub const KNATIVE_QUEUE_IMAGES: &[(&str, &str, &str)] = &[(
    "v1.19.4",
    "1.19.6",
    "gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:f155665f3a5faad07ab4dbe7e010790383936e5864344ccca7f40bbb2fa0f30b",
)];

fn bare(version: &str) -> &str {
    version.strip_prefix('v').unwrap_or(version)
}

fn with_v(version: &str) -> String {
    format!("v{}", bare(version))
}

/// The Istio sidecar's resources (the istiod chart's `global.proxy.resources`):
/// requests (cores, MiB) and limits (cores, GiB), counted by every team's
/// ResourceQuota next to the workload.
pub const ISTIO_PROXY_REQUESTS: (&str, &str) = ("100m", "128Mi");
pub const ISTIO_PROXY_LIMITS: (f64, f64) = (2.0, 1.0);

/// Knative's queue-proxy CPU request (`queue-sidecar-cpu-request` of
/// `config-deployment`); it requests no memory, so the team LimitRange's
/// default applies.
pub const KNATIVE_QUEUE_PROXY_CPU_REQUEST: &str = "25m";

/// Katib's suggestion container requests (cpu, memory) in `katib-config`'s
/// defaults.
pub const KATIB_SUGGESTION_REQUESTS: (&str, &str) = ("50m", "10Mi");

/// Istio's sidecar (and its `istio-init` / `istio-validation` init container):
/// the released charts' `global.hub` and `global.proxy.image` at the chart's tag.
pub fn istio_proxy_image(istio: &str) -> String {
    format!("docker.io/istio/proxyv2:{}", bare(istio))
}

/// Knative's queue-proxy for a Knative Operator release, if mlpc knows it.
pub fn knative_queue_image(operator: &str) -> Option<&'static str> {
    KNATIVE_QUEUE_IMAGES
        .iter()
        .find(|(op, _, _)| bare(op) == bare(operator))
        .map(|(_, _, image)| *image)
}

/// A Katib image (`suggestion-skopt`, `file-metrics-collector`, ...) of the
/// `katib-standalone` install: on docker.io until 0.17, on ghcr.io since 0.18.
pub fn katib_image(katib: &str, name: &str) -> String {
    let ghcr = Version::parse(katib).is_some_and(|v| v.line() >= (0, 18));
    if ghcr {
        format!("ghcr.io/kubeflow/katib/{name}:{}", with_v(katib))
    } else {
        format!("docker.io/kubeflowkatib/{name}:{}", with_v(katib))
    }
}

/// The suggestion service per Katib algorithm (`katib-config.yaml`'s `suggestions`).
pub const KATIB_SUGGESTIONS: &[(&str, &str)] = &[
    ("random", "suggestion-hyperopt"),
    ("tpe", "suggestion-hyperopt"),
    ("grid", "suggestion-optuna"),
    ("hyperband", "suggestion-hyperband"),
    ("bayesianoptimization", "suggestion-skopt"),
    ("cmaes", "suggestion-goptuna"),
    ("sobol", "suggestion-goptuna"),
    ("multivariate-tpe", "suggestion-optuna"),
    ("enas", "suggestion-enas"),
    ("darts", "suggestion-darts"),
    ("pbt", "suggestion-pbt"),
];

/// The metrics collector sidecar per collector kind (`metricsCollectors`).
pub const KATIB_COLLECTORS: &[(&str, &str)] = &[
    ("StdOut", "file-metrics-collector"),
    ("File", "file-metrics-collector"),
    ("TensorFlowEvent", "tfevent-metrics-collector"),
];

/// The ClusterServingRuntimes the KServe chart (0.14 to 0.16) installs, with
/// their images: `kserve.servingruntime.*` of `charts/kserve-resources/values.yaml`
/// (`*defaultVersion` is the chart's own version).
pub fn kserve_runtime_image(kserve: &str, runtime: &str) -> Option<String> {
    let own = |name: &str| format!("kserve/{name}:{}", with_v(kserve));
    Some(match runtime {
        "kserve-sklearnserver" => own("sklearnserver"),
        "kserve-xgbserver" => own("xgbserver"),
        "kserve-huggingfaceserver" => own("huggingfaceserver"),
        "kserve-huggingfaceserver-multinode" => own("huggingfaceserver"),
        "kserve-pmmlserver" => own("pmmlserver"),
        "kserve-paddleserver" => own("paddleserver"),
        "kserve-lgbserver" => own("lgbserver"),
        "kserve-torchserve" => "pytorch/torchserve-kfs:0.9.0".into(),
        "kserve-tensorflow-serving" => "tensorflow/serving:2.6.2".into(),
        "kserve-mlserver" => "docker.io/seldonio/mlserver:1.5.0".into(),
        "kserve-tritonserver" => "nvcr.io/nvidia/tritonserver:23.05-py3".into(),
        _ => return None,
    })
}

/// The runtime KServe picks for a model format when the model names none
/// (the runtimes' `supportedModelFormats` with `autoSelect`, highest priority).
pub fn kserve_runtime_for_format(format: &str) -> Option<&'static str> {
    Some(match format {
        "sklearn" => "kserve-sklearnserver",
        "xgboost" => "kserve-xgbserver",
        "huggingface" => "kserve-huggingfaceserver",
        "pmml" => "kserve-pmmlserver",
        "paddle" => "kserve-paddleserver",
        "lightgbm" => "kserve-lgbserver",
        "pytorch" => "kserve-torchserve",
        "tensorflow" => "kserve-tensorflow-serving",
        "onnx" | "triton" => "kserve-tritonserver",
        _ => return None,
    })
}

/// Every runtime name [`kserve_runtime_image`] knows.
pub const KSERVE_RUNTIMES: &[&str] = &[
    "kserve-sklearnserver",
    "kserve-xgbserver",
    "kserve-huggingfaceserver",
    "kserve-pmmlserver",
    "kserve-paddleserver",
    "kserve-lgbserver",
    "kserve-torchserve",
    "kserve-tensorflow-serving",
    "kserve-mlserver",
    "kserve-tritonserver",
];

/// KServe's storage initializer (`kserve.storage.image`), an init container of
/// every model pod whose storage URI is not `pvc://`.
pub fn kserve_storage_initializer_image(kserve: &str) -> String {
    format!("kserve/storage-initializer:{}", with_v(kserve))
}

/// KServe's InferenceGraph router (`kserve.router.image`:`kserve.router.tag`
/// of `charts/kserve-resources/values.yaml`, the chart's own version, from
/// 0.14 to 0.16), the one container of the pod KServe runs per InferenceGraph
/// in the graph's namespace (a canary's split).
pub fn kserve_router_image(kserve: &str) -> String {
    format!("kserve/router:{}", with_v(kserve))
}

/// The router's resources when the graph sets none (the chart's
/// `inferenceservice-config` key `router`): requests (cpu, memory) and
/// limits (cpu, memory). A graph's own `spec.resources` replace them whole.
pub const KSERVE_ROUTER_REQUESTS: (&str, &str) = ("100m", "100Mi");
pub const KSERVE_ROUTER_LIMITS: (&str, &str) = ("1", "1Gi");

/// What the components installed on a cluster put into its team namespaces.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlatformUse<'a> {
    pub mesh: bool,
    pub serving: bool,
    /// Some model runs in Knative mode (queue-proxy).
    pub knative: bool,
    pub tuning: bool,
    pub knative_operator: &'a str,
}

/// The images the platform itself puts into team namespaces at the resolved
/// versions (sidecars, init containers, controller-made pods): the one list
/// the allowed-registries policy admits next to the spec's registries, and the
/// one `mlpc check` injects. Sorted, without duplicates.
pub fn platform_images(
    versions: &BTreeMap<&'static str, String>,
    used: PlatformUse,
) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    let v = |k: &str| versions.get(k).cloned().unwrap_or_default();
    if used.mesh {
        out.insert(istio_proxy_image(&v("istio")));
    }
    if used.serving {
        let kserve = v("kserve");
        out.insert(kserve_storage_initializer_image(&kserve));
        out.insert(kserve_router_image(&kserve));
        for r in KSERVE_RUNTIMES {
            if let Some(i) = kserve_runtime_image(&kserve, r) {
                out.insert(i);
            }
        }
        if used.knative
            && let Some(q) = knative_queue_image(used.knative_operator)
        {
            out.insert(q.to_string());
        }
    }
    if used.tuning {
        let katib = v("katib");
        for (_, name) in KATIB_SUGGESTIONS.iter().chain(KATIB_COLLECTORS) {
            out.insert(katib_image(&katib, name));
        }
    }
    out.into_iter().collect()
}

/// What the kubelet keeps of a node for itself: the kube-reserved CPU and
/// memory of the managed offerings' published formula (GKE, AKS: a falling
/// share of each core and GiB) plus the default hard eviction threshold
/// (100Mi). Returns the allocatable (millicores, bytes) of a node with
/// `cpu` cores and `memory_gib` GiB; a pod that asks more never schedules.
pub fn node_allocatable(cpu: u64, memory_gib: u64) -> (u64, u64) {
    let milli = cpu * 1000;
    // 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above four.
    let tiers_cpu: [(u64, f64); 4] = [
        (1000, 0.06),
        (1000, 0.01),
        (2000, 0.005),
        (u64::MAX, 0.0025),
    ];
    let mut left = milli;
    let mut reserved_cpu = 0.0;
    for (size, share) in tiers_cpu {
        let part = left.min(size);
        reserved_cpu += part as f64 * share;
        left -= part;
    }
    const GI: f64 = 1024.0 * 1024.0 * 1024.0;
    // 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the
    // next 112, 2% above 128.
    let tiers_mem: [(u64, f64); 5] = [
        (4, 0.25),
        (4, 0.20),
        (8, 0.10),
        (112, 0.06),
        (u64::MAX, 0.02),
    ];
    let mut left = memory_gib;
    let mut reserved_mem = 0.0;
    for (size, share) in tiers_mem {
        let part = left.min(size);
        reserved_mem += part as f64 * share * GI;
        left -= part;
    }
    let eviction = 100.0 * 1024.0 * 1024.0;
    let bytes = (memory_gib as f64 * GI - reserved_mem - eviction).max(0.0);
    (
        milli.saturating_sub(reserved_cpu.ceil() as u64),
        bytes as u64,
    )
}

/// Namespaces every cluster has before anything is synced.
pub const BUILTIN_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// ServiceAccounts the Kubeflow profile controller creates in each Profile's namespace.
pub const PROFILE_SERVICE_ACCOUNTS: &[&str] = &["default-editor", "default-viewer"];

/// What the management cluster already runs (README, "What you still
/// provide"): Argo CD's ServiceAccounts in the namespace its Applications
/// live in (`""` below), and External Secrets' in `external-secrets`.
pub const MANAGEMENT_PROVIDED: &[(&str, &str, &str)] = &[
    ("ServiceAccount", "", "argocd-application-controller"),
    ("ServiceAccount", "", "argocd-applicationset-controller"),
    ("ServiceAccount", "", "argocd-repo-server"),
    ("ServiceAccount", "", "argocd-server"),
    ("Namespace", "", "external-secrets"),
    ("ServiceAccount", "external-secrets", "external-secrets"),
];

/// Something an upstream install creates that the tree may reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Made {
    pub kind: &'static str,
    /// Empty: the install's destination namespace (when `namespaced`).
    pub namespace: String,
    pub namespaced: bool,
    pub name: String,
}

/// What an upstream install (an Argo CD Application of this chart or Git
/// path, with these Helm values) creates, as far as mlpc's tree refers to it.
pub fn upstream_products(chart_or_path: &str, values: &serde_json::Value) -> Vec<Made> {
    let made = |kind, namespace: &str, namespaced, name: &str| Made {
        kind,
        namespace: namespace.to_string(),
        namespaced,
        name: name.to_string(),
    };
    let mut out = Vec::new();
    match chart_or_path {
        // katib-standalone and KFP's platform-agnostic env both carry Namespace/kubeflow.
        p if p.contains("katib-standalone") || p.contains("env/platform-agnostic") => {
            out.push(made("Namespace", "", false, "kubeflow"));
        }
        // Trainer's manager overlay carries Namespace/kubeflow-system.
        p if p.contains("trainer") && p.contains("overlays/manager") => {
            out.push(made("Namespace", "", false, "kubeflow-system"));
        }
        // The External Secrets chart's ServiceAccount (`serviceAccount.name`,
        // else the release's full name, `external-secrets`).
        "external-secrets" => {
            let name = values
                .pointer("/serviceAccount/name")
                .and_then(serde_json::Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("external-secrets");
            out.push(made("ServiceAccount", "", true, name));
        }
        // The EBS CSI chart creates the StorageClasses listed in its values.
        "aws-ebs-csi-driver" => {
            for sc in values
                .get("storageClasses")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = sc.get("name").and_then(serde_json::Value::as_str) {
                    out.push(made("StorageClass", "", false, n));
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            Version::parse("v1.11.3"),
            Some(Version {
                major: 1,
                minor: 11,
                patch: 3
            })
        );
        assert_eq!(Version::parse("2.14").map(|v| v.line()), Some((2, 14)));
        assert_eq!(Version::parse("latest"), None);
    }

    #[test]
    fn every_default_is_in_its_own_lines() {
        for c in CATALOG {
            assert!(check_version(c.key, c.default).is_ok(), "{}", c.key);
        }
    }

    #[test]
    fn old_capi_is_incompatible() {
        let mut v = resolve(&Components::default(), &Components::default());
        assert!(incompatibilities(&v, "v1.33.0", true).is_empty());
        v.insert("cluster_api", "v1.10.2".into());
        let found = incompatibilities(&v, "v1.33.0", true);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].component, "cluster_api");
    }

    #[test]
    fn api_server_cloud_provider_flag_follows_the_release_line() {
        let api =
            |v: &str| component_flags(K8sComponent::ApiServer, Version::parse(v).unwrap(), true);
        assert_eq!(api("v1.32.9"), vec![("cloud-provider", "external")]);
        assert!(api("v1.33.0").is_empty(), "removed in 1.33");
        assert!(api("v1.34.1").is_empty(), "removed in 1.33");
        for line in KUBERNETES_LINES {
            let v = Version {
                major: line.0,
                minor: line.1,
                patch: 0,
            };
            assert_eq!(
                component_flags(K8sComponent::ControllerManager, v, true),
                vec![("cloud-provider", "external")]
            );
            assert_eq!(
                component_flags(K8sComponent::Kubelet, v, true),
                vec![("cloud-provider", "external")]
            );
            assert!(component_flags(K8sComponent::Kubelet, v, false).is_empty());
        }
    }

    #[test]
    fn platform_images_follow_the_pinned_versions() {
        let v = resolve(&Components::default(), &Components::default());
        let used = PlatformUse {
            mesh: true,
            serving: true,
            knative: true,
            tuning: true,
            knative_operator: KNATIVE_OPERATOR_VERSION,
        };
        let images = platform_images(&v, used);
        assert!(images.contains(&"docker.io/istio/proxyv2:1.28.1".to_string()));
        assert!(images.contains(&"kserve/storage-initializer:v0.16.0".to_string()));
        assert!(images.contains(&"kserve/router:v0.16.0".to_string()));
        assert_eq!(kserve_router_image("0.14.1"), "kserve/router:v0.14.1");
        assert!(images.contains(&"ghcr.io/kubeflow/katib/suggestion-skopt:v0.19.0".to_string()));
        assert!(
            images
                .iter()
                .any(|i| i.contains("serving/cmd/queue@sha256:"))
        );
        assert_eq!(
            katib_image("v0.17.0", "file-metrics-collector"),
            "docker.io/kubeflowkatib/file-metrics-collector:v0.17.0"
        );
        assert!(knative_queue_image(KNATIVE_OPERATOR_VERSION).is_some());
    }

    #[test]
    fn allocatable_keeps_a_share_for_the_kubelet() {
        let (cpu, mem) = node_allocatable(96, 1152);
        assert!(cpu < 96_000 && cpu > 95_000, "{cpu}");
        let gi = 1024u64.pow(3);
        assert!(mem < 1152 * gi && mem > 1100 * gi, "{mem}");
        let (cpu, _) = node_allocatable(4, 16);
        assert_eq!(cpu, 4000 - 80);
    }
}

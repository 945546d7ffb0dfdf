//! The label keys mlpc decides (`mlpc.io/...`): one home, read by the planners
//! that put them on nodes, namespaces and Applications. (The labels on every
//! emitted object are `emit`'s.)

/// A node's pool: node selectors and Kueue flavors select it.
pub const POOL_LABEL: &str = "mlpc.io/pool";
/// A GPU node's GPU product.
pub const GPU_TYPE_LABEL: &str = "mlpc.io/gpu-type";
/// Spot capacity on a node.
pub const CAPACITY_TYPE_LABEL: &str = "mlpc.io/capacity-type";
/// A team on its namespace (and required on its pods).
pub const TEAM_LABEL: &str = "mlpc.io/team";
/// On a team's training and trial pods (value `team`): they run as the team's
/// `mlpc-workloads` service account, and its storage-identity NetworkPolicy
/// (metadata endpoint egress) selects them.
pub const STORAGE_IDENTITY_LABEL: &str = "mlpc.io/storage-identity";
/// A cluster's rollout wave on its Applications (the fleet's RollingSync steps
/// match it) and its Cluster API objects.
pub const WAVE_LABEL: &str = "mlpc.io/wave";
/// A leaf Application's stage (its sync wave) within its cluster's wave: the
/// fleet's RollingSync steps match it with the wave.
pub const STAGE_LABEL: &str = "mlpc.io/stage";
/// A cluster's environment.
pub const ENVIRONMENT_LABEL: &str = "mlpc.io/environment";

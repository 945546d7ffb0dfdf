//! Tenancy, beyond the teams themselves: the Kubeflow profile controller, and
//! the roles that let team owners and members use the enabled layers' custom
//! resources.

use serde::Serialize;

use super::components::{self, ComponentCtx};
use super::quota::CpuMemory;
use crate::spec::model::Spec;

#[derive(Clone, Debug, Serialize)]
pub struct RbacRule {
    #[serde(rename = "apiGroups")]
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// The team LimitRange's defaults for a container that sets none: requests
/// (cpu, memory) and limits. Kueue and the ResourceQuota apply them alike.
pub const LIMIT_RANGE_DEFAULT_REQUEST: (&str, &str) = ("250m", "512Mi");
pub const LIMIT_RANGE_DEFAULT_LIMIT: (&str, &str) = ("1", "2Gi");

#[derive(Clone, Debug, Serialize)]
pub struct TenancyCtx {
    /// The team LimitRange's default requests and limits.
    pub default_request: CpuMemory,
    pub default_limit: CpuMemory,
    /// The Kubeflow profile controller's install (when some team is a Profile).
    pub profile_controller: ComponentCtx,
    /// Its sync wave: with the bootstrap add-ons, so the Profile CRD exists
    /// before the tenancy objects (Profiles) sync.
    pub profile_controller_wave: usize,
    /// Rules aggregated into the built-in `admin` and `edit` roles (which know
    /// nothing of the platform's custom resources); empty when no layer needs any.
    pub edit_rules: Vec<RbacRule>,
    /// Rules aggregated into `view`.
    pub view_rules: Vec<RbacRule>,
}

const EDIT: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const READ: &[&str] = &["get", "list", "watch"];

pub fn plan(s: &Spec) -> TenancyCtx {
    let mut groups: Vec<(&str, &[&str])> = Vec::new();
    if s.training.enabled {
        groups.push(("trainer.kubeflow.org", &["trainjobs"]));
    }
    if s.tuning.enabled {
        groups.push(("kubeflow.org", &["experiments", "suggestions", "trials"]));
    }
    if s.serving.enabled {
        groups.push((
            "serving.kserve.io",
            &[
                "inferenceservices",
                "inferencegraphs",
                "servingruntimes",
                "trainedmodels",
            ],
        ));
    }
    let rules = |verbs: &[&str]| -> Vec<RbacRule> {
        groups.iter().map(|(g, r)| rule(&[g], r, verbs)).collect()
    };
    let mut edit_rules = rules(EDIT);
    // Members see their workloads' admission in Kueue.
    if s.training.enabled {
        edit_rules.push(rule(
            &["kueue.x-k8s.io"],
            &["workloads", "localqueues"],
            READ,
        ));
    }
    TenancyCtx {
        default_request: CpuMemory {
            cpu: LIMIT_RANGE_DEFAULT_REQUEST.0,
            memory: LIMIT_RANGE_DEFAULT_REQUEST.1,
        },
        default_limit: CpuMemory {
            cpu: LIMIT_RANGE_DEFAULT_LIMIT.0,
            memory: LIMIT_RANGE_DEFAULT_LIMIT.1,
        },
        profile_controller: components::pinned(
            components::PROFILES_REPO,
            "",
            components::PROFILES_PATH,
            components::PROFILES_VERSION,
        ),
        profile_controller_wave: super::layers::bootstrap().install_wave,
        edit_rules,
        view_rules: rules(READ),
    }
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> RbacRule {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    RbacRule {
        api_groups: own(groups),
        resources: own(resources),
        verbs: own(verbs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::spec;

    fn groups(rules: &[RbacRule]) -> Vec<(&str, usize)> {
        rules
            .iter()
            .map(|r| (r.api_groups[0].as_str(), r.verbs.len()))
            .collect()
    }

    #[test]
    fn roles_cover_the_enabled_layers() {
        let all = plan(&spec(""));
        assert_eq!(
            groups(&all.edit_rules),
            [
                ("trainer.kubeflow.org", 8),
                ("kubeflow.org", 8),
                ("serving.kserve.io", 8),
                ("kueue.x-k8s.io", 3)
            ]
        );
        assert_eq!(
            groups(&all.view_rules),
            [
                ("trainer.kubeflow.org", 3),
                ("kubeflow.org", 3),
                ("serving.kserve.io", 3)
            ]
        );
        let serving_only = plan(&spec(
            "[training]\nenabled = false\n[tuning]\nenabled = false\n",
        ));
        assert_eq!(groups(&serving_only.edit_rules), [("serving.kserve.io", 8)]);
        let none = plan(&spec(
            "[training]\nenabled = false\n[tuning]\nenabled = false\n[serving]\nenabled = false\n",
        ));
        assert!(none.edit_rules.is_empty() && none.view_rules.is_empty());
        assert_eq!(all.profile_controller.path, components::PROFILES_PATH);
    }
}

//! Policy: a Gatekeeper ConstraintTemplate and Constraint per policy source
//! that applies, scoped to the cluster's team namespaces, with the spec's
//! parameters.

use serde::Serialize;

use std::collections::BTreeMap;

use super::PolicySource;
use super::components::KNATIVE_OPERATOR_VERSION;
use super::labels::TEAM_LABEL;
use super::teams::TeamCtx;
use crate::catalog;
use crate::spec::model::Spec;

#[derive(Clone, Debug, Serialize)]
pub struct PolicyTemplateCtx {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub rego: String,
    pub parameters_schema: serde_json::Value,
    pub parameters: serde_json::Value,
    pub matches: serde_json::Value,
    pub namespaces: Vec<String>,
    pub excluded_namespaces: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyCtx {
    pub enabled: bool,
    pub enforcement: String,
    pub templates: Vec<PolicyTemplateCtx>,
    /// The constraint CRDs' resource names (lowercase kinds), for read-only RBAC.
    pub constraint_resources: Vec<String>,
}

/// The constraints of `policies` on the cluster's teams; `versions` and
/// `knative` name the platform's own images, which allowed-registries admits
/// by exact reference.
pub fn plan(
    s: &Spec,
    teams: &[TeamCtx],
    policies: &[PolicySource],
    versions: &BTreeMap<&'static str, String>,
    knative: bool,
) -> PolicyCtx {
    // The images the platform itself puts into team namespaces.
    let platform_images = catalog::platform_images(
        versions,
        catalog::PlatformUse {
            mesh: true,
            serving: s.serving.enabled,
            knative,
            tuning: s.tuning.enabled,
            knative_operator: KNATIVE_OPERATOR_VERSION,
        },
    );
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    // Each team namespace's GPU pools on this cluster.
    let gpu_pools: BTreeMap<&str, &[String]> = teams
        .iter()
        .map(|t| (t.namespace.as_str(), t.gpu_pools.as_slice()))
        .collect();
    // Profile namespaces are created by the profile controller, which does not
    // copy the team label: requiring it there would block the controller.
    let profile_teams: Vec<&str> = teams
        .iter()
        .filter(|t| t.profile)
        .map(|t| t.name.as_str())
        .collect();
    let templates: Vec<PolicyTemplateCtx> = policies
        .iter()
        .filter(|p| !s.policy.disabled.contains(&p.name))
        .filter_map(|p| template(p, s, &names, &profile_teams, &platform_images, &gpu_pools))
        .collect();
    PolicyCtx {
        enabled: s.policy.enabled,
        enforcement: s.policy.enforcement.as_str().into(),
        constraint_resources: templates.iter().map(|t| t.kind.to_lowercase()).collect(),
        templates,
    }
}

fn template(
    p: &PolicySource,
    s: &Spec,
    teams: &[&str],
    profile_teams: &[&str],
    platform_images: &[String],
    gpu_pools: &BTreeMap<&str, &[String]>,
) -> Option<PolicyTemplateCtx> {
    let kind = p.meta.get("kind")?.as_str()?.to_string();
    let params = match p.name.as_str() {
        "k8sallowedrepos" => {
            if s.policy.allowed_registries.is_empty() {
                return None;
            }
            serde_json::json!({ "repos": s.policy.allowed_registries, "images": platform_images })
        }
        "k8sdisallowedtags" => serde_json::json!({ "tags": s.policy.disallowed_tags }),
        "k8sgputoleration" => serde_json::json!({ "maxGpusPerPod": s.policy.max_gpus_per_pod }),
        "k8srequiredteamlabel" => serde_json::json!({ "label": TEAM_LABEL }),
        "k8sgpupools" => serde_json::json!({ "pools": gpu_pools }),
        _ => serde_json::Value::Null,
    };
    let mut namespaces: Vec<String> = teams.iter().map(|t| t.to_string()).collect();
    namespaces.retain(|n| !s.policy.exempt_namespaces.contains(n));
    if p.name == "k8srequiredteamlabel" {
        namespaces.retain(|n| !profile_teams.contains(&n.as_str()));
    }
    if namespaces.is_empty() {
        return None;
    }
    Some(PolicyTemplateCtx {
        name: p.name.clone(),
        kind,
        description: p
            .meta
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or_default()
            .trim()
            .to_string(),
        rego: p.rego.clone(),
        parameters_schema: p
            .meta
            .get("parameters")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
        parameters: params,
        matches: p
            .meta
            .get("match")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
        namespaces,
        excluded_namespaces: s.policy.exempt_namespaces.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::pools;
    use crate::plan::testing::{POOLS, cluster, spec};
    use serde_json::json;

    fn source(name: &str, kind: &str) -> PolicySource {
        PolicySource {
            name: name.into(),
            rego: "package x".into(),
            meta: json!({"kind": kind, "description": " d \n", "match": [{"kinds": ["Pod"]}]}),
        }
    }

    fn on_c1(extra: &str) -> PolicyCtx {
        let s = spec(&format!(
            "{POOLS}\n[[teams]]\nname = \"nlp\"\nprofile = true\ngpu_pools = [\"l4\"]\n\n[[teams]]\nname = \"ops\"\n\n[[teams]]\nname = \"sys\"\n{extra}"
        ));
        let c = cluster(&s, "c1");
        let teams = crate::plan::teams::plan(&s, c, &pools::plan(&s, c));
        let sources = [
            source("k8sallowedrepos", "K8sAllowedRepos"),
            source("k8srequiredteamlabel", "K8sRequiredTeamLabel"),
            source("k8sgputoleration", "K8sGpuToleration"),
            source("k8sgpupools", "K8sGpuPools"),
        ];
        let versions = catalog::resolve(&s.components, &cluster(&s, "c1").components);
        plan(&s, &teams, &sources, &versions, false)
    }

    fn scopes(p: &PolicyCtx) -> Vec<(&str, Vec<&str>)> {
        p.templates
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.namespaces.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn constraints_scope_team_namespaces_with_the_specs_parameters() {
        let p = on_c1("[policy]\nexempt_namespaces = [\"sys\"]\nmax_gpus_per_pod = 4\n");
        // No allowed registries: no repository constraint. The team label is not
        // required in Profile namespaces (the profile controller does not set it).
        assert_eq!(
            scopes(&p),
            [
                ("k8srequiredteamlabel", vec!["ops"]),
                ("k8sgputoleration", vec!["nlp", "ops"]),
                ("k8sgpupools", vec!["nlp", "ops"]),
            ]
        );
        // Each team namespace with the GPU pools its team may use on c1.
        assert_eq!(
            p.templates[2].parameters,
            json!({"pools": {"nlp": ["l4"], "ops": ["a100", "l4"], "sys": ["a100", "l4"]}})
        );
        assert_eq!(p.templates[0].parameters, json!({"label": "mlpc.io/team"}));
        assert_eq!(p.templates[1].parameters, json!({"maxGpusPerPod": 4}));
        assert_eq!(p.templates[0].description, "d");
        assert_eq!(p.templates[0].excluded_namespaces, ["sys"]);
        assert_eq!(
            p.constraint_resources,
            ["k8srequiredteamlabel", "k8sgputoleration", "k8sgpupools"]
        );
    }

    #[test]
    fn registries_and_disabled_policies() {
        let p = on_c1(
            "[policy]\nallowed_registries = [\"ghcr.io/o/\"]\ndisabled = [\"k8sgputoleration\", \"k8sgpupools\"]\n",
        );
        let names: Vec<&str> = p.templates.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["k8sallowedrepos", "k8srequiredteamlabel"]);
        assert_eq!(p.templates[0].parameters["repos"], json!(["ghcr.io/o/"]));
        // The platform's own images are admitted by exact reference.
        let images = p.templates[0].parameters["images"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(images > 0);
    }
}

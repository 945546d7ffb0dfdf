//! Storage identity rules E220–E224, over the one `storage` shape models and
//! teams share (`plan/storage.rs` decides what it becomes): a team's storage
//! works on every cluster the team is on (E220); an identity has the shape
//! the cluster's provider federates, for models and teams (E221); a team's
//! credential Secret has the name its shared training runtimes read (E222)
//! and a producer (E223); no model takes the teams' workload service
//! account (E224). A model's bucket paths are E203's.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::plan::storage::{identity_annotation, some_path_works};
use crate::plan::teams::{WORKLOAD_SERVICE_ACCOUNT, WORKLOAD_STORAGE};
use crate::spec::model::{Cluster, Provider, Spec, Storage, on_cluster};
use crate::spec::tree::Seg;

use super::rules::Finding;

macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$(Seg::from($seg)),*] };
}

pub fn check_where(spec: &Spec, in_view: &dyn Fn(&Cluster) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |diag: Diagnostic, path: Vec<Seg>| out.push(Finding { diag, path });
    let clusters: Vec<&Cluster> = spec.clusters.iter().filter(|c| in_view(c)).collect();

    for (i, t) in spec.teams.iter().enumerate() {
        let Some(st) = &t.storage else { continue };
        let on: Vec<&Cluster> = clusters
            .iter()
            .copied()
            .filter(|c| on_cluster(&t.clusters, &c.name))
            .collect();
        // E220: per provider, the clusters where nothing authenticates.
        let mut stranded: BTreeMap<Provider, Vec<&str>> = BTreeMap::new();
        for c in &on {
            if !some_path_works(c.provider, st) {
                stranded.entry(c.provider).or_default().push(&c.name);
            }
        }
        for (p, names) in stranded {
            push(
                Diagnostic::error(
                    "E220",
                    format!(
                        "team \"{}\": nothing in its storage authenticates its training and trial pods on {} cluster(s) {}: their bucket reads fail",
                        t.name,
                        p.as_str(),
                        names.join(", ")
                    ),
                )
                .with_hint(team_hint(p)),
                path!["teams", i, "storage"],
            );
        }
        identity_shape(
            &format!("team \"{}\"", t.name),
            st,
            &on,
            path!["teams", i, "storage", "identity"],
            &mut push,
        );
        if let Some(c) = &st.credentials {
            if c.secret_name != WORKLOAD_STORAGE {
                push(
                    Diagnostic::error(
                        "E222",
                        format!(
                            "team \"{}\": storage.credentials names Secret \"{}\", but the training runtimes, shared by every team, read `{WORKLOAD_STORAGE}`",
                            t.name, c.secret_name
                        ),
                    )
                    .with_hint(format!("set secret_name = \"{WORKLOAD_STORAGE}\"")),
                    path!["teams", i, "storage", "credentials", "secret_name"],
                );
            }
            if c.external.is_none() {
                push(
                    Diagnostic::error(
                        "E223",
                        format!(
                            "team \"{}\": storage.credentials names Secret \"{}\" but nothing produces it in the team namespace",
                            t.name, c.secret_name
                        ),
                    )
                    .with_hint("fill it from a declared store: `external = { store = \"...\", key = \"...\" }`"),
                    path!["teams", i, "storage", "credentials"],
                );
            }
        }
    }

    for (i, m) in spec.serving.models.iter().enumerate() {
        if m.service_account.as_deref() == Some(WORKLOAD_SERVICE_ACCOUNT) {
            push(
                Diagnostic::error(
                    "E224",
                    format!(
                        "model \"{}\": service account `{WORKLOAD_SERVICE_ACCOUNT}` is the team's training and trial account, which mlpc creates with the team's storage identity",
                        m.name
                    ),
                )
                .with_hint("give the model its own service_account, e.g. \"<team>-models\""),
                path!["serving", "models", i, "service_account"],
            );
        }
        let Some(st) = &m.storage else { continue };
        let on: Vec<&Cluster> = clusters
            .iter()
            .copied()
            .filter(|c| {
                on_cluster(&m.clusters, &c.name)
                    && spec
                        .teams
                        .iter()
                        .any(|t| t.name == m.team && on_cluster(&t.clusters, &c.name))
            })
            .collect();
        identity_shape(
            &format!("model \"{}\"", m.name),
            st,
            &on,
            path!["serving", "models", i, "storage", "identity"],
            &mut push,
        );
    }
    out
}

/// E221: an identity the clusters' providers would annotate, in the shape
/// each federates (one finding per provider).
fn identity_shape(
    who: &str,
    st: &Storage,
    on: &[&Cluster],
    at: Vec<Seg>,
    push: &mut dyn FnMut(Diagnostic, Vec<Seg>),
) {
    let Some(id) = &st.identity else { return };
    let mut providers: Vec<Provider> = on
        .iter()
        .map(|c| c.provider)
        .filter(|p| identity_annotation(*p).is_some())
        .collect();
    providers.sort();
    providers.dedup();
    for p in providers {
        if let Some(want) = identity_fits(p, id) {
            push(
                Diagnostic::error(
                    "E221",
                    format!(
                        "{who}: identity \"{}\" is not {want}, what {} federates",
                        crate::redact::escape_controls(id),
                        p.as_str()
                    ),
                )
                .with_hint(
                    "an IAM role ARN on eks, a Google service account email on gke, a managed identity's client ID (a UUID) on aks; a fleet of several providers sets it per cluster (clusters/<name>.toml)",
                ),
                at.clone(),
            );
        }
    }
}

/// What a provider's identity looks like, when `id` is not that.
fn identity_fits(p: Provider, id: &str) -> Option<&'static str> {
    let ok = match p {
        Provider::Eks => {
            let parts: Vec<&str> = id.splitn(6, ':').collect();
            parts.len() == 6
                && parts[0] == "arn"
                && parts[1].starts_with("aws")
                && parts[2] == "iam"
                && parts[4].len() == 12
                && parts[4].bytes().all(|b| b.is_ascii_digit())
                && parts[5]
                    .strip_prefix("role/")
                    .is_some_and(|r| !r.is_empty())
        }
        Provider::Gke => id.split_once('@').is_some_and(|(name, domain)| {
            !name.is_empty() && domain.ends_with(".gserviceaccount.com")
        }),
        Provider::Aks => is_uuid(id),
        _ => true,
    };
    (!ok).then_some(match p {
        Provider::Eks => "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        Provider::Gke => {
            "a Google service account email (<name>@<project>.iam.gserviceaccount.com)"
        }
        _ => "a managed identity's client ID (a UUID)",
    })
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn team_hint(p: Provider) -> String {
    let mut ways = Vec::new();
    match p {
        Provider::Eks => ways.push("`storage = { identity = \"arn:aws:iam::<account>:role/<role>\" }` (IRSA)"),
        Provider::Gke => ways.push("`storage = { identity = \"<sa>@<project>.iam.gserviceaccount.com\" }` (GKE Workload Identity)"),
        Provider::Aks => ways.push("`storage = { identity = \"<managed identity client ID>\" }` (Azure Workload Identity)"),
        _ => {}
    }
    if crate::plan::storage::node_identity_works(p) {
        ways.push("`storage = { node_identity = true }` (the node's identity through the metadata endpoint)");
    }
    ways.push("`storage.credentials`, a Secret of keys from a declared store");
    ways.push("`storage = { public = true }` for public buckets");
    format!("on {}: {}", p.as_str(), ways.join(", or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_shapes_per_provider() {
        assert_eq!(
            identity_fits(Provider::Eks, "arn:aws:iam::123456789012:role/nlp"),
            None
        );
        assert_eq!(
            identity_fits(Provider::Eks, "arn:aws-cn:iam::123456789012:role/a/b"),
            None
        );
        assert!(identity_fits(Provider::Eks, "nlp@p.iam.gserviceaccount.com").is_some());
        assert!(identity_fits(Provider::Eks, "arn:aws:iam::123:role/x").is_some());
        assert_eq!(
            identity_fits(Provider::Gke, "nlp@proj.iam.gserviceaccount.com"),
            None
        );
        assert!(identity_fits(Provider::Gke, "arn:aws:iam::123456789012:role/nlp").is_some());
        assert_eq!(
            identity_fits(Provider::Aks, "0a1b2c3d-0000-1111-2222-333344445555"),
            None
        );
        assert!(identity_fits(Provider::Aks, "nlp@proj.iam.gserviceaccount.com").is_some());
        assert_eq!(identity_fits(Provider::Docker, "anything"), None);
    }
}

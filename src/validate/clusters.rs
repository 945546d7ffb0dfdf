//! Cluster rules (E170–W179): where Argo CD deploys, the management cluster,
//! per-provider settings and the Kubernetes release line. A cluster must come
//! up from what the spec says, so a setting a provider needs is an error here,
//! not a stuck controller later.

use crate::catalog::{self, Version};
use crate::diag::Diagnostic;
use crate::spec::model::*;
use crate::spec::tree::Seg;

use super::names::is_dns1035_label;
use super::rules::Finding;

macro_rules! path {
    ($($seg:expr),* $(,)?) => { vec![$(Seg::from($seg)),*] };
}

/// Run the cluster rules on one merged view of the environment `env` (every
/// cluster when `None`): only its clusters are checked, so a finding is
/// reported once, in its own view.
pub fn check(spec: &Spec, env: Option<&str>) -> Vec<Finding> {
    check_where(spec, &|c: &Cluster| env.is_none_or(|e| c.environment == e))
}

/// The cluster rules for the clusters `in_view` selects (an environment's, or
/// one cluster with its own overlay).
pub fn check_where(spec: &Spec, in_view: &dyn Fn(&Cluster) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |diag: Diagnostic, path: Vec<Seg>| out.push(Finding { diag, path });
    let fleet = spec.clusters.len();

    let managements: Vec<usize> = spec
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.management)
        .map(|(i, _)| i)
        .collect();
    if managements.len() > 1 && in_view(&spec.clusters[managements[1]]) {
        let names: Vec<&str> = managements
            .iter()
            .map(|&i| spec.clusters[i].name.as_str())
            .collect();
        push(
            Diagnostic::error(
                "E172",
                format!(
                    "{} clusters are marked as the management cluster ({})",
                    names.len(),
                    names.join(", ")
                ),
            )
            .with_hint("Argo CD and Cluster API run on one management cluster: keep `management = true` on one"),
            path!["clusters", managements[1], "management"],
        );
    }

    let k8s = Version::parse(&spec.platform.kubernetes_version);
    for (i, c) in spec.clusters.iter().enumerate() {
        if !in_view(c) {
            continue;
        }
        server_rules(c, i, fleet, &mut push);
        settings_rules(c, i, &mut push);
        let gpu_pool = spec
            .node_pools
            .iter()
            .find(|p| p.gpu.is_some() && on_cluster(&p.clusters, &c.name));
        if c.provider == Provider::Eks
            && let (Some(p), Some(v)) = (gpu_pool, k8s)
            && v.line() >= (1, 33)
        {
            push(
                Diagnostic::warning(
                    "W180",
                    format!(
                        "EKS cluster \"{}\": GPU pool \"{}\" on Kubernetes {}.{} gets the standard AL2023 image, without NVIDIA drivers",
                        c.name, p.name, v.major, v.minor
                    ),
                )
                .with_hint("EKS has no Amazon Linux 2 GPU AMI from 1.33 on, and the GPU operator's driver container does not support Amazon Linux: override blueprints/management/managed-pools.yaml.j2 with a launch template of the AL2023 NVIDIA AMI"),
                path!["clusters", i, "provider"],
            );
        }
    }

    if let Some(v) = Version::parse(&spec.platform.kubernetes_version)
        && !catalog::KUBERNETES_LINES.contains(&v.line())
        && spec.clusters.iter().any(in_view)
    {
        let known: Vec<String> = catalog::KUBERNETES_LINES
            .iter()
            .map(|(a, b)| format!("{a}.{b}"))
            .collect();
        push(
            Diagnostic::warning(
                "W179",
                format!(
                    "Kubernetes {}.{} is not a release line mlpc renders control planes for (known: {})",
                    v.major,
                    v.minor,
                    known.join(", ")
                ),
            )
            .with_hint("component flags follow the release line (`mlpc catalog` lists them); pick a known line or check the flags"),
            path!["platform", "kubernetes_version"],
        );
    }
    out
}

fn server_rules(c: &Cluster, i: usize, fleet: usize, push: &mut impl FnMut(Diagnostic, Vec<Seg>)) {
    match &c.server {
        Some(server) => {
            if let Err(why) = check_server(server) {
                push(
                    Diagnostic::error("E178", format!("cluster \"{}\": server {why}", c.name))
                        .with_hint("write it as `https://HOST[:PORT]`, e.g. \"https://prod.k8s.example.com:6443\""),
                    path!["clusters", i, "server"],
                );
            }
        }
        None if c.management || c.provider.managed() => {}
        None if fleet > 1 => push(
            Diagnostic::error(
                "E170",
                format!(
                    "cluster \"{}\" has no `server`: in a fleet of {fleet} clusters its layers would deploy to the management cluster",
                    c.name
                ),
            )
            .with_hint(format!(
                "set `server = \"https://{}.<your domain>:6443\"` (the API endpoint's DNS name), or `management = true` if this is the management cluster itself",
                c.name
            )),
            path!["clusters", i],
        ),
        None => push(
            Diagnostic::warning(
                "W171",
                format!(
                    "cluster \"{}\" has no `server`: its layers deploy in-cluster, to the cluster Argo CD runs on",
                    c.name
                ),
            )
            .with_hint("set `management = true` if that is intended (no Cluster API objects are then emitted for it), or set `server`"),
            path!["clusters", i],
        ),
    }
}

/// `https://host[:port]`, nothing else: the host becomes a certificate SAN and
/// the URL Argo CD's cluster key.
fn check_server(server: &str) -> Result<(), String> {
    let Some(rest) = server.strip_prefix("https://") else {
        return Err(format!("\"{server}\" is not an https:// URL"));
    };
    if rest.contains('@') {
        return Err("must not carry credentials".into());
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.contains(['/', '?', '#']) {
        return Err(format!(
            "\"{server}\" has a path; Argo CD needs the bare endpoint"
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err(format!("\"{server}\" has an unclosed IPv6 address")),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(format!("\"{server}\" has no host"));
    }
    let host_ok = host.parse::<std::net::IpAddr>().is_ok()
        || (host.len() <= 253
            && host.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            }));
    if !host_ok {
        return Err(format!(
            "host \"{host}\" is not a DNS name or an IP address"
        ));
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("port \"{p}\" is not a port number"));
    }
    Ok(())
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// GCP project IDs: 6–30 lowercase letters, digits and hyphens, starting with a
/// letter, not ending with a hyphen.
fn is_gcp_project(s: &str) -> bool {
    (6..=30).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.ends_with('-')
}

fn is_aws_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Azure resource group names: 1–90 letters, digits, `-`, `_`, `.`, `(`, `)`,
/// not ending with a period.
fn is_resource_group(s: &str) -> bool {
    (1..=90).contains(&s.len())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')'))
        && !s.ends_with('.')
}

/// Azure virtual network names: 2–64 letters, digits, `-`, `_`, `.`, starting
/// with an alphanumeric and ending with an alphanumeric or `_`.
fn is_vnet(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=64).contains(&s.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && (b[b.len() - 1].is_ascii_alphanumeric() || b[b.len() - 1] == b'_')
}

fn is_service_account_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty()
            && user
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && (domain.ends_with(".iam.gserviceaccount.com")
                || domain == "developer.gserviceaccount.com")
    })
}

/// An EC2 key pair name: 1–255 printable ASCII characters.
fn is_key_pair(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn settings_rules(c: &Cluster, i: usize, push: &mut impl FnMut(Diagnostic, Vec<Seg>)) {
    let cloud = c.provider.cloud();
    let present = [
        ("aws", c.aws.is_some(), Cloud::Aws),
        ("gcp", c.gcp.is_some(), Cloud::Gcp),
        ("azure", c.azure.is_some(), Cloud::Azure),
    ];
    for (table, set, of) in present {
        if set && of != cloud {
            push(
                Diagnostic::error(
                    "E173",
                    format!(
                        "cluster \"{}\" is a {} cluster but has `{table}` settings",
                        c.name,
                        c.provider.as_str()
                    ),
                )
                .with_hint(if cloud == Cloud::Docker {
                    "docker clusters take no cloud settings; remove the table".to_string()
                } else {
                    format!(
                        "{} clusters read `{}`; move the settings there or remove the table",
                        c.provider.as_str(),
                        cloud.table()
                    )
                }),
                path!["clusters", i, table],
            );
        }
    }
    let invalid = |field: &str, value: &str, rule: &str| {
        (
            Diagnostic::error(
                "E175",
                format!(
                    "cluster \"{}\": {}.{field} \"{value}\" is not {rule}",
                    c.name,
                    cloud.table()
                ),
            )
            .with_hint(format!("fix `{}.{field}`", cloud.table())),
            path!["clusters", i, cloud.table(), field],
        )
    };
    let mut problems: Vec<(Diagnostic, Vec<Seg>)> = Vec::new();
    match cloud {
        Cloud::Aws => {
            if let Some(a) = &c.aws {
                if let Some(k) = &a.ssh_key_name
                    && !is_key_pair(k)
                {
                    problems.push(invalid(
                        "ssh_key_name",
                        k,
                        "an EC2 key pair name (1-255 printable ASCII characters)",
                    ));
                }
                if let Some(ami) = &a.ami_id
                    && !is_aws_id(ami, "ami-")
                {
                    problems.push(invalid(
                        "ami_id",
                        ami,
                        "an AMI ID (`ami-` and 8 or 17 hex digits)",
                    ));
                }
                if let Some(vpc) = &a.vpc_id
                    && !is_aws_id(vpc, "vpc-")
                {
                    problems.push(invalid(
                        "vpc_id",
                        vpc,
                        "a VPC ID (`vpc-` and 8 or 17 hex digits)",
                    ));
                }
                if c.provider.managed() && a.ami_id.is_some() {
                    push(
                        Diagnostic::warning(
                            "W177",
                            format!("cluster \"{}\": aws.ami_id is ignored on EKS", c.name),
                        )
                        .with_hint("EKS managed node groups use the EKS-optimized image of the Kubernetes version"),
                        path!["clusters", i, "aws", "ami_id"],
                    );
                }
            }
        }
        Cloud::Gcp => match &c.gcp {
            None => push(
                missing(
                    c,
                    "gcp",
                    "project = \"my-project\"",
                    "the GCP project the cluster is created in",
                ),
                path!["clusters", i, "provider"],
            ),
            Some(g) => {
                if !is_gcp_project(&g.project) {
                    problems.push(invalid("project", &g.project, "a GCP project ID (6-30 lowercase letters, digits and '-', starting with a letter)"));
                }
                if let Some(n) = &g.network
                    && !is_dns1035_label(n)
                {
                    problems.push(invalid(
                        "network",
                        n,
                        "a GCP network name (a DNS-1035 label)",
                    ));
                }
                if let Some(sa) = &g.service_account
                    && !is_service_account_email(sa)
                {
                    problems.push(invalid(
                        "service_account",
                        sa,
                        "a service account email (`NAME@PROJECT.iam.gserviceaccount.com`)",
                    ));
                }
            }
        },
        Cloud::Azure => match &c.azure {
            None => push(
                missing(
                    c,
                    "azure",
                    "subscription_id = \"…\", tenant_id = \"…\", client_id = \"…\"",
                    "the subscription, tenant and identity Cluster API uses",
                ),
                path!["clusters", i, "provider"],
            ),
            Some(a) => {
                for (field, v) in [
                    ("subscription_id", &a.subscription_id),
                    ("tenant_id", &a.tenant_id),
                    ("client_id", &a.client_id),
                ] {
                    if !is_guid(v) {
                        problems.push(invalid(
                            field,
                            v,
                            "a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                        ));
                    }
                }
                if let Some(rg) = &a.resource_group
                    && !is_resource_group(rg)
                {
                    problems.push(invalid("resource_group", rg, "an Azure resource group name (1-90 letters, digits, '-', '_', '.', '(', ')')"));
                }
                if let Some(v) = &a.vnet
                    && !is_vnet(v)
                {
                    problems.push(invalid(
                        "vnet",
                        v,
                        "an Azure virtual network name (2-64 letters, digits, '-', '_', '.')",
                    ));
                }
                match (a.identity, &a.client_secret) {
                    (AzureIdentity::ServicePrincipal, None) => push(
                        Diagnostic::error(
                            "E176",
                            format!(
                                "cluster \"{}\": a service-principal identity needs `azure.client_secret`",
                                c.name
                            ),
                        )
                        .with_hint("add `client_secret = { secret_name = \"...\" }` (a Secret in the cluster's namespace on the management cluster), or use `identity = \"workload\"`"),
                        path!["clusters", i, "azure", "identity"],
                    ),
                    (AzureIdentity::Workload | AzureIdentity::UserAssignedMsi, Some(_)) => push(
                        Diagnostic::warning(
                            "W177",
                            format!(
                                "cluster \"{}\": azure.client_secret is ignored with identity \"{}\"",
                                c.name,
                                match a.identity {
                                    AzureIdentity::Workload => "workload",
                                    _ => "user-assigned-msi",
                                }
                            ),
                        )
                        .with_hint("only `identity = \"service-principal\"` uses a client secret; remove it"),
                        path!["clusters", i, "azure", "client_secret"],
                    ),
                    _ => {}
                }
            }
        },
        Cloud::Docker => {}
    }
    for (d, p) in problems {
        push(d, p);
    }
}

fn missing(c: &Cluster, table: &str, example: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "E174",
        format!(
            "{} cluster \"{}\" has no `{table}` settings: Cluster API needs {what}",
            c.provider.as_str(),
            c.name
        ),
    )
    .with_hint(format!("add `{table} = {{ {example} }}` to the cluster"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        assert!(check_server("https://prod.k8s.acme.example:6443").is_ok());
        assert!(check_server("https://10.1.2.3").is_ok());
        assert!(check_server("https://[fd00::1]:6443").is_ok());
        assert!(check_server("http://prod.example:6443").is_err());
        assert!(check_server("https://user:pw@prod.example").is_err());
        assert!(check_server("https://prod.example/api").is_err());
        assert!(check_server("https://prod.example:99999").is_err());
        assert!(check_server("https://prod_example").is_err());
        assert!(check_server("https://").is_err());
    }

    #[test]
    fn provider_value_shapes() {
        assert!(is_guid("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        assert!(!is_guid("0f1e2d3c-4b5a-6978-8796"));
        assert!(is_gcp_project("acme-ml-prod"));
        assert!(!is_gcp_project("Acme"));
        assert!(!is_gcp_project("acme-"));
        assert!(is_aws_id("ami-0123456789abcdef0", "ami-"));
        assert!(is_aws_id("vpc-01234567", "vpc-"));
        assert!(!is_aws_id("ami-XYZ", "ami-"));
        assert!(is_service_account_email(
            "capg@acme-ml-prod.iam.gserviceaccount.com"
        ));
        assert!(!is_service_account_email("capg@example.com"));
        assert!(is_resource_group("rg-ml_(prod)"));
        assert!(!is_resource_group("rg."));
        assert!(is_vnet("ml-vnet"));
        assert!(!is_vnet("-x"));
        assert!(is_key_pair("ops key"));
        assert!(!is_key_pair("bad\nkey"));
    }
}

//! Can one pod reach another: the NetworkPolicies of both namespaces
//! (egress of the source, ingress of the destination, as the Kubernetes
//! API defines them) and the Istio AuthorizationPolicies of the
//! destination (ALLOW and DENY on source namespaces), evaluated over
//! compiled objects. What cannot be decided offline (an `ipBlock`, a
//! named port, principals, request attributes) counts as allowed, so a
//! denial found here is a real one.

use std::collections::BTreeMap;

use serde_json::Value;

/// A pod as policies see it: its namespace, labels and the labels of its
/// namespace.
#[derive(Clone, Debug)]
pub struct Endpoint<'a> {
    pub namespace: &'a str,
    pub labels: &'a Value,
    pub namespace_labels: BTreeMap<String, String>,
}

/// Why a connection is refused: the kind and name of the policies that
/// isolate the pod without a rule admitting the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub kind: &'static str,
    pub namespace: String,
    pub names: Vec<String>,
    /// `egress` of the source or `ingress` of the destination (NetworkPolicy),
    /// `ALLOW` or `DENY` (AuthorizationPolicy).
    pub side: &'static str,
}

fn label<'v>(labels: &'v Value, key: &str) -> Option<&'v str> {
    labels.get(key).and_then(Value::as_str)
}

/// A LabelSelector (matchLabels, matchExpressions) against labels; an
/// empty or absent selector selects everything.
pub fn selects(selector: Option<&Value>, labels: &Value) -> bool {
    let Some(sel) = selector else { return true };
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            if label(labels, k) != v.as_str() {
                return false;
            }
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
        let values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have = label(labels, key);
        let ok = match e
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn ns_value(e: &Endpoint) -> Value {
    let mut m: serde_json::Map<String, Value> = e
        .namespace_labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect();
    m.insert(
        "kubernetes.io/metadata.name".into(),
        Value::from(e.namespace),
    );
    Value::Object(m)
}

/// A NetworkPolicy peer (`from`/`to` item) of a policy in `policy_ns`
/// against the pod at the other end.
fn peer_matches(peer: &Value, policy_ns: &str, other: &Endpoint) -> bool {
    if peer.get("ipBlock").is_some() {
        return true;
    }
    let ns_sel = peer.get("namespaceSelector");
    let pod_sel = peer.get("podSelector");
    let ns_ok = match ns_sel {
        Some(s) => selects(Some(s), &ns_value(other)),
        None => other.namespace == policy_ns,
    };
    ns_ok && selects(pod_sel, other.labels)
}

fn port_matches(ports: Option<&Value>, port: u16) -> bool {
    let Some(list) = ports.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return true;
    };
    list.iter().any(|p| {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        if proto != "TCP" {
            return false;
        }
        match p.get("port") {
            None => true,
            Some(Value::String(_)) => true,
            Some(Value::Number(n)) => {
                let start = n.as_u64().unwrap_or(0);
                let end = p.get("endPort").and_then(Value::as_u64).unwrap_or(start);
                (start..=end).contains(&u64::from(port))
            }
            _ => true,
        }
    })
}

fn policy_types(p: &Value) -> (bool, bool) {
    match p.pointer("/spec/policyTypes").and_then(Value::as_array) {
        Some(t) => (
            t.iter().any(|x| x == "Ingress"),
            t.iter().any(|x| x == "Egress"),
        ),
        None => (true, p.pointer("/spec/egress").is_some()),
    }
}

/// One side of a connection: the policies of `at`'s namespace that isolate
/// `at` in direction `dir` (`ingress`/`egress`), and whether one admits `peer`.
fn side(
    policies: &[&Value],
    at: &Endpoint,
    peer: &Endpoint,
    port: u16,
    dir: &'static str,
) -> Option<Refused> {
    let isolating: Vec<&Value> = policies
        .iter()
        .copied()
        .filter(|p| {
            let (ing, eg) = policy_types(p);
            (if dir == "ingress" { ing } else { eg })
                && selects(p.pointer("/spec/podSelector"), at.labels)
        })
        .collect();
    if isolating.is_empty() {
        return None;
    }
    let (rules_key, peers_key) = if dir == "ingress" {
        ("ingress", "from")
    } else {
        ("egress", "to")
    };
    let admitted = isolating.iter().any(|p| {
        p.pointer(&format!("/spec/{rules_key}"))
            .and_then(Value::as_array)
            .is_some_and(|rules| {
                rules.iter().any(|r| {
                    let peers_ok = match r.get(peers_key).and_then(Value::as_array) {
                        None => true,
                        Some(list) if list.is_empty() => true,
                        Some(list) => list.iter().any(|x| peer_matches(x, at.namespace, peer)),
                    };
                    peers_ok && port_matches(r.get("ports"), port)
                })
            })
    });
    (!admitted).then(|| Refused {
        kind: "NetworkPolicy",
        namespace: at.namespace.to_string(),
        names: isolating
            .iter()
            .map(|p| {
                p.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
            .collect(),
        side: dir,
    })
}

/// Do the NetworkPolicies let `from` open a TCP connection to `to` on
/// `port` (the destination pod's port)? `policies_of(ns)` gives the
/// NetworkPolicies of a namespace.
pub fn network_allows<'p>(
    policies_of: &dyn Fn(&str) -> Vec<&'p Value>,
    from: &Endpoint,
    to: &Endpoint,
    port: u16,
) -> Result<(), Refused> {
    if let Some(r) = side(&policies_of(from.namespace), from, to, port, "egress") {
        return Err(r);
    }
    if let Some(r) = side(&policies_of(to.namespace), to, from, port, "ingress") {
        return Err(r);
    }
    Ok(())
}

fn ns_pattern(pattern: &str, ns: &str) -> bool {
    if pattern == "*" {
        true
    } else if let Some(p) = pattern.strip_suffix('*') {
        ns.starts_with(p)
    } else if let Some(s) = pattern.strip_prefix('*') {
        ns.ends_with(s)
    } else {
        pattern == ns
    }
}

/// Does an AuthorizationPolicy rule's `from` admit a source namespace?
/// Sources without namespace conditions (principals, IP blocks) are not
/// decided here and admit.
fn rule_admits(rule: &Value, src_ns: &str) -> bool {
    let Some(from) = rule.get("from").and_then(Value::as_array) else {
        return true;
    };
    if from.is_empty() {
        return true;
    }
    from.iter().any(|f| {
        let s = f.get("source").unwrap_or(&Value::Null);
        let list = |k: &str| -> Option<Vec<&str>> {
            s.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
        };
        let inside = list("namespaces").is_none_or(|l| l.iter().any(|p| ns_pattern(p, src_ns)));
        let outside =
            list("notNamespaces").is_some_and(|l| l.iter().any(|p| ns_pattern(p, src_ns)));
        inside && !outside
    })
}

/// Do the Istio AuthorizationPolicies of the destination (its namespace's
/// and the mesh root namespace's, `istio-system`) let a meshed pod of
/// namespace `src_ns` call `to`?
pub fn mesh_allows<'p>(
    policies_of: &dyn Fn(&str) -> Vec<&'p Value>,
    src_ns: &str,
    to: &Endpoint,
) -> Result<(), Refused> {
    let mut applying: Vec<&Value> = policies_of(to.namespace);
    if to.namespace != "istio-system" {
        applying.extend(policies_of("istio-system"));
    }
    let applying: Vec<&Value> = applying
        .into_iter()
        .filter(|p| {
            p.pointer("/spec/targetRef").is_none()
                && p.pointer("/spec/targetRefs").is_none()
                && selects(p.pointer("/spec/selector"), to.labels)
        })
        .collect();
    let action = |p: &Value| {
        p.pointer("/spec/action")
            .and_then(Value::as_str)
            .unwrap_or("ALLOW")
            .to_string()
    };
    let name = |p: &Value| {
        p.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let matches = |p: &Value| {
        p.pointer("/spec/rules")
            .and_then(Value::as_array)
            .is_some_and(|rules| rules.iter().any(|r| rule_admits(r, src_ns)))
    };
    let denies: Vec<String> = applying
        .iter()
        .filter(|p| action(p) == "DENY" && matches(p))
        .map(|p| name(p))
        .collect();
    if !denies.is_empty() {
        return Err(Refused {
            kind: "AuthorizationPolicy",
            namespace: to.namespace.to_string(),
            names: denies,
            side: "DENY",
        });
    }
    let allows: Vec<&Value> = applying
        .iter()
        .copied()
        .filter(|p| action(p) == "ALLOW")
        .collect();
    if allows.is_empty() || allows.iter().any(|p| matches(p)) {
        return Ok(());
    }
    Err(Refused {
        kind: "AuthorizationPolicy",
        namespace: to.namespace.to_string(),
        names: allows.iter().map(|p| name(p)).collect(),
        side: "ALLOW",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ep<'a>(ns: &'a str, labels: &'a Value) -> Endpoint<'a> {
        Endpoint {
            namespace: ns,
            labels,
            namespace_labels: BTreeMap::new(),
        }
    }

    /// mlpc's team policies (tenancy layer): default deny, then the team
    /// and the platform's namespaces, HTTPS out, DNS.
    fn team(ns: &str) -> Vec<Value> {
        vec![
            json!({"metadata": {"name": "default-deny", "namespace": ns}, "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
            json!({"metadata": {"name": "allow-team-and-platform", "namespace": ns}, "spec": {
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["istio-ingress", "knative-serving"]}]}}]}],
            "egress": [
                {"to": [{"podSelector": {}}, {"namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["istio-ingress", "kube-system"]}]}}]},
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443, "protocol": "TCP"}]}
            ]}}),
        ]
    }

    #[test]
    fn team_policies_admit_the_namespace_and_the_gateway_only() {
        let policies = team("vision");
        let of = |ns: &str| -> Vec<&Value> {
            policies
                .iter()
                .filter(|p| p["metadata"]["namespace"] == ns)
                .collect()
        };
        let router = json!({"serving.kserve.io/inferencegraph": "m"});
        let model = json!({"serving.kserve.io/inferenceservice": "m-stable"});
        let gateway = json!({"istio": "ingressgateway"});
        let r = ep("vision", &router);
        assert_eq!(network_allows(&of, &r, &ep("vision", &model), 8080), Ok(()));
        assert_eq!(
            network_allows(&of, &r, &ep("istio-ingress", &gateway), 8081),
            Ok(())
        );
        let other = network_allows(&of, &r, &ep("nlp", &model), 8080).unwrap_err();
        assert_eq!((other.side, other.names.len()), ("egress", 2));
        // Into the team namespace from a namespace the policy does not list.
        let from_nlp =
            network_allows(&of, &ep("nlp", &router), &ep("vision", &model), 8080).unwrap_err();
        assert_eq!(from_nlp.side, "ingress");
    }

    #[test]
    fn authorization_policies_by_source_namespace() {
        let ap = json!({"metadata": {"name": "vision-allow"}, "spec": {"action": "ALLOW", "rules": [{"from": [{"source": {"namespaces": ["vision", "istio-ingress"]}}]}]}});
        let of = |ns: &str| -> Vec<&Value> { if ns == "vision" { vec![&ap] } else { vec![] } };
        let model = json!({});
        let to = ep("vision", &model);
        assert_eq!(mesh_allows(&of, "vision", &to), Ok(()));
        assert_eq!(mesh_allows(&of, "istio-ingress", &to), Ok(()));
        assert_eq!(mesh_allows(&of, "nlp", &to).unwrap_err().side, "ALLOW");
        let deny = json!({"metadata": {"name": "no-ingress"}, "spec": {"action": "DENY", "rules": [{"from": [{"source": {"namespaces": ["istio-*"]}}]}]}});
        let of = |ns: &str| -> Vec<&Value> {
            if ns == "vision" {
                vec![&ap, &deny]
            } else {
                vec![]
            }
        };
        assert_eq!(
            mesh_allows(&of, "istio-ingress", &to).unwrap_err().side,
            "DENY"
        );
    }

    #[test]
    fn selectors_and_ports() {
        let l = json!({"a": "1", "b": "2"});
        assert!(selects(Some(&json!({"matchLabels": {"a": "1"}})), &l));
        assert!(!selects(Some(&json!({"matchLabels": {"a": "2"}})), &l));
        assert!(selects(
            Some(&json!({"matchExpressions": [{"key": "c", "operator": "DoesNotExist"}]})),
            &l
        ));
        assert!(!selects(
            Some(
                &json!({"matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["2"]}]})
            ),
            &l
        ));
        assert!(port_matches(
            Some(&json!([{"port": 8000, "endPort": 9000}])),
            8080
        ));
        assert!(!port_matches(Some(&json!([{"port": 443}])), 8080));
        assert!(!port_matches(
            Some(&json!([{"port": 8080, "protocol": "UDP"}])),
            8080
        ));
        assert!(port_matches(None, 1));
    }
}

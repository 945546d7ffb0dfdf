//! What differs between a compiled object and its live copy: only the fields
//! the compiled object sets, compared by meaning rather than by text.
//!
//! - Fields the server or controllers add (status, uid, resourceVersion,
//!   managedFields, defaults) are never looked at: the walk follows the
//!   compiled object.
//! - Kubernetes quantities compare by value (`1Gi` = `1073741824`), numbers
//!   equal their decimal strings (int-or-string ports: `53` = `"53"`), and an
//!   empty or zero value equals an absent one (`{}`, `[]`, `""`, `false`,
//!   `0`, `null`: what Go's `omitempty` drops).
//! - Lists of named items (containers, env, ports) are matched by `name`;
//!   other lists by position.
//! - Ignored fields: `[drift] ignore` JSON pointers per kind, plus built-in
//!   ones for values controllers write (webhook `caBundle` and the like).
//! - Secret values (`data`, `stringData`, credential-looking keys and env
//!   vars) are reported as `<redacted>`, never printed.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::quantity::Quantity;

/// The text that replaces a secret value in reports.
pub const REDACTED: &str = "<redacted>";

/// One field whose live value is not the compiled one. `live` is `null` when
/// the field is absent live; `desired` is `null` for a list item only the
/// live object has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDiff {
    pub path: String,
    pub desired: Value,
    pub live: Value,
}

/// Fields not reported, by kind (`*` for every kind), as JSON pointers whose
/// segments may be `*` (any key or list index). A pointer covers everything
/// below it.
#[derive(Clone, Debug, Default)]
pub struct Ignores {
    rules: Vec<(String, Vec<String>)>,
}

/// Values Kubernetes controllers write into objects that GitOps tools apply:
/// reporting them would make every cluster drift forever.
const BUILT_IN_IGNORES: &[(&str, &str)] = &[
    // cert-manager's cainjector, Gatekeeper, KServe, Kueue and the like
    // inject their serving CA into their webhook configurations and CRDs.
    (
        "MutatingWebhookConfiguration",
        "/webhooks/*/clientConfig/caBundle",
    ),
    (
        "ValidatingWebhookConfiguration",
        "/webhooks/*/clientConfig/caBundle",
    ),
    (
        "CustomResourceDefinition",
        "/spec/conversion/webhook/clientConfig/caBundle",
    ),
    ("APIService", "/spec/caBundle"),
    // The fleet ApplicationSet's RollingSync removes the automated sync policy
    // of the leaf Applications it generates, and syncs them step by step.
    ("Application", "/spec/syncPolicy/automated"),
    // Token controller (clusters before 1.24).
    ("ServiceAccount", "/secrets"),
    // Written by kubectl apply, not by mlpc.
    (
        "*",
        "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
    ),
];

impl Ignores {
    /// The built-in ignores plus `(kind, pointers)` from the spec.
    pub fn new<'a>(spec: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Ignores {
        let mut rules: Vec<(String, Vec<String>)> = BUILT_IN_IGNORES
            .iter()
            .map(|(k, p)| (k.to_string(), pointer_segments(p)))
            .collect();
        for (kind, paths) in spec {
            for p in paths {
                rules.push((kind.to_string(), pointer_segments(p)));
            }
        }
        Ignores { rules }
    }

    pub fn ignored(&self, kind: &str, path: &[String]) -> bool {
        self.rules.iter().any(|(k, rule)| {
            (k == "*" || k == kind)
                && rule.len() <= path.len()
                && rule.iter().zip(path).all(|(r, p)| r == "*" || r == p)
        })
    }
}

/// `/a/b~1c/0` → `["a", "b/c", "0"]`.
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// `["a", "b/c", "0"]` → `/a/b~1c/0`.
pub fn pointer(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&s.replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// Metadata the API server owns: never part of a compiled object's intent.
const SERVER_METADATA: &[&str] = &[
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "resourceVersion",
    "uid",
    "generation",
    "managedFields",
    "selfLink",
];

/// Every field the compiled object `desired` sets whose value in `live`
/// differs, secret values redacted.
pub fn diff(kind: &str, desired: &Value, live: &Value, ignores: &Ignores) -> Vec<FieldDiff> {
    let desired = if kind == "Secret" {
        secret_as_data(desired)
    } else {
        desired.clone()
    };
    let mut w = Walker {
        kind,
        ignores,
        out: Vec::new(),
    };
    let Some(d) = desired.as_object() else {
        return w.out;
    };
    let empty = Map::new();
    let l = live.as_object().unwrap_or(&empty);
    let mut path = Vec::new();
    for (k, v) in d {
        match k.as_str() {
            "apiVersion" | "kind" | "status" => continue,
            "metadata" => {
                let Some(meta) = v.as_object() else { continue };
                let live_meta = l.get("metadata");
                for (mk, mv) in meta {
                    if SERVER_METADATA.contains(&mk.as_str()) {
                        continue;
                    }
                    path.push("metadata".to_string());
                    path.push(mk.clone());
                    w.walk(&mut path, mv, live_meta.and_then(|m| m.get(mk)), false);
                    path.clear();
                }
            }
            _ => {
                let sensitive = kind == "Secret" && k == "data";
                path.push(k.clone());
                w.walk(&mut path, v, l.get(k), sensitive);
                path.clear();
            }
        }
    }
    w.out
}

struct Walker<'a> {
    kind: &'a str,
    ignores: &'a Ignores,
    out: Vec<FieldDiff>,
}

impl Walker<'_> {
    fn walk(&mut self, path: &mut Vec<String>, d: &Value, l: Option<&Value>, sensitive: bool) {
        // `null` in a manifest sets nothing.
        if d.is_null() || self.ignores.ignored(self.kind, path) {
            return;
        }
        let sensitive = sensitive || path.last().is_some_and(|k| looks_secret(k));
        let l = l.filter(|v| !v.is_null());
        match (d, l) {
            (_, None) => {
                if let Some(pruned) = self.prune(path, d) {
                    self.push(path, pruned, Value::Null, sensitive);
                }
            }
            (Value::Object(dm), Some(Value::Object(lm))) => {
                for (k, v) in dm {
                    path.push(k.clone());
                    self.walk(path, v, lm.get(k), sensitive);
                    path.pop();
                }
            }
            (Value::Array(da), Some(Value::Array(la))) => self.walk_list(path, da, la, sensitive),
            (Value::Object(_) | Value::Array(_), Some(lv)) => {
                if let Some(pruned) = self.prune(path, d) {
                    self.push(path, pruned, lv.clone(), sensitive);
                } else if !is_zero(lv) {
                    self.push(path, d.clone(), lv.clone(), sensitive);
                }
            }
            (_, Some(lv)) => {
                if !scalars_equal(path, d, lv) {
                    self.push(path, d.clone(), project(d, lv), sensitive);
                }
            }
        }
    }

    fn walk_list(&mut self, path: &mut Vec<String>, da: &[Value], la: &[Value], sensitive: bool) {
        if let (Some(dn), Some(ln)) = (names(da), names(la)) {
            // Named items: match by name, whatever their order.
            for (i, (name, d)) in dn.iter().zip(da).enumerate() {
                path.push(i.to_string());
                let s = sensitive || looks_secret(name);
                match ln.iter().position(|n| n == name) {
                    Some(j) => self.walk(path, d, Some(&la[j]), s),
                    None => {
                        if !self.ignores.ignored(self.kind, path) {
                            self.push(path, d.clone(), Value::Null, s);
                        }
                    }
                }
                path.pop();
            }
            for (j, (name, l)) in ln.iter().zip(la).enumerate() {
                if !dn.contains(name) {
                    path.push(j.to_string());
                    if !self.ignores.ignored(self.kind, path) {
                        let s = sensitive || looks_secret(name);
                        self.push(path, Value::Null, l.clone(), s);
                    }
                    path.pop();
                }
            }
            return;
        }
        if da.len() == la.len() {
            for (i, (d, l)) in da.iter().zip(la).enumerate() {
                path.push(i.to_string());
                self.walk(path, d, Some(l), sensitive);
                path.pop();
            }
            return;
        }
        let d = Value::Array(da.to_vec());
        let l = Value::Array(la.to_vec());
        self.push(path, d.clone(), project(&d, &l), sensitive);
    }

    /// `d` without its ignored and empty parts (`None` when nothing is left):
    /// what an absent live field must be compared with.
    fn prune(&self, path: &mut Vec<String>, d: &Value) -> Option<Value> {
        if self.ignores.ignored(self.kind, path) {
            return None;
        }
        match d {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    path.push(k.clone());
                    if let Some(p) = self.prune(path, v) {
                        out.insert(k.clone(), p);
                    }
                    path.pop();
                }
                (!out.is_empty()).then_some(Value::Object(out))
            }
            Value::Array(a) => {
                // A list with items is intent even if each item is empty.
                (!a.is_empty()).then(|| d.clone())
            }
            v if is_zero(v) => None,
            v => Some(v.clone()),
        }
    }

    fn push(&mut self, path: &[String], desired: Value, live: Value, sensitive: bool) {
        let (desired, live) = if sensitive {
            (redact_all(desired), redact_all(live))
        } else {
            (mask(desired), mask(live))
        };
        self.out.push(FieldDiff {
            path: pointer(path),
            desired,
            live,
        });
    }
}

/// The `name` of every item, when every item is an object with a distinct
/// string name.
fn names(items: &[Value]) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        let n = i.get("name")?.as_str()?.to_string();
        if out.contains(&n) {
            return None;
        }
        out.push(n);
    }
    (!out.is_empty()).then_some(out)
}

/// What Go's `omitempty` drops: absent live equals these.
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_zero),
    }
}

/// Keys whose values are opaque text, where `1.0` and `1` are different.
const OPAQUE_KEYS: &[&str] = &[
    "data",
    "stringData",
    "binaryData",
    "env",
    "args",
    "command",
    "image",
    "labels",
    "annotations",
    "matchLabels",
    "nodeSelector",
    "values",
    "value",
    "rego",
];

fn opaque(path: &[String]) -> bool {
    path.first().is_some_and(|s| s == "metadata")
        || path.iter().any(|s| OPAQUE_KEYS.contains(&s.as_str()))
}

fn scalars_equal(path: &[String], d: &Value, l: &Value) -> bool {
    if d == l {
        return true;
    }
    match (d, l) {
        (Value::Number(a), Value::Number(b)) => {
            Quantity::from_json_number(a).is_some_and(|a| Quantity::from_json_number(b) == Some(a))
        }
        // Int-or-string: 53 and "53" (also 8 and "8" for a quantity).
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            let plain = s
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
            (plain || !opaque(path))
                && Quantity::from_json_number(n).is_some_and(|q| Quantity::parse(s) == Some(q))
        }
        (Value::String(a), Value::String(b)) => !opaque(path) && super::quantity::equal(a, b),
        _ => false,
    }
}

/// `live` reduced to the fields `desired` has (for display: the server's
/// defaults inside a differing list or object are noise).
fn project(desired: &Value, live: &Value) -> Value {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => Value::Object(
            l.iter()
                .filter_map(|(k, lv)| d.get(k).map(|dv| (k.clone(), project(dv, lv))))
                .collect(),
        ),
        (Value::Array(d), Value::Array(l)) => Value::Array(
            l.iter()
                .enumerate()
                .map(|(i, lv)| match d.get(i) {
                    Some(dv) => project(dv, lv),
                    None => lv.clone(),
                })
                .collect(),
        ),
        _ => live.clone(),
    }
}

/// Keys that hold credentials by their name (`password`, `apiKey`,
/// `AWS_SECRET_ACCESS_KEY`), but not references to them (`secretName`,
/// `passwordSecretRef`, `tokenSecretKeyRef`).
pub fn looks_secret(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if k.ends_with("name") || k.ends_with("ref") || k.ends_with("refs") || k.ends_with("path") {
        return false;
    }
    [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "credential",
        "bearer",
        "clientkey",
    ]
    .iter()
    .any(|w| k.contains(w))
}

fn redact_all(v: Value) -> Value {
    if v.is_null() {
        v
    } else {
        Value::String(REDACTED.into())
    }
}

/// Redact what looks like a credential inside a value shown in a report:
/// values under credential-looking keys, and the `value` of env-var-like
/// items whose `name` looks like one.
pub fn mask(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let secret_item = m
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(looks_secret);
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let v = if looks_secret(&k) || (secret_item && k == "value") {
                            redact_all(v)
                        } else {
                            mask(v)
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(mask).collect()),
        v => v,
    }
}

/// A Secret's `stringData` is write-only: the API server folds it into `data`
/// (base64), which is what it returns. Compare that.
fn secret_as_data(desired: &Value) -> Value {
    let mut d = desired.clone();
    let Some(obj) = d.as_object_mut() else {
        return d;
    };
    let Some(Value::Object(string_data)) = obj.remove("stringData") else {
        return d;
    };
    let mut data: BTreeMap<String, Value> = match obj.remove("data") {
        Some(Value::Object(m)) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    for (k, v) in string_data {
        let text = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        data.insert(k, Value::String(base64(text.as_bytes())));
    }
    obj.insert("data".into(), Value::Object(data.into_iter().collect()));
    d
}

/// Standard base64 with padding, as the API server encodes `[]byte`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_ignores() -> Ignores {
        Ignores::new(std::iter::empty())
    }

    fn paths(d: &[FieldDiff]) -> Vec<&str> {
        d.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn server_fields_and_defaults_are_not_drift() {
        let desired = json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "team-a", "labels": {"mlpc.io/team": "a"}},
        });
        let live = json!({
            "metadata": {"name": "team-a", "uid": "1", "resourceVersion": "7",
                "creationTimestamp": "2025-01-01T00:00:00Z",
                "managedFields": [{"manager": "argocd"}],
                "labels": {"mlpc.io/team": "a", "kubernetes.io/metadata.name": "team-a"}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        });
        assert!(diff("Namespace", &desired, &live, &no_ignores()).is_empty());
    }

    #[test]
    fn semantic_equalities() {
        let desired = json!({
            "spec": {
                "hard": {"requests.memory": "1Gi", "requests.cpu": "1", "pods": "100"},
                "podSelector": {},
                "ports": [{"port": 53, "protocol": "UDP"}],
                "selector": {"matchLabels": {}},
                "paused": false,
                "tags": [],
                "note": "",
            }
        });
        let live = json!({
            "spec": {
                "hard": {"requests.memory": "1073741824", "requests.cpu": "1000m", "pods": 100},
                "ports": [{"port": "53", "protocol": "UDP"}],
            }
        });
        assert_eq!(
            diff("X", &desired, &live, &no_ignores()),
            vec![],
            "quantities, int-or-string and empty-vs-absent are equal"
        );
    }

    #[test]
    fn changed_missing_and_type_mismatch() {
        let desired = json!({"spec": {"hard": {"requests.cpu": "64", "pods": "10"}, "x": {"a": 1}, "y": "s"}});
        let live = json!({"spec": {"hard": {"requests.cpu": "96"}, "x": "flat", "y": "s"}});
        let d = diff("ResourceQuota", &desired, &live, &no_ignores());
        assert_eq!(
            d,
            vec![
                FieldDiff {
                    path: "/spec/hard/pods".into(),
                    desired: json!("10"),
                    live: Value::Null
                },
                FieldDiff {
                    path: "/spec/hard/requests.cpu".into(),
                    desired: json!("64"),
                    live: json!("96")
                },
                FieldDiff {
                    path: "/spec/x".into(),
                    desired: json!({"a": 1}),
                    live: json!("flat")
                },
            ]
        );
    }

    #[test]
    fn quantities_only_where_values_are_not_opaque() {
        let desired = json!({"metadata": {"labels": {"v": "1"}}, "data": {"k": "1.0"}});
        let live = json!({"metadata": {"labels": {"v": "1.0"}}, "data": {"k": "1"}});
        assert_eq!(
            paths(&diff("ConfigMap", &desired, &live, &no_ignores())),
            vec!["/data/k", "/metadata/labels/v"]
        );
    }

    #[test]
    fn named_lists_match_by_name_and_others_by_position() {
        let desired = json!({"spec": {"containers": [
            {"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}});
        let live = json!({"spec": {"containers": [
            {"name": "b", "image": "y:1", "imagePullPolicy": "IfNotPresent"},
            {"name": "a", "image": "x:2"},
            {"name": "c", "image": "z"}]}});
        let d = diff("Pod", &desired, &live, &no_ignores());
        assert_eq!(
            paths(&d),
            vec!["/spec/containers/0/image", "/spec/containers/2"]
        );
        assert_eq!(d[1].desired, Value::Null);
        let desired = json!({"subjects": ["a", "b"]});
        let live = json!({"subjects": ["a", "b", "c"]});
        let d = diff("X", &desired, &live, &no_ignores());
        assert_eq!(d[0].path, "/subjects");
        assert_eq!(d[0].live, json!(["a", "b", "c"]));
    }

    #[test]
    fn rolling_sync_removing_automated_sync_is_not_drift() {
        let desired =
            json!({"spec": {"syncPolicy": {"automated": {"prune": true}, "syncOptions": ["A"]}}});
        let live = json!({"spec": {"syncPolicy": {"syncOptions": ["A"]}}});
        assert!(diff("Application", &desired, &live, &Ignores::new([])).is_empty());
        assert!(!diff("Deployment", &desired, &live, &Ignores::new([])).is_empty());
    }

    #[test]
    fn ignores_from_spec_and_built_in() {
        let ignores = Ignores::new([("Deployment", &["/spec/replicas".to_string()][..])]);
        let desired = json!({"spec": {"replicas": 2, "paused": true}});
        let live = json!({"spec": {"replicas": 5}});
        assert_eq!(
            paths(&diff("Deployment", &desired, &live, &ignores)),
            vec!["/spec/paused"]
        );
        assert_eq!(
            paths(&diff("StatefulSet", &desired, &live, &ignores)),
            vec!["/spec/paused", "/spec/replicas"]
        );
        let desired = json!({"webhooks": [{"name": "w", "clientConfig": {"caBundle": "", "service": {"name": "s"}}}]});
        let live = json!({"webhooks": [{"name": "w", "clientConfig": {"caBundle": "LS0t", "service": {"name": "s"}}}]});
        assert!(diff("ValidatingWebhookConfiguration", &desired, &live, &ignores).is_empty());
        assert_eq!(
            paths(&diff("Other", &desired, &live, &ignores)),
            vec!["/webhooks/0/clientConfig/caBundle"]
        );
    }

    #[test]
    fn escaped_pointers() {
        let ignores = Ignores::new([(
            "ResourceQuota",
            &["/spec/hard/requests.nvidia.com~1gpu".to_string()][..],
        )]);
        let desired = json!({"spec": {"hard": {"requests.nvidia.com/gpu": "8", "pods": "1"}}});
        let live = json!({"spec": {"hard": {"requests.nvidia.com/gpu": "4", "pods": "2"}}});
        let d = diff("ResourceQuota", &desired, &live, &no_ignores());
        assert_eq!(
            paths(&d),
            vec!["/spec/hard/pods", "/spec/hard/requests.nvidia.com~1gpu"]
        );
        assert_eq!(
            paths(&diff("ResourceQuota", &desired, &live, &ignores)),
            vec!["/spec/hard/pods"]
        );
    }

    #[test]
    fn secrets_are_compared_but_never_shown() {
        let desired = json!({"kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"password": "hunter2", "user": "admin"}, "data": {"ca": "Y2E="}});
        let live = json!({"metadata": {"name": "s"},
            "data": {"password": base64(b"hunter2"), "user": base64(b"root"), "ca": "Y2E="}});
        let d = diff("Secret", &desired, &live, &no_ignores());
        assert_eq!(paths(&d), vec!["/data/user"]);
        assert_eq!(d[0].desired, json!(REDACTED));
        assert_eq!(d[0].live, json!(REDACTED));
        let live_same = json!({"metadata": {"name": "s"}, "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4=", "ca": "Y2E="}});
        assert!(diff("Secret", &desired, &live_same, &no_ignores()).is_empty());
    }

    #[test]
    fn credentials_in_other_kinds_are_redacted() {
        let desired = json!({"spec": {
            "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "abc"}, {"name": "REGION", "value": "eu"}],
            "auth": {"apiKey": "k1", "secretName": "s1"}}});
        let live = json!({"spec": {
            "env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "xyz"}, {"name": "REGION", "value": "us"}],
            "auth": {"apiKey": "k2", "secretName": "s2"}}});
        let d = diff("Deployment", &desired, &live, &no_ignores());
        let text = serde_json::to_string(&d).unwrap();
        for secret in ["abc", "xyz", "k1", "k2"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        for shown in ["eu", "us", "s1", "s2"] {
            assert!(text.contains(shown), "{shown} hidden: {text}");
        }
        // Whole subtrees shown in a diff are masked too.
        let desired = json!({"spec": {"env": [{"name": "DB_PASSWORD", "value": "p1"}]}});
        let live = json!({"spec": {"env": []}});
        let text =
            serde_json::to_string(&diff("Deployment", &desired, &live, &no_ignores())).unwrap();
        assert!(!text.contains("p1"), "{text}");
    }

    #[test]
    fn base64_matches_the_api_server() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"hunter2"), "aHVudGVyMg==");
    }
}

//! Gatekeeper policies offline: the Rego of each ConstraintTemplate, run
//! with regorus on Gatekeeper's input shape, for every object a Constraint
//! matches (kinds, namespaces, excludedNamespaces, labelSelector, scope).

use serde_json::{Value, json};

/// A compiled ConstraintTemplate.
#[derive(Clone)]
pub struct Template {
    pub name: String,
    /// The constraint kind it defines.
    pub kind: String,
    engine: regorus::Engine,
    /// `data.<package>.violation`.
    rule: String,
    /// The parameter schema (`spec.crd.spec.validation.openAPIV3Schema`).
    pub parameters_schema: Option<Value>,
}

/// A Constraint: which template, its match block, parameters and action.
#[derive(Clone, Debug)]
pub struct Constraint {
    pub kind: String,
    pub name: String,
    pub enforcement: String,
    pub matches: Value,
    pub parameters: Value,
}

/// One violation of one constraint by one object.
#[derive(Clone, Debug)]
pub struct Violation {
    pub constraint: String,
    pub enforcement: String,
    pub message: String,
}

impl Template {
    /// Compile a ConstraintTemplate object; the error names the template and
    /// the Rego line.
    pub fn from_object(obj: &Value) -> Result<Template, String> {
        let name = obj
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let kind = obj
            .pointer("/spec/crd/spec/names/kind")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("ConstraintTemplate {name} has no spec.crd.spec.names.kind"))?
            .to_string();
        let target = obj
            .pointer("/spec/targets/0")
            .ok_or_else(|| format!("ConstraintTemplate {name} has no targets"))?;
        // Gatekeeper: `rego` is Rego v0; `code[].source` declares its own version.
        let (rego, v0) = match target.get("rego").and_then(Value::as_str) {
            Some(r) => (r.to_string(), true),
            None => {
                let code = target
                    .get("code")
                    .and_then(Value::as_array)
                    .and_then(|c| {
                        c.iter()
                            .find(|c| c.get("engine").and_then(Value::as_str) == Some("Rego"))
                    })
                    .ok_or_else(|| format!("ConstraintTemplate {name} has no Rego"))?;
                let src = code
                    .pointer("/source/rego")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let version = code
                    .pointer("/source/version")
                    .and_then(Value::as_str)
                    .unwrap_or("v0");
                (src.to_string(), version != "v1")
            }
        };
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(v0);
        let package = engine
            .add_policy(format!("{name}.rego"), rego)
            .map_err(|e| format!("ConstraintTemplate {name}: Rego does not compile: {e}"))?;
        Ok(Template {
            name,
            kind,
            engine,
            rule: format!("{package}.violation"),
            parameters_schema: obj
                .pointer("/spec/crd/spec/validation/openAPIV3Schema")
                .cloned(),
        })
    }

    /// Violations of `obj` under `params`, as Gatekeeper would report them.
    pub fn evaluate(&mut self, obj: &Value, params: &Value) -> Result<Vec<String>, String> {
        self.evaluate_input(regorus::Value::from(review(obj, params)))
    }

    /// Evaluate a prepared input (see [`Prepared`]): the object is converted
    /// to regorus' value once, however many constraints match it.
    pub fn evaluate_input(&mut self, input: regorus::Value) -> Result<Vec<String>, String> {
        self.engine.set_input(input);
        let result = self
            .engine
            .eval_rule(self.rule.clone())
            .map_err(|e| format!("ConstraintTemplate {}: {e}", self.name))?;
        let json: Value = result
            .to_json_str()
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(Value::Null);
        let items = match json {
            Value::Array(a) => a,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        Ok(items
            .into_iter()
            .map(|v| {
                v.get("msg")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect())
    }
}

/// An object's admission review, converted once, to combine with each
/// matching constraint's parameters.
pub struct Prepared {
    review: regorus::Value,
}

impl Prepared {
    pub fn new(obj: &Value) -> Prepared {
        let full = review(obj, &Value::Null);
        Prepared {
            review: regorus::Value::from(full.get("review").cloned().unwrap_or(Value::Null)),
        }
    }

    pub fn input(&self, params: &regorus::Value) -> regorus::Value {
        let mut m = std::collections::BTreeMap::new();
        m.insert(regorus::Value::from("review"), self.review.clone());
        m.insert(regorus::Value::from("parameters"), params.clone());
        regorus::Value::from(m)
    }
}

/// A constraint's parameters as regorus' value (`{}` when absent).
pub fn parameters_value(params: &Value) -> regorus::Value {
    regorus::Value::from(if params.is_null() {
        json!({})
    } else {
        params.clone()
    })
}

/// Gatekeeper's admission input.
pub fn review(obj: &Value, params: &Value) -> Value {
    let api = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
    json!({
        "review": {
            "kind": {"group": group, "version": version, "kind": obj.get("kind").cloned().unwrap_or(Value::Null)},
            "name": obj.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
            "namespace": obj.pointer("/metadata/namespace").cloned().unwrap_or(Value::Null),
            "operation": "CREATE",
            "object": obj,
        },
        "parameters": if params.is_null() { json!({}) } else { params.clone() },
    })
}

impl Constraint {
    pub fn from_object(obj: &Value) -> Constraint {
        Constraint {
            kind: obj
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            name: obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            enforcement: obj
                .pointer("/spec/enforcementAction")
                .and_then(Value::as_str)
                .unwrap_or("deny")
                .to_string(),
            matches: obj.pointer("/spec/match").cloned().unwrap_or(Value::Null),
            parameters: obj
                .pointer("/spec/parameters")
                .cloned()
                .unwrap_or(Value::Null),
        }
    }

    /// Gatekeeper's match semantics for the fields mlpc uses and common ones.
    pub fn matches(&self, obj: &Value) -> bool {
        let m = &self.matches;
        if m.is_null() {
            return true;
        }
        let api = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
        let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
        // A Namespace is matched by namespace rules through its own name.
        let effective_ns = if kind == "Namespace" && group.is_empty() {
            obj.pointer("/metadata/name").and_then(Value::as_str)
        } else {
            ns
        };
        if let Some(kinds) = m.get("kinds").and_then(Value::as_array) {
            let any = kinds.iter().any(|k| {
                let groups_ok = k
                    .get("apiGroups")
                    .and_then(Value::as_array)
                    .is_none_or(|gs| {
                        gs.iter()
                            .any(|g| g.as_str() == Some("*") || g.as_str() == Some(group))
                    });
                let kinds_ok = k.get("kinds").and_then(Value::as_array).is_none_or(|ks| {
                    ks.iter()
                        .any(|x| x.as_str() == Some("*") || x.as_str() == Some(kind))
                });
                groups_ok && kinds_ok
            });
            if !kinds.is_empty() && !any {
                return false;
            }
        }
        match m.get("scope").and_then(Value::as_str) {
            Some("Namespaced") if ns.is_none() => return false,
            Some("Cluster") if ns.is_some() => return false,
            _ => {}
        }
        if let Some(list) = m.get("namespaces").and_then(Value::as_array) {
            match effective_ns {
                Some(n)
                    if list
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|p| glob_match(p, n)) => {}
                _ => return false,
            }
        }
        if let Some(list) = m.get("excludedNamespaces").and_then(Value::as_array)
            && let Some(n) = effective_ns
            && list
                .iter()
                .filter_map(Value::as_str)
                .any(|p| glob_match(p, n))
        {
            return false;
        }
        if let Some(sel) = m.get("labelSelector") {
            let labels = obj
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            if !selector_matches(sel, &labels) {
                return false;
            }
        }
        true
    }
}

/// Gatekeeper namespace patterns: exact, or a trailing `*` prefix match.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

pub fn selector_matches(sel: &Value, labels: &Value) -> bool {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in ml {
            if get(k) != v.as_str() {
                return false;
            }
        }
    }
    if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let ok = match e
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or_default()
            {
                "In" => get(key).is_some_and(|v| values.contains(&v)),
                "NotIn" => get(key).is_none_or(|v| !values.contains(&v)),
                "Exists" => get(key).is_some(),
                "DoesNotExist" => get(key).is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// The schema a Constraint of `template` must satisfy (what Gatekeeper
/// generates as the constraint CRD).
pub fn constraint_schema(parameters: Option<&Value>) -> Value {
    let mut params = parameters
        .cloned()
        .unwrap_or_else(|| json!({"type": "object"}));
    if params.get("type").is_none() {
        params["type"] = json!("object");
    }
    json!({
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "enforcementAction": {"type": "string", "enum": ["deny", "dryrun", "warn"]},
                    "match": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "kinds": {"type": "array", "items": {"type": "object", "additionalProperties": false, "properties": {
                                "apiGroups": {"type": "array", "items": {"type": "string"}},
                                "kinds": {"type": "array", "items": {"type": "string"}}}}},
                            "scope": {"type": "string", "enum": ["*", "Cluster", "Namespaced"]},
                            "namespaces": {"type": "array", "items": {"type": "string"}},
                            "excludedNamespaces": {"type": "array", "items": {"type": "string"}},
                            "labelSelector": {"type": "object"},
                            "namespaceSelector": {"type": "object"},
                            "name": {"type": "string"},
                            "source": {"type": "string", "enum": ["All", "Generated", "Original"]}
                        }
                    },
                    "parameters": params
                }
            },
            "status": {"type": "object"}
        }
    })
}

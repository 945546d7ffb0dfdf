//! Policy tests, like `gator verify`: each policy ships allowed and denied
//! example objects (`policies/tests/<name>/{allowed,denied}/*.yaml`, optional
//! `parameters.yaml`); every allowed object must pass and every denied one
//! must be refused, or the policy is broken.

use std::collections::BTreeMap;

use include_dir::{Dir, include_dir};
use serde_json::{Value, json};

use super::policy::Template;
use super::{Finding, Source};
use crate::diag::Severity;
use crate::plan::PolicySource;

static EMBEDDED_TESTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/policies/tests");

/// Fixture files of one policy: (relative path, text).
#[derive(Default)]
pub struct Fixtures {
    pub allowed: Vec<(String, String)>,
    pub denied: Vec<(String, String)>,
    pub parameters: Option<String>,
}

/// Fixtures from a `policies/tests` directory on disk, or the embedded ones.
pub fn load(dir: Option<&std::path::Path>) -> BTreeMap<String, Fixtures> {
    let mut out: BTreeMap<String, Fixtures> = BTreeMap::new();
    let mut add = |rel: &str, text: String| {
        let parts: Vec<&str> = rel.split('/').collect();
        match parts.as_slice() {
            [policy, "allowed", file] if is_yaml(file) => out
                .entry(policy.to_string())
                .or_default()
                .allowed
                .push((rel.to_string(), text)),
            [policy, "denied", file] if is_yaml(file) => out
                .entry(policy.to_string())
                .or_default()
                .denied
                .push((rel.to_string(), text)),
            [policy, "parameters.yaml"] => {
                out.entry(policy.to_string()).or_default().parameters = Some(text)
            }
            _ => {}
        }
    };
    match dir.filter(|d| d.is_dir()) {
        Some(d) => {
            if let Ok(files) = super::manifests::list_files(d) {
                for f in files {
                    if let (Ok(rel), Ok(text)) = (f.strip_prefix(d), std::fs::read_to_string(&f)) {
                        add(&rel.to_string_lossy().replace('\\', "/"), text);
                    }
                }
            }
        }
        None => {
            let mut stack = vec![&EMBEDDED_TESTS];
            while let Some(d) = stack.pop() {
                for f in d.files() {
                    if let Some(t) = f.contents_utf8() {
                        add(
                            &f.path().to_string_lossy().replace('\\', "/"),
                            t.to_string(),
                        );
                    }
                }
                stack.extend(d.dirs());
            }
        }
    }
    for f in out.values_mut() {
        f.allowed.sort();
        f.denied.sort();
    }
    out
}

fn is_yaml(f: &str) -> bool {
    f.ends_with(".yaml") || f.ends_with(".yml")
}

fn template_object(p: &PolicySource) -> Value {
    json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": p.name},
        "spec": {
            "crd": {"spec": {"names": {"kind": p.meta.get("kind").cloned().unwrap_or(Value::Null)}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": p.rego}]
        }
    })
}

/// Run every policy's fixtures; returns (number of fixtures run, failures).
pub fn run(
    policies: &[PolicySource],
    fixtures: &BTreeMap<String, Fixtures>,
) -> (usize, Vec<Finding>) {
    let mut ran = 0;
    let mut out = Vec::new();
    let fail = |file: &str, name: &str, message: String| Finding {
        severity: Severity::Error,
        source: Source::PolicyTest,
        cluster: None,
        file: format!("policies/tests/{file}"),
        api_version: String::new(),
        kind: String::new(),
        namespace: None,
        name: name.to_string(),
        path: ".".into(),
        message,
        rule: name.to_string(),
    };
    for p in policies {
        let mut t = match Template::from_object(&template_object(p)) {
            Ok(t) => t,
            Err(e) => {
                out.push(fail(&format!("{}.rego", p.name), &p.name, e));
                continue;
            }
        };
        let Some(fx) = fixtures.get(&p.name) else {
            out.push(fail(
                &p.name,
                &p.name,
                format!(
                    "policy {} has no tests (policies/tests/{}/allowed and denied)",
                    p.name, p.name
                ),
            ));
            continue;
        };
        if fx.allowed.is_empty() || fx.denied.is_empty() {
            out.push(fail(
                &p.name,
                &p.name,
                format!("policy {} needs both allowed and denied examples", p.name),
            ));
        }
        let params = fx
            .parameters
            .as_deref()
            .and_then(|t| crate::yaml::parse_stream(t).ok())
            .and_then(|d| d.into_iter().next())
            .unwrap_or(Value::Null);
        for (expect_denied, list) in [(false, &fx.allowed), (true, &fx.denied)] {
            for (file, text) in list {
                let docs = match crate::yaml::parse_stream(text) {
                    Ok(d) => d,
                    Err(e) => {
                        out.push(fail(file, &p.name, format!("fixture is not YAML: {e}")));
                        continue;
                    }
                };
                for obj in docs {
                    ran += 1;
                    match t.evaluate(&obj, &params) {
                        Ok(v) if expect_denied && v.is_empty() => out.push(fail(
                            file,
                            &p.name,
                            format!("policy {} allowed an object it must deny", p.name),
                        )),
                        Ok(v) if !expect_denied && !v.is_empty() => out.push(fail(
                            file,
                            &p.name,
                            format!(
                                "policy {} denied an object it must allow: {}",
                                p.name,
                                v.join("; ")
                            ),
                        )),
                        Ok(_) => {}
                        Err(e) => out.push(fail(file, &p.name, e)),
                    }
                }
            }
        }
    }
    (ran, out)
}

//! Issue 14, item 1: no spec value can change the structure of the output.
//! Every string field of the spec's JSON Schema (generated from the types, so
//! a new field is covered without editing this test) receives every hostile
//! payload of `mlpc::hostile::PAYLOADS`; each time either validation refuses
//! it with a positioned error, or the compiled output equals the output with a
//! harmless value, the payload arriving byte-exact (no extra file, document,
//! key, list entry or object).

use std::collections::BTreeMap;

use mlpc::hostile::{self, FieldPath, MARK, Outcome, Step, Verdict};
use serde_json::Value;

use crate::support;

fn base() -> Value {
    hostile::base_spec(
        include_str!("../../ml-platform.toml"),
        include_str!("../hostile/extra.toml"),
    )
    .expect("base spec")
}

struct Tally {
    rejected: usize,
    held: usize,
    failures: Vec<String>,
}

fn run_field(base: &Value, field: &FieldPath) -> Tally {
    let mut t = Tally {
        rejected: 0,
        held: 0,
        failures: Vec::new(),
    };
    let prefix = match field.last() {
        Some(Step::MapKey) => String::new(),
        _ => hostile::get(base, field).unwrap_or_default().to_string(),
    };
    let marked = format!("{prefix}{MARK}");
    let mut spec = base.clone();
    if !hostile::set(&mut spec, field, &marked) {
        t.failures.push(format!(
            "{}: the base spec has no place for this field; add its table to tests/hostile/extra.toml",
            hostile::path_text(field)
        ));
        return t;
    }
    let baseline: Option<BTreeMap<String, Vec<Value>>> = match hostile::compile_json(&spec) {
        Ok(Outcome::Compiled(o)) => Some(o),
        Ok(Outcome::Rejected(_)) => None,
        Err(e) => {
            t.failures
                .push(format!("{}: baseline: {e}", hostile::path_text(field)));
            return t;
        }
    };
    if baseline.is_none() && std::env::var_os("MLPC_HOSTILE_VERBOSE").is_some() {
        eprintln!(
            "{}: {marked:?} is refused, so every payload must be",
            hostile::path_text(field)
        );
    }
    for payload in hostile::PAYLOADS {
        let value = format!("{prefix}{payload}");
        match hostile::check(base, field, baseline.as_ref(), &marked, &value) {
            Ok(Verdict::Held) => t.held += 1,
            Ok(Verdict::Rejected(diags)) => {
                // A clear error: an error with a code and a file:line:col.
                let clear = diags.iter().any(|d| {
                    d.severity == mlpc::diag::Severity::Error
                        && d.position.is_some()
                        && d.code.starts_with('E')
                });
                if clear {
                    t.rejected += 1;
                } else {
                    t.failures.push(format!(
                        "{} = {value:?}: rejected without a positioned error: {diags:?}",
                        hostile::path_text(field)
                    ));
                }
            }
            Err(e) => t.failures.push(e),
        }
    }
    t
}

#[test]
fn every_string_field_of_the_schema_resists_every_payload() {
    let schema = mlpc::spec::schema::schema_value();
    let fields = hostile::string_fields(&schema);
    assert!(
        fields.len() > 80,
        "the schema walk found only {} string fields",
        fields.len()
    );
    let base = base();
    // Two workers: the fields are independent and each runs ~15 compiles.
    let chunks: Vec<Vec<FieldPath>> = {
        let mut c = vec![Vec::new(), Vec::new()];
        for (i, f) in fields.iter().enumerate() {
            c[i % 2].push(f.clone());
        }
        c
    };
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let base = &base;
                s.spawn(move || chunk.iter().map(|f| run_field(base, f)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    let rejected: usize = tallies.iter().map(|t| t.rejected).sum();
    let held: usize = tallies.iter().map(|t| t.held).sum();
    let failures: Vec<&String> = tallies.iter().flat_map(|t| &t.failures).collect();
    eprintln!(
        "{} string fields x {} payloads: {rejected} rejected by validation, {held} compiled with the intended structure",
        fields.len(),
        hostile::PAYLOADS.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        rejected + held,
        fields.len() * hostile::PAYLOADS.len(),
        "every field and payload was decided"
    );
}

/// The reproduction, through the binary: a ServiceAccount name that
/// smuggles a ClusterRoleBinding is refused with E146 at its line.
#[test]
fn a_service_account_smuggling_an_object_is_refused() {
    let dir = support::example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "service_account = \"vision-models\"",
        "service_account = \"vision-models\\n---\\napiVersion: rbac.authorization.k8s.io/v1\\nkind: ClusterRoleBinding\\nmetadata:\\n  name: pwned\\n\"",
    );
    std::fs::write(&spec, text).unwrap();
    let o = support::mlpc(dir.path(), &["compile"]);
    let err = support::stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{err}{}", support::stderr(&o));
    assert!(err.contains("ml-platform.toml:"), "{err}");
    assert!(err.contains("E145") || err.contains("E146"), "{err}");
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

/// A GPU type with `,` and `=` would add node labels to kubelet's flag.
#[test]
fn a_gpu_type_cannot_add_node_labels() {
    let dir = support::example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "type = \"nvidia-a100\"",
        "type = \"nvidia-a100,node-role.kubernetes.io/control-plane=true\"",
    );
    std::fs::write(&spec, text).unwrap();
    let o = support::mlpc(dir.path(), &["validate", "--format", "json"]);
    let out = support::stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("\"E147\""), "{out}");
}

/// `"x #c"` in a field that is free text reaches the output whole.
#[test]
fn a_comment_marker_in_a_value_is_kept_byte_exact() {
    let dir = support::example_copy();
    let spec = dir.path().join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "owners = [\"femi@acme.example\"]",
        "owners = [\"femi@acme.example #c: x\"]",
    );
    std::fs::write(&spec, text).unwrap();
    let o = support::mlpc(dir.path(), &["render", "--cluster", "stg-use1"]);
    let out = support::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", support::stderr(&o));
    assert!(
        out.contains("name: 'femi@acme.example #c: x'")
            || out.contains("name: \"femi@acme.example #c: x\""),
        "{out}"
    );
}

//! Every object the example compiles to validates in strict mode against the
//! upstream schemas in ../shared/schemas (plus mlpc's own schemas/extra for
//! kinds upstream publishes none for); an object without a schema fails.

use crate::support::*;
use mlpc::check::{CheckOptions, Object, Policies, check};
use mlpc::compile::{CompileOptions, compile};

#[test]
fn every_emitted_object_validates_strictly() {
    let compiled = match compile(&CompileOptions {
        spec: repo().join("ml-platform.toml"),
        ..CompileOptions::default()
    }) {
        Ok(c) => c,
        _ => panic!("the example compiles"),
    };
    let objects: Vec<Object> = Object::from_placed(&compiled.tree.objects);
    assert!(objects.len() > 150);
    let report = check(
        &objects,
        &Policies::from_objects(&objects, true),
        &CheckOptions {
            schemas: vec![shared_schemas(), repo().join("schemas/extra")],
            strict: true,
            skip_schemas: false,
        },
    );
    let problems: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}/{} {}: {}", f.file, f.kind, f.name, f.path, f.message))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_wrong_field_is_caught_with_its_path() {
    let mut objects = vec![Object {
        value: serde_json::json!({
            "apiVersion": "kueue.x-k8s.io/v1beta2",
            "kind": "ClusterQueue",
            "metadata": {"name": "q"},
            "spec": {"cohort": "old-v1beta1-field", "namespaceSelector": {}}
        }),
        file: "q.yaml".into(),
        cluster: None,
    }];
    objects.push(Object {
        value: serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}, "spec": {"finalizers": "x"}}),
        file: "n.yaml".into(),
        cluster: None,
    });
    let report = check(
        &objects,
        &Policies::default(),
        &CheckOptions {
            schemas: vec![shared_schemas()],
            strict: true,
            skip_schemas: false,
        },
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.name == "q" && f.message.contains("cohort")),
        "{:?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.name == "n" && f.path == ".spec.finalizers"),
        "{:?}",
        report.findings
    );
}

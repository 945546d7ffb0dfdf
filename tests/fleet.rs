//! Fleet rollouts: the ApplicationSet with one RollingSync step per wave, the
//! fleet validation rules, and a 200-cluster spec that compiles and validates.

mod support;

use mlpc::check::{CheckOptions, Object, Policies, check};
use mlpc::compile::{CompileOptions, compile};
use support::*;

fn compiled_objects(dir: &std::path::Path) -> Vec<Object> {
    let c = match compile(&CompileOptions {
        spec: dir.join("ml-platform.toml"),
        ..Default::default()
    }) {
        Ok(Ok(c)) => c,
        Ok(Err(inv)) => panic!("invalid: {:?}", inv.diagnostics),
        Err(e) => panic!("{e}"),
    };
    Object::from_placed(&c.tree.objects)
}

fn appset(objects: &[Object]) -> &serde_json::Value {
    &objects
        .iter()
        .find(|o| o.value["kind"] == "ApplicationSet")
        .expect("an ApplicationSet")
        .value
}

#[test]
fn example_is_a_two_wave_applicationset() {
    let objects = compiled_objects(&repo());
    let a = appset(&objects);
    let steps = a["spec"]["strategy"]["rollingSync"]["steps"]
        .as_array()
        .unwrap();
    assert_eq!(a["spec"]["strategy"]["type"], "RollingSync");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["matchExpressions"][0]["values"][0], "0");
    assert_eq!(steps[1]["matchExpressions"][0]["values"][0], "1");
    let elements = a["spec"]["generators"][0]["list"]["elements"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = elements
        .iter()
        .map(|e| e["cluster"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["stg-use1", "prod-usw2"]);
    assert_eq!(
        a["spec"]["template"]["metadata"]["labels"]["mlpc.io/wave"],
        "{{.wave}}"
    );
    assert_eq!(
        a["spec"]["template"]["spec"]["source"]["path"],
        "out/management/argocd/{{.cluster}}"
    );
    // It validates against the Argo CD schema.
    let report = check(
        &objects
            .iter()
            .filter(|o| o.value["kind"] == "ApplicationSet")
            .cloned()
            .collect::<Vec<_>>(),
        &Policies::default(),
        &CheckOptions {
            schemas: vec![shared_schemas()],
            strict: true,
            skip_schemas: false,
        },
    );
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

fn write_spec(dir: &std::path::Path, edit: impl Fn(String) -> String) {
    let spec = dir.join("ml-platform.toml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, edit(text)).unwrap();
}

#[test]
fn waves_are_ordered_and_max_update_is_carried() {
    let dir = example_copy();
    write_spec(dir.path(), |t| {
        t.replace("wave = 0\n", "wave = 5\n")
            .replace("wave = 1\n", "wave = 2\n")
            + "\n[[fleet.waves]]\nwave = 5\nmax_update = \"50%\"\n\n[[fleet.waves]]\nwave = 2\nmax_update = 1\n"
    });
    let objects = compiled_objects(dir.path());
    let steps = appset(&objects)["spec"]["strategy"]["rollingSync"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        steps[0]["matchExpressions"][0]["values"][0], "2",
        "prod (wave 2) now goes first"
    );
    assert_eq!(steps[0]["maxUpdate"], 1);
    assert_eq!(steps[1]["matchExpressions"][0]["values"][0], "5");
    assert_eq!(steps[1]["maxUpdate"], "50%");
}

#[test]
fn per_cluster_pins_land_only_on_that_cluster() {
    let dir = example_copy();
    write_spec(dir.path(), |t| {
        t.replace(
            "control_plane = { replicas = 1, instance_type = \"m6i.xlarge\" }",
            "control_plane = { replicas = 1, instance_type = \"m6i.xlarge\" }\ncomponents = { kserve = \"v0.16.1\" }",
        )
    });
    let objects = compiled_objects(dir.path());
    let rev = |cluster: &str| {
        objects
            .iter()
            .find(|o| o.value["metadata"]["name"] == format!("{cluster}-kserve"))
            .map(|o| o.value["spec"]["source"]["targetRevision"].clone())
            .unwrap()
    };
    assert_eq!(rev("stg-use1"), "v0.16.1");
    assert_eq!(rev("prod-usw2"), "v0.16.0");
    // Staging (wave 0) runs ahead: no finding.
    let o = mlpc(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(stdout(&o).trim(), "[]");
}

#[test]
fn a_later_wave_running_a_newer_version_is_reported() {
    let dir = example_copy();
    write_spec(dir.path(), |t| {
        t.replace(
            "control_plane = { replicas = 3, instance_type = \"m6i.2xlarge\" }",
            "control_plane = { replicas = 3, instance_type = \"m6i.2xlarge\" }\ncomponents = { kserve = \"v0.16.1\" }",
        )
    });
    let o = mlpc(dir.path(), &["validate"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "a warning: {out}");
    assert!(
        out.contains("warning[W141]")
            && out.contains("prod-usw2")
            && out.contains("skips its canary"),
        "{out}"
    );
    assert!(
        out.contains("ml-platform.toml:43:"),
        "points at the pin: {out}"
    );
}

#[test]
fn all_production_in_the_first_wave_is_reported() {
    let dir = example_copy();
    write_spec(dir.path(), |t| t.replace("wave = 1\n", "wave = 0\n"));
    let o = mlpc(dir.path(), &["validate"]);
    let out = stdout(&o);
    assert!(out.contains("warning[W142]"), "{out}");
    assert!(
        out.contains("every production cluster is in the first wave"),
        "{out}"
    );
}

#[test]
fn bad_max_update_is_an_error() {
    let dir = example_copy();
    write_spec(dir.path(), |t| {
        t + "\n[[fleet.waves]]\nwave = 1\nmax_update = \"half\"\n"
    });
    let o = mlpc(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[E143]"), "{}", stdout(&o));
}

#[test]
fn two_hundred_clusters_compile_and_validate() {
    let dir = tempfile::tempdir().unwrap();
    let text = mlpc::synth::spec(mlpc::synth::Size {
        clusters: 200,
        teams: 400,
    });
    std::fs::write(dir.path().join("ml-platform.toml"), text).unwrap();
    let o = mlpc(dir.path(), &["validate"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let objects = compiled_objects(dir.path());
    let a = appset(&objects);
    assert_eq!(
        a["spec"]["generators"][0]["list"]["elements"]
            .as_array()
            .unwrap()
            .len(),
        200
    );
    assert_eq!(
        a["spec"]["strategy"]["rollingSync"]["steps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let per_cluster = objects
        .iter()
        .filter(|o| o.file.starts_with("clusters/c0199/"))
        .count();
    assert!(per_cluster > 20, "every cluster has its tree");
    let report = check(
        &objects,
        &Policies::from_objects(&objects, true),
        &CheckOptions {
            schemas: vec![shared_schemas(), repo().join("schemas/extra")],
            strict: true,
            skip_schemas: false,
        },
    );
    let errors: Vec<_> = report
        .findings
        .iter()
        .take(5)
        .map(|f| format!("{} {}: {}", f.file, f.path, f.message))
        .collect();
    assert!(
        report.findings.is_empty(),
        "{} findings, first: {errors:#?}",
        report.findings.len()
    );
}

//! Fleet rollouts: the ApplicationSet with one RollingSync step per wave, the
//! fleet validation rules, and a 200-cluster spec that compiles and validates.

use crate::support::*;
use mlpc::check::{CheckOptions, Object, Policies, check};
use mlpc::compile::{CompileOptions, compile};

fn compiled_objects(dir: &std::path::Path) -> Vec<Object> {
    let c = match compile(&CompileOptions {
        spec: dir.join("ml-platform.toml"),
        ..Default::default()
    }) {
        Ok(c) => c,
        Err(e) => panic!("{e}: {:?}", e.diagnostics().collect::<Vec<_>>()),
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

/// The label values of an object's `metadata.labels`.
fn label<'a>(o: &'a serde_json::Value, key: &str) -> &'a str {
    o["metadata"]["labels"][key].as_str().unwrap_or_default()
}

/// The index of every RollingSync step that selects labels `wave`/`stage`
/// the way Argo CD's ApplicationSet controller does (every `In` expression
/// must match a present label).
fn steps_selecting(steps: &[serde_json::Value], labels: &serde_json::Value) -> Vec<usize> {
    steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            s["matchExpressions"].as_array().unwrap().iter().all(|e| {
                assert_eq!(e["operator"], "In");
                let v = labels[e["key"].as_str().unwrap()].as_str();
                v.is_some_and(|v| e["values"].as_array().unwrap().iter().any(|x| x == v))
            })
        })
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn example_is_a_two_wave_applicationset() {
    let objects = compiled_objects(&repo());
    let a = appset(&objects);
    let steps = a["spec"]["strategy"]["rollingSync"]["steps"]
        .as_array()
        .unwrap();
    assert_eq!(a["spec"]["strategy"]["type"], "RollingSync");
    assert_eq!(steps[0]["matchExpressions"][0]["values"][0], "0");
    assert_eq!(
        steps.last().unwrap()["matchExpressions"][0]["values"][0],
        "1"
    );
    // The ApplicationSet generates the leaf Applications themselves, from
    // their files in Git: no app-of-apps whose children would auto-sync.
    assert_eq!(
        a["spec"]["generators"][0]["git"]["files"][0]["path"],
        "out/management/argocd/*/application-*.yaml"
    );
    assert_eq!(
        a["spec"]["template"]["metadata"]["name"],
        "{{ .metadata.name }}"
    );
    assert_eq!(
        a["spec"]["templatePatch"].as_str().unwrap().trim(),
        "spec: {{ toJson .spec }}"
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

/// Simulates the generation and RollingSync of Argo CD's ApplicationSet
/// controller (v3.1, `buildAppDependencyList`): each leaf Application file is
/// generated with its own labels and is selected by exactly one step; within
/// a cluster a lower sync wave is an earlier step (installs before the objects
/// that need them: the sync waves no parent orders any more); every step of a
/// wave precedes the next wave's; and no generated Application syncs child
/// Applications, which would keep their own auto-sync and escape the steps.
#[test]
fn rolling_sync_gates_every_leaf_application() {
    let objects = compiled_objects(&repo());
    let steps = appset(&objects)["spec"]["strategy"]["rollingSync"]["steps"]
        .as_array()
        .unwrap()
        .clone();
    let leaves: Vec<&Object> = objects
        .iter()
        .filter(|o| {
            o.value["kind"] == "Application"
                && o.file.starts_with("management/argocd/")
                && o.file.matches('/').count() == 3
        })
        .collect();
    assert!(leaves.len() > 40, "{}", leaves.len());
    let mut placed: Vec<(String, String, i64, usize)> = Vec::new();
    for l in &leaves {
        let labels = &l.value["metadata"]["labels"];
        let selected = steps_selecting(&steps, labels);
        assert_eq!(selected.len(), 1, "{}: steps {selected:?}", l.file);
        let wave: i64 = l.value["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(label(&l.value, "mlpc.io/stage"), wave.to_string());
        let path = l.value["spec"]["source"]["path"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !path.contains("management/argocd"),
            "{} is an app-of-apps",
            l.file
        );
        placed.push((
            label(&l.value, "mlpc.io/cluster").to_string(),
            label(&l.value, "mlpc.io/wave").to_string(),
            wave,
            selected[0],
        ));
    }
    for a in &placed {
        for b in &placed {
            if a.0 == b.0 && a.2 < b.2 {
                assert!(a.3 < b.3, "{a:?} must sync before {b:?}");
            }
            if a.1.parse::<u32>().unwrap() < b.1.parse::<u32>().unwrap() {
                assert!(a.3 < b.3, "wave {} before wave {}", a.1, b.1);
            }
        }
    }
    // Istio's CRDs (istio-base) before the mesh layer's objects, on the same cluster.
    let step_of = |name: &str| {
        placed[leaves
            .iter()
            .position(|l| l.value["metadata"]["name"] == name)
            .unwrap()]
        .3
    };
    assert!(step_of("stg-use1-istio-base") < step_of("stg-use1-mesh"));
    assert!(step_of("stg-use1-mesh") < step_of("prod-usw2-istio-base"));
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
    let first5 = steps
        .iter()
        .position(|s| s["matchExpressions"][0]["values"][0] == "5")
        .unwrap();
    assert!(steps[..first5].iter().all(|s| s["maxUpdate"] == 1));
    assert!(steps[first5..].iter().all(|s| s["maxUpdate"] == "50%"));
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
    // Three waves, each with its stages.
    let steps = a["spec"]["strategy"]["rollingSync"]["steps"]
        .as_array()
        .unwrap();
    let mut waves: Vec<&str> = steps
        .iter()
        .map(|s| s["matchExpressions"][0]["values"][0].as_str().unwrap())
        .collect();
    waves.dedup();
    assert_eq!(waves.len(), 3, "{waves:?}");
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

//! Per-stage timings of the pipeline (load, validate, plan, render+emit,
//! write, check, diff) on the example and on a synthetic fleet (25 clusters,
//! 125 teams). Run with `cargo bench --bench stages`; `-- --quick` runs one
//! iteration per stage (CI smoke mode). Figures are medians of wall time.

use std::path::Path;
use std::time::{Duration, Instant};

use mlpc::check::{CheckOptions, Object, Policies};
use mlpc::compile::build_tree;
use mlpc::emit::write::{WriteOptions, write};
use mlpc::render::{Blueprints, Renderer};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(iters: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut v = Vec::new();
    for _ in 0..iters {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed());
    }
    median(v)
}

fn stages(label: &str, spec: &Path, iters: usize, schemas: Option<&Path>) {
    let load = || mlpc::spec::load::load(spec).expect("readable and parses");
    let validated = || mlpc::validate::validate(load(), None).expect("valid");
    let v = validated();
    let policies = mlpc::policies::embedded().expect("policies").policies;
    let plan = mlpc::plan::plan(&v, &policies);
    let renderer = Renderer::new(Blueprints::embedded());
    let tree = build_tree(&renderer, &plan, &[]).expect("renders");
    let objects: Vec<Object> = Object::from_placed(&tree.objects);
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut n = 0;

    let mut rows = vec![
        ("load", time(iters, load)),
        ("validate (incl. load)", time(iters, validated)),
        ("plan", time(iters, || mlpc::plan::plan(&v, &policies))),
        (
            "render + emit",
            time(iters, || {
                build_tree(&renderer, &plan, &[]).expect("renders")
            }),
        ),
        (
            "write (cold, into a new directory)",
            time(iters, || {
                n += 1;
                write(
                    &tmp.path().join(format!("out-{n}")),
                    &tree.files,
                    &WriteOptions::default(),
                )
                .expect("writes")
            }),
        ),
        (
            "check (policies)",
            time(iters, || {
                mlpc::check::check(
                    &objects,
                    &Policies::from_objects(&objects, true),
                    &CheckOptions::default(),
                )
            }),
        ),
    ];
    if let Some(schemas) = schemas {
        let opts = CheckOptions {
            schemas: vec![schemas.to_path_buf()],
            strict: true,
            skip_schemas: false,
        };
        rows.push((
            "check (schemas + policies)",
            time(iters, || {
                mlpc::check::check(&objects, &Policies::from_objects(&objects, true), &opts)
            }),
        ));
    }
    rows.push((
        "diff (same tree)",
        time(iters, || {
            mlpc::diff::diff_objects(
                &tree.objects,
                &tree.objects,
                &mlpc::diff::Options {
                    context: 3,
                    summary_only: false,
                },
            )
        }),
    ));
    println!(
        "\n{label}: {} clusters, {} objects ({} iterations, median)",
        plan.clusters.len(),
        tree.objects.len(),
        iters
    );
    println!("| stage | time |\n|---|---|");
    for (name, d) in rows {
        println!("| {name} | {:.2} ms |", d.as_secs_f64() * 1000.0);
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schemas = root.join("../shared/schemas");
    let schemas = schemas.is_dir().then_some(schemas.as_path());
    stages(
        "example",
        &root.join("ml-platform.toml"),
        if quick { 1 } else { 20 },
        schemas,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("ml-platform.toml");
    std::fs::write(
        &spec,
        mlpc::synth::spec(mlpc::synth::Size {
            clusters: 25,
            teams: 125,
        }),
    )
    .expect("write spec");
    stages(
        "synthetic 25 clusters / 125 teams",
        &spec,
        if quick { 1 } else { 5 },
        schemas,
    );
}

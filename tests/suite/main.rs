//! mlpc's tests: one test binary (one link of the crate), a module per
//! feature, each driving the real `mlpc` binary or the library.
//!
//! ```sh
//! cargo test                                # everything, e2e included
//! cargo test --test suite drift::           # one feature
//! cargo test --test suite -- --skip e2e::   # all but the real control planes
//! cargo test --test suite e2e::             # only the real control planes
//! ```
//!
//! Broken specs are the example (`ml-platform.toml`, `environments/`) with a
//! one-line patch (`validate`); genuinely different specs live in
//! `tests/specs/providers/` and `tests/e2e/specs/`.

mod support;

mod check;
mod ci_examples;
mod compile;
mod cost;
mod diff;
mod drift;
mod e2e;
mod ecosystem;
mod first_hour;
mod fleet;
mod fuzz_regressions;
mod guarantees;
mod hostile;
mod kustomize;
mod merge;
mod new_user;
mod no_panic;
mod providers;
mod rollout;
mod schema;
mod security;
mod serving;
mod stacks;
mod team_storage;
mod validate;

/// The suite stays one binary: a `tests/*.rs` file would be one more test
/// target linking the whole crate (make it a module here instead), and a file
/// under `tests/suite/` that no `mod` declares would never run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let tests = support::repo().join("tests");
    let top_level: Vec<String> = std::fs::read_dir(&tests)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    assert!(
        top_level.is_empty(),
        "tests/{top_level:?}: move them into tests/suite/ as modules"
    );
    let suite = tests.join("suite");
    let mut undeclared = Vec::new();
    let mut stack = vec![suite.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path.clone());
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".rs") else {
                continue;
            };
            if path == suite.join("main.rs") {
                continue;
            }
            // The module's name and the file that must declare it.
            let (module, dir_of_module) = if stem == "mod" {
                let d = path.parent().unwrap();
                (
                    d.file_name().unwrap().to_string_lossy().into_owned(),
                    d.parent().unwrap(),
                )
            } else {
                (stem.to_string(), path.parent().unwrap())
            };
            let parent = if dir_of_module == suite {
                suite.join("main.rs")
            } else if dir_of_module.join("mod.rs").is_file() {
                dir_of_module.join("mod.rs")
            } else {
                dir_of_module.with_extension("rs")
            };
            let text = std::fs::read_to_string(&parent).unwrap_or_default();
            if !text.lines().any(|l| {
                let l = l.trim_start().trim_start_matches("pub ");
                l == format!("mod {module};")
            }) {
                undeclared.push(path.strip_prefix(&tests).unwrap().display().to_string());
            }
        }
    }
    undeclared.sort();
    assert!(undeclared.is_empty(), "no `mod` declares {undeclared:?}");
}

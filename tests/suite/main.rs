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
mod stacks;
mod validate;

//! `mlpc drift` against fake API servers (`support::fake_apiserver`) seeded
//! with the compiled example; the real-server runs are in `e2e`.

mod bounds;
mod cli;
mod rbac;

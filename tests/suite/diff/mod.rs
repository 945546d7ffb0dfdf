//! `mlpc diff`: two revisions of a Git repository compiled and compared, and
//! the PR comment it writes.

mod git;
mod markdown;
mod topology;

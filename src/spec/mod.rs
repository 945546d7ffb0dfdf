//! The spec: typed model, source tracking, loading and overlay merging.

pub mod git;
pub mod load;
pub mod model;
pub mod revision;
pub mod schema;
pub mod side;
pub mod source;
pub mod tree;

pub use model::Spec;

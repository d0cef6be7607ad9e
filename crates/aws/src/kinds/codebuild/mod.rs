//! CodeBuild kinds.

pub(crate) mod project;

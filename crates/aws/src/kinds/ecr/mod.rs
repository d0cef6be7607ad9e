//! ECR kinds.

pub(crate) mod lifecycle;
pub(crate) mod repository;

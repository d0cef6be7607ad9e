//! ECS kinds.

pub(crate) mod cluster;
pub(crate) mod service;
pub(crate) mod task_definition;

//! CloudWatch Logs kinds.

pub(crate) mod group;

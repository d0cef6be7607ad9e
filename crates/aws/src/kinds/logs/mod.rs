//! CloudWatch Logs kinds.

pub(crate) mod group;
pub(crate) mod metric_filter;

//! SQS kinds.

pub(crate) mod queue;

//! SNS kinds.

pub(crate) mod topic;

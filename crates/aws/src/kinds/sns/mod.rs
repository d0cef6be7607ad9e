//! SNS kinds.

pub(crate) mod subscription;
pub(crate) mod topic;

//! CloudTrail kinds.

pub(crate) mod trail;

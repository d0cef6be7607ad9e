//! Route 53 kinds.

pub(crate) mod record;
pub(crate) mod zone;

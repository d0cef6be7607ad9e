//! Systems Manager kinds.

pub(crate) mod parameter;

//! Secrets Manager kinds.

pub(crate) mod secret;

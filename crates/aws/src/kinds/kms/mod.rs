//! KMS kinds.

pub(crate) mod alias;
pub(crate) mod key;

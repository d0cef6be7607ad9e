//! ACM kinds.

pub(crate) mod certificate;
pub(crate) mod validation;

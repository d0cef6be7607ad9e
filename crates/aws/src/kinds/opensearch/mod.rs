//! OpenSearch kinds.

pub(crate) mod domain;

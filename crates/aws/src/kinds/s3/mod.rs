//! S3 kinds. The bucket's settings are kinds of their own, each with the
//! bucket's name as its id.

pub(crate) mod account_public_access_block;
pub(crate) mod bucket;
pub(crate) mod encryption;
pub(crate) mod ownership;
pub(crate) mod policy;
pub(crate) mod public_access_block;
pub(crate) mod versioning;

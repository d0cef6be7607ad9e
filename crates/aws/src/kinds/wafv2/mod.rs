//! WAFv2 kinds (regional web ACLs for load balancers).

pub(crate) mod association;
pub(crate) mod logging;
pub(crate) mod web_acl;

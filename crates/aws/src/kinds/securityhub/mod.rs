//! Security Hub kinds.

pub(crate) mod account;

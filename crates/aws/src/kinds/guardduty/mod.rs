//! GuardDuty kinds.

pub(crate) mod detector;

//! AWS Config kinds: the recorder, where it delivers, and whether it runs.

pub(crate) mod channel;
pub(crate) mod recorder;
pub(crate) mod status;

//! Strata's live engine: the only crate that talks to AWS.
//!
//! [`cx::Clients`] makes every SDK client; [`kinds`] has one module per
//! resource kind (create, read, find, update, delete); [`engine`] applies,
//! observes (drift) and destroys a planned graph ([`preview`] says what an
//! apply would do, from reads only), recording every mutating
//! call in the [`journal`] so an interrupted run converges when re-run.

pub mod cx;
pub mod engine;
pub mod error;
pub mod forget;
pub mod journal;
pub mod kinds;
mod poll;
pub mod preview;
pub mod value;

pub use cx::{Cx, Settings, StaticKeys};
pub use engine::{Action, Drift, DriftReport, Event, Remaining, Report};
pub use error::{Error, Result};
pub use journal::Journal;
pub use preview::{Change, Changes};

//! The typed resource graph at the centre of Strata.
//!
//! Every front-end (the spec planner, IaC parsers, the live observer) produces a
//! [`Graph`]; every back-end (renderers, policy, reconciler) reads one.
//!
//! **Invariant:** this crate does no IO and knows nothing about YAML, HCL, HTTP or
//! the AWS SDK. Output order is deterministic: everything is kept in `BTreeMap`s
//! or sorted vectors.

mod address;
mod graph;
mod kind;
mod resource;
mod secret;
mod value;

pub use address::{Address, AddressError, Ident, Module, ModuleKind};
pub use graph::{Graph, GraphError, Plan};
pub use kind::{Family, Kind, Layer};
pub use resource::{Provenance, Resource};
pub use secret::{Credential, CredentialMatch, find_credential, find_credentials};
pub use value::{Reference, Value};

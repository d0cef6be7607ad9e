//! Front-ends that read what teams already have — Terraform, Kubernetes
//! manifests, CloudFormation templates, Dockerfiles, GitHub Actions and GitLab
//! CI files — into Strata's resource graph, so the control catalog in
//! `strata-policy` judges them exactly as it judges planned resources.
//!
//! Every front-end returns what it could read and a located [`Problem`] for
//! what it could not; one bad file never stops a scan.

pub mod ci;
pub mod cloudformation;
pub mod dockerfile;
mod inventory;
pub mod kubernetes;
mod rendered;
pub mod terraform;
mod walk;
mod yamlish;

pub use inventory::{Inventory, LineIndex, Origin, Problem, Suppression};
pub use rendered::strata_address;
pub use walk::{FileKind, scan_paths};

/// Annotation that waives a control on one Kubernetes object, with the reason
/// as its value: `strata.dev/waive.STRATA-K8S-004: "why"`. The planner writes
/// these on the few objects whose job needs an exception; scans honour them.
pub const WAIVE_ANNOTATION: &str = "strata.dev/waive.";

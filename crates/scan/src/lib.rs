//! Front-ends that read what teams already have — Terraform, Kubernetes
//! manifests, CloudFormation templates, Dockerfiles, GitHub Actions and GitLab
//! CI files — into Strata's resource graph, so the control catalog in
//! `strata-policy` judges them exactly as it judges planned resources.
//!
//! Every front-end returns what it could read and a located [`Problem`] for
//! what it could not; one bad file never stops a scan.

mod inventory;
pub mod terraform;
mod walk;

pub use inventory::{Inventory, Origin, Problem, Suppression};
pub use walk::{FileKind, scan_paths};

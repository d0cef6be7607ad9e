//! Strata's control catalog and the engine that runs it.
//!
//! A [`Control`] is one unit: a stable id, title, severity, rationale,
//! remediation, the resource kinds it applies to and a [`Check`]. Controls read
//! the resource graph only, so one control covers planned resources, parsed
//! user IaC (Terraform, Kubernetes, CloudFormation, Dockerfiles, CI files) and
//! live AWS state alike. Framework mappings are data (`frameworks/*.yaml`):
//! requirement → controls. This crate does no IO.

mod check;
mod controls;
mod ctx;
mod engine;
pub mod frameworks;
pub mod lookup;
pub mod output;
pub mod peers;

pub use check::{Check, Outcome, Want};
pub use ctx::Ctx;
pub use engine::{Evaluation, Finding, Status, evaluate, judge_absent};
pub use frameworks::{Framework, Requirement};

use strata_model::Kind;

/// How bad a failing control is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hardening; worth doing.
    Low,
    /// A weakness an attacker or an auditor will find.
    Medium,
    /// Exposure of data or control; fix before production.
    High,
    /// Exposed now: public data, open admin ports, secrets in the clear.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("`{s}` is not a severity (low, medium, high, critical)"))
    }
}

/// One control.
#[derive(Debug)]
pub struct Control {
    /// Stable id, e.g. `STRATA-AWS-001`. Never reused.
    pub id: &'static str,
    /// What must hold, as a statement.
    pub title: &'static str,
    /// How bad a failure is.
    pub severity: Severity,
    /// The kinds it applies to.
    pub kinds: &'static [Kind],
    /// Why it matters.
    pub rationale: &'static str,
    /// How to fix a failure.
    pub remediation: &'static str,
    /// The check.
    pub check: Check,
}

/// Every control, in id order.
pub fn catalog() -> &'static [&'static Control] {
    controls::all()
}

/// The control with this id.
pub fn control(id: &str) -> Option<&'static Control> {
    controls::all().iter().copied().find(|c| c.id == id)
}

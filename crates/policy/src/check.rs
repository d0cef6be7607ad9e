//! What a control checks and what it concludes.

use strata_model::{Resource, Value};

use crate::Ctx;
use crate::lookup::{self, Got};

/// A control's verdict on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The control does not apply to this resource (e.g. an internal load
    /// balancer for an internet-facing rule).
    Skip,
    /// It holds.
    Pass,
    /// It does not: the attribute path at fault (when there is one) and why.
    Fail {
        /// Dotted attribute path, for locating the line.
        at: Option<String>,
        /// What is wrong, specifically.
        message: String,
    },
    /// It cannot be decided from what is known (an unresolved variable, or
    /// the control errored).
    Unknown(String),
}

impl Outcome {
    /// A failure at `at`.
    pub fn fail(at: &str, message: impl Into<String>) -> Self {
        Outcome::Fail {
            at: (!at.is_empty()).then(|| at.to_owned()),
            message: message.into(),
        }
    }

    /// Pass when `ok`, else fail at `at`.
    pub fn pass_if(ok: bool, at: &str, message: impl Into<String>) -> Self {
        if ok {
            Outcome::Pass
        } else {
            Outcome::fail(at, message)
        }
    }

    /// Combines two verdicts on one resource: a failure wins, then unknown.
    pub fn and(self, other: Outcome) -> Outcome {
        match (self, other) {
            (f @ Outcome::Fail { .. }, _) | (_, f @ Outcome::Fail { .. }) => f,
            (u @ Outcome::Unknown(_), _) | (_, u @ Outcome::Unknown(_)) => u,
            (Outcome::Skip, o) => o,
            (o, _) => o,
        }
    }
}

/// What an attribute must be. Where a variant's name says "or unset", an
/// attribute that is not written passes (the provider's default is safe);
/// otherwise an unset attribute fails.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// `true`.
    True,
    /// `false`.
    False,
    /// Not `true` (`false` or unset).
    NotTrue,
    /// Not `false` (`true` or unset).
    NotFalse,
    /// Set to anything but null or an empty string/list.
    Present,
    /// Equal to this text (case-insensitive).
    Is(&'static str),
    /// One of these (case-insensitive).
    OneOf(&'static [&'static str]),
    /// None of these, or unset (case-insensitive).
    NoneOf(&'static [&'static str]),
    /// A number at least this.
    AtLeast(i64),
    /// A number at most this, or unset.
    AtMostOrUnset(i64),
    /// A list containing all of these.
    Contains(&'static [&'static str]),
}

impl Want {
    /// Judges the value at `path`.
    pub fn judge(self, got: Got<'_>, path: &str) -> Outcome {
        let v = match got {
            Got::Unknown(e) => return Outcome::Unknown(format!("`{path}` is `{e}`")),
            Got::Missing | Got::Value(Value::Null) => {
                return match self {
                    Want::NotTrue | Want::NotFalse | Want::NoneOf(_) | Want::AtMostOrUnset(_) => {
                        Outcome::Pass
                    }
                    _ => Outcome::fail(path, format!("`{path}` is not set; {}", self.describe())),
                };
            }
            Got::Value(v) => v,
        };
        let bad = |shown: String| {
            Outcome::fail(path, format!("`{path}` is {shown}; {}", self.describe()))
        };
        let text = lookup::as_text(v);
        let shown = text
            .clone()
            .map(|t| format!("`{t}`"))
            .unwrap_or_else(|| "not a scalar".into());
        let eq = |a: &str| text.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(a));
        let ok = match self {
            Want::True => lookup::as_bool(v) == Some(true),
            Want::False => lookup::as_bool(v) == Some(false),
            Want::NotTrue => lookup::as_bool(v) != Some(true),
            Want::NotFalse => lookup::as_bool(v) != Some(false),
            Want::Present => match v {
                Value::String(s) => !s.is_empty(),
                Value::List(l) => !l.is_empty(),
                Value::Map(m) => !m.is_empty(),
                _ => true,
            },
            Want::Is(x) => eq(x),
            Want::OneOf(xs) => xs.iter().any(|x| eq(x)),
            Want::NoneOf(xs) => !xs.iter().any(|x| eq(x)),
            Want::AtLeast(n) => lookup::as_int(v).is_some_and(|i| i >= n),
            Want::AtMostOrUnset(n) => lookup::as_int(v).is_some_and(|i| i <= n),
            Want::Contains(xs) => {
                let have: Vec<String> = lookup::items(v)
                    .into_iter()
                    .filter_map(lookup::as_text)
                    .collect();
                let missing: Vec<&str> = xs
                    .iter()
                    .copied()
                    .filter(|x| !have.iter().any(|h| h == x))
                    .collect();
                if missing.is_empty() {
                    true
                } else {
                    return Outcome::fail(path, format!("`{path}` lacks {}", missing.join(", ")));
                }
            }
        };
        if ok { Outcome::Pass } else { bad(shown) }
    }

    fn describe(self) -> String {
        match self {
            Want::True => "it must be true".into(),
            Want::False => "it must be false".into(),
            Want::NotTrue => "it must not be true".into(),
            Want::NotFalse => "it must not be false".into(),
            Want::Present => "it must be set".into(),
            Want::Is(x) => format!("it must be `{x}`"),
            Want::OneOf(xs) => format!("it must be one of {}", xs.join(", ")),
            Want::NoneOf(xs) => format!("it must not be {}", xs.join(" or ")),
            Want::AtLeast(n) => format!("it must be at least {n}"),
            Want::AtMostOrUnset(n) => format!("it must be at most {n}"),
            Want::Contains(xs) => format!("it must include {}", xs.join(", ")),
        }
    }
}

/// How a control decides.
#[derive(Clone, Copy)]
pub enum Check {
    /// One attribute must be as wanted.
    Attr(&'static str, Want),
    /// Every listed attribute must be as wanted.
    All(&'static [(&'static str, Want)]),
    /// Code: for conditions across attributes and along the graph's edges.
    Custom(fn(&Ctx<'_>, &Resource) -> Outcome),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Attr(p, w) => write!(f, "Attr({p}, {w:?})"),
            Check::All(x) => write!(f, "All({x:?})"),
            Check::Custom(_) => f.write_str("Custom"),
        }
    }
}

impl Check {
    /// Runs an attribute check without a graph (custom checks yield unknown).
    pub fn run_plain(&self, r: &Resource) -> Outcome {
        match self {
            Check::Attr(path, want) => want.judge(lookup::get(r, path), path),
            Check::All(list) => list.iter().fold(Outcome::Pass, |acc, (p, w)| {
                acc.and(w.judge(lookup::get(r, p), p))
            }),
            Check::Custom(_) => Outcome::Unknown("needs the graph".into()),
        }
    }

    /// Runs the check on one resource.
    pub fn run(&self, cx: &Ctx<'_>, r: &Resource) -> Outcome {
        match self {
            Check::Attr(path, want) => want.judge(lookup::get(r, path), path),
            Check::All(list) => list.iter().fold(Outcome::Pass, |acc, (p, w)| {
                acc.and(w.judge(lookup::get(r, p), p))
            }),
            Check::Custom(f) => f(cx, r),
        }
    }
}

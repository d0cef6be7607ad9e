//! Application Auto Scaling kinds (ECS service desired count).

pub(crate) mod policy;
pub(crate) mod target;

use crate::error::{Error, Result};

/// A target's key, `<namespace>|<resource id>|<dimension>` (resource ids
/// hold `/`), and optionally a policy name after another `|`.
pub(crate) fn parts(id: &str, n: usize) -> Result<Vec<&str>> {
    let p: Vec<&str> = id.splitn(n, '|').collect();
    if p.len() == n {
        Ok(p)
    } else {
        Err(Error::Invalid(format!(
            "id `{id}` is not <namespace>|<resource id>|<dimension>{}",
            if n == 4 { "|<policy>" } else { "" }
        )))
    }
}

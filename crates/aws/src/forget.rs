//! Handing resources over: `strata forget` takes resources the environment
//! owns and the spec no longer has out of the journal and takes Strata's
//! tags (`strata:*`, `managed-by`) off them, leaving them in AWS. After it, `apply` does not delete
//! them, `drift` does not report them and `destroy` neither deletes nor
//! counts them.

use std::collections::{BTreeMap, BTreeSet};

use strata_model::{Address, Graph, Value};

use crate::cx::Cx;
use crate::error::{Error, Result};

/// What `forget` did.
#[derive(Debug, Clone, Default)]
pub struct Forgotten {
    /// Addresses taken out of the journal.
    pub addresses: Vec<String>,
    /// ARNs whose `strata:` tags were removed.
    pub untagged: Vec<String>,
    /// ARNs AWS would not untag, with its reason.
    pub still_tagged: Vec<(String, String)>,
    /// Mutating calls made.
    pub mutating_calls: u64,
}

/// Checks that every address is owned by the environment and no longer
/// planned: forgetting a planned resource would make the next `apply`
/// create it again beside the old one, or adopt it back.
pub fn check(cx: &Cx, graph: &Graph, addresses: &[String]) -> Result<()> {
    let planned: BTreeSet<String> = graph.iter().map(|r| r.address.to_string()).collect();
    let mut problems = Vec::new();
    for a in addresses {
        if planned.contains(a) {
            problems.push(format!(
                "`{a}` is still in the spec: take it out of the spec first, or `apply` makes or adopts it again"
            ));
        } else if cx.journal.get(&cx.env, a)?.is_none() {
            problems.push(format!("`{a}` is not owned by environment `{}`", cx.env));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "{}; nothing was forgotten",
            problems.join("; ")
        )))
    }
}

/// The tag keys Strata puts on what it makes (`managed-by` is always
/// `strata`: the plan sets it over any the spec gives).
const KEYS: [&str; 6] = [
    "managed-by",
    "strata:app",
    "strata:env",
    "strata:address",
    "strata:tier",
    "strata:build-context",
];

/// Whether `key` is one of Strata's tags.
fn strata_tag(key: &str) -> bool {
    key.starts_with("strata:") || key == "managed-by"
}

/// Forgets `addresses` (checked with [`check`] first): per address, what
/// carries its tags loses every `strata:` tag, then the journal lets it go.
/// What carries them is found by the tagging API and by the ARN the journal
/// recorded (the tagging API does not list IAM roles, which are untagged
/// with IAM's own call). A resource AWS does not untag is still forgotten,
/// and reported.
pub async fn forget(cx: &Cx, graph: &Graph, addresses: &[String]) -> Result<Forgotten> {
    check(cx, graph, addresses)?;
    let before = cx.mutating_calls();
    let mut out = Forgotten::default();
    for a in addresses {
        let address: Address = a
            .parse()
            .map_err(|e| Error::Refused(format!("`{a}`: {e}")))?;
        let op = cx.op(&address);
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let recorded = cx.journal.get(&cx.env, a)?;
        if let Some(arn) = recorded
            .as_ref()
            .and_then(|o| o.outputs.get("arn"))
            .and_then(Value::as_str)
            .filter(|s| s.starts_with("arn:"))
        {
            found.insert(
                arn.to_owned(),
                KEYS.iter().map(|k| (*k).to_owned()).collect(),
            );
        }
        let tagged = crate::engine::tagged_with(
            &op,
            op.c(),
            &[
                ("strata:address", a.as_str()),
                ("strata:env", cx.env.as_str()),
            ],
        )
        .await?;
        for (arn, tags) in tagged {
            found
                .entry(arn)
                .or_default()
                .extend(tags.into_iter().map(|(k, _)| k).filter(|k| strata_tag(k)));
        }
        for (arn, keys) in found {
            let keys: Vec<String> = keys.into_iter().collect();
            let refused = match role_name(&arn) {
                Some(role) => op
                    .write(
                        "UntagRole",
                        op.c()
                            .iam
                            .untag_role()
                            .role_name(role)
                            .set_tag_keys(Some(keys))
                            .send(),
                    )
                    .await
                    .err()
                    .map(|e| e.to_string()),
                None => op
                    .write(
                        "UntagResources",
                        op.c()
                            .tagging
                            .untag_resources()
                            .resource_arn_list(arn.clone())
                            .set_tag_keys(Some(keys))
                            .send(),
                    )
                    .await?
                    .failed_resources_map()
                    .and_then(|m| m.get(&arn))
                    .map(|f| f.error_message().unwrap_or("refused").to_owned()),
            };
            match refused {
                Some(why) => out.still_tagged.push((arn, why)),
                None => out.untagged.push(arn),
            }
        }
        cx.journal.disown(&cx.env, a)?;
        cx.journal.set_preexisting(&cx.env, a, false)?;
        out.addresses.push(a.clone());
    }
    out.mutating_calls = cx.mutating_calls() - before;
    Ok(out)
}

/// The role's name in an IAM role ARN (`arn:aws:iam::1:role/path/name`).
fn role_name(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":iam::")?.1;
    let path = rest.split_once(":role/")?.1;
    path.rsplit('/').next()
}

#[cfg(test)]
mod tests {
    use super::role_name;

    #[test]
    fn role_names_come_from_role_arns_only() {
        assert_eq!(
            role_name("arn:aws:iam::111111111111:role/service-role/shop-dev-config"),
            Some("shop-dev-config")
        );
        assert_eq!(role_name("arn:aws:iam::1:role/r"), Some("r"));
        assert_eq!(role_name("arn:aws:iam::1:policy/r"), None);
        assert_eq!(role_name("arn:aws:s3:::role/x"), None);
    }
}

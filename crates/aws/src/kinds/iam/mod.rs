//! IAM kinds. IAM is global: names are unique in the account, so a role or
//! policy a killed run created is found again by name.

use aws_sdk_iam::types::Tag;

use crate::value::Desired;

pub(crate) mod attachment;
pub(crate) mod oidc_provider;
pub(crate) mod password_policy;
pub(crate) mod policy;
pub(crate) mod role;

pub(crate) fn tags(d: &Desired) -> Vec<Tag> {
    d.tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// IAM returns policy documents URL-encoded.
pub(crate) fn document(raw: &str) -> String {
    if raw.starts_with('%') {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned()
    } else {
        raw.to_owned()
    }
}

//! S3 kinds. The bucket's settings are kinds of their own, each with the
//! bucket's name as its id.

pub(crate) mod account_public_access_block;
pub(crate) mod bucket;
pub(crate) mod encryption;
pub(crate) mod ownership;
pub(crate) mod policy;
pub(crate) mod public_access_block;
pub(crate) mod versioning;

/// The four public access block flags, in the plan's names.
pub(crate) const PAB_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// A public access block (a bucket's or the account's) as observed: the
/// four flags in `PAB_FLAGS` order, an absent one off.
pub(crate) fn pab_observed(id: &str, flags: [Option<bool>; 4]) -> crate::kinds::Observed {
    PAB_FLAGS
        .iter()
        .zip(flags)
        .fold(crate::kinds::Observed::new(id), |o, (k, v)| {
            o.live(k, v.unwrap_or(false))
        })
}

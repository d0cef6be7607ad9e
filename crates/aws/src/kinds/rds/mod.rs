//! RDS kinds (Aurora clusters, their instances, subnet and parameter groups).

use aws_sdk_rds::types::Tag;

use crate::value::Desired;

pub(crate) mod cluster;
pub(crate) mod instance;
pub(crate) mod parameter_group;
pub(crate) mod subnet_group;

pub(crate) fn tags(d: &Desired) -> Vec<Tag> {
    d.tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

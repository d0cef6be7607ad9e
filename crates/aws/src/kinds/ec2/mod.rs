//! EC2 networking kinds.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::value::Desired;

pub(crate) mod default_sg;
pub(crate) mod ebs_default;
pub(crate) mod eip;
pub(crate) mod endpoint;
pub(crate) mod flow_log;
pub(crate) mod igw;
pub(crate) mod launch_template;
pub(crate) mod nat;
pub(crate) mod route;
pub(crate) mod route_table;
pub(crate) mod rta;
pub(crate) mod sg;
pub(crate) mod sg_rule;
pub(crate) mod subnet;
pub(crate) mod tgw_attachment;
pub(crate) mod tgw_route;
pub(crate) mod transit_gateway;
pub(crate) mod vpc;

/// The tags of `d`, put on the resource in the same call that creates it,
/// so no created resource is ever untagged.
pub(crate) fn tags_on(rt: ResourceType, d: &Desired) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(tags(d)))
        .build()
}

pub(crate) fn tags(d: &Desired) -> Vec<Tag> {
    d.tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The filter that finds what a run created for `d`.
pub(crate) fn owned_by(d: &Desired) -> Filter {
    Filter::builder()
        .name("tag:strata:address")
        .values(d.address.to_string())
        .build()
}

pub(crate) fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub(crate) fn has_tag(tags: &[Tag], key: &str, value: &str) -> bool {
    tags.iter()
        .any(|t| t.key() == Some(key) && t.value() == Some(value))
}

/// Whether `tags` carry `d`'s address: checked on every answer, not only
/// asked of the filter (an emulator may ignore tag filters).
pub(crate) fn ours(tags: &[Tag], d: &Desired) -> bool {
    has_tag(tags, "strata:address", &d.address.to_string())
}

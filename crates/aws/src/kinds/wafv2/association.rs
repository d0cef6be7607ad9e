//! `aws_wafv2_web_acl_association` (web ACL → load balancer). Its id is the
//! protected resource's ARN.

use crate::cx::Op;
use crate::error::Result;
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, resource: &str) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "GetWebACLForResource",
            op.c()
                .wafv2
                .get_web_acl_for_resource()
                .resource_arn(resource)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.web_acl()
            .map(|a| Observed::new(resource).live("web_acl_arn", a.arn()))
    }))
}

async fn associate(op: &Op<'_>, d: &Desired) -> Result<()> {
    op.write(
        "AssociateWebACL",
        op.c()
            .wafv2
            .associate_web_acl()
            .web_acl_arn(d.str("web_acl_arn")?)
            .resource_arn(d.str("resource_arn")?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    associate(op, d).await?;
    Ok(Observed::new(d.str("resource_arn")?).live("web_acl_arn", d.str("web_acl_arn")?))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    observe(op, d.str("resource_arn")?).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, associate(op, d)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DisassociateWebACL",
        op.c()
            .wafv2
            .disassociate_web_acl()
            .resource_arn(&owned.id)
            .send(),
    )
    .await
    .map(|_| ())
}

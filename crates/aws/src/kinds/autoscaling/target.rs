//! `aws_appautoscaling_target`: registers what can scale (an ECS service's
//! desired count) with its bounds. Registering again updates the bounds.

use aws_sdk_applicationautoscaling::types::{ScalableDimension, ScalableTarget, ServiceNamespace};

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

fn observed(t: &ScalableTarget) -> Observed {
    let ns = t.service_namespace().as_str();
    let dim = t.scalable_dimension().as_str();
    let rid = t.resource_id();
    let mut o = Observed::new(format!("{ns}|{rid}|{dim}"))
        .out("resource_id", rid)
        .out("scalable_dimension", dim)
        .out("service_namespace", ns)
        .live("min_capacity", i64::from(t.min_capacity()))
        .live("max_capacity", i64::from(t.max_capacity()));
    if let Some(arn) = t.scalable_target_arn() {
        o = o.out("arn", arn);
    }
    o
}

async fn lookup(op: &Op<'_>, ns: &str, rid: &str, dim: &str) -> Result<Option<Observed>> {
    let out = op
        .read(
            "DescribeScalableTargets",
            op.c()
                .autoscaling
                .describe_scalable_targets()
                .service_namespace(ServiceNamespace::from(ns))
                .resource_ids(rid)
                .scalable_dimension(ScalableDimension::from(dim))
                .send(),
        )
        .await?;
    Ok(out
        .scalable_targets()
        .iter()
        .find(|t| t.resource_id() == rid && t.scalable_dimension().as_str() == dim)
        .map(observed))
}

fn key(d: &Desired) -> Result<(&str, &str, &str)> {
    Ok((
        d.str("service_namespace")?,
        d.str("resource_id")?,
        d.str("scalable_dimension")?,
    ))
}

async fn register(op: &Op<'_>, d: &Desired, tag: bool) -> Result<()> {
    let (ns, rid, dim) = key(d)?;
    let mut call = op
        .c()
        .autoscaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::from(ns))
        .resource_id(rid)
        .scalable_dimension(ScalableDimension::from(dim))
        .set_min_capacity(d.opt_int("min_capacity").map(|v| v as i32))
        .set_max_capacity(d.opt_int("max_capacity").map(|v| v as i32));
    if tag {
        call = call.set_tags(Some(d.tags.clone().into_iter().collect()));
    }
    op.write("RegisterScalableTarget", call.send())
        .await
        .map(|_| ())
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    register(op, d, true).await?;
    let (ns, rid, dim) = key(d)?;
    lookup(op, ns, rid, dim).await?.ok_or(Error::Missing {
        op: "DescribeScalableTargets",
        what: "the new scalable target",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let p = super::parts(id, 3)?;
    lookup(op, p[0], p[1], p[2]).await
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let (ns, rid, dim) = key(d)?;
    lookup(op, ns, rid, dim).await
}

pub(crate) async fn update(op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, register(op, d, false)).await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let p = super::parts(&owned.id, 3)?;
    op.write(
        "DeregisterScalableTarget",
        op.c()
            .autoscaling
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::from(p[0]))
            .resource_id(p[1])
            .scalable_dimension(ScalableDimension::from(p[2]))
            .send(),
    )
    .await
    .map(|_| ())
}

//! `aws_lb_listener`. Found again by its load balancer and port.

use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener, ProtocolEnum};

use super::{action, action_type, tags};
use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed, cannot_update};
use crate::value::Desired;

fn observed(l: &Listener) -> Observed {
    let arn = l.listener_arn().unwrap_or_default();
    let mut o = Observed::new(arn)
        .out("arn", arn)
        .out(
            "load_balancer_arn",
            l.load_balancer_arn().unwrap_or_default(),
        )
        .live("port", l.port().map(i64::from).unwrap_or_default())
        .live(
            "protocol",
            l.protocol().map(|p| p.as_str()).unwrap_or_default(),
        )
        .live("default_action_type", action_type(l.default_actions()));
    if let Some(p) = l.ssl_policy() {
        o = o.live("ssl_policy", p);
    }
    o
}

pub(crate) fn desired_flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let t = crate::value::field(d.map("default_action"), "type")
        .and_then(|v| v.as_str())
        .unwrap_or("forward")
        .to_owned();
    x.attrs.insert("default_action_type".into(), t.into());
    x
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let mut call = op
        .c()
        .elb
        .create_listener()
        .load_balancer_arn(d.str("load_balancer_arn")?)
        .port(d.int("port")? as i32)
        .protocol(ProtocolEnum::from(d.opt_str("protocol").unwrap_or("HTTP")))
        .default_actions(action(d, d.get("default_action"))?)
        .set_tags(Some(tags(d)));
    if let Some(c) = d.opt_str("certificate_arn") {
        call = call.certificates(Certificate::builder().certificate_arn(c).build());
    }
    if let Some(p) = d.opt_str("ssl_policy") {
        call = call.ssl_policy(p);
    }
    let out = op.write("CreateListener", call.send()).await?;
    let l = out.listeners().first().ok_or(Error::Missing {
        op: "CreateListener",
        what: "Listeners",
    })?;
    Ok(observed(l))
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    let out = op
        .read_opt(
            "DescribeListeners",
            op.c().elb.describe_listeners().listener_arns(id).send(),
        )
        .await?;
    Ok(out.and_then(|o| o.listeners().first().map(observed)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let port = d.int("port")? as i32;
    let out = op
        .read_opt(
            "DescribeListeners",
            op.c()
                .elb
                .describe_listeners()
                .load_balancer_arn(d.str("load_balancer_arn")?)
                .send(),
        )
        .await?;
    Ok(out.and_then(|o| {
        o.listeners()
            .iter()
            .find(|l| l.port() == Some(port))
            .map(observed)
    }))
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.iter().any(|x| x.attribute == "port") {
        return Err(cannot_update(d, diffs));
    }
    if diffs.is_empty() {
        return Ok(());
    }
    let mut call = op
        .c()
        .elb
        .modify_listener()
        .listener_arn(&o.id)
        .protocol(ProtocolEnum::from(d.opt_str("protocol").unwrap_or("HTTP")))
        .default_actions(action(d, d.get("default_action"))?);
    if let Some(p) = d.opt_str("ssl_policy") {
        call = call.ssl_policy(p);
    }
    op.write("ModifyListener", call.send()).await.map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteListener",
        op.c().elb.delete_listener().listener_arn(&owned.id).send(),
    )
    .await
    .map(|_| ())
}

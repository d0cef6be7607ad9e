//! `aws_sns_topic_subscription`: who hears a topic (an alert address, a
//! queue). Its id is the subscription ARN, asked for at once so that an
//! email subscription awaiting confirmation is addressable too. Protocol
//! and endpoint cannot change: another endpoint is another subscription.

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

async fn observe(op: &Op<'_>, arn: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "GetSubscriptionAttributes",
            op.c()
                .sns
                .get_subscription_attributes()
                .subscription_arn(arn)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let a = out.attributes();
    let get = |k: &str| a.and_then(|a| a.get(k)).cloned().unwrap_or_default();
    Ok(Some(
        Observed::new(arn)
            .out("arn", arn)
            .live("protocol", get("Protocol"))
            .live("endpoint", get("Endpoint"))
            .live("topic_arn", get("TopicArn")),
    ))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let out = op
        .write(
            "Subscribe",
            op.c()
                .sns
                .subscribe()
                .topic_arn(d.str("topic_arn")?)
                .protocol(d.str("protocol")?)
                .endpoint(d.str("endpoint")?)
                .return_subscription_arn(true)
                .send(),
        )
        .await?;
    let arn = out.subscription_arn().ok_or(Error::Missing {
        op: "Subscribe",
        what: "SubscriptionArn",
    })?;
    observe(op, arn).await?.ok_or(Error::Missing {
        op: "GetSubscriptionAttributes",
        what: "the new subscription",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

/// The topic's confirmed subscription with the same protocol and endpoint.
pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let (topic, protocol, endpoint) = (d.str("topic_arn")?, d.str("protocol")?, d.str("endpoint")?);
    let mut token: Option<String> = None;
    loop {
        let Some(page) = op
            .read_opt(
                "ListSubscriptionsByTopic",
                op.c()
                    .sns
                    .list_subscriptions_by_topic()
                    .topic_arn(topic)
                    .set_next_token(token.clone())
                    .send(),
            )
            .await?
        else {
            return Ok(None);
        };
        if let Some(s) = page
            .subscriptions()
            .iter()
            .find(|s| s.protocol() == Some(protocol) && s.endpoint() == Some(endpoint))
        {
            // Unconfirmed subscriptions are listed as `PendingConfirmation`,
            // without their ARN: Subscribe again (it is idempotent) gives it.
            return match s.subscription_arn() {
                Some(arn) if arn.starts_with("arn:") => observe(op, arn).await,
                _ => Ok(None),
            };
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(None),
        }
    }
}

pub(crate) async fn update(_op: &Op<'_>, _o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::immutable(d, diffs)
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "Unsubscribe",
        op.c().sns.unsubscribe().subscription_arn(&owned.id).send(),
    )
    .await
    .map(|_| ())
}

//! `aws_sqs_queue`: a queue, encrypted with a KMS key, with its dead-letter
//! queue (`redrive_policy`). Its id is the queue URL; its settings are
//! queue attributes, written together by `SetQueueAttributes`. The name and
//! the FIFO flag cannot change.

use std::collections::HashMap;

use aws_sdk_sqs::types::QueueAttributeName as A;
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::Desired;

/// Plan attribute → queue attribute, for the settings compared and written.
const SETTINGS: [(&str, &str); 5] = [
    ("kms_master_key_id", "KmsMasterKeyId"),
    (
        "kms_data_key_reuse_period_seconds",
        "KmsDataKeyReusePeriodSeconds",
    ),
    ("message_retention_seconds", "MessageRetentionPeriod"),
    ("visibility_timeout_seconds", "VisibilityTimeout"),
    ("redrive_policy", "RedrivePolicy"),
];

fn settings(d: &Desired) -> HashMap<A, String> {
    let mut out = HashMap::new();
    for (k, attr) in SETTINGS {
        let v = match d.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Int(i)) => i.to_string(),
            Some(v @ (Value::Map(_) | Value::List(_))) => crate::value::to_json(v).to_string(),
            Some(other) => crate::value::to_json(other).to_string(),
            None => continue,
        };
        out.insert(A::from(attr), v);
    }
    out
}

async fn observe(op: &Op<'_>, url: &str) -> Result<Option<Observed>> {
    let Some(out) = op
        .read_opt(
            "GetQueueAttributes",
            op.c()
                .sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(A::All)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let attrs = out.attributes().cloned().unwrap_or_default();
    let get = |a: &str| attrs.get(&A::from(a)).cloned();
    let arn = get("QueueArn").unwrap_or_default();
    let name = arn.rsplit(':').next().unwrap_or_default().to_owned();
    let mut o = Observed::new(url)
        .out("arn", arn.as_str())
        .out("url", url)
        .out("name", name)
        .live("fifo_queue", get("FifoQueue").is_some_and(|v| v == "true"));
    for (k, attr) in SETTINGS {
        let v = get(attr).unwrap_or_default();
        o = o.live(
            k,
            match v.parse::<i64>() {
                Ok(n) if k != "kms_master_key_id" => Value::Int(n),
                _ => Value::String(v),
            },
        );
    }
    Ok(Some(o))
}

async fn url_of(op: &Op<'_>, name: &str) -> Result<Option<String>> {
    Ok(op
        .read_opt(
            "GetQueueUrl",
            op.c().sqs.get_queue_url().queue_name(name).send(),
        )
        .await?
        .and_then(|o| o.queue_url().map(str::to_owned)))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let mut attrs = settings(d);
    if d.opt_bool("fifo_queue") == Some(true) {
        attrs.insert(A::FifoQueue, "true".into());
    }
    let out = op
        .write(
            "CreateQueue",
            op.c()
                .sqs
                .create_queue()
                .queue_name(d.str("name")?)
                .set_attributes(Some(attrs))
                .set_tags(Some(d.tags.clone().into_iter().collect()))
                .send(),
        )
        .await?;
    let url = out.queue_url().ok_or(Error::Missing {
        op: "CreateQueue",
        what: "QueueUrl",
    })?;
    observe(op, url).await?.ok_or(Error::Missing {
        op: "GetQueueAttributes",
        what: "the new queue",
    })
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    observe(op, id).await
}

/// Queue names are unique in a region and account.
pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    match url_of(op, d.str("name")?).await? {
        Some(url) => observe(op, &url).await,
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, async {
        op.write(
            "SetQueueAttributes",
            op.c()
                .sqs
                .set_queue_attributes()
                .queue_url(&o.id)
                .set_attributes(Some(settings(d)))
                .send(),
        )
        .await
        .map(|_| ())
    })
    .await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteQueue",
        op.c().sqs.delete_queue().queue_url(&owned.id).send(),
    )
    .await
    .map(|_| ())
}

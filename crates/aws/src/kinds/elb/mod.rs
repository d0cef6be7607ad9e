//! Elastic Load Balancing v2 kinds.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, RedirectActionConfig, Tag,
};
use strata_model::Value;

use crate::error::{Error, Result};
use crate::value::{Desired, field};

pub(crate) mod listener;
pub(crate) mod load_balancer;
pub(crate) mod rule;
pub(crate) mod target_group;

pub(crate) fn tags(d: &Desired) -> Vec<Tag> {
    d.tag_pairs()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A listener or rule action in the plan's vocabulary (`type` plus
/// `redirect`, `fixed_response` or `target_group_arn`).
pub(crate) fn action(d: &Desired, v: Option<&Value>) -> Result<Action> {
    let m = v.and_then(Value::as_map);
    let s = |k: &str| field(m, k).and_then(Value::as_str);
    let kind = s("type").unwrap_or("forward");
    let a = match kind {
        "forward" => Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .set_target_group_arn(s("target_group_arn").map(str::to_owned)),
        "redirect" => {
            let r = field(m, "redirect").and_then(Value::as_map);
            let rs = |k: &str| field(r, k).and_then(Value::as_str).map(str::to_owned);
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .set_port(rs("port"))
                        .set_protocol(rs("protocol"))
                        .status_code(
                            rs("status_code")
                                .unwrap_or_else(|| "HTTP_301".into())
                                .as_str()
                                .into(),
                        )
                        .build(),
                )
        }
        "fixed-response" => {
            let r = field(m, "fixed_response").and_then(Value::as_map);
            let rs = |k: &str| field(r, k).and_then(Value::as_str).map(str::to_owned);
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .set_content_type(rs("content_type"))
                        .set_message_body(rs("message_body"))
                        .set_status_code(rs("status_code"))
                        .build(),
                )
        }
        other => {
            return Err(Error::Invalid(format!(
                "{}: action type `{other}` is not supported",
                d.address
            )));
        }
    };
    Ok(a.build())
}

/// The type of the first action, for drift.
pub(crate) fn action_type(actions: &[Action]) -> String {
    actions
        .first()
        .and_then(|a| a.r#type())
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
}

//! `aws_wafv2_web_acl`: rate limiting and AWS managed rule groups. Its id
//! is `<name>|<id>|<scope>`, the triple every WAFv2 call wants.

use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, DefaultAction, ManagedRuleGroupStatement, NoneAction, OverrideAction,
    RateBasedStatement, RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement,
    Tag, VisibilityConfig,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int, field};

fn bad(d: &Desired) -> impl Fn(aws_sdk_wafv2::error::BuildError) -> Error + '_ {
    move |e| Error::Invalid(format!("{}: {e}", d.address))
}

fn visibility(d: &Desired, v: Option<&Value>, fallback: &str) -> Result<VisibilityConfig> {
    let m = v.and_then(Value::as_map);
    VisibilityConfig::builder()
        .cloud_watch_metrics_enabled(
            field(m, "cloudwatch_metrics_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .sampled_requests_enabled(
            field(m, "sampled_requests_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .metric_name(
            field(m, "metric_name")
                .and_then(Value::as_str)
                .unwrap_or(fallback),
        )
        .build()
        .map_err(bad(d))
}

fn rules(d: &Desired) -> Result<Vec<Rule>> {
    let mut out = Vec::new();
    for r in d.get("rule").and_then(Value::as_list).unwrap_or_default() {
        let m = r.as_map();
        let name = field(m, "name").and_then(Value::as_str).unwrap_or_default();
        let mut statement = Statement::builder();
        if let Some(rate) = field(m, "rate_based_statement").and_then(Value::as_map) {
            statement = statement.rate_based_statement(
                RateBasedStatement::builder()
                    .limit(field(Some(rate), "limit").and_then(as_int).unwrap_or(2000))
                    .aggregate_key_type(RateBasedStatementAggregateKeyType::from(
                        field(Some(rate), "aggregate_key_type")
                            .and_then(Value::as_str)
                            .unwrap_or("IP"),
                    ))
                    .set_evaluation_window_sec(
                        field(Some(rate), "evaluation_window_sec").and_then(as_int),
                    )
                    .build()
                    .map_err(bad(d))?,
            );
        }
        if let Some(g) = field(m, "managed_rule_group_statement").and_then(Value::as_map) {
            statement = statement.managed_rule_group_statement(
                ManagedRuleGroupStatement::builder()
                    .name(
                        field(Some(g), "name")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                    )
                    .vendor_name(
                        field(Some(g), "vendor_name")
                            .and_then(Value::as_str)
                            .unwrap_or("AWS"),
                    )
                    .build()
                    .map_err(bad(d))?,
            );
        }
        let mut rule = Rule::builder()
            .name(name)
            .priority(field(m, "priority").and_then(as_int).unwrap_or(0) as i32)
            .statement(statement.build())
            .visibility_config(visibility(d, field(m, "visibility_config"), name)?);
        match field(m, "action").and_then(Value::as_str) {
            Some("block") => {
                rule = rule.action(
                    RuleAction::builder()
                        .block(BlockAction::builder().build())
                        .build(),
                )
            }
            Some("allow") => {
                rule = rule.action(
                    RuleAction::builder()
                        .allow(AllowAction::builder().build())
                        .build(),
                )
            }
            _ => {}
        }
        if field(m, "override_action").and_then(Value::as_str) == Some("none") {
            rule = rule.override_action(
                OverrideAction::builder()
                    .none(NoneAction::builder().build())
                    .build(),
            );
        }
        out.push(rule.build().map_err(bad(d))?);
    }
    Ok(out)
}

fn default_action(d: &Desired) -> DefaultAction {
    if d.opt_str("default_action") == Some("block") {
        DefaultAction::builder()
            .block(BlockAction::builder().build())
            .build()
    } else {
        DefaultAction::builder()
            .allow(AllowAction::builder().build())
            .build()
    }
}

fn scope(d: &Desired) -> Scope {
    Scope::from(d.opt_str("scope").unwrap_or("REGIONAL"))
}

fn parse(id: &str) -> Result<(&str, &str, Scope)> {
    let mut p = id.split('|');
    match (p.next(), p.next(), p.next()) {
        (Some(n), Some(i), Some(s)) => Ok((n, i, Scope::from(s))),
        _ => Err(Error::Invalid(format!(
            "web ACL id `{id}` is not <name>|<id>|<scope>"
        ))),
    }
}

pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let names: Vec<Value> = d
        .get("rule")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| field(r.as_map(), "name").cloned())
        .collect();
    x.attrs.insert("rule_names".into(), Value::List(names));
    x
}

async fn observe(op: &Op<'_>, id: &str) -> Result<Option<(Observed, String)>> {
    let (name, acl_id, scope) = parse(id)?;
    let Some(out) = op
        .read_opt(
            "GetWebACL",
            op.c()
                .wafv2
                .get_web_acl()
                .name(name)
                .id(acl_id)
                .scope(scope)
                .send(),
        )
        .await?
    else {
        return Ok(None);
    };
    let Some(acl) = out.web_acl() else {
        return Ok(None);
    };
    let names: Vec<Value> = acl.rules().iter().map(|r| Value::from(r.name())).collect();
    let default = if acl.default_action().and_then(|a| a.block()).is_some() {
        "block"
    } else {
        "allow"
    };
    Ok(Some((
        Observed::new(id)
            .out("arn", acl.arn())
            .out("name", acl.name())
            .live("default_action", default)
            .live("rule_names", Value::List(names)),
        out.lock_token().unwrap_or_default().to_owned(),
    )))
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let name = d.str("name")?;
    let tags: Vec<Tag> = d
        .tag_pairs()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let out = op
        .write(
            "CreateWebACL",
            op.c()
                .wafv2
                .create_web_acl()
                .name(name)
                .scope(scope(d))
                .default_action(default_action(d))
                .set_rules(Some(rules(d)?))
                .visibility_config(visibility(d, d.get("visibility_config"), name)?)
                .set_tags(Some(tags))
                .send(),
        )
        .await?;
    let s = out.summary().ok_or(Error::Missing {
        op: "CreateWebACL",
        what: "Summary",
    })?;
    let id = format!(
        "{name}|{}|{}",
        s.id().unwrap_or_default(),
        scope(d).as_str()
    );
    Ok(observe(op, &id)
        .await?
        .ok_or(Error::Missing {
            op: "GetWebACL",
            what: "the new web ACL",
        })?
        .0)
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    Ok(observe(op, id).await?.map(|(o, _)| o))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    let name = d.str("name")?;
    let out = op
        .read(
            "ListWebACLs",
            op.c().wafv2.list_web_acls().scope(scope(d)).send(),
        )
        .await?;
    match out.web_acls().iter().find(|a| a.name() == Some(name)) {
        Some(a) => {
            read(
                op,
                &format!(
                    "{name}|{}|{}",
                    a.id().unwrap_or_default(),
                    scope(d).as_str()
                ),
                d,
            )
            .await
        }
        None => Ok(None),
    }
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    let (name, acl_id, sc) = parse(&o.id)?;
    let Some((_, token)) = observe(op, &o.id).await? else {
        return Ok(());
    };
    op.write(
        "UpdateWebACL",
        op.c()
            .wafv2
            .update_web_acl()
            .name(name)
            .id(acl_id)
            .scope(sc)
            .lock_token(token)
            .default_action(default_action(d))
            .set_rules(Some(rules(d)?))
            .visibility_config(visibility(d, d.get("visibility_config"), name)?)
            .send(),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    let (name, acl_id, sc) = parse(&owned.id)?;
    let Some((_, token)) = observe(op, &owned.id).await? else {
        return Ok(());
    };
    op.write(
        "DeleteWebACL",
        op.c()
            .wafv2
            .delete_web_acl()
            .name(name)
            .id(acl_id)
            .scope(sc)
            .lock_token(token)
            .send(),
    )
    .await
    .map(|_| ())
}

//! Amazon Managed Grafana for environments whose metrics are in CloudWatch:
//! the dashboards need somewhere to be shown, and no chart brings a Grafana
//! there. The workspace signs people in through IAM Identity Center, is
//! reached only by the account's own users, and reads through a role of its
//! own that may query CloudWatch metrics and Logs Insights over this
//! environment's log groups (and X-Ray when traces go there), nothing else.

use strata_model::{Address, Kind, Layer, Module, Value};

use crate::builder::{Cx, allow, list, map, policy, r};

/// Plans the workspace, its role and its CloudWatch data source; returns the
/// workspace.
pub fn workspace(cx: &mut Cx, m: &Module) -> Address {
    let src = ["observability", "dashboards"];
    let account = crate::keys::account(cx);
    let region = cx.env.regions[0].name.clone();
    let trust = policy(vec![map([
        ("Effect", "Allow".into()),
        (
            "Principal",
            map([("Service", "grafana.amazonaws.com".into())]),
        ),
        ("Action", "sts:AssumeRole".into()),
        (
            "Condition",
            map([(
                "StringEquals",
                map([("aws:SourceAccount", account.clone().into())]),
            )]),
        ),
    ])]);
    let role = cx.put(
        cx.res(m, Kind::AwsIamRole, "grafana", Layer::Observability, &src)
            .with("name", cx.name("grafana"))
            .with(
                "description",
                "Amazon Managed Grafana reads this environment's metrics and logs",
            )
            .with("assume_role_policy", trust),
    );
    let groups = format!(
        "arn:aws:logs:{region}:{account}:log-group:/strata/{}/{}/*",
        cx.spec.app, cx.env.name
    );
    let mut statements = vec![
        // These CloudWatch reads have no resource-level permissions.
        allow(
            "ReadMetrics",
            &[
                "cloudwatch:DescribeAlarmsForMetric",
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
            ],
            vec!["*".into()],
        ),
        allow(
            "QueryLogs",
            &[
                "logs:DescribeLogGroups",
                "logs:GetLogGroupFields",
                "logs:StartQuery",
            ],
            vec![groups.into()],
        ),
        allow(
            "ReadQueryResults",
            &["logs:GetQueryResults", "logs:StopQuery"],
            vec!["*".into()],
        ),
    ];
    let mut sources = vec![Value::from("CLOUDWATCH")];
    if crate::dashboards::xray(cx) {
        statements.push(allow(
            "ReadTraces",
            &[
                "xray:BatchGetTraces",
                "xray:GetTraceSummaries",
                "xray:GetTraceGraph",
            ],
            vec!["*".into()],
        ));
        sources.push("XRAY".into());
    }
    let p = cx.put(
        cx.res(m, Kind::AwsIamPolicy, "grafana", Layer::Observability, &src)
            .with("name", cx.name("grafana"))
            .with("policy", policy(statements)),
    );
    crate::builder::attach(
        cx,
        m,
        &role,
        "grafana",
        r(&p, "arn"),
        Layer::Observability,
        &src,
    );
    let ws = cx.put(
        cx.res(
            m,
            Kind::AwsGrafanaWorkspace,
            "main",
            Layer::Observability,
            &src,
        )
        .with("name", cx.name("grafana"))
        .with(
            "description",
            format!("Dashboards of {} {}", cx.spec.app, cx.env.name),
        )
        .with("account_access_type", "CURRENT_ACCOUNT")
        .with("authentication_providers", list(["AWS_SSO".into()]))
        .with("permission_type", "CUSTOMER_MANAGED")
        .with("role_arn", r(&role, "arn"))
        .with("data_sources", Value::List(sources))
        .with("grafana_version", "10.4"),
    );
    cx.put(
        cx.res(
            m,
            Kind::GrafanaDataSource,
            "cloudwatch",
            Layer::Observability,
            &src,
        )
        .with("type", "cloudwatch")
        .with("name", "CloudWatch")
        .with("uid", "cloudwatch")
        .with(
            "json_data_encoded",
            format!("{{\"authType\":\"ec2_iam_role\",\"defaultRegion\":\"{region}\"}}"),
        )
        .after(&ws),
    );
    ws
}

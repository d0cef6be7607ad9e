//! `aws_opensearch_domain`: the log store of the management environment,
//! inside the VPC, encrypted at rest with a KMS key and node to node, HTTPS
//! only. Its id is the domain name. Creating one takes AWS a quarter of an
//! hour: create and update wait until it is no longer processing. Compared
//! flat: engine version, cluster shape, storage, encryption, endpoint
//! policy and the access policy; the cluster, storage, endpoint settings and
//! access policy change in place. Fine-grained access control's master user
//! (an IAM role) is set on create; AWS does not describe it back.

use aws_sdk_opensearch::types::{
    AdvancedSecurityOptionsInput, ClusterConfig, DomainEndpointOptions, DomainStatus, EbsOptions,
    EncryptionAtRestOptions, MasterUserOptions, NodeToNodeEncryptionOptions,
    OpenSearchPartitionInstanceType, TlsSecurityPolicy, VolumeType, VpcOptions,
};
use strata_model::Value;

use crate::cx::Op;
use crate::error::{Error, Result};
use crate::journal::Owned;
use crate::kinds::{Diff, Observed};
use crate::value::{Desired, as_int, field};

type Map = std::collections::BTreeMap<String, Value>;

fn b(m: Option<&Map>, k: &str) -> Option<bool> {
    field(m, k).and_then(Value::as_bool)
}
fn s<'a>(m: Option<&'a Map>, k: &str) -> Option<&'a str> {
    field(m, k).and_then(Value::as_str)
}
fn n(m: Option<&Map>, k: &str) -> Option<i32> {
    field(m, k).and_then(as_int).map(|v| v as i32)
}

/// The plan's nested blocks, flat, in the names `observed` uses.
pub(crate) fn flat(d: &Desired) -> Desired {
    let mut x = d.clone();
    let (c, e, r, t, p) = (
        d.map("cluster_config"),
        d.map("ebs_options"),
        d.map("encrypt_at_rest"),
        d.map("node_to_node_encryption"),
        d.map("domain_endpoint_options"),
    );
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x.attrs.insert(k.into(), v);
        }
    };
    put("instance_type", s(c, "instance_type").map(Value::from));
    put(
        "instance_count",
        n(c, "instance_count").map(|v| Value::Int(v.into())),
    );
    put(
        "zone_awareness_enabled",
        b(c, "zone_awareness_enabled").map(Value::Bool),
    );
    put(
        "dedicated_master_enabled",
        b(c, "dedicated_master_enabled").map(Value::Bool),
    );
    put(
        "volume_size",
        n(e, "volume_size").map(|v| Value::Int(v.into())),
    );
    put("volume_type", s(e, "volume_type").map(Value::from));
    put("encrypt_at_rest", b(r, "enabled").map(Value::Bool));
    put("kms_key_id", s(r, "kms_key_id").map(Value::from));
    put("node_to_node_encryption", b(t, "enabled").map(Value::Bool));
    put("enforce_https", b(p, "enforce_https").map(Value::Bool));
    put(
        "tls_security_policy",
        s(p, "tls_security_policy").map(Value::from),
    );
    for k in [
        "cluster_config",
        "ebs_options",
        "domain_endpoint_options",
        "vpc_options",
        "advanced_security_options",
    ] {
        x.attrs.remove(k);
    }
    x
}

fn observed(st: &DomainStatus) -> Observed {
    let name = st.domain_name();
    let endpoint = st
        .endpoint()
        .or_else(|| {
            st.endpoints()
                .and_then(|e| e.get("vpc").map(String::as_str))
        })
        .unwrap_or_default();
    let mut o = Observed::new(name)
        .out("arn", st.arn())
        .out("domain_name", name)
        .out("endpoint", endpoint)
        .live("engine_version", st.engine_version().unwrap_or_default());
    if let Some(c) = st.cluster_config() {
        o = o
            .live(
                "instance_type",
                c.instance_type().map(|t| t.as_str()).unwrap_or_default(),
            )
            .live("instance_count", i64::from(c.instance_count().unwrap_or(0)))
            .live(
                "zone_awareness_enabled",
                c.zone_awareness_enabled().unwrap_or(false),
            )
            .live(
                "dedicated_master_enabled",
                c.dedicated_master_enabled().unwrap_or(false),
            );
    }
    if let Some(e) = st.ebs_options() {
        o = o
            .live("volume_size", i64::from(e.volume_size().unwrap_or(0)))
            .live(
                "volume_type",
                e.volume_type().map(|t| t.as_str()).unwrap_or_default(),
            );
    }
    let at_rest = st.encryption_at_rest_options();
    o = o
        .live(
            "encrypt_at_rest",
            at_rest.and_then(|r| r.enabled()).unwrap_or(false),
        )
        .live(
            "kms_key_id",
            at_rest.and_then(|r| r.kms_key_id()).unwrap_or_default(),
        )
        .live(
            "node_to_node_encryption",
            st.node_to_node_encryption_options()
                .and_then(|t| t.enabled())
                .unwrap_or(false),
        );
    if let Some(p) = st.domain_endpoint_options() {
        o = o
            .live("enforce_https", p.enforce_https().unwrap_or(false))
            .live(
                "tls_security_policy",
                p.tls_security_policy()
                    .map(|t| t.as_str())
                    .unwrap_or_default(),
            );
    }
    if let Some(p) = st.access_policies().filter(|p| !p.is_empty()) {
        o = o.live("access_policies", p);
    }
    o
}

async fn status(op: &Op<'_>, name: &str) -> Result<Option<DomainStatus>> {
    Ok(op
        .read_opt(
            "DescribeDomain",
            op.c().opensearch.describe_domain().domain_name(name).send(),
        )
        .await?
        .and_then(|o| o.domain_status().cloned())
        .filter(|st| st.deleted() != Some(true)))
}

async fn settled(op: &Op<'_>, name: &str) -> Result<Observed> {
    crate::poll::poll("the OpenSearch domain", || async {
        Ok(status(op, name)
            .await?
            .is_some_and(|st| st.processing() != Some(true)))
    })
    .await?;
    let st = status(op, name).await?.ok_or(Error::Missing {
        op: "DescribeDomain",
        what: "the domain",
    })?;
    Ok(observed(&st))
}

fn cluster(d: &Desired) -> ClusterConfig {
    let c = d.map("cluster_config");
    ClusterConfig::builder()
        .set_instance_type(s(c, "instance_type").map(OpenSearchPartitionInstanceType::from))
        .set_instance_count(n(c, "instance_count"))
        .set_zone_awareness_enabled(b(c, "zone_awareness_enabled"))
        .set_dedicated_master_enabled(b(c, "dedicated_master_enabled"))
        .build()
}

fn ebs(d: &Desired) -> EbsOptions {
    let e = d.map("ebs_options");
    EbsOptions::builder()
        .set_ebs_enabled(b(e, "ebs_enabled"))
        .set_volume_size(n(e, "volume_size"))
        .set_volume_type(s(e, "volume_type").map(VolumeType::from))
        .build()
}

fn endpoint(d: &Desired) -> DomainEndpointOptions {
    let p = d.map("domain_endpoint_options");
    DomainEndpointOptions::builder()
        .set_enforce_https(b(p, "enforce_https"))
        .set_tls_security_policy(s(p, "tls_security_policy").map(TlsSecurityPolicy::from))
        .build()
}

pub(crate) async fn create(op: &Op<'_>, d: &Desired) -> Result<Observed> {
    let name = d.str("domain_name")?;
    let r = d.map("encrypt_at_rest");
    let v = d.map("vpc_options");
    let list = |k: &str| crate::value::strs(field(v, k));
    let sec = d.map("advanced_security_options");
    let tags = d
        .tag_pairs()
        .filter_map(|(k, v)| {
            aws_sdk_opensearch::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect();
    op.write(
        "CreateDomain",
        op.c()
            .opensearch
            .create_domain()
            .domain_name(name)
            .set_engine_version(d.opt_str("engine_version").map(str::to_owned))
            .cluster_config(cluster(d))
            .ebs_options(ebs(d))
            .encryption_at_rest_options(
                EncryptionAtRestOptions::builder()
                    .set_enabled(b(r, "enabled"))
                    .set_kms_key_id(s(r, "kms_key_id").map(str::to_owned))
                    .build(),
            )
            .node_to_node_encryption_options(
                NodeToNodeEncryptionOptions::builder()
                    .set_enabled(b(d.map("node_to_node_encryption"), "enabled"))
                    .build(),
            )
            .domain_endpoint_options(endpoint(d))
            .set_vpc_options(v.map(|_| {
                VpcOptions::builder()
                    .set_subnet_ids(Some(list("subnet_ids")))
                    .set_security_group_ids(Some(list("security_group_ids")))
                    .build()
            }))
            .set_access_policies(d.json("access_policies").ok())
            .set_advanced_security_options(sec.map(|_| {
                let master = field(sec, "master_user_options").and_then(Value::as_map);
                AdvancedSecurityOptionsInput::builder()
                    .set_enabled(b(sec, "enabled"))
                    .set_internal_user_database_enabled(b(sec, "internal_user_database_enabled"))
                    .set_master_user_options(master.map(|m| {
                        MasterUserOptions::builder()
                            .set_master_user_arn(s(Some(m), "master_user_arn").map(str::to_owned))
                            .build()
                    }))
                    .build()
            }))
            .set_tag_list(Some(tags))
            .send(),
    )
    .await?;
    settled(op, name).await
}

pub(crate) async fn read(op: &Op<'_>, id: &str, _d: &Desired) -> Result<Option<Observed>> {
    Ok(status(op, id).await?.map(|st| observed(&st)))
}

pub(crate) async fn find(op: &Op<'_>, d: &Desired) -> Result<Option<Observed>> {
    read(op, d.str("domain_name")?, d).await
}

pub(crate) async fn update(op: &Op<'_>, o: &Observed, d: &Desired, diffs: &[Diff]) -> Result<()> {
    crate::kinds::unless_same(diffs, async {
        op.write(
            "UpdateDomainConfig",
            op.c()
                .opensearch
                .update_domain_config()
                .domain_name(&o.id)
                .cluster_config(cluster(d))
                .ebs_options(ebs(d))
                .domain_endpoint_options(endpoint(d))
                .set_access_policies(d.json("access_policies").ok())
                .send(),
        )
        .await?;
        settled(op, &o.id).await.map(|_| ())
    })
    .await
}

pub(crate) async fn delete(op: &Op<'_>, owned: &Owned) -> Result<()> {
    op.write(
        "DeleteDomain",
        op.c()
            .opensearch
            .delete_domain()
            .domain_name(&owned.id)
            .send(),
    )
    .await?;
    crate::poll::poll("the OpenSearch domain to be deleted", || async {
        Ok(status(op, &owned.id).await?.is_none())
    })
    .await
}

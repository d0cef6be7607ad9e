//! RDS/Aurora, ElastiCache, SQS, SNS, DynamoDB, EFS, OpenSearch.

use strata_model::{Kind::*, Value};

use super::{PUBLIC_STATEMENT, no_public_statement};
use crate::lookup::{self, Got};
use crate::{Check, Control, Outcome, Severity::*, Want};

pub(crate) static RDS_CLUSTER_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-069",
    title: "Aurora and RDS clusters encrypt storage",
    severity: High,
    kinds: &[AwsRdsCluster],
    rationale: "Unencrypted storage exposes data in snapshots and on retired disks; it cannot be turned on later.",
    remediation: "Set storage_encrypted = true and kms_key_id.",
    check: Check::Custom(|_, r| {
        // Aurora Serverless v1 is always encrypted.
        if lookup::get(r, "engine_mode")
            .value()
            .and_then(lookup::as_text)
            .as_deref()
            == Some("serverless")
        {
            return Outcome::Pass;
        }
        Want::True.judge(lookup::get(r, "storage_encrypted"), "storage_encrypted")
    }),
};

pub(crate) static RDS_INSTANCE_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-070",
    title: "RDS instances encrypt storage",
    severity: High,
    kinds: &[AwsDbInstance],
    rationale: "Unencrypted storage exposes data in snapshots and on retired disks; it cannot be turned on later.",
    remediation: "Set storage_encrypted = true and kms_key_id.",
    check: Check::Attr("storage_encrypted", Want::True),
};

pub(crate) static RDS_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-071",
    title: "Database instances are not publicly accessible",
    severity: Critical,
    kinds: &[AwsDbInstance, AwsRdsClusterInstance],
    rationale: "A public endpoint puts the database on the internet.",
    remediation: "Set publicly_accessible = false.",
    check: Check::Attr("publicly_accessible", Want::NotTrue),
};

pub(crate) static RDS_BACKUP_RETENTION: Control = Control {
    id: "STRATA-AWS-072",
    title: "Databases keep automated backups for at least 7 days",
    severity: Medium,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "Short retention loses the point-in-time you need after a late-detected incident.",
    remediation: "Set backup_retention_period = 7 or more.",
    check: Check::Attr("backup_retention_period", Want::AtLeast(7)),
};

pub(crate) static RDS_DELETION_PROTECTION: Control = Control {
    id: "STRATA-AWS-073",
    title: "Databases have deletion protection",
    severity: Medium,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "Deletion protection stops one mistaken API call from destroying the database.",
    remediation: "Set deletion_protection = true (production at least; waive for short-lived environments).",
    check: Check::Attr("deletion_protection", Want::True),
};

pub(crate) static RDS_IAM_AUTH: Control = Control {
    id: "STRATA-AWS-074",
    title: "Databases accept IAM authentication",
    severity: Low,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "IAM authentication gives short-lived, auditable credentials instead of shared passwords.",
    remediation: "Set iam_database_authentication_enabled = true.",
    check: Check::Custom(|_, r| {
        let engine = lookup::get(r, "engine")
            .value()
            .and_then(lookup::as_text)
            .unwrap_or_default();
        if !(engine.contains("mysql")
            || engine.contains("postgres")
            || engine.contains("mariadb")
            || engine.is_empty())
        {
            return Outcome::Skip;
        }
        Want::True.judge(
            lookup::get(r, "iam_database_authentication_enabled"),
            "iam_database_authentication_enabled",
        )
    }),
};

pub(crate) static RDS_LOG_EXPORTS: Control = Control {
    id: "STRATA-AWS-075",
    title: "Databases export their logs to CloudWatch",
    severity: Medium,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "Audit, error and slow-query logs are needed to investigate access and abuse.",
    remediation: "Set enabled_cloudwatch_logs_exports (e.g. audit, error, slowquery / postgresql).",
    check: Check::Attr("enabled_cloudwatch_logs_exports", Want::Present),
};

pub(crate) static RDS_MULTI_AZ: Control = Control {
    id: "STRATA-AWS-076",
    title: "RDS instances are Multi-AZ",
    severity: Medium,
    kinds: &[AwsDbInstance],
    rationale: "A single-AZ database is down for the length of an AZ outage.",
    remediation: "Set multi_az = true.",
    check: Check::Attr("multi_az", Want::True),
};

pub(crate) static RDS_COPY_TAGS: Control = Control {
    id: "STRATA-AWS-077",
    title: "Database snapshots inherit the database's tags",
    severity: Low,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "Tags drive ownership, cost and data-classification policies; untagged snapshots escape them.",
    remediation: "Set copy_tags_to_snapshot = true.",
    check: Check::Attr("copy_tags_to_snapshot", Want::True),
};

pub(crate) static RDS_MINOR_UPGRADES: Control = Control {
    id: "STRATA-AWS-078",
    title: "Database instances take minor version upgrades",
    severity: Low,
    kinds: &[AwsDbInstance, AwsRdsClusterInstance],
    rationale: "Minor versions carry security fixes.",
    remediation: "Leave auto_minor_version_upgrade at true.",
    check: Check::Attr("auto_minor_version_upgrade", Want::NotFalse),
};

pub(crate) static RDS_PASSWORD_NOT_INLINE: Control = Control {
    id: "STRATA-AWS-079",
    title: "Database master passwords are not written in the code",
    severity: Critical,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "A literal password lives forever in Git history and state.",
    remediation: "Use manage_master_user_password = true (Secrets Manager) or a generated password.",
    check: Check::Custom(|_, r| {
        let path = if r.kind == AwsRdsCluster {
            "master_password"
        } else {
            "password"
        };
        match lookup::get(r, path) {
            Got::Value(Value::String(s)) if !s.is_empty() => {
                Outcome::fail(path, "the master password is a literal")
            }
            _ => Outcome::Pass,
        }
    }),
};

pub(crate) static RDS_ENHANCED_MONITORING: Control = Control {
    id: "STRATA-AWS-080",
    title: "Database instances have enhanced monitoring",
    severity: Low,
    kinds: &[AwsDbInstance, AwsRdsClusterInstance],
    rationale: "OS-level metrics show what CloudWatch's hypervisor view cannot.",
    remediation: "Set monitoring_interval (e.g. 60) and monitoring_role_arn.",
    check: Check::Attr("monitoring_interval", Want::AtLeast(1)),
};

pub(crate) static RDS_CUSTOMER_KEY: Control = Control {
    id: "STRATA-AWS-081",
    title: "Databases are encrypted with a customer managed KMS key",
    severity: Low,
    kinds: &[AwsDbInstance, AwsRdsCluster],
    rationale: "A customer managed key lets you control and audit who can decrypt, and share snapshots safely.",
    remediation: "Set kms_key_id.",
    check: Check::Attr("kms_key_id", Want::Present),
};

pub(crate) static CACHE_AT_REST: Control = Control {
    id: "STRATA-AWS-082",
    title: "ElastiCache encrypts data at rest",
    severity: High,
    kinds: &[AwsElasticacheReplicationGroup],
    rationale: "Cached data often includes sessions and personal data.",
    remediation: "Set at_rest_encryption_enabled = true.",
    check: Check::Attr("at_rest_encryption_enabled", Want::True),
};

pub(crate) static CACHE_IN_TRANSIT: Control = Control {
    id: "STRATA-AWS-083",
    title: "ElastiCache encrypts data in transit",
    severity: High,
    kinds: &[AwsElasticacheReplicationGroup],
    rationale: "Without TLS, anyone on the network path can read and alter cache traffic.",
    remediation: "Set transit_encryption_enabled = true.",
    check: Check::Attr("transit_encryption_enabled", Want::True),
};

pub(crate) static CACHE_FAILOVER: Control = Control {
    id: "STRATA-AWS-084",
    title: "ElastiCache replication groups fail over automatically",
    severity: Low,
    kinds: &[AwsElasticacheReplicationGroup],
    rationale: "Without automatic failover, losing the primary stops writes until someone acts.",
    remediation: "Set automatic_failover_enabled = true with at least two nodes.",
    check: Check::Attr("automatic_failover_enabled", Want::True),
};

pub(crate) static CACHE_SNAPSHOTS: Control = Control {
    id: "STRATA-AWS-085",
    title: "ElastiCache keeps snapshots",
    severity: Low,
    kinds: &[AwsElasticacheReplicationGroup],
    rationale: "Snapshots recover the cache after corruption or deletion.",
    remediation: "Set snapshot_retention_limit to 1 or more.",
    check: Check::Attr("snapshot_retention_limit", Want::AtLeast(1)),
};

pub(crate) static SQS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-086",
    title: "SQS queues are encrypted",
    severity: Medium,
    kinds: &[AwsSqsQueue],
    rationale: "Messages often carry personal or payment data.",
    remediation: "Set kms_master_key_id (or sqs_managed_sse_enabled = true).",
    check: Check::Custom(|_, r| {
        if lookup::get(r, "sqs_managed_sse_enabled")
            .value()
            .and_then(lookup::as_bool)
            == Some(true)
        {
            return Outcome::Pass;
        }
        Want::Present.judge(lookup::get(r, "kms_master_key_id"), "kms_master_key_id")
    }),
};

pub(crate) static SQS_POLICY_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-087",
    title: "SQS queue policies grant nothing to everyone",
    severity: High,
    kinds: &[AwsSqsQueue, AwsSqsQueuePolicy],
    rationale: "A public queue can be read, flooded or purged by anyone.",
    remediation: "Name the principals, or add an aws:SourceArn / aws:SourceAccount condition.",
    check: Check::Custom(|_, r| no_public_statement(r, "policy", PUBLIC_STATEMENT)),
};

pub(crate) static SNS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-088",
    title: "SNS topics are encrypted",
    severity: Medium,
    kinds: &[AwsSnsTopic],
    rationale: "Notifications can carry sensitive data.",
    remediation: "Set kms_master_key_id.",
    check: Check::Attr("kms_master_key_id", Want::Present),
};

pub(crate) static SNS_POLICY_NOT_PUBLIC: Control = Control {
    id: "STRATA-AWS-089",
    title: "SNS topic policies grant nothing to everyone",
    severity: High,
    kinds: &[AwsSnsTopic, AwsSnsTopicPolicy],
    rationale: "A public topic lets anyone publish to your subscribers or subscribe to your messages.",
    remediation: "Name the principals, or add an aws:SourceArn / aws:SourceAccount condition.",
    check: Check::Custom(|_, r| no_public_statement(r, "policy", PUBLIC_STATEMENT)),
};

pub(crate) static DDB_PITR: Control = Control {
    id: "STRATA-AWS-090",
    title: "DynamoDB tables have point-in-time recovery",
    severity: Medium,
    kinds: &[AwsDynamodbTable],
    rationale: "Point-in-time recovery undoes bad writes and deletes of the last 35 days.",
    remediation: "Set point_in_time_recovery { enabled = true }.",
    check: Check::Attr("point_in_time_recovery.enabled", Want::True),
};

pub(crate) static DDB_KMS: Control = Control {
    id: "STRATA-AWS-091",
    title: "DynamoDB tables are encrypted with a customer managed key",
    severity: Low,
    kinds: &[AwsDynamodbTable],
    rationale: "A customer managed key lets the key policy decide who can read the table.",
    remediation: "Set server_side_encryption { enabled = true, kms_key_arn = ... }.",
    check: Check::All(&[
        ("server_side_encryption.enabled", Want::True),
        ("server_side_encryption.kms_key_arn", Want::Present),
    ]),
};

pub(crate) static EFS_ENCRYPTED: Control = Control {
    id: "STRATA-AWS-092",
    title: "EFS file systems are encrypted",
    severity: High,
    kinds: &[AwsEfsFileSystem],
    rationale: "Encryption at rest cannot be added to an existing file system.",
    remediation: "Set encrypted = true and kms_key_id.",
    check: Check::Attr("encrypted", Want::True),
};

pub(crate) static OPENSEARCH_AT_REST: Control = Control {
    id: "STRATA-AWS-093",
    title: "OpenSearch domains encrypt data at rest",
    severity: High,
    kinds: &[AwsOpensearchDomain, AwsElasticsearchDomain],
    rationale: "Log and search indices hold sensitive data.",
    remediation: "Set encrypt_at_rest { enabled = true }.",
    check: Check::Attr("encrypt_at_rest.enabled", Want::True),
};

pub(crate) static OPENSEARCH_NODE_TO_NODE: Control = Control {
    id: "STRATA-AWS-094",
    title: "OpenSearch domains encrypt traffic between nodes",
    severity: High,
    kinds: &[AwsOpensearchDomain, AwsElasticsearchDomain],
    rationale: "Unencrypted replication traffic can be read inside the VPC.",
    remediation: "Set node_to_node_encryption { enabled = true }.",
    check: Check::Attr("node_to_node_encryption.enabled", Want::True),
};

pub(crate) static OPENSEARCH_HTTPS: Control = Control {
    id: "STRATA-AWS-095",
    title: "OpenSearch domains require HTTPS",
    severity: High,
    kinds: &[AwsOpensearchDomain, AwsElasticsearchDomain],
    rationale: "Plain HTTP exposes queries and credentials.",
    remediation: "Set domain_endpoint_options { enforce_https = true, tls_security_policy = \"Policy-Min-TLS-1-2-2019-07\" }.",
    check: Check::Attr("domain_endpoint_options.enforce_https", Want::True),
};

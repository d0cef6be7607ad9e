"""Reads and changes an AWS endpoint (the moto server in tests) with boto3:
an independent client to check what `strata apply` made, and to change
things out of band. Usage: aws.py ENDPOINT inventory [REGION]|properties|tamper|widen|preset|tagged APP ENV|open_logs APP ENV REGION|rule ID"""

import json
import sys

import boto3

endpoint, command = sys.argv[1], sys.argv[2]
REGION = "eu-west-1"
ACCOUNT = None


def client(name):
    return boto3.client(
        name,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def tag(tags, key="strata:address"):
    for t in tags or []:
        if t.get("Key", t.get("TagKey")) == key:
            return t.get("Value", t.get("TagValue"))
    return None


def inventory():
    global ACCOUNT, REGION
    if len(sys.argv) > 3:
        REGION = sys.argv[3]
    ACCOUNT = client("sts").get_caller_identity()["Account"]
    """Every resource the engine can make, keyed without physical ids, so
    two runs on two emulators compare equal when they made the same things."""
    ec2 = client("ec2")
    out = []
    for v in ec2.describe_vpcs()["Vpcs"]:
        if not v.get("IsDefault"):
            out.append(("vpc", tag(v.get("Tags"))))
    for s in ec2.describe_subnets()["Subnets"]:
        if tag(s.get("Tags")):
            out.append(("subnet", tag(s.get("Tags"))))
    for g in ec2.describe_internet_gateways()["InternetGateways"]:
        out.append(("igw", tag(g.get("Tags")), len(g.get("Attachments", []))))
    for a in ec2.describe_addresses()["Addresses"]:
        out.append(("eip", tag(a.get("Tags"))))
    for n in ec2.describe_nat_gateways()["NatGateways"]:
        if n["State"] not in ("deleted", "deleting"):
            out.append(("nat", tag(n.get("Tags"))))
    for t in ec2.describe_route_tables()["RouteTables"]:
        name = tag(t.get("Tags"))
        if name is None:
            continue
        out.append(("route_table", name))
        for r in t["Routes"]:
            if r.get("GatewayId") != "local" and "DestinationCidrBlock" in r:
                out.append(("route", name, r["DestinationCidrBlock"]))
        for a in t.get("Associations", []):
            if a.get("SubnetId"):
                out.append(("association", name, a["SubnetId"] and "subnet"))
    for g in ec2.describe_security_groups()["SecurityGroups"]:
        if g["GroupName"] != "default":
            out.append(("security_group", tag(g.get("Tags"))))
    for r in ec2.describe_security_group_rules()["SecurityGroupRules"]:
        if tag(r.get("Tags")):
            out.append(("sg_rule", tag(r.get("Tags"))))
    for f in ec2.describe_flow_logs()["FlowLogs"]:
        out.append(("flow_log", tag(f.get("Tags"))))
    for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]:
        if e["State"].lower() not in ("deleted", "deleting"):
            out.append(("vpc_endpoint", tag(e.get("Tags"))))
    kms = client("kms")
    for k in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] == "CUSTOMER" and meta["KeyState"] != "PendingDeletion":
            out.append(("kms_key", tag(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"])))
    for a in kms.list_aliases()["Aliases"]:
        if not a["AliasName"].startswith("alias/aws/"):
            out.append(("kms_alias", a["AliasName"]))
    iam = client("iam")
    for r in iam.list_roles()["Roles"]:
        out.append(("iam_role", r["RoleName"]))
        for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]:
            out.append(("iam_attachment", r["RoleName"], p["PolicyArn"].split(":")[-1]))
        for p in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]:
            out.append(("iam_inline", r["RoleName"], p))
    for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        out.append(("oidc_provider", p["Arn"].split("oidc-provider/")[1].split("/id/")[0]))
    for p in iam.list_policies(Scope="Local")["Policies"]:
        out.append(("iam_policy", p["PolicyName"]))
    logs = client("logs")
    for g in logs.describe_log_groups()["logGroups"]:
        out.append(("log_group", g["logGroupName"]))
    s3 = client("s3")
    for b in s3.list_buckets()["Buckets"]:
        out.append(("bucket", b["Name"]))
    sm = client("secretsmanager")
    for s in sm.list_secrets()["SecretList"]:
        if not s.get("DeletedDate"):
            # RDS names the secret it manages for a cluster with a random id.
            out.append(("secret", "rds!cluster-*" if s["Name"].startswith("rds!cluster-") else s["Name"]))
    ecr = client("ecr")
    for r in ecr.describe_repositories()["repositories"]:
        out.append(("ecr_repository", r["repositoryName"]))
    for g in logs.describe_log_groups()["logGroups"]:
        for f in logs.describe_metric_filters(logGroupName=g["logGroupName"])["metricFilters"]:
            out.append(("metric_filter", g["logGroupName"], f["filterName"]))
    for sub in client("sns").list_subscriptions()["Subscriptions"]:
        out.append(("sns_subscription", sub["TopicArn"].split(":")[-1], sub["Protocol"], sub["Endpoint"]))
    sqs = client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        out.append(("sqs_queue", url.rsplit("/", 1)[1], bool(a.get("KmsMasterKeyId")), "RedrivePolicy" in a))
    es = client("opensearch")
    for dn in es.list_domain_names()["DomainNames"]:
        st = es.describe_domain(DomainName=dn["DomainName"])["DomainStatus"]
        out.append((
            "opensearch_domain",
            st["DomainName"],
            st["EncryptionAtRestOptions"]["Enabled"] and bool(st["EncryptionAtRestOptions"].get("KmsKeyId")),
            st["NodeToNodeEncryptionOptions"]["Enabled"],
            st["DomainEndpointOptions"]["EnforceHTTPS"],
            bool(st.get("VPCOptions", {}).get("SubnetIds")),
            " ".join(sorted(principals(st.get("AccessPolicies")))),
        ))
    cb = client("codebuild")
    for name in cb.list_projects()["projects"]:
        out.append(("codebuild_project", name))
    aas = client("application-autoscaling")
    for t in aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]:
        out.append(("scalable_target", t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]))
    for p in aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]:
        out.append(("scaling_policy", p["PolicyName"]))
    # Account and region baselines: one each, present or not.
    config = client("config")
    for r in config.describe_configuration_recorders()["ConfigurationRecorders"]:
        out.append(("config_recorder", r["name"]))
    for r in config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]:
        if r["recording"]:
            out.append(("config_recording", r["name"]))
    for c in config.describe_delivery_channels()["DeliveryChannels"]:
        out.append(("config_channel", c["name"]))
    try:
        client("securityhub").describe_hub()
        out.append(("securityhub", "enabled"))
    except Exception as e:  # not subscribed
        if "not subscribed" not in str(e):
            raise
    try:
        pp = iam.get_account_password_policy()["PasswordPolicy"]
        out.append(("password_policy", pp["MinimumPasswordLength"]))
    except iam.exceptions.NoSuchEntityException:
        pass
    s3c = client("s3control")
    # S3 Control puts the account id in front of the endpoint's host name.
    def unprefix(request, **_):
        request.url = request.url.replace(f"//{ACCOUNT}.", "//", 1)
    s3c.meta.events.register("before-sign.s3-control.*", unprefix)
    try:
        c = s3c.get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"]
        out.append(("account_public_access_block", all(c.values())))
    except s3c.exceptions.NoSuchPublicAccessBlockConfiguration:
        pass
    if ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"]:
        out.append(("ebs_encryption_by_default", True))
    return sorted([list(map(str, x)) for x in out])


def properties():
    """The security properties the spec asks for, read back."""
    kms = client("kms")
    rotation = {}
    for k in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
        if meta["KeyManager"] != "CUSTOMER" or meta["KeyState"] == "PendingDeletion":
            continue
        name = tag(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"])
        rotation[name] = kms.get_key_rotation_status(KeyId=k["KeyId"])["KeyRotationEnabled"]
    s3 = client("s3")
    buckets = {}
    for b in s3.list_buckets()["Buckets"]:
        name = b["Name"]
        pab = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        enc = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
        buckets[name] = {
            "public_access_blocked": all(pab.values()),
            "sse": enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "versioning": s3.get_bucket_versioning(Bucket=name).get("Status"),
            "policy_denies_insecure_transport": "aws:SecureTransport"
            in s3.get_bucket_policy(Bucket=name)["Policy"],
        }
    ec2 = client("ec2")
    world = []
    for r in ec2.describe_security_group_rules()["SecurityGroupRules"]:
        if not r["IsEgress"] and r.get("CidrIpv4") == "0.0.0.0/0":
            world.append([r["GroupId"], r["FromPort"], r["ToPort"]])
    default_rules = 0
    for g in ec2.describe_security_groups()["SecurityGroups"]:
        if g["GroupName"] == "default" and g.get("VpcId") != ec2.describe_vpcs(
            Filters=[{"Name": "is-default", "Values": ["true"]}]
        )["Vpcs"][0]["VpcId"]:
            default_rules += len(g["IpPermissions"]) + len(g["IpPermissionsEgress"])
    logs = client("logs")
    groups = {
        g["logGroupName"]: {"retention": g.get("retentionInDays"), "kms": bool(g.get("kmsKeyId"))}
        for g in logs.describe_log_groups()["logGroups"]
    }
    ecr = client("ecr")
    repos = {
        r["repositoryName"]: {
            "immutable": r["imageTagMutability"] == "IMMUTABLE",
            "scan_on_push": r["imageScanningConfiguration"]["scanOnPush"],
            "kms": r["encryptionConfiguration"]["encryptionType"] == "KMS",
        }
        for r in ecr.describe_repositories()["repositories"]
    }
    flow_logs = [f["ResourceId"] for f in ec2.describe_flow_logs()["FlowLogs"]]
    return {
        "kms_rotation": rotation,
        "buckets": buckets,
        "world_ingress_ports": sorted(p[1] for p in world),
        "default_group_rules": default_rules,
        "log_groups": groups,
        "ecr": repos,
        "vpcs_with_flow_logs": len(flow_logs),
    }


def tamper():
    """Out-of-band changes: SSH opened on the web service's group, rotation
    switched off on the data key."""
    ec2 = client("ec2")
    group = ec2.describe_security_groups(
        Filters=[{"Name": "tag:strata:address", "Values": [sys.argv[4] + ".network.aws_security_group.svc_web"]}]
    )["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    kms = client("kms")
    for k in kms.list_keys()["Keys"]:
        if tag(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"]) == sys.argv[4] + ".security.aws_kms_key.data":
            kms.disable_key_rotation(KeyId=k["KeyId"])
    return {"group": group}


def widen():
    """Out-of-band change of a rule in place: the VPC endpoints' HTTPS rule
    opened from the VPC's range to the world."""
    ec2 = client("ec2")
    address = sys.argv[4] + ".network.aws_vpc_security_group_ingress_rule.endpoints_https"
    rule = [
        r for r in ec2.describe_security_group_rules()["SecurityGroupRules"]
        if tag(r.get("Tags")) == address
    ][0]
    ec2.modify_security_group_rules(
        GroupId=rule["GroupId"],
        SecurityGroupRules=[{
            "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
            "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0"},
        }],
    )
    return {"rule": rule["SecurityGroupRuleId"]}


def rule():
    """One security group rule by id, as EC2 describes it."""
    return client("ec2").describe_security_group_rules(SecurityGroupRuleIds=[sys.argv[3]])["SecurityGroupRules"][0]


def principals(doc):
    """The AWS principals a resource policy (JSON text) allows."""
    out = []
    for st in json.loads(doc or "{}").get("Statement", []):
        p = st.get("Principal", {})
        p = p.get("AWS", []) if isinstance(p, dict) else p
        out += [p] if isinstance(p, str) else p
    return out


def open_logs():
    """Out-of-band change: the log store's access policy opened to anyone
    (APP ENV REGION)."""
    global REGION
    REGION = sys.argv[5]
    es = client("opensearch")
    name = sys.argv[3] + "-" + sys.argv[4] + "-logs"
    arn = es.describe_domain(DomainName=name)["DomainStatus"]["ARN"]
    es.update_domain_config(DomainName=name, AccessPolicies=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": arn + "/*"}],
    }))
    return {}


def preset():
    """Account settings made before Strata (by an organisation's baseline):
    Security Hub on, a weaker password policy."""
    client("securityhub").enable_security_hub(EnableDefaultStandards=False)
    client("iam").update_account_password_policy(MinimumPasswordLength=8)
    return {}


def org_recorder():
    """An AWS Config recorder made before Strata by the organisation (as
    Control Tower names it); a region holds one."""
    client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "aws-controltower-BaselineConfigRecorder",
        "roleARN": "arn:aws:iam::111111111111:role/aws-controltower-ConfigRecorderRole",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
    })
    return {}


def narrow_org_recorder():
    """The organisation's recorder, kept running, records buckets only."""
    client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "aws-controltower-BaselineConfigRecorder",
        "roleARN": "arn:aws:iam::111111111111:role/aws-controltower-ConfigRecorderRole",
        "recordingGroup": {
            "allSupported": False,
            "includeGlobalResourceTypes": False,
            "resourceTypes": ["AWS::S3::Bucket"],
            "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
        },
    })
    return {}


def start_org_recorder():
    """The organisation's recorder, given a delivery channel, records."""
    config = client("config")
    config.put_delivery_channel(DeliveryChannel={
        "name": "aws-controltower-BaselineConfigDeliveryChannel",
        "s3BucketName": "aws-controltower-logs-111111111111-eu-west-1",
    })
    config.start_configuration_recorder(ConfigurationRecorderName="aws-controltower-BaselineConfigRecorder")
    return {}


def protection():
    """Deletion protection on the databases and load balancers."""
    rds = client("rds")
    elb = client("elbv2")
    out = {}
    for c in rds.describe_db_clusters()["DBClusters"]:
        out[c["DBClusterIdentifier"]] = c["DeletionProtection"]
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        attrs = elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
        out[lb["LoadBalancerName"]] = any(
            a["Key"] == "deletion_protection.enabled" and a["Value"] == "true" for a in attrs
        )
    return out


def irsa(issuer):
    """Whether IAM trusts the cluster's issuer, and how many roles a
    service account of the cluster can assume through it."""
    iam = client("iam")
    host = issuer.replace("https://", "")
    arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    provider = next((a for a in arns if a.endswith("oidc-provider/" + host)), None)
    roles = 0
    for r in iam.list_roles()["Roles"]:
        for st in r["AssumeRolePolicyDocument"].get("Statement", []):
            cond = st.get("Condition", {}).get("StringEquals", {})
            if (
                provider
                and st.get("Principal", {}).get("Federated") == provider
                and st.get("Action") == "sts:AssumeRoleWithWebIdentity"
                and cond.get(host + ":sub", "").startswith("system:serviceaccount:")
                and cond.get(host + ":aud") == "sts.amazonaws.com"
            ):
                roles += 1
    return {"oidc_provider": provider is not None, "irsa_roles": roles}


def eks():
    """The AWS side of the EKS examples, per region."""
    out = {}
    for region in ("us-east-1", "us-west-2"):
        global REGION
        REGION = region
        e = client("eks")
        clusters = {}
        for name in e.list_clusters()["clusters"]:
            c = e.describe_cluster(name=name)["cluster"]
            logging = [t for s in c["logging"]["clusterLogging"] if s.get("enabled") for t in s["types"]]
            clusters[name] = {
                "private_endpoint": c["resourcesVpcConfig"]["endpointPrivateAccess"],
                "public_endpoint": c["resourcesVpcConfig"]["endpointPublicAccess"],
                "secrets_encrypted": bool(c.get("encryptionConfig")),
                "log_types": len(logging),
                "node_groups": len(e.list_nodegroups(clusterName=name)["nodegroups"]),
                **irsa(c["identity"]["oidc"]["issuer"]),
            }
        ec2 = client("ec2")
        tgws = [t for t in ec2.describe_transit_gateways()["TransitGateways"] if t["State"] != "deleted"]
        attachments = [
            a for a in ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
            if a["State"] != "deleted"
        ]
        out[region] = {"clusters": clusters, "transit_gateways": len(tgws), "tgw_attachments": len(attachments)}
    return out


def role_tags():
    """Per IAM role, the keys of its tags."""
    iam = client("iam")
    return {
        r["RoleName"]: sorted(t["Key"] for t in iam.list_role_tags(RoleName=r["RoleName"])["Tags"])
        for r in iam.list_roles()["Roles"]
    }


def delete_trail():
    """Deletes the environment's CloudTrail trail out of band; returns its name."""
    ct = client("cloudtrail")
    address = sys.argv[3] + ".security.aws_cloudtrail.main"
    for t in ct.describe_trails()["trailList"]:
        tags = ct.list_tags(ResourceIdList=[t["TrailARN"]])["ResourceTagList"]
        if tags and tag(tags[0].get("TagsList")) == address:
            ct.delete_trail(Name=t["Name"])
            return t["Name"]
    return None


def tagged():
    """ARNs the tagging API still lists for the environment."""
    rg = client("resourcegroupstaggingapi")
    found = rg.get_resources(
        TagFilters=[
            {"Key": "strata:app", "Values": [sys.argv[3]]},
            {"Key": "strata:env", "Values": [sys.argv[4]]},
        ]
    )["ResourceTagMappingList"]
    return sorted(m["ResourceARN"] for m in found)


print(json.dumps({"inventory": inventory, "properties": properties, "tamper": tamper, "widen": widen, "rule": rule, "open_logs": open_logs, "preset": preset, "org_recorder": org_recorder, "start_org_recorder": start_org_recorder, "narrow_org_recorder": narrow_org_recorder, "tagged": tagged, "delete_trail": delete_trail, "role_tags": role_tags, "protection": protection, "eks": eks}[command](), indent=1, sort_keys=True))

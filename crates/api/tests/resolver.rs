//! Route 53 Resolver over json-1.1, in process: endpoints with assigned addresses, rules,
//! associations, configs and tags, with Resolver's error codes, statuses and JSON shapes.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::{signed_json, Api, Reply};
use serde_json::{json, Value};

impl Api {
    async fn resolver(&self, operation: &str, body: Value) -> Reply {
        self.send(signed_json(
            &format!("Route53Resolver.{operation}"),
            "route53resolver",
            "us-east-1",
            &body.to_string(),
        ))
        .await
    }
}

fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/x-amz-json-1.1"
    );
    serde_json::from_str(&reply.body).unwrap()
}

fn error(reply: &Reply, code: &str) -> String {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], code, "{}", reply.body);
    body["Message"].as_str().unwrap().to_string()
}

/// A VPC 10.9.0.0/16 with subnets 10.9.1.0/24 and 10.9.2.0/24, and a security group.
async fn network(api: &Api) -> (String, String, String, String) {
    let vpc = api.create_vpc("10.9.0.0/16").await;
    let mut subnets = Vec::new();
    for block in ["10.9.1.0/24", "10.9.2.0/24"] {
        let reply = api
            .ec2("CreateSubnet", &[("VpcId", &vpc), ("CidrBlock", block)])
            .await;
        subnets.push(reply.text("subnet/subnetId").unwrap());
    }
    let reply = api
        .ec2(
            "CreateSecurityGroup",
            &[
                ("VpcId", &vpc),
                ("GroupName", "dns"),
                ("GroupDescription", "dns"),
            ],
        )
        .await;
    let sg = reply.text("groupId").unwrap();
    (vpc, subnets.remove(0), subnets.remove(0), sg)
}

async fn create_endpoint(
    api: &Api,
    direction: &str,
    request: &str,
    s1: &str,
    s2: &str,
    sg: &str,
) -> Value {
    let reply = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": request, "Direction": direction, "SecurityGroupIds": [sg],
                   "IpAddresses": [{"SubnetId": s1}, {"SubnetId": s2, "Ip": "10.9.2.77"}], "Name": "ep-1",
                   "Tags": [{"Key": "team", "Value": "dns"}]}),
        )
        .await;
    ok(&reply)["ResolverEndpoint"].clone()
}

#[tokio::test]
async fn endpoints_are_created_with_addresses_from_their_subnets() {
    let api = Api::new().await;
    let (vpc, s1, s2, sg) = network(&api).await;
    let created = create_endpoint(&api, "INBOUND", "req-1", &s1, &s2, &sg).await;
    assert_eq!(created["Status"], "CREATING");
    assert_eq!(created["HostVPCId"], vpc.as_str());
    assert_eq!(created["IpAddressCount"], 2);
    assert_eq!(created["ResolverEndpointType"], "IPV4");
    assert_eq!(created["Protocols"], json!(["Do53"]));
    let id = created["Id"].as_str().unwrap().to_string();
    assert!(id.starts_with("rslvr-in-"), "{id}");
    assert_eq!(
        created["Arn"],
        format!("arn:aws:route53resolver:us-east-1:111111111111:resolver-endpoint/{id}")
    );
    assert!(created["CreationTime"].as_str().unwrap().ends_with('Z'));

    let got = ok(&api
        .resolver("GetResolverEndpoint", json!({"ResolverEndpointId": id}))
        .await);
    assert_eq!(got["ResolverEndpoint"]["Status"], "OPERATIONAL");

    let ips = ok(&api
        .resolver(
            "ListResolverEndpointIpAddresses",
            json!({"ResolverEndpointId": id}),
        )
        .await);
    let ips = ips["IpAddresses"].as_array().unwrap();
    assert_eq!(
        ips[0]["Ip"], "10.9.1.4",
        "the first address after the four AWS reserves"
    );
    assert_eq!(ips[1]["Ip"], "10.9.2.77");
    assert!(ips.iter().all(|ip| ip["Status"] == "ATTACHED"));

    // The same CreatorRequestId again.
    let again = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": "req-1", "Direction": "INBOUND", "SecurityGroupIds": [sg],
                   "IpAddresses": [{"SubnetId": s1}, {"SubnetId": s2}]}),
        )
        .await;
    error(&again, "ResourceExistsException");

    // Filters and pages.
    let listed = ok(&api
        .resolver(
            "ListResolverEndpoints",
            json!({"Filters": [{"Name": "Direction", "Values": ["OUTBOUND"]}]}),
        )
        .await);
    assert_eq!(listed["ResolverEndpoints"], json!([]));
    let listed = ok(&api
        .resolver(
            "ListResolverEndpoints",
            json!({"Filters": [{"Name": "HOST_VPC_ID", "Values": [vpc]}], "MaxResults": 1}),
        )
        .await);
    assert_eq!(listed["ResolverEndpoints"][0]["Id"], id.as_str());
    assert!(listed.get("NextToken").is_none());

    // Update, add an address, tags.
    let updated = ok(&api
        .resolver(
            "UpdateResolverEndpoint",
            json!({"ResolverEndpointId": id, "Name": "renamed"}),
        )
        .await);
    assert_eq!(updated["ResolverEndpoint"]["Name"], "renamed");
    let grown = ok(&api
        .resolver(
            "AssociateResolverEndpointIpAddress",
            json!({"ResolverEndpointId": id, "IpAddress": {"SubnetId": s1}}),
        )
        .await);
    assert_eq!(grown["ResolverEndpoint"]["IpAddressCount"], 3);
    let arn = created["Arn"].as_str().unwrap();
    let tags = ok(&api
        .resolver("ListTagsForResource", json!({"ResourceArn": arn}))
        .await);
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "dns"}]));

    let deleted = ok(&api
        .resolver("DeleteResolverEndpoint", json!({"ResolverEndpointId": id}))
        .await);
    assert_eq!(deleted["ResolverEndpoint"]["Status"], "DELETING");
    let gone = api
        .resolver("GetResolverEndpoint", json!({"ResolverEndpointId": id}))
        .await;
    error(&gone, "ResourceNotFoundException");
}

#[tokio::test]
async fn endpoint_requests_are_checked() {
    let api = Api::new().await;
    let (_vpc, s1, s2, sg) = network(&api).await;
    let bad_group = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": "r", "Direction": "INBOUND", "SecurityGroupIds": ["test-invalid-sg-123"],
                   "IpAddresses": [{"SubnetId": s1}, {"SubnetId": s2}]}),
        )
        .await;
    assert_eq!(
        error(&bad_group, "InvalidParameterException"),
        "[RSLVR-00408] Malformed security group ID: \"Invalid id: \"test-invalid-sg-123\" (expecting \"sg-...\")\"."
    );
    let outside = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": "r", "Direction": "INBOUND", "SecurityGroupIds": [sg],
                   "IpAddresses": [{"SubnetId": s1, "Ip": "10.9.2.9"}, {"SubnetId": s2}]}),
        )
        .await;
    assert!(
        error(&outside, "InvalidRequestException").contains("not in the CIDR block 10.9.1.0/24")
    );
    let reserved = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": "r", "Direction": "INBOUND", "SecurityGroupIds": [sg],
                   "IpAddresses": [{"SubnetId": s1, "Ip": "10.9.1.255"}, {"SubnetId": s2}]}),
        )
        .await;
    error(&reserved, "InvalidRequestException");
    let missing = api
        .resolver(
            "GetResolverEndpoint",
            json!({"ResolverEndpointId": "rslvr-in-0000"}),
        )
        .await;
    error(&missing, "ResourceNotFoundException");
    let no_field = api.resolver("GetResolverEndpoint", json!({})).await;
    error(&no_field, "ValidationException");
    let listed = ok(&api.resolver("ListResolverEndpoints", json!({})).await);
    assert_eq!(
        listed["ResolverEndpoints"],
        json!([]),
        "refused creates left nothing"
    );
}

#[tokio::test]
async fn rules_and_associations() {
    let api = Api::new().await;
    let (vpc, s1, s2, sg) = network(&api).await;
    let outbound = create_endpoint(&api, "OUTBOUND", "out", &s1, &s2, &sg).await;
    let out_id = outbound["Id"].as_str().unwrap();
    let rule = ok(&api
        .resolver(
            "CreateResolverRule",
            json!({"CreatorRequestId": "rule-1", "RuleType": "FORWARD", "DomainName": "Corp.Example",
                   "ResolverEndpointId": out_id, "TargetIps": [{"Ip": "192.0.2.10"}]}),
        )
        .await)["ResolverRule"]
        .clone();
    assert_eq!(rule["DomainName"], "corp.example.");
    assert_eq!(rule["Status"], "COMPLETE");
    assert_eq!(
        rule["TargetIps"],
        json!([{"Ip": "192.0.2.10", "Port": 53, "Protocol": "Do53"}])
    );
    assert_eq!(rule["OwnerId"], "111111111111");
    assert_eq!(rule["ShareStatus"], "NOT_SHARED");
    let rule_id = rule["Id"].as_str().unwrap();

    let rules = ok(&api.resolver("ListResolverRules", json!({})).await);
    let internet = &rules["ResolverRules"][0];
    assert_eq!(internet["Id"], "rslvr-autodefined-rr-internet-resolver");
    assert_eq!(internet["OwnerId"], "Route 53 Resolver");
    assert_eq!(internet["RuleType"], "RECURSIVE");
    assert_eq!(internet["DomainName"], ".");
    assert_eq!(rules["ResolverRules"][1]["Id"], rule_id);

    let assoc = ok(&api
        .resolver(
            "AssociateResolverRule",
            json!({"ResolverRuleId": rule_id, "VPCId": vpc, "Name": "corp"}),
        )
        .await);
    assert_eq!(assoc["ResolverRuleAssociation"]["Status"], "CREATING");
    let assoc_id = assoc["ResolverRuleAssociation"]["Id"].as_str().unwrap();
    let got = ok(&api
        .resolver(
            "GetResolverRuleAssociation",
            json!({"ResolverRuleAssociationId": assoc_id}),
        )
        .await);
    assert_eq!(got["ResolverRuleAssociation"]["Status"], "COMPLETE");
    let listed = ok(&api
        .resolver(
            "ListResolverRuleAssociations",
            json!({"Filters": [{"Name": "VPCId", "Values": [vpc]}]}),
        )
        .await);
    assert_eq!(
        listed["ResolverRuleAssociations"].as_array().unwrap().len(),
        2,
        "the autodefined one and ours"
    );

    let in_use = api
        .resolver("DeleteResolverRule", json!({"ResolverRuleId": rule_id}))
        .await;
    error(&in_use, "ResourceInUseException");
    let endpoint_in_use = api
        .resolver(
            "DeleteResolverEndpoint",
            json!({"ResolverEndpointId": out_id}),
        )
        .await;
    error(&endpoint_in_use, "ResourceInUseException");
    let twice = api
        .resolver(
            "AssociateResolverRule",
            json!({"ResolverRuleId": rule_id, "VPCId": vpc}),
        )
        .await;
    error(&twice, "ResourceExistsException");
    let no_vpc = api
        .resolver(
            "AssociateResolverRule",
            json!({"ResolverRuleId": rule_id, "VPCId": "vpc-00000000000000000"}),
        )
        .await;
    error(&no_vpc, "ResourceNotFoundException");

    // UpdateResolverRule keeps what it is not given.
    let updated = ok(&api
        .resolver(
            "UpdateResolverRule",
            json!({"ResolverRuleId": rule_id, "Config": {"Name": "corp-rule"}}),
        )
        .await);
    assert_eq!(updated["ResolverRule"]["Name"], "corp-rule");
    assert_eq!(updated["ResolverRule"]["TargetIps"], rule["TargetIps"]);

    let gone = ok(&api
        .resolver(
            "DisassociateResolverRule",
            json!({"ResolverRuleId": rule_id, "VPCId": vpc}),
        )
        .await);
    assert_eq!(gone["ResolverRuleAssociation"]["Status"], "DELETING");
    let deleted = ok(&api
        .resolver("DeleteResolverRule", json!({"ResolverRuleId": rule_id}))
        .await);
    assert_eq!(deleted["ResolverRule"]["Status"], "DELETING");
    let missing = api
        .resolver("DeleteResolverRule", json!({"ResolverRuleId": "id-123"}))
        .await;
    assert_eq!(
        error(&missing, "ResourceNotFoundException"),
        "[RSLVR-00703] Resolver rule with ID \"id-123\" does not exist."
    );
}

#[tokio::test]
async fn loops_to_the_vpcs_own_inbound_endpoint_are_refused() {
    let api = Api::new().await;
    let (vpc, s1, s2, sg) = network(&api).await;
    let inbound = create_endpoint(&api, "INBOUND", "in", &s1, &s2, &sg).await;
    let outbound = create_endpoint_at(&api, "OUTBOUND", "out", &s1, &sg).await;
    let wrong = api
        .resolver(
            "CreateResolverRule",
            json!({"CreatorRequestId": "x", "RuleType": "FORWARD", "DomainName": "a.example",
                   "ResolverEndpointId": inbound["Id"], "TargetIps": [{"Ip": "192.0.2.1"}]}),
        )
        .await;
    assert_eq!(
        error(&wrong, "InvalidRequestException"),
        "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints."
    );
    let rule = ok(&api
        .resolver(
            "CreateResolverRule",
            json!({"CreatorRequestId": "loop", "RuleType": "FORWARD", "DomainName": "loop.example",
                   "ResolverEndpointId": outbound["Id"], "TargetIps": [{"Ip": "10.9.2.77", "Port": 53}]}),
        )
        .await);
    let looping = api
        .resolver(
            "AssociateResolverRule",
            json!({"ResolverRuleId": rule["ResolverRule"]["Id"], "VPCId": vpc}),
        )
        .await;
    assert!(error(&looping, "InvalidRequestException").starts_with("[RSLVR-00804]"));
}

async fn create_endpoint_at(
    api: &Api,
    direction: &str,
    request: &str,
    subnet: &str,
    sg: &str,
) -> Value {
    let reply = api
        .resolver(
            "CreateResolverEndpoint",
            json!({"CreatorRequestId": request, "Direction": direction, "SecurityGroupIds": [sg],
                   "IpAddresses": [{"SubnetId": subnet}, {"SubnetId": subnet}]}),
        )
        .await;
    ok(&reply)["ResolverEndpoint"].clone()
}

#[tokio::test]
async fn resolver_configs_follow_updates() {
    let api = Api::new().await;
    let (vpc, ..) = network(&api).await;
    let got = ok(&api
        .resolver("GetResolverConfig", json!({"ResourceId": vpc}))
        .await);
    assert_eq!(got["ResolverConfig"]["AutodefinedReverse"], "ENABLED");
    let updated = ok(&api
        .resolver(
            "UpdateResolverConfig",
            json!({"ResourceId": vpc, "AutodefinedReverseFlag": "DISABLE"}),
        )
        .await);
    assert_eq!(updated["ResolverConfig"]["AutodefinedReverse"], "DISABLING");
    let listed = ok(&api.resolver("ListResolverConfigs", json!({})).await);
    assert_eq!(
        listed["ResolverConfigs"][0]["AutodefinedReverse"],
        "DISABLED"
    );
    assert_eq!(listed["ResolverConfigs"][0]["ResourceId"], vpc.as_str());
    let missing = api
        .resolver(
            "GetResolverConfig",
            json!({"ResourceId": "vpc-00000000000000000"}),
        )
        .await;
    error(&missing, "ResourceNotFoundException");
}

#[tokio::test]
async fn dnssec_configs_follow_updates() {
    let api = Api::new().await;
    let (vpc, ..) = network(&api).await;
    let got = ok(&api
        .resolver("GetResolverDnssecConfig", json!({"ResourceId": vpc}))
        .await);
    let config = &got["ResolverDNSSECConfig"];
    assert_eq!(config["ValidationStatus"], "DISABLED");
    assert_eq!(config["ResourceId"], vpc.as_str());
    assert_eq!(
        config["Id"],
        format!("rdsc-{}", vpc.strip_prefix("vpc-").unwrap()).as_str()
    );
    let updated = ok(&api
        .resolver(
            "UpdateResolverDnssecConfig",
            json!({"ResourceId": vpc, "Validation": "ENABLE"}),
        )
        .await);
    assert_eq!(
        updated["ResolverDNSSECConfig"]["ValidationStatus"],
        "ENABLING"
    );
    let listed = ok(&api.resolver("ListResolverDnssecConfigs", json!({})).await);
    assert_eq!(
        listed["ResolverDnssecConfigs"][0]["ValidationStatus"],
        "ENABLED"
    );
    let local = api
        .resolver(
            "UpdateResolverDnssecConfig",
            json!({"ResourceId": vpc, "Validation": "USE_LOCAL_RESOURCE_SETTING"}),
        )
        .await;
    error(&local, "InvalidParameterException");
    let bad = api
        .resolver(
            "UpdateResolverDnssecConfig",
            json!({"ResourceId": vpc, "Validation": "enable"}),
        )
        .await;
    error(&bad, "InvalidParameterException");
    let missing = api
        .resolver(
            "UpdateResolverDnssecConfig",
            json!({"ResourceId": "vpc-00000000000000000", "Validation": "ENABLE"}),
        )
        .await;
    error(&missing, "ResourceNotFoundException");
}

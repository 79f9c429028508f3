//! The EC2 subset over the query protocol (POST /, form bodies), against a real SQLite store:
//! response shapes botocore parses, EC2's defaults, and EC2-shaped errors.

mod common;

use axum::http::StatusCode;
use common::{find, signed_form, Api};

#[tokio::test]
async fn create_vpc_answers_in_ec2_xml_with_defaults() {
    let api = Api::new().await;
    let reply = api
        .ec2(
            "CreateVpc",
            &[
                ("CidrBlock", "10.0.0.0/16"),
                ("TagSpecification.1.ResourceType", "vpc"),
                ("TagSpecification.1.Tag.1.Key", "Name"),
                ("TagSpecification.1.Tag.1.Value", "corp"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(
        reply
            .body
            .contains(r#"<CreateVpcResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">"#),
        "{}",
        reply.body
    );
    let root = reply.xml();
    assert_eq!(root.name, "CreateVpcResponse");
    assert_eq!(
        find(&root, "requestId").map(|e| e.text.clone()),
        reply
            .headers
            .get("x-amz-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    );
    let id = reply.text("vpc/vpcId").expect("vpcId");
    assert!(id.starts_with("vpc-") && id.len() == 21, "{id}");
    assert_eq!(reply.text("vpc/cidrBlock").as_deref(), Some("10.0.0.0/16"));
    assert_eq!(reply.text("vpc/ownerId").as_deref(), Some("111111111111"));
    assert_eq!(reply.text("vpc/state").as_deref(), Some("available"));
    assert_eq!(reply.text("vpc/isDefault").as_deref(), Some("false"));
    assert_eq!(
        reply
            .text("vpc/cidrBlockAssociationSet/item/cidrBlockState/state")
            .as_deref(),
        Some("associated")
    );
    assert_eq!(reply.text("vpc/tagSet/item/key").as_deref(), Some("Name"));
    assert_eq!(reply.text("vpc/tagSet/item/value").as_deref(), Some("corp"));

    // EC2's DNS defaults for a VPC a client creates: support on, hostnames off.
    let support = api
        .ec2(
            "DescribeVpcAttribute",
            &[("VpcId", &id), ("Attribute", "enableDnsSupport")],
        )
        .await;
    assert_eq!(
        support.text("enableDnsSupport/value").as_deref(),
        Some("true"),
        "{}",
        support.body
    );
    assert_eq!(support.text("vpcId").as_deref(), Some(id.as_str()));
    let hostnames = api
        .ec2(
            "DescribeVpcAttribute",
            &[("VpcId", &id), ("Attribute", "enableDnsHostnames")],
        )
        .await;
    assert_eq!(
        hostnames.text("enableDnsHostnames/value").as_deref(),
        Some("false")
    );
    let modified = api
        .ec2(
            "ModifyVpcAttribute",
            &[("VpcId", &id), ("EnableDnsHostnames.Value", "true")],
        )
        .await;
    assert_eq!(
        modified.text("return").as_deref(),
        Some("true"),
        "{}",
        modified.body
    );
    let hostnames = api
        .ec2(
            "DescribeVpcAttribute",
            &[("VpcId", &id), ("Attribute", "enableDnsHostnames")],
        )
        .await;
    assert_eq!(
        hostnames.text("enableDnsHostnames/value").as_deref(),
        Some("true")
    );

    // The default security group came with it.
    let groups = api
        .ec2(
            "DescribeSecurityGroups",
            &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &id)],
        )
        .await;
    assert_eq!(
        groups.texts("securityGroupInfo/item").len(),
        1,
        "{}",
        groups.body
    );
    assert_eq!(
        groups.text("securityGroupInfo/item/groupName").as_deref(),
        Some("default")
    );
    assert_eq!(
        groups
            .text("securityGroupInfo/item/ipPermissionsEgress/item/ipRanges/item/cidrIp")
            .as_deref(),
        Some("0.0.0.0/0")
    );
}

#[tokio::test]
async fn vpc_blocks_outside_16_to_28_are_refused() {
    let api = Api::new().await;
    api.ec2("CreateVpc", &[("CidrBlock", "10.0.0.0/8")])
        .await
        .assert_ec2_error("InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid.");
    api.ec2("CreateVpc", &[("CidrBlock", "10.0.0.0/29")])
        .await
        .assert_ec2_error("InvalidVpc.Range", "The CIDR '10.0.0.0/29' is invalid.");
    api.ec2("CreateVpc", &[("CidrBlock", "10.0.0.300/16")]).await.assert_ec2_error(
        "InvalidParameterValue",
        "Value (10.0.0.300/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
    );
    let none = api.ec2("DescribeVpcs", &[]).await;
    assert!(none.texts("vpcSet/item").is_empty(), "{}", none.body);
    // Filter names are checked even when nothing is there to filter.
    api.ec2(
        "DescribeSubnets",
        &[("Filter.1.Name", "flavour"), ("Filter.1.Value.1", "x")],
    )
    .await
    .assert_ec2_error("InvalidParameterValue", "The filter 'flavour' is invalid");
}

#[tokio::test]
async fn describe_vpcs_by_id_and_filters() {
    let api = Api::new().await;
    let a = api.create_vpc("10.1.0.0/16").await;
    let b = api
        .ec2(
            "CreateVpc",
            &[
                ("CidrBlock", "10.2.0.0/24"),
                ("AmazonProvidedIpv6CidrBlock", "true"),
                ("TagSpecification.1.ResourceType", "vpc"),
                ("TagSpecification.1.Tag.1.Key", "env"),
                ("TagSpecification.1.Tag.1.Value", "prod"),
            ],
        )
        .await;
    let ipv6 = b
        .text("vpc/ipv6CidrBlockAssociationSet/item/ipv6CidrBlock")
        .expect("ipv6 block");
    assert!(ipv6.starts_with("fd") && ipv6.ends_with("/56"), "{ipv6}");
    let b = b.text("vpc/vpcId").expect("id");

    let all = api.ec2("DescribeVpcs", &[]).await;
    assert_eq!(all.texts("vpcSet/item").len(), 2);
    let one = api.ec2("DescribeVpcs", &[("VpcId.1", &a)]).await;
    assert_eq!(one.text("vpcSet/item/vpcId").as_deref(), Some(a.as_str()));
    assert_eq!(one.texts("vpcSet/item").len(), 1);
    let by_cidr = api
        .ec2(
            "DescribeVpcs",
            &[
                ("Filter.1.Name", "cidr"),
                ("Filter.1.Value.1", "10.2.0.0/24"),
            ],
        )
        .await;
    assert_eq!(
        by_cidr.text("vpcSet/item/vpcId").as_deref(),
        Some(b.as_str()),
        "{}",
        by_cidr.body
    );
    let by_tag = api
        .ec2(
            "DescribeVpcs",
            &[("Filter.1.Name", "tag:env"), ("Filter.1.Value.1", "pr*")],
        )
        .await;
    assert_eq!(by_tag.texts("vpcSet/item").len(), 1);
    assert_eq!(
        by_tag.text("vpcSet/item/vpcId").as_deref(),
        Some(b.as_str())
    );
    let no_tag = api
        .ec2(
            "DescribeVpcs",
            &[("Filter.1.Name", "tag:env"), ("Filter.1.Value.1", "dev")],
        )
        .await;
    assert!(no_tag.texts("vpcSet/item").is_empty());

    api.ec2("DescribeVpcs", &[("VpcId.1", "vpc-0123456789abcdef0")])
        .await
        .assert_ec2_error(
            "InvalidVpcID.NotFound",
            "The vpc ID 'vpc-0123456789abcdef0' does not exist",
        );
    api.ec2(
        "DescribeVpcs",
        &[("Filter.1.Name", "flavour"), ("Filter.1.Value.1", "x")],
    )
    .await
    .assert_ec2_error("InvalidParameterValue", "The filter 'flavour' is invalid");
    api.ec2("DescribeVpcs", &[("VpcId.1", "bogus")])
        .await
        .assert_ec2_error(
            "InvalidVpcID.Malformed",
            "Invalid id: \"bogus\" (expecting \"vpc-...\")",
        );
}

#[tokio::test]
async fn the_region_comes_from_the_signing_scope() {
    let api = Api::new().await;
    let reply = api
        .ec2_in("eu-west-1", "CreateVpc", &[("CidrBlock", "10.0.0.0/16")])
        .await;
    let vpc = reply.text("vpc/vpcId").expect("id");
    let subnet = api
        .ec2_in(
            "eu-west-1",
            "CreateSubnet",
            &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/24")],
        )
        .await;
    assert_eq!(
        subnet.text("subnet/availabilityZone").as_deref(),
        Some("eu-west-1a"),
        "{}",
        subnet.body
    );
    let arn = subnet.text("subnet/subnetArn").expect("arn");
    assert!(
        arn.starts_with("arn:aws:ec2:eu-west-1:111111111111:subnet/subnet-"),
        "{arn}"
    );
}

#[tokio::test]
async fn subnets_lie_inside_their_vpc_without_overlap() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.0.0.0/16").await;
    let created = api
        .ec2(
            "CreateSubnet",
            &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/24")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let subnet = created.text("subnet/subnetId").expect("id");
    assert!(subnet.starts_with("subnet-"));
    assert_eq!(
        created.text("subnet/availabilityZone").as_deref(),
        Some("us-east-1a")
    );
    assert_eq!(
        created.text("subnet/availableIpAddressCount").as_deref(),
        Some("251")
    );
    assert_eq!(created.text("subnet/vpcId").as_deref(), Some(vpc.as_str()));
    assert_eq!(created.text("subnet/enableDns64").as_deref(), Some("false"));

    api.ec2(
        "CreateSubnet",
        &[("VpcId", &vpc), ("CidrBlock", "10.1.0.0/24")],
    )
    .await
    .assert_ec2_error("InvalidSubnet.Range", "The CIDR '10.1.0.0/24' is invalid.");
    api.ec2(
        "CreateSubnet",
        &[("VpcId", &vpc), ("CidrBlock", "10.0.1.0/25")],
    )
    .await
    .assert_ec2_error(
        "InvalidSubnet.Conflict",
        "The CIDR '10.0.1.0/25' conflicts with another subnet",
    );
    api.ec2(
        "CreateSubnet",
        &[
            ("VpcId", "vpc-0000000000000000f"),
            ("CidrBlock", "10.0.2.0/24"),
        ],
    )
    .await
    .assert_ec2_error(
        "InvalidVpcID.NotFound",
        "The vpc ID 'vpc-0000000000000000f' does not exist",
    );
    let other_az = api
        .ec2(
            "CreateSubnet",
            &[
                ("VpcId", &vpc),
                ("CidrBlock", "10.0.2.0/24"),
                ("AvailabilityZone", "us-east-1b"),
            ],
        )
        .await;
    assert_eq!(
        other_az.text("subnet/availabilityZone").as_deref(),
        Some("us-east-1b"),
        "{}",
        other_az.body
    );
    let second = other_az.text("subnet/subnetId").expect("id");

    let dns64 = api
        .ec2(
            "ModifySubnetAttribute",
            &[("SubnetId", &subnet), ("EnableDns64.Value", "true")],
        )
        .await;
    assert_eq!(
        dns64.text("return").as_deref(),
        Some("true"),
        "{}",
        dns64.body
    );
    let listed = api
        .ec2(
            "DescribeSubnets",
            &[("Filter.1.Name", "vpc-id"), ("Filter.1.Value.1", &vpc)],
        )
        .await;
    assert_eq!(listed.texts("subnetSet/item").len(), 2, "{}", listed.body);
    let one = api.ec2("DescribeSubnets", &[("SubnetId.1", &subnet)]).await;
    assert_eq!(
        one.text("subnetSet/item/enableDns64").as_deref(),
        Some("true")
    );

    // A VPC with subnets cannot go; without them it can.
    api.ec2("DeleteVpc", &[("VpcId", &vpc)])
        .await
        .assert_ec2_error(
            "DependencyViolation",
            &format!("The vpc '{vpc}' has dependencies and cannot be deleted."),
        );
    for id in [&subnet, &second] {
        let deleted = api.ec2("DeleteSubnet", &[("SubnetId", id)]).await;
        assert_eq!(
            deleted.text("return").as_deref(),
            Some("true"),
            "{}",
            deleted.body
        );
    }
    api.ec2("DeleteSubnet", &[("SubnetId", &subnet)])
        .await
        .assert_ec2_error(
            "InvalidSubnetID.NotFound",
            &format!("The subnet ID '{subnet}' does not exist"),
        );
    let deleted = api.ec2("DeleteVpc", &[("VpcId", &vpc)]).await;
    assert_eq!(
        deleted.text("return").as_deref(),
        Some("true"),
        "{}",
        deleted.body
    );
    api.ec2("DescribeVpcs", &[("VpcId.1", &vpc)])
        .await
        .assert_ec2_error(
            "InvalidVpcID.NotFound",
            &format!("The vpc ID '{vpc}' does not exist"),
        );
}

#[tokio::test]
async fn security_groups_and_ingress() {
    let api = Api::new().await;
    let vpc = api.create_vpc("10.0.0.0/16").await;
    let created = api
        .ec2(
            "CreateSecurityGroup",
            &[
                ("GroupName", "dns"),
                ("GroupDescription", "DNS in"),
                ("VpcId", &vpc),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let group = created.text("groupId").expect("groupId");
    assert!(group.starts_with("sg-"));
    api.ec2(
        "CreateSecurityGroup",
        &[
            ("GroupName", "dns"),
            ("GroupDescription", "again"),
            ("VpcId", &vpc),
        ],
    )
    .await
    .assert_ec2_error(
        "InvalidGroup.Duplicate",
        &format!("The security group 'dns' already exists for VPC '{vpc}'"),
    );

    let params = [
        ("GroupId", group.as_str()),
        ("IpPermissions.1.IpProtocol", "udp"),
        ("IpPermissions.1.FromPort", "53"),
        ("IpPermissions.1.ToPort", "53"),
        ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"),
        ("IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "fd00::/8"),
        ("IpPermissions.2.IpProtocol", "tcp"),
        ("IpPermissions.2.FromPort", "53"),
        ("IpPermissions.2.ToPort", "53"),
        ("IpPermissions.2.IpRanges.1.CidrIp", "192.168.0.0/16"),
    ];
    let authorized = api.ec2("AuthorizeSecurityGroupIngress", &params).await;
    assert_eq!(
        authorized.text("return").as_deref(),
        Some("true"),
        "{}",
        authorized.body
    );
    api.ec2("AuthorizeSecurityGroupIngress", &params[..6]).await.assert_ec2_error(
        "InvalidPermission.Duplicate",
        "the specified rule \"peer: 10.0.0.0/8, UDP, from port: 53, to port: 53, ALLOW\" already exists",
    );

    let described = api
        .ec2("DescribeSecurityGroups", &[("GroupId.1", &group)])
        .await;
    let root = described.xml();
    let item = find(&root, "securityGroupInfo/item").expect("item");
    assert_eq!(item.child_text("groupName"), Some("dns"));
    assert_eq!(item.child_text("groupDescription"), Some("DNS in"));
    assert_eq!(item.child_text("vpcId"), Some(vpc.as_str()));
    let perms: Vec<_> = item
        .child("ipPermissions")
        .expect("perms")
        .children_named("item")
        .collect();
    assert_eq!(perms.len(), 2, "{}", described.body);
    assert_eq!(perms[0].child_text("ipProtocol"), Some("udp"));
    assert_eq!(perms[0].child_text("fromPort"), Some("53"));
    assert_eq!(
        find(perms[0], "ipRanges/item/cidrIp").map(|e| e.text.as_str()),
        Some("10.0.0.0/8")
    );
    assert_eq!(
        find(perms[0], "ipv6Ranges/item/cidrIpv6").map(|e| e.text.as_str()),
        Some("fd00::/8")
    );
    assert_eq!(
        find(perms[1], "ipRanges/item/cidrIp").map(|e| e.text.as_str()),
        Some("192.168.0.0/16")
    );

    api.ec2(
        "AuthorizeSecurityGroupIngress",
        &[
            ("GroupId", &group),
            ("IpPermissions.1.IpProtocol", "bogus"),
            ("IpPermissions.1.IpRanges.1.CidrIp", "10.0.0.0/8"),
        ],
    )
    .await
    .assert_ec2_error(
        "InvalidParameterValue",
        "Invalid value 'bogus' for IP protocol. Unknown protocol.",
    );

    // The VPC waits for its non-default groups; the default group cannot be deleted alone.
    api.ec2("DeleteVpc", &[("VpcId", &vpc)])
        .await
        .assert_ec2_error(
            "DependencyViolation",
            &format!("The vpc '{vpc}' has dependencies and cannot be deleted."),
        );
    let default = api
        .ec2(
            "DescribeSecurityGroups",
            &[
                ("Filter.1.Name", "group-name"),
                ("Filter.1.Value.1", "default"),
            ],
        )
        .await;
    let default = default
        .text("securityGroupInfo/item/groupId")
        .expect("default group");
    api.ec2("DeleteSecurityGroup", &[("GroupId", &default)])
        .await
        .assert_ec2_error(
            "CannotDelete",
            &format!(
                "the specified group: \"{default}\" name: \"default\" cannot be deleted by a user"
            ),
        );
    let deleted = api.ec2("DeleteSecurityGroup", &[("GroupId", &group)]).await;
    assert_eq!(
        deleted.text("return").as_deref(),
        Some("true"),
        "{}",
        deleted.body
    );
    api.ec2("DescribeSecurityGroups", &[("GroupId.1", &group)])
        .await
        .assert_ec2_error(
            "InvalidGroup.NotFound",
            &format!("The security group '{group}' does not exist"),
        );
    let gone = api.ec2("DeleteVpc", &[("VpcId", &vpc)]).await;
    assert_eq!(
        gone.text("return").as_deref(),
        Some("true"),
        "{}",
        gone.body
    );
}

#[tokio::test]
async fn unknown_actions_and_json_targets() {
    let api = Api::new().await;
    api.ec2("RunInstances", &[]).await.assert_ec2_error(
        "InvalidAction",
        "The action RunInstances is not valid for this web service.",
    );
    let dry = api
        .ec2(
            "CreateVpc",
            &[("CidrBlock", "10.0.0.0/16"), ("DryRun", "true")],
        )
        .await;
    assert_eq!(dry.status, StatusCode::PRECONDITION_FAILED, "{}", dry.body);
    assert_eq!(
        dry.text("Errors/Error/Code").as_deref(),
        Some("DryRunOperation")
    );
    assert!(
        api.ec2("DescribeVpcs", &[])
            .await
            .texts("vpcSet/item")
            .is_empty(),
        "a dry run creates nothing"
    );

    // json-1.1 requests are recognised and answered in JSON, even for an unknown target.
    let json = api
        .send(signed_form(
            "{}",
            "route53resolver",
            "us-east-1",
            &[("x-amz-target", "Route53Resolver.NoSuchOperation")],
        ))
        .await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST, "{}", json.body);
    let body: serde_json::Value = serde_json::from_str(&json.body).expect("json error");
    assert_eq!(body["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn unsigned_ec2_requests_get_ec2_errors() {
    let api = Api::new().await;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(
            "Action=DescribeVpcs&Version=2016-11-15",
        ))
        .expect("request");
    let reply = api.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.xml().name, "Response", "{}", reply.body);
    assert_eq!(
        reply.text("Errors/Error/Code").as_deref(),
        Some("MissingAuthenticationToken")
    );
}

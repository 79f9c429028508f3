//! Tests of the Resolver and Profiles rules.

use super::*;
use crate::network::{IngressRule, NetworkContents, SecurityGroup, Subnet, Vpc};
use crate::resolver::{
    EndpointAddress, IpAddressStatus, ResolverRule, RuleStatus, RuleType, ShareStatus,
    TargetAddress,
};

fn net() -> NetworkContents {
    let vpc = Vpc {
        id: "vpc-1".into(),
        region: "us-east-1".into(),
        owner_account: "111111111111".into(),
        cidr_block: "10.0.0.0/16".parse().expect("block"),
        secondary_cidr_blocks: Vec::new(),
        ipv6_cidr_block: None,
        enable_dns_support: true,
        enable_dns_hostnames: true,
        is_default: false,
        created_at_ms: 0,
    };
    let subnet = |id: &str, block: &str| Subnet {
        id: id.into(),
        vpc_id: "vpc-1".into(),
        owner_account: "111111111111".into(),
        cidr_block: block.parse().expect("block"),
        ipv6_cidr_block: None,
        availability_zone: "us-east-1a".into(),
        enable_dns64: false,
        default_for_az: false,
        created_at_ms: 0,
    };
    NetworkContents {
        vpcs: vec![vpc],
        subnets: vec![
            subnet("subnet-1", "10.0.1.0/24"),
            subnet("subnet-2", "10.0.2.0/28"),
        ],
        security_groups: vec![SecurityGroup {
            id: "sg-1".into(),
            name: "default".into(),
            description: String::new(),
            vpc_id: "vpc-1".into(),
            owner_account: "111111111111".into(),
            ingress: Vec::new(),
            egress: IngressRule::all_out(),
        }],
        ..Default::default()
    }
}

fn counter() -> impl FnMut(&str) -> String {
    let mut n = 0;
    move |prefix: &str| {
        n += 1;
        format!("{prefix}{n:017x}")
    }
}

fn endpoint_request(direction: &str, ips: Vec<IpRequest>) -> NewEndpoint {
    NewEndpoint {
        creator_request_id: "req".into(),
        name: None,
        direction: parse_direction(direction).expect("direction"),
        security_group_ids: vec!["sg-1".into()],
        ip_addresses: ips,
        endpoint_type: None,
        protocols: None,
        dns64_enabled: None,
        owner_account: "111111111111".into(),
    }
}

fn ip(subnet: &str, ip: Option<&str>) -> IpRequest {
    IpRequest {
        subnet_id: subnet.into(),
        ip: ip.map(str::to_string),
        ipv6: None,
    }
}

#[test]
fn unassigned_addresses_skip_reserved_and_used_ones() {
    let mut ids = counter();
    let req = endpoint_request(
        "INBOUND",
        vec![ip("subnet-1", Some("10.0.1.4")), ip("subnet-1", None)],
    );
    let e = create_endpoint(&net(), req, &mut ids, 1).expect("created");
    assert_eq!(e.addresses[0].ip, Some("10.0.1.4".parse().expect("ip")));
    assert_eq!(
        e.addresses[1].ip,
        Some("10.0.1.5".parse().expect("ip")),
        "skips .0-.3 and the used .4"
    );
    assert_eq!(e.host_vpc_id, "vpc-1");
    assert!(e.id.as_str().starts_with("rslvr-in-"));
    assert_eq!(e.protocols, ["Do53"]);
}

#[test]
fn reserved_and_foreign_addresses_are_refused() {
    let mut ids = counter();
    for bad in ["10.0.1.3", "10.0.1.255", "10.0.2.5"] {
        let req = endpoint_request(
            "INBOUND",
            vec![ip("subnet-1", Some(bad)), ip("subnet-1", None)],
        );
        let err = create_endpoint(&net(), req, &mut ids, 1).expect_err(bad);
        assert_eq!(
            err.kind(),
            ResolverErrorKind::InvalidRequest,
            "{bad}: {err}"
        );
    }
}

#[test]
fn a_full_subnet_is_reported() {
    let mut ids = counter();
    // 10.0.2.0/28: .4–.14 are usable, 11 addresses.
    let mut network = net();
    let mut used = Vec::new();
    for host in 4..=14 {
        used.push(EndpointAddress {
            ip_id: format!("rni-{host}"),
            subnet_id: "subnet-2".into(),
            ip: Some(format!("10.0.2.{host}").parse().expect("ip")),
            ipv6: None,
            status: IpAddressStatus::Attached,
        });
    }
    let mut taken = create_endpoint(
        &network,
        endpoint_request("OUTBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]),
        &mut ids,
        1,
    )
    .expect("created");
    taken.addresses = used;
    network.endpoints.push(taken);
    let mut req = endpoint_request("OUTBOUND", vec![ip("subnet-2", None), ip("subnet-1", None)]);
    req.creator_request_id = "other".into();
    let err = create_endpoint(&network, req, &mut ids, 1).expect_err("full");
    assert_eq!(
        err,
        ResolverError::SubnetFull {
            subnet: "subnet-2".into(),
            ipv6: false
        }
    );
}

#[test]
fn malformed_security_groups_are_named() {
    let mut ids = counter();
    let mut req = endpoint_request("INBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]);
    req.security_group_ids = vec!["test-invalid-sg-123".into()];
    let err = create_endpoint(&net(), req, &mut ids, 1).expect_err("malformed");
    // The recorded message is the API's (crates/api/tests/problem_messages.rs).
    assert_eq!(
        err,
        ResolverError::MalformedSecurityGroupId("test-invalid-sg-123".into())
    );
}

#[test]
fn rules_forward_through_outbound_endpoints_only() {
    let mut ids = counter();
    let mut network = net();
    let inbound = create_endpoint(
        &network,
        endpoint_request("INBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]),
        &mut ids,
        1,
    )
    .expect("created");
    network.endpoints.push(inbound.clone());
    let rule = NewRule {
        creator_request_id: "r".into(),
        name: None,
        rule_type: "FORWARD".into(),
        domain_name: Some("Corp.Example".into()),
        targets: Some(vec![TargetRequest {
            ip: Some("192.0.2.1".into()),
            ..Default::default()
        }]),
        resolver_endpoint_id: Some(inbound.id.clone()),
        owner_account: "111111111111".into(),
    };
    let err = create_rule(&network, rule.clone(), "rslvr-rr-1".into(), 1).expect_err("inbound");
    assert_eq!(err, ResolverError::RuleOnInboundEndpoint);
    let mut out_req =
        endpoint_request("OUTBOUND", vec![ip("subnet-1", None), ip("subnet-1", None)]);
    out_req.creator_request_id = "out".into();
    let outbound = create_endpoint(&network, out_req, &mut ids, 1).expect("created");
    network.endpoints.push(outbound.clone());
    let made = create_rule(
        &network,
        NewRule {
            resolver_endpoint_id: Some(outbound.id),
            ..rule
        },
        "rslvr-rr-1".into(),
        1,
    )
    .expect("created");
    assert_eq!(made.domain_name, "corp.example.");
    assert_eq!(made.targets[0].port, 53);
    assert_eq!(made.targets[0].protocol, "Do53");
}

#[test]
fn rules_forwarding_to_the_vpcs_own_inbound_endpoint_are_refused() {
    let mut ids = counter();
    let mut network = net();
    let inbound = create_endpoint(
        &network,
        endpoint_request(
            "INBOUND",
            vec![ip("subnet-1", Some("10.0.1.10")), ip("subnet-1", None)],
        ),
        &mut ids,
        1,
    )
    .expect("created");
    network.endpoints.push(inbound);
    network.rules.push(ResolverRule {
        id: "rslvr-rr-1".into(),
        creator_request_id: "r".into(),
        domain_name: "corp.example.".into(),
        name: None,
        rule_type: RuleType::Forward,
        targets: vec![TargetAddress {
            ip: Some("10.0.1.10".parse().expect("ip")),
            ipv6: None,
            port: 53,
            protocol: "Do53".into(),
        }],
        resolver_endpoint_id: Some("rslvr-out-x".into()),
        status: RuleStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: "111111111111".into(),
        created_at_ms: 0,
        modified_at_ms: 0,
    });
    let err = associate_rule(&network, &"rslvr-rr-1".into(), "vpc-1", None, "a".into())
        .expect_err("loop");
    assert_eq!(
        err,
        ResolverError::RuleLoop {
            rule: "rslvr-rr-1".into(),
            vpc: "vpc-1".into()
        }
    );
    let err = associate_rule(&network, &"rslvr-rr-1".into(), "vpc-2", None, "a".into())
        .expect_err("no vpc");
    assert_eq!(err, ResolverError::NoSuchVpc("vpc-2".into()));
}

#[test]
fn domains_are_normalized() {
    assert_eq!(
        normalize_domain("WWW.Example.COM").expect("ok"),
        "www.example.com."
    );
    assert_eq!(normalize_domain(".").expect("ok"), ".");
    assert!(normalize_domain("bad domain").is_err());
}

#[test]
fn resource_arns_are_parsed() {
    let zone = parse_resource_arn("arn:aws:route53:::hostedzone/Z123").expect("zone");
    assert_eq!(
        (zone.resource_type, zone.resource_id.as_str()),
        ("HOSTED_ZONE", "Z123")
    );
    let rule = parse_resource_arn(
        "arn:aws:route53resolver:us-east-1:111111111111:resolver-rule/rslvr-rr-1",
    )
    .expect("rule");
    assert_eq!(rule.resource_type, "RESOLVER_RULE");
    assert!(parse_resource_arn("arn:aws:s3:::bucket").is_err());
}

#[test]
fn the_autodefined_reverse_flag_is_read_once() {
    use crate::resolver::AutodefinedReverseFlag;
    for flag in [
        AutodefinedReverseFlag::Enable,
        AutodefinedReverseFlag::Disable,
        AutodefinedReverseFlag::UseLocalResourceSetting,
    ] {
        assert_eq!(
            parse_autodefined_reverse_flag(flag.as_str()).ok(),
            Some(flag)
        );
    }
    let err = parse_autodefined_reverse_flag("enable").expect_err("lowercase is refused");
    assert_eq!(err.kind(), ResolverErrorKind::InvalidParameter);
    assert_eq!(
        err,
        ResolverError::NotInEnumeration {
            field: Enumeration::AutodefinedReverseFlag,
            value: "enable".into()
        }
    );
    let err = update_config(
        &net(),
        "vpc-1",
        AutodefinedReverseFlag::UseLocalResourceSetting,
        "",
    )
    .expect_err("a VPC has no local setting");
    assert_eq!(err, ResolverError::LocalSettingForVpc);
    assert!(
        update_config(&net(), "vpc-1", AutodefinedReverseFlag::Disable, "")
            .is_ok_and(|c| !c.autodefined_reverse)
    );
}

#[test]
fn endpoint_requests_are_refused_by_rule() {
    use ResolverError as E;
    let refused = |req: NewEndpoint| {
        let mut ids = counter();
        create_endpoint(&net(), req, &mut ids, 1).expect_err("refused")
    };
    let two = || vec![ip("subnet-1", None), ip("subnet-1", None)];
    // The direction is parsed before create_endpoint, at the API edge.
    assert_eq!(
        parse_direction("UP").expect_err("refused"),
        E::NotInEnumeration {
            field: Enumeration::Direction,
            value: "UP".into()
        }
    );
    assert_eq!(
        parse_direction("INBOUND_DELEGATION").expect_err("refused"),
        E::DelegationEndpoint
    );
    assert_eq!(
        parse_direction("inbound").expect_err("case matters"),
        E::NotInEnumeration {
            field: Enumeration::Direction,
            value: "inbound".into()
        }
    );
    let mut req = endpoint_request("INBOUND", two());
    req.name = Some("123".into());
    assert_eq!(
        refused(req),
        E::InvalidName {
            name: "123".into(),
            kind: ResolverErrorKind::InvalidParameter
        }
    );
    let mut req = endpoint_request("INBOUND", two());
    req.security_group_ids.clear();
    assert_eq!(refused(req), E::NoSecurityGroup);
    let mut req = endpoint_request("INBOUND", two());
    req.security_group_ids = vec!["sg-9".into()];
    assert_eq!(refused(req), E::NoSuchSecurityGroup("sg-9".into()));
    assert_eq!(
        refused(endpoint_request("INBOUND", vec![ip("subnet-1", None)])),
        E::TooFewAddresses
    );
    assert_eq!(
        refused(endpoint_request("INBOUND", vec![ip("subnet-1", None); 7])),
        E::TooManyAddresses
    );
    let mut req = endpoint_request("INBOUND", two());
    req.endpoint_type = Some("V5".into());
    assert_eq!(
        refused(req),
        E::NotInEnumeration {
            field: Enumeration::EndpointType,
            value: "V5".into()
        }
    );
    let mut req = endpoint_request("OUTBOUND", two());
    req.protocols = Some(vec!["DoH-FIPS".into()]);
    assert_eq!(
        refused(req),
        E::ProtocolCombination {
            direction: crate::resolver::EndpointDirection::Outbound,
            protocols: vec!["DoH-FIPS".into()]
        }
    );
    let mut req = endpoint_request("OUTBOUND", two());
    req.dns64_enabled = Some(true);
    assert_eq!(refused(req), E::Dns64Outbound);
    assert_eq!(
        refused(endpoint_request(
            "INBOUND",
            vec![ip("subnet-9", None), ip("subnet-1", None)]
        )),
        E::NoSuchSubnet("subnet-9".into())
    );
    assert_eq!(
        refused(endpoint_request(
            "INBOUND",
            vec![ip("subnet-1", Some("10.0.1.2")), ip("subnet-1", None)]
        )),
        E::AddressReserved {
            ip: "10.0.1.2".parse().expect("ip"),
            block: "10.0.1.0/24".parse().expect("block"),
            subnet: "subnet-1".into()
        }
    );
    assert_eq!(
        refused(endpoint_request(
            "INBOUND",
            vec![ip("subnet-1", Some("10.0.1.x")), ip("subnet-1", None)]
        )),
        E::InvalidIpv4("10.0.1.x".into())
    );
}

#[test]
fn rule_requests_are_refused_by_rule() {
    use ResolverError as E;
    let rule = |rule_type: &str| NewRule {
        creator_request_id: "r".into(),
        name: None,
        rule_type: rule_type.into(),
        domain_name: Some("corp.example".into()),
        targets: None,
        resolver_endpoint_id: None,
        owner_account: "111111111111".into(),
    };
    let refused =
        |req: NewRule| create_rule(&net(), req, "rslvr-rr-1".into(), 1).expect_err("refused");
    assert_eq!(
        refused(rule("X")),
        E::NotInEnumeration {
            field: Enumeration::RuleType,
            value: "X".into()
        }
    );
    assert_eq!(refused(rule("RECURSIVE")), E::RecursiveRule);
    assert_eq!(refused(rule("DELEGATE")), E::DelegateRule);
    assert_eq!(refused(rule("FORWARD")), E::EndpointRequired);
    assert_eq!(
        refused(NewRule {
            domain_name: None,
            ..rule("SYSTEM")
        }),
        E::DomainNameRequired
    );
    assert_eq!(
        refused(NewRule {
            domain_name: Some("bad domain".into()),
            ..rule("SYSTEM")
        }),
        E::InvalidDomainName("bad domain".into())
    );
    assert_eq!(
        refused(NewRule {
            resolver_endpoint_id: Some("rslvr-out-9".into()),
            ..rule("FORWARD")
        }),
        E::NoSuchEndpoint("rslvr-out-9".into())
    );
    assert_eq!(
        delete_rule(&net(), &INTERNET_RESOLVER_ID.into()).expect_err("autodefined"),
        E::AutodefinedRule(INTERNET_RESOLVER_ID.into())
    );
    assert_eq!(
        delete_rule(&net(), &"rslvr-rr-9".into()).expect_err("missing"),
        E::NoSuchRule("rslvr-rr-9".into())
    );
}

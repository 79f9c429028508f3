//! The words each service gives the typed validation problems (issue 16: the model says
//! what is wrong, the API edge says it). The messages are those Cairn answered when the
//! rules built them as strings; the e2e suites compare many of them with AWS's too.

use axum::http::StatusCode;
use cairn_api::error::{ec2_error, AwsError};
use cairn_model::error::{DomainError, HealthCheckError, NetworkError};
use cairn_model::health::{ConfigField, ConfigProblem, HealthCheckType};
use cairn_model::network_validate::InvalidValue;
use cairn_model::resolver::EndpointDirection;
use cairn_model::resolver_validate::{Enumeration, ResolverError, ResolverErrorKind};
use cairn_store::StoreError;

/// What a handler answers when the store refuses with `err`.
fn answer(err: impl Into<DomainError>) -> AwsError {
    StoreError::Rejected(err.into()).into()
}

#[track_caller]
fn check(err: AwsError, status: StatusCode, code: &str, message: &str) {
    assert_eq!(
        (err.status, err.code.as_ref(), err.message.as_str()),
        (status, code, message)
    );
}

#[test]
fn ec2_invalid_parameter_values() {
    let cases: Vec<(InvalidValue, &str)> = vec![
        (
            InvalidValue::CidrBlock {
                value: "10.0.0.1/16".into(),
                parameter: "cidrBlock".into(),
            },
            "Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
        ),
        (
            InvalidValue::AvailabilityZone {
                zone: "eu-west-1a".into(),
                region: "us-east-1".into(),
            },
            "Value (eu-west-1a) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c.",
        ),
        (
            InvalidValue::UnknownProtocol("Bogus".into()),
            "Invalid value 'Bogus' for IP protocol. Unknown protocol.",
        ),
        (
            InvalidValue::MissingPorts("tcp".into()),
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange. (tcp)",
        ),
        (
            InvalidValue::PortRange { from: 60, to: 53 },
            "Invalid value 'Invalid TCP/UDP port range (60:53)' for portRange.",
        ),
        (
            InvalidValue::NoPermissionSource,
            "The request must contain the parameter ipPermissions.ipRanges, ipv6Ranges or groups",
        ),
    ];
    for (problem, message) in cases {
        let err = NetworkError::InvalidParameterValue(problem);
        let rejected = StoreError::Rejected(err.clone().into());
        check(
            ec2_error(rejected),
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            message,
        );
        check(
            answer(err),
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            message,
        );
    }
}

#[test]
fn route53_health_check_config_problems() {
    use ConfigProblem as P;
    let cases: Vec<(P, &str)> = vec![
        (P::RequestInterval(20), "Invalid parameter : RequestInterval must be either 10 or 30, got 20."),
        (P::FailureThreshold(11), "1 validation error detected: Value '11' at 'healthCheckConfig.failureThreshold' failed to satisfy constraint: Member must have value between 1 and 10"),
        (P::TooLong(ConfigField::ResourcePath), "1 validation error detected: Value at 'healthCheckConfig.resourcePath' failed to satisfy constraint: Member must have length less than or equal to 255"),
        (P::TooLong(ConfigField::SearchString), "1 validation error detected: Value at 'healthCheckConfig.searchString' failed to satisfy constraint: Member must have length less than or equal to 255"),
        (P::TooLong(ConfigField::FullyQualifiedDomainName), "1 validation error detected: Value at 'healthCheckConfig.fullyQualifiedDomainName' failed to satisfy constraint: Member must have length less than or equal to 255"),
        (P::TooLong(ConfigField::ChildHealthChecks), "1 validation error detected: Value at 'healthCheckConfig.childHealthChecks' failed to satisfy constraint: Member must have length less than or equal to 256"),
        (P::IpAddress("300.1.1.1".into()), "Invalid IP address: 300.1.1.1"),
        (P::TooFewRegions, "Invalid parameter : Regions must contain at least 3 regions."),
        (P::TargetOfCalculated, "Invalid parameter : IPAddress, FullyQualifiedDomainName and Port are not allowed for health checks of type CALCULATED."),
        (P::HealthThresholdRequired, "Invalid parameter : HealthThreshold is required for health checks of type CALCULATED."),
        (P::HealthThreshold(257), "1 validation error detected: Value '257' at 'healthCheckConfig.healthThreshold' failed to satisfy constraint: Member must have value less than or equal to 256"),
        (P::CalculatedOnly(HealthCheckType::Tcp), "Invalid parameter : ChildHealthChecks and HealthThreshold are only allowed for health checks of type CALCULATED, not TCP."),
        (P::TargetRequired, "Invalid parameter : You must specify either IPAddress or FullyQualifiedDomainName."),
        (P::PortRequired(HealthCheckType::Tcp), "Invalid parameter : Port is required for health checks of type TCP."),
        (P::PortZero, "1 validation error detected: Value '0' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        (P::SearchStringRequired(HealthCheckType::HttpStrMatch), "Invalid parameter : SearchString is required for health checks of type HTTP_STR_MATCH."),
        (P::SearchStringNotAllowed(HealthCheckType::Http), "Invalid parameter : SearchString is only allowed for health checks of type HTTP_STR_MATCH or HTTPS_STR_MATCH, not HTTP."),
        (P::ResourcePathOfTcp, "Invalid parameter : ResourcePath is not allowed for health checks of type TCP."),
    ];
    for (problem, message) in cases {
        check(
            answer(HealthCheckError::InvalidInput(problem)),
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            message,
        );
    }
    let unknown = answer(HealthCheckError::InvalidInput(P::UnknownRegion(
        "mars-1".into(),
    )));
    assert!(
        unknown.message.starts_with("1 validation error detected: Value 'mars-1' at 'healthCheckConfig.regions' failed to satisfy constraint: Member must satisfy enum value set: [us-east-1, "),
        "{}",
        unknown.message
    );
}

/// Every Resolver and Profiles rule: its exception and its words.
#[test]
fn resolver_problems() {
    use EndpointDirection as D;
    use ResolverError as E;
    const P: &str = "InvalidParameterException";
    const R: &str = "InvalidRequestException";
    const N: &str = "ResourceNotFoundException";
    const X: &str = "ResourceExistsException";
    let s = |text: &str| text.to_string();
    let v4: std::net::IpAddr = "10.0.1.3".parse().expect("ip");
    let v6: std::net::IpAddr = "2001:db8::1".parse().expect("ip");
    let net4: ipnet::IpNet = "10.0.1.0/24".parse().expect("net");
    let net6: ipnet::IpNet = "2001:db8::/64".parse().expect("net");
    let cases: Vec<(ResolverError, &str, &str)> = vec![
        (E::InvalidName { name: s("9"), kind: ResolverErrorKind::InvalidParameter }, P,
         "1 validation error detected: Value '9' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"),
        (E::InvalidName { name: s("9"), kind: ResolverErrorKind::Validation }, "ValidationException",
         "1 validation error detected: Value '9' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"),
        (E::InvalidDomainName(s("a b")), P, "Invalid domain name: \"a b\"."),
        (E::InvalidIpv4(s("x")), P, "Invalid IPv4 address: \"x\"."),
        (E::InvalidIpv6(s("x")), P, "Invalid IPv6 address: \"x\"."),
        (E::NotInEnumeration { field: Enumeration::AutodefinedReverseFlag, value: s("enable") }, P,
         "Value 'enable' at 'autodefinedReverseFlag' failed to satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE, USE_LOCAL_RESOURCE_SETTING]"),
        (E::NotInEnumeration { field: Enumeration::Direction, value: s("UP") }, P,
         "Value 'UP' at 'direction' failed to satisfy constraint: Member must satisfy enum value set: [INBOUND, OUTBOUND, INBOUND_DELEGATION]"),
        (E::NotInEnumeration { field: Enumeration::EndpointType, value: s("V5") }, P,
         "Value 'V5' at 'resolverEndpointType' failed to satisfy constraint: Member must satisfy enum value set: [IPV6, IPV4, DUALSTACK]"),
        (E::NotInEnumeration { field: Enumeration::Protocol, value: s("DoT") }, P,
         "Value 'DoT' at 'protocols' failed to satisfy constraint: Member must satisfy enum value set: [DoH, Do53, DoH-FIPS]"),
        (E::NotInEnumeration { field: Enumeration::RuleType, value: s("X") }, P,
         "Value 'X' at 'ruleType' failed to satisfy constraint: Member must satisfy enum value set: [FORWARD, SYSTEM, RECURSIVE, DELEGATE]"),
        (E::DelegationEndpoint, P, "Direction INBOUND_DELEGATION is not supported by Cairn yet."),
        (E::LocalSettingForVpc, P, "USE_LOCAL_RESOURCE_SETTING applies to Route 53 Profiles only, not to a VPC."),
        (E::NoSuchSubnet(s("subnet-9")), P, "The subnet ID 'subnet-9' does not exist"),
        (E::NoSecurityGroup, P, "SecurityGroupIds must name at least one security group."),
        (E::MalformedSecurityGroupId(s("test-invalid-sg-123")), P,
         "[RSLVR-00408] Malformed security group ID: \"Invalid id: \"test-invalid-sg-123\" (expecting \"sg-...\")\"."),
        (E::NoSuchSecurityGroup(s("sg-9")), P, "The security group 'sg-9' does not exist"),
        (E::TooFewAddresses, P, "An endpoint needs at least 2 IP addresses."),
        (E::NoAddressNamed, P, "IpAddress must name IpId, Ip or Ipv6."),
        (E::TargetAddress, P, "Each target must have exactly one of Ip and Ipv6."),
        (E::TargetPort(70000), P, "Value '70000' at 'port' failed to satisfy constraint: Member must be between 0 and 65535"),
        (E::ClientTokenReused(s("t")), P, "ClientToken \"t\" was already used to create another profile."),
        (E::InvalidResourceArn(s("arn:x")), P, "The resource ARN \"arn:x\" is not valid for a profile."),
        (E::ProtocolCombination { direction: D::Outbound, protocols: vec![s("DoH-FIPS")] }, R,
         "The protocol combination [DoH-FIPS] is not supported for outbound endpoints."),
        (E::ProtocolCombination { direction: D::Inbound, protocols: vec![s("DoH"), s("DoH-FIPS")] }, R,
         "The protocol combination [DoH, DoH-FIPS] is not supported for inbound endpoints."),
        (E::AddressOutsideSubnet { ip: v4, block: net4, subnet: s("subnet-1") }, R,
         "The IP address 10.0.1.3 is not in the CIDR block 10.0.1.0/24 of subnet subnet-1."),
        (E::AddressOutsideSubnet { ip: v6, block: net6, subnet: s("subnet-1") }, R,
         "The IP address 2001:db8::1 is not in the IPv6 CIDR block 2001:db8::/64 of subnet subnet-1."),
        (E::AddressReserved { ip: v4, block: net4, subnet: s("subnet-1") }, R,
         "The IP address 10.0.1.3 is reserved in subnet subnet-1 (the first four addresses and the last one of 10.0.1.0/24 are)."),
        (E::AddressReserved { ip: v6, block: net6, subnet: s("subnet-1") }, R,
         "The IP address 2001:db8::1 is reserved in subnet subnet-1."),
        (E::SubnetFull { subnet: s("subnet-1"), ipv6: false }, R, "Subnet subnet-1 has no free IP address left."),
        (E::SubnetFull { subnet: s("subnet-1"), ipv6: true }, R, "Subnet subnet-1 has no free IPv6 address left."),
        (E::SubnetWithoutIpv6(s("subnet-1")), R,
         "Subnet subnet-1 has no IPv6 CIDR block, so it cannot hold an IPv6 endpoint address."),
        (E::Ipv4OnIpv6Endpoint, R, "An IPV6 endpoint takes IPv6 addresses only (Ipv6), not Ip."),
        (E::Ipv6OnIpv4Endpoint, R, "An IPV4 endpoint takes IPv4 addresses only (Ip), not Ipv6; use DUALSTACK for both."),
        (E::SubnetsInSeveralVpcs, R, "All the subnets of an endpoint must be in the same VPC."),
        (E::Dns64Outbound, R, "Dns64Enabled applies to INBOUND endpoints only."),
        (E::SecurityGroupOutsideVpc { group: s("sg-1"), vpc: s("vpc-1") }, R,
         "The security group sg-1 is not in the endpoint's VPC vpc-1."),
        (E::SubnetGone(s("subnet-1")), R, "The subnet subnet-1 no longer exists."),
        (E::EndpointTypeChange { from: s("IPV4"), to: s("IPV6") }, R,
         "An endpoint's type can change between IPV4 and DUALSTACK only, not from IPV4 to IPV6."),
        (E::Do53ToDohAtOnce, R,
         "An inbound endpoint cannot change from Do53 only to DoH only at once: enable both first."),
        (E::SubnetOutsideVpc { subnet: s("subnet-2"), vpc: s("vpc-1") }, R,
         "The subnet subnet-2 is not in the endpoint's VPC vpc-1."),
        (E::LastAddresses, R, "A resolver endpoint must keep at least 2 IP addresses."),
        (E::RuleOnInboundEndpoint, R,
         "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints."),
        (E::NoTargets, R, "A FORWARD rule needs at least one target IP (TargetIps)."),
        (E::ProtocolNotOnEndpoint { protocol: s("DoH"), endpoint: s("rslvr-out-1") }, R,
         "The protocol DoH is not enabled on resolver endpoint rslvr-out-1."),
        (E::TargetProtocolRequired, R,
         "[RSLVR-00726] Endpoint has more than 1 protocol. Add one of the endpoint protocol for rule creation"),
        (E::MixedTargetFamilies, R, "A rule cannot mix IPv4 and IPv6 target addresses."),
        (E::RecursiveRule, R, "Only Resolver can create RECURSIVE rules."),
        (E::DelegateRule, R, "DELEGATE rules are not supported by Cairn yet."),
        (E::DomainNameRequired, R, "DomainName is required for FORWARD and SYSTEM rules."),
        (E::EndpointRequired, R, "A FORWARD rule needs a ResolverEndpointId."),
        (E::SystemRuleTargets, R, "A SYSTEM rule cannot have target IPs."),
        (E::AutodefinedRule(s("rslvr-autodefined-rr-x")), R,
         "The autodefined rule rslvr-autodefined-rr-x cannot be changed."),
        (E::SameDomainRule { vpc: s("vpc-1"), existing: s("rslvr-rr-1"), domain: s("corp.example.") }, R,
         "Cannot associate rules with same domain name with same VPC. VPC vpc-1 already has rule rslvr-rr-1 for corp.example.."),
        (E::RuleLoop { rule: s("rslvr-rr-1"), vpc: s("vpc-1") }, R,
         "[RSLVR-00804] Cannot associate rule rslvr-rr-1 to VPC vpc-1 because the VPC include an INBOUND resolver endpoints with rule's target IP"),
        (E::NoSuchRule(s("rslvr-rr-nope")), N, "[RSLVR-00703] Resolver rule with ID \"rslvr-rr-nope\" does not exist."),
        (E::NoSuchEndpoint(s("rslvr-in-1")), N, "Resolver endpoint with ID \"rslvr-in-1\" does not exist."),
        (E::NoSuchRuleAssociation(s("rslvr-rrassoc-1")), N,
         "Resolver rule association with ID \"rslvr-rrassoc-1\" does not exist."),
        (E::NoSuchVpc(s("vpc-9")), N, "VPC with ID \"vpc-9\" does not exist."),
        (E::NoSuchProfile(s("rp-9")), N, "The profile with ID \"rp-9\" does not exist."),
        (E::AddressNotAssociated(s("rslvr-in-1")), N,
         "The IP address is not associated with resolver endpoint rslvr-in-1."),
        (E::RuleNotAssociated { rule: s("rslvr-rr-1"), vpc: s("vpc-1") }, N,
         "Resolver rule with ID \"rslvr-rr-1\" is not associated with VPC \"vpc-1\"."),
        (E::ProfileNotAssociated { profile: s("rp-1"), vpc: s("vpc-1") }, N,
         "The profile rp-1 is not associated with VPC vpc-1."),
        (E::NoSuchProfileResource { resource_type: s("HOSTED_ZONE"), resource_id: s("Z1"), arn: s("arn:aws:route53:::hostedzone/Z1") }, N,
         "The private hosted zone Z1 named by arn:aws:route53:::hostedzone/Z1 does not exist."),
        (E::NoSuchProfileResource { resource_type: s("RESOLVER_RULE"), resource_id: s("rslvr-rr-1"), arn: s("a") }, N,
         "The Resolver rule rslvr-rr-1 named by a does not exist."),
        (E::NoSuchProfileResource { resource_type: s("FIREWALL_RULE_GROUP"), resource_id: s("g"), arn: s("a") }, N,
         "The DNS Firewall rule group (Cairn does not keep these yet) g named by a does not exist."),
        (E::ResourceNotAssociated { arn: s("a"), profile: s("rp-1") }, N,
         "The resource a is not associated with profile rp-1."),
        (E::NoSuchProfileResourceAssociation(s("rpr-1")), N,
         "The profile resource association with ID \"rpr-1\" does not exist."),
        (E::AddressInUse { ip: v4, subnet: s("subnet-1") }, X,
         "The IP address 10.0.1.3 is already in use in subnet subnet-1."),
        (E::EndpointRequestExists(s("r")), X, "Resolver endpoint with creator request ID \"r\" already exists."),
        (E::RuleRequestExists(s("r")), X, "Resolver rule with creator request ID \"r\" already exists."),
        (E::RuleAlreadyAssociated { rule: s("rslvr-rr-1"), vpc: s("vpc-1") }, X,
         "Resolver rule rslvr-rr-1 is already associated with VPC vpc-1."),
        (E::ProfileAlreadyAssociated { profile: s("rp-1"), vpc: s("vpc-1") }, X,
         "The profile rp-1 is already associated with VPC vpc-1."),
        (E::EndpointInUse { endpoint: s("rslvr-out-1"), rule: s("rslvr-rr-1") }, "ResourceInUseException",
         "Resolver endpoint rslvr-out-1 is in use by resolver rule rslvr-rr-1; delete or update the rule first."),
        (E::RuleInUse { rule: s("rslvr-rr-1"), vpc: s("vpc-1") }, "ResourceInUseException",
         "Cannot delete resolver rule rslvr-rr-1: it is associated with VPC vpc-1. Disassociate it from every VPC first."),
        (E::TooManyAddresses, "LimitExceededException", "An endpoint can have at most 6 IP addresses."),
        (E::TooManyTargets, "LimitExceededException", "A rule can have at most 6 target IP addresses."),
        (E::VpcHasProfile { vpc: s("vpc-1"), existing: s("rp-1") }, "LimitExceededException",
         "VPC vpc-1 already has profile rp-1 associated; a VPC can have one profile."),
        (E::Priority(50), "ValidationException", "Priority 50 is out of range: it must be between 100 and 9900."),
        (E::ResourceProperties(s("[]")), "ValidationException", "ResourceProperties must be a JSON object, not \"[]\"."),
        (E::ProfileInUse { profile: s("rp-1"), vpc: s("vpc-1") }, "ConflictException",
         "The profile rp-1 is associated with VPC vpc-1; disassociate it from every VPC first."),
        (E::ResourceAlreadyAssociated { arn: s("a"), profile: s("rp-1") }, "ConflictException",
         "The resource a is already associated with profile rp-1."),
    ];
    for (err, code, message) in cases {
        check(answer(err), StatusCode::BAD_REQUEST, code, message);
    }
}

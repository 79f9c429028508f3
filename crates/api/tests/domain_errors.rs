//! Every domain error as the client sees it: the code, status and message the API edge
//! gives it (`cairn_api::error`), one case per variant. The messages are those Cairn
//! answered before the errors were typed (issue 16), in AWS's words.

use axum::http::StatusCode;
use cairn_api::error::{ec2_error, AwsError};
use cairn_model::change::{BatchProblem, InputProblem};
use cairn_model::cidr::CidrError;
use cairn_model::error::{
    ChangeBatchError, DomainError, HealthCheckError, NetworkError, ZoneError,
};
use cairn_model::health::ConfigProblem;
use cairn_model::network::IngressRule;
use cairn_model::network_validate::InvalidValue;
use cairn_model::resolver_validate::ResolverError;
use cairn_model::{ChangeId, HostedZoneId};
use cairn_store::StoreError;

fn zone(id: &str) -> HostedZoneId {
    HostedZoneId::new(id)
}

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
fn zone_errors_are_route53s() {
    use StatusCode as S;
    let cases: Vec<(ZoneError, S, &str, &str)> = vec![
        (ZoneError::NoSuchHostedZone(zone("Z1")), S::NOT_FOUND, "NoSuchHostedZone",
         "No hosted zone found with ID: Z1"),
        (ZoneError::NoSuchChange(ChangeId::new("C1")), S::NOT_FOUND, "NoSuchChange",
         "Could not find resource with ID: C1"),
        (ZoneError::HostedZoneAlreadyExists(zone("Z1")), S::CONFLICT, "HostedZoneAlreadyExists",
         "A hosted zone has already been created with the specified caller reference."),
        (ZoneError::HostedZoneNotEmpty(zone("Z1")), S::BAD_REQUEST, "HostedZoneNotEmpty",
         "The specified hosted zone contains non-required resource record sets and so cannot be deleted."),
        (ZoneError::NoSuchDelegationSet("N1".into()), S::BAD_REQUEST, "NoSuchDelegationSet",
         "No reusable delegation set found with ID: N1"),
        (ZoneError::DelegationSetAlreadyCreated("ref".into()), S::BAD_REQUEST,
         "DelegationSetAlreadyCreated",
         "A delegation set with the same caller reference already exists."),
        (ZoneError::DelegationSetInUse("N1".into()), S::BAD_REQUEST, "DelegationSetInUse",
         "The specified delegation set contains associated hosted zones and so cannot be deleted."),
        (ZoneError::ConflictingDomainExists {
            vpc_id: "vpc-1".into(),
            region: "eu-west-1".into(),
            existing: zone("Z2"),
        }, S::BAD_REQUEST, "ConflictingDomainExists",
         "The VPC vpc-1 in region eu-west-1 has already been associated with the hosted zone Z2 with the same domain name."),
        (ZoneError::LastVpcAssociation { vpc_id: "vpc-1".into(), zone_id: zone("Z1") },
         S::BAD_REQUEST, "LastVPCAssociation",
         "The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone."),
        (ZoneError::PublicZoneVpcAssociation(zone("Z1")), S::BAD_REQUEST,
         "PublicZoneVPCAssociation",
         "You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone."),
        (ZoneError::VpcAssociationNotFound { vpc_id: "vpc-1".into(), zone_id: zone("Z1") },
         S::NOT_FOUND, "VPCAssociationNotFound",
         "The specified VPC vpc-1 and hosted zone Z1 are not currently associated."),
        (ZoneError::VpcAssociationAuthorizationNotFound {
            vpc_id: "vpc-1".into(),
            zone_id: zone("Z1"),
        }, S::NOT_FOUND, "VPCAssociationAuthorizationNotFound",
         "The VPC vpc-1 is not authorized to be associated with hosted zone Z1."),
        (ZoneError::NotAuthorized {
            caller: "111122223333".into(),
            vpc_id: "vpc-1".into(),
            zone_id: zone("Z1"),
        }, S::UNAUTHORIZED, "NotAuthorizedException",
         "User: 111122223333 is not authorized to associate VPC vpc-1 with hosted zone Z1."),
    ];
    for (err, status, code, message) in cases {
        check(answer(err), status, code, message);
    }
}

#[test]
fn batch_errors_are_route53s() {
    let batch = |e: ChangeBatchError| answer(ZoneError::Batch(e));
    check(
        batch(ChangeBatchError::InvalidChangeBatch(vec![
            BatchProblem::ApexNsRequired,
            BatchProblem::TooManyValues(2),
        ])),
        StatusCode::BAD_REQUEST,
        "InvalidChangeBatch",
        "[A HostedZone must contain at least one NS record for the zone itself., Cannot have more than 2 records in a RRSet.]",
    );
    check(
        batch(ChangeBatchError::InvalidInput(InputProblem::TtlTooLarge(u32::MAX))),
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        "Invalid XML ; cvc-maxInclusive-valid: Value '4294967295' is not facet-valid with respect to maxInclusive '2147483647' for type 'TTL'.",
    );
    check(
        batch(ChangeBatchError::NoSuchHealthCheck("hc-1".into())),
        StatusCode::NOT_FOUND,
        "NoSuchHealthCheck",
        "No health check exists with the specified ID hc-1.",
    );
}

#[test]
fn health_check_errors_are_route53s() {
    use StatusCode as S;
    let cases: Vec<(HealthCheckError, S, &str, &str)> = vec![
        (HealthCheckError::InvalidInput(ConfigProblem::PortZero), S::BAD_REQUEST, "InvalidInput",
         "1 validation error detected: Value '0' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        (HealthCheckError::CalculatedChild("hc-2".into()), S::BAD_REQUEST, "InvalidInput",
         "Invalid parameter : A calculated health check cannot be a child of another calculated health check (hc-2)."),
        (HealthCheckError::NoSuchHealthCheck("hc-1".into()), S::NOT_FOUND, "NoSuchHealthCheck",
         "No health check exists with the specified ID hc-1."),
        (HealthCheckError::AlreadyExists("ref".into()), S::CONFLICT, "HealthCheckAlreadyExists",
         "A health check with the same caller reference already exists, with a different configuration or deleted."),
        (HealthCheckError::VersionMismatch("hc-1".into()), S::CONFLICT,
         "HealthCheckVersionMismatch",
         "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check."),
    ];
    for (err, status, code, message) in cases {
        check(answer(err), status, code, message);
    }
}

#[test]
fn network_errors_are_ec2s_and_a_missing_vpc_is_route53s_elsewhere() {
    let cases: Vec<(NetworkError, &str, &str)> = vec![
        (NetworkError::InvalidVpcRange("10.0.0.0/8".into()), "InvalidVpc.Range",
         "The CIDR '10.0.0.0/8' is invalid."),
        (NetworkError::InvalidSubnetRange("10.0.0.0/8".into()), "InvalidSubnet.Range",
         "The CIDR '10.0.0.0/8' is invalid."),
        (NetworkError::SubnetConflict("10.0.0.0/24".into()), "InvalidSubnet.Conflict",
         "The CIDR '10.0.0.0/24' conflicts with another subnet"),
        (NetworkError::InvalidParameterValue(InvalidValue::NoPermissionSource), "InvalidParameterValue",
         "The request must contain the parameter ipPermissions.ipRanges, ipv6Ranges or groups"),
        (NetworkError::NoSuchVpc("vpc-1".into()), "InvalidVpcID.NotFound",
         "The vpc ID 'vpc-1' does not exist"),
        (NetworkError::NoSuchSubnet("subnet-1".into()), "InvalidSubnetID.NotFound",
         "The subnet ID 'subnet-1' does not exist"),
        (NetworkError::NoSuchSecurityGroup("sg-1".into()), "InvalidGroup.NotFound",
         "The security group 'sg-1' does not exist"),
        (NetworkError::SecurityGroupExists { name: "web".into(), vpc_id: "vpc-1".into() },
         "InvalidGroup.Duplicate", "The security group 'web' already exists for VPC 'vpc-1'"),
        (NetworkError::DuplicatePermission(Box::new(IngressRule {
            protocol: "udp".into(), from_port: Some(53), to_port: Some(53),
            sources: vec!["10.0.0.0/8".parse().expect("block")], source_groups: Vec::new() })),
         "InvalidPermission.Duplicate",
         "the specified rule \"peer: 10.0.0.0/8, UDP, from port: 53, to port: 53, ALLOW\" already exists"),
        (NetworkError::VpcHasDependencies("vpc-1".into()), "DependencyViolation",
         "The vpc 'vpc-1' has dependencies and cannot be deleted."),
        (NetworkError::GroupHasDependents("sg-1".into()), "DependencyViolation",
         "resource sg-1 has a dependent object"),
        (NetworkError::DefaultGroup("sg-1".into()), "CannotDelete",
         "the specified group: \"sg-1\" name: \"default\" cannot be deleted by a user"),
    ];
    for (err, code, message) in cases {
        let missing_vpc = matches!(err, NetworkError::NoSuchVpc(_));
        check(
            ec2_error(StoreError::Rejected(err.clone().into())),
            StatusCode::BAD_REQUEST,
            code,
            message,
        );
        if missing_vpc {
            // Route 53's words, recorded in aws-recorded/route53.json.
            check(
                answer(err),
                StatusCode::BAD_REQUEST,
                "InvalidVPCId",
                "The VPC ID is invalid.",
            );
        } else {
            check(answer(err), StatusCode::BAD_REQUEST, code, message);
        }
    }
}

#[test]
fn resolver_errors_get_their_kinds_exception() {
    // One refusal of each kind; every variant's words are in problem_messages.rs.
    let cases: Vec<(ResolverError, &str, &str)> = vec![
        (ResolverError::InvalidDomainName("a b".into()), "InvalidParameterException",
         "Invalid domain name: \"a b\"."),
        (ResolverError::RuleOnInboundEndpoint, "InvalidRequestException",
         "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints."),
        (ResolverError::NoSuchRule("rslvr-rr-nope".into()), "ResourceNotFoundException",
         "[RSLVR-00703] Resolver rule with ID \"rslvr-rr-nope\" does not exist."),
        (ResolverError::RuleRequestExists("r".into()), "ResourceExistsException",
         "Resolver rule with creator request ID \"r\" already exists."),
        (ResolverError::RuleInUse { rule: "rslvr-rr-1".into(), vpc: "vpc-1".into() },
         "ResourceInUseException",
         "Cannot delete resolver rule rslvr-rr-1: it is associated with VPC vpc-1. Disassociate it from every VPC first."),
        (ResolverError::TooManyTargets, "LimitExceededException",
         "A rule can have at most 6 target IP addresses."),
        (ResolverError::Priority(50), "ValidationException",
         "Priority 50 is out of range: it must be between 100 and 9900."),
        (ResolverError::ProfileInUse { profile: "rp-1".into(), vpc: "vpc-1".into() },
         "ConflictException",
         "The profile rp-1 is associated with VPC vpc-1; disassociate it from every VPC first."),
    ];
    for (err, code, message) in cases {
        check(answer(err), StatusCode::BAD_REQUEST, code, message);
    }
}

#[test]
fn cidr_errors_are_route53s() {
    use CidrError as E;
    use StatusCode as S;
    let cases: Vec<(CidrError, S, &str, &str)> = vec![
        (
            E::NoSuchCollection("c-1".into()),
            S::NOT_FOUND,
            "NoSuchCidrCollectionException",
            "The CIDR collection with ID c-1 doesn't exist.",
        ),
        (
            E::NoSuchLocation {
                collection: "c-1".into(),
                location: "l".into(),
            },
            S::NOT_FOUND,
            "NoSuchCidrLocationException",
            "The CIDR location l doesn't exist in collection c-1.",
        ),
        (
            E::AlreadyExists("n".into()),
            S::BAD_REQUEST,
            "CidrCollectionAlreadyExistsException",
            "A CIDR collection with the name n already exists.",
        ),
        (
            E::VersionMismatch("c-1".into()),
            S::CONFLICT,
            "CidrCollectionVersionMismatchException",
            "The CIDR collection version you provided doesn't match the current version.",
        ),
        (
            E::CollectionInUse("c-1".into()),
            S::BAD_REQUEST,
            "CidrCollectionInUseException",
            "The CIDR collection c-1 is in use or isn't empty.",
        ),
        (
            E::BlockInUse("l".into()),
            S::BAD_REQUEST,
            "CidrBlockInUseException",
            "The location l is used by a record set and can't lose its last CIDR block.",
        ),
        (
            E::InvalidCollectionName("a b".into()),
            S::BAD_REQUEST,
            "InvalidInput",
            "Invalid collection name: a b",
        ),
        (
            E::InvalidCallerReference,
            S::BAD_REQUEST,
            "InvalidInput",
            "Invalid CallerReference.",
        ),
        (
            E::InvalidLocationName("a b".into()),
            S::BAD_REQUEST,
            "InvalidInput",
            "Invalid location name: a b",
        ),
        (
            E::InvalidBlock("x".into()),
            S::BAD_REQUEST,
            "InvalidInput",
            "Invalid CIDR block: x",
        ),
        (
            E::ChangeCount,
            S::BAD_REQUEST,
            "InvalidInput",
            "Changes must hold 1 to 1000 changes.",
        ),
        (
            E::BlockListLength,
            S::BAD_REQUEST,
            "InvalidInput",
            "CidrList must hold 1 to 1000 blocks.",
        ),
        (
            E::BlockInOtherLocation {
                block: "10.0.0.0/8".parse().expect("block"),
                location: "a".into(),
            },
            S::BAD_REQUEST,
            "InvalidInput",
            "CIDR block 10.0.0.0/8 is already in location a.",
        ),
        (
            E::TooManyBlocks(1000),
            S::BAD_REQUEST,
            "LimitsExceeded",
            "A CIDR collection holds at most 1000 blocks.",
        ),
        (
            E::TooManyCollections(5),
            S::BAD_REQUEST,
            "LimitsExceeded",
            "An account holds at most 5 CIDR collections.",
        ),
    ];
    for (err, status, code, message) in cases {
        check(answer(err), status, code, message);
    }
}

#[test]
fn storage_failures_say_nothing_of_the_store() {
    let unavailable: AwsError = StoreError::Unavailable("down".into()).into();
    check(
        unavailable,
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "Service is unavailable. Try again later.",
    );
    for err in [
        StoreError::Corrupt("x".into()),
        StoreError::Backend("y".into()),
    ] {
        check(
            err.into(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "The request processing has failed because of an unknown error.",
        );
    }
}

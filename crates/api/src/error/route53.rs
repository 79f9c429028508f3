//! Route 53's codes, statuses and messages for the hosted-zone, change-batch, health-check
//! and CIDR-collection domain errors.

use axum::http::StatusCode;
use cairn_model::cidr::CidrErrorKind;
use cairn_model::error::{ChangeBatchError, CidrError, HealthCheckError, ZoneError};

use super::AwsError;

/// A hosted-zone refusal in Route 53's terms.
pub(super) fn zone_error(err: ZoneError) -> AwsError {
    use StatusCode as S;
    match err {
        ZoneError::NoSuchHostedZone(id) => AwsError::no_such_hosted_zone(id.as_str()),
        ZoneError::NoSuchChange(id) => AwsError::new(
            S::NOT_FOUND,
            "NoSuchChange",
            format!("Could not find resource with ID: {id}"),
        ),
        ZoneError::HostedZoneAlreadyExists(_) => AwsError::new(
            S::CONFLICT,
            "HostedZoneAlreadyExists",
            "A hosted zone has already been created with the specified caller reference.",
        ),
        ZoneError::HostedZoneNotEmpty(_) => AwsError::new(
            S::BAD_REQUEST,
            "HostedZoneNotEmpty",
            "The specified hosted zone contains non-required resource record sets and so cannot be deleted.",
        ),
        ZoneError::Batch(err) => batch_error(err),
        ZoneError::NoSuchDelegationSet(id) => AwsError::new(
            S::BAD_REQUEST,
            "NoSuchDelegationSet",
            format!("No reusable delegation set found with ID: {id}"),
        ),
        ZoneError::DelegationSetAlreadyCreated(_) => AwsError::new(
            S::BAD_REQUEST,
            "DelegationSetAlreadyCreated",
            "A delegation set with the same caller reference already exists.",
        ),
        ZoneError::DelegationSetInUse(_) => AwsError::new(
            S::BAD_REQUEST,
            "DelegationSetInUse",
            "The specified delegation set contains associated hosted zones and so cannot be deleted.",
        ),
        ZoneError::ConflictingDomainExists {
            vpc_id,
            region,
            existing,
        } => AwsError::new(
            S::BAD_REQUEST,
            "ConflictingDomainExists",
            format!(
                "The VPC {vpc_id} in region {region} has already been associated with the hosted zone {existing} with the same domain name."
            ),
        ),
        ZoneError::LastVpcAssociation { .. } => AwsError::new(
            S::BAD_REQUEST,
            "LastVPCAssociation",
            "The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone.",
        ),
        ZoneError::PublicZoneVpcAssociation(_) => AwsError::new(
            S::BAD_REQUEST,
            "PublicZoneVPCAssociation",
            "You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone.",
        ),
        ZoneError::VpcAssociationNotFound { vpc_id, zone_id } => AwsError::new(
            S::NOT_FOUND,
            "VPCAssociationNotFound",
            format!(
                "The specified VPC {vpc_id} and hosted zone {zone_id} are not currently associated."
            ),
        ),
        ZoneError::VpcAssociationAuthorizationNotFound { vpc_id, zone_id } => AwsError::new(
            S::NOT_FOUND,
            "VPCAssociationAuthorizationNotFound",
            format!("The VPC {vpc_id} is not authorized to be associated with hosted zone {zone_id}."),
        ),
        ZoneError::NotAuthorized {
            caller,
            vpc_id,
            zone_id,
        } => AwsError::new(
            S::UNAUTHORIZED,
            "NotAuthorizedException",
            format!(
                "User: {caller} is not authorized to associate VPC {vpc_id} with hosted zone {zone_id}."
            ),
        ),
    }
}

/// A refused change batch: `InvalidChangeBatch` lists every problem in brackets.
pub(super) fn batch_error(err: ChangeBatchError) -> AwsError {
    match err {
        ChangeBatchError::InvalidChangeBatch(messages) => AwsError::invalid_change_batch(&messages),
        ChangeBatchError::InvalidInput(message) => AwsError::invalid_input(message),
        ChangeBatchError::NoSuchHealthCheck(id) => no_such_health_check(&id),
    }
}

fn no_such_health_check(id: &str) -> AwsError {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "NoSuchHealthCheck",
        format!("No health check exists with the specified ID {id}."),
    )
}

/// A health-check refusal.
pub(super) fn health_check_error(err: HealthCheckError) -> AwsError {
    match err {
        HealthCheckError::InvalidInput(message) => AwsError::invalid_input(message),
        HealthCheckError::CalculatedChild(child) => AwsError::invalid_input(format!(
            "Invalid parameter : A calculated health check cannot be a child of another calculated health check ({child})."
        )),
        HealthCheckError::NoSuchHealthCheck(id) => no_such_health_check(&id),
        HealthCheckError::AlreadyExists(_) => AwsError::new(
            StatusCode::CONFLICT,
            "HealthCheckAlreadyExists",
            "A health check with the same caller reference already exists, with a different configuration or deleted.",
        ),
        HealthCheckError::VersionMismatch(_) => AwsError::new(
            StatusCode::CONFLICT,
            "HealthCheckVersionMismatch",
            "The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.",
        ),
    }
}

/// A CIDR-collection refusal: the exception (botocore's status; 400 where it names none)
/// and the rule's message.
pub(super) fn cidr_error(err: CidrError) -> AwsError {
    let (status, code) = match err.kind {
        CidrErrorKind::NoSuchCollection => (StatusCode::NOT_FOUND, "NoSuchCidrCollectionException"),
        CidrErrorKind::NoSuchLocation => (StatusCode::NOT_FOUND, "NoSuchCidrLocationException"),
        CidrErrorKind::AlreadyExists => (
            StatusCode::BAD_REQUEST,
            "CidrCollectionAlreadyExistsException",
        ),
        CidrErrorKind::VersionMismatch => (
            StatusCode::CONFLICT,
            "CidrCollectionVersionMismatchException",
        ),
        CidrErrorKind::CollectionInUse => (StatusCode::BAD_REQUEST, "CidrCollectionInUseException"),
        CidrErrorKind::BlockInUse => (StatusCode::BAD_REQUEST, "CidrBlockInUseException"),
        CidrErrorKind::InvalidInput => (StatusCode::BAD_REQUEST, "InvalidInput"),
        CidrErrorKind::LimitsExceeded => (StatusCode::BAD_REQUEST, "LimitsExceeded"),
    };
    AwsError::new(status, code, err.message)
}

//! Route 53's codes, statuses and messages for the hosted-zone, change-batch, health-check
//! and CIDR-collection domain errors. The sentences of a refused change batch are in
//! [`batch`].

use axum::http::StatusCode;
use cairn_model::cidr::CidrErrorKind;
use cairn_model::error::{ChangeBatchError, CidrError, HealthCheckError, ZoneError};
use cairn_model::health::{ConfigField, ConfigProblem, REGIONS};

use super::AwsError;

mod batch;

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
        ChangeBatchError::InvalidChangeBatch(problems) => {
            let messages: Vec<String> = problems.iter().map(batch::batch_problem_message).collect();
            AwsError::invalid_change_batch(&messages)
        }
        ChangeBatchError::InvalidInput(problem) => {
            AwsError::invalid_input(batch::input_problem_message(&problem))
        }
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
        HealthCheckError::InvalidInput(problem) => AwsError::invalid_input(config_message(problem)),
        HealthCheckError::CalculatedChild(child) => AwsError::invalid_input(format!(
            "Invalid parameter : A calculated health check cannot be a child of another calculated health check ({child})."
        )),
        HealthCheckError::NoSuchHealthCheck(id) => no_such_health_check(id.as_str()),
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

/// Route 53's sentence for each health-check config rule.
fn config_message(problem: ConfigProblem) -> String {
    use ConfigProblem as P;
    const INVALID: &str = "Invalid parameter : ";
    const ONE: &str = "1 validation error detected: Value";
    match problem {
        P::RequestInterval(n) => {
            format!("{INVALID}RequestInterval must be either 10 or 30, got {n}.")
        }
        P::FailureThreshold(n) => format!(
            "{ONE} '{n}' at 'healthCheckConfig.failureThreshold' failed to satisfy constraint: Member must have value between 1 and 10"
        ),
        P::TooLong(field) => {
            let (name, max) = match field {
                ConfigField::ResourcePath => ("resourcePath", 255),
                ConfigField::SearchString => ("searchString", 255),
                ConfigField::FullyQualifiedDomainName => ("fullyQualifiedDomainName", 255),
                ConfigField::ChildHealthChecks => ("childHealthChecks", 256),
            };
            format!(
                "{ONE} at 'healthCheckConfig.{name}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            )
        }
        P::IpAddress(ip) => format!("Invalid IP address: {ip}"),
        P::TooFewRegions => format!("{INVALID}Regions must contain at least 3 regions."),
        P::UnknownRegion(region) => format!(
            "{ONE} '{region}' at 'healthCheckConfig.regions' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            REGIONS.join(", ")
        ),
        P::TargetOfCalculated => format!(
            "{INVALID}IPAddress, FullyQualifiedDomainName and Port are not allowed for health checks of type CALCULATED."
        ),
        P::HealthThresholdRequired => {
            format!("{INVALID}HealthThreshold is required for health checks of type CALCULATED.")
        }
        P::HealthThreshold(n) => format!(
            "{ONE} '{n}' at 'healthCheckConfig.healthThreshold' failed to satisfy constraint: Member must have value less than or equal to 256"
        ),
        P::CalculatedOnly(t) => format!(
            "{INVALID}ChildHealthChecks and HealthThreshold are only allowed for health checks of type CALCULATED, not {t}."
        ),
        P::TargetRequired => {
            format!("{INVALID}You must specify either IPAddress or FullyQualifiedDomainName.")
        }
        P::PortRequired(t) => format!("{INVALID}Port is required for health checks of type {t}."),
        P::PortZero => format!(
            "{ONE} '0' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ),
        P::SearchStringRequired(t) => {
            format!("{INVALID}SearchString is required for health checks of type {t}.")
        }
        P::SearchStringNotAllowed(t) => format!(
            "{INVALID}SearchString is only allowed for health checks of type HTTP_STR_MATCH or HTTPS_STR_MATCH, not {t}."
        ),
        P::ResourcePathOfTcp => {
            format!("{INVALID}ResourcePath is not allowed for health checks of type TCP.")
        }
    }
}

/// A CIDR-collection refusal: the exception (botocore's status; 400 where it names none)
/// and Route 53's message.
pub(super) fn cidr_error(err: CidrError) -> AwsError {
    let (status, code) = match err.kind() {
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
    AwsError::new(status, code, cidr_message(err))
}

fn cidr_message(err: CidrError) -> String {
    match err {
        CidrError::NoSuchCollection(id) => {
            format!("The CIDR collection with ID {id} doesn't exist.")
        }
        CidrError::NoSuchLocation {
            collection,
            location,
        } => format!("The CIDR location {location} doesn't exist in collection {collection}."),
        CidrError::AlreadyExists(name) => {
            format!("A CIDR collection with the name {name} already exists.")
        }
        CidrError::VersionMismatch(_) => {
            "The CIDR collection version you provided doesn't match the current version.".into()
        }
        CidrError::CollectionInUse(id) => {
            format!("The CIDR collection {id} is in use or isn't empty.")
        }
        CidrError::BlockInUse(location) => format!(
            "The location {location} is used by a record set and can't lose its last CIDR block."
        ),
        CidrError::InvalidCollectionName(name) => format!("Invalid collection name: {name}"),
        CidrError::InvalidCallerReference => "Invalid CallerReference.".into(),
        CidrError::InvalidLocationName(name) => format!("Invalid location name: {name}"),
        CidrError::InvalidBlock(text) => format!("Invalid CIDR block: {text}"),
        CidrError::ChangeCount => "Changes must hold 1 to 1000 changes.".into(),
        CidrError::BlockListLength => "CidrList must hold 1 to 1000 blocks.".into(),
        CidrError::BlockInOtherLocation { block, location } => {
            format!("CIDR block {block} is already in location {location}.")
        }
        CidrError::TooManyBlocks(max) => format!("A CIDR collection holds at most {max} blocks."),
        CidrError::TooManyCollections(max) => {
            format!("An account holds at most {max} CIDR collections.")
        }
    }
}

//! The words each service gives the typed validation problems (issue 16: the model says
//! what is wrong, the API edge says it). The messages are those Cairn answered when the
//! rules built them as strings; the e2e suites compare many of them with AWS's too.

use axum::http::StatusCode;
use cairn_api::error::{ec2_error, AwsError};
use cairn_model::error::{DomainError, HealthCheckError, NetworkError};
use cairn_model::health::{ConfigField, ConfigProblem, HealthCheckType};
use cairn_model::network_validate::InvalidValue;
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

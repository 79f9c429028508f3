//! EC2's codes and messages for the network domain errors (every EC2 client error is a
//! 400).

use axum::http::StatusCode;
use cairn_model::error::NetworkError;
use cairn_model::network::IngressRule;
use cairn_model::network_validate::InvalidValue;

use super::AwsError;

/// A network refusal in EC2's terms.
pub fn network_error(err: NetworkError) -> AwsError {
    let (code, message) = match err {
        NetworkError::InvalidVpcRange(block) => (
            "InvalidVpc.Range",
            format!("The CIDR '{block}' is invalid."),
        ),
        NetworkError::InvalidSubnetRange(block) => (
            "InvalidSubnet.Range",
            format!("The CIDR '{block}' is invalid."),
        ),
        NetworkError::SubnetConflict(block) => (
            "InvalidSubnet.Conflict",
            format!("The CIDR '{block}' conflicts with another subnet"),
        ),
        NetworkError::InvalidParameterValue(problem) => {
            ("InvalidParameterValue", invalid_value_message(problem))
        }
        NetworkError::NoSuchVpc(id) => return vpc_not_found(&id),
        NetworkError::NoSuchSubnet(id) => (
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{id}' does not exist"),
        ),
        NetworkError::NoSuchSecurityGroup(id) => (
            "InvalidGroup.NotFound",
            format!("The security group '{id}' does not exist"),
        ),
        NetworkError::SecurityGroupExists { name, vpc_id } => (
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ),
        NetworkError::DuplicatePermission(rule) => (
            "InvalidPermission.Duplicate",
            format!(
                "the specified rule \"{}\" already exists",
                describe_rule(&rule)
            ),
        ),
        NetworkError::PermissionNotFound => (
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group.".to_string(),
        ),
        NetworkError::VpcHasDependencies(id) => (
            "DependencyViolation",
            format!("The vpc '{id}' has dependencies and cannot be deleted."),
        ),
        NetworkError::GroupHasDependents(id) => (
            "DependencyViolation",
            format!("resource {id} has a dependent object"),
        ),
        NetworkError::DefaultGroup(id) => (
            "CannotDelete",
            format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
        ),
    };
    AwsError::new(StatusCode::BAD_REQUEST, code, message)
}

/// `InvalidVpcID.NotFound`.
pub fn vpc_not_found(id: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidVpcID.NotFound",
        format!("The vpc ID '{id}' does not exist"),
    )
}

/// EC2's sentence for each `InvalidParameterValue` rule.
fn invalid_value_message(problem: InvalidValue) -> String {
    match problem {
        InvalidValue::CidrBlock { value, parameter } => format!(
            "Value ({value}) for parameter {parameter} is invalid. This is not a valid CIDR block."
        ),
        InvalidValue::AvailabilityZone { zone, region } => format!(
            "Value ({zone}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {region}a, {region}b, {region}c."
        ),
        InvalidValue::UnknownProtocol(text) => {
            format!("Invalid value '{text}' for IP protocol. Unknown protocol.")
        }
        InvalidValue::MissingPorts(protocol) => format!(
            "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange. ({protocol})"
        ),
        InvalidValue::PortRange { from, to } => {
            format!("Invalid value 'Invalid TCP/UDP port range ({from}:{to})' for portRange.")
        }
        InvalidValue::NoPermissionSource => {
            "The request must contain the parameter ipPermissions.ipRanges, ipv6Ranges or groups"
                .to_string()
        }
    }
}

/// EC2's description of a rule in `InvalidPermission.Duplicate`.
fn describe_rule(rule: &IngressRule) -> String {
    let peer = rule
        .sources
        .first()
        .map(ipnet::IpNet::to_string)
        .or_else(|| rule.source_groups.first().cloned())
        .unwrap_or_default();
    let protocol = if rule.protocol == "-1" {
        "ALL".to_string()
    } else {
        rule.protocol.to_ascii_uppercase()
    };
    match (rule.from_port, rule.to_port) {
        (Some(from), Some(to)) if rule.protocol != "-1" => {
            format!("peer: {peer}, {protocol}, from port: {from}, to port: {to}, ALLOW")
        }
        _ => format!("peer: {peer}, {protocol}, ALLOW"),
    }
}

//! EC2's codes and messages for the network domain errors (every EC2 client error is a
//! 400).

use axum::http::StatusCode;
use cairn_model::error::NetworkError;

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
        NetworkError::InvalidParameterValue(message) => ("InvalidParameterValue", message),
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
            format!("the specified rule \"{rule}\" already exists"),
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

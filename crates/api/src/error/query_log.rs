//! Query logging's exceptions and messages: Route 53 Resolver's for query log configs
//! (json-1.1, every one a 400), Route 53's for public query logging configs (rest-xml).
//! Messages with an `[RSLVR-…]` code are the ones AWS was recorded answering
//! (`aws-recorded/route53resolver.json`); the others are Cairn's own words.

use axum::http::StatusCode;
use cairn_model::query_log::QueryLogError;
use cairn_model::resolver_validate::ResolverErrorKind;

use super::AwsError;

/// A query logging refusal in the terms of the service that refuses it.
pub(super) fn query_log_error(err: QueryLogError) -> AwsError {
    use QueryLogError as E;
    let route53 = |status, code, message: String| AwsError::new(status, code, message);
    match err {
        E::NoSuchHostedZone(id) => AwsError::no_such_hosted_zone(&id),
        E::PublicConfigExists(zone) => route53(
            StatusCode::CONFLICT,
            "QueryLoggingConfigAlreadyExists",
            format!("A query logging configuration already exists for the hosted zone {zone}."),
        ),
        E::NoSuchPublicConfig(id) => route53(
            StatusCode::NOT_FOUND,
            "NoSuchQueryLoggingConfig",
            format!("There is no query logging configuration with the ID {id}."),
        ),
        E::InvalidLogGroupArn(arn) => route53(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            format!("The ARN {arn} is not the ARN of a CloudWatch Logs log group."),
        ),
        other => resolver(other),
    }
}

fn resolver(err: QueryLogError) -> AwsError {
    use QueryLogError as E;
    let code = match err.kind() {
        ResolverErrorKind::InvalidParameter => "InvalidParameterException",
        ResolverErrorKind::ResourceNotFound => "ResourceNotFoundException",
        ResolverErrorKind::ResourceExists => "ResourceExistsException",
        ResolverErrorKind::LimitExceeded => "LimitExceededException",
        _ => "InvalidRequestException",
    };
    let message = match err {
        E::InvalidName(name) => format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"
        ),
        E::InvalidDestination(arn) => format!(
            "The destination ARN \"{arn}\" is not the ARN of an S3 bucket, a CloudWatch Logs log group or a Kinesis Data Firehose delivery stream."
        ),
        E::NoSuchConfig(_) => {
            "[RSLVR-01601] The specified query logging configuration doesn't exist. Trace Id: \"cairn\"".into()
        }
        E::NoSuchAssociation(id) => format!(
            "The query logging configuration association with ID \"{id}\" doesn't exist. Trace Id: \"cairn\""
        ),
        E::NoSuchVpc(id) => format!("VPC with ID \"{id}\" does not exist."),
        E::StillAssociated(id) => format!(
            "The query logging configuration {id} is associated with one or more VPCs: disassociate them before deleting it."
        ),
        E::AlreadyAssociated { config, vpc } => format!(
            "The VPC {vpc} is already associated with the query logging configuration {config}."
        ),
        E::NotAssociated { config, vpc } => format!(
            "The VPC {vpc} is not associated with the query logging configuration {config}."
        ),
        E::LimitExceeded(limit, what) => {
            format!("The account has reached its limit of {limit} query logging {what} in this Region.")
        }
        other => other.to_string(),
    };
    AwsError::new(StatusCode::BAD_REQUEST, code, message)
}

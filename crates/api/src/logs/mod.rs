//! The CloudWatch Logs subset (API version 2014-03-28) over the query-log files, over
//! json-1.1: `POST /` with `X-Amz-Target: Logs_20140328.<Operation>` (issue 13).
//!
//! ```text
//!   POST / ──► handle ──► groups (Create/Delete/DescribeLogGroups, retention, tags)
//!                    └─► events (DescribeLogStreams, GetLogEvents, FilterLogEvents)
//!                           ├─ files: a group's query-log file read back as events
//!                           └─ filter: the filter-pattern subset
//!   retention: the background task that drops days older than a group's retention
//! ```
//!
//! A log group is a row in the store ([`cairn_store::LogGroupStore`]); its events are the
//! lines the DNS data plane appended to `<data-dir>/query-logs/logs/NAME.jsonl` for the
//! destination ARN `arn:aws:logs:…:log-group:NAME`. Nothing is ingested through this API
//! (there is no PutLogEvents): the files are the logs, and this reads them as CloudWatch
//! Logs would serve them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cairn_model::log_group::{self, LogGroup};

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::protocol::json::{self, JsonInput};
use crate::state::AppState;

pub mod events;
pub mod files;
pub mod filter;
pub mod groups;
pub mod retention;

/// The `X-Amz-Target` prefix of CloudWatch Logs operations.
pub const TARGET_PREFIX: &str = crate::dispatch::LOGS_TARGET_PREFIX;

/// Every operation served (IAM authorizes each as `logs:<Operation>`).
pub const OPERATIONS: [&str; 14] = [
    "CreateLogGroup",
    "DeleteLogGroup",
    "DescribeLogGroups",
    "PutRetentionPolicy",
    "DeleteRetentionPolicy",
    "TagLogGroup",
    "UntagLogGroup",
    "ListTagsLogGroup",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "DescribeLogStreams",
    "GetLogEvents",
    "FilterLogEvents",
];

/// What every operation gets.
#[derive(Debug)]
pub struct Ctx {
    /// The store and configuration (the data directory the files are under).
    pub state: AppState,
    /// The request body.
    pub input: JsonInput,
    /// The region from the signing scope (log groups are regional).
    pub region: String,
    /// The account that owns what the request creates.
    pub account: String,
}

/// The CloudWatch Logs routes: every operation is a `POST /` named by `X-Amz-Target`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// `POST /` with `X-Amz-Target: Logs_20140328.<Operation>`.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let Some(operation) = context
        .dispatch
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(|t| t.strip_prefix('.'))
    else {
        return Err(context.dispatch.protocol.unknown_operation());
    };
    let input = JsonInput::parse(&body)?;
    let ctx = Ctx {
        account: state.config.account_id.clone(),
        state,
        input,
        region: context.region.into_string(),
    };
    let out = match operation {
        "CreateLogGroup" => groups::create(&ctx).await,
        "DeleteLogGroup" => groups::delete(&ctx).await,
        "DescribeLogGroups" => groups::describe(&ctx).await,
        "PutRetentionPolicy" => groups::put_retention(&ctx).await,
        "DeleteRetentionPolicy" => groups::delete_retention(&ctx).await,
        "TagLogGroup" => groups::tag_log_group(&ctx).await,
        "UntagLogGroup" => groups::untag_log_group(&ctx).await,
        "ListTagsLogGroup" => groups::list_tags_log_group(&ctx).await,
        "TagResource" => groups::tag_resource(&ctx).await,
        "UntagResource" => groups::untag_resource(&ctx).await,
        "ListTagsForResource" => groups::list_tags_for_resource(&ctx).await,
        "DescribeLogStreams" => events::describe_streams(&ctx).await,
        "GetLogEvents" => events::get(&ctx).await,
        "FilterLogEvents" => events::filter(&ctx).await,
        other => Err(AwsError::operation_not_served(TARGET_PREFIX, other)),
    }?;
    Ok(json::response(out, json::JSON_1_1))
}

//------------ errors --------------------------------------------------------------------

/// 400 `InvalidParameterException`, CloudWatch Logs' answer to most bad input.
pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameterException",
        message,
    )
}

/// A constraint failure on member `name` holding `value`, in AWS's validation form.
pub fn constraint(value: impl std::fmt::Display, name: &str, constraint: &str) -> AwsError {
    invalid_parameter(format!(
        "1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: {constraint}"
    ))
}

/// 400 `ResourceNotFoundException`.
pub fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        message,
    )
}

/// The group a request names does not exist.
pub fn group_not_found() -> AwsError {
    not_found("The specified log group does not exist.")
}

//------------ shared helpers ------------------------------------------------------------

/// A `logGroupName` member, checked against botocore's pattern.
pub fn group_name(input: &JsonInput, member: &str) -> Result<String, AwsError> {
    let name = input.required_str(member)?;
    check_name(&name, member)?;
    Ok(name)
}

fn check_name(name: &str, member: &str) -> Result<(), AwsError> {
    if log_group::valid_name(name) {
        Ok(())
    } else {
        Err(constraint(
            name,
            member,
            "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+",
        ))
    }
}

/// The group a request names by `logGroupName` or `logGroupIdentifier` (a name or an ARN,
/// with or without `:*`); exactly one of the two must be given.
pub async fn named_group(ctx: &Ctx) -> Result<LogGroup, AwsError> {
    let by_name = ctx.input.str("logGroupName")?;
    let by_id = ctx.input.str("logGroupIdentifier")?;
    let name = match (by_name, by_id) {
        (Some(name), None) => name,
        (None, Some(id)) => match id.strip_prefix("arn:") {
            Some(_) => group_name_of_arn(&id)
                .ok_or_else(|| invalid_parameter(format!("Invalid log group ARN: {id}")))?,
            None => id,
        },
        (Some(_), Some(_)) => {
            return Err(invalid_parameter(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
            ))
        }
        (None, None) => {
            return Err(invalid_parameter(
                "Should provide either logGroupName or logGroupIdentifier.",
            ))
        }
    };
    check_name(&name, "logGroupName")?;
    existing_group(ctx, &name).await
}

/// The caller's group `name` in the request's region, or `ResourceNotFoundException`.
pub async fn existing_group(ctx: &Ctx, name: &str) -> Result<LogGroup, AwsError> {
    ctx.state
        .store
        .log_group(&ctx.account, &ctx.region, name)
        .await?
        .ok_or_else(group_not_found)
}

/// The group name of a log group ARN (`arn:aws:logs:R:A:log-group:NAME[:*]`).
pub fn group_name_of_arn(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "logs", _, _, resource] = parts[..] else {
        return None;
    };
    let name = resource.strip_prefix("log-group:")?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    log_group::valid_name(name).then(|| name.to_string())
}

/// A `limit` member: `default` when absent, else within `1..=max`.
pub fn limit(input: &JsonInput, default: usize, max: usize) -> Result<usize, AwsError> {
    match input.int("limit")? {
        None => Ok(default),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(constraint(
            n,
            "limit",
            &format!("Member must have value less than or equal to {max}"),
        )),
    }
}

/// A `nextToken` that is an offset Cairn handed out, at most `len`.
pub fn offset_token(input: &JsonInput, len: usize) -> Result<usize, AwsError> {
    match input.str("nextToken")? {
        None => Ok(0),
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= len)
            .ok_or_else(|| {
                invalid_parameter(format!("The specified nextToken is invalid: {token}"))
            }),
    }
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_arns_name_their_group() {
        for (arn, want) in [
            (
                "arn:aws:logs:us-east-1:111111111111:log-group:/aws/route53/x:*",
                Some("/aws/route53/x"),
            ),
            ("arn:aws:logs:us-east-1:111111111111:log-group:g", Some("g")),
            ("arn:aws:s3:::bucket", None),
            ("arn:aws:logs:us-east-1:111111111111:log-group:a b", None),
        ] {
            assert_eq!(group_name_of_arn(arn).as_deref(), want, "{arn}");
        }
    }
}

//! Log groups: Create/Delete/DescribeLogGroups, Put/DeleteRetentionPolicy, and tags by name
//! (TagLogGroup, UntagLogGroup, ListTagsLogGroup) and by ARN (TagResource, UntagResource,
//! ListTagsForResource).

use axum::http::StatusCode;
use cairn_model::log_group::{LogGroup, RETENTION_DAYS};
use serde_json::{json, Map, Value};

use super::{
    constraint, existing_group, files, group_name, group_name_of_arn, invalid_parameter, limit,
    now_ms, offset_token, Ctx,
};
use crate::error::AwsError;
use crate::protocol::json::JsonInput;

/// At most this many tags on one group (CloudWatch Logs' quota).
const MAX_TAGS: usize = 50;

/// CreateLogGroup: `logGroupName`, optional `tags`. Cairn neither encrypts nor protects
/// groups from deletion, so `kmsKeyId` and `deletionProtectionEnabled: true` are refused
/// rather than ignored.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    if ctx.input.str("kmsKeyId")?.is_some() {
        return Err(invalid_parameter(
            "Cairn does not encrypt log groups: kmsKeyId is not supported.",
        ));
    }
    if ctx.input.bool("deletionProtectionEnabled")? == Some(true) {
        return Err(invalid_parameter(
            "Cairn does not support deletion protection on log groups.",
        ));
    }
    match ctx.input.str("logGroupClass")?.as_deref() {
        None | Some("STANDARD") => {}
        Some(other) => {
            return Err(invalid_parameter(format!(
                "Cairn keeps STANDARD log groups only, not {other}."
            )))
        }
    }
    let tags = input_tags(&ctx.input, "tags")?.unwrap_or_default();
    let group = LogGroup {
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        name,
        created_ms: now_ms(),
        retention_days: None,
        tags,
    };
    if !ctx.state.store.create_log_group(group).await? {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "ResourceAlreadyExistsException",
            "The specified log group already exists",
        ));
    }
    Ok(json!({}))
}

/// DeleteLogGroup. The group's file stays: it is the data plane's, written by ARN, and a
/// log shipper may still be reading it.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    if !ctx
        .state
        .store
        .delete_log_group(&ctx.account, &ctx.region, &name)
        .await?
    {
        return Err(super::group_not_found());
    }
    Ok(json!({}))
}

/// DescribeLogGroups: by `logGroupNamePrefix` or `logGroupNamePattern` (a case-insensitive
/// substring; not both), or by `logGroupIdentifiers`, paged by `limit` (1–50) and
/// `nextToken`.
pub async fn describe(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let prefix = input.str("logGroupNamePrefix")?;
    let pattern = input.str("logGroupNamePattern")?;
    if prefix.is_some() && pattern.is_some() {
        return Err(invalid_parameter(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let identifiers = input.strings("logGroupIdentifiers")?;
    let class = input.str("logGroupClass")?;
    let max = limit(input, 50, 50)?;
    let mut groups = ctx
        .state
        .store
        .list_log_groups(&ctx.account, &ctx.region)
        .await?;
    if let Some(prefix) = &prefix {
        groups.retain(|g| g.name.starts_with(prefix.as_str()));
    }
    if let Some(pattern) = &pattern {
        let pattern = pattern.to_lowercase();
        groups.retain(|g| g.name.to_lowercase().contains(&pattern));
    }
    if let Some(ids) = &identifiers {
        groups.retain(|g| {
            ids.iter().any(|id| {
                *id == g.name || group_name_of_arn(id).as_deref() == Some(g.name.as_str())
            })
        });
    }
    if class.as_deref().is_some_and(|c| c != "STANDARD") {
        groups.clear();
    }
    let start = offset_token(input, groups.len())?;
    let end = (start + max).min(groups.len());
    let page: Vec<Value> = groups[start..end]
        .iter()
        .map(|g| describe_group(ctx, g))
        .collect();
    let mut out = json!({ "logGroups": page });
    if end < groups.len() {
        out["nextToken"] = Value::from(end.to_string());
    }
    Ok(out)
}

/// One `LogGroup` as DescribeLogGroups returns it: `arn` ends in `:*`, `logGroupArn` does
/// not (as on AWS); `storedBytes` is the size of the group's file.
fn describe_group(ctx: &Ctx, group: &LogGroup) -> Value {
    let mut out = json!({
        "logGroupName": group.name,
        "creationTime": group.created_ms,
        "metricFilterCount": 0,
        "arn": format!("{}:*", group.arn()),
        "storedBytes": files::stored_bytes(ctx.state.config.data_dir.as_deref(), &group.name),
        "logGroupClass": "STANDARD",
        "logGroupArn": group.arn(),
    });
    if let Some(days) = group.retention_days {
        out["retentionInDays"] = Value::from(days);
    }
    out
}

/// PutRetentionPolicy: `retentionInDays` must be one of CloudWatch Logs' periods.
pub async fn put_retention(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    let days = match ctx.input.int("retentionInDays")? {
        Some(days) => days,
        None => {
            ctx.input.required_str("retentionInDays")?;
            0
        }
    };
    if !RETENTION_DAYS.contains(&days) {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(ToString::to_string).collect();
        return Err(constraint(
            days,
            "retentionInDays",
            &format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        ));
    }
    let mut group = existing_group(ctx, &name).await?;
    group.retention_days = Some(days);
    save(ctx, group).await
}

/// DeleteRetentionPolicy: events are kept for ever again.
pub async fn delete_retention(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    let mut group = existing_group(ctx, &name).await?;
    group.retention_days = None;
    save(ctx, group).await
}

async fn save(ctx: &Ctx, group: LogGroup) -> Result<Value, AwsError> {
    if !ctx.state.store.update_log_group(group).await? {
        return Err(super::group_not_found());
    }
    Ok(json!({}))
}

//------------ tags ----------------------------------------------------------------------

/// A tag map member, checked: 1–50 tags, keys of 1–128 characters not starting `aws:`,
/// values of at most 256, both of letters, digits, spaces and `_.:/=+-@`.
fn input_tags(input: &JsonInput, member: &str) -> Result<Option<Vec<(String, String)>>, AwsError> {
    let Some(tags) = input.string_map(member)? else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    for (key, value) in &tags {
        if key.is_empty() || key.chars().count() > 128 || !key.chars().all(allowed) {
            return Err(constraint(
                key,
                member,
                "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]",
            ));
        }
        if key.starts_with("aws:") {
            return Err(invalid_parameter(
                "Tag keys beginning with aws: are reserved.",
            ));
        }
        if value.chars().count() > 256 || !value.chars().all(allowed) {
            return Err(constraint(
                value,
                member,
                "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]",
            ));
        }
    }
    if tags.is_empty() || tags.len() > MAX_TAGS {
        return Err(constraint(
            "map",
            member,
            "Member must have length less than or equal to 50, Member must have length greater than or equal to 1",
        ));
    }
    Ok(Some(tags))
}

fn required_tags(input: &JsonInput, member: &str) -> Result<Vec<(String, String)>, AwsError> {
    match input_tags(input, member)? {
        Some(tags) => Ok(tags),
        None => {
            input.required_str(member)?;
            Ok(Vec::new())
        }
    }
}

fn tags_value(group: &LogGroup) -> Value {
    let map: Map<String, Value> = group
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
        .collect();
    json!({ "tags": map })
}

/// Adds `tags` to `group` and saves it; `too_many` is the error for a 51st tag.
async fn add_tags(
    ctx: &Ctx,
    mut group: LogGroup,
    tags: Vec<(String, String)>,
    too_many: AwsError,
) -> Result<Value, AwsError> {
    group.tag(tags);
    if group.tags.len() > MAX_TAGS {
        return Err(too_many);
    }
    save(ctx, group).await
}

/// The group a `resourceArn` names: a log group ARN (with or without `:*`) of the caller's
/// in the request's region.
async fn group_of_resource(ctx: &Ctx) -> Result<LogGroup, AwsError> {
    let arn = ctx.input.required_str("resourceArn")?;
    let name = group_name_of_arn(&arn)
        .ok_or_else(|| invalid_parameter(format!("Invalid resource ARN: {arn}")))?;
    let group = ctx
        .state
        .store
        .log_group(&ctx.account, &ctx.region, &name)
        .await?
        .filter(|g| arn.trim_end_matches(":*") == g.arn());
    group.ok_or_else(|| super::not_found(format!("The specified resource does not exist: {arn}")))
}

/// TagLogGroup (the older call, by name).
pub async fn tag_log_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    let tags = required_tags(&ctx.input, "tags")?;
    let group = existing_group(ctx, &name).await?;
    let too_many = invalid_parameter(format!("A log group can have at most {MAX_TAGS} tags."));
    add_tags(ctx, group, tags, too_many).await
}

/// UntagLogGroup: `tags` is a list of keys.
pub async fn untag_log_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    let Some(keys) = ctx.input.strings("tags")? else {
        ctx.input.required_str("tags")?;
        return Ok(json!({}));
    };
    let mut group = existing_group(ctx, &name).await?;
    group.untag(&keys);
    save(ctx, group).await
}

/// ListTagsLogGroup.
pub async fn list_tags_log_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = group_name(&ctx.input, "logGroupName")?;
    Ok(tags_value(&existing_group(ctx, &name).await?))
}

/// TagResource.
pub async fn tag_resource(ctx: &Ctx) -> Result<Value, AwsError> {
    let tags = required_tags(&ctx.input, "tags")?;
    let group = group_of_resource(ctx).await?;
    let too_many = AwsError::new(
        StatusCode::BAD_REQUEST,
        "TooManyTagsException",
        format!("A resource can have at most {MAX_TAGS} tags."),
    );
    add_tags(ctx, group, tags, too_many).await
}

/// UntagResource.
pub async fn untag_resource(ctx: &Ctx) -> Result<Value, AwsError> {
    let Some(keys) = ctx.input.strings("tagKeys")? else {
        ctx.input.required_str("tagKeys")?;
        return Ok(json!({}));
    };
    let mut group = group_of_resource(ctx).await?;
    group.untag(&keys);
    save(ctx, group).await
}

/// ListTagsForResource.
pub async fn list_tags_for_resource(ctx: &Ctx) -> Result<Value, AwsError> {
    Ok(tags_value(&group_of_resource(ctx).await?))
}

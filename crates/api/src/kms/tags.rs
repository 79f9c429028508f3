//! Tags: TagResource, UntagResource and ListResourceTags. KMS writes tags as a list of
//! `{TagKey, TagValue}`.

use serde_json::{json, Value};

use super::key_ref::{self, Aliases};
use super::{page, require, Ctx};
use crate::error::{kms, AwsError};
use crate::protocol::json::JsonInput;
use cairn_model::kms::KmsKeyChange;

/// At most this many tags on one key (KMS's quota).
const MAX_TAGS: usize = 50;

fn tag_error(message: impl Into<String>) -> AwsError {
    kms("TagException", message)
}

/// The request's `Tags`, checked: keys of 1–128 characters not starting `aws:`, values of
/// at most 256.
pub fn input_tags(input: &JsonInput) -> Result<Vec<(String, String)>, AwsError> {
    let mut tags = Vec::new();
    for tag in input.objects("Tags")?.unwrap_or_default() {
        let key = tag.required_str("TagKey")?;
        let value = tag.required_str("TagValue")?;
        if key.is_empty() || key.chars().count() > 128 {
            return Err(tag_error(format!(
                "Tag key '{key}' must be 1 to 128 characters long."
            )));
        }
        if key.starts_with("aws:") {
            return Err(tag_error("Tags beginning with aws: are reserved."));
        }
        if value.chars().count() > 256 {
            return Err(tag_error(format!(
                "The value of tag '{key}' must be at most 256 characters long."
            )));
        }
        tags.push((key, value));
    }
    if tags.len() > MAX_TAGS {
        return Err(kms(
            "LimitExceededException",
            format!("A KMS key can have at most {MAX_TAGS} tags."),
        ));
    }
    Ok(tags)
}

/// TagResource: values of keys already there are replaced.
pub async fn tag(ctx: &Ctx) -> Result<Value, AwsError> {
    require(&ctx.input, "Tags")?;
    let tags = input_tags(&ctx.input)?;
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    let after = KmsKeyChange::Tag(tags.clone()).apply(&key)?;
    if after.tags.len() > MAX_TAGS {
        return Err(kms(
            "LimitExceededException",
            format!("A KMS key can have at most {MAX_TAGS} tags."),
        ));
    }
    ctx.state
        .store
        .change_kms_key(&ctx.account, &key.id, KmsKeyChange::Tag(tags))
        .await?;
    Ok(json!({}))
}

/// UntagResource.
pub async fn untag(ctx: &Ctx) -> Result<Value, AwsError> {
    require(&ctx.input, "TagKeys")?;
    let keys = ctx.input.strings("TagKeys")?.unwrap_or_default();
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    ctx.state
        .store
        .change_kms_key(&ctx.account, &key.id, KmsKeyChange::Untag(keys))
        .await?;
    Ok(json!({}))
}

/// ListResourceTags, in the order the tags were first given (at most 50 a page).
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    let tags = key
        .tags
        .iter()
        .map(|(k, v)| json!({ "TagKey": k, "TagValue": v }))
        .collect();
    page(&ctx.input, "Tags", tags, 50, 50)
}

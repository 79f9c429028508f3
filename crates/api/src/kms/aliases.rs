//! Aliases: CreateAlias, DeleteAlias and ListAliases. An alias (`alias/<name>`) names one key
//! of its account and region; DescribeKey, GetPublicKey, Sign and Verify accept it in
//! `KeyId`.

use cairn_model::kms::KmsAlias;
use serde_json::{json, Value};

use super::key_ref::{self, now_ms, Aliases};
use super::{page, Ctx};
use crate::error::{kms, AwsError};
use crate::protocol::json;

/// The alias name in `AliasName`, checked as KMS checks it.
fn alias_name(ctx: &Ctx) -> Result<String, AwsError> {
    let name = ctx.input.required_str("AliasName")?;
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(kms(
            "InvalidAliasNameException",
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    };
    if rest.starts_with("aws/") {
        return Err(kms(
            "NotAuthorizedException",
            "Cannot create alias with prefix 'alias/aws/'",
        ));
    }
    let shaped = !rest.is_empty()
        && name.len() <= 256
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'));
    if !shaped {
        return Err(kms(
            "InvalidAliasNameException",
            format!("Alias name {name} contains characters that are not allowed."),
        ));
    }
    Ok(name)
}

/// CreateAlias: the target is named by key id or key ARN.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = alias_name(ctx)?;
    let target = ctx.input.required_str("TargetKeyId")?;
    let key = key_ref::resolve(
        &ctx.state,
        &ctx.account,
        &ctx.region,
        &target,
        Aliases::Refused,
    )
    .await?;
    if key.state == cairn_model::kms::KeyState::PendingDeletion {
        return Err(cairn_model::kms::KmsError::PendingDeletion(key.arn()).into());
    }
    let alias = KmsAlias {
        name,
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        target_key_id: key.id,
        created_ms: now_ms(),
    };
    ctx.state.store.create_kms_alias(alias).await?;
    Ok(json!({}))
}

/// DeleteAlias.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = ctx.input.required_str("AliasName")?;
    ctx.state
        .store
        .delete_kms_alias(&ctx.account, &ctx.region, &name)
        .await?;
    Ok(json!({}))
}

/// ListAliases: every alias of the account in the region, or of the key `KeyId` names.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let only = match ctx.input.str("KeyId")? {
        Some(_) => Some(key_ref::key(ctx, Aliases::Refused).await?.id),
        None => None,
    };
    let aliases: Vec<Value> = ctx
        .state
        .store
        .list_kms_aliases(&ctx.account, &ctx.region)
        .await?
        .into_iter()
        .filter(|a| only.as_ref().is_none_or(|id| *id == a.target_key_id))
        .map(|a| {
            json!({
                "AliasName": a.name,
                "AliasArn": a.arn(),
                "TargetKeyId": a.target_key_id,
                "CreationDate": json::epoch_seconds(a.created_ms),
                "LastUpdatedDate": json::epoch_seconds(a.created_ms),
            })
        })
        .collect();
    page(&ctx.input, "Aliases", aliases, 50, 100)
}

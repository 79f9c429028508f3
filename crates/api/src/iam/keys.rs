//! CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey. The secret is shown
//! once, in CreateAccessKey's answer; the store keeps it sealed with the node master key
//! (SigV4 needs it back to verify the user's signatures).

use axum::response::Response;
use base64::Engine;
use cairn_model::iam::{AccessKey, AccessKeyStatus};
use rand::RngCore;

use super::users::need_user;
use super::{new_id, not_truncated, now_ms, timestamp, validation, Ctx};
use crate::error::AwsError;
use crate::identity::secret_context;

/// The user a key call is about: `UserName`, else the caller's own user; the root has none
/// here (root keys come from the node's configuration).
fn user_param(ctx: &Ctx) -> Result<&str, AwsError> {
    ctx.required("UserName")
}

/// CreateAccessKey.
pub async fn create(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = need_user(ctx, user_param(ctx)?).await?;
    let id = new_id("AKIA", 16);
    let mut raw = [0u8; 30];
    rand::thread_rng().fill_bytes(&mut raw);
    let secret = base64::engine::general_purpose::STANDARD.encode(raw);
    let sealed = ctx
        .state
        .master_key
        .seal(&secret_context(&id), secret.as_bytes());
    let key = AccessKey {
        id,
        account: ctx.account.clone(),
        user_name: user.name,
        status: AccessKeyStatus::Active,
        sealed_secret: base64::engine::general_purpose::STANDARD.encode(sealed),
        created_ms: now_ms(),
    };
    let key = ctx.state.store.create_access_key(key).await?;
    let mut response = ctx.response("CreateAccessKey");
    response
        .w()
        .open("AccessKey")
        .leaf("UserName", &key.user_name)
        .leaf("AccessKeyId", &key.id)
        .leaf("Status", key.status.as_str())
        .leaf("SecretAccessKey", &secret)
        .leaf("CreateDate", timestamp(key.created_ms))
        .close("AccessKey");
    Ok(response.finish(&ctx.request_id))
}

/// ListAccessKeys.
pub async fn list(ctx: &Ctx) -> Result<Response, AwsError> {
    let keys = ctx
        .state
        .store
        .list_access_keys(&ctx.account, user_param(ctx)?)
        .await?;
    let mut response = ctx.response("ListAccessKeys");
    let w = response.w();
    w.open("AccessKeyMetadata");
    for key in &keys {
        w.open("member")
            .leaf("UserName", &key.user_name)
            .leaf("AccessKeyId", &key.id)
            .leaf("Status", key.status.as_str())
            .leaf("CreateDate", timestamp(key.created_ms))
            .close("member");
    }
    w.close("AccessKeyMetadata");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

/// UpdateAccessKey (Active/Inactive).
pub async fn update(ctx: &Ctx) -> Result<Response, AwsError> {
    let id = ctx.required("AccessKeyId")?;
    let text = ctx.required("Status")?;
    let status = AccessKeyStatus::parse(text).ok_or_else(|| {
        validation(format!(
            "1 validation error detected: Value '{text}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
        ))
    })?;
    ctx.state
        .store
        .set_access_key_status(&ctx.account, user_param(ctx)?, id, status)
        .await?;
    Ok(ctx.empty("UpdateAccessKey"))
}

/// DeleteAccessKey.
pub async fn delete(ctx: &Ctx) -> Result<Response, AwsError> {
    let id = ctx.required("AccessKeyId")?;
    ctx.state
        .store
        .delete_access_key(&ctx.account, user_param(ctx)?, id)
        .await?;
    Ok(ctx.empty("DeleteAccessKey"))
}

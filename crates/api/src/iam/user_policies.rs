//! Inline user policies: PutUserPolicy, GetUserPolicy, DeleteUserPolicy, ListUserPolicies.
//! Documents are validated as identity policies before anything is stored, and given back
//! URL-encoded, as IAM does (botocore decodes them).

use axum::http::StatusCode;
use axum::response::Response;

use super::{check_name, not_truncated, Ctx};
use crate::error::{malformed_policy, AwsError};
use crate::protocol::query::uri_encode;

/// IAM's quota on one user's inline policies, counted without whitespace.
pub const USER_POLICY_SIZE: usize = 2048;

/// Validates `document` as an identity policy: `MalformedPolicyDocument` with IAM's words.
pub fn check_document(document: &str) -> Result<(), AwsError> {
    cairn_iam::parse(document, cairn_iam::Kind::Identity)
        .map(|_| ())
        .map_err(|e| malformed_policy(e.0))
}

/// A document's size as IAM's quotas count it: characters other than whitespace.
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// PutUserPolicy.
pub async fn put(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = ctx.required("UserName")?;
    let name = ctx.required("PolicyName")?;
    let document = ctx.required("PolicyDocument")?;
    check_name(name, "policyName", 128)?;
    check_document(document)?;
    if policy_size(document) > USER_POLICY_SIZE {
        return Err(AwsError::new(
            StatusCode::CONFLICT,
            "LimitExceeded",
            format!("Maximum policy size of {USER_POLICY_SIZE} bytes exceeded for user {user}"),
        ));
    }
    ctx.state
        .store
        .put_user_policy(&ctx.account, user, name, document)
        .await?;
    Ok(ctx.empty("PutUserPolicy"))
}

/// GetUserPolicy.
pub async fn get(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = super::users::need_user(ctx, ctx.required("UserName")?).await?;
    let name = ctx.required("PolicyName")?;
    let document = ctx
        .state
        .store
        .user_policy(&ctx.account, &user.name, name)
        .await?;
    let mut response = ctx.response("GetUserPolicy");
    response
        .w()
        .leaf("UserName", &user.name)
        .leaf("PolicyName", name)
        .leaf("PolicyDocument", uri_encode(&document, false));
    Ok(response.finish(&ctx.request_id))
}

/// DeleteUserPolicy.
pub async fn delete(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = ctx.required("UserName")?;
    let name = ctx.required("PolicyName")?;
    ctx.state
        .store
        .delete_user_policy(&ctx.account, user, name)
        .await?;
    Ok(ctx.empty("DeleteUserPolicy"))
}

/// ListUserPolicies.
pub async fn list(ctx: &Ctx) -> Result<Response, AwsError> {
    let names = ctx
        .state
        .store
        .list_user_policies(&ctx.account, ctx.required("UserName")?)
        .await?;
    let mut response = ctx.response("ListUserPolicies");
    let w = response.w();
    w.open("PolicyNames");
    for name in &names {
        w.leaf("member", name);
    }
    w.close("PolicyNames");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

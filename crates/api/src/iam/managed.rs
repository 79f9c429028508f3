//! Customer managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, their
//! versions and tags, and attaching them to users. AWS managed policies
//! (`arn:aws:iam::aws:policy/…`) do not exist here: asking for one is `NoSuchEntity`.

use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::error::IamError;
use cairn_model::iam::{ManagedPolicy, PolicyVersion};

use super::user_policies::{check_document, policy_size};
use super::users::need_user;
use super::{
    check_name, list_tags_response, merge_tags, new_id, not_truncated, now_ms, path_param,
    tags_param, timestamp, untagged, write_tags, Ctx,
};
use crate::error::AwsError;
use crate::protocol::query::uri_encode;
use crate::protocol::rest_xml::XmlWriter;

/// IAM's quota on a managed policy's document, counted without whitespace.
pub const POLICY_SIZE: usize = 6144;

fn write_policy(w: &mut XmlWriter, element: &str, policy: &ManagedPolicy, attachments: usize) {
    w.open(element)
        .leaf("PolicyName", &policy.name)
        .leaf("PolicyId", &policy.id)
        .leaf("Arn", policy.arn())
        .leaf("Path", &policy.path)
        .leaf("DefaultVersionId", &policy.default_version)
        .leaf("AttachmentCount", attachments.to_string())
        .leaf("PermissionsBoundaryUsageCount", "0")
        .leaf("IsAttachable", "true");
    if !policy.description.is_empty() {
        w.leaf("Description", &policy.description);
    }
    w.leaf("CreateDate", timestamp(policy.created_ms))
        .leaf("UpdateDate", timestamp(policy.updated_ms));
    write_tags(w, "Tags", &policy.tags);
    w.close(element);
}

fn write_version(w: &mut XmlWriter, element: &str, version: &PolicyVersion, with_document: bool) {
    w.open(element);
    if with_document {
        w.leaf("Document", uri_encode(&version.document, false));
    }
    w.leaf("VersionId", &version.id)
        .leaf("IsDefaultVersion", version.is_default.to_string())
        .leaf("CreateDate", timestamp(version.created_ms))
        .close(element);
}

fn check_size(document: &str) -> Result<(), AwsError> {
    if policy_size(document) > POLICY_SIZE {
        return Err(AwsError::new(
            StatusCode::CONFLICT,
            "LimitExceeded",
            format!("Cannot exceed quota for PolicySize: {POLICY_SIZE}"),
        ));
    }
    Ok(())
}

async fn need_policy(ctx: &Ctx, arn: &str) -> Result<ManagedPolicy, AwsError> {
    ctx.state
        .store
        .policy(&ctx.account, arn)
        .await?
        .ok_or_else(|| IamError::NoSuchPolicy(arn.to_string()).into())
}

/// CreatePolicy.
pub async fn create(ctx: &Ctx) -> Result<Response, AwsError> {
    let name = ctx.required("PolicyName")?;
    let document = ctx.required("PolicyDocument")?;
    check_name(name, "policyName", 128)?;
    check_document(document)?;
    check_size(document)?;
    let now = now_ms();
    let policy = ManagedPolicy {
        account: ctx.account.clone(),
        name: name.to_string(),
        id: new_id("ANPA", 17),
        path: path_param(ctx)?,
        description: ctx
            .params
            .get("Description")
            .unwrap_or_default()
            .to_string(),
        default_version: "v1".into(),
        next_version: 2,
        created_ms: now,
        updated_ms: now,
        tags: tags_param(ctx)?,
    };
    let policy = ctx.state.store.create_policy(policy, document).await?;
    let mut response = ctx.response("CreatePolicy");
    write_policy(response.w(), "Policy", &policy, 0);
    Ok(response.finish(&ctx.request_id))
}

/// GetPolicy.
pub async fn get(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let policy = need_policy(ctx, arn).await?;
    let count = ctx
        .state
        .store
        .policy_attachment_count(&ctx.account, arn)
        .await?;
    let mut response = ctx.response("GetPolicy");
    write_policy(response.w(), "Policy", &policy, count);
    Ok(response.finish(&ctx.request_id))
}

/// DeletePolicy.
pub async fn delete(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    ctx.state.store.delete_policy(&ctx.account, arn).await?;
    Ok(ctx.empty("DeletePolicy"))
}

/// ListPolicies: the account's own (`Scope` `AWS` lists none), `OnlyAttached`, `PathPrefix`.
pub async fn list(ctx: &Ctx) -> Result<Response, AwsError> {
    let scope = ctx.params.get("Scope").unwrap_or("All");
    let only_attached = ctx.params.get("OnlyAttached") == Some("true");
    let prefix = ctx.params.get("PathPrefix").unwrap_or("/");
    let policies = if scope == "AWS" {
        Vec::new()
    } else {
        ctx.state.store.list_policies(&ctx.account).await?
    };
    let mut response = ctx.response("ListPolicies");
    let w = response.w();
    w.open("Policies");
    for (policy, count) in &policies {
        if (only_attached && *count == 0) || !policy.path.starts_with(prefix) {
            continue;
        }
        write_policy(w, "member", policy, *count);
    }
    w.close("Policies");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

/// CreatePolicyVersion.
pub async fn create_version(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let document = ctx.required("PolicyDocument")?;
    check_document(document)?;
    check_size(document)?;
    let set_as_default = ctx.params.get("SetAsDefault") == Some("true");
    let version = ctx
        .state
        .store
        .create_policy_version(&ctx.account, arn, document, set_as_default, now_ms())
        .await?;
    let mut response = ctx.response("CreatePolicyVersion");
    write_version(response.w(), "PolicyVersion", &version, false);
    Ok(response.finish(&ctx.request_id))
}

/// GetPolicyVersion (the document URL-encoded).
pub async fn get_version(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let id = ctx.required("VersionId")?;
    let version = ctx
        .state
        .store
        .policy_version(&ctx.account, arn, id)
        .await?;
    let mut response = ctx.response("GetPolicyVersion");
    write_version(response.w(), "PolicyVersion", &version, true);
    Ok(response.finish(&ctx.request_id))
}

/// ListPolicyVersions, newest first.
pub async fn list_versions(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let versions = ctx
        .state
        .store
        .list_policy_versions(&ctx.account, arn)
        .await?;
    let mut response = ctx.response("ListPolicyVersions");
    let w = response.w();
    w.open("Versions");
    for version in &versions {
        write_version(w, "member", version, false);
    }
    w.close("Versions");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

/// DeletePolicyVersion.
pub async fn delete_version(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let id = ctx.required("VersionId")?;
    ctx.state
        .store
        .delete_policy_version(&ctx.account, arn, id)
        .await?;
    Ok(ctx.empty("DeletePolicyVersion"))
}

/// SetDefaultPolicyVersion.
pub async fn set_default_version(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let id = ctx.required("VersionId")?;
    ctx.state
        .store
        .set_default_policy_version(&ctx.account, arn, id, now_ms())
        .await?;
    Ok(ctx.empty("SetDefaultPolicyVersion"))
}

/// TagPolicy.
pub async fn tag(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let policy = need_policy(ctx, arn).await?;
    let tags = merge_tags(policy.tags, tags_param(ctx)?);
    ctx.state
        .store
        .set_policy_tags(&ctx.account, arn, tags)
        .await?;
    Ok(ctx.empty("TagPolicy"))
}

/// UntagPolicy.
pub async fn untag(ctx: &Ctx) -> Result<Response, AwsError> {
    let arn = ctx.required("PolicyArn")?;
    let policy = need_policy(ctx, arn).await?;
    let tags = untagged(ctx, policy.tags);
    ctx.state
        .store
        .set_policy_tags(&ctx.account, arn, tags)
        .await?;
    Ok(ctx.empty("UntagPolicy"))
}

/// ListPolicyTags.
pub async fn list_tags(ctx: &Ctx) -> Result<Response, AwsError> {
    let policy = need_policy(ctx, ctx.required("PolicyArn")?).await?;
    Ok(list_tags_response(ctx, "ListPolicyTags", &policy.tags))
}

/// AttachUserPolicy.
pub async fn attach(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = ctx.required("UserName")?;
    let arn = ctx.required("PolicyArn")?;
    ctx.state
        .store
        .attach_user_policy(&ctx.account, user, arn)
        .await?;
    Ok(ctx.empty("AttachUserPolicy"))
}

/// DetachUserPolicy.
pub async fn detach(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = ctx.required("UserName")?;
    let arn = ctx.required("PolicyArn")?;
    ctx.state
        .store
        .detach_user_policy(&ctx.account, user, arn)
        .await?;
    Ok(ctx.empty("DetachUserPolicy"))
}

/// ListAttachedUserPolicies.
pub async fn list_attached(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = need_user(ctx, ctx.required("UserName")?).await?;
    let policies = ctx
        .state
        .store
        .list_attached_user_policies(&ctx.account, &user.name)
        .await?;
    let mut response = ctx.response("ListAttachedUserPolicies");
    let w = response.w();
    w.open("AttachedPolicies");
    for policy in &policies {
        w.open("member")
            .leaf("PolicyName", &policy.name)
            .leaf("PolicyArn", policy.arn())
            .close("member");
    }
    w.close("AttachedPolicies");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

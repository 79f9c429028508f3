//! CreateUser, GetUser, ListUsers, DeleteUser and user tags.

use axum::response::Response;
use cairn_model::iam::IamUser;

use super::{
    check_name, list_tags_response, merge_tags, new_id, not_truncated, now_ms, path_param,
    tags_param, timestamp, untagged, write_tags, Ctx,
};
use crate::error::AwsError;
use crate::protocol::rest_xml::XmlWriter;

/// Writes `<User>` (`with_tags`: GetUser and CreateUser list them, ListUsers does not).
pub fn write_user(w: &mut XmlWriter, element: &str, user: &IamUser, with_tags: bool) {
    w.open(element)
        .leaf("Path", &user.path)
        .leaf("UserName", &user.name)
        .leaf("UserId", &user.id)
        .leaf("Arn", user.arn())
        .leaf("CreateDate", timestamp(user.created_ms));
    if with_tags {
        write_tags(w, "Tags", &user.tags);
    }
    w.close(element);
}

/// The user a request names, or `NoSuchEntity`.
pub async fn need_user(ctx: &Ctx, name: &str) -> Result<IamUser, AwsError> {
    ctx.state
        .store
        .iam_user(&ctx.account, name)
        .await?
        .ok_or_else(|| cairn_model::error::IamError::NoSuchUser(name.to_string()).into())
}

/// CreateUser.
pub async fn create(ctx: &Ctx) -> Result<Response, AwsError> {
    let name = ctx.required("UserName")?;
    check_name(name, "userName", 64)?;
    let user = IamUser {
        account: ctx.account.clone(),
        name: name.to_string(),
        id: new_id("AIDA", 17),
        path: path_param(ctx)?,
        created_ms: now_ms(),
        tags: tags_param(ctx)?,
    };
    let user = ctx.state.store.create_iam_user(user).await?;
    let mut response = ctx.response("CreateUser");
    write_user(response.w(), "User", &user, true);
    Ok(response.finish(&ctx.request_id))
}

/// GetUser: the named user; without a name, the caller (the account's root here).
pub async fn get(ctx: &Ctx) -> Result<Response, AwsError> {
    let mut response = ctx.response("GetUser");
    match ctx.params.get("UserName") {
        Some(name) => {
            let user = need_user(ctx, name).await?;
            write_user(response.w(), "User", &user, true);
        }
        None => {
            // The root identity, as IAM describes it: no name or path.
            response
                .w()
                .open("User")
                .leaf("UserId", &ctx.account)
                .leaf("Arn", format!("arn:aws:iam::{}:root", ctx.account))
                .leaf("CreateDate", timestamp(0))
                .close("User");
        }
    }
    Ok(response.finish(&ctx.request_id))
}

/// ListUsers (`PathPrefix` honoured; answered whole).
pub async fn list(ctx: &Ctx) -> Result<Response, AwsError> {
    let prefix = ctx.params.get("PathPrefix").unwrap_or("/");
    let users = ctx.state.store.list_iam_users(&ctx.account).await?;
    let mut response = ctx.response("ListUsers");
    let w = response.w();
    w.open("Users");
    for user in users.iter().filter(|u| u.path.starts_with(prefix)) {
        write_user(w, "member", user, false);
    }
    w.close("Users");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

/// DeleteUser.
pub async fn delete(ctx: &Ctx) -> Result<Response, AwsError> {
    let name = ctx.required("UserName")?;
    ctx.state.store.delete_iam_user(&ctx.account, name).await?;
    Ok(ctx.empty("DeleteUser"))
}

/// TagUser.
pub async fn tag(ctx: &Ctx) -> Result<Response, AwsError> {
    let name = ctx.required("UserName")?;
    let user = need_user(ctx, name).await?;
    let tags = merge_tags(user.tags, tags_param(ctx)?);
    ctx.state
        .store
        .set_iam_user_tags(&ctx.account, name, tags)
        .await?;
    Ok(ctx.empty("TagUser"))
}

/// UntagUser.
pub async fn untag(ctx: &Ctx) -> Result<Response, AwsError> {
    let name = ctx.required("UserName")?;
    let user = need_user(ctx, name).await?;
    let tags = untagged(ctx, user.tags);
    ctx.state
        .store
        .set_iam_user_tags(&ctx.account, name, tags)
        .await?;
    Ok(ctx.empty("UntagUser"))
}

/// ListUserTags.
pub async fn list_tags(ctx: &Ctx) -> Result<Response, AwsError> {
    let user = need_user(ctx, ctx.required("UserName")?).await?;
    Ok(list_tags_response(ctx, "ListUserTags", &user.tags))
}

/// ListGroupsForUser: Cairn has no groups yet, so an existing user is in none.
pub async fn list_groups(ctx: &Ctx) -> Result<Response, AwsError> {
    need_user(ctx, ctx.required("UserName")?).await?;
    let mut response = ctx.response("ListGroupsForUser");
    let w = response.w();
    w.open("Groups").close("Groups");
    not_truncated(w);
    Ok(response.finish(&ctx.request_id))
}

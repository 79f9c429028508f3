//! IAM (issue 12): users, access keys, inline and managed policies, over AWS's query
//! protocol ([`crate::protocol::aws_query`]); and STS GetCallerIdentity ([`sts`]).
//!
//! ```text
//!   POST /, scope iam, form body, Action=CreateUser ──► handle ──► users / keys /
//!                                                                   user_policies / managed
//! ```
//!
//! IAM is global: any region in the scope is accepted (clients sign `us-east-1`). What a
//! request creates belongs to the caller's account. Errors are IAM's codes in its
//! `<ErrorResponse>`, rendered by the envelope; messages follow moto's recordings of AWS.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use rand::Rng;

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::protocol::aws_query::{QueryResponse, IAM_NAMESPACE};
use crate::protocol::ec2_query::FormParams;
use crate::protocol::rest_xml::XmlWriter;
use crate::state::AppState;

pub mod keys;
pub mod managed;
pub mod sts;
pub mod user_policies;
pub mod users;

/// What every IAM operation gets.
#[derive(Debug)]
pub struct Ctx {
    /// The store and configuration.
    pub state: AppState,
    /// The form parameters.
    pub params: FormParams,
    /// The caller's account: what the request names and creates belongs to it.
    pub account: String,
    /// The request id.
    pub request_id: String,
}

impl Ctx {
    /// A required parameter.
    pub fn required(&self, name: &str) -> Result<&str, AwsError> {
        crate::protocol::aws_query::required(&self.params, name)
    }

    /// A response with a result element.
    pub fn response(&self, operation: &str) -> QueryResponse {
        QueryResponse::new(operation, IAM_NAMESPACE)
    }

    /// A response without output.
    pub fn empty(&self, operation: &str) -> Response {
        QueryResponse::empty(operation, IAM_NAMESPACE).finish(&self.request_id)
    }
}

/// The IAM routes: every action is a `POST /`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// Every action served.
pub const OPERATIONS: [&str; 31] = [
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "TagUser",
    "UntagUser",
    "ListUserTags",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "PutUserPolicy",
    "GetUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
    "CreatePolicy",
    "GetPolicy",
    "DeletePolicy",
    "ListPolicies",
    "CreatePolicyVersion",
    "GetPolicyVersion",
    "ListPolicyVersions",
    "DeletePolicyVersion",
    "SetDefaultPolicyVersion",
    "TagPolicy",
    "UntagPolicy",
    "ListPolicyTags",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "ListAttachedUserPolicies",
    "ListGroupsForUser",
];

/// `POST /`: one IAM request.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Response {
    let params = FormParams::parse(&body);
    let known = params
        .get("Action")
        .and_then(|action| OPERATIONS.iter().find(|op| **op == action).copied());
    let ctx = Ctx {
        account: context.identity.account().to_string(),
        state,
        params,
        request_id: context.request_id.0,
    };
    let mut response = match known {
        Some(action) => run_action(action, &ctx).await.into_response(),
        None => missing_or_unknown(&ctx).into_response(),
    };
    if let Some(operation) = known {
        response
            .extensions_mut()
            .insert(crate::operation::OperationName(operation));
    }
    response
}

fn missing_or_unknown(ctx: &Ctx) -> AwsError {
    match ctx.params.get("Action") {
        None => AwsError::new(StatusCode::BAD_REQUEST, "MissingAction", "Missing Action"),
        Some(action) => AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-05-08"),
        ),
    }
}

async fn run_action(action: &str, ctx: &Ctx) -> Result<Response, AwsError> {
    match action {
        "CreateUser" => users::create(ctx).await,
        "GetUser" => users::get(ctx).await,
        "ListUsers" => users::list(ctx).await,
        "DeleteUser" => users::delete(ctx).await,
        "TagUser" => users::tag(ctx).await,
        "UntagUser" => users::untag(ctx).await,
        "ListUserTags" => users::list_tags(ctx).await,
        "ListGroupsForUser" => users::list_groups(ctx).await,
        "CreateAccessKey" => keys::create(ctx).await,
        "ListAccessKeys" => keys::list(ctx).await,
        "UpdateAccessKey" => keys::update(ctx).await,
        "DeleteAccessKey" => keys::delete(ctx).await,
        "PutUserPolicy" => user_policies::put(ctx).await,
        "GetUserPolicy" => user_policies::get(ctx).await,
        "DeleteUserPolicy" => user_policies::delete(ctx).await,
        "ListUserPolicies" => user_policies::list(ctx).await,
        "CreatePolicy" => managed::create(ctx).await,
        "GetPolicy" => managed::get(ctx).await,
        "DeletePolicy" => managed::delete(ctx).await,
        "ListPolicies" => managed::list(ctx).await,
        "CreatePolicyVersion" => managed::create_version(ctx).await,
        "GetPolicyVersion" => managed::get_version(ctx).await,
        "ListPolicyVersions" => managed::list_versions(ctx).await,
        "DeletePolicyVersion" => managed::delete_version(ctx).await,
        "SetDefaultPolicyVersion" => managed::set_default_version(ctx).await,
        "TagPolicy" => managed::tag(ctx).await,
        "UntagPolicy" => managed::untag(ctx).await,
        "ListPolicyTags" => managed::list_tags(ctx).await,
        "AttachUserPolicy" => managed::attach(ctx).await,
        "DetachUserPolicy" => managed::detach(ctx).await,
        "ListAttachedUserPolicies" => managed::list_attached(ctx).await,
        _ => Err(missing_or_unknown(ctx)),
    }
}

//------------ shared pieces ----------------------------------------------------------

/// A fresh IAM id: `prefix` and `len` characters from `[A-Z0-9]` (`AIDA…` users, `AKIA…`
/// keys, `ANPA…` policies).
pub fn new_id(prefix: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let mut id = String::from(prefix);
    for _ in 0..len {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// A name IAM accepts (`UserName`, `PolicyName`): `[\w+=,.@-]{1,max}`, else AWS's
/// validation message for `member`.
pub fn check_name(value: &str, member: &str, max: usize) -> Result<(), AwsError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if value.is_empty() || value.chars().count() > max {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        )));
    }
    if !value.chars().all(ok_char) {
        return Err(validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        )));
    }
    Ok(())
}

/// A `Path`: `/` or `/…/`, default `/`.
pub fn path_param(ctx: &Ctx) -> Result<String, AwsError> {
    let path = ctx.params.get("Path").unwrap_or("/");
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
    if !ok {
        return Err(validation(format!(
            "1 validation error detected: Value '{path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
        )));
    }
    Ok(path.to_string())
}

/// 400 `ValidationError`.
pub fn validation(message: String) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
}

/// `Tags.member.N.Key/Value`, in order; at most 50, as IAM allows.
pub fn tags_param(ctx: &Ctx) -> Result<Vec<(String, String)>, AwsError> {
    let tags: Vec<(String, String)> = ctx
        .params
        .members("Tags.member")
        .iter()
        .map(|m| {
            (
                m.get("Key").unwrap_or_default().to_string(),
                m.get("Value").unwrap_or_default().to_string(),
            )
        })
        .collect();
    if tags.len() > 50 {
        return Err(validation(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50".into(),
        ));
    }
    Ok(tags)
}

/// `tags` with `new` merged in (a key given again takes the new value).
pub fn merge_tags(
    mut tags: Vec<(String, String)>,
    new: Vec<(String, String)>,
) -> Vec<(String, String)> {
    for (key, value) in new {
        match tags.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => tags.push((key, value)),
        }
    }
    tags
}

/// Writes `<Tags><member><Key/><Value/></member>…</Tags>` (nothing when empty, as IAM).
pub fn write_tags(w: &mut XmlWriter, element: &str, tags: &[(String, String)]) {
    if tags.is_empty() {
        return;
    }
    w.open(element);
    for (key, value) in tags {
        w.open("member")
            .leaf("Key", key)
            .leaf("Value", value)
            .close("member");
    }
    w.close(element);
}

/// UntagUser / UntagPolicy: `tags` without the keys named in `TagKeys.member`.
pub fn untagged(ctx: &Ctx, tags: Vec<(String, String)>) -> Vec<(String, String)> {
    let remove = ctx.params.list("TagKeys.member");
    tags.into_iter()
        .filter(|(k, _)| !remove.contains(k))
        .collect()
}

/// ListUserTags / ListPolicyTags: every tag, with `<Tags>` present even when empty.
pub fn list_tags_response(ctx: &Ctx, action: &str, tags: &[(String, String)]) -> Response {
    let mut response = ctx.response(action);
    let w = response.w();
    w.open("Tags");
    for (key, value) in tags {
        w.open("member")
            .leaf("Key", key)
            .leaf("Value", value)
            .close("member");
    }
    w.close("Tags");
    not_truncated(w);
    response.finish(&ctx.request_id)
}

/// `<IsTruncated>false</IsTruncated>`: lists are answered whole (the counts are small).
pub fn not_truncated(w: &mut XmlWriter) {
    w.leaf("IsTruncated", "false");
}

/// A time as IAM writes it (ISO 8601, UTC).
pub fn timestamp(ms: i64) -> String {
    crate::protocol::rest_xml::timestamp(ms)
}

/// Now, ms since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

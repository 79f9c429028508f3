//! Route 53 Profiles (API version 2018-05-10) over rest-json ([ROUTE53.md §1.4, §6.7]).
//!
//! ```text
//!   POST/GET/DELETE /profile…                     ──► profiles
//!   POST/GET/DELETE /profileassociation…          ──► VPC associations (one profile per VPC)
//!   POST/GET/PATCH/DELETE /profileresourceassociation… ──► private zones and Resolver rules
//!   POST/GET/DELETE /tags/{ResourceArn}            ──► tags (TagResource/UntagResource: 204)
//! ```
//!
//! Paths and shapes follow botocore's `route53profiles/2018-05-10/service-2.json`. Writes go
//! to the store, which runs `cairn_model::resolver_validate` inside its transaction; reads come
//! from `load_network`. Timestamps are epoch seconds, as rest-json writes them.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cairn_model::network::NetworkContents;
use cairn_model::resolver::{
    Profile, ProfileAssociation, ProfileAssociationId, ProfileId, ProfileResource,
    ProfileResourceAssociationId, ProfileStatus,
};
use cairn_model::resolver_validate::{
    find_profile, NewProfile, NewProfileAssociation, NewProfileResource,
};
use cairn_store::tag_types;
use serde_json::{json, Map, Value};

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::extract::AwsPath;
use crate::protocol::json::{self, epoch_seconds, JsonInput};
use crate::protocol::query::QueryParams;
use crate::state::AppState;

/// The `Content-Type` of Profiles responses.
const CONTENT_TYPE: &str = "application/json";

/// The Profiles routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/profile", post(create_profile))
        .route("/profile/{id}", get(get_profile).delete(delete_profile))
        .route("/profiles", get(list_profiles))
        .route("/profileassociation", post(associate_profile))
        .route("/profileassociation/{id}", get(get_association))
        .route(
            "/profileassociation/Profileid/{profile}/resourceid/{vpc}",
            axum::routing::delete(disassociate_profile),
        )
        .route("/profileassociations", get(list_associations))
        .route("/profileresourceassociation", post(associate_resource))
        .route(
            "/profileresourceassociation/{id}",
            get(get_resource).patch(update_resource),
        )
        .route(
            "/profileresourceassociation/profileid/{profile}/resourcearn/{arn}",
            axum::routing::delete(disassociate_resource),
        )
        .route(
            "/profileresourceassociations/profileid/{profile}",
            get(list_resources),
        )
        .route("/tags/{arn}", post(tag).get(list_tags).delete(untag))
}

//------------ context and rendering ------------------------------------------------------

/// Who asks, where.
struct Ctx {
    state: AppState,
    region: String,
    account: String,
}

impl Ctx {
    fn new(state: AppState, context: RequestContext) -> Self {
        Self {
            account: state.config.account_id.clone(),
            region: context.region.into_string(),
            state,
        }
    }

    async fn network(&self) -> Result<NetworkContents, AwsError> {
        Ok(self.state.store.load_network().await?)
    }

    fn arn(&self, kind: &str, id: &str, account: &str) -> String {
        format!(
            "arn:aws:route53profiles:{}:{account}:{kind}/{id}",
            self.region
        )
    }
}

fn ok(body: Value) -> Response {
    json::response(body, CONTENT_TYPE)
}

fn status_message(status: ProfileStatus) -> &'static str {
    match status {
        ProfileStatus::Creating => "Creating",
        ProfileStatus::Deleting => "Deleting",
        ProfileStatus::Updating => "Updating",
        _ => "Completed",
    }
}

fn render_profile(ctx: &Ctx, p: &Profile, status: Option<ProfileStatus>) -> Value {
    let status = status.unwrap_or(p.status);
    json!({
        "Id": p.id,
        "Arn": ctx.arn("profile", p.id.as_str(), &p.owner_account),
        "Name": p.name,
        "OwnerId": p.owner_account,
        "Status": status,
        "StatusMessage": status_message(status),
        "ShareStatus": p.share_status,
        "CreationTime": epoch_seconds(p.created_at_ms),
        "ModificationTime": epoch_seconds(p.modified_at_ms),
        "ClientToken": p.client_token,
    })
}

fn render_association(a: &ProfileAssociation, status: Option<ProfileStatus>) -> Value {
    let status = status.unwrap_or(a.status);
    let mut out = Map::new();
    out.insert("Id".into(), json!(a.id));
    out.insert("Name".into(), json!(a.name));
    out.insert("OwnerId".into(), json!(a.owner_account));
    out.insert("ProfileId".into(), json!(a.profile_id));
    out.insert("ResourceId".into(), json!(a.vpc_id));
    out.insert("Status".into(), json!(status));
    out.insert("StatusMessage".into(), json!(status_message(status)));
    out.insert("CreationTime".into(), epoch_seconds(a.created_at_ms));
    out.insert("ModificationTime".into(), epoch_seconds(a.modified_at_ms));
    if let Some(priority) = a.priority {
        out.insert("Priority".into(), json!(priority));
    }
    Value::Object(out)
}

fn render_resource(r: &ProfileResource, status: Option<ProfileStatus>) -> Value {
    let status = status.unwrap_or(r.status);
    let mut out = Map::new();
    out.insert("Id".into(), json!(r.id));
    out.insert("Name".into(), json!(r.name));
    out.insert("OwnerId".into(), json!(r.owner_account));
    out.insert("ProfileId".into(), json!(r.profile_id));
    out.insert("ResourceArn".into(), json!(r.resource_arn));
    out.insert("ResourceType".into(), json!(r.resource_type));
    if let Some(props) = &r.resource_properties {
        out.insert("ResourceProperties".into(), json!(props));
    }
    out.insert("Status".into(), json!(status));
    out.insert("StatusMessage".into(), json!(status_message(status)));
    out.insert("CreationTime".into(), epoch_seconds(r.created_at_ms));
    out.insert("ModificationTime".into(), epoch_seconds(r.modified_at_ms));
    Value::Object(out)
}

/// A page by `maxResults`/`nextToken` query parameters.
fn page(query: &QueryParams, key: &str, items: Vec<Value>) -> Result<Value, AwsError> {
    let max = query
        .get("maxResults")
        .map(|m| {
            m.parse::<i64>()
                .map_err(|_| validation(format!("Invalid maxResults: {m}")))
        })
        .transpose()?;
    let (page, next) = json::page(&items, query.get("nextToken"), max, 100)?;
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(page));
    if let Some(next) = next {
        out.insert("NextToken".into(), json!(next));
    }
    Ok(Value::Object(out))
}

fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        message,
    )
}

//------------ profiles ---------------------------------------------------------------------

async fn create_profile(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let input = JsonInput::parse(&body)?;
    let req = NewProfile {
        name: input.required_str("Name")?,
        client_token: input.required_str("ClientToken")?,
        owner_account: ctx.account.clone(),
    };
    let profile = ctx
        .state
        .store
        .create_profile(req, input.tag_list("Tags")?)
        .await?;
    Ok(ok(json!({"Profile": render_profile(&ctx, &profile, None)})))
}

async fn get_profile(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(id): AwsPath<ProfileId>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let net = ctx.network().await?;
    let profile = find_profile(&net, &id)?;
    Ok(ok(json!({"Profile": render_profile(&ctx, profile, None)})))
}

async fn delete_profile(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(id): AwsPath<ProfileId>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let profile = ctx.state.store.delete_profile(&id).await?;
    Ok(ok(
        json!({"Profile": render_profile(&ctx, &profile, Some(ProfileStatus::Deleted))}),
    ))
}

async fn list_profiles(
    State(state): State<AppState>,
    context: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let net = ctx.network().await?;
    let items = net
        .profiles
        .iter()
        .filter(|p| p.owner_account == ctx.account)
        .map(|p| {
            json!({"Id": p.id, "Arn": ctx.arn("profile", p.id.as_str(), &p.owner_account), "Name": p.name,
                   "ShareStatus": p.share_status})
        })
        .collect();
    Ok(ok(page(
        &QueryParams::parse(raw.as_deref()),
        "ProfileSummaries",
        items,
    )?))
}

//------------ VPC associations ---------------------------------------------------------------

async fn associate_profile(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let input = JsonInput::parse(&body)?;
    let priority = input
        .int("Priority")?
        .map(|p| i32::try_from(p).map_err(|_| validation(format!("Priority {p} is out of range."))))
        .transpose()?;
    let req = NewProfileAssociation {
        profile_id: input.required_id("ProfileId")?,
        vpc_id: input.required_str("ResourceId")?,
        name: input.required_str("Name")?,
        priority,
        owner_account: ctx.account.clone(),
    };
    let assoc = ctx
        .state
        .store
        .associate_profile(req, input.tag_list("Tags")?)
        .await?;
    Ok(ok(
        json!({"ProfileAssociation": render_association(&assoc, Some(ProfileStatus::Creating))}),
    ))
}

async fn disassociate_profile(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath((profile, vpc)): AwsPath<(ProfileId, String)>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let assoc = ctx.state.store.disassociate_profile(&profile, &vpc).await?;
    Ok(ok(
        json!({"ProfileAssociation": render_association(&assoc, Some(ProfileStatus::Deleting))}),
    ))
}

async fn get_association(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(id): AwsPath<ProfileAssociationId>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let net = ctx.network().await?;
    let assoc = net
        .profile_associations
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            not_found(format!(
                "The profile association with ID \"{id}\" does not exist."
            ))
        })?;
    Ok(ok(
        json!({"ProfileAssociation": render_association(assoc, None)}),
    ))
}

async fn list_associations(
    State(state): State<AppState>,
    context: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let query = QueryParams::parse(raw.as_deref());
    let net = ctx.network().await?;
    let items = net
        .profile_associations
        .iter()
        .filter(|a| a.owner_account == ctx.account)
        .filter(|a| query.get("resourceId").is_none_or(|v| v == a.vpc_id))
        .filter(|a| query.get("profileId").is_none_or(|p| a.profile_id == p))
        .map(|a| render_association(a, None))
        .collect();
    Ok(ok(page(&query, "ProfileAssociations", items)?))
}

//------------ resources -----------------------------------------------------------------------

async fn associate_resource(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let input = JsonInput::parse(&body)?;
    let req = NewProfileResource {
        profile_id: input.required_id("ProfileId")?,
        resource_arn: input.required_str("ResourceArn")?,
        name: input.required_str("Name")?,
        resource_properties: input.str("ResourceProperties")?,
        owner_account: ctx.account.clone(),
    };
    let resource = ctx.state.store.associate_profile_resource(req).await?;
    Ok(ok(
        json!({"ProfileResourceAssociation": render_resource(&resource, Some(ProfileStatus::Creating))}),
    ))
}

async fn disassociate_resource(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath((profile, arn)): AwsPath<(ProfileId, String)>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let resource = ctx
        .state
        .store
        .disassociate_profile_resource(&profile, &arn)
        .await?;
    Ok(ok(
        json!({"ProfileResourceAssociation": render_resource(&resource, Some(ProfileStatus::Deleting))}),
    ))
}

async fn get_resource(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(id): AwsPath<ProfileResourceAssociationId>,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let net = ctx.network().await?;
    let resource = net
        .profile_resources
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| {
            not_found(format!(
                "The profile resource association with ID \"{id}\" does not exist."
            ))
        })?;
    Ok(ok(
        json!({"ProfileResourceAssociation": render_resource(resource, None)}),
    ))
}

async fn update_resource(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(id): AwsPath<ProfileResourceAssociationId>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let input = JsonInput::parse(&body)?;
    let resource = ctx
        .state
        .store
        .update_profile_resource(&id, input.str("Name")?, input.str("ResourceProperties")?)
        .await?;
    Ok(ok(
        json!({"ProfileResourceAssociation": render_resource(&resource, None)}),
    ))
}

async fn list_resources(
    State(state): State<AppState>,
    context: RequestContext,
    AwsPath(profile): AwsPath<ProfileId>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AwsError> {
    let ctx = Ctx::new(state, context);
    let query = QueryParams::parse(raw.as_deref());
    let net = ctx.network().await?;
    find_profile(&net, &profile)?;
    let items = net
        .profile_resources
        .iter()
        .filter(|r| r.profile_id == profile)
        .filter(|r| {
            query
                .get("resourceType")
                .is_none_or(|t| t == r.resource_type)
        })
        .filter(|r| query.get("resourceArn").is_none_or(|a| a == r.resource_arn))
        .map(|r| render_resource(r, None))
        .collect();
    Ok(ok(page(&query, "ProfileResourceAssociations", items)?))
}

//------------ tags ---------------------------------------------------------------------------

/// The tag resource type and id a Profiles ARN names, if it exists.
fn tagged(net: &NetworkContents, arn: &str) -> Result<(&'static str, String), AwsError> {
    let resource = arn
        .split(':')
        .nth(5)
        .filter(|_| arn.split(':').nth(2) == Some("route53profiles"))
        .ok_or_else(|| validation(format!("Invalid ARN: \"{arn}\".")))?;
    let (kind, id) = resource
        .split_once('/')
        .ok_or_else(|| validation(format!("Invalid ARN: \"{arn}\".")))?;
    let found = match kind {
        "profile" => net
            .profiles
            .iter()
            .any(|p| p.id == id)
            .then_some(tag_types::PROFILE),
        "profile-association" => net
            .profile_associations
            .iter()
            .any(|a| a.id == id)
            .then_some(tag_types::PROFILE_ASSOCIATION),
        _ => None,
    };
    found
        .map(|t| (t, id.to_string()))
        .ok_or_else(|| not_found(format!("The resource with ARN \"{arn}\" does not exist.")))
}

async fn tag(
    State(state): State<AppState>,
    AwsPath(arn): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let input = JsonInput::parse(&body)?;
    let tags = input.string_map("Tags")?.unwrap_or_default();
    let net = state.store.load_network().await?;
    let (kind, id) = tagged(&net, &arn)?;
    state.store.change_tags(kind, &id, tags, Vec::new()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn untag(
    State(state): State<AppState>,
    AwsPath(arn): AwsPath<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AwsError> {
    let query = QueryParams::parse(raw.as_deref());
    let keys: Vec<String> = query.get_all("tagKeys").map(str::to_string).collect();
    let net = state.store.load_network().await?;
    let (kind, id) = tagged(&net, &arn)?;
    state.store.change_tags(kind, &id, Vec::new(), keys).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_tags(
    State(state): State<AppState>,
    AwsPath(arn): AwsPath<String>,
) -> Result<Response, AwsError> {
    let net = state.store.load_network().await?;
    let (kind, id) = tagged(&net, &arn)?;
    let tags: Map<String, Value> = state
        .store
        .list_tags(kind, &id)
        .await?
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    Ok(ok(json!({"Tags": tags})))
}

//! Tags: ChangeTagsForResource, ListTagsForResource, ListTagsForResources.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::{HealthCheckId, HostedZoneId};

use super::AwsPath;
use crate::error::AwsError;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

/// At most this many tags per resource, and per request.
pub const MAX_TAGS: usize = 10;
/// At most this many resources per ListTagsForResources.
pub const MAX_RESOURCES: usize = 10;

/// `POST /2013-04-01/tags/{ResourceType}/{ResourceId}`.
pub async fn change_for_resource(
    State(state): State<AppState>,
    AwsPath((resource_type, id)): AwsPath<(String, String)>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "ChangeTagsForResourceRequest")?;
    let id = check_resource(&state, &resource_type, &id).await?;
    let mut add = Vec::new();
    if let Some(tags) = request.child("AddTags") {
        for tag in tags.children_named("Tag") {
            let key = tag.required_text("Key")?.to_string();
            let value = tag.child_text("Value").unwrap_or_default().to_string();
            add.push((key, value));
        }
    }
    let remove: Vec<String> = request
        .child("RemoveTagKeys")
        .map(|keys| keys.children_named("Key").map(|k| k.text.clone()).collect())
        .unwrap_or_default();
    if add.len() > MAX_TAGS || remove.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    let mut after = state.store.list_tags(&resource_type, &id).await?;
    after.retain(|(k, _)| !remove.contains(k) && !add.iter().any(|(a, _)| a == k));
    if after.len() + add.len() > MAX_TAGS {
        return Err(too_many_tags());
    }
    state
        .store
        .change_tags(&resource_type, &id, add, remove)
        .await?;
    let w = XmlWriter::new("ChangeTagsForResourceResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("ChangeTagsForResourceResponse"),
    ))
}

/// `GET /2013-04-01/tags/{ResourceType}/{ResourceId}`.
pub async fn list_for_resource(
    State(state): State<AppState>,
    AwsPath((resource_type, id)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let id = check_resource(&state, &resource_type, &id).await?;
    let tags = state.store.list_tags(&resource_type, &id).await?;
    let mut w = XmlWriter::new("ListTagsForResourceResponse");
    write_tag_set(&mut w, &resource_type, &id, &tags);
    Ok(respond(
        StatusCode::OK,
        w.finish("ListTagsForResourceResponse"),
    ))
}

/// `POST /2013-04-01/tags/{ResourceType}` with up to ten `ResourceId`s.
pub async fn list_for_resources(
    State(state): State<AppState>,
    AwsPath(resource_type): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "ListTagsForResourcesRequest")?;
    let ids: Vec<String> = request
        .required_child("ResourceIds")?
        .children_named("ResourceId")
        .map(|r| r.text.clone())
        .collect();
    if ids.is_empty() || ids.len() > MAX_RESOURCES {
        return Err(AwsError::invalid_input(format!(
            "1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: Member must have length between 1 and {MAX_RESOURCES}"
        )));
    }
    let mut w = XmlWriter::new("ListTagsForResourcesResponse");
    w.open("ResourceTagSets");
    for id in ids {
        let id = check_resource(&state, &resource_type, &id).await?;
        let tags = state.store.list_tags(&resource_type, &id).await?;
        write_tag_set(&mut w, &resource_type, &id, &tags);
    }
    w.close("ResourceTagSets");
    Ok(respond(
        StatusCode::OK,
        w.finish("ListTagsForResourcesResponse"),
    ))
}

/// Checks the resource type and, for hosted zones, that the zone exists; returns the bare id.
async fn check_resource(
    state: &AppState,
    resource_type: &str,
    id: &str,
) -> Result<String, AwsError> {
    match resource_type {
        "hostedzone" => {
            let zone_id = HostedZoneId::parse(id);
            state.store.get_hosted_zone(&zone_id).await?;
            Ok(zone_id.as_str().to_string())
        }
        "healthcheck" => {
            state.store.get_health_check(&HealthCheckId::new(id)).await?;
            Ok(id.to_string())
        }
        other => Err(AwsError::invalid_input(format!(
            "1 validation error detected: Value '{other}' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [healthcheck, hostedzone]"
        ))),
    }
}

fn write_tag_set(w: &mut XmlWriter, resource_type: &str, id: &str, tags: &[(String, String)]) {
    w.open("ResourceTagSet")
        .leaf("ResourceType", resource_type)
        .leaf("ResourceId", id);
    w.open("Tags");
    for (key, value) in tags {
        w.open("Tag")
            .leaf("Key", key)
            .leaf("Value", value)
            .close("Tag");
    }
    w.close("Tags").close("ResourceTagSet");
}

fn too_many_tags() -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidInput",
        format!("A resource can have at most {MAX_TAGS} tags."),
    )
}

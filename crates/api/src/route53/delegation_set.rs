//! Reusable delegation sets: Create, Get, List, Delete.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use cairn_model::HostedZoneId;

use super::{max_items, render, AwsPath};
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

/// Page size cap of ListReusableDelegationSets.
pub const MAX_LIST_ITEMS: usize = 100;

/// `POST /2013-04-01/delegationset`; with `HostedZoneId`, reuses that zone's name servers.
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "CreateReusableDelegationSetRequest")?;
    let caller_reference = request.required_text("CallerReference")?;
    let name_servers = match request.child_text("HostedZoneId") {
        Some(zone) => {
            state
                .store
                .get_hosted_zone(&HostedZoneId::parse(zone))
                .await?
                .name_servers
        }
        None => state.config.name_servers.clone(),
    };
    let set = state
        .store
        .create_delegation_set(caller_reference, name_servers)
        .await?;
    let mut w = XmlWriter::new("CreateReusableDelegationSetResponse");
    render::delegation_set(
        &mut w,
        Some(&set.id),
        Some(&set.caller_reference),
        &set.name_servers,
    );
    let mut response = respond(
        StatusCode::CREATED,
        w.finish("CreateReusableDelegationSetResponse"),
    );
    let location = format!(
        "{}/2013-04-01/delegationset/{}",
        state.config.location_base, set.id
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `GET /2013-04-01/delegationset/{Id}`.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let set = state.store.get_delegation_set(bare(&id)).await?;
    let mut w = XmlWriter::new("GetReusableDelegationSetResponse");
    render::delegation_set(
        &mut w,
        Some(&set.id),
        Some(&set.caller_reference),
        &set.name_servers,
    );
    Ok(respond(
        StatusCode::OK,
        w.finish("GetReusableDelegationSetResponse"),
    ))
}

/// `GET /2013-04-01/delegationset`: `marker`, `maxitems`.
pub async fn list(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let limit = max_items(&query, MAX_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let marker = query.get("marker").map(bare);
    let sets: Vec<_> = state
        .store
        .list_delegation_sets()
        .await?
        .into_iter()
        .filter(|s| marker.is_none_or(|m| s.id.as_str() >= m))
        .collect();
    let truncated = sets.len() > limit;
    let mut w = XmlWriter::new("ListReusableDelegationSetsResponse");
    w.open("DelegationSets");
    for set in sets.iter().take(limit) {
        render::delegation_set(
            &mut w,
            Some(&set.id),
            Some(&set.caller_reference),
            &set.name_servers,
        );
    }
    w.close("DelegationSets");
    w.leaf("Marker", marker.unwrap_or_default());
    w.leaf("IsTruncated", truncated.to_string());
    if truncated {
        w.leaf("NextMarker", &sets[limit].id);
    }
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("ListReusableDelegationSetsResponse"),
    ))
}

/// `DELETE /2013-04-01/delegationset/{Id}`.
pub async fn delete(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    state.store.delete_delegation_set(bare(&id)).await?;
    let w = XmlWriter::new("DeleteReusableDelegationSetResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteReusableDelegationSetResponse"),
    ))
}

/// `N123` from `N123` or `/delegationset/N123`.
fn bare(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

//! CIDR collections for IP-based routing: CreateCidrCollection, ListCidrCollections,
//! ListCidrLocations, ListCidrBlocks, ChangeCidrCollection and DeleteCidrCollection
//! ([ROUTE53.md §3]; shapes and errors from botocore's route53 model). Ids are UUIDs with no
//! prefix. Lists page with `nexttoken` (the key the next page starts at) and `maxresults`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use cairn_model::cidr::{CidrChange, CidrChangeAction, CidrCollection, CidrError};

use super::AwsPath;
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

/// Page size cap (and default) of the List operations.
pub const MAX_RESULTS: usize = 100;

fn max_results(query: &QueryParams) -> Result<usize, AwsError> {
    match query.get("maxresults") {
        None => Ok(MAX_RESULTS),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n.min(MAX_RESULTS)),
            _ => Err(AwsError::invalid_input(format!(
                "Invalid value for maxresults: {text}"
            ))),
        },
    }
}

/// One page of `items` (sorted by `key`) from `nexttoken`; the token of the next page.
fn page<'a, T>(
    items: &'a [T],
    query: &QueryParams,
    key: impl Fn(&T) -> String,
) -> Result<(&'a [T], Option<String>), AwsError> {
    let limit = max_results(query)?;
    let start = query.get("nexttoken").map_or(0, |t| {
        items
            .iter()
            .position(|i| key(i).as_str() >= t)
            .unwrap_or(items.len())
    });
    let rest = &items[start..];
    let next = rest.get(limit).map(&key);
    Ok((&rest[..rest.len().min(limit)], next))
}

fn write_summary(w: &mut XmlWriter, element: &str, c: &CidrCollection) {
    w.open(element)
        .leaf("Arn", c.arn())
        .leaf("Id", &c.id)
        .leaf("Name", &c.name)
        .leaf("Version", c.version.to_string())
        .close(element);
}

/// `POST /2013-04-01/cidrcollection`: 201 with the collection (200 when the same name and
/// caller reference were used before).
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let r = rest_xml::parse_request(&body, "CreateCidrCollectionRequest")?;
    let name = r.required_text("Name")?.trim().to_string();
    let caller_reference = r.required_text("CallerReference")?.trim().to_string();
    let (collection, created) = state
        .store
        .create_cidr_collection(&name, &caller_reference)
        .await?;
    let mut w = XmlWriter::new("CreateCidrCollectionResponse");
    write_summary(&mut w, "Collection", &collection);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = respond(status, w.finish("CreateCidrCollectionResponse"));
    let location = format!(
        "{}/2013-04-01/cidrcollection/{}",
        state.config.location_base, collection.id
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `GET /2013-04-01/cidrcollection`.
pub async fn list(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let mut all = state.store.list_cidr_collections().await?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let (items, next) = page(&all, &query, |c| c.id.clone())?;
    let mut w = XmlWriter::new("ListCidrCollectionsResponse");
    w.leaf_opt("NextToken", next);
    w.open("CidrCollections");
    for c in items {
        write_summary(&mut w, "member", c);
    }
    w.close("CidrCollections");
    Ok(respond(
        StatusCode::OK,
        w.finish("ListCidrCollectionsResponse"),
    ))
}

/// `GET /2013-04-01/cidrcollection/{CidrCollectionId}`: ListCidrLocations.
pub async fn list_locations(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let collection = state.store.get_cidr_collection(&id).await?;
    let names: Vec<&String> = collection.locations.keys().collect();
    let (items, next) = page(&names, &query, |n| n.to_string())?;
    let mut w = XmlWriter::new("ListCidrLocationsResponse");
    w.leaf_opt("NextToken", next);
    w.open("CidrLocations");
    for name in items {
        w.open("member")
            .leaf("LocationName", name.as_str())
            .close("member");
    }
    w.close("CidrLocations");
    Ok(respond(
        StatusCode::OK,
        w.finish("ListCidrLocationsResponse"),
    ))
}

/// `GET /2013-04-01/cidrcollection/{CidrCollectionId}/cidrblocks?location=`.
pub async fn list_blocks(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let collection = state.store.get_cidr_collection(&id).await?;
    let location = query.get("location");
    if let Some(l) = location {
        if !collection.locations.contains_key(l) {
            return Err(CidrError::NoSuchLocation {
                collection: id,
                location: l.to_string(),
            }
            .into());
        }
    }
    let blocks: Vec<(String, String)> = collection
        .locations
        .iter()
        .filter(|(name, _)| location.is_none_or(|l| l == name.as_str()))
        .flat_map(|(name, blocks)| {
            blocks
                .iter()
                .map(move |b| (format!("{name}/{b}"), b.to_string()))
        })
        .collect();
    let (items, next) = page(&blocks, &query, |(key, _)| key.clone())?;
    let mut w = XmlWriter::new("ListCidrBlocksResponse");
    w.leaf_opt("NextToken", next);
    w.open("CidrBlocks");
    for (key, block) in items {
        let name = key.split('/').next().unwrap_or_default();
        w.open("member")
            .leaf("CidrBlock", block)
            .leaf("LocationName", name)
            .close("member");
    }
    w.close("CidrBlocks");
    Ok(respond(StatusCode::OK, w.finish("ListCidrBlocksResponse")))
}

/// `POST /2013-04-01/cidrcollection/{CidrCollectionId}`: ChangeCidrCollection.
pub async fn change(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let r = rest_xml::parse_request(&body, "ChangeCidrCollectionRequest")?;
    let version = r
        .child_text("CollectionVersion")
        .map(|t| {
            t.trim()
                .parse::<u64>()
                .map_err(|_| AwsError::invalid_input(format!("Invalid CollectionVersion: {t}")))
        })
        .transpose()?;
    let mut changes = Vec::new();
    for c in r.required_child("Changes")?.children_named("member") {
        let action_text = c.required_text("Action")?.trim();
        let action = CidrChangeAction::parse(action_text).ok_or_else(|| {
            AwsError::invalid_input(format!(
                "1 validation error detected: Value '{action_text}' at 'changes.member.action' failed to satisfy constraint: Member must satisfy enum value set: [PUT, DELETE_IF_EXISTS]"
            ))
        })?;
        let cidr_list = c
            .required_child("CidrList")?
            .children_named("Cidr")
            .map(|b| b.text.trim().to_string())
            .collect();
        changes.push(CidrChange {
            location_name: c.required_text("LocationName")?.trim().to_string(),
            action,
            cidr_list,
        });
    }
    let info = state
        .store
        .change_cidr_collection(&id, version, changes)
        .await?;
    let mut w = XmlWriter::new("ChangeCidrCollectionResponse");
    w.leaf("Id", info.id.as_str());
    Ok(respond(
        StatusCode::OK,
        w.finish("ChangeCidrCollectionResponse"),
    ))
}

/// `DELETE /2013-04-01/cidrcollection/{CidrCollectionId}`.
pub async fn delete(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    state.store.delete_cidr_collection(&id).await?;
    let w = XmlWriter::new("DeleteCidrCollectionResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteCidrCollectionResponse"),
    ))
}

//! Health checks: only ListHealthChecks for now, and it lists none.
//!
//! Health checks themselves are issue 6 (CreateHealthCheck and the checkers). Until they land,
//! no health check can exist, so the truthful answer to ListHealthChecks is an empty list.
//! Clients read it even when they manage plain records: octoDNS's Route 53 provider lists
//! health checks after every A/AAAA/CNAME change to collect the ones it no longer uses.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::max_items;
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{respond, XmlWriter};
use crate::state::AppState;

/// Page size cap (and default) of ListHealthChecks.
pub const MAX_LIST_ITEMS: usize = 100;

/// `GET /2013-04-01/healthcheck`: `marker`, `maxitems`.
pub async fn list(State(_state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let limit = max_items(&query, MAX_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let mut w = XmlWriter::new("ListHealthChecksResponse");
    w.open("HealthChecks").close("HealthChecks");
    w.leaf_opt("Marker", query.get("marker"));
    w.leaf("IsTruncated", "false");
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(StatusCode::OK, w.finish("ListHealthChecksResponse")))
}

//! GetDNSSEC. Cairn does not sign zones yet, so every zone reports `NOT_SIGNING` and no
//! key-signing keys ([ROUTE53.md §1.2]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::HostedZoneId;

use super::AwsPath;
use crate::error::AwsError;
use crate::protocol::rest_xml::{respond, XmlWriter};
use crate::state::AppState;

/// `GET /2013-04-01/hostedzone/{Id}/dnssec`.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    state
        .store
        .get_hosted_zone(&HostedZoneId::parse(&id))
        .await?;
    let mut w = XmlWriter::new("GetDNSSECResponse");
    w.open("Status")
        .leaf("ServeSignature", "NOT_SIGNING")
        .close("Status");
    w.open("KeySigningKeys").close("KeySigningKeys");
    Ok(respond(StatusCode::OK, w.finish("GetDNSSECResponse")))
}

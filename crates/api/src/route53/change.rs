//! GetChange.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::ChangeId;

use super::{render, AwsPath};
use crate::error::AwsError;
use crate::protocol::rest_xml::{respond, XmlWriter};
use crate::state::AppState;

/// `GET /2013-04-01/change/{Id}`: PENDING until every live node applied it, then INSYNC.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let info = state.store.get_change(&ChangeId::parse(&id)).await?;
    let mut w = XmlWriter::new("GetChangeResponse");
    render::change_info(&mut w, &info);
    Ok(respond(StatusCode::OK, w.finish("GetChangeResponse")))
}

//! The envelope around every request: a request id and the [`Dispatch`] decision on the way
//! in, errors rendered in the request's protocol on the way out.
//!
//! Handlers and middleware return [`AwsError`] as a response *extension*; [`wrap`] turns it
//! into the body here, where the request id and the protocol are known.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::context::RequestId;
use crate::dispatch::{self, Dispatch};
use crate::error::AwsError;
use crate::protocol::error::render;
use crate::protocol::Protocol;

/// The most of a framework rejection's text kept as the error message.
const PLAIN_TEXT_LIMIT: usize = 4096;

/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-amz-request-id";

/// Middleware: assigns the request id, decides the request's service and protocol (once),
/// then renders any [`AwsError`] the inner layers left in that protocol's shape.
pub async fn wrap(request: Request, next: Next) -> Response {
    let request_id = RequestId::generate();
    let (mut parts, body) = request.into_parts();
    let decided: Dispatch = dispatch::decide(&parts);
    let protocol = decided.protocol;
    parts.extensions.insert(request_id.clone());
    parts.extensions.insert(decided);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(error) = response.extensions_mut().remove::<AwsError>() {
        response = render(&error, protocol, &request_id.0);
    } else if is_plain_text_error(&response) {
        let error = from_plain_text(response, protocol).await;
        response = render(&error, protocol, &request_id.0);
    }
    let value = HeaderValue::from_str(&request_id.0).expect("a UUID is a valid header value");
    response.headers_mut().insert(REQUEST_ID_HEADER, value);
    response
}

/// Whether a response is a framework rejection (axum answers those in `text/plain`, or with
/// no body at all): every error a client sees must be in its protocol's shape.
fn is_plain_text_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}

/// The AWS error standing for a framework rejection, by its status.
async fn from_plain_text(response: Response, protocol: Protocol) -> AwsError {
    let status = response.status();
    let text = to_bytes(response.into_body(), PLAIN_TEXT_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    tracing::debug!(%status, text, "framework rejection rendered as an aws error");
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => protocol.unknown_operation(),
        StatusCode::PAYLOAD_TOO_LARGE => AwsError::body_unreadable(),
        s if s.is_client_error() => {
            let message = if text.is_empty() {
                s.canonical_reason().unwrap_or("Bad request").to_string()
            } else {
                text
            };
            AwsError {
                status: s,
                ..protocol.invalid_input(message)
            }
        }
        _ => AwsError::internal(
            "InternalFailure",
            StatusCode::INTERNAL_SERVER_ERROR,
            "The request processing has failed because of an unknown error.",
        ),
    }
}

//! STS GetCallerIdentity (query protocol, signing name `sts`): who signed the request.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::protocol::aws_query::{QueryResponse, STS_NAMESPACE};
use crate::protocol::ec2_query::FormParams;
use crate::state::AppState;

/// Every STS action served.
pub const OPERATIONS: [&str; 1] = ["GetCallerIdentity"];

/// The STS routes: `POST /`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// `POST /`: one STS request.
pub async fn handle(context: RequestContext, body: Bytes) -> Response {
    let params = FormParams::parse(&body);
    match params.get("Action") {
        Some("GetCallerIdentity") => {
            let mut response = caller_identity(&context).into_response();
            response
                .extensions_mut()
                .insert(crate::operation::OperationName("GetCallerIdentity"));
            response
        }
        Some(action) => AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        )
        .into_response(),
        None => AwsError::new(StatusCode::BAD_REQUEST, "MissingAction", "Missing Action")
            .into_response(),
    }
}

/// GetCallerIdentity: the root (`UserId` = account, `arn:…:root`) or the IAM user.
fn caller_identity(context: &RequestContext) -> Response {
    let account = context.identity.account();
    let (user_id, arn) = context.identity.caller();
    let mut response = QueryResponse::new("GetCallerIdentity", STS_NAMESPACE);
    response
        .w()
        .leaf("UserId", user_id)
        .leaf("Account", account)
        .leaf("Arn", arn);
    response.finish(&context.request_id.0)
}

//! Cairn's control plane: the AWS-compatible HTTP API on one port (DESIGN.md §1).
//!
//! ```text
//!   request ──► envelope (request id, errors rendered per protocol)
//!                 ├─ GET /_cairn/health            (unauthenticated readiness)
//!                 └─ sigv4 (verify signature) ──► route53 (rest-xml, /2013-04-01/…)
//!                                                 ├─► ec2 (query protocol, POST / Action=…)
//!                                                 ├─► resolver (json-1.1, POST / X-Amz-Target)
//!                                                 ├─► profiles (rest-json, /profile…)
//!                                                 └─► Store
//! ```
//!
//! # Layout
//! - [`state`]: [`AppState`], [`ApiConfig`], [`Credentials`].
//! - [`error`]: [`AwsError`], the one error type handlers return.
//! - [`envelope`]: request ids and error rendering, the outermost layer.
//! - [`sigv4`]: AWS Signature Version 4 verification, as middleware.
//! - [`protocol`]: wire codecs (rest-xml, query strings).
//! - [`route53`]: the Route 53 operations, one module per resource.
//! - [`ec2`]: the EC2 subset (VPCs, subnets, security groups) and the `POST /` dispatch.
//! - [`resolver`]: Route 53 Resolver over json-1.1 (`X-Amz-Target: Route53Resolver.*`).
//! - [`profiles`]: Route 53 Profiles over rest-json (`/profile…`, `/tags/…`).
//!
//! Start with [`router`].
#![warn(missing_docs)]

use std::future::Future;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};

pub mod ec2;
pub mod envelope;
pub mod error;
pub mod limits;
pub mod profiles;
pub mod protocol;
pub mod resolver;
pub mod route53;
pub mod sigv4;
pub mod state;

pub use error::AwsError;
pub use state::{ApiConfig, AppState, Credentials, DnsAnswers, TestAnswer};

/// The path of the readiness endpoint.
pub const HEALTH_PATH: &str = "/_cairn/health";

/// The whole API: readiness, then every signed service.
///
/// # Arguments
/// * `state` - the store, credentials and configuration every handler shares.
pub fn router(state: AppState) -> Router {
    router_with(state, limits::RequestLimits::default())
}

/// [`router`] with request limits (rate, body size) checked before the signature.
pub fn router_with(state: AppState, request_limits: limits::RequestLimits) -> Router {
    let signed = route53::routes()
        .merge(profiles::routes())
        .route("/", axum::routing::post(ec2::post_root))
        .method_not_allowed_fallback(unknown_operation)
        .fallback(unknown_operation)
        .layer(middleware::from_fn_with_state(state.clone(), sigv4::verify))
        .layer(middleware::from_fn_with_state(
            limits::Limiter::new(request_limits),
            limits::enforce,
        ));
    Router::new()
        .route(HEALTH_PATH, get(health))
        .merge(signed)
        .layer(middleware::from_fn(envelope::wrap))
        .with_state(state)
}

/// Serves the API on an already-bound listener until `shutdown` completes.
///
/// # Arguments
/// * `listener` - a bound TCP listener (tests bind `127.0.0.1:0`).
/// * `state` - what [`router`] needs.
/// * `shutdown` - resolves when the server should stop accepting and drain.
///
/// # Return value
/// Returns when the server has shut down; an error if accepting failed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, limits::RequestLimits::default(), shutdown).await
}

/// [`serve`] with request limits (see [`limits`]).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    request_limits: limits::RequestLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router_with(state, request_limits))
        .with_graceful_shutdown(shutdown)
        .await
}

/// `GET /_cairn/health`: the readiness report, unauthenticated.
async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json((state.readiness)())
}

/// Any path or method no operation answers.
async fn unknown_operation() -> Response {
    AwsError::unknown_operation().into_response()
}

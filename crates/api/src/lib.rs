//! Cairn's control plane: the AWS-compatible HTTP API on one port (DESIGN.md §1).
//!
//! ```text
//!   request ──► envelope: request id; dispatch::decide → Dispatch { service, protocol }
//!                 │        (errors rendered on the way out in that protocol's shape)
//!                 ├─ GET /_cairn/health                      (unauthenticated readiness)
//!                 └─ limits ──► sigv4 (verify; Principal) ──► router, by Dispatch.service:
//!                      ├─► route53   rest-xml   /2013-04-01/…
//!                      ├─► resolver  json-1.1   POST /, X-Amz-Target: Route53Resolver.*
//!                      ├─► profiles  rest-json  /profile…, /tags/…
//!                      ├─► ec2       ec2-query  POST /, Action=…
//!                      ├─► kms       json-1.1   POST /, X-Amz-Target: TrentService.*
//!                      ├─► logs      json-1.1   POST /, X-Amz-Target: Logs_20140328.*
//!                      ├─► iam       query      POST /, scope iam, Action=…
//!                      └─► sts       query      POST /, scope sts, Action=GetCallerIdentity
//!   handlers take RequestContext { request_id, dispatch, access_key_id, region } ──► Store
//! ```
//!
//! The services are siblings: none imports another, except that Route 53's DNSSEC
//! signing uses KMS keys through [`kms::ksk`] (one way, as on AWS). What they share is in common
//! modules, and dependencies point one way (service → context → dispatch → sigv4 →
//! protocol → error).
//!
//! # Layout
//! - [`state`]: [`AppState`], [`ApiConfig`], [`Credentials`].
//! - [`error`]: [`AwsError`], the one error type handlers return.
//! - [`dispatch`]: which service and protocol a request is for, decided once.
//! - [`envelope`]: request ids, the dispatch decision and error rendering, the outermost layer.
//! - [`context`]: [`context::RequestContext`], the one extractor for who asks and where.
//! - [`extract`]: extractors whose rejections are AWS errors.
//! - [`region`]: the request's region and the default one.
//! - [`sigv4`]: AWS Signature Version 4 verification, as middleware.
//! - [`limits`]: request rate and body size limits.
//! - [`protocol`]: wire codecs (rest-xml, json, EC2 query, query strings) and error shapes.
//! - [`router`]: readiness, then the service the dispatch chose.
//! - [`route53`]: the Route 53 operations, one module per resource.
//! - [`resolver`]: Route 53 Resolver over json-1.1 (`X-Amz-Target: Route53Resolver.*`).
//! - [`profiles`]: Route 53 Profiles over rest-json (`/profile…`, `/tags/…`).
//! - [`ec2`]: the EC2 subset (VPCs, subnets, security groups) over EC2's query protocol.
//! - [`kms`]: the KMS subset DNSSEC needs (P-256 signing keys) over json-1.1
//!   (`X-Amz-Target: TrentService.*`).
//! - [`logs`]: the CloudWatch Logs subset over the query-log files, over json-1.1
//!   (`X-Amz-Target: Logs_20140328.*`).
//! - [`iam`]: IAM users, access keys and policies, and STS GetCallerIdentity, over the query
//!   protocol.
//!
//! Start with [`router()`].
#![warn(missing_docs)]

use std::future::Future;

use axum::Router;

pub mod authz;
pub mod context;
pub mod dispatch;
pub mod domains;
pub mod ec2;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod iam;
pub mod identity;
pub mod kms;
pub mod limits;
pub mod logs;
pub mod metrics;
pub mod operation;
pub mod profiles;
pub mod protocol;
pub mod region;
pub mod resolver;
pub mod route53;
pub mod router;
pub mod sigv4;
pub mod state;
pub mod store_errors;

pub use error::AwsError;
pub use router::{router_with, router_with_metrics, HEALTH_PATH};
pub use state::{ApiConfig, AppState, Credentials, DnsAnswers, TestAnswer};

/// The whole API: readiness, then every signed service.
///
/// # Arguments
/// * `state` - the store, credentials and configuration every handler shares.
pub fn router(state: AppState) -> Router {
    router_with(state, limits::RequestLimits::default())
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
    serve_with_metrics(listener, state, request_limits, None, shutdown).await
}

/// [`serve_with`], counting every request in `metrics` when given (see [`metrics`]).
pub async fn serve_with_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    request_limits: limits::RequestLimits,
    metrics: Option<std::sync::Arc<metrics::ApiMetrics>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router::router_with_metrics(state, request_limits, metrics),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

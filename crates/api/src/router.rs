//! The router: readiness, then limits, signature and the service [`crate::dispatch`] chose.
//!
//! Each service owns a router of its own paths; none is merged into another. The request's
//! [`Dispatch`] (decided by the envelope) picks which one answers, and a path or method that
//! service does not have is its protocol's unknown-operation error.

use axum::extract::{Request, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tower::ServiceExt;

use crate::dispatch::{Dispatch, Service};
use crate::protocol::Protocol;
use crate::state::AppState;
use crate::{domains, ec2, envelope, iam, kms, limits, logs, profiles, resolver, route53, sigv4};

/// The path of the readiness endpoint.
pub const HEALTH_PATH: &str = "/_cairn/health";

/// The whole API with request limits (rate, body size) checked before the signature.
pub fn router_with(state: AppState, request_limits: limits::RequestLimits) -> Router {
    router_with_metrics(state, request_limits, None)
}

/// [`router_with`], counting requests in `metrics` (inside the envelope, which decides the
/// service a request is for).
pub fn router_with_metrics(
    state: AppState,
    request_limits: limits::RequestLimits,
    metrics: Option<std::sync::Arc<crate::metrics::ApiMetrics>>,
) -> Router {
    let services = Services {
        // The registry's TLD zones (issue 14) are not the user's: calls naming one find none.
        route53: finish(route53::routes(), &state).layer(middleware::from_fn_with_state(
            state.clone(),
            domains::registry::hide_registry_zones,
        )),
        resolver: finish(resolver::routes(), &state),
        profiles: finish(profiles::routes(), &state),
        ec2: finish(ec2::routes(), &state),
        kms: finish(kms::routes(), &state),
        iam: finish(iam::routes(), &state),
        sts: finish(iam::sts::routes(), &state),
        domains: finish(domains::routes(), &state),
        logs: finish(logs::routes(), &state),
    };
    let signed = Router::new()
        .fallback(to_service)
        .with_state(services)
        .layer(middleware::from_fn_with_state(state.clone(), sigv4::verify))
        .layer(middleware::from_fn_with_state(
            limits::Limiter::new(request_limits),
            limits::enforce,
        ));
    Router::new()
        .route(HEALTH_PATH, get(health).fallback(unknown_operation))
        .fallback_service(signed)
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .layer(middleware::from_fn(envelope::wrap))
        .with_state(state)
}

/// The API of a node that started from its saved snapshot because the store could not be
/// reached (issue 15, static stability): `GET /_cairn/health` answers with `readiness`, and
/// every other request gets `ServiceUnavailable` (503) in its protocol's shape at once, never
/// a hang. The node swaps in [`router_with_metrics`] when the store returns.
pub fn unavailable(readiness: Arc<dyn Fn() -> serde_json::Value + Send + Sync>) -> Router {
    Router::new()
        .route(
            HEALTH_PATH,
            get(move || {
                let readiness = readiness.clone();
                async move { Json(readiness()) }
            }),
        )
        .fallback(|| async {
            crate::error::AwsError::from(cairn_store::StoreError::Unavailable(
                "the node serves its saved snapshot; the store is unreachable".into(),
            ))
            .into_response()
        })
        .layer(middleware::from_fn(envelope::wrap))
}

/// One router per service, each with its state and unknown-operation fallbacks.
#[derive(Clone)]
struct Services {
    route53: Router,
    resolver: Router,
    profiles: Router,
    ec2: Router,
    kms: Router,
    iam: Router,
    sts: Router,
    domains: Router,
    logs: Router,
}

fn finish(routes: Router<AppState>, state: &AppState) -> Router {
    routes
        .route_layer(middleware::from_fn(crate::authz::authorize))
        .route_layer(middleware::from_fn(crate::metrics::note_route))
        .method_not_allowed_fallback(unknown_operation)
        .fallback(unknown_operation)
        .with_state(state.clone())
}

/// Hands a verified request to the router of its service.
async fn to_service(State(services): State<Services>, request: Request) -> Response {
    let service = request
        .extensions()
        .get::<Dispatch>()
        .map_or(Service::Route53, |d| d.service);
    let router = match service {
        Service::Route53 => services.route53,
        Service::Resolver => services.resolver,
        Service::Profiles => services.profiles,
        Service::Ec2 => services.ec2,
        Service::Kms => services.kms,
        Service::Iam => services.iam,
        Service::Sts => services.sts,
        Service::Domains => services.domains,
        Service::Logs => services.logs,
    };
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// `GET /_cairn/health`: the readiness report, unauthenticated.
async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json((state.readiness)())
}

/// Any path, method or target no operation answers, in the request's protocol.
async fn unknown_operation(request: Request) -> Response {
    let protocol = request
        .extensions()
        .get::<Dispatch>()
        .map_or(Protocol::RestXml, |d| d.protocol);
    protocol.unknown_operation().into_response()
}

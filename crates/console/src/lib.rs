//! Cairn's web console at `/console/` on the API port (DESIGN.md §4).
//!
//! Server-rendered HTML, no script, one style sheet compiled in. Every action is the API
//! call the CLI would make, signed with the signed-in user's key and sent in process
//! through the API router, so the API's authorization applies unchanged:
//!
//! ```text
//!   browser ──► /console/… (axum routes below)
//!                 ├─ session cookie ──► Session (sealed under the master key)   [session]
//!                 ├─ POST: CSRF token of the session + same-origin check         [pages]
//!                 └─ page handler ──► ApiClient: SigV4-sign ──► api Router.oneshot [client]
//!                                  ◄── XML / JSON, or the AWS error's Message
//!                 ──► Page (html::escape on every string)                          [html]
//!   anything else ──► the API router, unchanged
//! ```
//!
//! # Layout
//! - [`html`]: escaping, the page layout, form pieces, the style sheet.
//! - [`session`]: the sealed session cookie and its CSRF token.
//! - [`client`]: signed in-process API calls and API errors in words.
//! - [`record`]: a record set ↔ the record form ↔ ChangeResourceRecordSets XML.
//! - `pages`: the handlers, one module per area (sign in, zones, records, other services).
//!
//! Start with [`with_console`].
#![warn(missing_docs)]

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use cairn_crypto::MasterKey;

pub mod client;
pub mod html;
mod pages;
pub mod record;
pub mod session;

/// What every console handler shares.
#[derive(Clone)]
pub struct ConsoleState {
    /// The API router the console's calls go through.
    pub api: Router,
    /// Seals and opens session cookies.
    pub key: Arc<MasterKey>,
}

/// The console's routes under `/console`, with `api` behind them for every other path.
///
/// # Arguments
/// * `api` - the whole API router (what `cairn serve` would serve alone).
/// * `key` - the node master key; sessions are sealed with it.
pub fn with_console(api: Router, key: Arc<MasterKey>) -> Router {
    console_routes(ConsoleState {
        api: api.clone(),
        key,
    })
    .fallback_service(api)
}

/// The console's own routes.
pub fn console_routes(state: ConsoleState) -> Router {
    use pages::{auth, records, services, zones};
    Router::new()
        .route(
            "/console",
            get(|| async { axum::response::Redirect::to("/console/") }),
        )
        .route("/console/", get(zones::home))
        .route("/console/style.css", get(style))
        .route("/console/signin", get(auth::form).post(auth::sign_in))
        .route("/console/signout", post(auth::sign_out))
        .route("/console/zones", get(zones::list).post(zones::create))
        .route("/console/zone", get(zones::open_by_name))
        .route("/console/zones/{id}", get(records::zone))
        .route("/console/zones/{id}/delete", post(zones::delete))
        .route("/console/zones/{id}/comment", post(zones::comment))
        .route(
            "/console/zones/{id}/records/new",
            get(records::new_form).post(records::create),
        )
        .route(
            "/console/zones/{id}/records/edit",
            get(records::edit_form).post(records::update),
        )
        .route("/console/zones/{id}/records/delete", post(records::delete))
        .route("/console/changes/{id}", get(records::change))
        .route("/console/healthchecks", get(services::health_checks))
        .route("/console/healthchecks/{id}", get(services::health_check))
        .route("/console/vpcs", get(services::vpcs))
        .route("/console/resolver", get(services::resolver))
        .route("/console/profiles", get(services::profiles))
        .route("/console/firewall", get(services::firewall))
        .route("/console/querylogs", get(services::query_logs))
        .route(
            "/console/{*rest}",
            get(pages::not_found).post(pages::not_found),
        )
        .with_state(state)
}

/// `GET /console/style.css`.
async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        html::STYLE,
    )
}

//! Route 53 (API version 2013-04-01) over rest-xml.
//!
//! One module per resource; [`routes`] maps every path to its handler.

use axum::Router;

use crate::state::AppState;

/// The Route 53 routes, under `/2013-04-01/`.
pub fn routes() -> Router<AppState> {
    Router::new()
}

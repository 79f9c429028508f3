//! Extractors whose rejections are AWS errors in the request's protocol, never axum's plain
//! text (STYLE.md B3, point 4).

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::dispatch::Dispatch;
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::Protocol;

/// Path parameters; one that does not decode is the protocol's invalid-input error
/// (`InvalidInput` in rest-xml, `ValidationException` in the JSON protocols).
#[derive(Debug)]
pub struct AwsPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AwsPath<T> {
    type Rejection = AwsError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AwsError> {
        let protocol = parts
            .extensions
            .get::<Dispatch>()
            .map_or(Protocol::RestXml, |d| d.protocol);
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|rejection| protocol.invalid_input(rejection.body_text()))
    }
}

/// The decoded query string (never fails: undecodable escapes are kept as written).
impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = AwsError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AwsError> {
        Ok(Self::parse(parts.uri.query()))
    }
}

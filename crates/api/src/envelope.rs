//! The envelope around every request: a request id on every response, and errors rendered
//! in the client's protocol.
//!
//! Handlers and middleware return [`AwsError`] as a response *extension*; [`wrap`] turns it
//! into the body here, where the request id is known. JSON protocols (Resolver's json-1.1,
//! rest-json) are recognised by their headers; everything else gets rest-xml.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::AwsError;
use crate::protocol::{ec2_query, rest_xml};

/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-amz-request-id";

/// The id of the request being served; handlers may read it from the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh id, shaped like AWS's (a UUID).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

/// The form an error body takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorForm {
    /// `<ErrorResponse>` (Route 53, EC2-style XML).
    Xml,
    /// `{"__type": …, "Message": …}` (json-1.1 and rest-json services).
    Json,
    /// `<Response><Errors><Error>…` (EC2's query protocol).
    Ec2,
}

impl ErrorForm {
    /// Chooses the form from the request's headers.
    pub fn for_request(headers: &HeaderMap) -> Self {
        let json_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if headers.contains_key("x-amz-target") || json_type {
            Self::Json
        } else {
            Self::Xml
        }
    }

    /// Chooses the form from the method, path and headers: a `POST /` that is not JSON is
    /// EC2's query protocol (Route 53 paths all start with its version).
    pub fn for_parts(method: &axum::http::Method, path: &str, headers: &HeaderMap) -> Self {
        if crate::profiles::is_profiles_path(path) {
            return Self::Json;
        }
        match Self::for_request(headers) {
            Self::Xml if method == axum::http::Method::POST && path == "/" => Self::Ec2,
            form => form,
        }
    }
}

/// Middleware: assigns the request id, then renders any [`AwsError`] the inner layers left.
pub async fn wrap(mut request: Request, next: Next) -> Response {
    let request_id = RequestId::generate();
    let form = ErrorForm::for_parts(request.method(), request.uri().path(), request.headers());
    request.extensions_mut().insert(request_id.clone());
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<AwsError>() {
        response = render_error(&error, form, &request_id);
    }
    let value = HeaderValue::from_str(&request_id.0).expect("a UUID is a valid header value");
    response.headers_mut().insert(REQUEST_ID_HEADER, value);
    response
}

/// The complete response for `error`.
pub fn render_error(error: &AwsError, form: ErrorForm, request_id: &RequestId) -> Response {
    let (content_type, body) = match form {
        ErrorForm::Xml => ("text/xml", rest_xml::error_body(error, &request_id.0)),
        ErrorForm::Ec2 => (
            "text/xml;charset=UTF-8",
            ec2_query::error_body(error, &request_id.0),
        ),
        ErrorForm::Json => (
            "application/x-amz-json-1.1",
            // `Message`, as Resolver and Profiles write it (botocore reads the modeled
            // exception's `Message` member from it; recorded in aws-recorded/route53resolver.json).
            serde_json::json!({"__type": error.code, "Message": error.message}).to_string(),
        ),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = error.status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    if form == ErrorForm::Json {
        if let Ok(value) = HeaderValue::from_str(&error.code) {
            response.headers_mut().insert("x-amzn-errortype", value);
        }
    }
    response
}

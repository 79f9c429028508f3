//! [`AwsError`] in each protocol's error shape, as botocore's parsers read them:
//! rest-xml `<ErrorResponse>`, EC2's `<Response><Errors>`, and `{"__type", "Message"}` for the
//! JSON protocols (with `X-Amzn-ErrorType`, which rest-json clients read first).

use axum::body::Body;
use axum::http::HeaderValue;
use axum::response::Response;

use super::{aws_query, ec2_query, rest_xml, Protocol};
use crate::error::AwsError;

/// The `Content-Type` of error bodies in `protocol`.
pub fn content_type(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::RestXml => "text/xml",
        Protocol::Ec2Query => "text/xml;charset=UTF-8",
        Protocol::Query { .. } => "text/xml",
        Protocol::Json11 => super::json::JSON_1_1,
        Protocol::RestJson => "application/json",
    }
}

/// The complete response for `error`, in `protocol`'s shape, naming `request_id`.
pub fn render(error: &AwsError, protocol: Protocol, request_id: &str) -> Response {
    let body = match protocol {
        Protocol::RestXml => rest_xml::error_body(error, request_id),
        Protocol::Ec2Query => ec2_query::error_body(error, request_id),
        Protocol::Query { namespace } => aws_query::error_body(error, request_id, namespace),
        // `Message`, as Resolver and Profiles write it (botocore reads the modeled
        // exception's `Message` member from it; recorded in aws-recorded/route53resolver.json).
        Protocol::Json11 | Protocol::RestJson => {
            serde_json::json!({"__type": error.code, "Message": error.message}).to_string()
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = error.status;
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static(content_type(protocol)),
    );
    if matches!(protocol, Protocol::Json11 | Protocol::RestJson) {
        if let Ok(value) = HeaderValue::from_str(&error.code) {
            response.headers_mut().insert("x-amzn-errortype", value);
        }
    }
    response
}

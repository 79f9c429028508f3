//! AWS's query protocol, as IAM and STS speak it: `POST /` with a form body
//! (`Action=CreateUser&Version=2010-05-08&UserName=bob`), responses
//! `<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata><RequestId>…`,
//! lists as `<member>` elements, errors `<ErrorResponse><Error><Type><Code><Message>` in the
//! service's namespace (ROUTE53-NEXT.md §A.5). Form lists arrive as `Tags.member.1.Key=…`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::rest_xml::XmlWriter;
use crate::error::AwsError;

/// IAM's XML namespace (API version 2010-05-08).
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// STS's XML namespace (API version 2011-06-15).
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The `<ErrorResponse>` document for `error` in `namespace`.
pub fn error_body(error: &AwsError, request_id: &str, namespace: &str) -> String {
    let mut w = XmlWriter::with_namespace("ErrorResponse", namespace);
    w.open("Error")
        .leaf("Type", error.fault.as_str())
        .leaf("Code", &error.code)
        .leaf("Message", &error.message)
        .close("Error")
        .leaf("RequestId", request_id);
    w.finish("ErrorResponse")
}

/// Builds one `<{Op}Response>`: the caller writes the result's members between
/// [`QueryResponse::new`] and [`QueryResponse::finish`].
#[derive(Debug)]
pub struct QueryResponse {
    operation: String,
    writer: XmlWriter,
    has_result: bool,
}

impl QueryResponse {
    /// A response to `operation` with a `<{Op}Result>` element (ops with output).
    pub fn new(operation: &str, namespace: &str) -> Self {
        let root = format!("{operation}Response");
        let mut writer = XmlWriter::with_namespace(&root, namespace);
        writer.open(&format!("{operation}Result"));
        Self {
            operation: operation.to_string(),
            writer,
            has_result: true,
        }
    }

    /// A response to an operation without output: only `<ResponseMetadata>`.
    pub fn empty(operation: &str, namespace: &str) -> Self {
        let root = format!("{operation}Response");
        Self {
            operation: operation.to_string(),
            writer: XmlWriter::with_namespace(&root, namespace),
            has_result: false,
        }
    }

    /// The writer, positioned inside the result.
    pub fn w(&mut self) -> &mut XmlWriter {
        &mut self.writer
    }

    /// Closes the result, adds the request id, and answers 200.
    pub fn finish(mut self, request_id: &str) -> Response {
        if self.has_result {
            self.writer.close(&format!("{}Result", self.operation));
        }
        self.writer
            .open("ResponseMetadata")
            .leaf("RequestId", request_id)
            .close("ResponseMetadata");
        let body = self.writer.finish(&format!("{}Response", self.operation));
        let mut response = (StatusCode::OK, body).into_response();
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("text/xml"));
        response
    }
}

/// A required form parameter, or the query protocol's `ValidationError` as IAM words it.
pub fn required<'a>(
    params: &'a super::ec2_query::FormParams,
    name: &str,
) -> Result<&'a str, AwsError> {
    params.get(name).ok_or_else(|| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ),
        )
    })
}

/// `UserName` → `userName`, as AWS names members in validation messages.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

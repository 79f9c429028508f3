//! Wire codecs of the AWS protocols the API speaks, independent of any service.
//!
//! - [`Protocol`]: which of the four a request speaks (decided once, by [`crate::dispatch`]).
//! - [`rest_xml`]: Route 53's protocol: XML bodies in, XML bodies out, `<ErrorResponse>`.
//! - [`ec2_query`]: EC2's query protocol: form bodies in, EC2 XML out, `<Response><Errors>`.
//! - [`aws_query`]: IAM's and STS's query protocol: form bodies in, `<{Op}Result>` XML out.
//! - [`json`]: Route 53 Resolver's json-1.1 and Route 53 Profiles' rest-json bodies.
//! - [`query`]: URI query strings and percent-encoding, shared with SigV4.
//! - [`error`]: an [`AwsError`] rendered in each protocol's error shape.

use axum::http::StatusCode;

use crate::error::AwsError;

pub mod aws_query;
pub mod ec2_query;
pub mod error;
pub mod json;
pub mod query;
pub mod rest_xml;

/// The protocols of botocore's service models (`metadata.protocol`) that this port speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `rest-xml`: Route 53.
    RestXml,
    /// `json` 1.1: `POST /` with `X-Amz-Target` (Route 53 Resolver).
    Json11,
    /// `rest-json`: Route 53 Profiles (and Cairn's JSON admin calls).
    RestJson,
    /// `ec2`: EC2's query protocol (form bodies, `Action=`).
    Ec2Query,
    /// `query`: IAM's and STS's protocol (form bodies, `Action=`, `<{Op}Result>` wrappers,
    /// `<ErrorResponse>` errors in the service's XML namespace).
    Query {
        /// The service's XML namespace.
        namespace: &'static str,
    },
}

impl Protocol {
    /// The name botocore's models give the protocol.
    pub fn name(self) -> &'static str {
        match self {
            Self::RestXml => "rest-xml",
            Self::Json11 => "json",
            Self::RestJson => "rest-json",
            Self::Ec2Query => "ec2",
            Self::Query { .. } => "query",
        }
    }

    /// The error for a request no operation answers (unknown path, method or target), with
    /// the code and status each protocol's services use for it.
    pub fn unknown_operation(self) -> AwsError {
        match self {
            Self::RestXml | Self::RestJson => AwsError::unknown_operation(),
            // Coral's json services answer an unknown or missing target with a 400.
            Self::Json11 => AwsError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                "The requested operation is not recognized by the service.",
            ),
            // EC2's common error for an action it does not know (every EC2 error is a 400).
            Self::Ec2Query | Self::Query { .. } => AwsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                "The action or operation requested is invalid. Verify that the action is typed correctly.",
            ),
        }
    }

    /// The error for input the protocol layer cannot read (a path parameter that does not
    /// decode, say), in the code each protocol's services use for invalid input.
    pub fn invalid_input(self, message: impl Into<String>) -> AwsError {
        let code = match self {
            Self::RestXml => "InvalidInput",
            Self::Json11 | Self::RestJson => "ValidationException",
            Self::Ec2Query => "InvalidParameterValue",
            Self::Query { .. } => "ValidationError",
        };
        AwsError::new(StatusCode::BAD_REQUEST, code, message)
    }
}

//! [`AwsError`]: every failure as the client sees it, with AWS's code, message and status.
//!
//! Handlers return `Result<_, AwsError>`. Turning an `AwsError` into a response does not
//! write the body: it attaches the error to the response, and the envelope
//! ([`crate::envelope`]) renders it in the protocol's form with the request id, so there is
//! one edge where errors take the client's shape (STYLE.md B, point 10).
//!
//! The model's typed domain errors ([`cairn_model::error`]) get their AWS code, status and
//! message here, one module per service: [`route53`] (hosted zones, change batches, health
//! checks, CIDR collections), [`ec2`] (networks), [`resolver`] (Resolver and Profiles) and
//! [`query_log`] (query logging, Resolver's and Route 53's).
//! [`firewall`] (DNS Firewall), [`kms`] (KMS keys and aliases), [`dnssec`] (Route 53 DNSSEC
//! signing), [`iam`] (IAM users, keys and policies).

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_model::error::{
    ChangeBatchError, CidrError, DnssecError, DomainError, FirewallError, HealthCheckError,
    IamError, KmsError, NetworkError, QueryLogError, ResolverError,
};
use cairn_store::StoreError;

mod dnssec;
mod ec2;
mod firewall;
mod iam;
mod kms;
mod query_log;
mod resolver;
mod route53;

pub use ec2::{network_error, vpc_not_found};
pub use iam::malformed_policy;
pub use kms::kms;

/// Whose fault a failure is: `<Type>` in rest-xml errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request was wrong.
    Sender,
    /// The server failed.
    Receiver,
}

impl Fault {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sender => "Sender",
            Self::Receiver => "Receiver",
        }
    }
}

/// An error in AWS's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    /// The error code (`NoSuchHostedZone`).
    pub code: Cow<'static, str>,
    /// The message, in AWS's words where known.
    pub message: String,
    /// The HTTP status.
    pub status: StatusCode,
    /// Sender or receiver.
    pub fault: Fault,
}

impl AwsError {
    /// A client error with this code, status and message.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
            fault: Fault::Sender,
        }
    }

    /// A server-side failure (`Type` Receiver).
    pub fn internal(
        code: impl Into<Cow<'static, str>>,
        status: StatusCode,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            status,
            fault: Fault::Receiver,
        }
    }

    /// 400 `InvalidInput`.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// 400 `MalformedInput`: the body is not well-formed XML.
    pub fn malformed_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MalformedInput", message)
    }

    /// 400 `InvalidChangeBatch` with Route 53's bracketed list of messages.
    pub fn invalid_change_batch(messages: &[String]) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidChangeBatch",
            format!("[{}]", messages.join(", ")),
        )
    }

    /// 413 `RequestEntityTooLarge`, for a body that could not be read whole within the limit
    /// (every layer that buffers the body answers it the same way).
    pub fn body_unreadable() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "Request body is too large or could not be read.",
        )
    }

    /// 404 `NoSuchHostedZone`.
    pub fn no_such_hosted_zone(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {id}"),
        )
    }

    /// 400 `InvalidVPCId`, in Route 53's words.
    pub fn invalid_vpc_id() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidVPCId",
            "The VPC ID is invalid.",
        )
    }

    /// 400 for a json-1.1 operation (`{target_prefix}.{operation}`) the service has but
    /// Cairn does not serve.
    pub fn operation_not_served(target_prefix: &str, operation: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            format!("The operation {target_prefix}.{operation} is not supported by Cairn."),
        )
    }

    /// 404 for a path or method no operation answers.
    pub fn unknown_operation() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not recognized by the service.",
        )
    }
}

impl From<ResolverError> for AwsError {
    fn from(err: ResolverError) -> Self {
        resolver::resolver_error(err)
    }
}

impl From<QueryLogError> for AwsError {
    fn from(err: QueryLogError) -> Self {
        query_log::query_log_error(err)
    }
}

impl From<DnssecError> for AwsError {
    fn from(err: DnssecError) -> Self {
        dnssec::dnssec_error(err)
    }
}

impl From<FirewallError> for AwsError {
    fn from(err: FirewallError) -> Self {
        firewall::firewall_error(err)
    }
}

impl From<KmsError> for AwsError {
    fn from(err: KmsError) -> Self {
        kms::kms_error(err)
    }
}

impl From<IamError> for AwsError {
    fn from(err: IamError) -> Self {
        iam::iam_error(err)
    }
}

impl From<HealthCheckError> for AwsError {
    fn from(err: HealthCheckError) -> Self {
        route53::health_check_error(err)
    }
}

impl From<CidrError> for AwsError {
    fn from(err: CidrError) -> Self {
        route53::cidr_error(err)
    }
}

impl From<ChangeBatchError> for AwsError {
    fn from(err: ChangeBatchError) -> Self {
        route53::batch_error(err)
    }
}

impl From<StoreError> for AwsError {
    /// A refusal in the terms of the service that owns its domain (a missing VPC in Route
    /// 53's: EC2's handlers use [`ec2_error`]); a storage failure as AWS's 503 or 500.
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Rejected(DomainError::Zone(err)) => route53::zone_error(err),
            StoreError::Rejected(DomainError::HealthCheck(err)) => route53::health_check_error(err),
            StoreError::Rejected(DomainError::Cidr(err)) => route53::cidr_error(err),
            StoreError::Rejected(DomainError::Resolver(err)) => resolver::resolver_error(err),
            StoreError::Rejected(DomainError::QueryLog(err)) => query_log::query_log_error(err),
            StoreError::Rejected(DomainError::Firewall(err)) => firewall::firewall_error(err),
            StoreError::Rejected(DomainError::Dnssec(err)) => dnssec::dnssec_error(err),
            StoreError::Rejected(DomainError::Kms(err)) => kms::kms_error(err),
            StoreError::Rejected(DomainError::Iam(err)) => iam::iam_error(err),
            // Route 53's words for a VPC it cannot use (recorded in aws-recorded/route53.json).
            StoreError::Rejected(DomainError::Network(NetworkError::NoSuchVpc(_))) => {
                Self::invalid_vpc_id()
            }
            StoreError::Rejected(DomainError::Network(err)) => network_error(err),
            StoreError::Unavailable(_) => {
                crate::store_errors::count_store_error(
                    crate::store_errors::StoreErrorKind::Unavailable,
                );
                tracing::warn!(error = %err, "store unavailable");
                Self::internal(
                    "ServiceUnavailable",
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service is unavailable. Try again later.",
                )
            }
            StoreError::Corrupt(_) | StoreError::Backend(_) => {
                crate::store_errors::count_store_error(
                    crate::store_errors::StoreErrorKind::Failure,
                );
                tracing::error!(error = %err, "store failure");
                Self::internal(
                    "InternalFailure",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The request processing has failed because of an unknown error.",
                )
            }
        }
    }
}

/// A store error in EC2's terms: a missing VPC is `InvalidVpcID.NotFound` here, where
/// Route 53 says `InvalidVPCId`.
pub fn ec2_error(err: StoreError) -> AwsError {
    match err {
        StoreError::Rejected(DomainError::Network(err)) => network_error(err),
        other => other.into(),
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

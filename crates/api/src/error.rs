//! [`AwsError`]: every failure as the client sees it, with AWS's code, message and status.
//!
//! Handlers return `Result<_, AwsError>`. Turning an `AwsError` into a response does not
//! write the body: it attaches the error to the response, and the envelope
//! ([`crate::envelope`]) renders it in the protocol's form with the request id, so there is
//! one edge where errors take the client's shape (STYLE.md B, point 10).

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_model::ChangeBatchError;
use cairn_store::StoreError;

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

    /// 404 for a path or method no operation answers.
    pub fn unknown_operation() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "The requested operation is not recognized by the service.",
        )
    }
}

impl From<cairn_model::resolver_validate::ResolverError> for AwsError {
    fn from(err: cairn_model::resolver_validate::ResolverError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, err.kind.code(), err.message)
    }
}

impl From<cairn_model::cidr::CidrError> for AwsError {
    fn from(err: cairn_model::cidr::CidrError) -> Self {
        let status = StatusCode::from_u16(err.kind.status()).unwrap_or(StatusCode::BAD_REQUEST);
        Self::new(status, err.kind.code(), err.message)
    }
}

impl From<ChangeBatchError> for AwsError {
    fn from(err: ChangeBatchError) -> Self {
        match err {
            ChangeBatchError::InvalidChangeBatch(messages) => Self::invalid_change_batch(&messages),
            ChangeBatchError::InvalidInput(message) => Self::invalid_input(message),
            ChangeBatchError::NoSuchHealthCheck(id) => Self::new(
                StatusCode::NOT_FOUND,
                "NoSuchHealthCheck",
                format!("No health check exists with the specified ID {id}."),
            ),
        }
    }
}

impl From<StoreError> for AwsError {
    fn from(err: StoreError) -> Self {
        let message = err.to_string();
        match err {
            StoreError::NoSuchHostedZone(_) => {
                Self::new(StatusCode::NOT_FOUND, "NoSuchHostedZone", message)
            }
            StoreError::NoSuchChange(_) => {
                Self::new(StatusCode::NOT_FOUND, "NoSuchChange", message)
            }
            StoreError::HostedZoneAlreadyExists(_) => {
                Self::new(StatusCode::CONFLICT, "HostedZoneAlreadyExists", message)
            }
            StoreError::HostedZoneNotEmpty => {
                Self::new(StatusCode::BAD_REQUEST, "HostedZoneNotEmpty", message)
            }
            StoreError::Invalid(batch) => batch.into(),
            StoreError::NoSuchDelegationSet(_) => {
                Self::new(StatusCode::BAD_REQUEST, "NoSuchDelegationSet", message)
            }
            StoreError::DelegationSetAlreadyCreated => Self::new(
                StatusCode::BAD_REQUEST,
                "DelegationSetAlreadyCreated",
                message,
            ),
            StoreError::DelegationSetInUse => {
                Self::new(StatusCode::BAD_REQUEST, "DelegationSetInUse", message)
            }
            StoreError::NoSuchHealthCheck(_) => {
                Self::new(StatusCode::NOT_FOUND, "NoSuchHealthCheck", message)
            }
            StoreError::HealthCheckAlreadyExists => {
                Self::new(StatusCode::CONFLICT, "HealthCheckAlreadyExists", message)
            }
            StoreError::HealthCheckVersionMismatch => {
                Self::new(StatusCode::CONFLICT, "HealthCheckVersionMismatch", message)
            }
            StoreError::InvalidHealthCheck(err) => Self::invalid_input(err.to_string()),
            // Route 53's words for a VPC it cannot use (recorded in aws-recorded/route53.json);
            // the EC2 handlers say InvalidVpcID.NotFound instead (`crate::ec2::ec2_error`).
            StoreError::NoSuchVpc(_) => Self::invalid_vpc_id(),
            StoreError::ConflictingDomainExists(_) => {
                Self::new(StatusCode::BAD_REQUEST, "ConflictingDomainExists", message)
            }
            StoreError::LastVpcAssociation => {
                Self::new(StatusCode::BAD_REQUEST, "LastVPCAssociation", message)
            }
            StoreError::PublicZoneVpcAssociation => {
                Self::new(StatusCode::BAD_REQUEST, "PublicZoneVPCAssociation", message)
            }
            StoreError::VpcAssociationNotFound { .. } => {
                Self::new(StatusCode::NOT_FOUND, "VPCAssociationNotFound", message)
            }
            StoreError::VpcAssociationAuthorizationNotFound { .. } => Self::new(
                StatusCode::NOT_FOUND,
                "VPCAssociationAuthorizationNotFound",
                message,
            ),
            StoreError::NotAuthorized(_) => {
                Self::new(StatusCode::UNAUTHORIZED, "NotAuthorizedException", message)
            }
            // EC2's codes (every EC2 client error is a 400).
            StoreError::NoSuchSubnet(_) => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidSubnetID.NotFound", message)
            }
            StoreError::NoSuchSecurityGroup(_) => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidGroup.NotFound", message)
            }
            StoreError::SecurityGroupExists { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "InvalidGroup.Duplicate", message)
            }
            StoreError::DuplicatePermission(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "InvalidPermission.Duplicate",
                message,
            ),
            StoreError::DependencyViolation(_) => {
                Self::new(StatusCode::BAD_REQUEST, "DependencyViolation", message)
            }
            StoreError::CannotDelete(_) => {
                Self::new(StatusCode::BAD_REQUEST, "CannotDelete", message)
            }
            StoreError::Network(err) => Self::new(StatusCode::BAD_REQUEST, err.code(), message),
            StoreError::Resolver(err) => {
                Self::new(StatusCode::BAD_REQUEST, err.kind.code(), err.message)
            }
            StoreError::Cidr(err) => err.into(),
            StoreError::Unavailable(_) => {
                tracing::warn!(error = %message, "store unavailable");
                Self::internal(
                    "ServiceUnavailable",
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service is unavailable. Try again later.",
                )
            }
            StoreError::Corrupt(_) | StoreError::Backend(_) => {
                tracing::error!(error = %message, "store failure");
                Self::internal(
                    "InternalFailure",
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The request processing has failed because of an unknown error.",
                )
            }
        }
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

//! What can go wrong in the store.
//!
//! A handful of storage errors: the backend cannot be reached now ([`StoreError::Unavailable`]),
//! stored data cannot be read back ([`StoreError::Corrupt`]), anything else the backend does
//! ([`StoreError::Backend`]), and a request a domain rule refused ([`StoreError::Rejected`]).
//! Refusals are the model's typed domain errors ([`cairn_model::error`]), not‑found and
//! conflicts included, because what they mean to a client depends on the domain and the
//! service asking (a missing VPC is `InvalidVPCId` to Route 53, `InvalidVpcID.NotFound` to
//! EC2); the API words them (docs/architecture.md).

use cairn_model::error::{
    ChangeBatchError, CidrError, DnssecError, DomainError, FirewallError, HealthCheckError,
    IamError, KmsError, NetworkError, QueryLogError, ResolverError, ZoneError,
};

/// What can go wrong in the store. Driver errors never leak through: they become
/// [`StoreError::Unavailable`] (worth retrying) or [`StoreError::Backend`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the request (a missing or conflicting resource, a value the
    /// rules refuse); nothing was written.
    #[error(transparent)]
    Rejected(#[from] DomainError),
    /// The backend cannot be reached now; the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back.
    #[error("store data corrupt: {0}")]
    Corrupt(String),
    /// Any other backend failure.
    #[error("store failure: {0}")]
    Backend(String),
}

impl StoreError {
    /// The domain error, when a rule refused the request.
    pub fn rejection(&self) -> Option<&DomainError> {
        match self {
            Self::Rejected(err) => Some(err),
            _ => None,
        }
    }
}

/// Every domain's error is a refusal (so `?` works on the rules' results).
macro_rules! rejected_from {
    ($($error:ty),*) => {$(
        impl From<$error> for StoreError {
            fn from(err: $error) -> Self {
                Self::Rejected(err.into())
            }
        }
    )*};
}

rejected_from!(
    ZoneError,
    ChangeBatchError,
    HealthCheckError,
    NetworkError,
    ResolverError,
    CidrError,
    QueryLogError,
    FirewallError,
    DnssecError,
    KmsError,
    IamError
);

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

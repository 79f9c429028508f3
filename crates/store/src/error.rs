//! What can go wrong in the store.

use cairn_model::health::HealthCheckError;
use cairn_model::network_validate::NetworkError;
use cairn_model::resolver_validate::ResolverError;
use cairn_model::{ChangeBatchError, ChangeId, HostedZoneId};

/// What can go wrong in the store. Driver errors never leak through: they become
/// [`StoreError::Unavailable`] (worth retrying) or [`StoreError::Backend`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The hosted zone does not exist.
    #[error("No hosted zone found with ID: {0}")]
    NoSuchHostedZone(HostedZoneId),
    /// The change does not exist.
    #[error("Could not find resource with ID: {0}")]
    NoSuchChange(ChangeId),
    /// `CallerReference` already used (Route 53: HostedZoneAlreadyExists).
    #[error("A hosted zone has already been created with the specified caller reference.")]
    HostedZoneAlreadyExists(HostedZoneId),
    /// The zone holds more than its apex SOA and NS (Route 53: HostedZoneNotEmpty).
    #[error(
        "The specified hosted zone contains non-required resource record sets and so cannot be deleted."
    )]
    HostedZoneNotEmpty,
    /// The change batch was refused by validation; nothing was written.
    #[error(transparent)]
    Invalid(ChangeBatchError),
    /// The backend cannot be reached now; the operation may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back.
    #[error("store data corrupt: {0}")]
    Corrupt(String),
    /// No reusable delegation set with that id (Route 53: NoSuchDelegationSet).
    #[error("No reusable delegation set found with ID: {0}")]
    NoSuchDelegationSet(String),
    /// A delegation set with that caller reference exists (DelegationSetAlreadyCreated).
    #[error("A delegation set with the same caller reference already exists.")]
    DelegationSetAlreadyCreated,
    /// A zone still uses the delegation set (DelegationSetInUse).
    #[error(
        "The specified delegation set contains associated hosted zones and so cannot be deleted."
    )]
    DelegationSetInUse,
    /// Any other backend failure.
    #[error("store failure: {0}")]
    Backend(String),
    /// No health check with that id (Route 53: NoSuchHealthCheck, 404).
    #[error("No health check exists with the specified ID {0}.")]
    NoSuchHealthCheck(String),
    /// `CallerReference` used by another (or a deleted) health check (409).
    #[error("A health check with the same caller reference already exists, with a different configuration or deleted.")]
    HealthCheckAlreadyExists,
    /// `HealthCheckVersion` is not the current version (409).
    #[error("The value of HealthCheckVersion in the request doesn't match the value of HealthCheckVersion in the health check.")]
    HealthCheckVersionMismatch,
    /// The health-check config was refused (InvalidInput).
    #[error(transparent)]
    InvalidHealthCheck(#[from] HealthCheckError),

    //------------ networks (issue 4) ----------------------------------------------
    /// No VPC with that id in that region (EC2 `InvalidVpcID.NotFound`; Route 53 says
    /// `InvalidVPCId`).
    #[error("The vpc ID '{0}' does not exist")]
    NoSuchVpc(String),
    /// No subnet with that id (EC2 `InvalidSubnetID.NotFound`).
    #[error("The subnet ID '{0}' does not exist")]
    NoSuchSubnet(String),
    /// No security group with that id (EC2 `InvalidGroup.NotFound`).
    #[error("The security group '{0}' does not exist")]
    NoSuchSecurityGroup(String),
    /// `GroupName` is taken in the VPC (EC2 `InvalidGroup.Duplicate`).
    #[error("The security group '{name}' already exists for VPC '{vpc_id}'")]
    SecurityGroupExists {
        /// The name asked for.
        name: String,
        /// The VPC.
        vpc_id: String,
    },
    /// The ingress permission exists already (EC2 `InvalidPermission.Duplicate`).
    #[error("the specified rule \"{0}\" already exists")]
    DuplicatePermission(String),
    /// Something still depends on the resource (EC2 `DependencyViolation`).
    #[error("{0}")]
    DependencyViolation(String),
    /// The resource may not be deleted at all (EC2 `CannotDelete`: a default group).
    #[error("{0}")]
    CannotDelete(String),
    /// A network value EC2 refuses (its code is [`NetworkError::code`]).
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The VPC is associated with this zone, or another zone of the same name, already
    /// (Route 53 `ConflictingDomainExists`).
    #[error("{0}")]
    ConflictingDomainExists(String),
    /// Disassociating the zone's only VPC (Route 53 `LastVPCAssociation`).
    #[error("The VPC that you're trying to disassociate from the private hosted zone is the last VPC that is associated with the hosted zone. Amazon Route 53 doesn't support disassociating the last VPC from a hosted zone.")]
    LastVpcAssociation,
    /// Associating a VPC with a public zone (Route 53 `PublicZoneVPCAssociation`).
    #[error("You're trying to associate a VPC with a public hosted zone. Amazon Route 53 doesn't support associating a VPC with a public hosted zone.")]
    PublicZoneVpcAssociation,
    /// The VPC is not associated with the zone (Route 53 `VPCAssociationNotFound`, 404).
    #[error("The specified VPC {vpc_id} and hosted zone {zone_id} are not currently associated.")]
    VpcAssociationNotFound {
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
    /// No such authorization (Route 53 `VPCAssociationAuthorizationNotFound`, 404).
    #[error("The VPC {vpc_id} is not authorized to be associated with hosted zone {zone_id}.")]
    VpcAssociationAuthorizationNotFound {
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
    /// The caller owns neither the zone nor an authorization (Route 53
    /// `NotAuthorizedException`, 401).
    #[error("{0}")]
    NotAuthorized(String),

    //------------ Resolver and Profiles (issue 5) -----------------------------------
    /// A Resolver or Profiles write was refused; its kind is the exception to report.
    #[error(transparent)]
    Resolver(#[from] ResolverError),

    //------------ CIDR collections (issue 6) ------------------------------------------
    /// A CIDR-collection request was refused; its kind is the exception to report.
    #[error(transparent)]
    Cidr(#[from] cairn_model::cidr::CidrError),
}

impl From<ChangeBatchError> for StoreError {
    fn from(err: ChangeBatchError) -> Self {
        match err {
            // A batch naming a missing health check is refused as a missing health check.
            ChangeBatchError::NoSuchHealthCheck(id) => Self::NoSuchHealthCheck(id),
            other => Self::Invalid(other),
        }
    }
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

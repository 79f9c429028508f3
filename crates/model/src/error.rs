//! Typed domain errors: why a request was refused, one enum per domain, carrying the ids
//! and names involved and no AWS wording.
//!
//! The rules (here in the model, or the store's lookups inside its transaction) return
//! them; the API turns each into the code, HTTP status and message of the service asked,
//! at one edge (`cairn_api::error`). So a missing VPC is one variant here, and
//! `InvalidVPCId` in Route 53 but `InvalidVpcID.NotFound` in EC2 there.
//!
//! | domain | enum |
//! |---|---|
//! | hosted zones, changes, delegation sets, VPC associations | [`ZoneError`] |
//! | change batches | [`ChangeBatchError`] (inside [`ZoneError::Batch`]) |
//! | health checks | [`HealthCheckError`] |
//! | EC2 networks: VPCs, subnets, security groups | [`NetworkError`] |
//! | Resolver and Profiles | [`ResolverError`] |
//! | CIDR collections | [`CidrError`] |
//! | Resolver query logging | [`QueryLogError`] |
//! | DNS Firewall | [`FirewallError`] |
//! | Route 53 DNSSEC signing | [`DnssecError`] |
//! | KMS keys and aliases | [`KmsError`] |
//! | IAM users, access keys, policies | [`IamError`] |
//!
//! [`DomainError`] is any of them: what a store refuses with.

pub use crate::change::ChangeBatchError;
pub use crate::cidr::CidrError;
pub use crate::dnssec::DnssecError;
pub use crate::firewall_validate::FirewallError;
pub use crate::health::HealthCheckError;
pub use crate::iam::IamError;
pub use crate::kms::KmsError;
pub use crate::network_validate::NetworkError;
pub use crate::query_log::QueryLogError;
pub use crate::resolver_validate::ResolverError;
use crate::zone::{ChangeId, HostedZoneId};

/// A hosted-zone request refused: zones, their changes, delegation sets and a private
/// zone's VPC associations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// No hosted zone with this id.
    #[error("no hosted zone {0}")]
    NoSuchHostedZone(HostedZoneId),
    /// No change with this id.
    #[error("no change {0}")]
    NoSuchChange(ChangeId),
    /// The caller reference was used already, by this zone.
    #[error("caller reference already used by zone {0}")]
    HostedZoneAlreadyExists(HostedZoneId),
    /// The zone holds more than its apex SOA and NS.
    #[error("zone {0} is not empty")]
    HostedZoneNotEmpty(HostedZoneId),
    /// The change batch was refused.
    #[error(transparent)]
    Batch(#[from] ChangeBatchError),
    /// No reusable delegation set with this id.
    #[error("no delegation set {0}")]
    NoSuchDelegationSet(String),
    /// A delegation set with this caller reference exists.
    #[error("caller reference {0} already used by a delegation set")]
    DelegationSetAlreadyCreated(String),
    /// Zones still use this delegation set.
    #[error("delegation set {0} is in use")]
    DelegationSetInUse(String),
    /// The VPC already sees a zone of this name (`existing`).
    #[error("VPC {vpc_id} ({region}) already sees zone {existing} of that name")]
    ConflictingDomainExists {
        /// The VPC.
        vpc_id: String,
        /// Its region.
        region: String,
        /// The zone of the same name it is associated with.
        existing: HostedZoneId,
    },
    /// Disassociating the zone's only VPC.
    #[error("VPC {vpc_id} is the last one of zone {zone_id}")]
    LastVpcAssociation {
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
    /// Associating a VPC with (or authorizing one for) a public zone.
    #[error("zone {0} is public")]
    PublicZoneVpcAssociation(HostedZoneId),
    /// The VPC is not associated with the zone.
    #[error("VPC {vpc_id} is not associated with zone {zone_id}")]
    VpcAssociationNotFound {
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
    /// No authorization for the VPC to be associated with the zone.
    #[error("VPC {vpc_id} is not authorized for zone {zone_id}")]
    VpcAssociationAuthorizationNotFound {
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
    /// The caller owns neither the VPC, nor the zone or an authorization for it.
    #[error("{caller} may not associate VPC {vpc_id} with zone {zone_id}")]
    NotAuthorized {
        /// The caller's account.
        caller: String,
        /// The VPC.
        vpc_id: String,
        /// The zone.
        zone_id: HostedZoneId,
    },
}

/// Any domain's refusal: what a store refuses a request with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Hosted zones, changes, delegation sets, VPC associations.
    #[error(transparent)]
    Zone(#[from] ZoneError),
    /// Health checks.
    #[error(transparent)]
    HealthCheck(#[from] HealthCheckError),
    /// VPCs, subnets, security groups.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// Resolver and Profiles.
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    /// CIDR collections.
    #[error(transparent)]
    Cidr(#[from] CidrError),
    /// Resolver query logging.
    #[error(transparent)]
    QueryLog(#[from] QueryLogError),
    /// DNS Firewall.
    #[error(transparent)]
    Firewall(#[from] FirewallError),
    /// Route 53 DNSSEC signing.
    #[error(transparent)]
    Dnssec(#[from] DnssecError),
    /// KMS keys and aliases.
    #[error(transparent)]
    Kms(#[from] KmsError),
    /// IAM users, access keys and policies.
    #[error(transparent)]
    Iam(#[from] IamError),
}

impl From<ChangeBatchError> for DomainError {
    fn from(err: ChangeBatchError) -> Self {
        Self::Zone(ZoneError::Batch(err))
    }
}

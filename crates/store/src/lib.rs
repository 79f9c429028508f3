//! Cairn's store: the single source of truth (DESIGN.md §1).
//!
//! ```text
//!   api / cairn CLI ──► Store (validate + commit + append to change log, one transaction)
//!                          │
//!   dns data plane  ◄── ChangeFeed (changes_since(seq), load_zone, report_applied)
//! ```
//!
//! [`open`] is the one place a backend is chosen; above this crate nobody knows which one
//! runs. Every committed change gets the next [`ChangeSeq`]; the data plane follows the log
//! and reloads only the zones that changed. Backends are modules: [`sqlite`] (embedded, WAL,
//! one file under the data dir) and [`postgres`] (one database that several nodes share);
//! the store logic is written once over both ([`SqlStore`], in `sql/`).
#![warn(missing_docs)]

use std::sync::Arc;

use async_trait::async_trait;
use cairn_model::cidr::{CidrChange, CidrCollection};
use cairn_model::health::{HealthCheck, HealthCheckConfig, HealthCheckError, HealthCheckUpdate};
use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::network_validate::NetworkError;
use cairn_model::resolver::{
    Profile, ProfileAssociation, ProfileResource, ResolverEndpoint, ResolverRule, RuleAssociation,
    VpcResolverConfig,
};
use cairn_model::resolver_validate::{
    EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewProfile, NewProfileAssociation,
    NewProfileResource, NewRule, ResolverError, RuleUpdate,
};
use cairn_model::{
    ChangeBatch, ChangeBatchError, ChangeId, ChangeInfo, ChangeSeq, DomainName, HostedZone,
    HostedZoneId, Limits, ResourceRecordSet,
};

pub mod postgres;
mod sql;
pub mod sqlite;

pub use sql::{SqlStore, NODE_LIVENESS};

//------------ StoreError --------------------------------------------------------

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
    Invalid(#[from] ChangeBatchError),
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

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

//------------ requests and events -------------------------------------------------

/// What `create_hosted_zone` needs; the store assigns the id and the times.
#[derive(Debug, Clone)]
pub struct NewHostedZone {
    /// Apex.
    pub name: DomainName,
    /// `CallerReference`.
    pub caller_reference: String,
    /// `HostedZoneConfig.Comment`.
    pub comment: Option<String>,
    /// Whether `HostedZoneConfig` was given.
    pub has_config: bool,
    /// `HostedZoneConfig.PrivateZone`.
    pub private_zone: bool,
    /// `DelegationSetId`, if any.
    pub delegation_set_id: Option<String>,
    /// Name servers for the delegation set and the default NS record.
    pub name_servers: Vec<DomainName>,
    /// The record sets the zone starts with (apex SOA and NS, or a whole imported zone).
    pub initial_record_sets: Vec<ResourceRecordSet>,
}

/// What `create_vpc` needs; the store assigns the id, the default security group and the
/// DNS attributes' defaults (support on, hostnames off).
#[derive(Debug, Clone)]
pub struct NewVpc {
    /// The region it is created in.
    pub region: String,
    /// The owning account.
    pub owner_account: String,
    /// `CidrBlock` (checked: /16 to /28).
    pub cidr_block: ipnet::Ipv4Net,
    /// The IPv6 block, when one was asked for.
    pub ipv6_cidr_block: Option<ipnet::Ipv6Net>,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// What `create_subnet` needs.
#[derive(Debug, Clone)]
pub struct NewSubnet {
    /// The VPC.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// `CidrBlock`: inside the VPC's, overlapping no other subnet.
    pub cidr_block: ipnet::Ipv4Net,
    /// `Ipv6CidrBlock`: a /64 of the VPC's IPv6 block.
    pub ipv6_cidr_block: Option<ipnet::Ipv6Net>,
    /// `AvailabilityZone`; the VPC's region + `a` when absent.
    pub availability_zone: Option<String>,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// What `create_security_group` needs.
#[derive(Debug, Clone)]
pub struct NewSecurityGroup {
    /// The VPC.
    pub vpc_id: String,
    /// The owning account.
    pub owner_account: String,
    /// `GroupName`, unique in the VPC.
    pub name: String,
    /// `GroupDescription`.
    pub description: String,
    /// Tags from `TagSpecifications`.
    pub tags: Vec<(String, String)>,
}

/// A VPC as Route 53 names it: `VPCId` and `VPCRegion`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VpcRef {
    /// `VPCId`.
    pub vpc_id: String,
    /// `VPCRegion`.
    pub region: String,
}

/// The tag resource types of the network resources (the `tags` table's `resource_type`).
pub mod tag_types {
    /// VPCs.
    pub const VPC: &str = "vpc";
    /// Subnets.
    pub const SUBNET: &str = "subnet";
    /// Security groups.
    pub const SECURITY_GROUP: &str = "security-group";
    /// Resolver endpoints.
    pub const RESOLVER_ENDPOINT: &str = "resolver-endpoint";
    /// Resolver rules.
    pub const RESOLVER_RULE: &str = "resolver-rule";
    /// Route 53 Profiles.
    pub const PROFILE: &str = "profile";
    /// Profile associations.
    pub const PROFILE_ASSOCIATION: &str = "profile-association";
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    /// Its position in the log.
    pub seq: ChangeSeq,
    /// The change it records.
    pub change_id: ChangeId,
    /// What it changed.
    pub subject: ChangeSubject,
    /// For a hosted zone: the only names whose record sets changed, when the change says
    /// (a change batch); `None` when the whole zone may have (created, deleted, replaced).
    pub names: Option<Vec<DomainName>>,
}

/// What a change-log entry changed, so the data plane reloads only that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeSubject {
    /// A hosted zone: created, changed or deleted.
    HostedZone(HostedZoneId),
    /// A health check's status (or the check itself) changed: the data plane reloads
    /// [`ChangeFeed::health_statuses`].
    HealthCheck(String),
    /// Networks changed: a VPC, subnet or security group, or a private zone's VPC
    /// associations (the string names what, for logs). The data plane reloads
    /// [`ChangeFeed::load_network`] whole.
    Network(String),
    /// A CIDR collection was created, changed or deleted (the string is its id). The data
    /// plane reloads [`ChangeFeed::load_cidr_collections`] whole.
    CidrCollection(String),
}

/// A hosted zone with every record set, as the data plane compiles it.
#[derive(Debug, Clone)]
pub struct ZoneContents {
    /// The zone.
    pub zone: HostedZone,
    /// Its record sets, in no particular order.
    pub record_sets: Vec<ResourceRecordSet>,
}

/// A page request for [`Store::list_record_sets`], Route 53's start position.
#[derive(Debug, Clone, Default)]
pub struct RecordSetPage {
    /// `StartRecordName`: the first set ≥ this name in Route 53's order.
    pub start_name: Option<DomainName>,
    /// `StartRecordType` (only with a name).
    pub start_type: Option<cairn_model::RrType>,
    /// `StartRecordIdentifier`.
    pub start_identifier: Option<String>,
    /// At most this many (Route 53 caps at 300).
    pub max_items: usize,
}

/// A page of record sets, and the first set of the next page when truncated.
#[derive(Debug, Clone)]
pub struct RecordSetListing {
    /// The sets, in Route 53's order.
    pub record_sets: Vec<ResourceRecordSet>,
    /// The first set of the next page, when there is one.
    pub next: Option<cairn_model::RrsetKey>,
}

//------------ Store -------------------------------------------------------------

/// The control plane's view of the store. Every write is one transaction that also appends
/// to the change log, and is durable when the call returns.
#[async_trait]
pub trait Store: ChangeFeed {
    /// Creates a zone with its initial record sets.
    async fn create_hosted_zone(&self, req: NewHostedZone)
        -> StoreResult<(HostedZone, ChangeInfo)>;

    /// One zone, with its record-set count.
    async fn get_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<HostedZone>;

    /// Every zone, ordered by id.
    async fn list_hosted_zones(&self) -> StoreResult<Vec<HostedZone>>;

    /// Deletes a zone that holds only its apex SOA and NS.
    async fn delete_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<ChangeInfo>;

    /// Sets or clears the zone's comment.
    async fn update_hosted_zone_comment(
        &self,
        id: &HostedZoneId,
        comment: Option<String>,
    ) -> StoreResult<HostedZone>;

    /// Validates `batch` against the zone under a per-zone lock
    /// ([`cairn_model::change::apply_change_batch`]) and commits it whole, or not at all.
    async fn change_record_sets(
        &self,
        id: &HostedZoneId,
        batch: &ChangeBatch,
        limits: &Limits,
    ) -> StoreResult<ChangeInfo>;

    /// Replaces every record set of the zone (zone-file import), as one change.
    async fn replace_record_sets(
        &self,
        id: &HostedZoneId,
        record_sets: Vec<ResourceRecordSet>,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo>;

    /// A page of the zone's record sets in Route 53's order.
    async fn list_record_sets(
        &self,
        id: &HostedZoneId,
        page: &RecordSetPage,
    ) -> StoreResult<RecordSetListing>;

    /// A change and its status: `INSYNC` once every live node has applied it.
    async fn get_change(&self, id: &ChangeId) -> StoreResult<ChangeInfo>;

    /// Adds (or overwrites) and removes tags on a resource (`hostedzone` or `healthcheck`).
    async fn change_tags(
        &self,
        resource_type: &str,
        resource_id: &str,
        add: Vec<(String, String)>,
        remove: Vec<String>,
    ) -> StoreResult<()>;

    /// The tags of a resource, ordered by key.
    async fn list_tags(
        &self,
        resource_type: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<(String, String)>>;

    /// Creates a reusable delegation set (`CallerReference` unique).
    async fn create_delegation_set(
        &self,
        caller_reference: &str,
        name_servers: Vec<DomainName>,
    ) -> StoreResult<DelegationSet>;

    /// One reusable delegation set.
    async fn get_delegation_set(&self, id: &str) -> StoreResult<DelegationSet>;

    /// Every reusable delegation set, ordered by id.
    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>>;

    /// Deletes a reusable delegation set that no zone uses.
    async fn delete_delegation_set(&self, id: &str) -> StoreResult<()>;

    //------------ health checks (issue 6) ------------------------------------------

    /// Creates a health check, or returns the existing one when `caller_reference` was used
    /// with the same config (`false` then); another config, or a deleted check, is
    /// [`StoreError::HealthCheckAlreadyExists`].
    async fn create_health_check(
        &self,
        _caller_reference: &str,
        _config: HealthCheckConfig,
    ) -> StoreResult<(HealthCheck, bool)> {
        Err(health_unsupported())
    }

    /// One health check.
    async fn get_health_check(&self, _id: &str) -> StoreResult<HealthCheck> {
        Err(health_unsupported())
    }

    /// Every health check, ordered by id.
    async fn list_health_checks(&self) -> StoreResult<Vec<HealthCheck>> {
        Ok(Vec::new())
    }

    /// Applies an update (checking `HealthCheckVersion`) and bumps the version.
    async fn update_health_check(
        &self,
        _id: &str,
        _update: HealthCheckUpdate,
    ) -> StoreResult<HealthCheck> {
        Err(health_unsupported())
    }

    /// Deletes a health check (even while records use it); its caller reference stays used.
    async fn delete_health_check(&self, _id: &str) -> StoreResult<()> {
        Err(health_unsupported())
    }

    /// Records one probe result; a status transition is logged as a
    /// [`ChangeSubject::HealthCheck`] change in the same transaction.
    async fn record_health_probe(&self, _id: &str, _result: ProbeResult) -> StoreResult<()> {
        Err(health_unsupported())
    }

    /// Forces the status routing uses (`None` clears the override).
    async fn set_health_override(&self, _id: &str, _status: Option<bool>) -> StoreResult<()> {
        Err(health_unsupported())
    }

    /// The check's status and last observations.
    async fn health_check_state(&self, _id: &str) -> StoreResult<HealthCheckState> {
        Err(health_unsupported())
    }

    //------------ networks (issue 4) -------------------------------------------------
    //
    // Every write is one transaction that logs a `ChangeSubject::Network` change.

    /// Creates a VPC and its `default` security group.
    async fn create_vpc(&self, _req: NewVpc) -> StoreResult<(Vpc, SecurityGroup)> {
        Err(network_unsupported())
    }

    /// Every VPC, ordered by id.
    async fn list_vpcs(&self) -> StoreResult<Vec<Vpc>> {
        Ok(Vec::new())
    }

    /// One VPC.
    async fn get_vpc(&self, id: &str) -> StoreResult<Vpc> {
        Err(StoreError::NoSuchVpc(id.to_string()))
    }

    /// Deletes a VPC with no subnets and no security groups but its default one (which goes
    /// with it); private-zone associations stay, as Route 53's do.
    async fn delete_vpc(&self, _id: &str) -> StoreResult<()> {
        Err(network_unsupported())
    }

    /// Sets `enableDnsSupport` and/or `enableDnsHostnames`.
    async fn modify_vpc_attributes(
        &self,
        _id: &str,
        _dns_support: Option<bool>,
        _dns_hostnames: Option<bool>,
    ) -> StoreResult<Vpc> {
        Err(network_unsupported())
    }

    /// Creates a subnet inside its VPC's block, overlapping no other subnet.
    async fn create_subnet(&self, _req: NewSubnet) -> StoreResult<Subnet> {
        Err(network_unsupported())
    }

    /// Every subnet, ordered by id.
    async fn list_subnets(&self) -> StoreResult<Vec<Subnet>> {
        Ok(Vec::new())
    }

    /// Deletes a subnet.
    async fn delete_subnet(&self, _id: &str) -> StoreResult<()> {
        Err(network_unsupported())
    }

    /// Sets `EnableDns64` on a subnet.
    async fn modify_subnet_dns64(&self, _id: &str, _enabled: bool) -> StoreResult<Subnet> {
        Err(network_unsupported())
    }

    /// Creates a security group (no ingress rules).
    async fn create_security_group(&self, _req: NewSecurityGroup) -> StoreResult<SecurityGroup> {
        Err(network_unsupported())
    }

    /// Every security group, ordered by id.
    async fn list_security_groups(&self) -> StoreResult<Vec<SecurityGroup>> {
        Ok(Vec::new())
    }

    /// Deletes a security group that is not a VPC's default and that no rule names.
    async fn delete_security_group(&self, _id: &str) -> StoreResult<()> {
        Err(network_unsupported())
    }

    /// Adds ingress rules, all or none (`InvalidPermission.Duplicate` for one that exists).
    async fn authorize_ingress(
        &self,
        _group_id: &str,
        _rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        Err(network_unsupported())
    }

    /// Creates a private zone associated with `vpc`, owned by `owner_account`, as one change.
    async fn create_private_hosted_zone(
        &self,
        _req: NewHostedZone,
        _vpc: VpcRef,
        _owner_account: &str,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        Err(network_unsupported())
    }

    /// The VPCs a zone is associated with, ordered by VPC id (empty for a public zone).
    async fn hosted_zone_vpcs(&self, _zone: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>> {
        Ok(Vec::new())
    }

    /// Associates a VPC with a private zone; `caller_account` must own the VPC, and own the
    /// zone or hold an authorization for it.
    async fn associate_vpc(
        &self,
        _zone: &HostedZoneId,
        _vpc: VpcRef,
        _caller_account: &str,
        _comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        Err(network_unsupported())
    }

    /// Removes an association; never the zone's last one.
    async fn disassociate_vpc(
        &self,
        _zone: &HostedZoneId,
        _vpc: VpcRef,
        _comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        Err(network_unsupported())
    }

    /// The private zones a VPC is associated with, ordered by id.
    async fn hosted_zones_by_vpc(&self, _vpc: &VpcRef) -> StoreResult<Vec<HostedZone>> {
        Ok(Vec::new())
    }

    /// Lets `vpc` (another account's) be associated with the private zone.
    async fn create_vpc_association_authorization(
        &self,
        _zone: &HostedZoneId,
        _vpc: VpcRef,
    ) -> StoreResult<()> {
        Err(network_unsupported())
    }

    /// Withdraws an authorization (existing associations stay).
    async fn delete_vpc_association_authorization(
        &self,
        _zone: &HostedZoneId,
        _vpc: VpcRef,
    ) -> StoreResult<()> {
        Err(network_unsupported())
    }

    /// The zone's authorizations, ordered by VPC id.
    async fn list_vpc_association_authorizations(
        &self,
        _zone: &HostedZoneId,
    ) -> StoreResult<Vec<VpcRef>> {
        Ok(Vec::new())
    }

    //------------ Resolver and Profiles (issue 5) ------------------------------------
    //
    // Each write runs the matching `cairn_model::resolver_validate` check on the state inside
    // its transaction, writes, and logs a `ChangeSubject::Network` change; a refusal changes
    // nothing. Reads go through `ChangeFeed::load_network`.

    /// CreateResolverEndpoint, with its tags.
    async fn create_resolver_endpoint(
        &self,
        _req: NewEndpoint,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverEndpoint> {
        Err(network_unsupported())
    }

    /// UpdateResolverEndpoint.
    async fn update_resolver_endpoint(
        &self,
        _id: &str,
        _update: EndpointUpdate,
    ) -> StoreResult<ResolverEndpoint> {
        Err(network_unsupported())
    }

    /// DeleteResolverEndpoint (refused while a rule uses it); returns what was deleted.
    async fn delete_resolver_endpoint(&self, _id: &str) -> StoreResult<ResolverEndpoint> {
        Err(network_unsupported())
    }

    /// AssociateResolverEndpointIpAddress.
    async fn associate_resolver_endpoint_ip(
        &self,
        _id: &str,
        _req: IpRequest,
    ) -> StoreResult<ResolverEndpoint> {
        Err(network_unsupported())
    }

    /// DisassociateResolverEndpointIpAddress.
    async fn disassociate_resolver_endpoint_ip(
        &self,
        _id: &str,
        _which: IpSelector,
    ) -> StoreResult<ResolverEndpoint> {
        Err(network_unsupported())
    }

    /// CreateResolverRule, with its tags.
    async fn create_resolver_rule(
        &self,
        _req: NewRule,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverRule> {
        Err(network_unsupported())
    }

    /// UpdateResolverRule.
    async fn update_resolver_rule(
        &self,
        _id: &str,
        _update: RuleUpdate,
    ) -> StoreResult<ResolverRule> {
        Err(network_unsupported())
    }

    /// DeleteResolverRule (refused while associated); returns what was deleted.
    async fn delete_resolver_rule(&self, _id: &str) -> StoreResult<ResolverRule> {
        Err(network_unsupported())
    }

    /// AssociateResolverRule.
    async fn associate_resolver_rule(
        &self,
        _rule_id: &str,
        _vpc_id: &str,
        _name: Option<String>,
    ) -> StoreResult<RuleAssociation> {
        Err(network_unsupported())
    }

    /// DisassociateResolverRule; returns the association removed.
    async fn disassociate_resolver_rule(
        &self,
        _rule_id: &str,
        _vpc_id: &str,
    ) -> StoreResult<RuleAssociation> {
        Err(network_unsupported())
    }

    /// UpdateResolverConfig (`ENABLE`/`DISABLE` autodefined reverse for a VPC).
    async fn update_resolver_config(
        &self,
        _vpc_id: &str,
        _flag: &str,
    ) -> StoreResult<VpcResolverConfig> {
        Err(network_unsupported())
    }

    /// CreateProfile, with its tags (a repeated `ClientToken` returns the profile made then).
    async fn create_profile(
        &self,
        _req: NewProfile,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<Profile> {
        Err(network_unsupported())
    }

    /// DeleteProfile (refused while associated with a VPC); its resources go with it.
    async fn delete_profile(&self, _id: &str) -> StoreResult<Profile> {
        Err(network_unsupported())
    }

    /// AssociateProfile, with the association's tags.
    async fn associate_profile(
        &self,
        _req: NewProfileAssociation,
        _tags: Vec<(String, String)>,
    ) -> StoreResult<ProfileAssociation> {
        Err(network_unsupported())
    }

    /// DisassociateProfile; returns the association removed.
    async fn disassociate_profile(
        &self,
        _profile_id: &str,
        _vpc_id: &str,
    ) -> StoreResult<ProfileAssociation> {
        Err(network_unsupported())
    }

    /// AssociateResourceToProfile.
    async fn associate_profile_resource(
        &self,
        _req: NewProfileResource,
    ) -> StoreResult<ProfileResource> {
        Err(network_unsupported())
    }

    /// DisassociateResourceFromProfile; returns the resource association removed.
    async fn disassociate_profile_resource(
        &self,
        _profile_id: &str,
        _arn: &str,
    ) -> StoreResult<ProfileResource> {
        Err(network_unsupported())
    }

    /// UpdateProfileResourceAssociation.
    async fn update_profile_resource(
        &self,
        _id: &str,
        _name: Option<String>,
        _resource_properties: Option<String>,
    ) -> StoreResult<ProfileResource> {
        Err(network_unsupported())
    }

    //------------ CIDR collections (issue 6) ------------------------------------------
    // Every write is one transaction that logs a `ChangeSubject::CidrCollection` change.

    /// CreateCidrCollection: a new collection at version 1, or the existing one when `name`
    /// and `caller_reference` match one (Route 53 is idempotent on the pair); true when new.
    async fn create_cidr_collection(
        &self,
        _name: &str,
        _caller_reference: &str,
    ) -> StoreResult<(CidrCollection, bool)> {
        Err(cidr_unsupported())
    }

    /// One collection.
    async fn get_cidr_collection(&self, id: &str) -> StoreResult<CidrCollection> {
        Err(StoreError::Cidr(
            cairn_model::cidr::CidrError::no_such_collection(id),
        ))
    }

    /// Every collection, by name.
    async fn list_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        Ok(Vec::new())
    }

    /// ChangeCidrCollection ([`cairn_model::cidr::apply_cidr_changes`]); returns the change.
    async fn change_cidr_collection(
        &self,
        _id: &str,
        _version: Option<u64>,
        _changes: Vec<CidrChange>,
    ) -> StoreResult<ChangeInfo> {
        Err(cidr_unsupported())
    }

    /// DeleteCidrCollection: refused while it holds blocks or a record set names it.
    async fn delete_cidr_collection(&self, _id: &str) -> StoreResult<()> {
        Err(cidr_unsupported())
    }
}

fn cidr_unsupported() -> StoreError {
    StoreError::Backend("this store does not keep CIDR collections".into())
}

fn network_unsupported() -> StoreError {
    StoreError::Backend("this store does not keep networks".into())
}

fn health_unsupported() -> StoreError {
    StoreError::Backend("this store does not keep health checks".into())
}

/// One probe's result, as the checker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// Healthy by the probe's rules.
    pub ok: bool,
    /// Route 53-style text: `Success: HTTP Status Code 200, OK`, `Failure: …`.
    pub status: String,
    /// The address probed.
    pub ip_address: String,
    /// The checker's region (the node's `--region`).
    pub region: String,
    /// When, in ms since the epoch.
    pub checked_at_ms: i64,
}

/// One observation, as GetHealthCheckStatus reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthObservation {
    /// The checker's region.
    pub region: String,
    /// The address probed.
    pub ip_address: String,
    /// The status text.
    pub status: String,
    /// When, in ms since the epoch.
    pub checked_at_ms: i64,
}

/// A check's status and what the checker last saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheckState {
    /// The status routing uses.
    pub healthy: bool,
    /// The forced status, if an operator set one.
    pub override_status: Option<bool>,
    /// The last probe.
    pub last: Option<HealthObservation>,
    /// The last failed probe.
    pub last_failure: Option<HealthObservation>,
}

/// A reusable delegation set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationSet {
    /// Bare id (`N…`); bodies carry `/delegationset/N…`.
    pub id: String,
    /// `CallerReference`.
    pub caller_reference: String,
    /// Its name servers.
    pub name_servers: Vec<DomainName>,
}

/// What the data plane follows: the change log, and the zones it names.
#[async_trait]
pub trait ChangeFeed: Send + Sync + 'static {
    /// The newest sequence number in the log (0 when empty).
    async fn latest_seq(&self) -> StoreResult<ChangeSeq>;

    /// Log entries after `seq`, oldest first.
    async fn changes_since(&self, seq: ChangeSeq) -> StoreResult<Vec<ChangeEvent>>;

    /// One zone's contents; `None` when it no longer exists.
    async fn load_zone(&self, id: &HostedZoneId) -> StoreResult<Option<ZoneContents>>;

    /// Every zone's contents.
    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>>;

    /// A zone and its record sets at `names` only; `None` when the zone no longer exists.
    async fn load_record_sets_at(
        &self,
        id: &HostedZoneId,
        names: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>>;

    /// Records that serving node `node` has applied the log up to `seq`; also its heartbeat.
    async fn report_applied(&self, node: &str, seq: ChangeSeq) -> StoreResult<()>;

    /// The status routing uses for every health check: `(id, healthy)`. A check with no
    /// status yet is absent (and counts as healthy, as a new Route 53 check does).
    async fn health_statuses(&self) -> StoreResult<Vec<(String, bool)>> {
        Ok(Vec::new())
    }

    /// Every VPC, subnet, security group and private-zone association.
    async fn load_network(&self) -> StoreResult<cairn_model::network::NetworkContents> {
        Ok(Default::default())
    }

    /// Every CIDR collection, for IP-based routing.
    async fn load_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        Ok(Vec::new())
    }

    /// Woken after every commit made through this handle, so a follower in the same process
    /// applies it at once instead of at its next poll. `None` if the backend cannot tell.
    fn commit_notifier(&self) -> Option<Arc<tokio::sync::Notify>> {
        None
    }
}

/// Opens the store a URL names: `sqlite://PATH` (or a bare path), or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (also `postgresql://`) for a database
/// that several nodes share.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(postgres::open(url).await?));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    Ok(Arc::new(sqlite::open(path.as_ref()).await?))
}

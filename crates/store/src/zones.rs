//! Hosted zones and their changes: record sets, the changes that carry them, tags and
//! reusable delegation sets.

use async_trait::async_trait;
use cairn_model::{
    ChangeBatch, ChangeId, ChangeInfo, DomainName, HostedZone, HostedZoneId, Limits,
    ResourceRecordSet,
};

use crate::error::StoreResult;

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

/// The tag resource types of the network resources (the `tags` table's `resource_type`).
pub mod tag_types {
    /// VPCs.
    pub const VPC: &str = "vpc";
    /// Subnets.
    pub const SUBNET: &str = "subnet";
    /// Security groups.
    pub const SECURITY_GROUP: &str = "security-group";
    /// Security group rules (named in `TagSpecification`; Cairn keeps no tags on them).
    pub const SECURITY_GROUP_RULE: &str = "security-group-rule";
    /// Resolver endpoints.
    pub const RESOLVER_ENDPOINT: &str = "resolver-endpoint";
    /// Resolver rules.
    pub const RESOLVER_RULE: &str = "resolver-rule";
    /// Route 53 Profiles.
    pub const PROFILE: &str = "profile";
    /// Profile associations.
    pub const PROFILE_ASSOCIATION: &str = "profile-association";
    /// Resolver query log configs.
    pub const QUERY_LOG_CONFIG: &str = "resolver-query-log-config";
    /// DNS Firewall domain lists.
    pub const FIREWALL_DOMAIN_LIST: &str = "firewall-domain-list";
    /// DNS Firewall rule groups.
    pub const FIREWALL_RULE_GROUP: &str = "firewall-rule-group";
    /// DNS Firewall rule-group associations.
    pub const FIREWALL_RULE_GROUP_ASSOCIATION: &str = "firewall-rule-group-association";
}

/// A page request for [`ZoneStore::list_record_sets`], Route 53's start position.
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

/// Hosted zones, record sets, changes, tags and delegation sets. Every write is one
/// transaction that also appends to the change log, and is durable when the call returns.
#[async_trait]
pub trait ZoneStore: Send + Sync + 'static {
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

    /// Validates `batch` against the zone and what it refers to, in the transaction that
    /// commits it ([`cairn_model::change::check_change_batch`]), and commits it whole, or not
    /// at all.
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
}

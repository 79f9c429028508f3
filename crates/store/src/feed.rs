//! The change feed the data plane follows: the change log, and the state it names.

use std::sync::Arc;

use async_trait::async_trait;
use cairn_model::cidr::CidrCollection;
use cairn_model::{
    ChangeId, ChangeSeq, DomainName, HealthCheckId, HostedZone, HostedZoneId, ResourceRecordSet,
};

use crate::error::StoreResult;

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
    HealthCheck(HealthCheckId),
    /// Networks changed: a VPC, subnet or security group, or a private zone's VPC
    /// associations (the string names what, for logs). The data plane reloads
    /// [`ChangeFeed::load_network`] whole.
    Network(String),
    /// A CIDR collection was created, changed or deleted (the string is its id). The data
    /// plane reloads [`ChangeFeed::load_cidr_collections`] whole.
    CidrCollection(String),
    /// The DNS Firewall changed: a domain list or its domains, a rule group or rule, an
    /// association or a config (the string names what, for logs). The data plane reloads
    /// [`ChangeFeed::load_firewall`] whole.
    Firewall(String),
}

/// A hosted zone with every record set, as the data plane compiles it (and as the node's
/// saved snapshot keeps it, [`crate::saved`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ZoneContents {
    /// The zone.
    pub zone: HostedZone,
    /// Its record sets, in no particular order.
    pub record_sets: Vec<ResourceRecordSet>,
    /// Its signing keys when it is signing (issue 18); `None` when it is not.
    pub dnssec: Option<cairn_model::dnssec::ZoneDnssec>,
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

    /// Each hosted zone's last change-log sequence: the serial of its SOA when the data plane
    /// serves secondaries (zones absent take the log's latest sequence).
    async fn zone_serials(&self) -> StoreResult<Vec<(HostedZoneId, ChangeSeq)>>;

    /// Records that serving node `node` has applied the log up to `seq`; also its heartbeat.
    async fn report_applied(&self, node: &str, seq: ChangeSeq) -> StoreResult<()>;

    /// The status routing uses for every health check: `(id, healthy)`. A check with no
    /// status yet is absent (and counts as healthy, as a new Route 53 check does).
    async fn health_statuses(&self) -> StoreResult<Vec<(HealthCheckId, bool)>>;

    /// Every VPC, subnet, security group and private-zone association.
    async fn load_network(&self) -> StoreResult<cairn_model::network::NetworkContents>;

    /// Every CIDR collection, for IP-based routing.
    async fn load_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>>;

    /// The whole DNS Firewall: every domain list with its domains, rule group, rule,
    /// association and config.
    async fn load_firewall(&self) -> StoreResult<cairn_model::firewall::FirewallContents>;

    /// Woken after every commit made through this handle (and, on PostgreSQL, after every
    /// other node's commit, through LISTEN/NOTIFY), so a follower applies it at once instead
    /// of at its next poll. `None` if the backend cannot tell.
    fn commit_notifier(&self) -> Option<Arc<tokio::sync::Notify>>;
}

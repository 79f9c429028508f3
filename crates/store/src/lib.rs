//! Cairn's store: the single source of truth (DESIGN.md §1).
//!
//! ```text
//!   api / cairn CLI ──► Store (validate + commit + append to change log, one transaction)
//!                          │
//!   dns data plane  ◄── ChangeFeed (changes_since(seq), load_zone, report_applied)
//! ```
//!
//! [`open`] is the one place a backend is chosen; above this crate nobody knows which one
//! runs. Every committed change gets the next [`ChangeSeq`](cairn_model::ChangeSeq); the data
//! plane follows the log and reloads only what changed.
//!
//! # Layout
//!
//! One trait per concern, and [`Store`], the one object callers hold, is all of them:
//!
//! | trait | module | what it keeps |
//! |---|---|---|
//! | [`ZoneStore`] | [`zones`] | hosted zones, record sets, changes, tags, delegation sets |
//! | [`NetworkStore`] | [`networks`] | VPCs, subnets, security groups, private-zone associations |
//! | [`ResolverStore`] | [`resolver`] | Resolver endpoints, rules, rule associations, configs |
//! | [`ProfileStore`] | [`profiles`] | Route 53 Profiles, their associations and resources |
//! | [`QueryLogStore`] | [`query_logs`] | Resolver query log configs and their VPC associations |
//! | [`HealthStore`] | [`health`] | health checks and their status |
//! | [`CidrStore`] | [`cidr`] | CIDR collections |
//! | [`FirewallStore`] | [`firewall`] | DNS Firewall lists, rule groups, rules, associations, configs |
//! | [`DnssecStore`] | [`dnssec`] | Route 53 DNSSEC: signing status, KSKs, sealed ZSKs, DNSKEY signatures |
//! | [`KmsStore`] | [`kms`] | KMS keys (private halves sealed) and aliases |
//! | [`IamStore`] | [`iam`] | IAM users, access keys (secrets sealed), inline and managed policies |
//! | [`LogGroupStore`] | [`log_groups`] | CloudWatch Logs log groups (their events are the query-log files) |
//! | [`ChangeFeed`] | [`feed`] | the change log and the state the data plane compiles |
//!
//! Supertrait methods need their trait in scope where a generic caller uses them:
//! `use cairn_store::prelude::*;` brings every trait. The store logic is written once over
//! both SQL backends ([`SqlStore`], in `sql/`: SQLite, embedded, one file in WAL mode; and
//! PostgreSQL, one database that several nodes share).
#![warn(missing_docs)]

use std::sync::Arc;

pub mod cidr;
pub mod dnssec;
pub mod domains;
pub mod error;
pub mod feed;
pub mod firewall;
pub mod health;
pub mod iam;
pub mod kms;
pub mod log_groups;
pub mod networks;
pub mod profiles;
pub mod query_logs;
pub mod resolver;
pub mod saved;
mod sql;
pub mod zones;

pub use cidr::CidrStore;
pub use dnssec::DnssecStore;
pub use domains::DomainStore;
pub use error::{StoreError, StoreResult};
pub use feed::{ChangeEvent, ChangeFeed, ChangeSubject, ZoneContents};
pub use firewall::FirewallStore;
pub use health::{HealthCheckState, HealthObservation, HealthStore, ProbeResult};
pub use iam::{IamStore, Signer};
pub use kms::KmsStore;
pub use log_groups::LogGroupStore;
pub use networks::{NetworkStore, NewSecurityGroup, NewSubnet, NewVpc, RuleDirection, VpcRef};
pub use profiles::ProfileStore;
pub use query_logs::QueryLogStore;
pub use resolver::ResolverStore;
pub use saved::{SavedFeed, SavedSnapshot};
pub use sql::{SqlStore, NODE_LIVENESS};
pub use zones::{
    tag_types, DelegationSet, NewHostedZone, RecordSetListing, RecordSetPage, ZoneStore,
};

/// Every store trait, for callers that use the store's methods: `use cairn_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        ChangeFeed, CidrStore, DnssecStore, DomainStore, FirewallStore, HealthStore, IamStore,
        KmsStore, LogGroupStore, NetworkStore, ProfileStore, QueryLogStore, ResolverStore, Store,
        ZoneStore,
    };
}

//------------ Store -------------------------------------------------------------

/// The whole store, as the control plane holds it (`Arc<dyn Store>`): every concern's trait.
/// Anything that implements them all is a `Store`.
pub trait Store:
    ZoneStore
    + NetworkStore
    + ResolverStore
    + ProfileStore
    + QueryLogStore
    + HealthStore
    + CidrStore
    + FirewallStore
    + DnssecStore
    + KmsStore
    + IamStore
    + DomainStore
    + LogGroupStore
    + ChangeFeed
{
}

impl<T> Store for T where
    T: ZoneStore
        + NetworkStore
        + ResolverStore
        + ProfileStore
        + QueryLogStore
        + HealthStore
        + CidrStore
        + FirewallStore
        + DnssecStore
        + KmsStore
        + IamStore
        + DomainStore
        + LogGroupStore
        + ChangeFeed
{
}

/// Opens the store a URL names: `sqlite://PATH` (or a bare path), or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (also `postgresql://`) for a database
/// that several nodes share.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(SqlStore::open_postgres(url).await?));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    Ok(Arc::new(SqlStore::open_sqlite(path.as_ref()).await?))
}

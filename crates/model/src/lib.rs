//! Cairn's domain model: the Route 53 vocabulary and its rules, with no I/O.
//!
//! # Layout
//! - [`name`]: [`DomainName`], parsed and printed the way Route 53 does (octal escapes,
//!   lowercase, trailing dot) and the way zone files do (RFC 1035 decimal escapes).
//! - [`rrtype`]: [`RrType`], the record types Cairn stores.
//! - [`rrset`]: [`ResourceRecordSet`] and its parts (alias target, routing policy).
//! - [`routing`]: routing policies, typed, and where Route 53's routing fields become one.
//! - [`id`]: resource ids as newtypes ([`HostedZoneId`], [`HealthCheckId`], …).
//! - [`zone`]: [`HostedZone`], [`ChangeInfo`].
//! - [`change`]: [`ChangeBatch`] and [`change::apply_change_batch`], the all-or-nothing
//!   validation Route 53 performs on ChangeResourceRecordSets.
//! - [`rdata`]: record values, from Route 53 / zone-file text to wire RDATA and back.
//! - [`zonefile`]: BIND zone files in and out.
//! - [`dnssec`]: what a signed zone hands the data plane: sealed ZSKs, the DNSKEY RRset and
//!   its KSK signatures (issue 18).
//! - [`defaults`]: the SOA and NS records a new hosted zone starts with.
//! - [`health`]: health-check configs, their validation and the status rules.
//! - [`network`]: VPCs, subnets, security groups and private-zone associations.
//! - [`resolver`]: Route 53 Resolver endpoints, rules and associations; Route 53 Profiles.
//! - [`resolver_status`]: their statuses and kinds as enums, with Route 53's texts.
//! - [`network_validate`]: the rules EC2 applies to them (CIDR sizes, overlap, ingress).
//! - [`cidr`]: CIDR collections for IP-based routing and ChangeCidrCollection's rules.
//! - [`region`]: where AWS regions and Local Zone groups are, for location-based routing.
//! - [`resolver_validate`]: the rules Route 53 Resolver and Profiles apply to their writes.
//! - [`query_log`]: Resolver query log configs and their VPC associations (issue 13).
//! - [`firewall`]: DNS Firewall domain lists, rule groups, rules, associations and configs.
//! - [`error`]: the typed domain errors, one enum per domain, and [`error::DomainError`].
//!
//! Start with [`rrset::ResourceRecordSet`]: everything else describes or validates it.
#![warn(missing_docs)]

pub mod change;
pub mod cidr;
pub mod defaults;
pub mod dnssec;
pub mod domains;
pub mod error;
pub mod firewall;
pub mod firewall_validate;
pub mod health;
pub mod iam;
pub mod id;
pub mod kms;
pub mod log_group;
pub mod name;
pub mod network;
pub mod network_validate;
pub mod query_log;
pub mod rdata;
pub mod region;
pub mod resolver;
pub mod resolver_status;
pub mod resolver_validate;
pub mod routing;
pub mod rrset;
pub mod rrtype;
pub mod zone;
pub mod zonefile;

pub use change::{Change, ChangeAction, ChangeBatch, ChangeBatchError, Limits, ZoneEdit};
pub use id::{
    HealthCheckId, ProfileAssociationId, ProfileId, ProfileResourceAssociationId,
    ResolverEndpointId, ResolverRuleAssociationId, ResolverRuleId, SecurityGroupId, SubnetId,
    VpcId,
};
pub use name::{DomainName, NameError};
pub use rrset::{AliasTarget, ResourceRecordSet, RrsetKey};
pub use rrtype::RrType;
pub use zone::{ChangeId, ChangeInfo, ChangeSeq, ChangeStatus, HostedZone, HostedZoneId};

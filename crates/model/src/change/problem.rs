//! What is wrong with a change batch, as typed values: the rule that failed and the names,
//! types and values it involved, no words. The API says each in Route 53's words
//! (`cairn_api::error`, module `route53::batch`), so a refusal reads the same over every
//! protocol and the model's tests compare problems, not sentences.
//!
//! [`BatchProblem`] is one item of an `InvalidChangeBatch` list; [`InputProblem`] is the one
//! problem an `InvalidInput` reports.

use crate::name::DomainName;
use crate::rdata::RdataError;
use crate::routing::{FailoverRole, Found, PolicyKind, RoutingProblem};
use crate::rrset::RrsetKey;
use crate::rrtype::RrType;
use crate::zone::HostedZoneId;

use super::ChangeAction;

//------------ InputProblem ----------------------------------------------------------

/// One change as Route 53's `InvalidInput` messages name it: action, name, type and set
/// identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRef {
    /// `Action`.
    pub action: ChangeAction,
    /// The record set's name.
    pub name: DomainName,
    /// Its type.
    pub rtype: RrType,
    /// Its `SetIdentifier`, if any.
    pub set_identifier: Option<String>,
}

/// Why a change's shape is refused (`InvalidInput`), before the zone is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputProblem {
    /// `TTL` above [`super::input::MAX_TTL`].
    TtlTooLarge(u32),
    /// The set identifier or the routing fields of `change`.
    Routing {
        /// What is wrong.
        problem: RoutingProblem,
        /// The change it is in.
        change: ChangeRef,
    },
    /// Not exactly one of an alias target, TTL with values, or a traffic policy.
    PayloadForm {
        /// How many of the forms the set has.
        found: Found,
        /// The change it is in.
        change: ChangeRef,
    },
}

//------------ BatchProblem ----------------------------------------------------------

/// An alias target as the alias problems name it: the target name, the alias's type and the
/// zone the target was looked for in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRef {
    /// The target name.
    pub target: DomainName,
    /// The alias's type (the target must have a set of it).
    pub rtype: RrType,
    /// The target's hosted zone.
    pub zone: HostedZoneId,
}

/// One problem of an `InvalidChangeBatch`, in the order the rules find them.
///
/// A record set is named by its [`RrsetKey`] (name, type, set identifier); `zone` fields
/// are the zone's name unless they are a [`HostedZoneId`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchProblem {
    // Request-size quotas (`quota`), reported alone.
    /// More `ResourceRecord` elements than the quota (the quota).
    TooManyRecords(usize),
    /// More value characters than the quota (the quota).
    TooManyValueChars(usize),

    // Change sequences (`sequence`), reported alone.
    /// The set is changed more than once in the batch.
    InvalidChangeSequence(RrsetKey),

    // One change.
    /// The set's name is not in the zone.
    OutsideZone {
        /// The set's name.
        name: DomainName,
        /// The zone's name.
        zone: DomainName,
    },
    /// CREATE of a set that exists.
    AlreadyExists(RrsetKey),
    /// DELETE whose values are not valid RDATA.
    DeleteRdataInvalid(RrsetKey),
    /// DELETE of a set that does not exist.
    DeleteNotFound(RrsetKey),
    /// DELETE whose values differ from the stored ones.
    DeleteMismatch(RrsetKey),
    /// DELETE of the apex NS.
    ApexNsRequired,
    /// DELETE of the apex SOA.
    ApexSoaRequired,

    // The set on its own (`record_set`).
    /// A CNAME at the apex.
    CnameAtApex {
        /// The set's name (the apex).
        name: DomainName,
        /// The zone's name.
        zone: DomainName,
    },
    /// An SOA below the apex.
    SoaBelowApex {
        /// The set's name.
        name: DomainName,
        /// The zone's name.
        zone: DomainName,
    },
    /// An NS at a wildcard name.
    WildcardNs(DomainName),
    /// An alias of type NS or SOA.
    AliasNotPermitted {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
    },
    /// A routing policy on a type that cannot be routed (NS, SOA, DS).
    TypeNotRoutable {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
        /// The policy it has.
        policy: PolicyKind,
    },
    /// Multivalue answer on an alias or a CNAME.
    MultiValueAliasOrCname {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
    },
    /// A failover alias that does not evaluate its target's health.
    FailoverAliasWithoutHealth {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
    },
    /// More than one value for a CNAME or an SOA.
    OneValueOnly {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
    },
    /// More values than the per-set quota (the quota).
    TooManyValues(usize),
    /// A value that is not valid RDATA for the set's type.
    InvalidValue(RdataError),
    /// A value given twice.
    DuplicateValue(String),

    // The set among its neighbours (`conflicts`).
    /// A non-CNAME set where a CNAME exists.
    CnameExists {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
        /// The zone's name.
        zone: DomainName,
    },
    /// A CNAME where other types exist.
    OtherTypesExist {
        /// The set's name.
        name: DomainName,
        /// The zone's name.
        zone: DomainName,
    },
    /// A plain set where routed sets of its name and type exist.
    PlainAmongRouted {
        /// The set's name.
        name: DomainName,
        /// Its type.
        rtype: RrType,
    },
    /// A routed set where sets of another policy (or none) exist; `policy` is its own.
    OtherPolicyExists {
        /// The routed set.
        set: RrsetKey,
        /// Its policy.
        policy: PolicyKind,
    },
    /// A routed set beyond the limit of its policy per name and type.
    RoutedGroupFull {
        /// The routed set.
        set: RrsetKey,
        /// How many of its policy already exist.
        existing: usize,
        /// Its policy.
        policy: PolicyKind,
    },
    /// A second failover set with the same role.
    FailoverRoleTaken {
        /// The routed set.
        set: RrsetKey,
        /// The role.
        role: FailoverRole,
    },
    /// A second latency set for the same region.
    LatencyRegionTaken {
        /// The routed set.
        set: RrsetKey,
        /// The region.
        region: String,
    },
    /// A second geolocation set for the same location.
    GeolocationTaken(RrsetKey),

    // Alias targets (`conflicts` in the zone, `references` in other zones).
    /// The target name is not inside the target's zone.
    AliasTargetOutsideZone(AliasRef),
    /// No set of the alias's type at the target (or no such zone).
    AliasTargetNotFound(AliasRef),
    /// A public zone's alias into a private zone.
    AliasPublicToPrivate(AliasRef),

    // CIDR references (`cidr_refs`).
    /// The set's CIDR collection does not exist.
    NoSuchCidrCollection {
        /// The collection's id.
        collection: String,
        /// The set naming it.
        set: RrsetKey,
    },
    /// The set's CIDR location is not in its collection.
    NoSuchCidrLocation {
        /// The location's name.
        location: String,
        /// The set naming it.
        set: RrsetKey,
        /// The collection's id.
        collection: String,
    },
    /// Two IP-based sets of one name and type use different collections.
    CidrCollectionsDiffer {
        /// The set written.
        set: RrsetKey,
        /// A set of its name and type with another collection.
        other: RrsetKey,
    },

    // The result (`apply_change_batch`).
    /// The zone would hold more sets than `MAX_RRSETS_BY_ZONE`.
    TooManyRecordSets(HostedZoneId),
}

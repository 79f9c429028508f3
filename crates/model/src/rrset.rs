//! Resource record sets, as Route 53 defines them.

use serde::{Deserialize, Serialize};

use crate::id::HealthCheckId;
use crate::name::DomainName;
use crate::routing::RoutingFields;
use crate::rrtype::RrType;

pub use crate::routing::{
    CidrRoutingConfig, FailoverRole, GeoLocation, GeoProximityLocation, PolicyKind, Routing,
    RoutingPolicy,
};

//------------ ResourceRecordSet -----------------------------------------------

/// One record set: Route 53's `ResourceRecordSet`.
///
/// Values are kept in Route 53's text form (`ResourceRecord.Value`); [`crate::rdata`]
/// turns them into wire RDATA. A set has no routing policy (simple routing) or exactly one,
/// with its `SetIdentifier` ([`Routing`]).
///
/// Stored as JSON in the shape of the 2013-04-01 API (the seven routing fields beside
/// `set_identifier`, [`StoredRecordSet`]), so databases written before the policy was
/// typed load as they are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "StoredRecordSet")]
pub struct ResourceRecordSet {
    /// Owner name.
    pub name: DomainName,
    /// Record type.
    pub rtype: RrType,
    /// TTL in seconds; `None` for alias sets, which take their target's TTL.
    pub ttl: Option<u32>,
    /// The values, in Route 53 text form, in the order given.
    pub records: Vec<String>,
    /// Alias target, instead of `ttl` and `records`.
    pub alias_target: Option<AliasTarget>,
    /// The set identifier and routing policy; `None` for simple routing.
    pub routing: Option<Routing>,
    /// `HealthCheckId`.
    pub health_check_id: Option<HealthCheckId>,
}

impl ResourceRecordSet {
    /// A plain (simple-routing) set with values.
    pub fn simple(name: DomainName, rtype: RrType, ttl: u32, records: Vec<String>) -> Self {
        Self {
            name,
            rtype,
            ttl: Some(ttl),
            records,
            alias_target: None,
            routing: None,
            health_check_id: None,
        }
    }

    /// The identity of this set within its zone.
    pub fn key(&self) -> RrsetKey {
        RrsetKey {
            name: self.name.clone(),
            rtype: self.rtype,
            set_identifier: self.set_identifier().map(str::to_string),
        }
    }

    /// `SetIdentifier`: present exactly when the set has a routing policy.
    pub fn set_identifier(&self) -> Option<&str> {
        self.routing.as_ref().map(|r| r.set_identifier.as_str())
    }

    /// The routing policy, if any.
    pub fn policy(&self) -> Option<&RoutingPolicy> {
        self.routing.as_ref().map(|r| &r.policy)
    }

    /// The CIDR collection and location of an IP-based set.
    pub fn cidr_routing_config(&self) -> Option<&CidrRoutingConfig> {
        match self.policy() {
            Some(RoutingPolicy::IpBased(config)) => Some(config),
            _ => None,
        }
    }
}

//------------ StoredRecordSet ---------------------------------------------------

/// A record set's JSON as stored, in the API's shape: what [`ResourceRecordSet`] reads and
/// writes. Field names and order are those the store has always written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct StoredRecordSet {
    name: DomainName,
    rtype: RrType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    set_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    records: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alias_target: Option<AliasTarget>,
    #[serde(flatten)]
    routing: RoutingFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    health_check_id: Option<HealthCheckId>,
}

/// The borrowed twin of [`StoredRecordSet`], so writing a set does not copy its values.
#[derive(Serialize)]
struct StoredRecordSetRef<'a> {
    name: &'a DomainName,
    rtype: RrType,
    #[serde(skip_serializing_if = "Option::is_none")]
    set_identifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    records: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    alias_target: Option<&'a AliasTarget>,
    #[serde(flatten)]
    routing: RoutingFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    health_check_id: Option<&'a HealthCheckId>,
}

impl Serialize for ResourceRecordSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredRecordSetRef {
            name: &self.name,
            rtype: self.rtype,
            set_identifier: self.set_identifier(),
            ttl: self.ttl,
            records: &self.records,
            alias_target: self.alias_target.as_ref(),
            routing: RoutingFields::from(self.policy()),
            health_check_id: self.health_check_id.as_ref(),
        }
        .serialize(serializer)
    }
}

impl TryFrom<StoredRecordSet> for ResourceRecordSet {
    type Error = String;

    fn try_from(stored: StoredRecordSet) -> Result<Self, String> {
        let routing = stored
            .routing
            .into_shape(stored.set_identifier)
            .map_err(|error| {
                format!(
                    "record set {} {}: invalid routing ({error:?})",
                    stored.name, stored.rtype
                )
            })?;
        Ok(Self {
            name: stored.name,
            rtype: stored.rtype,
            ttl: stored.ttl,
            records: stored.records,
            alias_target: stored.alias_target,
            routing,
            health_check_id: stored.health_check_id,
        })
    }
}

//------------ RrsetKey ---------------------------------------------------------

/// What identifies a record set in a zone: name, type and set identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RrsetKey {
    /// Owner name.
    pub name: DomainName,
    /// Record type.
    pub rtype: RrType,
    /// `SetIdentifier`, for routed sets.
    pub set_identifier: Option<String>,
}

impl RrsetKey {
    /// Route 53's listing order: reversed-label name, then type, then set identifier.
    pub fn sort_key(&self) -> (String, String, String) {
        (
            self.name.route53_sort_key(),
            self.rtype.as_str(),
            self.set_identifier.clone().unwrap_or_default(),
        )
    }
}

//------------ AliasTarget ------------------------------------------------------

/// `AliasTarget`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTarget {
    /// The hosted zone of the target.
    pub hosted_zone_id: String,
    /// The target name.
    pub dns_name: DomainName,
    /// `EvaluateTargetHealth`.
    pub evaluate_target_health: bool,
}

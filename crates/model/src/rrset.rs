//! Resource record sets, as Route 53 defines them.

use serde::{Deserialize, Serialize};

use crate::name::DomainName;
use crate::rrtype::RrType;

//------------ ResourceRecordSet -----------------------------------------------

/// One record set: Route 53's `ResourceRecordSet`.
///
/// Values are kept in Route 53's text form (`ResourceRecord.Value`); [`crate::rdata`]
/// turns them into wire RDATA. Routing fields are those of the 2013-04-01 API; a set has at
/// most one routing policy, and then a `set_identifier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct ResourceRecordSet {
    /// Owner name.
    pub name: DomainName,
    /// Record type.
    pub rtype: RrType,
    /// `SetIdentifier`, required with a routing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_identifier: Option<String>,
    /// TTL in seconds; `None` for alias sets, which take their target's TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// The values, in Route 53 text form, in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// Alias target, instead of `ttl` and `records`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_target: Option<AliasTarget>,
    /// Weighted routing: 0–255.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    /// Latency routing: the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Failover routing: `PRIMARY` or `SECONDARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    /// Geolocation routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// Multivalue answer routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// IP-based routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<CidrRoutingConfig>,
    /// Geoproximity routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<GeoProximityLocation>,
    /// `HealthCheckId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_id: Option<String>,
}

impl ResourceRecordSet {
    /// A plain (simple-routing) set with values.
    pub fn simple(name: DomainName, rtype: RrType, ttl: u32, records: Vec<String>) -> Self {
        Self {
            name,
            rtype,
            set_identifier: None,
            ttl: Some(ttl),
            records,
            alias_target: None,
            weight: None,
            region: None,
            failover: None,
            geo_location: None,
            multi_value_answer: None,
            cidr_routing_config: None,
            geo_proximity_location: None,
            health_check_id: None,
        }
    }

    /// The identity of this set within its zone.
    pub fn key(&self) -> RrsetKey {
        RrsetKey {
            name: self.name.clone(),
            rtype: self.rtype,
            set_identifier: self.set_identifier.clone(),
        }
    }

    /// Whether any routing policy field is set.
    pub fn has_routing_policy(&self) -> bool {
        self.weight.is_some()
            || self.region.is_some()
            || self.failover.is_some()
            || self.geo_location.is_some()
            || self.multi_value_answer.is_some()
            || self.cidr_routing_config.is_some()
            || self.geo_proximity_location.is_some()
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

//------------ AliasTarget and routing parts ----------------------------------

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

/// `GeoLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoLocation {
    /// Continent code (AF, AN, AS, EU, OC, NA, SA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continent_code: Option<String>,
    /// ISO 3166-1 alpha-2 country, or `*` for the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Subdivision (US state) code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdivision_code: Option<String>,
}

/// `CidrRoutingConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CidrRoutingConfig {
    /// The CIDR collection id.
    pub collection_id: String,
    /// The location name in the collection, or `*`.
    pub location_name: String,
}

/// `GeoProximityLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoProximityLocation {
    /// An AWS region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    /// A local zone group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_zone_group: Option<String>,
    /// Latitude, as Route 53 sends it (a decimal string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<String>,
    /// Longitude, as a decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<String>,
    /// Bias, −99 to 99.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bias: Option<i32>,
}

//! Routed record sets as compiled: the aliases and the sets with a routing policy at one
//! name and type, and their variants. Choosing among them is [`crate::routing`]'s job; the
//! data lives with the zone so that the zone does not depend on the code that reads it.

use std::sync::Arc;

use cairn_model::region::distance_km;
use cairn_model::rrset::GeoLocation;
use cairn_model::HealthCheckId;
use cairn_wire::NameKey;

use super::CompiledRrset;

/// The policy shared by a name and type's routed sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// One alias without a routing policy.
    Simple,
    /// Weighted: one variant, with probability weight / total.
    Weighted,
    /// Failover: PRIMARY while healthy, else SECONDARY.
    Failover,
    /// Latency: the variant whose region is nearest the answering node's region.
    Latency,
    /// Geolocation: the smallest matching location; `*` for clients with no known location.
    Geolocation,
    /// Multivalue answer: up to eight variants.
    MultiValue,
    /// IP-based: the client's CIDR location; `*` when it matches none.
    IpBased,
    /// Geoproximity: the variant at the smallest biased distance from the client.
    Geoproximity,
}

/// What a variant answers with.
#[derive(Debug, Clone)]
pub enum Target {
    /// Its own records.
    Records(Arc<CompiledRrset>),
    /// An alias: the records of another name in the same zone, under the query name.
    Alias {
        /// The hosted zone of the target, when it is not the alias's own zone (aliases may
        /// point at names Cairn serves in any hosted zone, DESIGN.md §7).
        zone: Option<cairn_model::HostedZoneId>,
        /// The target name.
        name: NameKey,
    },
}

/// One routed record set.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `SetIdentifier`.
    pub set_identifier: String,
    /// Weighted routing weight.
    pub weight: u8,
    /// Latency routing region.
    pub region: Option<String>,
    /// Failover: true for PRIMARY.
    pub primary: bool,
    /// Geolocation location.
    pub geo: Option<GeoLocation>,
    /// IP-based routing location name.
    pub cidr_location: Option<String>,
    /// IP-based routing: the CIDR collection id.
    pub cidr_collection: Option<String>,
    /// Geoproximity routing: where the resource is, and its bias.
    pub proximity: Option<Proximity>,
    /// `HealthCheckId`.
    pub health_check: Option<HealthCheckId>,
    /// For an alias: `EvaluateTargetHealth`.
    pub evaluate_target_health: bool,
    /// What it answers with.
    pub target: Target,
}

/// Where a geoproximity variant's resource is, and how far its bias stretches its reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proximity {
    /// (latitude, longitude) in degrees, from `Coordinates`, or the table of
    /// [`cairn_model::region`] for `AWSRegion` and `LocalZoneGroup`; `None` when the stored
    /// location cannot be placed (such a variant is never the nearest).
    pub point: Option<(f64, f64)>,
    /// `Bias`, −99…99 (0 when absent).
    pub bias: i32,
}

impl Proximity {
    /// Route 53's biased distance from `client` in km ([DG:routing-policy-geoproximity];
    /// ROUTE53.md §3): a positive bias b shrinks the distance to `d·(1 − b/100)`, so the
    /// resource draws traffic from further away; a negative one stretches it to
    /// `d / (1 + b/100)`.
    pub fn biased_distance(&self, client: (f64, f64)) -> f64 {
        let Some(point) = self.point else {
            return f64::INFINITY;
        };
        let distance = distance_km(client, point);
        let bias = f64::from(self.bias.clamp(-99, 99)) / 100.0;
        match self.bias {
            1.. => distance * (1.0 - bias),
            ..=-1 => distance / (1.0 + bias),
            0 => distance,
        }
    }
}

/// The routed sets at one name and type.
#[derive(Debug, Clone)]
pub struct RoutedSet {
    /// Type code.
    pub rtype: u16,
    /// Their common policy.
    pub policy: Policy,
    /// The variants, ordered by set identifier.
    pub variants: Vec<Variant>,
}

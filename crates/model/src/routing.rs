//! Routing policies, typed: a record set has no policy (simple routing) or exactly one, with
//! the set identifier Route 53 requires beside it (\[ROUTE53.md §2.1–2.2]).
//!
//! Route 53's XML (and the stored JSON) carries a policy as seven optional fields. They are
//! read into [`RoutingFields`] and turned into a [`Routing`] once, at the edge
//! ([`RoutingFields::into_routing`]), with a [`RoutingProblem`] for each combination Route 53
//! refuses (`InvalidInput`; the API words it); past the edge, no code sees the fields.

use serde::{Deserialize, Serialize};

use crate::region;

/// Longest `SetIdentifier` (1–128 characters, \[M-R53 ResourceRecordSetIdentifier]).
pub const MAX_SET_IDENTIFIER_LEN: usize = 128;

//------------ Routing -------------------------------------------------------------

/// A routed set's identifier and policy. A set without one uses simple routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// `SetIdentifier`.
    pub set_identifier: String,
    /// The policy.
    pub policy: RoutingPolicy,
}

/// A routing policy with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingPolicy {
    /// `Weight`: 0–255.
    Weighted(u8),
    /// `Region`: latency routing to one of [`crate::region::AWS_REGIONS`].
    Latency(String),
    /// `Failover`.
    Failover(FailoverRole),
    /// `GeoLocation`.
    Geolocation(GeoLocation),
    /// `MultiValueAnswer`. Route 53 accepts `false` too, treats it as this policy all the
    /// same (aws/aws-sdk#75) and lists it back as given, so the value is kept.
    MultiValueAnswer(bool),
    /// `CidrRoutingConfig`: IP-based routing.
    IpBased(CidrRoutingConfig),
    /// `GeoProximityLocation`.
    Geoproximity(GeoProximityLocation),
}

/// Which policy, without its parameters: what groups of routed sets share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// `Weight`.
    Weighted,
    /// `Region`.
    Latency,
    /// `Failover`.
    Failover,
    /// `GeoLocation`.
    Geolocation,
    /// `MultiValueAnswer`.
    MultiValueAnswer,
    /// `CidrRoutingConfig`.
    IpBased,
    /// `GeoProximityLocation`.
    Geoproximity,
}

impl RoutingPolicy {
    /// The policy's kind.
    pub fn kind(&self) -> PolicyKind {
        match self {
            Self::Weighted(_) => PolicyKind::Weighted,
            Self::Latency(_) => PolicyKind::Latency,
            Self::Failover(_) => PolicyKind::Failover,
            Self::Geolocation(_) => PolicyKind::Geolocation,
            Self::MultiValueAnswer(_) => PolicyKind::MultiValueAnswer,
            Self::IpBased(_) => PolicyKind::IpBased,
            Self::Geoproximity(_) => PolicyKind::Geoproximity,
        }
    }
}

impl PolicyKind {
    /// The policy as Route 53's messages name it: "multivalue answer" is recorded
    /// (cert-manager/cert-manager#5388); the others follow the Developer Guide's names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weighted => "weighted",
            Self::Latency => "latency",
            Self::Failover => "failover",
            Self::Geolocation => "geolocation",
            Self::MultiValueAnswer => "multivalue answer",
            Self::IpBased => "IP-based",
            Self::Geoproximity => "geoproximity",
        }
    }
}

//------------ FailoverRole ---------------------------------------------------------

/// `Failover`: `PRIMARY` or `SECONDARY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverRole {
    /// Answers while healthy.
    Primary,
    /// Answers when the primary is not healthy.
    Secondary,
}

impl FailoverRole {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Secondary => "SECONDARY",
        }
    }

    /// Reads the wire text (exact case, as the XSD's enumeration).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PRIMARY" => Some(Self::Primary),
            "SECONDARY" => Some(Self::Secondary),
            _ => None,
        }
    }
}

impl std::fmt::Display for FailoverRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

//------------ policy parameters ------------------------------------------------------

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

//------------ RoutingFields ----------------------------------------------------------

/// The seven routing fields as Route 53's XML and the stored JSON carry them: any subset,
/// with `Failover` as text. Only the edges (the XML reader, the stored JSON) hold one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingFields {
    /// `Weight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    /// `Region`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `Failover`, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<String>,
    /// `GeoLocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_location: Option<GeoLocation>,
    /// `MultiValueAnswer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_value_answer: Option<bool>,
    /// `CidrRoutingConfig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_routing_config: Option<CidrRoutingConfig>,
    /// `GeoProximityLocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_proximity_location: Option<GeoProximityLocation>,
}

impl From<Option<&RoutingPolicy>> for RoutingFields {
    fn from(policy: Option<&RoutingPolicy>) -> Self {
        let mut fields = Self::default();
        match policy.cloned() {
            None => {}
            Some(RoutingPolicy::Weighted(weight)) => fields.weight = Some(weight),
            Some(RoutingPolicy::Latency(region)) => fields.region = Some(region),
            Some(RoutingPolicy::Failover(role)) => fields.failover = Some(role.as_str().into()),
            Some(RoutingPolicy::Geolocation(geo)) => fields.geo_location = Some(geo),
            Some(RoutingPolicy::MultiValueAnswer(on)) => fields.multi_value_answer = Some(on),
            Some(RoutingPolicy::IpBased(cidr)) => fields.cidr_routing_config = Some(cidr),
            Some(RoutingPolicy::Geoproximity(location)) => {
                fields.geo_proximity_location = Some(location)
            }
        }
        fields
    }
}

/// Why routing fields do not make a [`Routing`] ([`RoutingFields::into_routing`] turns each
/// into a [`RoutingProblem`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingShapeError {
    /// A policy without a `SetIdentifier`.
    MissingSetIdentifier,
    /// A `SetIdentifier` with no policy or several.
    PolicyCount(Found),
    /// `Failover` other than `PRIMARY` or `SECONDARY`.
    Failover(String),
}

impl RoutingFields {
    /// How many of the fields are present (`MultiValueAnswer` counts even when false).
    pub fn count(&self) -> usize {
        [
            self.weight.is_some(),
            self.region.is_some(),
            self.failover.is_some(),
            self.geo_location.is_some(),
            self.multi_value_answer.is_some(),
            self.cidr_routing_config.is_some(),
            self.geo_proximity_location.is_some(),
        ]
        .into_iter()
        .filter(|present| *present)
        .count()
    }

    /// The typed routing, checking only the shape: a set identifier exactly when there is
    /// one policy, and a known failover role. The stored JSON is read with this (what was
    /// stored passed [`Self::into_routing`]).
    pub fn into_shape(
        self,
        set_identifier: Option<String>,
    ) -> Result<Option<Routing>, RoutingShapeError> {
        if let Some(failover) = &self.failover {
            if FailoverRole::parse(failover).is_none() {
                return Err(RoutingShapeError::Failover(failover.clone()));
            }
        }
        let count = self.count();
        let Some(set_identifier) = set_identifier else {
            if count > 0 {
                return Err(RoutingShapeError::MissingSetIdentifier);
            }
            return Ok(None);
        };
        if count != 1 {
            return Err(RoutingShapeError::PolicyCount(if count == 0 {
                Found::None
            } else {
                Found::MoreThanOne
            }));
        }
        let policy = if let Some(weight) = self.weight {
            RoutingPolicy::Weighted(weight)
        } else if let Some(region) = self.region {
            RoutingPolicy::Latency(region)
        } else if let Some(role) = self.failover.as_deref().and_then(FailoverRole::parse) {
            RoutingPolicy::Failover(role)
        } else if let Some(geo) = self.geo_location {
            RoutingPolicy::Geolocation(geo)
        } else if let Some(on) = self.multi_value_answer {
            RoutingPolicy::MultiValueAnswer(on)
        } else if let Some(cidr) = self.cidr_routing_config {
            RoutingPolicy::IpBased(cidr)
        } else if let Some(location) = self.geo_proximity_location {
            RoutingPolicy::Geoproximity(location)
        } else {
            unreachable!("count() found exactly one field")
        };
        Ok(Some(Routing {
            set_identifier,
            policy,
        }))
    }

    /// The typed routing of a change's record set, or why Route 53 refuses it
    /// (`InvalidInput`), in the order its parser checks: the set identifier's length,
    /// `Failover`, `Region`, `GeoProximityLocation`, then the shape.
    pub fn into_routing(
        self,
        set_identifier: Option<String>,
    ) -> Result<Option<Routing>, RoutingProblem> {
        if let Some(problem) = set_identifier.as_deref().and_then(set_identifier_problem) {
            return Err(problem);
        }
        if let Some(failover) = self.failover.as_deref() {
            if FailoverRole::parse(failover).is_none() {
                return Err(RoutingProblem::UnknownFailover(failover.to_string()));
            }
        }
        if let Some(problem) = self.region.as_deref().and_then(latency_region_problem) {
            return Err(problem);
        }
        if let Some(location) = &self.geo_proximity_location {
            if let Some(problem) = geoproximity_problem(location) {
                return Err(RoutingProblem::Geoproximity(problem));
            }
        }
        self.into_shape(set_identifier)
            .map_err(|error| match error {
                RoutingShapeError::MissingSetIdentifier => RoutingProblem::MissingSetIdentifier,
                RoutingShapeError::PolicyCount(found) => RoutingProblem::PolicyCount(found),
                RoutingShapeError::Failover(failover) => RoutingProblem::UnknownFailover(failover),
            })
    }
}

//------------ the checks -------------------------------------------------------------------

/// How many of several exclusive forms a request gives, when it is not exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// None of them.
    None,
    /// Two or more.
    MoreThanOne,
}

/// Why a set identifier or routing fields are refused (`InvalidInput`); the API words
/// each as Route 53 does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutingProblem {
    /// An empty `SetIdentifier`.
    SetIdentifierEmpty,
    /// A `SetIdentifier` over [`MAX_SET_IDENTIFIER_LEN`] characters.
    SetIdentifierTooLong(String),
    /// `Failover` other than `PRIMARY` or `SECONDARY`.
    UnknownFailover(String),
    /// A latency `Region` that is not one of [`region::AWS_REGIONS`].
    UnknownLatencyRegion(String),
    /// A `GeoProximityLocation` problem.
    Geoproximity(GeoproximityProblem),
    /// A policy without a `SetIdentifier` (`MultiValueAnswer` counts even when false).
    MissingSetIdentifier,
    /// A `SetIdentifier` with no policy or several.
    PolicyCount(Found),
}

/// One coordinate of a `GeoProximityLocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coordinate {
    /// `Latitude`: up to two integer digits, −90…90.
    Latitude,
    /// `Longitude`: up to three integer digits, −180…180.
    Longitude,
}

impl Coordinate {
    /// The XSD's element name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Latitude => "Latitude",
            Self::Longitude => "Longitude",
        }
    }

    /// How many integer digits the XSD's pattern allows.
    pub fn integer_digits(self) -> usize {
        match self {
            Self::Latitude => 2,
            Self::Longitude => 3,
        }
    }

    /// The largest absolute value, in degrees.
    pub fn limit(self) -> u8 {
        match self {
            Self::Latitude => 90,
            Self::Longitude => 180,
        }
    }
}

/// What is wrong with a `GeoProximityLocation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoproximityProblem {
    /// `Bias` above 99.
    BiasTooLarge(i32),
    /// `Bias` below −99.
    BiasTooSmall(i32),
    /// One coordinate given without the other.
    MissingCoordinate(Coordinate),
    /// A coordinate not in the XSD's decimal-degrees pattern.
    CoordinatePattern(Coordinate, String),
    /// A coordinate off the globe.
    CoordinateRange(Coordinate, String),
    /// Not exactly one of AWSRegion, LocalZoneGroup and Coordinates.
    LocationCount(Found),
    /// An `AWSRegion` Cairn cannot place.
    UnknownRegion(String),
    /// A `LocalZoneGroup` Cairn cannot place.
    UnknownLocalZoneGroup(String),
}

/// What the XSD refuses in a `SetIdentifier`: outside 1–128 characters.
pub fn set_identifier_problem(id: &str) -> Option<RoutingProblem> {
    let length = id.chars().count();
    if length == 0 {
        return Some(RoutingProblem::SetIdentifierEmpty);
    }
    if length > MAX_SET_IDENTIFIER_LEN {
        return Some(RoutingProblem::SetIdentifierTooLong(id.to_string()));
    }
    None
}

/// What the XSD refuses in a latency `Region`: one that is not Route 53's.
pub fn latency_region_problem(region: &str) -> Option<RoutingProblem> {
    if region::aws_region(region).is_some() {
        return None;
    }
    Some(RoutingProblem::UnknownLatencyRegion(region.to_string()))
}

/// What is wrong with a `GeoProximityLocation`: the XSD's ranges and patterns (botocore:
/// `Bias` −99…99, `Latitude` `[-+]?[0-9]{1,2}(\.[0-9]{0,2})?`, `Longitude` with up to three
/// integer digits), exactly one of AWSRegion, LocalZoneGroup and Coordinates, coordinates
/// on the globe, and a region or Local Zone group Cairn can place (crate::region).
pub fn geoproximity_problem(location: &GeoProximityLocation) -> Option<GeoproximityProblem> {
    use GeoproximityProblem as P;
    if let Some(bias) = location.bias {
        if bias > 99 {
            return Some(P::BiasTooLarge(bias));
        }
        if bias < -99 {
            return Some(P::BiasTooSmall(bias));
        }
    }
    let coordinates = location.latitude.is_some() || location.longitude.is_some();
    for (value, kind) in [
        (&location.latitude, Coordinate::Latitude),
        (&location.longitude, Coordinate::Longitude),
    ] {
        let Some(text) = value.as_deref() else {
            if coordinates {
                return Some(P::MissingCoordinate(kind));
            }
            continue;
        };
        if !decimal_degrees_form(text, kind.integer_digits()) {
            return Some(P::CoordinatePattern(kind, text.to_string()));
        }
        let degrees: f64 = text.parse().unwrap_or(f64::NAN);
        // NaN (text that did not parse) is out of range too.
        if degrees.is_nan() || degrees.abs() > f64::from(kind.limit()) {
            return Some(P::CoordinateRange(kind, text.to_string()));
        }
    }
    let given = [
        location.aws_region.is_some(),
        location.local_zone_group.is_some(),
        coordinates,
    ];
    match given.iter().filter(|g| **g).count() {
        1 => {}
        0 => return Some(P::LocationCount(Found::None)),
        _ => return Some(P::LocationCount(Found::MoreThanOne)),
    }
    if let Some(region) = location.aws_region.as_deref() {
        if region::aws_region(region).is_none() {
            return Some(P::UnknownRegion(region.to_string()));
        }
    }
    if let Some(group) = location.local_zone_group.as_deref() {
        if region::local_zone_group_location(group).is_none() {
            return Some(P::UnknownLocalZoneGroup(group.to_string()));
        }
    }
    None
}

/// Whether `text` is `[-+]?[0-9]{1,integer_digits}(\.[0-9]{0,2})?`.
fn decimal_degrees_form(text: &str, integer_digits: usize) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    (1..=integer_digits).contains(&integer.len())
        && integer.bytes().all(|b| b.is_ascii_digit())
        && fraction.len() <= 2
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

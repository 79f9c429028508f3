//! The request-level checks Route 53 makes before it looks at the zone: the shape of each
//! `ResourceRecordSet` and the XML schema's ranges. A failure is `InvalidInput` with one
//! message (the first problem), never `InvalidChangeBatch`.
//!
//! The API layer parses XML and already refuses most of these; they are checked again here
//! so that every caller of [`super::apply_change_batch`] (zone import, tests, other
//! protocols) gets the same answer.

use crate::rrset::{GeoProximityLocation, ResourceRecordSet};

use super::{Change, ChangeBatch, ChangeBatchError};

/// Largest TTL the schema allows (`TTL` is a long with max 2147483647, \[M-R53 TTL]).
pub const MAX_TTL: u32 = i32::MAX as u32;

/// Longest `SetIdentifier` (1–128 characters, \[M-R53 ResourceRecordSetIdentifier]).
pub const MAX_SET_IDENTIFIER_LEN: usize = 128;

/// The first request-level problem in `batch`, as Route 53's `InvalidInput` words it.
pub fn check_input(batch: &ChangeBatch) -> Result<(), ChangeBatchError> {
    for change in &batch.changes {
        if let Some(message) = input_problem(change) {
            return Err(ChangeBatchError::InvalidInput(message));
        }
    }
    Ok(())
}

/// What Route 53 would say about one change's shape, in the order its parser checks:
/// schema ranges first (the XSD), then the payload form, then the routing fields.
fn input_problem(change: &Change) -> Option<String> {
    let set = &change.record_set;
    if let Some(ttl) = set.ttl.filter(|ttl| *ttl > MAX_TTL) {
        // The XSD's wording for a long above its maxInclusive (as for `Weight`).
        return Some(format!(
            "Invalid XML ; cvc-maxInclusive-valid: Value '{ttl}' is not facet-valid with \
             respect to maxInclusive '{MAX_TTL}' for type 'TTL'."
        ));
    }
    if let Some(id) = &set.set_identifier {
        let length = id.chars().count();
        if length == 0 {
            return Some(format!(
                "Invalid XML ; cvc-minLength-valid: Value '{id}' with length = '0' is not \
                 facet-valid with respect to minLength '1' for type 'ResourceRecordSetIdentifier'."
            ));
        }
        if length > MAX_SET_IDENTIFIER_LEN {
            return Some(format!(
                "Invalid XML ; cvc-maxLength-valid: Value '{id}' with length = '{length}' is not \
                 facet-valid with respect to maxLength '{MAX_SET_IDENTIFIER_LEN}' for type \
                 'ResourceRecordSetIdentifier'."
            ));
        }
    }
    if let Some(failover) = set.failover.as_deref() {
        if failover != "PRIMARY" && failover != "SECONDARY" {
            return Some(format!(
                "Invalid XML ; cvc-enumeration-valid: Value '{failover}' is not facet-valid with \
                 respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the \
                 enumeration."
            ));
        }
    }
    if let Some(region) = set.region.as_deref() {
        if crate::region::aws_region(region).is_none() {
            // The XSD's wording for an enumeration, as for `Failover`.
            let names: Vec<&str> = crate::region::AWS_REGIONS.iter().map(|r| r.name).collect();
            return Some(format!(
                "Invalid XML ; cvc-enumeration-valid: Value '{region}' is not facet-valid with \
                 respect to enumeration '[{}]'. It must be a value from the enumeration.",
                names.join(", ")
            ));
        }
    }
    if let Some(location) = &set.geo_proximity_location {
        if let Some(problem) = geoproximity_problem(location) {
            return Some(format!("{problem} in {}", describe_change(change)));
        }
    }
    if let Some(found) = payload_form_problem(set) {
        // Route 53's text (ansible-collections/community.aws#800, boto/boto3#3161).
        return Some(format!(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and \
             ResourceRecords], or TrafficPolicyInstanceId], but found {found} in {}",
            describe_change(change)
        ));
    }
    let policies = routing_policy_count(set);
    if policies > 0 && set.set_identifier.is_none() {
        // Route 53's text (aws/aws-sdk#75, ansible-collections/community.aws#615); note that
        // `MultiValueAnswer` counts as a policy even when it is false.
        return Some(format!(
            "Invalid request: Missing field 'SetIdentifier' in {}",
            describe_change(change)
        ));
    }
    if set.set_identifier.is_some() && policies != 1 {
        // Route 53's text for "none" (ministryofjustice/cloud-platform-environments); "more
        // than one" follows the same template, as the payload-form message does.
        let found = if policies == 0 {
            "none"
        } else {
            "more than one"
        };
        return Some(format!(
            "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, \
             MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found {found} \
             in {}",
            describe_change(change)
        ));
    }
    None
}

/// What is wrong with a `GeoProximityLocation`: the XSD's ranges and patterns (botocore:
/// `Bias` −99…99, `Latitude` `[-+]?[0-9]{1,2}(\.[0-9]{0,2})?`, `Longitude` with up to three
/// integer digits), exactly one of AWSRegion, LocalZoneGroup and Coordinates, coordinates
/// on the globe, and a region or Local Zone group Cairn can place (crate::region).
fn geoproximity_problem(location: &GeoProximityLocation) -> Option<String> {
    if let Some(bias) = location.bias {
        if bias > 99 {
            return Some(format!(
                "Invalid XML ; cvc-maxInclusive-valid: Value '{bias}' is not facet-valid with \
                 respect to maxInclusive '99' for type 'Bias'."
            ));
        }
        if bias < -99 {
            return Some(format!(
                "Invalid XML ; cvc-minInclusive-valid: Value '{bias}' is not facet-valid with \
                 respect to minInclusive '-99' for type 'Bias'."
            ));
        }
    }
    let coordinates = location.latitude.is_some() || location.longitude.is_some();
    for (value, kind, integer_digits, limit) in [
        (&location.latitude, "Latitude", 2, 90.0),
        (&location.longitude, "Longitude", 3, 180.0),
    ] {
        let Some(text) = value.as_deref() else {
            if coordinates {
                return Some(format!(
                    "Invalid request: Missing field '{kind}' in Coordinates"
                ));
            }
            continue;
        };
        if !decimal_degrees_form(text, integer_digits) {
            return Some(format!(
                "Invalid XML ; cvc-pattern-valid: Value '{text}' is not facet-valid with respect \
                 to pattern '[-+]?[0-9]{{1,{integer_digits}}}(\\.[0-9]{{0,2}})?' for type '{kind}'."
            ));
        }
        let degrees: f64 = text.parse().unwrap_or(f64::NAN);
        // NaN (text that did not parse) is out of range too.
        if degrees.is_nan() || degrees.abs() > limit {
            return Some(format!(
                "Invalid request: {kind} '{text}' must be between -{limit} and {limit}"
            ));
        }
    }
    let given = [
        location.aws_region.is_some(),
        location.local_zone_group.is_some(),
        coordinates,
    ];
    let found = match given.iter().filter(|g| **g).count() {
        1 => None,
        0 => Some("none"),
        _ => Some("more than one"),
    };
    if let Some(found) = found {
        return Some(format!(
            "Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], \
             but found {found} in GeoProximityLocation"
        ));
    }
    if let Some(region) = location.aws_region.as_deref() {
        if crate::region::aws_region(region).is_none() {
            return Some(format!(
                "Invalid request: Unknown AWSRegion '{region}' in GeoProximityLocation"
            ));
        }
    }
    if let Some(group) = location.local_zone_group.as_deref() {
        if crate::region::local_zone_group_location(group).is_none() {
            return Some(format!(
                "Invalid request: Unknown LocalZoneGroup '{group}' in GeoProximityLocation (expected \
                 <region>-<metro>-<number>, e.g. us-west-2-lax-1)"
            ));
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

/// `none` or `more than one` when the set is neither an alias nor TTL plus values.
fn payload_form_problem(set: &ResourceRecordSet) -> Option<&'static str> {
    let alias = set.alias_target.is_some();
    let values = set.ttl.is_some() || !set.records.is_empty();
    match (alias, values) {
        (true, true) => Some("more than one"),
        (false, false) => Some("none"),
        // TTL without values or values without TTL is "none" of the complete forms.
        (false, true) if set.ttl.is_none() || set.records.is_empty() => Some("none"),
        _ => None,
    }
}

/// How many routing-policy fields the set carries.
fn routing_policy_count(set: &ResourceRecordSet) -> usize {
    [
        set.weight.is_some(),
        set.region.is_some(),
        set.failover.is_some(),
        set.geo_location.is_some(),
        set.multi_value_answer.is_some(),
        set.cidr_routing_config.is_some(),
        set.geo_proximity_location.is_some(),
    ]
    .into_iter()
    .filter(|present| *present)
    .count()
}

/// `Change with [Action=CREATE, Name=x., Type=A, SetIdentifier=null]`, as Route 53 names a
/// change in `InvalidInput` messages.
fn describe_change(change: &Change) -> String {
    let set = &change.record_set;
    format!(
        "Change with [Action={}, Name={}, Type={}, SetIdentifier={}]",
        change.action.as_str(),
        set.name.to_route53(),
        set.rtype.as_str(),
        set.set_identifier.as_deref().unwrap_or("null"),
    )
}

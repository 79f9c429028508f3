//! The request-level checks Route 53 makes before it looks at the zone: the shape of each
//! `ResourceRecordSet` and the XML schema's ranges. A failure is `InvalidInput` with one
//! message (the first problem), never `InvalidChangeBatch`.
//!
//! The API layer parses XML and already refuses most of these; they are checked again here
//! so that every caller of [`super::apply_change_batch`] (zone import, tests, other
//! protocols) gets the same answer.

use crate::name::DomainName;
use crate::routing::{
    geoproximity_problem, latency_region_problem, set_identifier_problem, Routing, RoutingFields,
    RoutingPolicy,
};
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;

use super::{Change, ChangeAction, ChangeBatch, ChangeBatchError};

pub use crate::routing::MAX_SET_IDENTIFIER_LEN;

/// Largest TTL the schema allows (`TTL` is a long with max 2147483647, \[M-R53 TTL]).
pub const MAX_TTL: u32 = i32::MAX as u32;

/// The first request-level problem in `batch`, as Route 53's `InvalidInput` words it.
pub fn check_input(batch: &ChangeBatch) -> Result<(), ChangeBatchError> {
    for change in &batch.changes {
        if let Some(message) = input_problem(change) {
            return Err(ChangeBatchError::InvalidInput(message));
        }
    }
    Ok(())
}

/// The routing of a change's record set, from its `SetIdentifier` and routing fields as a
/// request carries them, or Route 53's `InvalidInput` for them ([`RoutingFields::into_routing`]).
/// `set` is the change's record set, read without its routing.
pub fn read_routing(
    action: ChangeAction,
    set: &ResourceRecordSet,
    set_identifier: Option<String>,
    fields: RoutingFields,
) -> Result<Option<Routing>, ChangeBatchError> {
    let describe =
        || describe_change_parts(action, &set.name, set.rtype, set_identifier.as_deref());
    fields
        .into_routing(set_identifier.clone(), &describe)
        .map_err(ChangeBatchError::InvalidInput)
}

/// What Route 53 would say about one change's shape, in the order its parser checks:
/// schema ranges first (the XSD), then the routing parameters, then the payload form.
///
/// That a set has a set identifier exactly when it has one policy, and a known failover
/// role, its type says ([`crate::routing`] checked them where the policy was read); the
/// other routing checks run again here for sets built in code.
fn input_problem(change: &Change) -> Option<String> {
    let set = &change.record_set;
    if let Some(ttl) = set.ttl.filter(|ttl| *ttl > MAX_TTL) {
        // The XSD's wording for a long above its maxInclusive (as for `Weight`).
        return Some(format!(
            "Invalid XML ; cvc-maxInclusive-valid: Value '{ttl}' is not facet-valid with \
             respect to maxInclusive '{MAX_TTL}' for type 'TTL'."
        ));
    }
    if let Some(problem) = set.set_identifier().and_then(set_identifier_problem) {
        return Some(problem);
    }
    match set.policy() {
        Some(RoutingPolicy::Latency(region)) => {
            if let Some(problem) = latency_region_problem(region) {
                return Some(problem);
            }
        }
        Some(RoutingPolicy::Geoproximity(location)) => {
            if let Some(problem) = geoproximity_problem(location) {
                return Some(format!("{problem} in {}", describe_change(change)));
            }
        }
        _ => {}
    }
    if let Some(found) = payload_form_problem(set) {
        // Route 53's text (ansible-collections/community.aws#800, boto/boto3#3161).
        return Some(format!(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and \
             ResourceRecords], or TrafficPolicyInstanceId], but found {found} in {}",
            describe_change(change)
        ));
    }
    None
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

/// `Change with [Action=CREATE, Name=x., Type=A, SetIdentifier=null]`, as Route 53 names a
/// change in `InvalidInput` messages.
pub fn describe_change(change: &Change) -> String {
    describe_change_parts(
        change.action,
        &change.record_set.name,
        change.record_set.rtype,
        change.record_set.set_identifier(),
    )
}

/// [`describe_change`] from its parts, for readers that have not built the change yet.
pub fn describe_change_parts(
    action: ChangeAction,
    name: &DomainName,
    rtype: RrType,
    set_identifier: Option<&str>,
) -> String {
    format!(
        "Change with [Action={}, Name={}, Type={}, SetIdentifier={}]",
        action.as_str(),
        name.to_route53(),
        rtype.as_str(),
        set_identifier.unwrap_or("null"),
    )
}

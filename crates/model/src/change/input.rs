//! The request-level checks Route 53 makes before it looks at the zone: the shape of each
//! `ResourceRecordSet` and the XML schema's ranges. A failure is `InvalidInput` with one
//! [`InputProblem`] (the first), never `InvalidChangeBatch`.
//!
//! The API layer parses XML and already refuses most of these; they are checked again here
//! so that every caller of [`super::apply_change_batch`] (zone import, tests, other
//! protocols) gets the same answer.

use crate::routing::{
    geoproximity_problem, latency_region_problem, set_identifier_problem, Found, Routing,
    RoutingFields, RoutingPolicy, RoutingProblem,
};
use crate::rrset::ResourceRecordSet;

use super::problem::{ChangeRef, InputProblem};
use super::{Change, ChangeAction, ChangeBatch, ChangeBatchError};

pub use crate::routing::MAX_SET_IDENTIFIER_LEN;

/// Largest TTL the schema allows (`TTL` is a long with max 2147483647, \[M-R53 TTL]).
pub const MAX_TTL: u32 = i32::MAX as u32;

/// The first request-level problem in `batch` (`InvalidInput`).
pub fn check_input(batch: &ChangeBatch) -> Result<(), ChangeBatchError> {
    for change in &batch.changes {
        if let Some(problem) = input_problem(change) {
            return Err(ChangeBatchError::InvalidInput(problem));
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
    fields
        .into_routing(set_identifier.clone())
        .map_err(|problem| {
            ChangeBatchError::InvalidInput(InputProblem::Routing {
                problem,
                change: ChangeRef {
                    action,
                    name: set.name.clone(),
                    rtype: set.rtype,
                    set_identifier,
                },
            })
        })
}

/// What Route 53 would refuse in one change's shape, in the order its parser checks:
/// schema ranges first (the XSD), then the routing parameters, then the payload form.
///
/// That a set has a set identifier exactly when it has one policy, and a known failover
/// role, its type says ([`crate::routing`] checked them where the policy was read); the
/// other routing checks run again here for sets built in code.
fn input_problem(change: &Change) -> Option<InputProblem> {
    let set = &change.record_set;
    if let Some(ttl) = set.ttl.filter(|ttl| *ttl > MAX_TTL) {
        return Some(InputProblem::TtlTooLarge(ttl));
    }
    let routing = set
        .set_identifier()
        .and_then(set_identifier_problem)
        .or_else(|| match set.policy() {
            Some(RoutingPolicy::Latency(region)) => latency_region_problem(region),
            Some(RoutingPolicy::Geoproximity(location)) => {
                geoproximity_problem(location).map(RoutingProblem::Geoproximity)
            }
            _ => None,
        });
    if let Some(problem) = routing {
        return Some(InputProblem::Routing {
            problem,
            change: change_ref(change),
        });
    }
    payload_form_problem(set).map(|found| InputProblem::PayloadForm {
        found,
        change: change_ref(change),
    })
}

/// Which of the complete forms the set has, when it is neither an alias nor TTL plus
/// values.
fn payload_form_problem(set: &ResourceRecordSet) -> Option<Found> {
    let alias = set.alias_target.is_some();
    let values = set.ttl.is_some() || !set.records.is_empty();
    match (alias, values) {
        (true, true) => Some(Found::MoreThanOne),
        (false, false) => Some(Found::None),
        // TTL without values or values without TTL is "none" of the complete forms.
        (false, true) if set.ttl.is_none() || set.records.is_empty() => Some(Found::None),
        _ => None,
    }
}

/// The change as `InvalidInput` messages name it.
fn change_ref(change: &Change) -> ChangeRef {
    let set = &change.record_set;
    ChangeRef {
        action: change.action,
        name: set.name.clone(),
        rtype: set.rtype,
        set_identifier: set.set_identifier().map(str::to_string),
    }
}

//! IP-based routing references: a written set's `CidrRoutingConfig` must name a CIDR
//! collection that exists and one of its locations (or `*`), and every IP-based set of one
//! name and type must use the same collection (ROUTE53.md §3).
//!
//! [`super::references::cidr_reference_problems`] calls [`check_cidr_references`] after
//! [`super::apply_change_batch`], with the collections the store's view holds. Route 53 documents no CIDR-specific
//! error for ChangeResourceRecordSets, so the problems are `InvalidChangeBatch` items
//! (Cairn's wording, in the API).

use crate::cidr::CidrCollection;
use crate::rrset::ResourceRecordSet;

use super::BatchProblem;

/// What is wrong with the CIDR references of `written`; `neighbours` are the stored sets
/// at the same names (after the batch), `collection` finds a collection by id.
pub fn check_cidr_references<'c>(
    written: &[ResourceRecordSet],
    neighbours: &[ResourceRecordSet],
    collection: impl Fn(&str) -> Option<&'c CidrCollection>,
) -> Vec<BatchProblem> {
    let mut problems = Vec::new();
    for set in written {
        let Some(cidr) = set.cidr_routing_config() else {
            continue;
        };
        let Some(found) = collection(&cidr.collection_id) else {
            problems.push(BatchProblem::NoSuchCidrCollection {
                collection: cidr.collection_id.clone(),
                set: set.key(),
            });
            continue;
        };
        if cidr.location_name != "*" && !found.locations.contains_key(&cidr.location_name) {
            problems.push(BatchProblem::NoSuchCidrLocation {
                location: cidr.location_name.clone(),
                set: set.key(),
                collection: cidr.collection_id.clone(),
            });
            continue;
        }
        let other = neighbours.iter().chain(written).find(|n| {
            n.name == set.name
                && n.rtype == set.rtype
                && n.cidr_routing_config()
                    .is_some_and(|c| c.collection_id != cidr.collection_id)
        });
        if let Some(other) = other {
            problems.push(BatchProblem::CidrCollectionsDiffer {
                set: set.key(),
                other: other.key(),
            });
        }
    }
    problems
}

//! Rules between a set a change writes and the sets the working copy already holds at that
//! point of the batch: CNAME exclusivity, routing groups and alias targets.
//!
//! Each is checked in order, when the change is applied, not on the state the whole batch
//! leaves behind. Route 53 does the same: a CREATE of a CNAME before the DELETE of the A
//! it replaces fails with the CNAME conflict (cookpad/roadworker#89), and an alias created
//! before its target in the same batch fails with "…but that target was not found"
//! (DNSControl/dnscontrol#937), while the reverse orders succeed. Routing-group messages
//! say "cannot be created", which points the same way.

use crate::routing::{PolicyKind, RoutingPolicy};
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;
use crate::zone::{HostedZone, HostedZoneId};

use super::working::WorkingZone;
use super::{AliasRef, BatchProblem};

/// At most this many routed sets per name and type (\[DG:DNSLimitations]).
pub const MAX_ROUTED_PER_NAME_AND_TYPE: usize = 100;

/// At most this many geoproximity sets per name and type (\[DG:DNSLimitations]).
pub const MAX_GEOPROXIMITY_PER_NAME_AND_TYPE: usize = 30;

/// A CNAME cannot share its name with any other type (RFC 1034 §3.6.2), in either order
/// (Route 53 words the two orders differently: hashicorp/terraform#9732, #6679).
pub fn cname_conflict(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    working: &WorkingZone,
) -> Option<BatchProblem> {
    let (mut has_cname, mut has_other) = (false, false);
    for other in working
        .at_name(&set.name)
        .filter(|other| other.key() != set.key())
    {
        if other.rtype == RrType::Cname {
            has_cname = true;
        } else {
            has_other = true;
        }
    }
    if set.rtype != RrType::Cname && has_cname {
        return Some(BatchProblem::CnameExists {
            name: set.name.clone(),
            rtype: set.rtype,
            zone: zone.name.clone(),
        });
    }
    if set.rtype == RrType::Cname && has_other {
        return Some(BatchProblem::OtherTypesExist {
            name: set.name.clone(),
            zone: zone.name.clone(),
        });
    }
    None
}

/// Whether `set` may join the other sets of its name and type (\[ROUTE53.md §2.1–2.2, §3]):
/// plain and routed sets do not mix, one policy per name and type, one PRIMARY and one
/// SECONDARY, one set per latency region and per geolocation, at most
/// [`MAX_ROUTED_PER_NAME_AND_TYPE`] routed sets ([`MAX_GEOPROXIMITY_PER_NAME_AND_TYPE`] for
/// geoproximity). Returns the first problem.
pub fn routing_conflict(set: &ResourceRecordSet, working: &WorkingZone) -> Option<BatchProblem> {
    let name = &set.name;
    let rtype = set.rtype;
    let others: Vec<&ResourceRecordSet> = working
        .at_name_and_type(name, rtype)
        .filter(|other| other.key() != set.key())
        .collect();
    if others.is_empty() {
        return None;
    }
    let Some(routing) = &set.routing else {
        // A plain set among routed ones (barnybug/cli53#257).
        return Some(BatchProblem::PlainAmongRouted {
            name: name.clone(),
            rtype,
        });
    };
    let policy = routing.policy.kind();
    if others
        .iter()
        .any(|other| other.policy().map(RoutingPolicy::kind) != Some(policy))
    {
        // cert-manager/cert-manager#5388, for multivalue answer.
        return Some(BatchProblem::OtherPolicyExists {
            set: set.key(),
            policy,
        });
    }
    let limit = if policy == PolicyKind::Geoproximity {
        MAX_GEOPROXIMITY_PER_NAME_AND_TYPE
    } else {
        MAX_ROUTED_PER_NAME_AND_TYPE
    };
    if others.len() + 1 > limit {
        return Some(BatchProblem::RoutedGroupFull {
            set: set.key(),
            existing: others.len(),
            policy,
        });
    }
    // Same kind everywhere now, so an equal policy is an equal role, region or location.
    let taken = others
        .iter()
        .any(|other| other.policy() == Some(&routing.policy));
    match &routing.policy {
        RoutingPolicy::Failover(role) if taken => Some(BatchProblem::FailoverRoleTaken {
            set: set.key(),
            role: *role,
        }),
        RoutingPolicy::Latency(region) if taken => Some(BatchProblem::LatencyRegionTaken {
            set: set.key(),
            region: region.clone(),
        }),
        RoutingPolicy::Geolocation(_) if taken => Some(BatchProblem::GeolocationTaken(set.key())),
        _ => None,
    }
}

/// An alias to this zone must point at a name inside it that holds a set of the alias's
/// own type at this point of the batch (\[ROUTE53.md §2.3]; \[M-R53 AliasTarget]: "the alias
/// record must have the same type as the record that you're routing traffic to"). So an
/// alias at the apex can never reach a CNAME: an alias of type CNAME cannot be at the apex,
/// and an alias of another type does not find a CNAME target.
///
/// An alias to another hosted zone is left to [`super::references`], which sees the other
/// zones through the store's view (issue 6).
pub fn alias_target_problem(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    working: &WorkingZone,
) -> Option<BatchProblem> {
    let alias = set.alias_target.as_ref()?;
    if HostedZoneId::parse(&alias.hosted_zone_id) != zone.id {
        return None;
    }
    let target = &alias.dns_name;
    // Recorded from Route 53: aws/aws-cli#4687, barnybug/cli53#227, pcorliss/ruby_route_53#17.
    let alias_ref = || AliasRef {
        target: target.clone(),
        rtype: set.rtype,
        zone: zone.id.clone(),
    };
    if !target.is_subdomain_of(&zone.name) {
        return Some(BatchProblem::AliasTargetOutsideZone(alias_ref()));
    }
    // The set itself is not its own target (that would be a loop of one).
    let found = working
        .at_name_and_type(target, set.rtype)
        .any(|candidate| candidate.key() != set.key());
    if !found {
        return Some(BatchProblem::AliasTargetNotFound(alias_ref()));
    }
    None
}

//! Rules about one record set on its own, whatever else the zone holds: where a type may
//! be, how many values it takes, whether each value is valid RDATA, and which routing
//! policies suit it. Each problem is a [`BatchProblem`]; the API words it (Route 53's
//! recorded messages where there are some, Cairn's in the same style otherwise).

use crate::routing::{PolicyKind, RoutingPolicy};
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;
use crate::zone::HostedZone;

use super::{BatchProblem, Limits};

/// Every problem with a set that a CREATE or UPSERT would write, in the order Route 53
/// reports them: placement (apex, wildcard), then the values.
pub fn check_written_set(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    limits: &Limits,
) -> Vec<BatchProblem> {
    let mut problems = Vec::new();
    check_placement(zone, set, &mut problems);
    check_routing_fit(set, &mut problems);
    if set.alias_target.is_none() {
        check_values(set, limits, &mut problems);
    }
    problems
}

/// Whether every value of a DELETE is valid RDATA for its type. Route 53 answers a DELETE
/// whose values do not parse with `Tried to delete resource record set […] but the rdata
/// provided is invalid` (boto/boto3#3161) instead of listing each value.
pub fn delete_values_are_valid(set: &ResourceRecordSet) -> bool {
    set.records
        .iter()
        .all(|value| crate::rdata::encode_route53_value(set.rtype, value).is_ok())
}

/// Which names may hold which types.
fn check_placement(zone: &HostedZone, set: &ResourceRecordSet, problems: &mut Vec<BatchProblem>) {
    let at_apex = set.name == zone.name;
    if set.rtype == RrType::Cname && at_apex {
        // [DG:ResourceRecordTypes] CNAME.
        problems.push(BatchProblem::CnameAtApex {
            name: set.name.clone(),
            zone: zone.name.clone(),
        });
    }
    if set.rtype == RrType::Soa && !at_apex {
        // Route 53 keeps the one SOA at the apex ([DG:SOA-NSrecords]).
        problems.push(BatchProblem::SoaBelowApex {
            name: set.name.clone(),
            zone: zone.name.clone(),
        });
    }
    if set.rtype == RrType::Ns && set.name.is_wildcard() {
        // Route 53 forbids wildcard NS ([DG:DomainNameFormat]). Only a leftmost label that
        // is exactly `*` makes a wildcard: `a*.example.com` or `a.*.example.com` hold a
        // literal `*` and may hold NS.
        problems.push(BatchProblem::WildcardNs(set.name.clone()));
    }
    if set.alias_target.is_some() && matches!(set.rtype, RrType::Ns | RrType::Soa) {
        // Every type but NS and SOA may be an alias ([DG:…choosing-alias-non-alias]).
        problems.push(BatchProblem::AliasNotPermitted {
            name: set.name.clone(),
            rtype: set.rtype,
        });
    }
}

/// The routing rules that depend on the set alone (\[M-R53 ResourceRecordSet]); the ones
/// that depend on its neighbours are in [`super::conflicts`].
fn check_routing_fit(set: &ResourceRecordSet, problems: &mut Vec<BatchProblem>) {
    let Some(policy) = set.policy().map(RoutingPolicy::kind) else {
        return;
    };
    let name = || set.name.clone();
    let rtype = set.rtype;
    if matches!(rtype, RrType::Ns | RrType::Soa | RrType::Ds) {
        problems.push(BatchProblem::TypeNotRoutable {
            name: name(),
            rtype,
            policy,
        });
    }
    if policy == PolicyKind::MultiValueAnswer
        && (set.alias_target.is_some() || rtype == RrType::Cname)
    {
        problems.push(BatchProblem::MultiValueAliasOrCname {
            name: name(),
            rtype,
        });
    }
    if policy == PolicyKind::Failover
        && set
            .alias_target
            .as_ref()
            .is_some_and(|alias| !alias.evaluate_target_health)
    {
        problems.push(BatchProblem::FailoverAliasWithoutHealth {
            name: name(),
            rtype,
        });
    }
}

/// Value counts, then each value: RDATA first, then duplicates.
fn check_values(set: &ResourceRecordSet, limits: &Limits, problems: &mut Vec<BatchProblem>) {
    if matches!(set.rtype, RrType::Cname | RrType::Soa) && set.records.len() > 1 {
        // Route 53 allows one value for CNAME and SOA ([M-R53 ResourceRecord]).
        problems.push(BatchProblem::OneValueOnly {
            name: set.name.clone(),
            rtype: set.rtype,
        });
    }
    if set.records.len() > limits.max_values_per_rrset {
        problems.push(BatchProblem::TooManyValues(limits.max_values_per_rrset));
    }
    let mut seen: Vec<&str> = Vec::with_capacity(set.records.len());
    for value in &set.records {
        if let Err(error) = crate::rdata::encode_route53_value(set.rtype, value) {
            problems.push(BatchProblem::InvalidValue(error));
            continue;
        }
        if seen.contains(&value.as_str()) {
            problems.push(BatchProblem::DuplicateValue(value.clone()));
        } else {
            seen.push(value);
        }
    }
}

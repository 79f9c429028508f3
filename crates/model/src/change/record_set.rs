//! Rules about one record set on its own, whatever else the zone holds: where a type may
//! be, how many values it takes, whether each value is valid RDATA, and which routing
//! policies suit it. Messages Route 53 is known to use are used as they are (sources in
//! the comments); the others are Cairn's, written in the same style, and say so.

use crate::routing::{PolicyKind, RoutingPolicy};
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;
use crate::zone::HostedZone;

use super::Limits;

/// Every problem with a set that a CREATE or UPSERT would write, in the order Route 53
/// reports them: placement (apex, wildcard), then the values.
pub fn check_written_set(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    limits: &Limits,
) -> Vec<String> {
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
fn check_placement(zone: &HostedZone, set: &ResourceRecordSet, problems: &mut Vec<String>) {
    let at_apex = set.name == zone.name;
    if set.rtype == RrType::Cname && at_apex {
        // Route 53's text ([DG:ResourceRecordTypes] CNAME).
        problems.push(format!(
            "RRSet of type CNAME with DNS name {} is not permitted at apex in zone {}",
            set.name, zone.name
        ));
    }
    if set.rtype == RrType::Soa && !at_apex {
        // Cairn's wording: Route 53 keeps the one SOA at the apex ([DG:SOA-NSrecords]).
        problems.push(format!(
            "RRSet of type SOA with DNS name {} is not permitted because only the apex {} can \
             have an SOA record",
            set.name, zone.name
        ));
    }
    if set.rtype == RrType::Ns && set.name.is_wildcard() {
        // Route 53 forbids wildcard NS ([DG:DomainNameFormat]); no recorded text, so the
        // wording is Cairn's. Only a leftmost label that is exactly `*` makes a wildcard:
        // `a*.example.com` or `a.*.example.com` hold a literal `*` and may hold NS.
        problems.push(format!(
            "RRSet of type NS with DNS name {} is not permitted because NS records cannot be \
             wildcards",
            set.name
        ));
    }
    if set.alias_target.is_some() && matches!(set.rtype, RrType::Ns | RrType::Soa) {
        // Every type but NS and SOA may be an alias ([DG:…choosing-alias-non-alias]);
        // Cairn's wording.
        problems.push(format!(
            "RRSet of type {} with DNS name {} is not permitted as an alias",
            set.rtype, set.name
        ));
    }
}

/// The routing rules that depend on the set alone (\[M-R53 ResourceRecordSet]); the ones
/// that depend on its neighbours are in [`super::conflicts`]. All wordings are Cairn's.
fn check_routing_fit(set: &ResourceRecordSet, problems: &mut Vec<String>) {
    let Some(policy) = set.policy().map(RoutingPolicy::kind) else {
        return;
    };
    let name = &set.name;
    let rtype = set.rtype;
    if matches!(rtype, RrType::Ns | RrType::Soa | RrType::Ds) {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} cannot use {} routing: {rtype} record \
             sets cannot be routed",
            policy.as_str()
        ));
    }
    if policy == PolicyKind::MultiValueAnswer
        && (set.alias_target.is_some() || rtype == RrType::Cname)
    {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} cannot use multivalue answer routing: \
             multivalue answer records cannot be aliases or CNAMEs"
        ));
    }
    if policy == PolicyKind::Failover
        && set
            .alias_target
            .as_ref()
            .is_some_and(|alias| !alias.evaluate_target_health)
    {
        problems.push(format!(
            "RRSet with DNS name {name}, type {rtype} is a failover alias, so its \
             EvaluateTargetHealth must be true"
        ));
    }
}

/// Value counts, then each value: RDATA first, then duplicates.
fn check_values(set: &ResourceRecordSet, limits: &Limits, problems: &mut Vec<String>) {
    if matches!(set.rtype, RrType::Cname | RrType::Soa) && set.records.len() > 1 {
        // Cairn's wording: Route 53 allows one value for CNAME and SOA ([M-R53
        // ResourceRecord]) but its text is not recorded.
        problems.push(format!(
            "RRSet of type {} with DNS name {} must have exactly one resource record",
            set.rtype, set.name
        ));
    }
    if set.records.len() > limits.max_values_per_rrset {
        // Route 53's text, from when the quota was 100 (rancher/rancher#10253).
        problems.push(format!(
            "Cannot have more than {} records in a RRSet.",
            limits.max_values_per_rrset
        ));
    }
    let mut seen: Vec<&str> = Vec::with_capacity(set.records.len());
    for value in &set.records {
        if let Err(error) = crate::rdata::encode_route53_value(set.rtype, value) {
            // Route 53's text: `Invalid Resource Record: FATAL problem: …` ([ROUTE53.md §2.2]).
            problems.push(error.to_string());
            continue;
        }
        if seen.contains(&value.as_str()) {
            // Route 53's text (kubernetes-sigs/external-dns#1929).
            problems.push(format!("Duplicate Resource Record: '{value}'"));
        } else {
            seen.push(value);
        }
    }
}

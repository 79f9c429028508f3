//! Aliases to names in other hosted zones, checked when a change batch writes them.

use cairn_model::{DomainName, HostedZone, HostedZoneId, ResourceRecordSet};

use super::conn::Conn;
use super::zone_rows::{load_zone_row, sets_at_names};
use crate::error::StoreResult;

/// Aliases to names in other hosted zones (Cairn serves aliases to any of its zones,
/// DESIGN.md §7): the target zone must exist, hold the name, and have a set of the alias's
/// type there; a public zone may not alias into a private one. Aliases to AWS
/// resources are accepted and answered with no data (docs/architecture.md).
pub(crate) fn check_cross_zone_aliases(
    tx: &Conn<'_>,
    zone: &HostedZone,
    written: &[ResourceRecordSet],
) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    for set in written {
        let Some(alias) = &set.alias_target else {
            continue;
        };
        let target_zone = HostedZoneId::parse(&alias.hosted_zone_id);
        if target_zone == zone.id {
            continue;
        }
        let target = &alias.dns_name;
        let prefix = format!(
            "Tried to create an alias that targets {target}, type {} in zone {target_zone}",
            set.rtype
        );
        let Some(other) = load_zone_row(tx, &target_zone)? else {
            // An alias to an AWS resource (S3 website, CloudFront, ELB, …), as configurations
            // exported from AWS carry: stored so they apply unchanged, answered with no data
            // (Cairn never sends traffic there). Anything else is refused.
            if !is_aws_resource_name(target) {
                problems.push(format!("{prefix}, but that target was not found"));
            }
            continue;
        };
        if !target.is_subdomain_of(&other.name) {
            problems.push(format!(
                "{prefix}, but the alias target name does not lie within the target zone"
            ));
            continue;
        }
        if other.private_zone && !zone.private_zone {
            problems.push(format!(
                "{prefix}, but a public hosted zone cannot alias a private one"
            ));
            continue;
        }
        let sets = sets_at_names(tx, &target_zone, &[target.to_route53()])?;
        if !sets.iter().any(|s| s.rtype == set.rtype) {
            problems.push(format!("{prefix}, but that target was not found"));
        }
    }
    Ok(problems)
}

/// Whether a name belongs to an AWS resource an alias may point at on Route 53.
fn is_aws_resource_name(name: &DomainName) -> bool {
    const AWS_SUFFIXES: &[&str] = &[
        "amazonaws.com.",
        "cloudfront.net.",
        "awsglobalaccelerator.com.",
        "amazonaws.com.cn.",
    ];
    AWS_SUFFIXES
        .iter()
        .any(|suffix| DomainName::from_route53(suffix).is_ok_and(|s| name.is_subdomain_of(&s)))
}

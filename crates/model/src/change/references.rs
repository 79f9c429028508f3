//! The rules that check a change batch against what lies outside the record sets it
//! touches: health checks, other hosted zones (alias targets) and CIDR collections.
//!
//! [`check_change_batch`] is the one entry point a store calls to validate a batch: it runs
//! these rules and [`super::apply_change_batch`] in Route 53's order, over a [`BatchView`]
//! the store supplies. The store implements the view over the transaction that will commit
//! the edit, so the rules and the commit see the same state and nothing races.

use crate::cidr::CidrCollection;
use crate::id::HealthCheckId;
use crate::name::DomainName;
use crate::rrset::ResourceRecordSet;
use crate::zone::{HostedZone, HostedZoneId};

use super::cidr_refs::check_cidr_references;
use super::{
    apply_change_batch, AliasRef, BatchProblem, ChangeAction, ChangeBatch, ChangeBatchError,
    Limits, ZoneEdit,
};

/// What the batch rules read outside the zone's own record sets: a read-only view of the
/// store, taken inside the transaction that writes the batch.
pub trait BatchView {
    /// A failure to read (the store's error); a refusal converts into it.
    type Error: From<ChangeBatchError>;

    /// The hosted zone with this id, if there is one.
    fn hosted_zone(&self, id: &HostedZoneId) -> Result<Option<HostedZone>, Self::Error>;

    /// Every record set of zone `zone` at `name`.
    fn record_sets_at(
        &self,
        zone: &HostedZoneId,
        name: &DomainName,
    ) -> Result<Vec<ResourceRecordSet>, Self::Error>;

    /// Whether a health check with this id exists.
    fn health_check_exists(&self, id: &HealthCheckId) -> Result<bool, Self::Error>;

    /// Every CIDR collection.
    fn cidr_collections(&self) -> Result<Vec<CidrCollection>, Self::Error>;
}

/// Validates `batch` against `zone` and everything it refers to, and returns the net edit.
///
/// `existing` holds the stored record sets at the names
/// [`super::names_touched`] returns. The order decides what a refused batch reports:
/// 1. every `HealthCheckId` a CREATE or UPSERT names must exist: the first missing one
///    fails the request as `NoSuchHealthCheck`;
/// 2. [`apply_change_batch`] (the batch on its own, against the zone's sets);
/// 3. aliases into other hosted zones, then CIDR references: every problem, reported
///    together as `InvalidChangeBatch`.
pub fn check_change_batch<V: BatchView>(
    view: &V,
    zone: &HostedZone,
    existing: &[ResourceRecordSet],
    batch: &ChangeBatch,
    limits: &Limits,
) -> Result<ZoneEdit, V::Error> {
    check_health_check_references(view, batch)?;
    let edit = apply_change_batch(zone, existing, zone.record_set_count, batch, limits)?;
    let mut problems = cross_zone_alias_problems(view, zone, &edit.written)?;
    problems.extend(cidr_reference_problems(view, existing, &edit)?);
    if !problems.is_empty() {
        return Err(ChangeBatchError::InvalidChangeBatch(problems).into());
    }
    Ok(edit)
}

/// Every `HealthCheckId` a CREATE or UPSERT names must exist.
pub fn check_health_check_references<V: BatchView>(
    view: &V,
    batch: &ChangeBatch,
) -> Result<(), V::Error> {
    for change in &batch.changes {
        if change.action == ChangeAction::Delete {
            continue;
        }
        if let Some(id) = &change.record_set.health_check_id {
            if !view.health_check_exists(id)? {
                return Err(ChangeBatchError::NoSuchHealthCheck(id.to_string()).into());
            }
        }
    }
    Ok(())
}

/// Aliases to names in other hosted zones (Cairn serves aliases to any of its zones,
/// DESIGN.md §7): the target zone must exist, hold the name, and have a set of the alias's
/// type there; a public zone may not alias into a private one. Aliases to AWS
/// resources are accepted and answered with no data (docs/architecture.md).
pub fn cross_zone_alias_problems<V: BatchView>(
    view: &V,
    zone: &HostedZone,
    written: &[ResourceRecordSet],
) -> Result<Vec<BatchProblem>, V::Error> {
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
        let alias_ref = || AliasRef {
            target: target.clone(),
            rtype: set.rtype,
            zone: target_zone.clone(),
        };
        let Some(other) = view.hosted_zone(&target_zone)? else {
            // An alias to an AWS resource (S3 website, CloudFront, ELB, …), as configurations
            // exported from AWS carry: stored so they apply unchanged, answered with no data
            // (Cairn never sends traffic there). Anything else is refused.
            if !is_aws_resource_name(target) {
                problems.push(BatchProblem::AliasTargetNotFound(alias_ref()));
            }
            continue;
        };
        if !target.is_subdomain_of(&other.name) {
            problems.push(BatchProblem::AliasTargetOutsideZone(alias_ref()));
            continue;
        }
        if other.private_zone && !zone.private_zone {
            problems.push(BatchProblem::AliasPublicToPrivate(alias_ref()));
            continue;
        }
        let sets = view.record_sets_at(&target_zone, target)?;
        if !sets.iter().any(|s| s.rtype == set.rtype) {
            problems.push(BatchProblem::AliasTargetNotFound(alias_ref()));
        }
    }
    Ok(problems)
}

/// The problems with the CIDR references of a batch's written sets; `existing` are the
/// sets stored at the batch's names before it.
pub fn cidr_reference_problems<V: BatchView>(
    view: &V,
    existing: &[ResourceRecordSet],
    edit: &ZoneEdit,
) -> Result<Vec<BatchProblem>, V::Error> {
    if edit
        .written
        .iter()
        .all(|s| s.cidr_routing_config().is_none())
    {
        return Ok(Vec::new());
    }
    let collections = view.cidr_collections()?;
    // The sets at the batch's names once it is applied, apart from those it writes.
    let neighbours: Vec<ResourceRecordSet> = existing
        .iter()
        .filter(|s| {
            let key = s.key();
            !edit.deleted.contains(&key) && !edit.written.iter().any(|w| w.key() == key)
        })
        .cloned()
        .collect();
    Ok(check_cidr_references(&edit.written, &neighbours, |id| {
        collections.iter().find(|c| c.id == id)
    }))
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

#[cfg(test)]
#[path = "references_tests.rs"]
mod tests;

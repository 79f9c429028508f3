//! Change batches: Route 53's all-or-nothing ChangeResourceRecordSets (\[ROUTE53.md §2.1]).
//!
//! [`apply_change_batch`] applies the changes in order to a working copy of the record sets
//! they touch and either returns the net edit or every reason the batch is refused. It is
//! pure: the store calls it inside the transaction that commits the edit, so validation and
//! commit see the same state.
//!
//! # Layout
//! - [`problem`]: what a refused batch reports, typed ([`BatchProblem`], [`InputProblem`]);
//!   the API words them.
//! - [`input`]: the request-level checks (`InvalidInput`).
//! - [`quota`]: the request-size quotas of one batch.
//! - [`sequence`]: which sequences of changes to one set a batch may carry.
//! - [`record_set`]: rules about one set on its own (placement, values, routing fit).
//! - [`conflicts`]: rules between a written set and its neighbours (CNAME, routing
//!   groups, alias targets), checked in order.
//! - [`cidr_refs`]: IP-based sets must name an existing CIDR collection and location.
//! - [`references`]: the rules that look outside the zone (health checks, alias targets in
//!   other zones, CIDR collections) over a [`references::BatchView`], and
//!   [`check_change_batch`], the one entry point a store calls.
//! - [`working`]: the working copy and the net edit.

pub mod cidr_refs;
pub mod conflicts;
pub mod input;
pub mod problem;
pub mod quota;
pub mod record_set;
pub mod references;
pub mod sequence;
pub mod working;

use serde::{Deserialize, Serialize};

use crate::name::DomainName;
use crate::rrset::{AliasTarget, ResourceRecordSet, RrsetKey};
use crate::rrtype::RrType;
use crate::zone::{HostedZone, HostedZoneId};

use working::WorkingZone;

pub use conflicts::{MAX_GEOPROXIMITY_PER_NAME_AND_TYPE, MAX_ROUTED_PER_NAME_AND_TYPE};
pub use problem::{AliasRef, BatchProblem, ChangeRef, InputProblem};
pub use quota::{check_batch_size, BatchSize};
pub use references::{check_change_batch, BatchView};

//------------ ChangeBatch -------------------------------------------------------

/// `ChangeBatch`: an optional comment and the changes, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeBatch {
    /// `Comment`.
    pub comment: Option<String>,
    /// `Changes`, applied in order.
    pub changes: Vec<Change>,
}

/// One `Change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `Action`.
    pub action: ChangeAction,
    /// `ResourceRecordSet`.
    pub record_set: ResourceRecordSet,
}

/// `Change.Action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeAction {
    /// Create; fails if the set exists.
    #[serde(rename = "CREATE")]
    Create,
    /// Delete; the set must match exactly.
    #[serde(rename = "DELETE")]
    Delete,
    /// Create or replace whole.
    #[serde(rename = "UPSERT")]
    Upsert,
}

impl ChangeAction {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Delete => "DELETE",
            Self::Upsert => "UPSERT",
        }
    }
}

//------------ Limits ------------------------------------------------------------

/// Quotas enforced on a batch. Route 53's values by default where they suit a self-hosted
/// server; the record-set cap is sized for large self-hosted zones (DESIGN.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `MAX_RRSETS_BY_ZONE`.
    pub max_rrsets_per_zone: u64,
    /// ResourceRecord elements per batch (UPSERT counted twice).
    pub max_records_per_batch: usize,
    /// Characters across all values per batch (UPSERT counted twice).
    pub max_value_chars_per_batch: usize,
    /// Values in one record set.
    pub max_values_per_rrset: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rrsets_per_zone: 1_000_000,
            max_records_per_batch: 1_000,
            max_value_chars_per_batch: 32_000,
            max_values_per_rrset: 400,
        }
    }
}

//------------ ZoneEdit and errors -------------------------------------------------

/// The net effect of a batch on the stored record sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneEdit {
    /// Sets to remove.
    pub deleted: Vec<RrsetKey>,
    /// Sets to insert or overwrite whole.
    pub written: Vec<ResourceRecordSet>,
}

/// Why a batch was refused, named as Route 53 names it. `Display` is a description for
/// logs; the API gives Route 53's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeBatchError {
    /// `InvalidChangeBatch`: every problem found, in order.
    #[error("invalid change batch: {0:?}")]
    InvalidChangeBatch(Vec<BatchProblem>),
    /// `InvalidInput`: the first problem with a change's shape.
    #[error("invalid input: {0:?}")]
    InvalidInput(InputProblem),
    /// `NoSuchHealthCheck`: a CREATE or UPSERT names this health check, which does not
    /// exist.
    #[error("no health check {0}")]
    NoSuchHealthCheck(String),
}

//------------ apply_change_batch --------------------------------------------------

/// Every name whose record sets [`apply_change_batch`] needs to see: the names the changes
/// touch and their alias targets.
pub fn names_touched(batch: &ChangeBatch) -> Vec<DomainName> {
    let mut names: Vec<DomainName> = Vec::new();
    for change in &batch.changes {
        let set = &change.record_set;
        for name in std::iter::once(&set.name).chain(set.alias_target.as_ref().map(|a| &a.dns_name))
        {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// Applies `batch` to `zone` in order, all or nothing.
///
/// `existing` holds every stored record set at the names [`names_touched`] returns (more
/// is harmless); `zone_rrset_count` is how many sets the zone holds in all.
///
/// Route 53's order, which decides what a refused batch reports:
/// 1. request-level checks ([`input`]): the first one fails the request as `InvalidInput`;
/// 2. the request-size quotas ([`quota`]): reported alone;
/// 3. changes to one set more than once ([`sequence`]): reported alone, one message per set;
/// 4. each change in order against the working copy, collecting every problem: a change
///    that fails is not applied, and the next ones see the copy without it;
/// 5. `MAX_RRSETS_BY_ZONE` on the result.
///
/// Aliases to other hosted zones, health checks and CIDR collections are not checked here
/// (this function sees one zone): [`check_change_batch`] checks them around this call.
pub fn apply_change_batch(
    zone: &HostedZone,
    existing: &[ResourceRecordSet],
    zone_rrset_count: u64,
    batch: &ChangeBatch,
    limits: &Limits,
) -> Result<ZoneEdit, ChangeBatchError> {
    input::check_input(batch)?;
    quota::check_batch_size(batch, limits)?;
    sequence::check_change_sequences(batch)?;

    let mut working = WorkingZone::new(existing);
    let mut errors = Vec::new();
    for change in &batch.changes {
        if let Err(problems) = apply_change(zone, change, limits, &mut working) {
            errors.extend(problems);
        }
    }
    if !errors.is_empty() {
        return Err(ChangeBatchError::InvalidChangeBatch(errors));
    }

    let (edit, growth) = working.into_edit();
    let count = i128::from(zone_rrset_count) + i128::from(growth);
    if count > i128::from(limits.max_rrsets_per_zone) {
        // Route 53 reports it alone (DNSControl/dnscontrol#908).
        return Err(ChangeBatchError::InvalidChangeBatch(vec![
            BatchProblem::TooManyRecordSets(zone.id.clone()),
        ]));
    }
    Ok(edit)
}

/// Applies one change to the working copy, or returns what is wrong with it. The checks
/// stop at the first group that finds a problem, as Route 53 reports one kind of problem
/// per change (the set's own problems may be several).
fn apply_change(
    zone: &HostedZone,
    change: &Change,
    limits: &Limits,
    working: &mut WorkingZone,
) -> Result<(), Vec<BatchProblem>> {
    let set = &change.record_set;
    if !set.name.is_subdomain_of(&zone.name) {
        // Recorded from Route 53: kcp-dev/kcp-glbc#475, getmoto/moto#916.
        return Err(vec![BatchProblem::OutsideZone {
            name: set.name.clone(),
            zone: zone.name.clone(),
        }]);
    }
    match change.action {
        ChangeAction::Delete => apply_delete(zone, set, working).map_err(|problem| vec![problem]),
        ChangeAction::Create | ChangeAction::Upsert => {
            let problems = record_set::check_written_set(zone, set, limits);
            if !problems.is_empty() {
                return Err(problems);
            }
            if change.action == ChangeAction::Create && working.get(&set.key()).is_some() {
                // Recorded from Route 53: kubernetes-sigs/external-dns#5939, barnybug/cli53#317.
                return Err(vec![BatchProblem::AlreadyExists(set.key())]);
            }
            let conflict = conflicts::cname_conflict(zone, set, working)
                .or_else(|| conflicts::routing_conflict(set, working))
                .or_else(|| conflicts::alias_target_problem(zone, set, working));
            if let Some(problem) = conflict {
                return Err(vec![problem]);
            }
            working.write(set.clone());
            Ok(())
        }
    }
}

/// A DELETE: the values must be valid, the set must exist and match, and the apex SOA and
/// NS stay. The match is checked before the apex rule: deleting the apex SOA with stale
/// values says the values do not match (pcorliss/ruby_route_53#28), with the right ones
/// that the zone needs its SOA (DNSControl/dnscontrol#4402).
fn apply_delete(
    zone: &HostedZone,
    set: &ResourceRecordSet,
    working: &mut WorkingZone,
) -> Result<(), BatchProblem> {
    let key = set.key();
    if !record_set::delete_values_are_valid(set) {
        return Err(BatchProblem::DeleteRdataInvalid(key));
    }
    let Some(stored) = working.get(&key) else {
        return Err(BatchProblem::DeleteNotFound(key));
    };
    if !delete_matches(stored, set) {
        return Err(BatchProblem::DeleteMismatch(key));
    }
    if set.name == zone.name && set.routing.is_none() {
        match set.rtype {
            // Recorded from Route 53: airbnb/zonify#1.
            RrType::Ns => return Err(BatchProblem::ApexNsRequired),
            // Recorded: hashicorp/terraform-provider-aws#37863, DNSControl/dnscontrol#4402.
            RrType::Soa => return Err(BatchProblem::ApexSoaRequired),
            _ => {}
        }
    }
    working.remove(&key);
    Ok(())
}

/// Whether a DELETE's set matches the stored one (\[ROUTE53.md §2.1] DELETE matching): TTL,
/// values in any order and alias target always; the routing policy, which a DELETE of a
/// routed set always carries (its set identifier needs one); the health check only when
/// the request supplies it, as real AWS lets a DELETE leave out fields
/// (getmoto/moto#7153, fixing #7151; Terraform omits them).
pub fn delete_matches(stored: &ResourceRecordSet, request: &ResourceRecordSet) -> bool {
    let mut stored_values = stored.records.clone();
    let mut request_values = request.records.clone();
    stored_values.sort();
    request_values.sort();
    stored.ttl == request.ttl
        && stored_values == request_values
        && same_alias_target(stored.alias_target.as_ref(), request.alias_target.as_ref())
        && stored.policy() == request.policy()
        && (request.health_check_id.is_none() || request.health_check_id == stored.health_check_id)
}

/// Alias targets are the same when zone (bare or `/hostedzone/`-prefixed), name and
/// `EvaluateTargetHealth` are.
fn same_alias_target(stored: Option<&AliasTarget>, request: Option<&AliasTarget>) -> bool {
    match (stored, request) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            HostedZoneId::parse(&a.hosted_zone_id) == HostedZoneId::parse(&b.hosted_zone_id)
                && a.dns_name == b.dns_name
                && a.evaluate_target_health == b.evaluate_target_health
        }
        _ => false,
    }
}

impl PartialOrd for RrsetKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RrsetKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

//! Change batches: Route 53's all-or-nothing ChangeResourceRecordSets ([ROUTE53.md §2.1]).
//!
//! [`apply_change_batch`] applies the changes in order to a working copy of the record sets
//! they touch and either returns the net edit or every reason the batch is refused. It is
//! pure: the store calls it inside the transaction that commits the edit, so validation and
//! commit see the same state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::name::DomainName;
use crate::rrset::{ResourceRecordSet, RrsetKey};
use crate::zone::HostedZone;

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

/// Why a batch was refused, named as Route 53 names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeBatchError {
    /// `InvalidChangeBatch`: every problem found, each in Route 53's words.
    #[error("[{}]", .0.join(", "))]
    InvalidChangeBatch(Vec<String>),
    /// `InvalidInput`.
    #[error("{0}")]
    InvalidInput(String),
    /// `NoSuchHealthCheck`.
    #[error("{0}")]
    NoSuchHealthCheck(String),
}

//------------ apply_change_batch --------------------------------------------------

/// Every name whose record sets [`apply_change_batch`] needs to see: the names the changes
/// touch and their alias targets.
pub fn names_touched(batch: &ChangeBatch) -> Vec<DomainName> {
    let mut names: Vec<DomainName> = Vec::new();
    for change in &batch.changes {
        let set = &change.record_set;
        for name in std::iter::once(&set.name)
            .chain(set.alias_target.as_ref().map(|a| &a.dns_name))
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
/// `existing` holds every stored record set at the names [`names_touched`] returns;
/// `zone_rrset_count` is how many sets the zone holds in all.
pub fn apply_change_batch(
    zone: &HostedZone,
    existing: &[ResourceRecordSet],
    zone_rrset_count: u64,
    batch: &ChangeBatch,
    limits: &Limits,
) -> Result<ZoneEdit, ChangeBatchError> {
    let mut working: BTreeMap<RrsetKey, Option<ResourceRecordSet>> = existing
        .iter()
        .map(|s| (s.key(), Some(s.clone())))
        .collect();
    let original: BTreeMap<RrsetKey, ResourceRecordSet> = existing
        .iter()
        .map(|s| (s.key(), s.clone()))
        .collect();
    let mut errors = Vec::new();

    for change in &batch.changes {
        let set = &change.record_set;
        if !set.name.is_subdomain_of(&zone.name) {
            errors.push(format!(
                "RRSet with DNS name {} is not permitted in zone {}",
                set.name, zone.name
            ));
            continue;
        }
        let key = set.key();
        let current = working.get(&key).cloned().flatten();
        match change.action {
            ChangeAction::Create => {
                if current.is_some() {
                    errors.push(format!(
                        "Tried to create resource record set {} but it already exists",
                        describe(set)
                    ));
                    continue;
                }
                working.insert(key, Some(set.clone()));
            }
            ChangeAction::Upsert => {
                working.insert(key, Some(set.clone()));
            }
            ChangeAction::Delete => match current {
                None => errors.push(format!(
                    "Tried to delete resource record set {} but it was not found",
                    describe(set)
                )),
                Some(stored) if !delete_matches(&stored, set) => errors.push(format!(
                    "Tried to delete resource record set {} but the values provided do not \
                     match the current values",
                    describe(set)
                )),
                Some(_) => {
                    working.insert(key, None);
                }
            },
        }
    }

    if !errors.is_empty() {
        return Err(ChangeBatchError::InvalidChangeBatch(errors));
    }

    let mut edit = ZoneEdit::default();
    let mut count = zone_rrset_count as i64;
    for (key, now) in working {
        let before = original.get(&key);
        match (before, now) {
            (Some(_), None) => {
                count -= 1;
                edit.deleted.push(key);
            }
            (None, Some(set)) => {
                count += 1;
                edit.written.push(set);
            }
            (Some(old), Some(set)) if *old != set => edit.written.push(set),
            _ => {}
        }
    }
    if count as u64 > limits.max_rrsets_per_zone {
        return Err(ChangeBatchError::InvalidChangeBatch(vec![format!(
            "Exceeded limit MAX_RRSETS_BY_ZONE for zone: {}",
            zone.id
        )]));
    }
    Ok(edit)
}

/// `[name='x.', type='A']`, with the set identifier when there is one.
pub fn describe(set: &ResourceRecordSet) -> String {
    match &set.set_identifier {
        Some(id) => format!(
            "[name='{}', type='{}', set-identifier='{}']",
            set.name, set.rtype, id
        ),
        None => format!("[name='{}', type='{}']", set.name, set.rtype),
    }
}

/// Whether a DELETE's set matches the stored one: TTL, values in any order, alias target,
/// and every routing field the request supplies ([ROUTE53.md §2.1] DELETE matching).
pub fn delete_matches(stored: &ResourceRecordSet, request: &ResourceRecordSet) -> bool {
    let mut a = stored.records.clone();
    let mut b = request.records.clone();
    a.sort();
    b.sort();
    stored.ttl == request.ttl && a == b && stored.alias_target == request.alias_target
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

//! The IXFR journal (RFC 1995): what each change did to a public zone's records, kept in
//! memory by the follower as it applies the change log, newest last.
//!
//! A delta is the difference between two compiled versions of a zone at the names the change
//! touched (every name for a whole reload): the records that went, the records that came, and
//! both SOAs. Only what a transfer carries is compared ([`super::transfer::records_at`]: plain
//! record sets, not aliases or routing policies). A node that starts or restarts has no
//! history: it answers IXFR with the whole zone, as RFC 1995 §4 allows.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

use cairn_model::HostedZoneId;
use cairn_wire::NameKey;
use rustc_hash::FxHashMap;

use super::transfer::{records_at, soa_of, Rr};
use super::wire::serial_lt;
use crate::zone::CompiledZone;

/// Deltas kept per zone; an older serial gets the whole zone.
pub const MAX_DELTAS: usize = 100;
/// Records kept per zone across its deltas; past this, the oldest deltas go.
pub const MAX_RECORDS: usize = 200_000;

/// One change to a zone: from one serial to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    /// The SOA before.
    pub from: Rr,
    /// The SOA after.
    pub to: Rr,
    /// Records removed (SOA excluded).
    pub removed: Vec<Rr>,
    /// Records added (SOA excluded).
    pub added: Vec<Rr>,
}

impl Delta {
    /// The serial before.
    pub fn from_serial(&self) -> u32 {
        self.from.serial().unwrap_or(0)
    }

    /// The serial after.
    pub fn to_serial(&self) -> u32 {
        self.to.serial().unwrap_or(0)
    }

    fn records(&self) -> usize {
        self.removed.len() + self.added.len() + 2
    }
}

/// The difference between `prev` and `next` at `owners` (`None`: every name of either);
/// `None` when either has no SOA or the serial did not move forward.
pub fn diff(prev: &CompiledZone, next: &CompiledZone, owners: Option<&[NameKey]>) -> Option<Delta> {
    let from = soa_of(prev)?;
    let to = soa_of(next)?;
    if !serial_lt(from.serial()?, to.serial()?) {
        return None;
    }
    let all: BTreeSet<NameKey>;
    let owners: &mut dyn Iterator<Item = &NameKey> = match owners {
        Some(owners) => &mut owners.iter(),
        None => {
            all = prev
                .nodes
                .keys()
                .chain(next.nodes.keys())
                .cloned()
                .collect();
            &mut all.iter()
        }
    };
    let mut removed = Vec::new();
    let mut added = Vec::new();
    let mut seen = BTreeSet::new();
    for owner in owners {
        if !seen.insert(owner.clone()) {
            continue;
        }
        let before: BTreeSet<Rr> = records_at(prev, owner).collect();
        let after: BTreeSet<Rr> = records_at(next, owner).collect();
        removed.extend(before.difference(&after).cloned());
        added.extend(after.difference(&before).cloned());
    }
    Some(Delta {
        from,
        to,
        removed,
        added,
    })
}

/// Every public zone's recent deltas.
#[derive(Debug, Default)]
pub struct Journal {
    zones: Mutex<FxHashMap<HostedZoneId, VecDeque<Arc<Delta>>>>,
}

impl Journal {
    /// Appends `delta` to `zone`'s history; a delta that does not start where the history
    /// ends starts it again.
    pub fn push(&self, zone: &HostedZoneId, delta: Delta) {
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let history = zones.entry(zone.clone()).or_default();
        if history
            .back()
            .is_some_and(|last| last.to_serial() != delta.from_serial())
        {
            history.clear();
        }
        history.push_back(Arc::new(delta));
        let mut records: usize = history.iter().map(|d| d.records()).sum();
        while history.len() > MAX_DELTAS || (records > MAX_RECORDS && history.len() > 1) {
            if let Some(old) = history.pop_front() {
                records -= old.records();
            }
        }
    }

    /// Forgets `zone` (deleted, or reloaded without a usable history).
    pub fn forget(&self, zone: &HostedZoneId) {
        self.zones
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(zone);
    }

    /// The deltas that take `zone` from serial `from` to serial `to`, oldest first; `None`
    /// when the history does not reach back to `from` or forward to `to`.
    pub fn chain(&self, zone: &HostedZoneId, from: u32, to: u32) -> Option<Vec<Arc<Delta>>> {
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let history = zones.get(zone)?;
        let start = history.iter().position(|d| d.from_serial() == from)?;
        let chain: Vec<Arc<Delta>> = history.iter().skip(start).cloned().collect();
        (chain.last()?.to_serial() == to).then_some(chain)
    }
}

//! The working copy a batch is applied to: the stored sets at the names the batch touches,
//! changed in place as each change is accepted, and the net edit they add up to.

use std::collections::BTreeMap;

use crate::name::DomainName;
use crate::rrset::{ResourceRecordSet, RrsetKey};
use crate::rrtype::RrType;

use super::ZoneEdit;

/// The stored sets a batch can see, and what the changes accepted so far made of them.
#[derive(Debug, Clone)]
pub struct WorkingZone {
    original: BTreeMap<RrsetKey, ResourceRecordSet>,
    current: BTreeMap<RrsetKey, ResourceRecordSet>,
}

impl WorkingZone {
    /// Starts from the stored sets.
    pub fn new(existing: &[ResourceRecordSet]) -> Self {
        let original: BTreeMap<RrsetKey, ResourceRecordSet> = existing
            .iter()
            .map(|set| (set.key(), set.clone()))
            .collect();
        Self {
            current: original.clone(),
            original,
        }
    }

    /// The set with this identity, as the batch has left it so far.
    pub fn get(&self, key: &RrsetKey) -> Option<&ResourceRecordSet> {
        self.current.get(key)
    }

    /// Every set at `name`, of any type.
    pub fn at_name<'a>(
        &'a self,
        name: &'a DomainName,
    ) -> impl Iterator<Item = &'a ResourceRecordSet> + 'a {
        self.current.values().filter(move |set| set.name == *name)
    }

    /// Every set at `name` of type `rtype` (several when routed).
    pub fn at_name_and_type<'a>(
        &'a self,
        name: &'a DomainName,
        rtype: RrType,
    ) -> impl Iterator<Item = &'a ResourceRecordSet> + 'a {
        self.at_name(name).filter(move |set| set.rtype == rtype)
    }

    /// Writes a set whole (CREATE or UPSERT).
    pub fn write(&mut self, set: ResourceRecordSet) {
        self.current.insert(set.key(), set);
    }

    /// Removes a set (DELETE).
    pub fn remove(&mut self, key: &RrsetKey) {
        self.current.remove(key);
    }

    /// The net edit from the stored sets to the current ones, and how the number of sets
    /// changes.
    pub fn into_edit(self) -> (ZoneEdit, i64) {
        let mut edit = ZoneEdit::default();
        let mut growth = 0i64;
        for key in self.original.keys() {
            if !self.current.contains_key(key) {
                edit.deleted.push(key.clone());
                growth -= 1;
            }
        }
        for (key, set) in self.current {
            match self.original.get(&key) {
                None => {
                    growth += 1;
                    edit.written.push(set);
                }
                Some(old) if *old != set => edit.written.push(set),
                Some(_) => {}
            }
        }
        (edit, growth)
    }
}

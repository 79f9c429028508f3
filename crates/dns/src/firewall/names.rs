//! A compact hash map from lowercase wire names to a small `Copy` value, for the firewall's
//! domain index: a million names are three allocations, not a million and one.
//!
//! - `keys`: every name's wire bytes back to back (a wire name ends with its root label, so
//!   it needs no length);
//! - `entries`: per name, where its key starts and its value, in insertion order;
//! - `slots`: open addressing with linear probing over `entries`, each slot the entry's
//!   position and 32 bits of the key's hash, so a probe compares the key's bytes only when
//!   those bits match. At most 3/4 of the slots are used.
//!
//! About 12 + 8/load + the name's length bytes per name, against a `HashMap<Box<[u8]>, _>`'s
//! separate allocation per key (its size rounded up, plus the allocator's header) and
//! 24-byte buckets.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;

/// An empty slot.
const EMPTY: u64 = u64::MAX;

/// Lowercase wire name → `V`.
pub(crate) struct NameTable<V> {
    keys: Vec<u8>,
    entries: Vec<(u32, V)>,
    /// `(hash >> 32) << 32 | entry`, or [`EMPTY`]; the length is a power of two.
    slots: Box<[u64]>,
    /// Seeded per process: the names looked up come from clients.
    hasher: RandomState,
}

impl<V: Copy> Default for NameTable<V> {
    fn default() -> Self {
        Self {
            keys: Vec::new(),
            entries: Vec::new(),
            slots: vec![EMPTY; 8].into(),
            hasher: RandomState::default(),
        }
    }
}

impl<V: Copy> NameTable<V> {
    /// How many names.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `name`.
    #[inline]
    pub(crate) fn get(&self, name: &[u8]) -> Option<&V> {
        let hash = self.hasher.hash_one(name);
        match self.find(name, hash) {
            Ok(entry) => Some(&self.entries[entry].1),
            Err(_) => None,
        }
    }

    /// The value of `name`, inserted as `fresh` if absent. `name` must be a wire name (ending
    /// with its root label) and the table must stay under 4 GiB of names.
    pub(crate) fn get_or_insert(&mut self, name: &[u8], fresh: V) -> &mut V {
        let hash = self.hasher.hash_one(name);
        let entry = match self.find(name, hash) {
            Ok(entry) => entry,
            Err(slot) => {
                let entry = self.entries.len();
                self.slots[slot] = tag(hash) | entry as u64;
                self.entries.push((self.keys.len() as u32, fresh));
                self.keys.extend_from_slice(name);
                if self.entries.len() * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                entry
            }
        };
        &mut self.entries[entry].1
    }

    /// Every name (its wire bytes) in insertion order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|(at, _)| self.key_at(*at as usize))
    }

    /// Gives back spare room (after the last insertion).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.keys.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    /// `Ok(entry)` where `name` is, or `Err(slot)`: the empty slot it would go in.
    #[inline]
    fn find(&self, name: &[u8], hash: u64) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let found = self.slots[slot];
            if found == EMPTY {
                return Err(slot);
            }
            if found & !0xFFFF_FFFF == tag(hash) {
                let entry = (found & 0xFFFF_FFFF) as usize;
                let at = self.entries[entry].0 as usize;
                if self.keys.get(at..at + name.len()) == Some(name) {
                    return Ok(entry);
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The wire name starting at `at` in `keys`.
    fn key_at(&self, at: usize) -> &[u8] {
        let mut end = at;
        while let Some(&len) = self.keys.get(end) {
            end += 1 + usize::from(len);
            if len == 0 {
                break;
            }
        }
        &self.keys[at..end.min(self.keys.len())]
    }

    fn grow(&mut self) {
        let mut slots = vec![EMPTY; self.slots.len() * 2].into_boxed_slice();
        let mask = slots.len() - 1;
        for &found in self.slots.iter().filter(|&&s| s != EMPTY) {
            let entry = (found & 0xFFFF_FFFF) as usize;
            let hash = self
                .hasher
                .hash_one(self.key_at(self.entries[entry].0 as usize));
            let mut slot = hash as usize & mask;
            while slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            slots[slot] = found;
        }
        self.slots = slots;
    }
}

/// The upper 32 bits of `hash`, where a slot keeps them.
#[inline]
fn tag(hash: u64) -> u64 {
    hash & !0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(text: &str) -> Vec<u8> {
        cairn_wire::NameKey::from_text(text).unwrap().to_vec()
    }

    #[test]
    fn names_are_found_after_growing_and_others_are_not() {
        let mut table = NameTable::default();
        for i in 0..10_000u32 {
            *table.get_or_insert(&wire(&format!("n{i}.example")), 0) += i;
        }
        assert_eq!(table.len(), 10_000);
        for i in 0..10_000u32 {
            assert_eq!(table.get(&wire(&format!("n{i}.example"))), Some(&i));
            assert_eq!(table.get(&wire(&format!("m{i}.example"))), None);
        }
        // A key that is a prefix of a stored one's bytes is not that one.
        assert_eq!(table.get(b"\x02n1\x00"), None);
        *table.get_or_insert(&wire("n7.example"), 0) += 1;
        assert_eq!(table.get(&wire("n7.example")), Some(&8));
        let names: Vec<&[u8]> = table.names().take(2).collect();
        assert_eq!(names, [&wire("n0.example")[..], &wire("n1.example")[..]]);
    }
}

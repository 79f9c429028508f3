//! Signed answers kept whole: the sections of a signed response, keyed by the name and type
//! asked, reused byte for byte while their signatures have more than a day to run (the
//! signed counterpart of the unsigned path's pre-encoded answers, built on first use instead
//! of at compile time: signing every name of a large zone up front would take minutes).
//!
//! Only answers that depend on nothing but the zone's data are kept: no routing policy, no
//! alias (health, the client's location and other zones change those without a recompile),
//! not the DNSKEY RRset, nothing left out for want of room. The cache belongs to one
//! compiled zone: a change to the zone compiles a new one, which starts empty.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use cairn_wire::Rcode;
use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

use super::cache::RENEW_BEFORE;

const SHARDS: usize = 16;
/// Answers per shard.
const MAX_ENTRIES: usize = 4096;
/// Bytes of keys and sections per shard.
const MAX_BYTES: usize = 4 << 20;
/// What an entry costs besides its key and sections.
const ENTRY_OVERHEAD: usize = 64;

/// One signed response's sections after the question.
#[derive(Debug)]
pub struct SignedAnswer {
    /// The sections, compressed against a question of the same length.
    pub sections: Box<[u8]>,
    /// Answer, authority and additional counts.
    pub counts: [u16; 3],
    /// The response code.
    pub rcode: Rcode,
    /// AA.
    pub authoritative: bool,
    /// The earliest expiration of its RRSIGs.
    pub expiration: u32,
}

/// Signed answers by (name, type) (see the module doc).
pub struct AnswerCache {
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    map: FxHashMap<Box<[u8]>, Arc<SignedAnswer>>,
    bytes: usize,
}

impl Default for AnswerCache {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AnswerCache({} answers)", self.len())
    }
}

fn key(qname: &[u8], qtype: u16) -> (SmallVec<[u8; 258]>, usize) {
    let mut key: SmallVec<[u8; 258]> = SmallVec::new();
    key.extend_from_slice(qname);
    key.extend_from_slice(&qtype.to_be_bytes());
    let mut hasher = FxHasher::default();
    key.hash(&mut hasher);
    let shard = (hasher.finish() >> 32) as usize % SHARDS;
    (key, shard)
}

impl AnswerCache {
    /// The answer to `qname` (lowercase wire) and `qtype`, while its signatures have more
    /// than a day to run at `now`.
    pub fn get(&self, qname: &[u8], qtype: u16, now: u32) -> Option<Arc<SignedAnswer>> {
        let (key, shard) = key(qname, qtype);
        let shard = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        let answer = shard.map.get(&key[..])?;
        let left = answer.expiration.wrapping_sub(now) as i32;
        (left > RENEW_BEFORE as i32).then(|| answer.clone())
    }

    /// Keeps `answer` for `qname` and `qtype`.
    pub fn insert(&self, qname: &[u8], qtype: u16, answer: SignedAnswer) {
        let (key, shard) = key(qname, qtype);
        let cost = |k: &[u8], a: &SignedAnswer| k.len() + a.sections.len() + ENTRY_OVERHEAD;
        let added = cost(&key, &answer);
        let mut shard = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = shard
            .map
            .insert(key.to_vec().into_boxed_slice(), Arc::new(answer))
        {
            shard.bytes -= cost(&key, &old);
        }
        shard.bytes += added;
        while shard.map.len() > MAX_ENTRIES || shard.bytes > MAX_BYTES {
            let Some(victim) = shard.map.keys().next().cloned() else {
                break;
            };
            if let Some(gone) = shard.map.remove(&victim) {
                shard.bytes -= cost(&victim, &gone);
            }
        }
    }

    /// How many answers it holds.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).map.len())
            .sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(expiration: u32, len: usize) -> SignedAnswer {
        SignedAnswer {
            sections: vec![0; len].into_boxed_slice(),
            counts: [1, 0, 0],
            rcode: Rcode::NoError,
            authoritative: true,
            expiration,
        }
    }

    #[test]
    fn answers_are_kept_by_name_and_type_while_fresh_and_bounded() {
        let cache = AnswerCache::default();
        let now = 1_000_000;
        cache.insert(b"\x01a\x00", 1, answer(now + 7 * 86_400, 10));
        assert!(cache.get(b"\x01a\x00", 1, now).is_some());
        assert!(cache.get(b"\x01a\x00", 28, now).is_none());
        assert!(cache.get(b"\x01b\x00", 1, now).is_none());
        assert!(cache.get(b"\x01a\x00", 1, now + 6 * 86_400 + 1).is_none());
        for n in 0..(SHARDS * MAX_ENTRIES * 2) as u32 {
            cache.insert(&n.to_be_bytes(), 1, answer(u32::MAX, 100));
        }
        assert!(cache.len() <= SHARDS * MAX_ENTRIES);
        assert!(cache.len() > SHARDS * MAX_ENTRIES / 2);
    }
}

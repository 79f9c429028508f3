//! The signature cache: one RRSIG per answer variant actually sent (owner, type, TTL,
//! labels and the exact set of RDATA), so repeated answers cost a lookup, not an ECDSA
//! signature (about a hundred times dearer).
//!
//! Sharded by the key's hash, each shard behind its own lock held only for the lookup or
//! the insert (signing happens outside it), so the UDP workers rarely meet. Bounded in
//! entries and bytes per shard: a full shard drops arbitrary entries (the hash map's first),
//! which at worst costs a signature again. An entry is used while its signature has more
//! than [`RENEW_BEFORE`] to run, and signed again after. The cache belongs to one
//! zone-signing key ([`super::ZoneSigner`]): a new key starts an empty cache, and the old
//! one goes with the last snapshot holding it.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use cairn_wire::Rdata;
use rustc_hash::{FxHashMap, FxHasher};
use smallvec::SmallVec;

use super::canonical;

/// A cached signature is renewed when it has less than this left (seconds).
pub const RENEW_BEFORE: u32 = 86_400;
const SHARDS: usize = 16;
/// Entries per shard (a million RRSIGs in all would be about 200 MB; this is a sixteenth).
const MAX_ENTRIES: usize = 4096;
/// Bytes of keys and signatures per shard.
const MAX_BYTES: usize = 1 << 20;
/// What an entry costs besides its key and RRSIG: the map slot, the Arc, the boxes.
const ENTRY_OVERHEAD: usize = 64;

/// Signatures by answer variant (see the module doc).
pub struct SignatureCache {
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    map: FxHashMap<Box<[u8]>, Entry>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

struct Entry {
    rrsig: Arc<Rdata>,
    expiration: u32,
}

/// What a cache holds now, and how it has served.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Signatures held.
    pub entries: usize,
    /// Their bytes, as the bound counts them.
    pub bytes: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that signed (absent, or about to expire).
    pub misses: u64,
}

impl Default for SignatureCache {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl SignatureCache {
    /// The RRSIG for the RRset `rdatas` of `rtype` at `owner` (lowercase wire) with `ttl`
    /// and `labels`, at `now`: cached, or made by `sign` from the RRset's canonical RDATA
    /// (sorted, duplicates once) and cached. `sign` returns the RRSIG and its expiration;
    /// so does this.
    #[allow(clippy::too_many_arguments)]
    pub fn get_or_sign(
        &self,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        labels: u8,
        rdatas: &[&Rdata],
        now: u32,
        sign: impl FnOnce(&[&[u8]]) -> (Rdata, u32),
    ) -> (Arc<Rdata>, u32) {
        let canon: SmallVec<[Cow<'_, [u8]>; 4]> = rdatas
            .iter()
            .map(|r| canonical::rdata(rtype, r.bytes()))
            .collect();
        let mut sorted: SmallVec<[&[u8]; 4]> = canon.iter().map(|c| &**c).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut key: SmallVec<[u8; 256]> = SmallVec::new();
        key.extend_from_slice(owner);
        key.extend_from_slice(&rtype.to_be_bytes());
        key.push(labels);
        key.extend_from_slice(&ttl.to_be_bytes());
        for rdata in &sorted {
            key.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            key.extend_from_slice(rdata);
        }
        let mut hasher = FxHasher::default();
        key.hash(&mut hasher);
        let shard = &self.shards[(hasher.finish() >> 32) as usize % SHARDS];
        {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = shard.map.get(&key[..]) {
                if fresh(entry.expiration, now) {
                    let found = (entry.rrsig.clone(), entry.expiration);
                    shard.hits += 1;
                    return found;
                }
            }
            shard.misses += 1;
        }
        let (rrsig, expiration) = sign(&sorted[..]);
        let rrsig = Arc::new(rrsig);
        let cost = key.len() + rrsig.bytes().len() + ENTRY_OVERHEAD;
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        let entry = Entry {
            rrsig: rrsig.clone(),
            expiration,
        };
        if let Some(old) = shard.map.insert(key.to_vec().into_boxed_slice(), entry) {
            shard.bytes -= key.len() + old.rrsig.bytes().len() + ENTRY_OVERHEAD;
        }
        shard.bytes += cost;
        while shard.map.len() > MAX_ENTRIES || shard.bytes > MAX_BYTES {
            let Some(victim) = shard.map.keys().next().cloned() else {
                break;
            };
            if let Some(gone) = shard.map.remove(&victim) {
                shard.bytes -= victim.len() + gone.rrsig.bytes().len() + ENTRY_OVERHEAD;
            }
        }
        (rrsig, expiration)
    }

    /// What the cache holds and how it has served.
    pub fn stats(&self) -> CacheStats {
        let mut stats = CacheStats::default();
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            stats.entries += shard.map.len();
            stats.bytes += shard.bytes;
            stats.hits += shard.hits;
            stats.misses += shard.misses;
        }
        stats
    }
}

/// Whether a signature expiring at `expiration` has more than [`RENEW_BEFORE`] to run at
/// `now` (serial arithmetic, RFC 4034 §3.1.5: the times wrap in 2106).
fn fresh(expiration: u32, now: u32) -> bool {
    (expiration.wrapping_sub(now) as i32) > RENEW_BEFORE as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rrsig(byte: u8) -> Rdata {
        Rdata::new(46, vec![byte; 80]).expect("rdata")
    }

    #[test]
    fn a_variant_is_signed_once_while_fresh_and_again_near_expiry() {
        let cache = SignatureCache::default();
        let a = Rdata::new(1, vec![192, 0, 2, 1]).expect("a");
        let b = Rdata::new(1, vec![192, 0, 2, 2]).expect("a");
        let signed = &std::cell::Cell::new(0);
        let sign = |expiration: u32| {
            move |_: &[&[u8]]| {
                signed.set(signed.get() + 1);
                (rrsig(1), expiration)
            }
        };
        let owner = b"\x03www\x07example\x00";
        let now = 1_000_000;
        cache.get_or_sign(owner, 1, 300, 2, &[&a, &b], now, sign(now + 7 * 86_400));
        // The same set in another order is the same variant.
        cache.get_or_sign(owner, 1, 300, 2, &[&b, &a], now, sign(0));
        // Another set, TTL or label count is another variant.
        cache.get_or_sign(owner, 1, 300, 2, &[&a], now, sign(now + 7 * 86_400));
        cache.get_or_sign(owner, 1, 60, 2, &[&a], now, sign(now + 7 * 86_400));
        cache.get_or_sign(owner, 1, 60, 1, &[&a], now, sign(now + 7 * 86_400));
        assert_eq!(signed.get(), 4);
        // Six days and one hour on, less than a day is left: signed again.
        let later = now + 6 * 86_400 + 3600;
        cache.get_or_sign(owner, 1, 300, 2, &[&a, &b], later, sign(later + 7 * 86_400));
        assert_eq!(signed.get(), 5);
        let stats = cache.stats();
        assert_eq!((stats.entries, stats.hits, stats.misses), (4, 1, 5));
    }

    #[test]
    fn the_cache_stays_within_its_bounds() {
        let cache = SignatureCache::default();
        for n in 0..(SHARDS * MAX_ENTRIES * 2) as u32 {
            let a = Rdata::new(1, n.to_be_bytes().to_vec()).expect("a");
            cache.get_or_sign(b"\x00", 1, 1, 0, &[&a], 0, |_| (rrsig(0), 7 * 86_400));
        }
        let stats = cache.stats();
        assert!(stats.entries <= SHARDS * MAX_ENTRIES, "{stats:?}");
        assert!(stats.bytes <= SHARDS * MAX_BYTES, "{stats:?}");
        assert!(stats.entries > SHARDS * MAX_ENTRIES / 2, "{stats:?}");
    }
}

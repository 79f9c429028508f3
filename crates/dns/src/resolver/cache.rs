//! The one cache shared by every caller of a [`Resolver`](super::Resolver).
//!
//! Keyed by (lowercased owner, type). An entry is an RRset, a NODATA marker for that key
//! (RFC 2308 §5) or, under the reserved type 0, an NXDOMAIN marker for the whole name; a
//! negative entry keeps the zone's SOA for the authority section. Entries expire by TTL
//! (capped by the config) and the least recently used one is evicted when the bound is
//! reached. Time is passed in, so tests control it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cairn_wire::Rdata;

use super::Record;

/// The key type under which an NXDOMAIN marker is stored (type 0 is reserved, RFC 6895).
const NXDOMAIN_KEY: u16 = 0;

/// How much an RRset is trusted (RFC 2181 §5.4.1, simplified to two ranks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rank {
    /// NS and glue from a referral: good for finding servers, never served to clients.
    Referral,
    /// The answer section of a reply for that name: served to clients.
    Answer,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hit {
    /// The RRset, TTLs counted down, with its DNSSEC records when the resolver asks for them
    /// (see [`Dnssec`]): its RRSIGs, and the NSEC/NSEC3 proof a wildcard answer carries.
    Rrset {
        records: Vec<Record>,
        rank: Rank,
        sigs: Vec<Record>,
        proof: Vec<Record>,
    },
    /// The name exists without that type; the SOA (then the DNSSEC proof) for the
    /// authority section.
    NoData { soa: Vec<Record> },
    /// The name does not exist; the SOA (then the DNSSEC proof) for the authority section.
    NxDomain { soa: Vec<Record> },
}

/// DNSSEC records kept with an entry (only by a resolver that sets DO): the RRset's RRSIGs,
/// and the authority records (NSEC/NSEC3 and their RRSIGs, the SOA's RRSIG) that prove a
/// wildcard expansion or a negative answer. Shared, so a hit copies no bytes for it twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Dnssec {
    pub(crate) sigs: Vec<Rdata>,
    pub(crate) proof: Vec<(Vec<u8>, u16, Rdata)>,
}

/// A negative answer to cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Negative {
    /// NXDOMAIN for the name.
    NxDomain,
    /// NODATA for the name and this type.
    NoData(u16),
}

/// The cache: a map behind one mutex, held only for map operations (never across I/O).
#[derive(Debug)]
pub(crate) struct Cache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_ttl: u32,
    max_negative_ttl: u32,
}

/// A key: the lowercased owner in wire form, then the type (big-endian). One shared
/// allocation, so a lookup hashes a slice built on the stack ([`KeyBuf`]) and marking an
/// entry used clones no bytes.
type Key = Arc<[u8]>;

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    /// Use order: tick → key; the first entry is the least recently used.
    order: BTreeMap<u64, Key>,
    tick: u64,
    evictions: u64,
}

/// Room for a key on the stack: a name (at most 255 bytes) and a type.
struct KeyBuf {
    bytes: [u8; 257],
    len: usize,
}

impl KeyBuf {
    /// The key of (`owner` lowercased, `rtype`); `None` for a name longer than a name can be.
    fn new(owner: &[u8], rtype: u16) -> Option<Self> {
        if owner.len() > super::name::MAX_LEN {
            return None;
        }
        let mut key = Self {
            bytes: [0; 257],
            len: owner.len() + 2,
        };
        key.bytes[..owner.len()].copy_from_slice(owner);
        // Only label bytes are letters to fold; length octets are < 64, never ASCII letters.
        key.bytes[..owner.len()].make_ascii_lowercase();
        key.bytes[owner.len()..key.len].copy_from_slice(&rtype.to_be_bytes());
        Some(key)
    }

    fn with_type(&self, rtype: u16) -> Self {
        let mut key = Self {
            bytes: self.bytes,
            len: self.len,
        };
        key.bytes[self.len - 2..self.len].copy_from_slice(&rtype.to_be_bytes());
        key
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    expires: Instant,
    used: u64,
}

#[derive(Debug, Clone)]
enum Value {
    Rrset {
        owner: Vec<u8>,
        rtype: u16,
        rdatas: Vec<Rdata>,
        rank: Rank,
        dnssec: Option<Arc<Dnssec>>,
    },
    NoData {
        soa: Option<(Vec<u8>, Rdata)>,
        dnssec: Option<Arc<Dnssec>>,
    },
    NxDomain {
        soa: Option<(Vec<u8>, Rdata)>,
        dnssec: Option<Arc<Dnssec>>,
    },
}

impl Cache {
    /// An empty cache with these bounds.
    pub(crate) fn new(max_entries: usize, max_ttl: u32, max_negative_ttl: u32) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_entries,
            max_ttl,
            max_negative_ttl,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-updated in a way that
        // matters more than losing the cache; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The number of entries (RRsets and negative markers), expired ones included until they
    /// are touched or evicted.
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// How many entries were evicted to respect the bound.
    pub(crate) fn evictions(&self) -> u64 {
        self.lock().evictions
    }

    /// Stores an RRset with the smallest TTL of its records, capped by `max_ttl`. An RRset of
    /// lower rank never replaces a live one of higher rank.
    #[cfg(test)]
    pub(crate) fn insert_rrset(
        &self,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        rdatas: Vec<Rdata>,
        rank: Rank,
        now: Instant,
    ) {
        self.insert_signed_rrset(owner, rtype, ttl, rdatas, rank, None, now);
    }

    /// [`insert_rrset`](Self::insert_rrset) with the RRset's DNSSEC records.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert_signed_rrset(
        &self,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        rdatas: Vec<Rdata>,
        rank: Rank,
        dnssec: Option<Arc<Dnssec>>,
        now: Instant,
    ) {
        let ttl = ttl.min(self.max_ttl);
        if ttl == 0 || rdatas.is_empty() || self.max_entries == 0 {
            return;
        }
        let Some(key) = KeyBuf::new(owner, rtype) else {
            return;
        };
        let owner = super::name::to_lowercase(owner);
        let mut inner = self.lock();
        if let Some(existing) = inner.map.get(key.as_slice()) {
            if let Value::Rrset { rank: old, .. } = existing.value {
                if existing.expires > now && old > rank {
                    return;
                }
            }
        }
        if rank == Rank::Answer {
            // The name exists after all: an NXDOMAIN marker for it is stale.
            inner.remove(key.with_type(NXDOMAIN_KEY).as_slice());
        }
        let value = Value::Rrset {
            owner,
            rtype,
            rdatas,
            rank,
            dnssec,
        };
        self.store(&mut inner, key.as_slice(), value, ttl, now);
    }

    /// Stores a negative answer for `owner`; `soa` is the zone's SOA (owner, TTL, RDATA).
    /// Its TTL is min(SOA TTL, SOA MINIMUM) capped by `max_negative_ttl` (RFC 2308 §5);
    /// without an SOA nothing is cached (RFC 2308 §5: "SHOULD NOT be cached").
    #[cfg(test)]
    pub(crate) fn insert_negative(
        &self,
        owner: &[u8],
        kind: Negative,
        soa: (&[u8], u32, &Rdata),
        now: Instant,
    ) {
        self.insert_signed_negative(owner, kind, soa, None, now);
    }

    /// [`insert_negative`](Self::insert_negative) with the answer's DNSSEC proof.
    pub(crate) fn insert_signed_negative(
        &self,
        owner: &[u8],
        kind: Negative,
        soa: (&[u8], u32, &Rdata),
        dnssec: Option<Arc<Dnssec>>,
        now: Instant,
    ) {
        let (soa_owner, soa_ttl, soa_rdata) = soa;
        let Some(minimum) = soa_minimum(soa_rdata) else {
            return;
        };
        let ttl = soa_ttl.min(minimum).min(self.max_negative_ttl);
        if ttl == 0 || self.max_entries == 0 {
            return;
        }
        let soa = Some((super::name::to_lowercase(soa_owner), soa_rdata.clone()));
        let (key, value) = match kind {
            Negative::NxDomain => (
                KeyBuf::new(owner, NXDOMAIN_KEY),
                Value::NxDomain { soa, dnssec },
            ),
            Negative::NoData(rtype) => (KeyBuf::new(owner, rtype), Value::NoData { soa, dnssec }),
        };
        let Some(key) = key else {
            return;
        };
        let mut inner = self.lock();
        self.store(&mut inner, key.as_slice(), value, ttl, now);
    }

    fn store(&self, inner: &mut Inner, key: &[u8], value: Value, ttl: u32, now: Instant) {
        inner.remove(key);
        while inner.map.len() >= self.max_entries {
            let Some((_, lru)) = inner.order.pop_first() else {
                break;
            };
            inner.map.remove(&lru);
            inner.evictions += 1;
        }
        inner.tick += 1;
        let used = inner.tick;
        let expires = now + std::time::Duration::from_secs(u64::from(ttl));
        let key: Key = Arc::from(key);
        inner.order.insert(used, key.clone());
        inner.map.insert(
            key,
            Entry {
                value,
                expires,
                used,
            },
        );
    }

    /// Looks up (owner, rtype): the RRset or NODATA for that type, else an NXDOMAIN for the
    /// name. Expired entries are dropped on the way.
    pub(crate) fn lookup(&self, owner: &[u8], rtype: u16, now: Instant) -> Option<Hit> {
        let exact = KeyBuf::new(owner, rtype)?;
        let nxdomain = exact.with_type(NXDOMAIN_KEY);
        let mut inner = self.lock();
        for key in [exact.as_slice(), nxdomain.as_slice()] {
            if let Some(hit) = inner.touch_live(key, now, |entry| hit_of(entry, now)) {
                return Some(hit);
            }
        }
        None
    }
}

/// What a live entry says at `now`, TTLs counted down.
fn hit_of(entry: &Entry, now: Instant) -> Hit {
    // Remaining seconds, rounded down: a record never outlives its origin's TTL.
    let ttl = u32::try_from(entry.expires.duration_since(now).as_secs()).unwrap_or(u32::MAX);
    let proof_records = |dnssec: &Option<Arc<Dnssec>>| -> Vec<Record> {
        dnssec
            .iter()
            .flat_map(|d| d.proof.iter())
            .map(|(owner, rtype, rdata)| Record {
                owner: owner.clone(),
                rtype: *rtype,
                ttl,
                rdata: rdata.clone(),
            })
            .collect()
    };
    let soa_records = |soa: &Option<(Vec<u8>, Rdata)>, dnssec: &Option<Arc<Dnssec>>| {
        let mut records: Vec<Record> = soa
            .iter()
            .map(|(soa_owner, rdata)| Record {
                owner: soa_owner.clone(),
                rtype: super::message::rtype::SOA,
                ttl,
                rdata: rdata.clone(),
            })
            .collect();
        records.extend(proof_records(dnssec));
        records
    };
    match &entry.value {
        Value::Rrset {
            owner,
            rtype,
            rdatas,
            rank,
            dnssec,
        } => Hit::Rrset {
            records: rdatas
                .iter()
                .map(|rdata| Record {
                    owner: owner.clone(),
                    rtype: *rtype,
                    ttl,
                    rdata: rdata.clone(),
                })
                .collect(),
            rank: *rank,
            sigs: dnssec
                .iter()
                .flat_map(|d| d.sigs.iter())
                .map(|rdata| Record {
                    owner: owner.clone(),
                    rtype: super::message::rtype::RRSIG,
                    ttl,
                    rdata: rdata.clone(),
                })
                .collect(),
            proof: proof_records(dnssec),
        },
        Value::NoData { soa, dnssec } => Hit::NoData {
            soa: soa_records(soa, dnssec),
        },
        Value::NxDomain { soa, dnssec } => Hit::NxDomain {
            soa: soa_records(soa, dnssec),
        },
    }
}

impl Inner {
    fn remove(&mut self, key: &[u8]) {
        if let Some(old) = self.map.remove(key) {
            self.order.remove(&old.used);
        }
    }

    /// `read` of the entry under `key` if it has not expired, marked as just used (one hash);
    /// an expired one is dropped.
    fn touch_live<R>(
        &mut self,
        key: &[u8],
        now: Instant,
        read: impl FnOnce(&Entry) -> R,
    ) -> Option<R> {
        let entry = self.map.get_mut(key)?;
        if entry.expires <= now {
            let used = entry.used;
            self.map.remove(key);
            self.order.remove(&used);
            return None;
        }
        self.tick += 1;
        let old = std::mem::replace(&mut entry.used, self.tick);
        // The key moves from its old place in the use order to the newest: no copy.
        if let Some(shared) = self.order.remove(&old) {
            self.order.insert(self.tick, shared);
        }
        Some(read(entry))
    }
}

/// The MINIMUM field of SOA RDATA (its last 32 bits).
fn soa_minimum(rdata: &Rdata) -> Option<u32> {
    let bytes = rdata.bytes();
    let tail = bytes.get(bytes.len().checked_sub(4)?..)?;
    Some(u32::from_be_bytes([tail[0], tail[1], tail[2], tail[3]]))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::resolver::message::rtype;
    use crate::resolver::name::from_text;

    fn a(last: u8) -> Rdata {
        Rdata::new(rtype::A, vec![192, 0, 2, last]).expect("A rdata")
    }

    fn soa(minimum: u32) -> Rdata {
        let mut bytes = b"\x02ns\x04test\x00\x0ahostmaster\x04test\x00".to_vec();
        for field in [1u32, 3600, 600, 86400, minimum] {
            bytes.extend_from_slice(&field.to_be_bytes());
        }
        Rdata::new(rtype::SOA, bytes).expect("SOA rdata")
    }

    fn name(text: &str) -> Vec<u8> {
        from_text(text).expect("name")
    }

    #[test]
    fn rrset_expires_and_ttl_counts_down() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_rrset(
            &name("WWW.example.test"),
            rtype::A,
            300,
            vec![a(1), a(2)],
            Rank::Answer,
            t0,
        );
        let Some(Hit::Rrset { records, .. }) =
            cache.lookup(&name("www.EXAMPLE.test"), rtype::A, t0)
        else {
            panic!("expected a hit")
        };
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].ttl, 300);
        assert_eq!(records[0].owner, name("www.example.test"));
        let later = cache.lookup(
            &name("www.example.test"),
            rtype::A,
            t0 + Duration::from_millis(100_500),
        );
        let Some(Hit::Rrset { records, .. }) = later else {
            panic!("expected a hit")
        };
        assert_eq!(records[0].ttl, 199);
        assert_eq!(
            cache.lookup(
                &name("www.example.test"),
                rtype::A,
                t0 + Duration::from_secs(300)
            ),
            None
        );
        assert_eq!(cache.len(), 0, "the expired entry is dropped when touched");
    }

    #[test]
    fn keys_fold_case_keep_types_apart_and_take_the_longest_names() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_rrset(
            &name("Mixed.Test"),
            rtype::A,
            60,
            vec![a(1)],
            Rank::Answer,
            t0,
        );
        assert!(cache.lookup(&name("mIXED.tEST"), rtype::A, t0).is_some());
        assert_eq!(cache.lookup(&name("mixed.test"), rtype::AAAA, t0), None);
        // 255 bytes, the longest name: three labels of 63 letters, one of 61, the root.
        let longest = name(&format!("{0}.{0}.{0}.{1}", "x".repeat(63), "y".repeat(61)));
        assert_eq!(longest.len(), 255);
        cache.insert_rrset(&longest, rtype::A, 60, vec![a(2)], Rank::Answer, t0);
        assert!(cache.lookup(&longest, rtype::A, t0).is_some());
        // Longer than any name: never cached, never found, no panic.
        let too_long = [&[0u8][..], &longest[..]].concat();
        cache.insert_rrset(&too_long, rtype::A, 60, vec![a(3)], Rank::Answer, t0);
        assert_eq!(cache.lookup(&too_long, rtype::A, t0), None);
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn ttls_are_capped() {
        let cache = Cache::new(100, 60, 30);
        let t0 = Instant::now();
        cache.insert_rrset(
            &name("a.test"),
            rtype::A,
            86400,
            vec![a(1)],
            Rank::Answer,
            t0,
        );
        let Some(Hit::Rrset { records, .. }) = cache.lookup(&name("a.test"), rtype::A, t0) else {
            panic!()
        };
        assert_eq!(records[0].ttl, 60);
        assert!(cache
            .lookup(&name("a.test"), rtype::A, t0 + Duration::from_secs(61))
            .is_none());
        // Negative: min(SOA TTL 900, MINIMUM 600) capped to 30.
        cache.insert_negative(
            &name("b.test"),
            Negative::NxDomain,
            (&name("test"), 900, &soa(600)),
            t0,
        );
        let Some(Hit::NxDomain { soa: records }) = cache.lookup(&name("b.test"), rtype::A, t0)
        else {
            panic!()
        };
        assert_eq!(records[0].ttl, 30);
        assert!(cache
            .lookup(&name("b.test"), rtype::A, t0 + Duration::from_secs(31))
            .is_none());
    }

    #[test]
    fn negative_ttl_is_the_smaller_of_soa_ttl_and_minimum() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_negative(
            &name("x.test"),
            Negative::NoData(rtype::AAAA),
            (&name("test"), 900, &soa(120)),
            t0,
        );
        cache.insert_negative(
            &name("y.test"),
            Negative::NoData(rtype::AAAA),
            (&name("test"), 45, &soa(120)),
            t0,
        );
        let ttl = |owner: &str| match cache.lookup(&name(owner), rtype::AAAA, t0) {
            Some(Hit::NoData { soa }) => soa[0].ttl,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(ttl("x.test"), 120);
        assert_eq!(ttl("y.test"), 45);
    }

    #[test]
    fn nodata_is_per_type_and_nxdomain_per_name() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_negative(
            &name("x.test"),
            Negative::NoData(rtype::AAAA),
            (&name("test"), 900, &soa(300)),
            t0,
        );
        assert!(matches!(
            cache.lookup(&name("x.test"), rtype::AAAA, t0),
            Some(Hit::NoData { .. })
        ));
        assert_eq!(cache.lookup(&name("x.test"), rtype::A, t0), None);
        cache.insert_negative(
            &name("gone.test"),
            Negative::NxDomain,
            (&name("test"), 900, &soa(300)),
            t0,
        );
        for qtype in [rtype::A, rtype::AAAA, rtype::NS] {
            let Some(Hit::NxDomain { soa }) = cache.lookup(&name("gone.test"), qtype, t0) else {
                panic!()
            };
            assert_eq!(soa[0].owner, name("test"));
            assert_eq!(soa[0].rtype, rtype::SOA);
        }
        // Positive data for the name replaces the NXDOMAIN marker.
        cache.insert_rrset(
            &name("gone.test"),
            rtype::A,
            60,
            vec![a(9)],
            Rank::Answer,
            t0,
        );
        assert_eq!(cache.lookup(&name("gone.test"), rtype::AAAA, t0), None);
    }

    #[test]
    fn negative_answers_without_soa_minimum_are_not_cached() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_negative(
            &name("x.test"),
            Negative::NxDomain,
            (&name("test"), 900, &soa(0)),
            t0,
        );
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn referral_data_does_not_replace_answers() {
        let cache = Cache::new(100, 86400, 3600);
        let t0 = Instant::now();
        cache.insert_rrset(&name("ns.test"), rtype::A, 60, vec![a(1)], Rank::Answer, t0);
        cache.insert_rrset(
            &name("ns.test"),
            rtype::A,
            60,
            vec![a(2)],
            Rank::Referral,
            t0,
        );
        let Some(Hit::Rrset { records, rank, .. }) = cache.lookup(&name("ns.test"), rtype::A, t0)
        else {
            panic!()
        };
        assert_eq!((records[0].rdata.bytes()[3], rank), (1, Rank::Answer));
        cache.insert_rrset(&name("ns.test"), rtype::A, 60, vec![a(3)], Rank::Answer, t0);
        let Some(Hit::Rrset { records, .. }) = cache.lookup(&name("ns.test"), rtype::A, t0) else {
            panic!()
        };
        assert_eq!(records[0].rdata.bytes()[3], 3);
    }

    #[test]
    fn size_is_bounded_and_least_recently_used_goes_first() {
        let cache = Cache::new(3, 86400, 3600);
        let t0 = Instant::now();
        for i in 0..3u8 {
            cache.insert_rrset(
                &name(&format!("n{i}.test")),
                rtype::A,
                60,
                vec![a(i)],
                Rank::Answer,
                t0,
            );
        }
        // Use n0, so n1 is now the least recently used.
        assert!(cache.lookup(&name("n0.test"), rtype::A, t0).is_some());
        cache.insert_rrset(&name("n3.test"), rtype::A, 60, vec![a(3)], Rank::Answer, t0);
        assert_eq!(cache.len(), 3);
        assert!(cache.lookup(&name("n1.test"), rtype::A, t0).is_none());
        assert!(cache.lookup(&name("n0.test"), rtype::A, t0).is_some());
        for i in 10..200u8 {
            cache.insert_rrset(
                &name(&format!("n{i}.test")),
                rtype::A,
                60,
                vec![a(i)],
                Rank::Answer,
                t0,
            );
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.evictions(), 191);
        let zero = Cache::new(0, 86400, 3600);
        zero.insert_rrset(&name("a.test"), rtype::A, 60, vec![a(1)], Rank::Answer, t0);
        assert_eq!(zero.len(), 0);
    }
}

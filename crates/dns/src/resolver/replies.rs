//! The reply cache: whole answers the VPC resolver wrote, kept per (name, type) so that a
//! repeated question is answered by copying bytes instead of rebuilding them from RRsets.
//!
//! The RRset cache ([`super::cache`]) still decides what is true; this cache only remembers
//! how an answer made from it was encoded. An entry is the encoded answer and authority
//! sections after the question, with the offset of every TTL in them. Compression pointers
//! point into the question (the same length for the same name in any case) or into the
//! sections themselves, so the bytes hold under any question of the same name: the client's
//! own case and ID come from its query. A hit counts each TTL down by the whole seconds since
//! the entry was written; the entry lives until its smallest TTL runs out, and only NOERROR
//! and NXDOMAIN answers with TTLs above zero are kept (never SERVFAIL, RFC 2308 §7.1 allows
//! at most five minutes and we keep none).
//!
//! A validating VPC's answer also depends on the client's DO and AD bits (RRSIGs shown, AD
//! set): its entries are kept per [`ReplyVariant`], with the AD bit they were written with.
//! CD only changes bogus answers, which are never kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cairn_wire::sections::{set_ttl, ttl_offsets};
use cairn_wire::Rcode;

/// One kept answer.
#[derive(Debug)]
pub struct CachedReply {
    rcode: Rcode,
    sections: Box<[u8]>,
    counts: [u16; 3],
    /// Where each TTL starts in `sections`, and its value when written.
    ttls: Box<[(u16, u32)]>,
    written: Instant,
    /// How long the entry may be served: its smallest TTL.
    lifetime: Duration,
    /// The names the answer's CNAME and DNAME records lead to (lowercase wire, in order),
    /// for the DNS Firewall to check on a hit without reading the sections back.
    redirects: Box<[Box<[u8]>]>,
    /// The AD bit the answer was written with (validated as secure for a DO or AD client).
    ad: bool,
}

/// Which of a question's answers an entry is: answers that do not depend on the client's
/// flags are all [`PLAIN`](Self::PLAIN); a validating VPC's differ by DO and AD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyVariant(u8);

impl ReplyVariant {
    /// The same answer whatever the client's DO, AD and CD bits.
    pub const PLAIN: Self = Self(0);

    /// A validated answer to a client that set `dnssec_ok` (DO) and/or `ad` (AD).
    pub fn validated(dnssec_ok: bool, ad: bool) -> Self {
        Self(1 | u8::from(dnssec_ok) << 1 | u8::from(ad) << 2)
    }
}

impl CachedReply {
    /// Keeps `sections` (answer, authority and additional records, `counts` of each) written
    /// at `written` with `rcode`; `None` when the answer must not be kept (not NOERROR or
    /// NXDOMAIN, a TTL of zero, or records that do not read back).
    pub fn new(rcode: Rcode, sections: &[u8], counts: [u16; 3], written: Instant) -> Option<Self> {
        if !matches!(rcode, Rcode::NoError | Rcode::NxDomain) {
            return None;
        }
        let records = counts.iter().map(|&c| usize::from(c)).sum();
        let ttls = ttl_offsets(sections, records)?;
        let smallest = ttls.iter().map(|&(_, ttl)| ttl).min()?;
        if smallest == 0 {
            return None;
        }
        Some(Self {
            rcode,
            sections: sections.into(),
            counts,
            ttls: ttls.into(),
            written,
            lifetime: Duration::from_secs(u64::from(smallest)),
            redirects: Box::default(),
            ad: false,
        })
    }

    /// This reply, sent with the AD bit `ad`.
    pub fn with_ad(mut self, ad: bool) -> Self {
        self.ad = ad;
        self
    }

    /// Whether the reply is sent with AD set.
    pub fn ad(&self) -> bool {
        self.ad
    }

    /// This reply, remembering the names its CNAME/DNAME chain leads to.
    pub fn with_redirects(mut self, redirects: Vec<Box<[u8]>>) -> Self {
        self.redirects = redirects.into();
        self
    }

    /// The names the answer's chain leads to (see [`with_redirects`](Self::with_redirects)).
    pub fn redirects(&self) -> impl Iterator<Item = &[u8]> {
        self.redirects.iter().map(|name| &name[..])
    }

    /// The kept answer's rcode.
    pub fn rcode(&self) -> Rcode {
        self.rcode
    }

    /// The sections as written (TTLs as they were then) and their counts.
    pub fn sections(&self) -> (&[u8], [u16; 3]) {
        (&self.sections, self.counts)
    }

    /// NXDOMAIN, or NOERROR with no answer record (NODATA).
    pub fn is_negative(&self) -> bool {
        self.rcode == Rcode::NxDomain || self.counts[0] == 0
    }

    /// Whether the entry may still be served at `now`.
    fn is_live(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.written) < self.lifetime
    }

    /// Counts down the TTLs of `copied` (a copy of [`sections`](Self::sections)) to what is
    /// left at `now`: each minus the whole seconds elapsed, as the RRset cache does.
    pub fn count_down(&self, copied: &mut [u8], now: Instant) {
        let elapsed = now.saturating_duration_since(self.written).as_secs();
        let elapsed = u32::try_from(elapsed).unwrap_or(u32::MAX);
        if elapsed == 0 {
            return;
        }
        for &(at, ttl) in self.ttls.iter() {
            set_ttl(copied, at, ttl.saturating_sub(elapsed));
        }
    }
}

/// Kept answers by (lowercased name, type, variant), bounded. Hashed with foldhash: names come from
/// clients, so the hash is seeded per process (like std's SipHash), at a fraction of SipHash's
/// cost on short keys.
#[derive(Debug)]
pub(crate) struct ReplyCache {
    map: Mutex<HashMap<Box<[u8]>, Arc<CachedReply>, foldhash::fast::RandomState>>,
    max_entries: usize,
}

impl ReplyCache {
    /// An empty cache holding at most `max_entries` answers.
    pub(crate) fn new(max_entries: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::default()),
            max_entries: max_entries.max(1),
        }
    }

    /// The live answer for `qname` (lowercase wire), `qtype` and `variant` at `now`.
    pub(crate) fn get(
        &self,
        qname: &[u8],
        qtype: u16,
        variant: ReplyVariant,
        now: Instant,
    ) -> Option<Arc<CachedReply>> {
        let key = Key::new(qname, qtype, variant)?;
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key.as_slice())
            .filter(|reply| reply.is_live(now))
            .cloned()
    }

    /// Keeps `reply` for `qname`, `qtype` and `variant`. When full, expired answers go
    /// first; if that frees nothing, everything goes (answers are cheap to rebuild from the
    /// RRset cache).
    pub(crate) fn insert(
        &self,
        qname: &[u8],
        qtype: u16,
        variant: ReplyVariant,
        reply: CachedReply,
    ) {
        let Some(key) = Key::new(qname, qtype, variant) else {
            return;
        };
        let now = reply.written;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= self.max_entries && !map.contains_key(key.as_slice()) {
            map.retain(|_, kept| kept.is_live(now));
            if map.len() >= self.max_entries {
                map.clear();
            }
        }
        map.insert(key.as_slice().into(), Arc::new(reply));
    }

    /// How many answers are kept (live or not yet swept).
    pub(crate) fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// A key on the stack: the name (at most 255 bytes), the type, then the variant.
struct Key {
    bytes: [u8; 258],
    len: usize,
}

impl Key {
    fn new(qname: &[u8], qtype: u16, variant: ReplyVariant) -> Option<Self> {
        if qname.len() > 255 {
            return None;
        }
        let mut bytes = [0; 258];
        let n = qname.len();
        bytes[..n].copy_from_slice(qname);
        bytes[n..n + 2].copy_from_slice(&qtype.to_be_bytes());
        bytes[n + 2] = variant.0;
        Some(Self { bytes, len: n + 3 })
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One A record for the question name (pointer to offset 12), TTL `ttl`.
    fn a_record(ttl: u32) -> Vec<u8> {
        let mut rr = vec![0xc0, 12, 0, 1, 0, 1];
        rr.extend_from_slice(&ttl.to_be_bytes());
        rr.extend_from_slice(&[0, 4, 192, 0, 2, 1]);
        rr
    }

    #[test]
    fn counts_ttls_down_and_expires_with_the_smallest() {
        let t0 = Instant::now();
        let mut sections = a_record(300);
        sections.extend(a_record(2));
        let reply = CachedReply::new(Rcode::NoError, &sections, [2, 0, 0], t0).expect("kept");
        assert!(!reply.is_negative());
        let mut copy = reply.sections().0.to_vec();
        reply.count_down(&mut copy, t0 + Duration::from_millis(1_900));
        assert_eq!(ttl_offsets(&copy, 2), Some(vec![(6, 299), (22, 1)]));
        assert!(reply.is_live(t0 + Duration::from_millis(1_999)));
        assert!(!reply.is_live(t0 + Duration::from_secs(2)));
    }

    #[test]
    fn keeps_only_noerror_and_nxdomain_with_ttls_above_zero() {
        let t0 = Instant::now();
        let one = a_record(60);
        assert!(CachedReply::new(Rcode::ServFail, &one, [1, 0, 0], t0).is_none());
        assert!(CachedReply::new(Rcode::Refused, &one, [1, 0, 0], t0).is_none());
        assert!(CachedReply::new(Rcode::NoError, &a_record(0), [1, 0, 0], t0).is_none());
        // No records at all: nothing says how long it may live.
        assert!(CachedReply::new(Rcode::NxDomain, &[], [0, 0, 0], t0).is_none());
        // Counts that do not match the bytes.
        assert!(CachedReply::new(Rcode::NoError, &one, [2, 0, 0], t0).is_none());
        let negative = CachedReply::new(Rcode::NxDomain, &one, [0, 1, 0], t0).expect("kept");
        assert!(negative.is_negative());
    }

    #[test]
    fn lookups_ignore_dead_entries_and_the_bound_holds() {
        let t0 = Instant::now();
        let cache = ReplyCache::new(2);
        let keep = |name: &[u8], ttl| {
            cache.insert(
                name,
                1,
                ReplyVariant::PLAIN,
                CachedReply::new(Rcode::NoError, &a_record(ttl), [1, 0, 0], t0).expect("kept"),
            )
        };
        keep(b"\x01a\x00", 1);
        keep(b"\x01b\x00", 100);
        let plain = ReplyVariant::PLAIN;
        assert!(cache.get(b"\x01a\x00", 1, plain, t0).is_some());
        assert!(cache.get(b"\x01a\x00", 28, plain, t0).is_none());
        assert!(cache
            .get(b"\x01a\x00", 1, plain, t0 + Duration::from_secs(1))
            .is_none());
        // Full: a third name sweeps what is dead at its time (`a` is not, at t0) and then
        // clears the rest.
        keep(b"\x01c\x00", 100);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(b"\x01c\x00", 1, plain, t0).is_some());
    }

    #[test]
    fn variants_are_kept_apart() {
        let t0 = Instant::now();
        let cache = ReplyCache::new(10);
        let reply = |ad| {
            CachedReply::new(Rcode::NoError, &a_record(60), [1, 0, 0], t0)
                .expect("kept")
                .with_ad(ad)
        };
        let name = b"\x01a\x00";
        let dnssec_ok = ReplyVariant::validated(true, false);
        cache.insert(name, 1, dnssec_ok, reply(true));
        cache.insert(name, 1, ReplyVariant::validated(false, false), reply(false));
        assert!(cache.get(name, 1, dnssec_ok, t0).expect("kept").ad());
        let flagless = cache.get(name, 1, ReplyVariant::validated(false, false), t0);
        assert!(!flagless.expect("kept").ad());
        // Neither the AD-only client nor a non-validating view's question shares them.
        assert!(cache
            .get(name, 1, ReplyVariant::validated(false, true), t0)
            .is_none());
        assert!(cache.get(name, 1, ReplyVariant::PLAIN, t0).is_none());
    }
}

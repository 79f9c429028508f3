//! The records a transfer carries, and the messages that carry them: AXFR (RFC 5936) and
//! IXFR (RFC 1995) answers split over as many messages as they need.
//!
//! A secondary gets the zone's plain record sets: every set without a routing policy and
//! that is not an alias. Aliases and routing-policy sets are chosen per query (by health,
//! location, weight) and a secondary cannot choose, so they stay with Cairn (docs/secondaries.md).

use cairn_wire::{rtype, NameKey};

use super::journal::Delta;
use super::wire::{self, put_record, record_len, CLASS_IN, HEADER_LEN};
use crate::zone::CompiledZone;

/// The largest message written (RFC 5936 §2.2 lets a server choose; 16 KiB keeps each write
/// small), room for the TSIG record kept apart.
pub const MESSAGE_LIMIT: usize = 16 * 1024;
/// Bytes kept free in each message for its TSIG record (an HMAC-SHA512 one is about 130).
const TSIG_ROOM: usize = 256;

/// One record: owner, type, TTL and RDATA (class IN).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rr {
    /// Owner, lowercase wire form.
    pub owner: NameKey,
    /// Type.
    pub rtype: u16,
    /// TTL.
    pub ttl: u32,
    /// RDATA, uncompressed.
    pub rdata: Vec<u8>,
}

impl Rr {
    /// The serial, when this is an SOA record.
    pub fn serial(&self) -> Option<u32> {
        (self.rtype == rtype::SOA)
            .then(|| wire::soa_serial(&self.rdata))
            .flatten()
    }
}

/// The zone's SOA record.
pub fn soa_of(zone: &CompiledZone) -> Option<Rr> {
    let apex = zone.nodes.get(&zone.apex[..])?;
    let soa = apex.rrset(rtype::SOA)?;
    Some(Rr {
        owner: zone.apex.clone(),
        rtype: rtype::SOA,
        ttl: soa.ttl,
        rdata: soa.rdatas.first()?.bytes().to_vec(),
    })
}

/// The zone's serial.
pub fn serial_of(zone: &CompiledZone) -> Option<u32> {
    soa_of(zone)?.serial()
}

/// The records a transfer carries at `owner` (the apex SOA excluded: it opens and closes
/// the answer).
pub fn records_at<'z>(zone: &'z CompiledZone, owner: &'z NameKey) -> impl Iterator<Item = Rr> + 'z {
    let apex = owner[..] == zone.apex[..];
    zone.nodes
        .get(&owner[..])
        .into_iter()
        .flat_map(|node| node.rrsets.iter())
        .filter(move |set| !(apex && set.rtype == rtype::SOA))
        .flat_map(move |set| {
            set.rdatas.iter().map(move |rdata| Rr {
                owner: owner.clone(),
                rtype: set.rtype,
                ttl: set.ttl,
                rdata: rdata.bytes().to_vec(),
            })
        })
}

/// Answer messages being filled: a new one starts when the next record would not fit.
pub struct Stream {
    header: [u8; 4],
    question: Vec<u8>,
    limit: usize,
    done: Vec<Vec<u8>>,
    current: Vec<u8>,
}

impl Stream {
    /// Messages answering the request with `id` and `flags` (RD is copied), the first one
    /// echoing `question`; each at most `limit` bytes before its TSIG.
    pub fn new(id: u16, request_flags: u16, question: &[u8], limit: usize) -> Self {
        let flags = wire::QR | wire::AA | (request_flags & 0x0100);
        let mut header = [0u8; 4];
        header[..2].copy_from_slice(&id.to_be_bytes());
        header[2..].copy_from_slice(&flags.to_be_bytes());
        let mut stream = Self {
            header,
            question: question.to_vec(),
            limit: limit.saturating_sub(TSIG_ROOM).max(512),
            done: Vec::new(),
            current: Vec::new(),
        };
        stream.start();
        stream
    }

    fn start(&mut self) {
        self.current = Vec::with_capacity(self.limit.min(4096));
        self.current.extend_from_slice(&self.header);
        let with_question = self.done.is_empty();
        self.current
            .extend_from_slice(&u16::from(with_question).to_be_bytes());
        self.current.extend_from_slice(&[0; 6]);
        if with_question {
            self.current.extend_from_slice(&self.question);
        }
    }

    fn answers(&self) -> u16 {
        wire::u16_at(&self.current, 6).unwrap_or(0)
    }

    /// Appends one answer record.
    pub fn push(&mut self, rr: &Rr) {
        let len = record_len(&rr.owner, &rr.rdata);
        if self.answers() > 0 && self.current.len() + len > self.limit {
            let full = std::mem::take(&mut self.current);
            self.done.push(full);
            self.start();
        }
        put_record(
            &mut self.current,
            &rr.owner,
            rr.rtype,
            CLASS_IN,
            rr.ttl,
            &rr.rdata,
        );
        wire::bump_count(&mut self.current, 6, 1);
    }

    /// The messages, in order.
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        if self.current.len() > HEADER_LEN || self.done.is_empty() {
            self.done.push(self.current);
        }
        self.done
    }
}

/// The AXFR answer: SOA, every record, SOA again.
pub fn axfr(zone: &CompiledZone, stream: &mut Stream) -> bool {
    let Some(soa) = soa_of(zone) else {
        return false;
    };
    stream.push(&soa);
    // In name order, so two transfers of one version are the same bytes.
    let mut owners: Vec<&NameKey> = zone.nodes.keys().collect();
    owners.sort_unstable();
    for owner in owners {
        for rr in records_at(zone, owner) {
            stream.push(&rr);
        }
    }
    stream.push(&soa);
    true
}

/// The IXFR answer from `deltas` (RFC 1995 §4): the new SOA, then each delta as old SOA,
/// removed records, new SOA, added records, and the new SOA to close.
pub fn ixfr(current: &Rr, deltas: &[std::sync::Arc<Delta>], stream: &mut Stream) {
    stream.push(current);
    for delta in deltas {
        stream.push(&delta.from);
        delta.removed.iter().for_each(|rr| stream.push(rr));
        stream.push(&delta.to);
        delta.added.iter().for_each(|rr| stream.push(rr));
    }
    stream.push(current);
}

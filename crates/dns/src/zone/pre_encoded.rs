//! The answers written when the zone is compiled or patched: each node's positive answers,
//! and the answers moved under other names (a wildcard's, the zone's negative answer).

use cairn_wire::name::is_at_or_below;
use cairn_wire::{NameKey, Relocatable};

/// The positive answers of one node, written once when the zone is compiled or patched
/// (by [`crate::pre_encode`]) and reused byte for byte (NSD and Knot likewise answer from
/// pre-encoded wire data): for each plain RRset at the node without additional-section
/// targets (not NS, CNAME, MX or SRV), the answer, authority (the zone's NS) and additional
/// (their in-zone addresses) sections of the response to a query for exactly that name and
/// type.
///
/// Those sections depend on the node, the zone's apex NS and their addresses; a patch that
/// changes the apex NS or their addresses writes every node's answers again, so a
/// snapshot's answers are always those of its own zone data.
///
/// One exactly sized allocation, read in one go (every node of a large zone has one): a
/// count, a table of [`ENTRY_LEN`]-byte entries (type, the three section counts, where the
/// sections end), then the sections one after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreEncoded(Box<[u8]>);

/// type (2), answer/authority/additional counts (2 each), end of the sections (4).
const ENTRY_LEN: usize = 12;

/// Collects the answers of one node, then freezes them into a [`PreEncoded`].
#[derive(Debug, Default)]
pub struct PreEncodedBuilder {
    entries: Vec<(u16, [u16; 3], u32)>,
    bytes: Vec<u8>,
}

impl PreEncodedBuilder {
    /// Adds the answer to `rtype`: `sections`, everything after the question, with `counts`
    /// records in the answer, authority and additional sections.
    pub fn push(&mut self, rtype: u16, sections: &[u8], counts: [u16; 3]) {
        // A node has at most one RRset per type, so at most a few dozen answers, each at
        // most a 64 KiB message.
        if self.entries.len() == usize::from(u8::MAX) {
            return;
        }
        self.bytes.extend_from_slice(sections);
        self.entries.push((rtype, counts, self.bytes.len() as u32));
    }

    /// The answers, or `None` when none was added.
    pub fn finish(self) -> Option<PreEncoded> {
        if self.entries.is_empty() {
            return None;
        }
        let table = 1 + self.entries.len() * ENTRY_LEN;
        let mut out = Vec::with_capacity(table + self.bytes.len());
        out.push(self.entries.len() as u8);
        for (rtype, counts, end) in &self.entries {
            out.extend_from_slice(&rtype.to_be_bytes());
            for count in counts {
                out.extend_from_slice(&count.to_be_bytes());
            }
            out.extend_from_slice(&end.to_be_bytes());
        }
        out.extend_from_slice(&self.bytes);
        Some(PreEncoded(out.into_boxed_slice()))
    }
}

impl PreEncoded {
    /// The sections and counts of the answer for `rtype`, if there is one.
    pub fn answer(&self, rtype: u16) -> Option<(&[u8], [u16; 3])> {
        let b = &self.0;
        let count = usize::from(b[0]);
        let table = 1 + count * ENTRY_LEN;
        let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let end_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let mut start = 0;
        for n in 0..count {
            let e = 1 + n * ENTRY_LEN;
            let end = end_at(e + 8);
            if u16_at(e) == rtype {
                let counts = [u16_at(e + 2), u16_at(e + 4), u16_at(e + 6)];
                return Some((&b[table + start..table + end], counts));
            }
            start = end;
        }
        None
    }

    /// The types answered.
    pub fn rtypes(&self) -> impl Iterator<Item = u16> + '_ {
        let count = usize::from(self.0[0]);
        (0..count).map(|n| {
            let e = 1 + n * ENTRY_LEN;
            u16::from_be_bytes([self.0[e], self.0[e + 1]])
        })
    }
}

/// An answer written once for a template name, copied under each name it stands for with
/// its compression pointers moved ([`Relocatable`]): the zone's negative answer (its SOA)
/// for every NXDOMAIN and NODATA, a wildcard's answer for every name it synthesises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovableAnswer {
    answer: Relocatable,
    /// Every name the answer's records hold (owners and names in RDATA), lowercased.
    names: Box<[NameKey]>,
}

impl MovableAnswer {
    /// `answer`, whose records hold `names`.
    pub fn new(answer: Relocatable, names: Vec<NameKey>) -> Self {
        Self {
            answer,
            names: names.into_boxed_slice(),
        }
    }

    /// The answer to copy under `qname` (lowercase, in a zone whose apex is `apex_len` bytes
    /// long), or `None` when the written-out answer would compress differently there: a
    /// record name at or below a `qname` below the apex points into the question, which the
    /// template question did not offer.
    pub fn under(&self, qname: &[u8], apex_len: usize) -> Option<&Relocatable> {
        if qname.len() > apex_len && self.names.iter().any(|n| is_at_or_below(n, qname)) {
            return None;
        }
        Some(&self.answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_found_by_type_with_their_counts() {
        let mut b = PreEncodedBuilder::default();
        b.push(1, b"aaaa", [1, 2, 1]);
        b.push(16, b"tttttt", [1, 2, 0]);
        b.push(28, b"", [0, 0, 0]);
        let pre = b.finish().expect("answers");
        assert_eq!(pre.answer(1), Some((&b"aaaa"[..], [1, 2, 1])));
        assert_eq!(pre.answer(16), Some((&b"tttttt"[..], [1, 2, 0])));
        assert_eq!(pre.answer(28), Some((&b""[..], [0, 0, 0])));
        assert_eq!(pre.answer(15), None);
        assert_eq!(pre.rtypes().collect::<Vec<_>>(), [1, 16, 28]);
        assert_eq!(pre.0.len(), 1 + 3 * ENTRY_LEN + 10);
        assert_eq!(PreEncodedBuilder::default().finish(), None);
    }
}

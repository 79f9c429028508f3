//! The positive answers of one node, written when the zone is compiled or patched.

use smallvec::SmallVec;

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
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PreEncoded {
    // Usually one answer per node; the bytes exactly sized.
    answers: SmallVec<[PreEncodedAnswer; 1]>,
    bytes: Box<[u8]>,
}

/// Where one pre-encoded response body lies in [`PreEncoded`]'s bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreEncodedAnswer {
    rtype: u16,
    counts: [u16; 3],
    start: u32,
    end: u32,
}

/// Collects the answers of one node, then freezes them into a [`PreEncoded`].
#[derive(Debug, Default)]
pub struct PreEncodedBuilder {
    answers: SmallVec<[PreEncodedAnswer; 1]>,
    bytes: Vec<u8>,
}

impl PreEncodedBuilder {
    /// Adds the answer to `rtype`: `sections`, everything after the question, with `counts`
    /// records in the answer, authority and additional sections.
    pub fn push(&mut self, rtype: u16, sections: &[u8], counts: [u16; 3]) {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(sections);
        self.answers.push(PreEncodedAnswer {
            rtype,
            counts,
            start,
            end: self.bytes.len() as u32,
        });
    }

    /// The answers, or `None` when none was added.
    pub fn finish(self) -> Option<Box<PreEncoded>> {
        (!self.answers.is_empty()).then(|| {
            Box::new(PreEncoded {
                answers: self.answers,
                bytes: self.bytes.into_boxed_slice(),
            })
        })
    }
}

impl PreEncoded {
    /// The sections and counts of the answer for `rtype`, if there is one.
    pub fn answer(&self, rtype: u16) -> Option<(&[u8], [u16; 3])> {
        let answer = self.answers.iter().find(|a| a.rtype == rtype)?;
        Some((
            &self.bytes[answer.start as usize..answer.end as usize],
            answer.counts,
        ))
    }

    /// The types answered.
    pub fn rtypes(&self) -> impl Iterator<Item = u16> + '_ {
        self.answers.iter().map(|a| a.rtype)
    }
}

//! Building a response in place: header, the question as received, pre-encoded records,
//! name compression and truncation.

use crate::query::Query;
use crate::rdata::Rdata;

/// The sections after the question, in the order they must be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Answer.
    Answer = 0,
    /// Authority.
    Authority = 1,
    /// Additional.
    Additional = 2,
}

/// A record did not fit in the size limit; nothing of it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoom;

/// A position to roll back to (see [`ResponseWriter::mark`]).
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    len: usize,
    counts: [u16; 3],
    names: usize,
}

/// How many earlier name positions compression remembers.
const MAX_NAMES: usize = 48;
/// Size of an OPT record with no options.
const OPT_LEN: usize = 11;

/// Writes one response into a reused buffer.
pub struct ResponseWriter<'b> {
    buf: &'b mut Vec<u8>,
    limit: usize,
    reserve: usize,
    counts: [u16; 3],
    section: Section,
    names: [u16; MAX_NAMES],
    name_count: usize,
    rcode: u16,
}

impl<'b> ResponseWriter<'b> {
    /// Starts a response to `query`: id, opcode, RD and CD copied, QR set, the question
    /// copied byte for byte. `limit` is the largest message allowed (512, the EDNS payload,
    /// or 65535 on TCP); room for an OPT record is kept when the query had one.
    pub fn new(buf: &'b mut Vec<u8>, query: &Query<'_>, limit: usize) -> Self {
        let mut w = Self::header_only(buf, query, limit);
        w.buf[5] = 1; // QDCOUNT
        let question = query.question();
        w.buf.extend_from_slice(question);
        // Every label of the question name can be pointed to.
        let qname = query.qname();
        let mut pos = 0;
        while qname[pos] != 0 {
            w.remember(12 + pos);
            pos += 1 + qname[pos] as usize;
        }
        w
    }

    /// Starts a response with no question: for FORMERR, when the question cannot be read.
    pub fn header_only(buf: &'b mut Vec<u8>, query: &Query<'_>, limit: usize) -> Self {
        Self::from_header(buf, query.id, query.opcode, query.rd, query.cd, query.edns.is_some(), limit)
    }

    /// Starts a response from raw header fields.
    pub fn from_header(
        buf: &'b mut Vec<u8>,
        id: u16,
        opcode: u8,
        rd: bool,
        cd: bool,
        has_edns: bool,
        limit: usize,
    ) -> Self {
        buf.clear();
        let flags: u16 =
            0x8000 | (u16::from(opcode & 0xf) << 11) | (u16::from(rd) << 8) | (u16::from(cd) << 4);
        buf.extend_from_slice(&id.to_be_bytes());
        buf.extend_from_slice(&flags.to_be_bytes());
        buf.extend_from_slice(&[0; 8]);
        Self {
            buf,
            limit: limit.max(12),
            reserve: if has_edns { OPT_LEN } else { 0 },
            counts: [0; 3],
            section: Section::Answer,
            names: [0; MAX_NAMES],
            name_count: 0,
            rcode: 0,
        }
    }

    /// Sets the response code (values above 15 go into the OPT record).
    pub fn set_rcode(&mut self, rcode: u16) {
        self.rcode = rcode;
    }

    /// Sets or clears AA.
    pub fn set_aa(&mut self, on: bool) {
        self.set_flag(0x0400, on);
    }

    /// Sets or clears TC.
    pub fn set_tc(&mut self, on: bool) {
        self.set_flag(0x0200, on);
    }

    /// Sets or clears RA.
    pub fn set_ra(&mut self, on: bool) {
        self.set_flag(0x0080, on);
    }

    fn set_flag(&mut self, bit: u16, on: bool) {
        let mut flags = u16::from_be_bytes([self.buf[2], self.buf[3]]);
        if on {
            flags |= bit;
        } else {
            flags &= !bit;
        }
        self.buf[2..4].copy_from_slice(&flags.to_be_bytes());
    }

    /// The current position, to roll back a whole RRset that did not fit.
    pub fn mark(&self) -> Mark {
        Mark { len: self.buf.len(), counts: self.counts, names: self.name_count }
    }

    /// Forgets everything written after `mark`.
    pub fn rollback(&mut self, mark: Mark) {
        self.buf.truncate(mark.len);
        self.counts = mark.counts;
        self.name_count = mark.names;
    }

    /// How many records a section holds so far.
    pub fn count(&self, section: Section) -> u16 {
        self.counts[section as usize]
    }

    /// Appends one record. `owner` is an uncompressed wire name; names are compressed
    /// against everything written before. Sections must come in order.
    pub fn push_rr(
        &mut self,
        section: Section,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        rdata: &Rdata,
    ) -> Result<(), NoRoom> {
        debug_assert!(section >= self.section, "sections are written in order");
        self.section = section;
        let mark = self.mark();
        self.write_name(owner);
        self.buf.extend_from_slice(&rtype.to_be_bytes());
        self.buf.extend_from_slice(&crate::CLASS_IN.to_be_bytes());
        self.buf.extend_from_slice(&ttl.to_be_bytes());
        let rdlen_at = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        let bytes = rdata.bytes();
        let mut copied = 0;
        for &(start, end) in rdata.names() {
            let (start, end) = (start as usize, end as usize);
            self.buf.extend_from_slice(&bytes[copied..start]);
            self.write_name(&bytes[start..end]);
            copied = end;
        }
        self.buf.extend_from_slice(&bytes[copied..]);
        let rdlen = (self.buf.len() - rdlen_at - 2) as u16;
        self.buf[rdlen_at..rdlen_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        if self.buf.len() + self.reserve > self.limit {
            self.rollback(mark);
            return Err(NoRoom);
        }
        self.counts[section as usize] += 1;
        Ok(())
    }

    /// Drops every record after the question (used before setting TC).
    pub fn clear_records(&mut self) {
        let question_end = self.question_end();
        self.buf.truncate(question_end);
        self.counts = [0; 3];
        self.section = Section::Answer;
        // Only names inside the question stay valid targets.
        let keep = self.names[..self.name_count].iter().take_while(|&&o| (o as usize) < question_end).count();
        self.name_count = keep;
    }

    fn question_end(&self) -> usize {
        if self.buf[5] == 0 {
            return 12;
        }
        let mut pos = 12;
        while self.buf[pos] != 0 {
            pos += 1 + self.buf[pos] as usize;
        }
        pos + 5
    }

    /// Writes the counts, the rcode and, when the query had EDNS, an OPT record advertising
    /// `udp_payload`; returns the finished message.
    pub fn finish(self, edns: Option<(u16, bool)>) -> &'b [u8] {
        let Self { buf, counts, rcode, .. } = self;
        buf[3] = (buf[3] & 0xf0) | (rcode & 0xf) as u8;
        buf[6..8].copy_from_slice(&counts[0].to_be_bytes());
        buf[8..10].copy_from_slice(&counts[1].to_be_bytes());
        let mut arcount = counts[2];
        if let Some((payload, dnssec_ok)) = edns {
            buf.push(0);
            buf.extend_from_slice(&crate::rtype::OPT.to_be_bytes());
            buf.extend_from_slice(&payload.to_be_bytes());
            buf.push((rcode >> 4) as u8);
            buf.push(0); // version 0
            buf.push(if dnssec_ok { 0x80 } else { 0 });
            buf.push(0);
            buf.extend_from_slice(&[0, 0]);
            arcount += 1;
        }
        buf[10..12].copy_from_slice(&arcount.to_be_bytes());
        buf
    }

    /// Writes `name`, pointing to the longest suffix already in the message.
    fn write_name(&mut self, name: &[u8]) {
        let mut pos = 0;
        while name[pos] != 0 {
            if let Some(target) = self.find(&name[pos..]) {
                self.buf.extend_from_slice(&(0xc000 | target).to_be_bytes());
                return;
            }
            let here = self.buf.len();
            let len = name[pos] as usize;
            self.buf.extend_from_slice(&name[pos..pos + 1 + len]);
            self.remember(here);
            pos += 1 + len;
        }
        self.buf.push(0);
    }

    fn remember(&mut self, offset: usize) {
        if offset < 0x3fff && self.name_count < MAX_NAMES {
            self.names[self.name_count] = offset as u16;
            self.name_count += 1;
        }
    }

    /// An earlier position holding `suffix` (case-insensitively).
    fn find(&self, suffix: &[u8]) -> Option<u16> {
        self.names[..self.name_count]
            .iter()
            .copied()
            .find(|&o| self.equals_at(o as usize, suffix))
    }

    /// Whether the (possibly compressed) name at `pos` equals `name`.
    fn equals_at(&self, mut pos: usize, name: &[u8]) -> bool {
        let buf = &self.buf[..];
        let mut i = 0;
        let mut hops = 0;
        loop {
            let len = buf[pos];
            if len & 0xc0 == 0xc0 {
                hops += 1;
                if hops > 64 {
                    return false;
                }
                pos = (usize::from(len & 0x3f) << 8) | usize::from(buf[pos + 1]);
                continue;
            }
            if len != name[i] {
                return false;
            }
            if len == 0 {
                return true;
            }
            let l = len as usize;
            if !buf[pos + 1..pos + 1 + l].eq_ignore_ascii_case(&name[i + 1..i + 1 + l]) {
                return false;
            }
            pos += 1 + l;
            i += 1 + l;
        }
    }
}

//! Building a response in place: header, the question as received, pre-encoded records,
//! name compression and truncation.

use crate::header::ReplyHeader;
use crate::query::{ClientSubnet, Query, OPTION_ECS};

/// EDNS option code of Extended DNS Errors (RFC 8914 §2).
const OPTION_EDE: u16 = 15;
use crate::rcode::Rcode;
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

/// An answer's sections written once, after a template question, to be copied under
/// other question names ([`ResponseWriter::push_relocated`]): a negative answer's SOA under
/// any name in the zone, a wildcard's records under any name it stands for.
///
/// It holds because the writer compressed against nothing in the question but the whole
/// name and the suffixes from the apex up
/// ([`ResponseWriter::compress_question_from`]), which every question name in the zone
/// has, at offsets that differ only by the names' difference in length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relocatable {
    sections: Box<[u8]>,
    counts: [u16; 3],
    /// The template question name's length.
    template_len: u8,
    /// Where the pointers to move are, from the start of `sections`.
    moves: Box<[u16]>,
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
    /// The wire length of the (uncompressed) name at each of `names`: a suffix whose length
    /// differs cannot match, so [`find`](Self::find) compares bytes only when it is equal.
    name_lens: [u8; MAX_NAMES],
    name_count: usize,
    /// How many of `names` are the question's (they come first).
    question_names: usize,
    /// Whether the question's names are in `names`: done when the first name is written, as
    /// answers copied whole (pre-encoded) never compress.
    question_remembered: bool,
    /// The question name's suffixes this long or shorter are compression targets, besides
    /// the whole name (see [`compress_question_from`](Self::compress_question_from)).
    question_targets_len: usize,
    /// Where each compression pointer was written, when the caller asked
    /// ([`log_pointers`](Self::log_pointers)).
    pointers: Option<Vec<u16>>,
    rcode: Rcode,
    ecs: Option<ClientSubnet>,
    /// An Extended DNS Error option (RFC 8914) for the OPT record: INFO-CODE, EXTRA-TEXT.
    ede: Option<(u16, String)>,
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
        w.question_targets_len = query.qname().len();
        w
    }

    /// Makes only the whole question name and its suffixes `apex_len` bytes long or shorter
    /// (the zone's apex and above) compression targets in the question, not the names
    /// between. An authoritative answer then compresses the same whatever the labels below
    /// the apex are, which lets an answer written once for one name be moved under another
    /// ([`push_relocated`](Self::push_relocated)). Call it before writing any record.
    pub fn compress_question_from(&mut self, apex_len: usize) {
        debug_assert!(!self.question_remembered, "before any name is written");
        self.question_targets_len = apex_len;
    }

    /// Records where every compression pointer goes from now on, for
    /// [`relocatable_sections`](Self::relocatable_sections). Off by default: only answers
    /// written ahead of time need it.
    pub fn log_pointers(&mut self) {
        self.pointers = Some(Vec::new());
    }

    /// Remembers the question's labels as targets, once, before the first name is written.
    fn remember_question(&mut self) {
        if self.buf[5] == 0 {
            return;
        }
        let qname_len = {
            let mut pos = 12;
            while self.buf[pos] != 0 {
                pos += 1 + self.buf[pos] as usize;
            }
            pos + 1 - 12
        };
        let mut pos = 0;
        while self.buf[12 + pos] != 0 {
            let len = qname_len - pos;
            if pos == 0 || len <= self.question_targets_len {
                self.remember(12 + pos, len);
            }
            pos += 1 + self.buf[12 + pos] as usize;
        }
        self.question_names = self.name_count;
        self.question_remembered = true;
    }

    /// Starts a response with no question: for FORMERR, when the question cannot be read.
    pub fn header_only(buf: &'b mut Vec<u8>, query: &Query<'_>, limit: usize) -> Self {
        Self::from_header(
            buf,
            ReplyHeader::of_query(query),
            query.edns.is_some(),
            limit,
        )
    }

    /// Starts a response from the header fields it copies.
    pub fn from_header(
        buf: &'b mut Vec<u8>,
        header: ReplyHeader,
        has_edns: bool,
        limit: usize,
    ) -> Self {
        header.write(buf, false, Rcode::NoError);
        Self {
            buf,
            limit: limit.max(12),
            reserve: if has_edns { OPT_LEN } else { 0 },
            counts: [0; 3],
            section: Section::Answer,
            names: [0; MAX_NAMES],
            name_lens: [0; MAX_NAMES],
            name_count: 0,
            question_names: 0,
            question_remembered: false,
            question_targets_len: 0,
            pointers: None,
            rcode: Rcode::NoError,
            ecs: None,
            ede: None,
        }
    }

    /// Echoes the query's Client Subnet option in the OPT record [`finish`](Self::finish)
    /// writes (RFC 7871 §7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as received, SCOPE
    /// PREFIX-LENGTH from [`set_ecs_scope`](Self::set_ecs_scope), 0 until then), and keeps
    /// room for it. Call it before pushing records.
    pub fn echo_ecs(&mut self, ecs: ClientSubnet) {
        if self.reserve > 0 {
            let previous = self.ecs.map_or(0, |e| e.option_len());
            self.reserve = self.reserve - previous + ecs.option_len();
        }
        self.ecs = Some(ecs.with_scope(0));
    }

    /// Sets the SCOPE PREFIX-LENGTH of the echoed Client Subnet option, if there is one.
    pub fn set_ecs_scope(&mut self, scope_prefix: u8) {
        if let Some(ecs) = &mut self.ecs {
            ecs.scope_prefix = scope_prefix;
        }
    }

    /// Sets the response code (values above 15 go into the OPT record).
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.rcode = rcode;
    }

    /// Sets or clears AA.
    pub fn set_aa(&mut self, on: bool) {
        self.set_flag(0x0400, on);
    }

    /// Sets or clears AD (RFC 4035 §3.2.3: the answer validated).
    pub fn set_ad(&mut self, on: bool) {
        self.set_flag(0x0020, on);
    }

    /// Adds an Extended DNS Error (RFC 8914) to the OPT record, when the query had one,
    /// and keeps room for it. Call it before pushing records.
    pub fn set_ede(&mut self, info_code: u16, extra_text: &str) {
        if self.reserve > 0 {
            let previous = self.ede.as_ref().map_or(0, |(_, t)| 6 + t.len());
            self.reserve = self.reserve - previous + 6 + extra_text.len();
        }
        self.ede = Some((info_code, extra_text.to_string()));
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
        Mark {
            len: self.buf.len(),
            counts: self.counts,
            names: self.name_count,
        }
    }

    /// Forgets everything written after `mark`.
    pub fn rollback(&mut self, mark: Mark) {
        self.buf.truncate(mark.len);
        self.counts = mark.counts;
        // The question's names stay, even when remembered after the mark was taken.
        self.name_count = mark.names.max(self.question_names);
        if let Some(pointers) = &mut self.pointers {
            pointers.retain(|&p| usize::from(p) < mark.len);
        }
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

    /// Appends records encoded earlier by a writer for the same question name (the same
    /// length, any case): `sections` is everything that writer wrote after the question,
    /// `counts` its answer, authority and additional counts. Its compression pointers
    /// point into the question and into `sections` itself, so they hold here too. All or
    /// nothing: [`NoRoom`] when it would pass the size limit. Must come before any record.
    pub fn push_encoded(&mut self, sections: &[u8], counts: [u16; 3]) -> Result<(), NoRoom> {
        debug_assert!(self.counts == [0; 3], "pre-encoded sections come first");
        if self.buf.len() + sections.len() + self.reserve > self.limit {
            return Err(NoRoom);
        }
        self.buf.extend_from_slice(sections);
        self.counts = counts;
        self.section = Section::Additional;
        Ok(())
    }

    /// The encoded sections after the question, and their counts, of a response that
    /// [`finish`](Self::finish) has not yet completed: what [`push_encoded`](Self::push_encoded)
    /// takes. `None` when TC is set (a truncated response is never reused).
    pub fn encoded_sections(&self) -> Option<(&[u8], [u16; 3])> {
        if self.buf[2] & 0x02 != 0 {
            return None;
        }
        Some((&self.buf[self.question_end()..], self.counts))
    }

    /// The sections written after the question as a [`Relocatable`] answer, which
    /// [`push_relocated`](Self::push_relocated) copies under another question name. Needs
    /// [`log_pointers`](Self::log_pointers) and
    /// [`compress_question_from`](Self::compress_question_from) (the apex) before the first
    /// record. `None` when TC is set, or when other than exactly `qname_pointers` pointers
    /// point at the whole question name: those stand for the name asked (a wildcard's owner),
    /// any other would be a record naming the template itself.
    pub fn relocatable(&self, qname_pointers: usize) -> Option<Relocatable> {
        let pointers = self.pointers.as_ref()?;
        let (sections, counts) = self.encoded_sections()?;
        let start = self.buf.len() - sections.len();
        let qname_len = self.question_end() - 4 - 12;
        // Targets move by at most 255 bytes; keep them all below the 14-bit limit.
        if self.buf.len() + 255 >= 0x3fff {
            return None;
        }
        let target = |p: u16| {
            let p = usize::from(p);
            u16::from_be_bytes([self.buf[p], self.buf[p + 1]]) & 0x3fff
        };
        let at_qname = pointers.iter().filter(|&&p| target(p) == 12).count();
        if at_qname != qname_pointers {
            return None;
        }
        let moves = pointers
            .iter()
            .filter(|&&p| target(p) != 12)
            .map(|&p| (usize::from(p) - start) as u16)
            .collect();
        Some(Relocatable {
            sections: sections.into(),
            counts,
            template_len: qname_len as u8,
            moves,
        })
    }

    /// Appends `answer` (see [`relocatable`](Self::relocatable)) after this writer's
    /// question: the bytes copied, each pointer past the question name's first byte moved by
    /// the difference in length between this question name and the template's. All or
    /// nothing: [`NoRoom`] when it would pass the size limit. Must come before any record.
    pub fn push_relocated(&mut self, answer: &Relocatable) -> Result<(), NoRoom> {
        let start = self.buf.len();
        self.push_encoded(&answer.sections, answer.counts)?;
        let delta = self.question_end() as isize - 4 - 12 - isize::from(answer.template_len);
        for &at in answer.moves.iter() {
            let at = start + usize::from(at);
            let pointer = u16::from_be_bytes([self.buf[at], self.buf[at + 1]]);
            let target = (pointer & 0x3fff) as isize + delta;
            self.buf[at..at + 2].copy_from_slice(&(0xc000 | target as u16).to_be_bytes());
        }
        Ok(())
    }

    /// Drops every record after the question (used before setting TC).
    pub fn clear_records(&mut self) {
        let question_end = self.question_end();
        self.buf.truncate(question_end);
        self.counts = [0; 3];
        self.section = Section::Answer;
        // Only names inside the question stay valid targets.
        let keep = self.names[..self.name_count]
            .iter()
            .take_while(|&&o| (o as usize) < question_end)
            .count();
        self.name_count = keep;
        if let Some(pointers) = &mut self.pointers {
            pointers.clear();
        }
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
    /// `udp_payload` (with the Client Subnet option given to [`echo_ecs`](Self::echo_ecs));
    /// returns the finished message.
    pub fn finish(self, edns: Option<(u16, bool)>) -> &'b [u8] {
        let Self {
            buf,
            counts,
            rcode,
            ecs,
            ede,
            ..
        } = self;
        buf[3] = (buf[3] & 0xf0) | rcode.header_bits();
        buf[6..8].copy_from_slice(&counts[0].to_be_bytes());
        buf[8..10].copy_from_slice(&counts[1].to_be_bytes());
        let mut arcount = counts[2];
        if let Some((payload, dnssec_ok)) = edns {
            buf.push(0);
            buf.extend_from_slice(&crate::rtype::OPT.to_be_bytes());
            buf.extend_from_slice(&payload.to_be_bytes());
            buf.push(rcode.extended_bits());
            buf.push(0); // version 0
            buf.push(if dnssec_ok { 0x80 } else { 0 });
            buf.push(0);
            let ede_len = ede.as_ref().map_or(0, |(_, text)| 6 + text.len());
            let rdlen = ecs.map_or(0, |e| e.option_len()) + ede_len;
            buf.extend_from_slice(&(rdlen as u16).to_be_bytes());
            if let Some(ecs) = ecs {
                let data_len = ecs.option_len() - 4;
                buf.extend_from_slice(&OPTION_ECS.to_be_bytes());
                buf.extend_from_slice(&(data_len as u16).to_be_bytes());
                buf.extend_from_slice(&ecs.family.to_be_bytes());
                buf.push(ecs.source_prefix);
                buf.push(ecs.scope_prefix);
                buf.extend_from_slice(ecs.address_bytes());
            }
            if let Some((code, text)) = &ede {
                buf.extend_from_slice(&OPTION_EDE.to_be_bytes());
                buf.extend_from_slice(&((2 + text.len()) as u16).to_be_bytes());
                buf.extend_from_slice(&code.to_be_bytes());
                buf.extend_from_slice(text.as_bytes());
            }
            arcount += 1;
        }
        buf[10..12].copy_from_slice(&arcount.to_be_bytes());
        buf
    }

    /// Writes `name`, pointing to the longest suffix already in the message. The labels
    /// written become compression targets only once the whole name is in the buffer: an
    /// unfinished name has no end, so comparing against it (a name with two equal labels in
    /// a row, `a.a.example.`) would run off the buffer.
    fn write_name(&mut self, name: &[u8]) {
        if !self.question_remembered {
            self.remember_question();
        }
        let start = self.buf.len();
        let mut pos = 0;
        while name[pos] != 0 {
            if let Some(target) = self.find(&name[pos..]) {
                // The labels written so far lie uncompressed at `start..`, one after another.
                if let Some(pointers) = &mut self.pointers {
                    pointers.push(self.buf.len() as u16);
                }
                self.buf.extend_from_slice(&(0xc000 | target).to_be_bytes());
                self.remember_labels(start, pos, name.len());
                return;
            }
            let len = name[pos] as usize;
            self.buf.extend_from_slice(&name[pos..pos + 1 + len]);
            pos += 1 + len;
        }
        self.buf.push(0);
        self.remember_labels(start, pos, name.len());
    }

    /// Remembers each label of the `len` uncompressed bytes of labels written at `start`,
    /// the first bytes of a name `name_len` bytes long.
    fn remember_labels(&mut self, start: usize, len: usize, name_len: usize) {
        let mut pos = 0;
        while pos < len {
            self.remember(start + pos, name_len - pos);
            pos += 1 + self.buf[start + pos] as usize;
        }
    }

    /// Remembers that a name `name_len` bytes long (uncompressed) starts at `offset`.
    fn remember(&mut self, offset: usize, name_len: usize) {
        if offset < 0x3fff && self.name_count < MAX_NAMES {
            self.names[self.name_count] = offset as u16;
            // A wire name is at most 255 bytes.
            self.name_lens[self.name_count] = name_len as u8;
            self.name_count += 1;
        }
    }

    /// An earlier position holding `suffix` (case-insensitively).
    fn find(&self, suffix: &[u8]) -> Option<u16> {
        let len = suffix.len() as u8;
        (0..self.name_count)
            .filter(|&i| self.name_lens[i] == len)
            .map(|i| self.names[i])
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
            let (a, b) = (&buf[pos + 1..pos + 1 + l], &name[i + 1..i + 1 + l]);
            // Names usually match in case as well (zone data is lowercase, and so are most
            // questions): a plain comparison first, byte by byte case-folding only when that
            // fails (it cost an eighth of all instructions when always done).
            if a != b && !a.eq_ignore_ascii_case(b) {
                return false;
            }
            pos += 1 + l;
            i += 1 + l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with equal labels in a row (`a.a.example.`) used to be compared against
    /// themselves half-written, which ran off the buffer (a panic, so SERVFAIL).
    #[test]
    fn names_with_repeated_labels_compress_and_parse_back() {
        use hickory_proto::op::Message;
        use hickory_proto::serialize::binary::BinDecodable;
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        q.extend_from_slice(b"\x01x\x07example\x03com\x00\x00\x05\x00\x01");
        let query = Query::parse(&q).unwrap();
        let mut buf = Vec::new();
        let mut w = ResponseWriter::new(&mut buf, &query, 4096);
        let targets: [&[u8]; 4] = [
            b"\x01a\x01a\x07example\x03net\x00",
            b"\x01a\x01a\x01a\x07example\x03net\x00",
            b"\x0220\x0220\x0210\x07in-addr\x04arpa\x00",
            b"\x01x\x01x\x07example\x03com\x00",
        ];
        for target in targets {
            let rdata = Rdata::new(crate::rtype::CNAME, target.to_vec()).unwrap();
            w.push_rr(
                Section::Answer,
                b"\x01x\x07example\x03com\x00",
                crate::rtype::CNAME,
                60,
                &rdata,
            )
            .unwrap();
            w.push_rr(Section::Answer, target, crate::rtype::CNAME, 60, &rdata)
                .unwrap();
        }
        let out = w.finish(None).to_vec();
        let parsed = Message::from_bytes(&out).expect("the response parses");
        let names: Vec<String> = parsed.answers.iter().map(|r| r.name.to_ascii()).collect();
        assert_eq!(
            names,
            [
                "x.example.com.",
                "a.a.example.net.",
                "x.example.com.",
                "a.a.a.example.net.",
                "x.example.com.",
                "20.20.10.in-addr.arpa.",
                "x.example.com.",
                "x.x.example.com."
            ]
        );
    }

    /// `www.example.com A` with an OPT record holding an ECS option for 198.51.100.0/24.
    fn ecs_query() -> Vec<u8> {
        let mut b = vec![0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
        b.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        b.extend_from_slice(&[0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 11]);
        b.extend_from_slice(&[0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100]);
        b
    }

    #[test]
    fn finish_echoes_ecs_with_the_scope() {
        let msg = ecs_query();
        let query = Query::parse(&msg).unwrap();
        let ecs = query.ecs.expect("the query has ECS");
        let mut buf = Vec::new();
        let mut w = ResponseWriter::new(&mut buf, &query, 512);
        w.echo_ecs(ecs);
        w.set_ecs_scope(24);
        let out = w.finish(Some((4096, false))).to_vec();
        // The OPT record ends the message: owner, type, payload, ext-rcode/version/flags,
        // RDLEN 11, then the option: code 8, length 7, family 1, source 24, scope 24, address.
        let opt = &out[out.len() - 22..];
        assert_eq!(
            opt,
            &[0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 11, 0, 8, 0, 7, 0, 1, 24, 24, 198, 51, 100]
        );
        assert_eq!(u16::from_be_bytes([out[10], out[11]]), 1);
        let parsed = opt_scope(&out);
        assert_eq!(parsed, 24);
    }

    #[test]
    fn scope_defaults_to_zero_and_no_echo_without_edns() {
        let msg = ecs_query();
        let query = Query::parse(&msg).unwrap();
        let mut buf = Vec::new();
        let mut w = ResponseWriter::new(&mut buf, &query, 512);
        w.echo_ecs(query.ecs.unwrap());
        let out = w.finish(Some((4096, false))).to_vec();
        assert_eq!(opt_scope(&out), 0);
        let mut w = ResponseWriter::new(&mut buf, &query, 512);
        w.echo_ecs(query.ecs.unwrap());
        let out = w.finish(None).to_vec();
        assert_eq!(out.len(), msg.len() - 22, "no OPT record at all");
    }

    #[test]
    fn room_is_kept_for_the_echoed_option() {
        let msg = ecs_query();
        let query = Query::parse(&msg).unwrap();
        let question_end = msg.len() - 22;
        let rdata = Rdata::new(16, vec![0u8; 20]).expect("TXT-typed opaque bytes");
        // A limit that fits one 20-byte record after the question, with the bare OPT but
        // not with the ECS option as well.
        let record = 2 + 10 + 20;
        let limit = question_end + record + OPT_LEN;
        let mut buf = Vec::new();
        let mut w = ResponseWriter::new(&mut buf, &query, limit);
        assert!(w
            .push_rr(
                Section::Answer,
                b"\x03www\x07example\x03com\x00",
                16,
                60,
                &rdata
            )
            .is_ok());
        let mut w = ResponseWriter::new(&mut buf, &query, limit);
        w.echo_ecs(query.ecs.unwrap());
        assert_eq!(
            w.push_rr(
                Section::Answer,
                b"\x03www\x07example\x03com\x00",
                16,
                60,
                &rdata
            ),
            Err(NoRoom)
        );
        let mut w = ResponseWriter::new(&mut buf, &query, limit + 11);
        w.echo_ecs(query.ecs.unwrap());
        assert!(w
            .push_rr(
                Section::Answer,
                b"\x03www\x07example\x03com\x00",
                16,
                60,
                &rdata
            )
            .is_ok());
        assert_eq!(w.finish(Some((4096, false))).len(), limit + 11);
    }

    /// The SCOPE PREFIX-LENGTH of the ECS option in the OPT record that ends `msg`.
    fn opt_scope(msg: &[u8]) -> u8 {
        let opt = &msg[msg.len() - 22..];
        assert_eq!(&opt[..3], &[0, 0, 41]);
        assert_eq!(&opt[11..13], &[0, 8]);
        opt[18]
    }
}

//! The one place a reply's header is written: from the query's header fields, so that every
//! reply (a full answer, or FORMERR / SERVFAIL when nothing else can be read) copies the same
//! bits the same way.

use crate::query::Query;
use crate::rcode::Rcode;

/// Header flag bits.
const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;
const CD: u16 = 0x0010;

/// What a reply copies from the query's header: id, opcode, RD and CD (RFC 1035 §4.1.1,
/// RFC 6840 §5.9 for CD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyHeader {
    /// Message id.
    pub id: u16,
    /// Opcode.
    pub opcode: u8,
    /// Recursion desired.
    pub rd: bool,
    /// Checking disabled.
    pub cd: bool,
}

impl ReplyHeader {
    /// The header fields of a received message, or `None` when it must not be answered at
    /// all: shorter than a header, or a response (QR=1; answering it would loop).
    pub fn of_message(msg: &[u8]) -> Option<Self> {
        if msg.len() < 12 {
            return None;
        }
        let flags = u16::from_be_bytes([msg[2], msg[3]]);
        if flags & QR != 0 {
            return None;
        }
        Some(Self {
            id: u16::from_be_bytes([msg[0], msg[1]]),
            opcode: ((flags >> 11) & 0xf) as u8,
            rd: flags & RD != 0,
            cd: flags & CD != 0,
        })
    }

    /// The header fields of a parsed query.
    pub fn of_query(query: &Query<'_>) -> Self {
        Self {
            id: query.id,
            opcode: query.opcode,
            rd: query.rd,
            cd: query.cd,
        }
    }

    /// Clears `out` and writes a 12-byte reply header: QR=1, the copied fields, RA as given,
    /// the low bits of `rcode`, every count 0.
    pub fn write(&self, out: &mut Vec<u8>, ra: bool, rcode: Rcode) {
        out.clear();
        let flags = QR
            | (u16::from(self.opcode & 0xf) << 11)
            | (u16::from(self.rd) * RD)
            | (u16::from(ra) * RA)
            | (u16::from(self.cd) * CD)
            | u16::from(rcode.header_bits());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&[0; 8]);
    }
}

/// A header-only reply to `msg` with `rcode` (no question, no OPT): what is left to say when
/// the question cannot be read (FORMERR) or answering it failed (SERVFAIL). `false` (and
/// `out` untouched) when `msg` must not be answered at all.
pub fn write_header_only(msg: &[u8], rcode: Rcode, out: &mut Vec<u8>) -> bool {
    match ReplyHeader::of_message(msg) {
        Some(header) => {
            header.write(out, false, rcode);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_only_reply_copies_id_opcode_rd_and_cd() {
        // id 0x1234, opcode 2 (STATUS), RD, AD and CD set, one question claimed.
        let msg = [0x12, 0x34, 0x11, 0x30, 0, 1, 0, 0, 0, 0, 0, 0, 0xff];
        let mut out = vec![9; 40];
        assert!(write_header_only(&msg, Rcode::FormErr, &mut out));
        assert_eq!(out, [0x12, 0x34, 0x91, 0x11, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(write_header_only(&msg, Rcode::ServFail, &mut out));
        assert_eq!(out[3], 0x12);
    }

    #[test]
    fn responses_and_short_messages_get_nothing() {
        let mut out = vec![7];
        assert!(!write_header_only(&[0; 11], Rcode::FormErr, &mut out));
        let response = [0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(!write_header_only(&response, Rcode::FormErr, &mut out));
        assert_eq!(out, [7]);
    }

    #[test]
    fn ra_and_extended_rcodes() {
        let header = ReplyHeader {
            id: 1,
            opcode: 0,
            rd: false,
            cd: false,
        };
        let mut out = Vec::new();
        header.write(&mut out, true, Rcode::BadVers);
        // RA set; BADVERS's low four bits are 0 (the rest goes into OPT).
        assert_eq!(&out[2..4], &[0x80, 0x80]);
    }
}

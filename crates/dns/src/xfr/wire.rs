//! The little wire reading and writing zone transfers need beyond `cairn_wire`'s query path:
//! whole messages with several sections, compressed names in requests, and records written
//! uncompressed into responses.

/// Header flags and sizes.
pub const HEADER_LEN: usize = 12;
/// QR: a response.
pub const QR: u16 = 0x8000;
/// AA: an authoritative answer.
pub const AA: u16 = 0x0400;
/// The opcode of a NOTIFY (RFC 1996).
pub const OPCODE_NOTIFY: u8 = 4;
/// Class IN.
pub const CLASS_IN: u16 = 1;
/// Class ANY (TSIG records carry it).
pub const CLASS_ANY: u16 = 255;

/// A message's section counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Questions.
    pub qd: u16,
    /// Answers.
    pub an: u16,
    /// Authority records.
    pub ns: u16,
    /// Additional records.
    pub ar: u16,
}

impl Counts {
    /// The counts of `msg` (at least a header long).
    pub fn of(msg: &[u8]) -> Option<Self> {
        let word = |i: usize| Some(u16::from_be_bytes([*msg.get(i)?, *msg.get(i + 1)?]));
        Some(Self {
            qd: word(4)?,
            an: word(6)?,
            ns: word(8)?,
            ar: word(10)?,
        })
    }
}

/// The 16-bit word at `pos`.
pub fn u16_at(msg: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*msg.get(pos)?, *msg.get(pos + 1)?]))
}

/// The 32-bit word at `pos`.
pub fn u32_at(msg: &[u8], pos: usize) -> Option<u32> {
    let b = msg.get(pos..pos + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the name at `pos` (compression allowed), lowercased and uncompressed; returns it and
/// the offset just after it in place.
pub fn read_name(msg: &[u8], mut pos: usize) -> Option<(Vec<u8>, usize)> {
    let mut name = Vec::with_capacity(32);
    let mut end = None;
    // Each pointer must go backwards, so a loop cannot trap us.
    let mut limit = pos;
    loop {
        let len = *msg.get(pos)?;
        match len {
            0 => {
                name.push(0);
                return (name.len() <= 255).then(|| (name, end.unwrap_or(pos + 1)));
            }
            1..=63 => {
                let label = msg.get(pos + 1..pos + 1 + usize::from(len))?;
                name.push(len);
                name.extend(label.iter().map(u8::to_ascii_lowercase));
                if name.len() > 255 {
                    return None;
                }
                pos += 1 + usize::from(len);
            }
            0xc0..=0xff => {
                let target = usize::from(u16_at(msg, pos)? & 0x3fff);
                if target >= limit {
                    return None;
                }
                end.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            _ => return None,
        }
    }
}

/// The offset just after the record at `pos`, and where its type and RDATA are.
pub fn skip_record(msg: &[u8], pos: usize) -> Option<RecordAt> {
    let (_, name_end) = read_name(msg, pos)?;
    let rtype = u16_at(msg, name_end)?;
    let rdlen = usize::from(u16_at(msg, name_end + 8)?);
    let rdata = name_end + 10;
    let end = rdata + rdlen;
    (end <= msg.len()).then_some(RecordAt {
        start: pos,
        rtype,
        rdata,
        end,
    })
}

/// Where a record lies in a message.
#[derive(Debug, Clone, Copy)]
pub struct RecordAt {
    /// Its first byte (the owner name).
    pub start: usize,
    /// Its type.
    pub rtype: u16,
    /// Its RDATA's first byte.
    pub rdata: usize,
    /// The offset just after it.
    pub end: usize,
}

/// The offset just after the question section (every question skipped).
pub fn skip_questions(msg: &[u8], count: u16) -> Option<usize> {
    let mut pos = HEADER_LEN;
    for _ in 0..count {
        let (_, end) = read_name(msg, pos)?;
        pos = end + 4;
        if pos > msg.len() {
            return None;
        }
    }
    Some(pos)
}

/// Appends a record with an uncompressed owner.
pub fn put_record(out: &mut Vec<u8>, owner: &[u8], rtype: u16, class: u16, ttl: u32, rdata: &[u8]) {
    out.extend_from_slice(owner);
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

/// Bytes a record takes when written by [`put_record`].
pub fn record_len(owner: &[u8], rdata: &[u8]) -> usize {
    owner.len() + 10 + rdata.len()
}

/// Adds `by` to the 16-bit count at `offset` of the header (6 = answers, 10 = additional).
pub fn bump_count(msg: &mut [u8], offset: usize, by: u16) {
    let count = u16::from_be_bytes([msg[offset], msg[offset + 1]]).wrapping_add(by);
    msg[offset..offset + 2].copy_from_slice(&count.to_be_bytes());
}

/// The SOA serial in an SOA RDATA (two uncompressed names, then the serial).
pub fn soa_serial(rdata: &[u8]) -> Option<u32> {
    let mut pos = 0;
    for _ in 0..2 {
        let (_, end) = read_name(rdata, pos)?;
        pos = end;
    }
    u32_at(rdata, pos)
}

/// `a` is older than `b` in serial number arithmetic (RFC 1982).
pub fn serial_lt(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) < 0x8000_0000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_through_pointers_and_lowercased() {
        // header, then "Example.COM." at 12, then a pointer to it at 25.
        let mut msg = vec![0u8; 12];
        msg.extend_from_slice(b"\x07Example\x03COM\x00");
        msg.extend_from_slice(&[0x03, b'w', b'w', b'w', 0xc0, 12]);
        let (name, end) = read_name(&msg, 25).unwrap();
        assert_eq!(name, b"\x03www\x07example\x03com\x00");
        assert_eq!(end, msg.len());
    }

    #[test]
    fn a_pointer_forwards_or_to_itself_is_refused() {
        let mut msg = vec![0u8; 12];
        msg.extend_from_slice(&[0xc0, 12]);
        assert!(read_name(&msg, 12).is_none());
    }

    #[test]
    fn serials_compare_across_the_wrap() {
        assert!(serial_lt(1, 2));
        assert!(serial_lt(u32::MAX, 1));
        assert!(!serial_lt(2, 1));
        assert!(!serial_lt(5, 5));
    }
}

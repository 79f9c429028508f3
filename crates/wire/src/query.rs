//! Parsing a query without allocating.

/// Why a received message is not answered normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Do not answer at all: shorter than a header, or a response (QR=1), which answering
    /// would turn into a reflection loop.
    Drop,
    /// Answer FORMERR: the header is readable but the rest is malformed.
    FormErr(&'static str),
}

/// The OPT record of a query (RFC 6891 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns {
    /// Requestor's UDP payload size.
    pub udp_payload: u16,
    /// EDNS version.
    pub version: u8,
    /// The DO bit.
    pub dnssec_ok: bool,
}

/// A parsed query: views into the received buffer.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    buf: &'a [u8],
    /// Message id.
    pub id: u16,
    /// Opcode (0 = QUERY).
    pub opcode: u8,
    /// Recursion desired.
    pub rd: bool,
    /// Checking disabled.
    pub cd: bool,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS.
    pub qclass: u16,
    qname_end: usize,
    question_end: usize,
    /// The OPT record, if the query has one.
    pub edns: Option<Edns>,
}

/// Header flag bits.
const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const CD: u16 = 0x0010;

impl<'a> Query<'a> {
    /// Parses a received message as a query with exactly one question.
    ///
    /// Opcodes other than QUERY parse too (the caller answers NOTIMP); their question, if
    /// any, is read the same way.
    pub fn parse(buf: &'a [u8]) -> Result<Self, ParseError> {
        if buf.len() < 12 {
            return Err(ParseError::Drop);
        }
        let flags = u16::from_be_bytes([buf[2], buf[3]]);
        if flags & QR != 0 {
            return Err(ParseError::Drop);
        }
        let id = u16::from_be_bytes([buf[0], buf[1]]);
        let opcode = ((flags >> 11) & 0xf) as u8;
        let qdcount = u16::from_be_bytes([buf[4], buf[5]]);
        let ancount = u16::from_be_bytes([buf[6], buf[7]]);
        let nscount = u16::from_be_bytes([buf[8], buf[9]]);
        let arcount = u16::from_be_bytes([buf[10], buf[11]]);
        let mut query = Query {
            buf,
            id,
            opcode,
            rd: flags & RD != 0,
            cd: flags & CD != 0,
            qtype: 0,
            qclass: 0,
            qname_end: 12,
            question_end: 12,
            edns: None,
        };
        if qdcount != 1 {
            return Err(ParseError::FormErr("query must carry exactly one question"));
        }
        let qname_end = skip_uncompressed_name(buf, 12)?;
        if qname_end + 4 > buf.len() {
            return Err(ParseError::FormErr("question is truncated"));
        }
        query.qname_end = qname_end;
        query.qtype = u16::from_be_bytes([buf[qname_end], buf[qname_end + 1]]);
        query.qclass = u16::from_be_bytes([buf[qname_end + 2], buf[qname_end + 3]]);
        query.question_end = qname_end + 4;
        if ancount != 0 || nscount != 0 {
            // A query carries no answers or authority (RFC 1035 §4.1.1); NOTIFY and UPDATE
            // do, but they are not served here, so their opcode decides first.
            if opcode == 0 {
                return Err(ParseError::FormErr("query carries answer or authority records"));
            }
            return Ok(query);
        }
        let mut pos = query.question_end;
        for _ in 0..arcount {
            let name_end = skip_any_name(buf, pos)?;
            if name_end + 10 > buf.len() {
                return Err(ParseError::FormErr("additional record is truncated"));
            }
            let rtype = u16::from_be_bytes([buf[name_end], buf[name_end + 1]]);
            let rdlen = u16::from_be_bytes([buf[name_end + 8], buf[name_end + 9]]) as usize;
            let rdata_end = name_end + 10 + rdlen;
            if rdata_end > buf.len() {
                return Err(ParseError::FormErr("additional record is truncated"));
            }
            if rtype == crate::rtype::OPT {
                if query.edns.is_some() {
                    return Err(ParseError::FormErr("more than one OPT record"));
                }
                if name_end != pos + 1 || buf[pos] != 0 {
                    return Err(ParseError::FormErr("OPT owner is not the root"));
                }
                let class = u16::from_be_bytes([buf[name_end + 2], buf[name_end + 3]]);
                let ttl = &buf[name_end + 4..name_end + 8];
                check_options(&buf[name_end + 10..rdata_end])?;
                query.edns = Some(Edns {
                    udp_payload: class,
                    version: ttl[1],
                    dnssec_ok: ttl[2] & 0x80 != 0,
                });
            }
            pos = rdata_end;
        }
        if pos != buf.len() {
            return Err(ParseError::FormErr("trailing bytes after the last record"));
        }
        Ok(query)
    }

    /// The question name exactly as received (case preserved), uncompressed.
    pub fn qname(&self) -> &'a [u8] {
        &self.buf[12..self.qname_end]
    }

    /// The question section as received: name, type and class.
    pub fn question(&self) -> &'a [u8] {
        &self.buf[12..self.question_end]
    }

    /// Writes the question name lowercased into `out` and returns its length.
    pub fn qname_lowercase(&self, out: &mut [u8; 255]) -> usize {
        let name = self.qname();
        for (o, b) in out.iter_mut().zip(name) {
            *o = b.to_ascii_lowercase();
        }
        name.len()
    }
}

/// Skips a name that must not be compressed (the question name: it starts at offset 12, so
/// there is nothing before it to point to). Enforces label and name length limits.
fn skip_uncompressed_name(buf: &[u8], mut pos: usize) -> Result<usize, ParseError> {
    let start = pos;
    loop {
        let len = *buf.get(pos).ok_or(ParseError::FormErr("question name is truncated"))?;
        match len {
            0 => {
                pos += 1;
                break;
            }
            1..=63 => pos += 1 + len as usize,
            _ => return Err(ParseError::FormErr("bad label in the question name")),
        }
        if pos - start > 255 {
            return Err(ParseError::FormErr("question name is longer than 255 bytes"));
        }
    }
    if pos - start > 255 {
        return Err(ParseError::FormErr("question name is longer than 255 bytes"));
    }
    Ok(pos)
}

/// Skips a name in a record (compression allowed: a pointer ends it). Only the bytes in
/// place are walked, so a pointer loop cannot trap us.
fn skip_any_name(buf: &[u8], mut pos: usize) -> Result<usize, ParseError> {
    let start = pos;
    loop {
        let len = *buf.get(pos).ok_or(ParseError::FormErr("record name is truncated"))?;
        match len {
            0 => return Ok(pos + 1),
            1..=63 => pos += 1 + len as usize,
            0xc0..=0xff => {
                if pos + 2 > buf.len() {
                    return Err(ParseError::FormErr("record name is truncated"));
                }
                return Ok(pos + 2);
            }
            _ => return Err(ParseError::FormErr("bad label in a record name")),
        }
        if pos - start > 255 {
            return Err(ParseError::FormErr("record name is longer than 255 bytes"));
        }
    }
}

/// Checks that OPT options are well formed (each fits its length).
fn check_options(mut rdata: &[u8]) -> Result<(), ParseError> {
    while !rdata.is_empty() {
        if rdata.len() < 4 {
            return Err(ParseError::FormErr("OPT option is truncated"));
        }
        let len = u16::from_be_bytes([rdata[2], rdata[3]]) as usize;
        if rdata.len() < 4 + len {
            return Err(ParseError::FormErr("OPT option is truncated"));
        }
        rdata = &rdata[4 + len..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_bytes(name: &[u8], qtype: u16, opt: Option<(u16, u8)>) -> Vec<u8> {
        let mut b = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, opt.is_some() as u8];
        b.extend_from_slice(name);
        b.extend_from_slice(&qtype.to_be_bytes());
        b.extend_from_slice(&1u16.to_be_bytes());
        if let Some((payload, version)) = opt {
            b.push(0);
            b.extend_from_slice(&41u16.to_be_bytes());
            b.extend_from_slice(&payload.to_be_bytes());
            b.extend_from_slice(&[0, version, 0x80, 0, 0, 0]);
        }
        b
    }

    #[test]
    fn parses_question_and_opt() {
        let b = query_bytes(b"\x03WwW\x07example\x03com\x00", 1, Some((1232, 0)));
        let q = Query::parse(&b).unwrap();
        assert_eq!(q.id, 0x1234);
        assert!(q.rd);
        assert_eq!(q.qname(), b"\x03WwW\x07example\x03com\x00");
        assert_eq!(q.qtype, 1);
        assert_eq!(q.edns, Some(Edns { udp_payload: 1232, version: 0, dnssec_ok: true }));
        let mut lower = [0u8; 255];
        let n = q.qname_lowercase(&mut lower);
        assert_eq!(&lower[..n], b"\x03www\x07example\x03com\x00");
    }

    #[test]
    fn short_or_response_messages_are_dropped() {
        assert_eq!(Query::parse(&[0; 11]).unwrap_err(), ParseError::Drop);
        let mut b = query_bytes(b"\x00", 1, None);
        b[2] |= 0x80;
        assert_eq!(Query::parse(&b).unwrap_err(), ParseError::Drop);
    }

    #[test]
    fn malformed_questions_are_formerr() {
        let mut two = query_bytes(b"\x00", 1, None);
        two[5] = 2;
        assert!(matches!(Query::parse(&two), Err(ParseError::FormErr(_))));
        let b = query_bytes(b"\x03www\x00", 1, None);
        assert!(matches!(Query::parse(&b[..b.len() - 2]), Err(ParseError::FormErr(_))));
        let compressed = query_bytes(b"\xc0\x0c", 1, None);
        assert!(matches!(Query::parse(&compressed), Err(ParseError::FormErr(_))));
    }
}

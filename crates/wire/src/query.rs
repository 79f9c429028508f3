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

/// The EDNS Client Subnet option of a query (RFC 7871 §6): the network the client is in.
///
/// Stored inline (no allocation): the address is zero-padded to 16 bytes, and only the
/// first `ceil(source_prefix / 8)` bytes were on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientSubnet {
    /// Address family: 1 (IPv4) or 2 (IPv6), from the IANA address family numbers.
    pub family: u16,
    /// SOURCE PREFIX-LENGTH: how many leading bits of the address the client revealed.
    pub source_prefix: u8,
    /// SCOPE PREFIX-LENGTH: 0 in a query; in a response, how many leading bits the answer
    /// depends on (RFC 7871 §7.2.1).
    pub scope_prefix: u8,
    address: [u8; 16],
}

/// The EDNS option code of Client Subnet (RFC 7871 §6).
pub const OPTION_ECS: u16 = 8;

/// EDNS option code of DNS COOKIE (RFC 7873 §4).
pub const OPTION_COOKIE: u16 = 10;

impl ClientSubnet {
    /// A subnet of `addr` with `source_prefix` bits (more than the family has are capped;
    /// the bits beyond the prefix are cleared) and scope 0.
    pub fn new(addr: std::net::IpAddr, source_prefix: u8) -> Self {
        let (family, max, bytes) = match addr {
            std::net::IpAddr::V4(v4) => {
                let mut b = [0u8; 16];
                b[..4].copy_from_slice(&v4.octets());
                (1, 32, b)
            }
            std::net::IpAddr::V6(v6) => (2, 128, v6.octets()),
        };
        let source_prefix = source_prefix.min(max);
        let mut address = [0u8; 16];
        for (i, byte) in address.iter_mut().enumerate() {
            let bits = usize::from(source_prefix).saturating_sub(i * 8).min(8);
            // `bits` leading ones of a byte: 0 → 0x00, 8 → 0xff.
            let mask = (0xff00u16 >> bits) as u8;
            *byte = bytes[i] & mask;
        }
        Self {
            family,
            source_prefix,
            scope_prefix: 0,
            address,
        }
    }

    /// Parses the option's data (after code and length), with RFC 7871 §6's and §7.2.1's
    /// checks: a known family, a source prefix the family can hold, exactly
    /// `ceil(source_prefix / 8)` address bytes and no bit set beyond the prefix, and a zero
    /// scope ("SCOPE PREFIX-LENGTH … MUST be set to 0 in queries").
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        if data.len() < 4 {
            return Err(ParseError::FormErr("ECS option is shorter than 4 bytes"));
        }
        let family = u16::from_be_bytes([data[0], data[1]]);
        let source_prefix = data[2];
        let scope_prefix = data[3];
        let max = match family {
            1 => 32,
            2 => 128,
            _ => return Err(ParseError::FormErr("ECS family is neither IPv4 nor IPv6")),
        };
        if source_prefix > max {
            return Err(ParseError::FormErr(
                "ECS source prefix is longer than the address",
            ));
        }
        if scope_prefix != 0 {
            return Err(ParseError::FormErr("ECS scope prefix is not 0 in a query"));
        }
        let octets = usize::from(source_prefix).div_ceil(8);
        let addr = &data[4..];
        if addr.len() != octets {
            return Err(ParseError::FormErr(
                "ECS address length does not match its prefix",
            ));
        }
        let mut address = [0u8; 16];
        address[..octets].copy_from_slice(addr);
        let spare = octets * 8 - usize::from(source_prefix);
        if spare > 0 && address[octets - 1] & ((1u8 << spare) - 1) != 0 {
            return Err(ParseError::FormErr(
                "ECS address has bits set beyond its prefix",
            ));
        }
        Ok(Self {
            family,
            source_prefix,
            scope_prefix,
            address,
        })
    }

    /// The client's network address (the bits beyond the prefix are zero).
    pub fn addr(&self) -> std::net::IpAddr {
        if self.family == 1 {
            let [a, b, c, d, ..] = self.address;
            std::net::Ipv4Addr::new(a, b, c, d).into()
        } else {
            std::net::Ipv6Addr::from(self.address).into()
        }
    }

    /// The ADDRESS field as on the wire: `ceil(source_prefix / 8)` bytes.
    pub fn address_bytes(&self) -> &[u8] {
        &self.address[..usize::from(self.source_prefix).div_ceil(8)]
    }

    /// The same subnet with another SCOPE PREFIX-LENGTH (for the response).
    pub fn with_scope(self, scope_prefix: u8) -> Self {
        Self {
            scope_prefix,
            ..self
        }
    }

    /// Bytes the option takes in an OPT record: code, length, then the data.
    pub fn option_len(&self) -> usize {
        4 + 4 + self.address_bytes().len()
    }
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
    /// Authentic data (RFC 6840 §5.7: the client wants the AD bit without DO).
    pub ad: bool,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS.
    pub qclass: u16,
    qname_end: usize,
    question_end: usize,
    /// The OPT record, if the query has one.
    pub edns: Option<Edns>,
    /// The EDNS Client Subnet option, if the OPT record (version 0) has a valid one.
    pub ecs: Option<ClientSubnet>,
    /// The message ends with a TSIG record (RFC 8945); checking it is the answerer's.
    pub tsig: bool,
    /// Where the COOKIE option's data is in the message (offset, length), if the OPT record
    /// (version 0) has a well-formed one; see [`Query::cookie`].
    cookie: Option<(u16, u8)>,
}

/// Header flag bits.
const QR: u16 = 0x8000;
const RD: u16 = 0x0100;
const CD: u16 = 0x0010;
const AD: u16 = 0x0020;

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
            ad: flags & AD != 0,
            qtype: 0,
            qclass: 0,
            qname_end: 12,
            question_end: 12,
            edns: None,
            ecs: None,
            tsig: false,
            cookie: None,
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
                return Err(ParseError::FormErr(
                    "query carries answer or authority records",
                ));
            }
            return Ok(query);
        }
        let mut pos = query.question_end;
        for i in 0..arcount {
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
            if rtype == crate::rtype::TSIG {
                if i + 1 != arcount {
                    return Err(ParseError::FormErr("TSIG is not the last record"));
                }
                query.tsig = true;
            } else if rtype == crate::rtype::OPT {
                if query.edns.is_some() {
                    return Err(ParseError::FormErr("more than one OPT record"));
                }
                if name_end != pos + 1 || buf[pos] != 0 {
                    return Err(ParseError::FormErr("OPT owner is not the root"));
                }
                let class = u16::from_be_bytes([buf[name_end + 2], buf[name_end + 3]]);
                let ttl = &buf[name_end + 4..name_end + 8];
                // Options are read only in a version this server speaks; other versions
                // are answered BADVERS without looking inside (RFC 6891 §6.1.3).
                let options = check_options(buf, name_end + 10, rdata_end, ttl[1] == 0)?;
                query.ecs = options.ecs;
                query.cookie = options.cookie;
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

    /// The COOKIE option's data (RFC 7873 §4): the 8-byte client cookie, then the server
    /// cookie the client holds, if any (8 to 32 bytes). Only a well-formed option is here: a
    /// malformed one made the query FORMERR.
    pub fn cookie(&self) -> Option<&'a [u8]> {
        self.cookie_at()
            .map(|(at, len)| &self.buf[usize::from(at)..usize::from(at) + usize::from(len)])
    }

    /// Where [`cookie`](Self::cookie) is in the message: offset and length.
    pub fn cookie_at(&self) -> Option<(u16, u8)> {
        self.cookie
    }

    /// The whole message as received.
    pub fn message(&self) -> &'a [u8] {
        self.buf
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
        let len = *buf
            .get(pos)
            .ok_or(ParseError::FormErr("question name is truncated"))?;
        match len {
            0 => {
                pos += 1;
                break;
            }
            1..=63 => pos += 1 + len as usize,
            _ => return Err(ParseError::FormErr("bad label in the question name")),
        }
        if pos - start > 255 {
            return Err(ParseError::FormErr(
                "question name is longer than 255 bytes",
            ));
        }
    }
    if pos - start > 255 {
        return Err(ParseError::FormErr(
            "question name is longer than 255 bytes",
        ));
    }
    Ok(pos)
}

/// Skips a name in a record (compression allowed: a pointer ends it). Only the bytes in
/// place are walked, so a pointer loop cannot trap us.
fn skip_any_name(buf: &[u8], mut pos: usize) -> Result<usize, ParseError> {
    let start = pos;
    loop {
        let len = *buf
            .get(pos)
            .ok_or(ParseError::FormErr("record name is truncated"))?;
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

/// The options of a version-0 OPT record Cairn reads.
#[derive(Default)]
struct Options {
    ecs: Option<ClientSubnet>,
    cookie: Option<(u16, u8)>,
}

/// Checks that the OPT options in `buf[start..end]` are well formed (each fits its length)
/// and, when `read` (version 0), returns the Client Subnet and COOKIE options. A malformed
/// ECS option, or more than one, is FORMERR (RFC 7871 §7.2.1: "A query with a wrongly
/// formatted option … MUST be rejected and a FORMERR response MUST be returned"); so is a
/// COOKIE option of a length other than 8 or 16 to 40 (RFC 7873 §5.2.2). Of several COOKIE
/// options the first counts.
fn check_options(buf: &[u8], start: usize, end: usize, read: bool) -> Result<Options, ParseError> {
    let mut options = Options::default();
    let mut pos = start;
    while pos < end {
        if end - pos < 4 {
            return Err(ParseError::FormErr("OPT option is truncated"));
        }
        let code = u16::from_be_bytes([buf[pos], buf[pos + 1]]);
        let len = u16::from_be_bytes([buf[pos + 2], buf[pos + 3]]) as usize;
        let data = pos + 4;
        if end - data < len {
            return Err(ParseError::FormErr("OPT option is truncated"));
        }
        if read && code == OPTION_ECS {
            if options.ecs.is_some() {
                return Err(ParseError::FormErr("more than one ECS option"));
            }
            options.ecs = Some(ClientSubnet::parse(&buf[data..data + len])?);
        } else if read && code == OPTION_COOKIE {
            if len != 8 && !(16..=40).contains(&len) {
                return Err(ParseError::FormErr("COOKIE option has a bad length"));
            }
            // A message is at most 65535 bytes, so the offset fits in 16 bits.
            if options.cookie.is_none() {
                options.cookie = Some((data as u16, len as u8));
            }
        }
        pos = data + len;
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_bytes(name: &[u8], qtype: u16, opt: Option<(u16, u8)>) -> Vec<u8> {
        let mut b = vec![
            0x12,
            0x34,
            0x01,
            0x00,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            opt.is_some() as u8,
        ];
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
        assert_eq!(
            q.edns,
            Some(Edns {
                udp_payload: 1232,
                version: 0,
                dnssec_ok: true
            })
        );
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
        assert!(matches!(
            Query::parse(&b[..b.len() - 2]),
            Err(ParseError::FormErr(_))
        ));
        let compressed = query_bytes(b"\xc0\x0c", 1, None);
        assert!(matches!(
            Query::parse(&compressed),
            Err(ParseError::FormErr(_))
        ));
    }

    /// A query for `www.example.com A` with an OPT record holding `options` (code, data).
    fn query_with_options(version: u8, options: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = query_bytes(b"\x03www\x07example\x03com\x00", 1, None);
        b[11] = 1; // ARCOUNT
        b.push(0);
        b.extend_from_slice(&41u16.to_be_bytes());
        b.extend_from_slice(&1232u16.to_be_bytes());
        b.extend_from_slice(&[0, version, 0, 0]);
        let rdlen: usize = options.iter().map(|(_, d)| 4 + d.len()).sum();
        b.extend_from_slice(&(rdlen as u16).to_be_bytes());
        for (code, data) in options {
            b.extend_from_slice(&code.to_be_bytes());
            b.extend_from_slice(&(data.len() as u16).to_be_bytes());
            b.extend_from_slice(data);
        }
        b
    }

    #[test]
    fn reads_a_cookie_option_and_refuses_bad_lengths() {
        let client = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let b = query_with_options(0, &[(OPTION_COOKIE, &client[..])]);
        assert_eq!(Query::parse(&b).unwrap().cookie(), Some(&client[..]));
        let full = [9u8; 24];
        let b = query_with_options(
            0,
            &[(OPTION_COOKIE, &full[..]), (OPTION_COOKIE, &client[..])],
        );
        assert_eq!(Query::parse(&b).unwrap().cookie(), Some(&full[..]));
        // RFC 7873 §5.2.2: shorter than 8, 9 to 15, or longer than 40 bytes is FORMERR.
        for len in [0, 7, 9, 15, 41] {
            let b = query_with_options(0, &[(OPTION_COOKIE, &[0u8; 41][..len])]);
            assert!(
                matches!(Query::parse(&b), Err(ParseError::FormErr(_))),
                "{len}"
            );
        }
        // Another EDNS version is BADVERS, its options unread.
        let b = query_with_options(1, &[(OPTION_COOKIE, &[0u8; 3][..])]);
        assert_eq!(Query::parse(&b).unwrap().cookie(), None);
        assert_eq!(
            Query::parse(&query_with_options(0, &[])).unwrap().cookie(),
            None
        );
    }

    fn ecs_result(data: &[u8]) -> Result<Option<ClientSubnet>, ParseError> {
        Query::parse(&query_with_options(0, &[(OPTION_ECS, data)])).map(|q| q.ecs)
    }

    fn assert_formerr(data: &[u8]) {
        assert!(
            matches!(ecs_result(data), Err(ParseError::FormErr(_))),
            "{data:02x?} should be FORMERR, got {:?}",
            ecs_result(data)
        );
    }

    #[test]
    fn ecs_ipv4_subnet_is_read() {
        let ecs = ecs_result(&[0, 1, 24, 0, 198, 51, 100])
            .unwrap()
            .expect("an ECS option");
        assert_eq!(ecs.family, 1);
        assert_eq!(ecs.source_prefix, 24);
        assert_eq!(ecs.scope_prefix, 0);
        assert_eq!(
            ecs.addr(),
            "198.51.100.0".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(ecs.address_bytes(), &[198, 51, 100]);
        assert_eq!(ecs.option_len(), 4 + 4 + 3);
    }

    #[test]
    fn ecs_ipv6_and_odd_prefixes_are_read() {
        let ecs = ecs_result(&[0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0])
            .unwrap()
            .unwrap();
        assert_eq!(
            ecs.addr(),
            "2001:db8:1::".parse::<std::net::IpAddr>().unwrap()
        );
        // /20: three bytes, the last with its low four bits clear.
        let ecs = ecs_result(&[0, 1, 20, 0, 10, 1, 0xf0]).unwrap().unwrap();
        assert_eq!(
            ecs.addr(),
            "10.1.240.0".parse::<std::net::IpAddr>().unwrap()
        );
        // /0 carries no address at all (RFC 7871 §7.1.2) and is not refused (§7.5).
        let ecs = ecs_result(&[0, 1, 0, 0]).unwrap().unwrap();
        assert_eq!(ecs.source_prefix, 0);
        assert!(ecs.address_bytes().is_empty());
        // A full /32 and /128.
        assert!(ecs_result(&[0, 1, 32, 0, 192, 0, 2, 1]).unwrap().is_some());
        let mut v6 = vec![0, 2, 128, 0];
        v6.extend_from_slice(&[0x20; 16]);
        assert!(ecs_result(&v6).unwrap().is_some());
    }

    #[test]
    fn queries_without_ecs_have_none() {
        let plain = query_bytes(b"\x00", 1, Some((1232, 0)));
        assert_eq!(Query::parse(&plain).unwrap().ecs, None);
        // Other options (a cookie) are skipped.
        assert_eq!(
            Query::parse(&query_with_options(0, &[(10, &[1; 8])]))
                .unwrap()
                .ecs,
            None
        );
    }

    #[test]
    fn malformed_ecs_is_formerr() {
        assert_formerr(&[0, 1, 24]); // shorter than family + prefixes
        assert_formerr(&[0, 3, 24, 0, 1, 2, 3]); // unknown family
        assert_formerr(&[0, 0, 0, 0]); // family 0
        assert_formerr(&[0, 1, 24, 0, 198, 51]); // too few address bytes
        assert_formerr(&[0, 1, 24, 0, 198, 51, 100, 0]); // too many address bytes
        assert_formerr(&[0, 1, 0, 0, 0]); // /0 with an address byte
        assert_formerr(&[0, 1, 24, 8, 198, 51, 100]); // non-zero scope in a query
    }

    #[test]
    fn ecs_prefix_longer_than_the_family_is_formerr() {
        assert_formerr(&[0, 1, 33, 0, 1, 2, 3, 4, 5]);
        let mut v6 = vec![0, 2, 129, 0];
        v6.extend_from_slice(&[0; 17]);
        assert_formerr(&v6);
    }

    #[test]
    fn ecs_bits_beyond_the_prefix_are_formerr() {
        assert_formerr(&[0, 1, 20, 0, 10, 1, 0xf8]); // bit 21 set in a /20
        assert_formerr(&[0, 1, 23, 0, 198, 51, 101]); // bit 24 set in a /23
        assert_formerr(&[0, 2, 1, 0, 0xc0]); // bit 2 set in a /1
        assert!(ecs_result(&[0, 1, 23, 0, 198, 51, 100]).unwrap().is_some());
    }

    #[test]
    fn two_ecs_options_are_formerr() {
        let one: &[u8] = &[0, 1, 24, 0, 198, 51, 100];
        let b = query_with_options(0, &[(OPTION_ECS, one), (OPTION_ECS, one)]);
        assert!(matches!(Query::parse(&b), Err(ParseError::FormErr(_))));
    }

    #[test]
    fn ecs_in_an_unknown_edns_version_is_not_read() {
        // Version 1 is answered BADVERS; its options are not interpreted.
        let b = query_with_options(1, &[(OPTION_ECS, &[0, 9, 99, 0][..])]);
        let q = Query::parse(&b).unwrap();
        assert_eq!(q.edns.map(|e| e.version), Some(1));
        assert_eq!(q.ecs, None);
    }

    #[test]
    fn client_subnet_new_masks_and_caps() {
        let ecs = ClientSubnet::new("198.51.100.77".parse().unwrap(), 20);
        assert_eq!(
            ecs.addr(),
            "198.51.96.0".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(ecs.address_bytes(), &[198, 51, 96]);
        let ecs = ClientSubnet::new("2001:db8::1".parse().unwrap(), 200);
        assert_eq!(ecs.source_prefix, 128);
        assert_eq!(ecs.family, 2);
        // What `new` builds, `parse` accepts.
        let mut data = vec![0, 1, 20, 0];
        data.extend_from_slice(
            ClientSubnet::new("198.51.100.77".parse().unwrap(), 20).address_bytes(),
        );
        assert_eq!(
            ClientSubnet::parse(&data).unwrap().addr(),
            ecs_addr("198.51.96.0")
        );
    }

    fn ecs_addr(text: &str) -> std::net::IpAddr {
        text.parse().unwrap()
    }
}

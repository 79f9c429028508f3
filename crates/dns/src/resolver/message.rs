//! DNS messages on the resolver's slow path: building queries, parsing replies.
//!
//! Hand-written rather than hickory-proto's `Message` because the resolver needs two things
//! a general library hides: the question name exactly as the server echoed it (case included,
//! for the 0x20 check) and every RDATA name expanded, so records can be handed to
//! [`cairn_wire::Rdata`] and re-encoded by the response writer. Owner names and the names
//! inside RDATA are lowercased; the question keeps its case. Every length is checked; a
//! hostile message yields [`MalformedMessage`], never a panic.

use cairn_wire::Rcode;

use super::name;

/// A reply that does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MalformedMessage(pub(crate) &'static str);

/// Record type numbers the resolver reasons about.
pub(crate) mod rtype {
    pub(crate) const A: u16 = 1;
    pub(crate) const NS: u16 = 2;
    pub(crate) const CNAME: u16 = 5;
    pub(crate) const SOA: u16 = 6;
    pub(crate) const AAAA: u16 = 28;
    pub(crate) const DNAME: u16 = 39;
    pub(crate) const OPT: u16 = 41;
    pub(crate) const DS: u16 = 43;
    pub(crate) const RRSIG: u16 = 46;
    pub(crate) const NSEC: u16 = 47;
    pub(crate) const DNSKEY: u16 = 48;
    pub(crate) const NSEC3: u16 = 50;
}

/// Class IN.
pub(crate) const CLASS_IN: u16 = 1;

//----------- Message --------------------------------------------------------

/// A parsed reply: header fields, the question as received, and the records.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) id: u16,
    pub(crate) flags: u16,
    /// The question name exactly as the server wrote it, type and class.
    pub(crate) question: Option<(Vec<u8>, u16, u16)>,
    pub(crate) answer: Vec<Rr>,
    pub(crate) authority: Vec<Rr>,
    pub(crate) additional: Vec<Rr>,
}

/// One resource record with its owner and RDATA names expanded (owner lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rr {
    pub(crate) owner: Vec<u8>,
    pub(crate) rtype: u16,
    pub(crate) class: u16,
    pub(crate) ttl: u32,
    pub(crate) rdata: Vec<u8>,
}

impl Message {
    /// QR: this is a response.
    pub(crate) fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }

    /// TC: the reply was truncated.
    pub(crate) fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    /// The 4-bit RCODE of the header (no EDNS extension).
    pub(crate) fn rcode(&self) -> Rcode {
        Rcode::from_code(self.flags & 0x000f)
    }

    /// The opcode.
    pub(crate) fn opcode(&self) -> u16 {
        (self.flags >> 11) & 0xf
    }
}

//----------- Building queries -----------------------------------------------

/// How an upstream query is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ask {
    /// RD: to a forwarder.
    pub(crate) recursion_desired: bool,
    /// DO in the OPT record (RFC 3225): the validator wants RRSIGs and NSEC(3)s. To a
    /// forwarder CD is set too, so its own validation does not hide what Cairn checks.
    pub(crate) dnssec_ok: bool,
}

/// Builds a query for `qname` (sent as given, case included) with an EDNS OPT (1232 bytes).
pub(crate) fn build_query(id: u16, qname: &[u8], qtype: u16, ask: Ask) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + qname.len() + 4 + 11);
    out.extend_from_slice(&id.to_be_bytes());
    let mut flags: u16 = if ask.recursion_desired { 0x0100 } else { 0 };
    if ask.dnssec_ok && ask.recursion_desired {
        flags |= 0x0010;
    }
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 1]);
    out.extend_from_slice(qname);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    // OPT: root owner, type 41, UDP payload 1232 (the DNS flag day 2020 value), no options.
    let do_bit = if ask.dnssec_ok { 0x80 } else { 0 };
    out.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, do_bit, 0, 0, 0]);
    out
}

//----------- Parsing replies ------------------------------------------------

/// Parses a whole message; every RDATA name of the known types is decompressed.
pub(crate) fn parse(buf: &[u8]) -> Result<Message, MalformedMessage> {
    if buf.len() < 12 {
        return Err(MalformedMessage("short header"));
    }
    let word = |i: usize| u16::from_be_bytes([buf[i], buf[i + 1]]);
    let id = word(0);
    let flags = word(2);
    let (qd, an, ns, ar) = (word(4), word(6), word(8), word(10));
    if qd > 1 {
        return Err(MalformedMessage("more than one question"));
    }
    let mut pos = 12;
    let mut question = None;
    if qd == 1 {
        let (qname, next) = read_name(buf, pos, false)?;
        let fixed = buf
            .get(next..next + 4)
            .ok_or(MalformedMessage("short question"))?;
        let qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
        question = Some((qname, qtype, qclass));
        pos = next + 4;
    }
    let mut sections: [Vec<Rr>; 3] = Default::default();
    for (section, count) in sections.iter_mut().zip([an, ns, ar]) {
        for _ in 0..count {
            let (rr, next) = read_rr(buf, pos)?;
            section.push(rr);
            pos = next;
        }
    }
    let [answer, authority, additional] = sections;
    Ok(Message {
        id,
        flags,
        question,
        answer,
        authority,
        additional,
    })
}

/// Reads one record at `pos`; returns it and the position after it.
fn read_rr(buf: &[u8], pos: usize) -> Result<(Rr, usize), MalformedMessage> {
    let (owner, next) = read_name(buf, pos, true)?;
    let fixed = buf
        .get(next..next + 10)
        .ok_or(MalformedMessage("short record"))?;
    let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let class = u16::from_be_bytes([fixed[2], fixed[3]]);
    let raw_ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    // RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
    let ttl = if raw_ttl > i32::MAX as u32 {
        0
    } else {
        raw_ttl
    };
    let rdlength = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
    let start = next + 10;
    let end = start + rdlength;
    if end > buf.len() {
        return Err(MalformedMessage("rdata past the end"));
    }
    let rdata = if rtype == rtype::OPT {
        buf[start..end].to_vec()
    } else {
        expand_rdata(buf, rtype, start, end)?
    };
    Ok((
        Rr {
            owner,
            rtype,
            class,
            ttl,
            rdata,
        },
        end,
    ))
}

/// The layout of a type's RDATA, as far as embedded names go (RFC 3597 §4: the types whose
/// names a receiver must be prepared to decompress).
enum Layout {
    /// Copied verbatim.
    Opaque,
    /// `prefix` fixed bytes, then `names` names, then `suffix` fixed bytes (exactly).
    Names {
        prefix: usize,
        names: usize,
        suffix: usize,
    },
}

fn layout(rtype: u16) -> Layout {
    let names = |prefix, names, suffix| Layout::Names {
        prefix,
        names,
        suffix,
    };
    match rtype {
        // NS, MD, MF, CNAME, MB, MG, MR, PTR, DNAME
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 39 => names(0, 1, 0),
        // SOA: MNAME, RNAME, then five 32-bit fields.
        6 => names(0, 2, 20),
        // MINFO, RP
        14 | 17 => names(0, 2, 0),
        // MX, AFSDB, RT, KX: preference, then a name.
        15 | 18 | 21 | 36 => names(2, 1, 0),
        // PX: preference, MAP822, MAPX400.
        26 => names(2, 2, 0),
        // SRV: priority, weight, port, target.
        33 => names(6, 1, 0),
        _ => Layout::Opaque,
    }
}

/// Copies the RDATA in `buf[start..end]`, expanding compressed names of the known types.
fn expand_rdata(
    buf: &[u8],
    rtype: u16,
    start: usize,
    end: usize,
) -> Result<Vec<u8>, MalformedMessage> {
    match layout(rtype) {
        Layout::Opaque => Ok(buf[start..end].to_vec()),
        Layout::Names {
            prefix,
            names,
            suffix,
        } => {
            let mut out = Vec::with_capacity(end - start + 32);
            let mut pos = start + prefix;
            if pos > end {
                return Err(MalformedMessage("short rdata"));
            }
            out.extend_from_slice(&buf[start..pos]);
            // Names inside RDATA may only point into the message, never beyond RDLENGTH.
            // They are lowercased (the canonical form of RFC 4034 §6.2): a server that
            // compresses against the question would otherwise leak the query's random 0x20
            // case into the data handed to clients.
            let bounded = &buf[..end];
            for _ in 0..names {
                let (name, next) = read_name(bounded, pos, true)?;
                out.extend_from_slice(&name);
                pos = next;
            }
            if pos + suffix != end {
                return Err(MalformedMessage("rdata length does not match its names"));
            }
            out.extend_from_slice(&buf[pos..end]);
            Ok(out)
        }
    }
}

/// Reads a possibly compressed name at `pos`; returns it uncompressed (lowercased when
/// `lowercase`) and the position after it in the original data.
///
/// Pointers must point strictly backwards, which rules out loops; the expanded name may not
/// exceed 255 octets and labels 63 (RFC 1035 §3.1, §4.1.4).
pub(crate) fn read_name(
    buf: &[u8],
    pos: usize,
    lowercase: bool,
) -> Result<(Vec<u8>, usize), MalformedMessage> {
    let mut out = Vec::with_capacity(32);
    let mut cursor = pos;
    let mut after = None;
    let mut limit = pos;
    loop {
        let len = *buf
            .get(cursor)
            .ok_or(MalformedMessage("name past the end"))?;
        match len {
            0 => {
                out.push(0);
                if out.len() > name::MAX_LEN {
                    return Err(MalformedMessage("name too long"));
                }
                return Ok((out, after.unwrap_or(cursor + 1)));
            }
            1..=63 => {
                let label = buf
                    .get(cursor + 1..cursor + 1 + len as usize)
                    .ok_or(MalformedMessage("label past the end"))?;
                out.push(len);
                if lowercase {
                    out.extend(label.iter().map(u8::to_ascii_lowercase));
                } else {
                    out.extend_from_slice(label);
                }
                if out.len() >= name::MAX_LEN {
                    return Err(MalformedMessage("name too long"));
                }
                cursor += 1 + len as usize;
            }
            0xc0..=0xff => {
                let low = *buf
                    .get(cursor + 1)
                    .ok_or(MalformedMessage("pointer past the end"))?;
                let target = (usize::from(len & 0x3f) << 8) | usize::from(low);
                if target >= limit {
                    return Err(MalformedMessage(
                        "compression pointer does not point backwards",
                    ));
                }
                if after.is_none() {
                    after = Some(cursor + 2);
                }
                limit = target;
                cursor = target;
            }
            _ => return Err(MalformedMessage("unknown label type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_rdata_names_are_expanded() {
        // Header, question www.example. A, answer CNAME -> ptr to "example", MX -> ptr.
        let mut m = vec![0x12, 0x34, 0x84, 0x00, 0, 1, 0, 2, 0, 0, 0, 0];
        m.extend_from_slice(b"\x03www\x07example\x00\x00\x01\x00\x01");
        // CNAME: owner ptr to 12, rdata "mail" + ptr to "example" (offset 16).
        m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 7]);
        m.extend_from_slice(b"\x04MAIL\xc0\x10");
        m.extend_from_slice(&[0xc0, 16, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10, 0xc0, 12]);
        let msg = parse(&m).expect("parses");
        assert_eq!(msg.answer[0].rdata, b"\x04mail\x07example\x00".to_vec());
        assert_eq!(msg.answer[1].owner, b"\x07example\x00".to_vec());
        assert_eq!(
            msg.answer[1].rdata,
            b"\x00\x0a\x03www\x07example\x00".to_vec()
        );
    }

    #[test]
    fn pointer_loops_and_overruns_are_rejected() {
        let mut m = vec![0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert!(parse(&m).is_err());
        let mut m = vec![0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 200, 1, 2]);
        assert!(parse(&m).is_err());
        for cut in 0..m.len() {
            let _ = parse(&m[..cut]);
        }
    }

    #[test]
    fn high_bit_ttl_reads_as_zero() {
        let mut m = vec![0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        m.extend_from_slice(&[0, 0, 1, 0, 1, 0x80, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
        assert_eq!(parse(&m).expect("parses").answer[0].ttl, 0);
    }
}

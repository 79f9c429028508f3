//! RDATA in canonical form (RFC 4034 §6.2 item 3, RFC 6840 §5.1): the names inside the
//! RDATA of the types that have them lowercased. Route 53 keeps names in RDATA in the case
//! they were given; a validator lowercases them before it checks the signature, so the
//! signer must too.

use std::borrow::Cow;

use cairn_wire::rtype;

/// NAPTR (RFC 3403): order, preference, three strings, then the replacement name.
const NAPTR: u16 = 35;
/// DNAME (RFC 6672).
const DNAME: u16 = 39;

/// `rdata` of `rtype` in canonical form; borrowed when it already is.
pub fn rdata(rtype: u16, rdata: &[u8]) -> Cow<'_, [u8]> {
    let starts: [Option<usize>; 2] = match rtype {
        rtype::NS | rtype::CNAME | rtype::PTR | DNAME => [Some(0), None],
        rtype::MX => [Some(2), None],
        rtype::SRV => [Some(6), None],
        rtype::SOA => [Some(0), name_end(rdata, 0)],
        NAPTR => [naptr_replacement(rdata), None],
        _ => return Cow::Borrowed(rdata),
    };
    let has_upper = |start: usize| {
        name_end(rdata, start)
            .is_some_and(|end| rdata[start..end].iter().any(u8::is_ascii_uppercase))
    };
    if !starts.iter().flatten().any(|&s| has_upper(s)) {
        return Cow::Borrowed(rdata);
    }
    let mut out = rdata.to_vec();
    for start in starts.into_iter().flatten() {
        lowercase_name(&mut out, start);
    }
    Cow::Owned(out)
}

/// Lowercases the uncompressed name at `start`, label by label (length bytes untouched).
fn lowercase_name(bytes: &mut [u8], mut pos: usize) {
    while let Some(&len) = bytes.get(pos) {
        if len == 0 {
            return;
        }
        let end = (pos + 1 + usize::from(len)).min(bytes.len());
        bytes[pos + 1..end].make_ascii_lowercase();
        pos = end;
    }
}

/// The end of the uncompressed name at `start`, if it is whole.
fn name_end(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(pos)?);
        if len == 0 {
            return Some(pos + 1);
        }
        if len > 63 {
            return None;
        }
        pos += 1 + len;
    }
}

/// Where a NAPTR's replacement name starts.
fn naptr_replacement(bytes: &[u8]) -> Option<usize> {
    let mut pos = 4;
    for _ in 0..3 {
        pos += 1 + usize::from(*bytes.get(pos)?);
    }
    (pos < bytes.len()).then_some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_rdata_are_lowercased_and_nothing_else() {
        let mx = b"\x00\x0a\x04MAIL\x07Example\x00";
        assert_eq!(&*rdata(rtype::MX, mx), b"\x00\x0a\x04mail\x07example\x00");
        let txt = b"\x03ABC";
        assert!(matches!(rdata(rtype::TXT, txt), Cow::Borrowed(_)));
        let lower = b"\x02ns\x00";
        assert!(matches!(rdata(rtype::NS, lower), Cow::Borrowed(_)));
        let mut soa = b"\x02NS\x00\x04Host\x00".to_vec();
        soa.extend_from_slice(&[0xAA; 20]);
        let canon = rdata(rtype::SOA, &soa);
        assert_eq!(&canon[..10], b"\x02ns\x00\x04host\x00");
        assert_eq!(&canon[10..], &[0xAA; 20]);
        let naptr = b"\x00\x01\x00\x02\x01U\x07E2U+sip\x00\x03SIP\x00";
        assert_eq!(
            &*rdata(NAPTR, naptr),
            b"\x00\x01\x00\x02\x01U\x07E2U+sip\x00\x03sip\x00"
        );
    }
}

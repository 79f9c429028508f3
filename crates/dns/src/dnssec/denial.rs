//! Authenticated denial as Route 53 does it (ROUTE53-NEXT.md §F.1): NSEC, never NSEC3, one
//! record synthesised at the name asked ("black lies", RFC 9824 compact denial):
//!
//! | case | rcode | NSEC at the name, next `\000.<name>`, types |
//! |---|---|---|
//! | the name does not exist | NOERROR | RRSIG NSEC NXNAME |
//! | the name exists, not the type | NOERROR | the name's types, RRSIG, NSEC (not the type asked) |
//! | a delegation without DS | referral | NS RRSIG NSEC |
//!
//! An NSEC whose owner is the name asked proves to a validator that the type is absent
//! there; the next name `\000.<name>` is the name's immediate successor in canonical order,
//! so the record covers no other name and gives nothing away to zone walking.

use cairn_crypto::dnssec::rtype::{DNSKEY, NSEC, RRSIG};
use cairn_wire::Rdata;

use crate::zone::Node;

/// RFC 9824's NXNAME meta-type: in the bitmap of an NSEC that stands for a name that does
/// not exist.
pub const NXNAME: u16 = 128;

/// The NSEC RDATA at `owner` (lowercase wire) listing `types` (any order, duplicates once).
pub fn nsec(owner: &[u8], types: &mut [u16]) -> Rdata {
    let mut out = next_name(owner);
    write_bitmap(&mut out, types);
    Rdata::new(NSEC, out).expect("an NSEC's RDATA is far below 64 KiB")
}

/// `\000.<owner>`, the name right after `owner` in canonical order (RFC 4034 §6.1). A name
/// too long for another label instead gets its first label's last byte raised by one, which
/// still sorts after it (and before any name below it that could exist).
fn next_name(owner: &[u8]) -> Vec<u8> {
    if owner.len() + 2 <= 255 {
        let mut out = Vec::with_capacity(owner.len() + 2);
        out.extend_from_slice(b"\x01\x00");
        out.extend_from_slice(owner);
        return out;
    }
    let mut out = owner.to_vec();
    let last = usize::from(out[0]);
    if last > 0 && out[last] < 0xff {
        out[last] += 1;
    }
    out
}

/// The types of the RRsets at `node` (plain and routed; DNSKEY at a signed apex).
pub fn node_types(node: &Node, apex: bool) -> Vec<u16> {
    let mut types: Vec<u16> = node.rrsets.iter().map(|r| r.rtype).collect();
    types.extend(node.routed.iter().map(|r| r.rtype));
    if apex {
        types.push(DNSKEY);
    }
    types
}

/// The bitmap of a NODATA answer for `qtype` at a name holding `types`: those types but
/// the one asked (a routed set whose variants all failed answers NODATA too, and must not be
/// listed), plus RRSIG and NSEC. A query for NSEC itself keeps the NSEC bit: Route 53 answers
/// it NODATA with this very record (the apex quirk of §F.1).
pub fn nodata_types(mut types: Vec<u16>, qtype: u16) -> Vec<u16> {
    types.retain(|&t| t != qtype);
    types.push(RRSIG);
    types.push(NSEC);
    types
}

/// The bitmap of a name that does not exist.
pub fn nxname_types() -> Vec<u16> {
    vec![RRSIG, NSEC, NXNAME]
}

/// The type bit maps field (RFC 4034 §4.1.2): per window of 256 types that has any, the
/// window number, the bitmap's length and the bitmap, trailing zero bytes left out.
fn write_bitmap(out: &mut Vec<u8>, types: &mut [u16]) {
    types.sort_unstable();
    let mut i = 0;
    while i < types.len() {
        let window = (types[i] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut len = 0;
        while i < types.len() && (types[i] >> 8) as u8 == window {
            let low = (types[i] & 0xff) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            len = len.max(low / 8 + 1);
            i += 1;
        }
        out.push(window);
        out.push(len as u8);
        out.extend_from_slice(&bits[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_black_lie_is_at_the_name_with_the_next_name_just_after_it() {
        let owner = b"\x04nope\x07example\x00";
        let rdata = nsec(owner, &mut nxname_types());
        let mut want = b"\x01\x00\x04nope\x07example\x00".to_vec();
        // Window 0: RRSIG (46) and NSEC (47) in byte 5, NXNAME (128) in byte 16.
        want.extend_from_slice(&[0, 17, 0, 0, 0, 0, 0, 0x03]);
        want.extend_from_slice(&[0; 10]);
        want.push(0x80);
        assert_eq!(rdata.bytes(), &want[..]);
    }

    #[test]
    fn nodata_lists_the_types_but_the_one_asked_and_windows_above_zero() {
        let mut types = nodata_types(vec![1, 16, 257], 28);
        let rdata = nsec(b"\x00", &mut types);
        let bitmap = &rdata.bytes()[3..];
        // A (1) and TXT (16), RRSIG, NSEC; CAA (257) in window 1.
        assert_eq!(&bitmap[..2], &[0, 6]);
        assert_eq!(&bitmap[2..8], &[0x40, 0, 0x80, 0, 0, 0x03]);
        assert_eq!(&bitmap[8..], &[1, 1, 0x40]);
        let types = nodata_types(vec![1, 28], 1);
        assert_eq!(types, [28, RRSIG, NSEC]);
    }

    #[test]
    fn a_name_too_long_for_another_label_still_gets_a_later_next_name() {
        let mut owner = Vec::new();
        for len in [62u8, 62, 62, 63] {
            owner.push(len);
            owner.extend(std::iter::repeat_n(b'a', usize::from(len)));
        }
        owner.push(0);
        assert_eq!(owner.len(), 254);
        let next = next_name(&owner);
        assert_eq!(next.len(), owner.len());
        assert!(next > owner);
    }
}

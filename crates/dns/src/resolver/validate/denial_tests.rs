//! NSEC and NSEC3 proofs on hand-built records (RFC 5155 Appendix A's hashes).

use super::*;

fn wire(text: &str) -> Vec<u8> {
    name::from_text(text).expect("a name")
}

/// A type bitmap listing `types` (all below 256).
fn bitmap(types: &[u16]) -> Vec<u8> {
    let mut bits = [0u8; 32];
    for &t in types {
        bits[usize::from(t) / 8] |= 0x80 >> (t % 8);
    }
    let len = bits.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut out = vec![0, len as u8];
    out.extend_from_slice(&bits[..len]);
    out
}

fn nsec_rdata(next: &str, types: &[u16]) -> Vec<u8> {
    let mut out = wire(next);
    out.extend(bitmap(types));
    out
}

#[test]
fn bitmaps_and_canonical_order() {
    let b = bitmap(&[1, 2, 6, 46, 47]);
    assert!(has_type(&b, 1) && has_type(&b, 47) && !has_type(&b, 28) && !has_type(&b, 300));
    // RFC 4034 §6.1's example, without its escaped names.
    let order = [
        "example.",
        "a.example.",
        "yljkjljk.a.example.",
        "Z.a.example.",
        "zABC.a.EXAMPLE.",
        "z.example.",
    ];
    let names: Vec<Vec<u8>> = order.iter().map(|t| wire(t)).collect();
    for pair in names.windows(2) {
        assert_eq!(
            canonical_cmp(&pair[0], &pair[1]),
            Ordering::Less,
            "{:?}",
            pair
        );
    }
}

#[test]
fn nsec_proves_nxdomain_nodata_and_empty_non_terminals() {
    // Zone example.: example. → a.example. → d.example. (NS only: a delegation) → example.
    let owners = [
        wire("example."),
        wire("a.example."),
        wire("d.example."),
        wire("x.y.example."),
    ];
    let rdatas = [
        nsec_rdata("a.example.", &[2, 6, 46, 47, 48]),
        nsec_rdata("d.example.", &[1, 46, 47]),
        nsec_rdata("x.y.example.", &[2, 47]),
        nsec_rdata("example.", &[1, 46, 47]),
    ];
    let all: Vec<Nsec<'_>> = owners
        .iter()
        .zip(&rdatas)
        .map(|(o, r)| Nsec::parse(o, r).expect("parses"))
        .collect();
    // b.example.: covered by a→d, and *.example. by example.→a.
    assert_eq!(nxdomain(&wire("b.example."), &all, &[]), Proof::Secure);
    // Without the wildcard's NSEC the proof is incomplete.
    assert_eq!(
        nxdomain(&wire("b.example."), &all[1..], &[]),
        Proof::Missing
    );
    assert_eq!(
        nodata(&wire("a.example."), rtype::AAAA, &all, &[]),
        Proof::Secure
    );
    assert_eq!(
        nodata(&wire("a.example."), rtype::A, &all, &[]),
        Proof::Missing
    );
    // y.example. is an empty non-terminal: d.example. → x.y.example. covers it.
    assert_eq!(
        nodata(&wire("y.example."), rtype::A, &all, &[]),
        Proof::Secure
    );
    assert_eq!(
        no_ds(&wire("d.example."), false, &all, &[]),
        NoDs::InsecureDelegation
    );
    assert_eq!(no_ds(&wire("a.example."), false, &all, &[]), NoDs::NotACut);
    assert_eq!(no_ds(&wire("q.example."), false, &[], &[]), NoDs::Missing);
    // A wildcard answer for z.example. needs z.example. proven absent (x.y → example.).
    assert_eq!(
        wildcard_expansion(&wire("z.example."), 1, &all, &[]),
        Proof::Secure
    );
    assert_eq!(
        wildcard_expansion(&wire("a.example."), 1, &all, &[]),
        Proof::Missing
    );
}

/// base32hex of `bytes` (lowercase), for NSEC3 owners.
fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[test]
fn nsec3_hashes_match_rfc5155_appendix_a() {
    let salt = [0xaa, 0xbb, 0xcc, 0xdd];
    assert_eq!(
        base32hex(&nsec3_hash(&wire("example."), &salt, 12)),
        "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"
    );
    assert_eq!(
        base32hex(&nsec3_hash(&wire("a.example."), &salt, 12)),
        "35mthgpgcu1qg68fab165klnsnk3dpvl"
    );
    assert_eq!(
        base32hex_decode(b"0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM")
            .map(|h| base32hex(&h))
            .as_deref(),
        Some("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom")
    );
}

/// NSEC3 records for `names` (hashed, sorted into a ring), each with `types`.
fn nsec3_zone(zone: &str, names: &[(&str, &[u16])], opt_out: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let salt = [0xab];
    let mut hashed: Vec<(Vec<u8>, &[u16])> = names
        .iter()
        .map(|(n, t)| (nsec3_hash(&wire(n), &salt, 2), *t))
        .collect();
    hashed.sort();
    (0..hashed.len())
        .map(|i| {
            let (hash, types) = &hashed[i];
            let next = &hashed[(i + 1) % hashed.len()].0;
            let owner = wire(&format!("{}.{zone}", base32hex(hash)));
            let mut rdata = vec![1, u8::from(opt_out), 0, 2, 1, 0xab, 20];
            rdata.extend_from_slice(next);
            rdata.extend(bitmap(types));
            (owner, rdata)
        })
        .collect()
}

#[test]
fn nsec3_proves_nxdomain_nodata_and_opt_out() {
    let zone = nsec3_zone(
        "example.",
        &[
            ("example.", &[2, 6, 46, 48, 51]),
            ("a.example.", &[1, 46]),
            ("sub.example.", &[2]),
        ],
        false,
    );
    let all: Vec<Nsec3<'_>> = zone
        .iter()
        .map(|(o, r)| Nsec3::parse(o, r).expect("parses"))
        .collect();
    assert_eq!(
        super::nxdomain(&wire("nope.example."), &[], &all),
        Proof::Secure
    );
    assert_eq!(
        super::nxdomain(&wire("x.a.example."), &[], &all),
        Proof::Secure
    );
    assert_eq!(
        nodata(&wire("a.example."), rtype::AAAA, &[], &all),
        Proof::Secure
    );
    assert_eq!(
        nodata(&wire("a.example."), rtype::A, &[], &all),
        Proof::Missing
    );
    assert_eq!(
        no_ds(&wire("sub.example."), false, &[], &all),
        NoDs::InsecureDelegation
    );
    assert_eq!(no_ds(&wire("a.example."), false, &[], &all), NoDs::NotACut);
    // Without the apex's NSEC3 there is no closest encloser.
    let missing_apex: Vec<Nsec3<'_>> = all
        .iter()
        .filter(|n| !n.matches(&wire("example.")))
        .cloned()
        .collect();
    assert_eq!(
        super::nxdomain(&wire("nope.example."), &[], &missing_apex),
        Proof::Missing
    );

    let opt_out = nsec3_zone("example.", &[("example.", &[2, 6, 46, 48, 51])], true);
    let opt: Vec<Nsec3<'_>> = opt_out
        .iter()
        .map(|(o, r)| Nsec3::parse(o, r).expect("parses"))
        .collect();
    assert_eq!(
        no_ds(&wire("unsigned.example."), false, &[], &opt),
        NoDs::InsecureDelegation
    );
    assert_eq!(
        super::nxdomain(&wire("nope.example."), &[], &opt),
        Proof::Insecure
    );
}

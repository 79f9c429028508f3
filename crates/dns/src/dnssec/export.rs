//! A signed zone written out whole (`cairn zone export --signed`): the DNSSEC records a
//! traditional offline signer would add, so that tools that check a whole signed zone
//! (BIND's `dnssec-verify`, `ldns-verify-zone`) can check Cairn's keys and signatures.
//!
//! Answers are signed online with NSEC black lies (one record at the name asked); a zone
//! file instead needs a complete NSEC chain (RFC 4034 §4), so this module builds one over the
//! zone's authoritative names. Only plain record sets are written: aliases and routing
//! policies are decided per query and have no zone-file form (the zone-file writer turns
//! them into comments), so they are left out of the chain and unsigned here.
//!
//! | records | signed with |
//! |---|---|
//! | DNSKEY RRset | the KSKs' RRSIGs as the control plane stored them |
//! | every authoritative RRset (not the NS of a delegation, not glue) | the active ZSK |
//! | NSEC chain over the names, the last pointing back to the apex | the active ZSK |

use cairn_crypto::dnssec::rtype::{DNSKEY, DS, NSEC, RRSIG};
use cairn_crypto::dnssec::{label_count, RrsigFields};
use cairn_crypto::MasterKey;
use cairn_store::ZoneContents;
use cairn_wire::Rdata;

use super::denial;
use super::signer::ZoneSigner;
use crate::compile::compile_zone_signed;
use crate::zone::CompiledZone;

/// Why a zone cannot be exported signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The zone is not signing (no DNSSEC data, or a private zone).
    #[error("the zone is not signed")]
    NotSigned,
    /// The zone-signing key did not open with this master key (logged by the signer).
    #[error("the zone-signing key does not open with this master key")]
    KeyNotOpened,
}

/// One DNSSEC record to add to the zone file: owner (lowercase wire), type, TTL, RDATA.
pub type Record = (Vec<u8>, u16, u32, Rdata);

/// The DNSSEC records of the signed zone `contents` at `now` (seconds since the epoch):
/// the DNSKEY RRset and its RRSIGs, an RRSIG over every authoritative plain RRset, and the
/// NSEC chain with its RRSIGs, in canonical order of owner.
pub fn dnssec_records(
    contents: &ZoneContents,
    master_key: &MasterKey,
    now: u32,
) -> Result<Vec<Record>, ExportError> {
    if contents.dnssec.is_none() || contents.zone.private_zone {
        return Err(ExportError::NotSigned);
    }
    let mut plain = contents.clone();
    plain
        .record_sets
        .retain(|s| s.alias_target.is_none() && s.routing.is_none());
    let zone = compile_zone_signed(&plain, Some(master_key), None);
    let signer = zone.signer.clone().ok_or(ExportError::KeyNotOpened)?;
    let apex: &[u8] = &zone.apex;

    let mut names: Vec<&[u8]> = zone
        .nodes
        .iter()
        .filter(|(name, node)| !node.rrsets.is_empty() && authoritative(&zone, name))
        .map(|(name, _)| &name[..])
        .collect();
    names.sort_by(|a, b| canonical_order(a, b));

    let neg_ttl = zone.negative_soa.as_ref().map_or(0, |soa| soa.ttl);
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let node = &zone.nodes[*name];
        let is_apex = *name == apex;
        let cut = node.is_delegation();
        if is_apex {
            for rdata in &signer.dnskeys {
                out.push((name.to_vec(), DNSKEY, signer.dnskey_ttl, rdata.clone()));
            }
            for rrsig in &signer.dnskey_rrsigs {
                out.push((name.to_vec(), RRSIG, signer.dnskey_ttl, rrsig.clone()));
            }
        }
        for rrset in &node.rrsets {
            // At a cut only the DS (and the NSEC) are the parent's to sign.
            if cut && rrset.rtype != DS {
                continue;
            }
            let rdatas: Vec<&Rdata> = rrset.rdatas.iter().collect();
            out.push(rrsig(&signer, name, rrset.rtype, rrset.ttl, &rdatas, now));
        }
        let next = names.get(i + 1).copied().unwrap_or(apex);
        let mut types = denial::node_types(node, is_apex);
        types.extend([RRSIG, NSEC]);
        let nsec = nsec_rdata(next, &mut types);
        out.push((name.to_vec(), NSEC, neg_ttl, nsec.clone()));
        out.push(rrsig(&signer, name, NSEC, neg_ttl, &[&nsec], now));
    }
    Ok(out)
}

/// The RRSIG over one RRset, as a record.
fn rrsig(
    signer: &ZoneSigner,
    owner: &[u8],
    rtype: u16,
    ttl: u32,
    rdatas: &[&Rdata],
    now: u32,
) -> Record {
    let (sig, _) = signer.rrsig(owner, rtype, ttl, label_count(owner), rdatas, now);
    (owner.to_vec(), RRSIG, ttl, (*sig).clone())
}

/// An NSEC RDATA: `next`, then the bitmap of `types`.
fn nsec_rdata(next: &[u8], types: &mut [u16]) -> Rdata {
    let mut out = next.to_vec();
    // The black-lie writer's bitmap, behind another next name.
    let lie = denial::nsec(b"\x00", types);
    out.extend_from_slice(&lie.bytes()[3..]);
    Rdata::new(NSEC, out).expect("an NSEC's RDATA is far below 64 KiB")
}

/// Whether the zone is authoritative for `name`: not below a zone cut (glue) nor below a
/// DNAME (occluded, RFC 6672 §2.3).
fn authoritative(zone: &CompiledZone, name: &[u8]) -> bool {
    let mut suffix = name;
    while suffix.len() > zone.apex.len() {
        suffix = &suffix[1 + usize::from(suffix[0])..];
        if suffix.len() <= zone.apex.len() {
            break;
        }
        if zone
            .nodes
            .get(suffix)
            .is_some_and(|n| n.is_delegation() || n.is_dname())
        {
            return false;
        }
    }
    // An apex DNAME occludes every name below the apex.
    name == &zone.apex[..] || zone.apex_dname.is_none()
}

/// RFC 4034 §6.1 canonical order of two lowercase wire names: label by label from the
/// right, each compared as bytes.
fn canonical_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (la, lb) = (labels(a), labels(b));
    la.iter().rev().cmp(lb.iter().rev())
}

fn labels(name: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < name.len() && name[i] != 0 {
        let len = usize::from(name[i]);
        out.push(&name[i + 1..(i + 1 + len).min(name.len())]);
        i += 1 + len;
    }
    out
}

/// The mnemonic of a type (`TYPEnnn` for those without one here).
fn type_text(code: u16) -> String {
    match code {
        DNSKEY => "DNSKEY".into(),
        RRSIG => "RRSIG".into(),
        NSEC => "NSEC".into(),
        other => cairn_model::RrType::from_code(other).as_str(),
    }
}

/// One record in zone-file syntax: absolute owner, TTL, `IN`, type, then DNSKEY, RRSIG and
/// NSEC in their presentation forms (RFC 4034 §2.2, §3.2, §4.2; RRSIG times as seconds).
pub fn record_text(record: &Record) -> String {
    let (owner, rtype, ttl, rdata) = record;
    let name = name_text(owner);
    let bytes = rdata.bytes();
    let body = match *rtype {
        DNSKEY if bytes.len() >= 4 => format!(
            "{} {} {} {}",
            u16::from_be_bytes([bytes[0], bytes[1]]),
            bytes[2],
            bytes[3],
            base64(&bytes[4..])
        ),
        RRSIG => match RrsigFields::parse(bytes) {
            Some((f, sig)) => format!(
                "{} {} {} {} {} {} {} {} {}",
                type_text(f.type_covered),
                f.algorithm,
                f.labels,
                f.original_ttl,
                f.expiration,
                f.inception,
                f.key_tag,
                name_text(&f.signer),
                base64(sig)
            ),
            None => generic(bytes),
        },
        NSEC => {
            let next_len = name_len(bytes);
            let mut text = name_text(&bytes[..next_len]);
            for t in bitmap_types(&bytes[next_len..]) {
                text.push(' ');
                text.push_str(&type_text(t));
            }
            text
        }
        _ => generic(bytes),
    };
    format!("{name} {ttl} IN {} {body}", type_text(*rtype))
}

/// A wire name in presentation form, absolute, with `.`, `\\` and bytes outside
/// printable ASCII escaped (RFC 1035 §5.1), so a zone-file reader gets the same name back.
fn name_text(name: &[u8]) -> String {
    let mut out = String::new();
    for label in labels(name) {
        for &b in label {
            match b {
                b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                0x21..=0x7e => out.push(char::from(b)),
                _ => out.push_str(&format!("\\{b:03}")),
            }
        }
        out.push('.');
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// RDATA in the unknown-type form (RFC 3597 §5).
fn generic(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("\\# {} {hex}", bytes.len())
}

/// The length of the wire name at the start of `bytes` (all of it if it does not end).
fn name_len(bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() && bytes[i] != 0 {
        i += 1 + usize::from(bytes[i]);
    }
    (i + 1).min(bytes.len())
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The types of an NSEC type bitmap.
fn bitmap_types(mut bitmap: &[u8]) -> Vec<u16> {
    let mut types = Vec::new();
    while bitmap.len() >= 2 {
        let (window, len) = (u16::from(bitmap[0]), usize::from(bitmap[1]));
        let bits = &bitmap[2..(2 + len).min(bitmap.len())];
        for (i, byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(window * 256 + (i * 8 + bit) as u16);
                }
            }
        }
        bitmap = &bitmap[(2 + len).min(bitmap.len())..];
    }
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_order_compares_labels_from_the_right() {
        let mut names: Vec<&[u8]> = vec![
            b"\x01z\x07example\x00",
            b"\x07example\x00",
            b"\x01a\x01b\x07example\x00",
            b"\x01b\x07example\x00",
            b"\x01\x00\x07example\x00",
        ];
        names.sort_by(|a, b| canonical_order(a, b));
        let text: Vec<String> = names.iter().map(|n| name_text(n)).collect();
        assert_eq!(
            text,
            [
                "example.",
                "\\000.example.",
                "b.example.",
                "a.b.example.",
                "z.example."
            ]
        );
    }

    #[test]
    fn an_nsec_is_written_with_its_next_name_and_types() {
        let rdata = nsec_rdata(b"\x03www\x07example\x00", &mut [1, 6, 2, RRSIG, NSEC]);
        let text = record_text(&(b"\x07example\x00".to_vec(), NSEC, 300, rdata));
        assert_eq!(
            text,
            "example. 300 IN NSEC www.example. A NS SOA RRSIG NSEC"
        );
    }
}

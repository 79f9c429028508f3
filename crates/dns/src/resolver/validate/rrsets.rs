//! Grouping a resolution's records into RRsets with their RRSIGs, and checking an RRset's
//! signatures with a zone's keys.

use cairn_crypto::dnssec::{label_count, RrsigFields};

use super::verify::{self, SigError};
use super::Ede;
use crate::resolver::message::rtype;
use crate::resolver::{name, Record};

/// One RRset of a resolution and the RRSIGs over it.
#[derive(Debug)]
pub(crate) struct SignedRrset<'r> {
    pub(crate) owner: &'r [u8],
    pub(crate) rtype: u16,
    pub(crate) rdatas: Vec<&'r [u8]>,
    pub(crate) sigs: Vec<(RrsigFields, &'r [u8])>,
}

impl SignedRrset<'_> {
    /// The zone that signed it (the first RRSIG's signer at or above the owner).
    pub(crate) fn signer(&self) -> Option<&[u8]> {
        self.sigs
            .iter()
            .map(|(f, _)| &f.signer[..])
            .find(|s| name::is_at_or_below(self.owner, s))
    }

    /// The fewest labels an RRSIG over it claims: below the owner's count, the RRset was
    /// synthesised from a wildcard (RFC 4035 §5.3.4).
    pub(crate) fn wildcard_labels(&self) -> Option<u8> {
        let owner = label_count(self.owner);
        self.sigs
            .iter()
            .map(|(f, _)| f.labels)
            .filter(|&l| l < owner)
            .min()
    }
}

/// The RRsets among `records` (RRSIGs attached to the RRset they cover, in first-seen
/// order).
pub(crate) fn group(records: &[Record]) -> Vec<SignedRrset<'_>> {
    let mut sets: Vec<SignedRrset<'_>> = Vec::new();
    for r in records.iter().filter(|r| r.rtype != rtype::RRSIG) {
        match sets
            .iter_mut()
            .find(|s| s.rtype == r.rtype && s.owner.eq_ignore_ascii_case(&r.owner))
        {
            Some(set) => set.rdatas.push(r.rdata.bytes()),
            None => sets.push(SignedRrset {
                owner: &r.owner,
                rtype: r.rtype,
                rdatas: vec![r.rdata.bytes()],
                sigs: Vec::new(),
            }),
        }
    }
    for r in records.iter().filter(|r| r.rtype == rtype::RRSIG) {
        let Some((fields, sig)) = RrsigFields::parse(r.rdata.bytes()) else {
            continue;
        };
        if let Some(set) = sets
            .iter_mut()
            .find(|s| s.rtype == fields.type_covered && s.owner.eq_ignore_ascii_case(&r.owner))
        {
            set.sigs.push((fields, sig));
        }
    }
    sets
}

/// Checks that some RRSIG over `set` by `zone` verifies with one of `keys` (DNSKEY RDATA)
/// at `now`; else the EDE saying why (RFC 8914 §4.8–4.11).
pub(crate) fn check(
    set: &SignedRrset<'_>,
    zone: &[u8],
    keys: &[Vec<u8>],
    now: u32,
) -> Result<(), Ede> {
    let what = || format!("{} {}", name::to_text(set.owner), type_text(set.rtype));
    if set.sigs.is_empty() {
        return Err(Ede::new(
            Ede::RRSIGS_MISSING,
            format!("no signature over {}", what()),
        ));
    }
    let mut worst = SigError::Invalid;
    let mut tried = false;
    for (fields, sig) in &set.sigs {
        if !fields.signer.eq_ignore_ascii_case(zone) || fields.labels > label_count(set.owner) {
            continue;
        }
        for key in keys.iter().filter_map(|k| verify::parse_dnskey(k)) {
            if key.tag != fields.key_tag || key.algorithm != fields.algorithm {
                continue;
            }
            tried = true;
            match verify::verify(fields, sig, set.owner, &set.rdatas, &key, now) {
                Ok(()) => return Ok(()),
                Err(e @ (SigError::Expired | SigError::NotYetValid)) => worst = e,
                Err(_) => {}
            }
        }
    }
    let zone = name::to_text(zone);
    Err(match (tried, worst) {
        (false, _) => Ede::new(
            Ede::DNSKEY_MISSING,
            format!("no key of {zone} matches the signatures over {}", what()),
        ),
        (true, SigError::Expired) => Ede::new(
            Ede::SIGNATURE_EXPIRED,
            format!("signature over {} by {zone} expired", what()),
        ),
        (true, SigError::NotYetValid) => Ede::new(
            Ede::SIGNATURE_NOT_YET_VALID,
            format!("signature over {} by {zone} not yet valid", what()),
        ),
        (true, _) => Ede::new(
            Ede::BOGUS,
            format!("signature over {} by {zone} does not verify", what()),
        ),
    })
}

/// A type's mnemonic for messages.
pub(crate) fn type_text(t: u16) -> String {
    match t {
        1 => "A".into(),
        2 => "NS".into(),
        5 => "CNAME".into(),
        6 => "SOA".into(),
        12 => "PTR".into(),
        15 => "MX".into(),
        16 => "TXT".into(),
        28 => "AAAA".into(),
        43 => "DS".into(),
        46 => "RRSIG".into(),
        47 => "NSEC".into(),
        48 => "DNSKEY".into(),
        50 => "NSEC3".into(),
        other => format!("TYPE{other}"),
    }
}

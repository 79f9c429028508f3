//! Authenticated denial of existence: what NSEC (RFC 4034 §4, RFC 4035 §5.4) and NSEC3
//! (RFC 5155 §8) records prove. The records given here have had their signatures checked;
//! these functions only reason about names, hashes and type bitmaps.

use std::cmp::Ordering;

use ring::digest;

use crate::resolver::message::rtype;
use crate::resolver::name;

/// Type CNAME, NS and SOA bits in bitmaps.
const CNAME: u16 = rtype::CNAME;
const NS: u16 = rtype::NS;
const SOA: u16 = rtype::SOA;
/// Above this many NSEC3 iterations a zone is treated as unsigned (RFC 9276 §3.2; Unbound
/// uses the same bound).
const MAX_NSEC3_ITERATIONS: u16 = 150;

/// What the records prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    /// The denial is proven.
    Secure,
    /// Proven only up to an opt-out span (or an NSEC3 too costly to check): no AD.
    Insecure,
    /// Not proven: the answer is bogus.
    Missing,
}

/// What the records say about a DS that was not found at a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoDs {
    /// The name is a delegation without DS: the child zone is unsigned.
    InsecureDelegation,
    /// The name is not a zone cut (or does not exist): look further down.
    NotACut,
    /// Nothing proves it.
    Missing,
}

//----------- NSEC -----------------------------------------------------------

/// One NSEC record.
#[derive(Debug, Clone)]
pub(crate) struct Nsec<'a> {
    pub(crate) owner: &'a [u8],
    pub(crate) next: Vec<u8>,
    pub(crate) bitmap: &'a [u8],
}

impl<'a> Nsec<'a> {
    /// Reads NSEC RDATA (next name, type bitmap).
    pub(crate) fn parse(owner: &'a [u8], rdata: &'a [u8]) -> Option<Self> {
        let len = name_len(rdata)?;
        Some(Self {
            owner,
            next: name::to_lowercase(&rdata[..len]),
            bitmap: &rdata[len..],
        })
    }

    /// Whether `n` lies strictly between this NSEC's owner and next name (wrapping at the
    /// zone's end, where the next name is the apex).
    fn covers(&self, n: &[u8]) -> bool {
        let after_owner = canonical_cmp(self.owner, n) == Ordering::Less;
        let before_next = canonical_cmp(n, &self.next) == Ordering::Less;
        if canonical_cmp(self.owner, &self.next) == Ordering::Less {
            after_owner && before_next
        } else {
            // The last NSEC of the zone: everything after its owner, inside the zone.
            after_owner && name::is_at_or_below(n, &self.next)
        }
    }

    fn matches(&self, n: &[u8]) -> bool {
        self.owner.eq_ignore_ascii_case(n)
    }

    fn has(&self, t: u16) -> bool {
        has_type(self.bitmap, t)
    }
}

//----------- NSEC3 ----------------------------------------------------------

/// One NSEC3 record.
#[derive(Debug, Clone)]
pub(crate) struct Nsec3<'a> {
    /// The zone it belongs to: its owner without the first label.
    zone: &'a [u8],
    owner_hash: Vec<u8>,
    algorithm: u8,
    opt_out: bool,
    iterations: u16,
    salt: &'a [u8],
    next_hash: &'a [u8],
    bitmap: &'a [u8],
}

impl<'a> Nsec3<'a> {
    /// Reads an NSEC3 record (RFC 5155 §3.2).
    pub(crate) fn parse(owner: &'a [u8], rdata: &'a [u8]) -> Option<Self> {
        let first = usize::from(*owner.first()?);
        let label = owner.get(1..1 + first)?;
        let zone = owner.get(1 + first..)?;
        let owner_hash = base32hex_decode(label)?;
        let (&algorithm, rest) = rdata.split_first()?;
        let (&flags, rest) = rest.split_first()?;
        let (iterations, rest) = rest.split_at_checked(2)?;
        let (&salt_len, rest) = rest.split_first()?;
        let (salt, rest) = rest.split_at_checked(usize::from(salt_len))?;
        let (&hash_len, rest) = rest.split_first()?;
        let (next_hash, bitmap) = rest.split_at_checked(usize::from(hash_len))?;
        Some(Self {
            zone,
            owner_hash,
            algorithm,
            opt_out: flags & 1 != 0,
            iterations: u16::from_be_bytes([iterations[0], iterations[1]]),
            salt,
            next_hash,
            bitmap,
        })
    }

    fn hash(&self, n: &[u8]) -> Option<Vec<u8>> {
        (self.algorithm == 1).then(|| nsec3_hash(n, self.salt, self.iterations))
    }

    fn matches(&self, n: &[u8]) -> bool {
        self.hash(n).is_some_and(|h| h == self.owner_hash)
    }

    fn covers(&self, n: &[u8]) -> bool {
        let Some(h) = self.hash(n) else {
            return false;
        };
        let (owner, next) = (&self.owner_hash[..], self.next_hash);
        if owner < next {
            owner < &h[..] && &h[..] < next
        } else {
            // The last NSEC3 of the hash ring.
            owner < &h[..] || &h[..] < next
        }
    }

    fn has(&self, t: u16) -> bool {
        has_type(self.bitmap, t)
    }
}

/// The NSEC3 hash of a name (RFC 5155 §5): SHA-1 over the canonical name and salt,
/// iterated.
pub(crate) fn nsec3_hash(n: &[u8], salt: &[u8], iterations: u16) -> Vec<u8> {
    let mut input = name::to_lowercase(n);
    input.extend_from_slice(salt);
    let mut hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    for _ in 0..iterations {
        let mut next = hash.as_ref().to_vec();
        next.extend_from_slice(salt);
        hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &next);
    }
    hash.as_ref().to_vec()
}

/// The zone's NSEC3 records, when they are usable: all from one zone, with parameters
/// cheap enough. `Err(())` when some are too costly (the answer is then insecure).
fn usable_nsec3<'r, 'a>(nsec3s: &'r [Nsec3<'a>]) -> Result<&'r [Nsec3<'a>], ()> {
    if nsec3s.iter().any(|n| n.iterations > MAX_NSEC3_ITERATIONS) {
        return Err(());
    }
    Ok(nsec3s)
}

/// The closest encloser proof (RFC 5155 §8.3): the closest encloser of `qname` (a name
/// with a matching NSEC3) and the covering NSEC3 of the next closer name.
fn closest_encloser<'r, 'a>(
    qname: &[u8],
    nsec3s: &'r [Nsec3<'a>],
) -> Option<(Vec<u8>, &'r Nsec3<'a>)> {
    let zone = nsec3s.first()?.zone;
    let mut next_closer: Option<&[u8]> = None;
    for ancestor in name::ancestors(qname) {
        if !name::is_at_or_below(ancestor, zone) {
            return None;
        }
        if nsec3s.iter().any(|n| n.matches(ancestor)) {
            let closer = next_closer?;
            let covering = nsec3s.iter().find(|n| n.covers(closer))?;
            return Some((ancestor.to_vec(), covering));
        }
        next_closer = Some(ancestor);
    }
    None
}

//----------- Proofs ---------------------------------------------------------

/// NXDOMAIN for `qname`: no such name, and no wildcard that could have matched.
pub(crate) fn nxdomain(qname: &[u8], nsecs: &[Nsec<'_>], nsec3s: &[Nsec3<'_>]) -> Proof {
    if let Some(covering) = nsecs.iter().find(|n| n.covers(qname)) {
        let ce = closest_encloser_nsec(qname, covering);
        let star = wildcard(&ce);
        if nsecs.iter().any(|n| n.covers(&star)) {
            return Proof::Secure;
        }
        return Proof::Missing;
    }
    let Ok(nsec3s) = usable_nsec3(nsec3s) else {
        return Proof::Insecure;
    };
    let Some((ce, covering)) = closest_encloser(qname, nsec3s) else {
        return Proof::Missing;
    };
    if !nsec3s.iter().any(|n| n.covers(&wildcard(&ce))) {
        return Proof::Missing;
    }
    if covering.opt_out {
        Proof::Insecure
    } else {
        Proof::Secure
    }
}

/// NODATA for `qname`/`qtype`: the name exists without that type (or a wildcard does).
pub(crate) fn nodata(qname: &[u8], qtype: u16, nsecs: &[Nsec<'_>], nsec3s: &[Nsec3<'_>]) -> Proof {
    if let Some(at) = nsecs.iter().find(|n| n.matches(qname)) {
        return if at.has(qtype) || at.has(CNAME) {
            Proof::Missing
        } else {
            Proof::Secure
        };
    }
    // An empty non-terminal: the name sorts before a name below it (RFC 4035 §5.4).
    if nsecs
        .iter()
        .any(|n| n.covers(qname) && name::is_at_or_below(&n.next, qname))
    {
        return Proof::Secure;
    }
    // A wildcard that exists without the type (RFC 4035 §3.1.3.4).
    if let Some(covering) = nsecs.iter().find(|n| n.covers(qname)) {
        let star = wildcard(&closest_encloser_nsec(qname, covering));
        if let Some(at) = nsecs.iter().find(|n| n.matches(&star)) {
            if !at.has(qtype) && !at.has(CNAME) {
                return Proof::Secure;
            }
        }
        return Proof::Missing;
    }
    let Ok(nsec3s) = usable_nsec3(nsec3s) else {
        return Proof::Insecure;
    };
    if let Some(at) = nsec3s.iter().find(|n| n.matches(qname)) {
        return if at.has(qtype) || at.has(CNAME) {
            Proof::Missing
        } else {
            Proof::Secure
        };
    }
    let Some((ce, covering)) = closest_encloser(qname, nsec3s) else {
        return Proof::Missing;
    };
    // DS at an opt-out delegation (RFC 5155 §8.6).
    if qtype == rtype::DS && covering.opt_out {
        return Proof::Insecure;
    }
    // A wildcard at the closest encloser without the type (RFC 5155 §8.7).
    match nsec3s.iter().find(|n| n.matches(&wildcard(&ce))) {
        Some(at) if !at.has(qtype) && !at.has(CNAME) => Proof::Secure,
        _ => Proof::Missing,
    }
}

/// An answer synthesised from a wildcard whose RRSIG has `labels` labels: `qname` itself
/// must not exist (RFC 4035 §5.3.4, RFC 5155 §8.8).
pub(crate) fn wildcard_expansion(
    qname: &[u8],
    labels: u8,
    nsecs: &[Nsec<'_>],
    nsec3s: &[Nsec3<'_>],
) -> Proof {
    if nsecs.iter().any(|n| n.covers(qname)) {
        return Proof::Secure;
    }
    let Ok(nsec3s) = usable_nsec3(nsec3s) else {
        return Proof::Insecure;
    };
    // The next closer name: the source of synthesis's parent plus one label of qname.
    let count = usize::from(cairn_crypto::dnssec::label_count(qname));
    let Some(next_closer) =
        name::ancestors(qname).nth(count.saturating_sub(usize::from(labels) + 1))
    else {
        return Proof::Missing;
    };
    match nsec3s.iter().find(|n| n.covers(next_closer)) {
        Some(n) if n.opt_out => Proof::Insecure,
        Some(_) => Proof::Secure,
        None => Proof::Missing,
    }
}

/// What a NODATA or NXDOMAIN answer to a DS query for `n` says about a zone cut there.
pub(crate) fn no_ds(n: &[u8], nxdomain: bool, nsecs: &[Nsec<'_>], nsec3s: &[Nsec3<'_>]) -> NoDs {
    if nxdomain {
        return match self::nxdomain(n, nsecs, nsec3s) {
            Proof::Missing => NoDs::Missing,
            Proof::Secure | Proof::Insecure => NoDs::NotACut,
        };
    }
    if let Some(at) = nsecs.iter().find(|x| x.matches(n)) {
        return match (at.has(rtype::DS), at.has(NS), at.has(SOA)) {
            (true, _, _) => NoDs::Missing,
            (false, true, false) => NoDs::InsecureDelegation,
            (false, false, _) => NoDs::NotACut,
            // The child's apex NSEC: the wrong side of the cut proves nothing about DS.
            (false, true, true) => NoDs::Missing,
        };
    }
    if nsecs
        .iter()
        .any(|x| x.covers(n) && name::is_at_or_below(&x.next, n))
    {
        return NoDs::NotACut;
    }
    let Ok(nsec3s) = usable_nsec3(nsec3s) else {
        return NoDs::InsecureDelegation;
    };
    if let Some(at) = nsec3s.iter().find(|x| x.matches(n)) {
        return match (at.has(rtype::DS), at.has(NS), at.has(SOA)) {
            (true, _, _) | (false, true, true) => NoDs::Missing,
            (false, true, false) => NoDs::InsecureDelegation,
            (false, false, _) => NoDs::NotACut,
        };
    }
    match closest_encloser(n, nsec3s) {
        Some((_, covering)) if covering.opt_out => NoDs::InsecureDelegation,
        _ => NoDs::Missing,
    }
}

//----------- Names and bitmaps ----------------------------------------------

/// The closest encloser an NSEC covering `qname` shows: the longest of qname's ancestors
/// that is an ancestor of the NSEC's owner or next name.
fn closest_encloser_nsec(qname: &[u8], covering: &Nsec<'_>) -> Vec<u8> {
    name::ancestors(qname)
        .skip(1)
        .find(|a| {
            name::is_at_or_below(covering.owner, a) || name::is_at_or_below(&covering.next, a)
        })
        .unwrap_or(name::ROOT)
        .to_vec()
}

/// `*.` + `n`.
fn wildcard(n: &[u8]) -> Vec<u8> {
    let mut out = vec![1, b'*'];
    out.extend_from_slice(n);
    out
}

/// Compares names in DNSSEC canonical order (RFC 4034 §6.1): label by label from the
/// right, each as lowercase bytes.
pub(crate) fn canonical_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (la, lb) = (labels(a), labels(b));
    for (x, y) in la.iter().rev().zip(lb.iter().rev()) {
        let ord = x
            .iter()
            .map(u8::to_ascii_lowercase)
            .cmp(y.iter().map(u8::to_ascii_lowercase));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    la.len().cmp(&lb.len())
}

fn labels(n: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(&len) = n.get(pos) {
        if len == 0 {
            break;
        }
        let end = (pos + 1 + usize::from(len)).min(n.len());
        out.push(&n[pos + 1..end]);
        pos = end;
    }
    out
}

/// The length of the uncompressed wire name at the start of `data`.
fn name_len(data: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        let len = usize::from(*data.get(pos)?);
        if len == 0 {
            return Some(pos + 1);
        }
        if len > 63 {
            return None;
        }
        pos += 1 + len;
    }
}

/// Whether a type bitmap (RFC 4034 §4.1.2) lists `t`.
pub(crate) fn has_type(bitmap: &[u8], t: u16) -> bool {
    let (window, bit) = ((t >> 8) as u8, (t & 0xff) as usize);
    let mut pos = 0;
    while pos + 2 <= bitmap.len() {
        let (w, len) = (bitmap[pos], usize::from(bitmap[pos + 1]));
        let bits = bitmap.get(pos + 2..pos + 2 + len).unwrap_or(&[]);
        if w == window {
            return bits
                .get(bit / 8)
                .is_some_and(|byte| byte & (0x80 >> (bit % 8)) != 0);
        }
        pos += 2 + len;
    }
    false
}

/// Decodes base32hex (RFC 4648 §7), either case, no padding.
fn base32hex_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c.to_ascii_uppercase() {
            b'0'..=b'9' => c - b'0',
            c @ b'A'..=b'V' => c - b'A' + 10,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
#[path = "denial_tests.rs"]
mod tests;

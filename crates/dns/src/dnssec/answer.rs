//! Writing a signed answer: the plan [`crate::auth::lookup`] made, with an RRSIG after
//! every RRset the zone is authoritative for, and an NSEC ([`super::denial`]) where the
//! answer denies something.
//!
//! | plan | written |
//! |---|---|
//! | DNSKEY at the apex | the stored DNSKEY RRset and the KSKs' RRSIGs |
//! | answer (CNAME chain, routed variants, aliases) | each RRset as sent, signed; variants of one name and type are one RRset |
//! | DNAME redirection | the DNAME signed; the CNAME synthesised from it unsigned (RFC 6672 §5.3.1) |
//! | wildcard expansion | signed as if the name asked existed (its own label count), no NSEC |
//! | NXDOMAIN | NOERROR: SOA + RRSIG, NSEC (RRSIG NSEC NXNAME) + RRSIG |
//! | NODATA | SOA + RRSIG, NSEC (the name's types) + RRSIG |
//! | referral | NS unsigned, then the DS RRset signed, or an NSEC proving there is none |
//! | additional | in-zone addresses signed; glue (below a cut) unsigned |
//!
//! A complete answer made of zone data only is kept whole ([`super::answers`]) and
//! [`push_cached`] copies it next time.
//!
//! Required data that does not fit truncates (TC=1), as [`crate::respond::write_plan`] does;
//! the zone's NS on a positive answer and the additional section are left out instead.

use cairn_crypto::dnssec::label_count;
use cairn_crypto::dnssec::rtype::{DNSKEY, DS, RRSIG};
use cairn_wire::name::is_at_or_below;
use cairn_wire::{rtype, NoRoom, Rcode, Rdata, ResponseWriter, Section};
use smallvec::SmallVec;

use super::answers::SignedAnswer;
use super::denial;
use super::ZoneSigner;
use crate::auth::Plan;
use crate::zone::{CompiledZone, Node};

/// One RRset to write: owner, type, TTL, records.
type Set<'a> = (&'a [u8], u16, u32, SmallVec<[&'a Rdata; 4]>);

/// Writes `plan` (for `qname`, lowercase wire, and `qtype` in `zone`) signed by `signer`
/// at `now` (seconds since the epoch); the response code sent (NXDOMAIN becomes NOERROR:
/// black lies).
#[allow(clippy::too_many_arguments)]
pub fn write_signed(
    w: &mut ResponseWriter<'_>,
    zone: &CompiledZone,
    signer: &ZoneSigner,
    qname: &[u8],
    qtype: u16,
    plan: &Plan<'_>,
    now: u32,
) -> Rcode {
    let mut out = Writer {
        w,
        zone,
        signer,
        now,
        expiration: u32::MAX,
    };
    if qtype == DNSKEY && qname == &zone.apex[..] && !signer.dnskeys.is_empty() {
        out.dnskey_answer(true);
        return Rcode::NoError;
    }
    let rcode = match plan.rcode {
        Rcode::NxDomain => Rcode::NoError,
        rcode => rcode,
    };
    out.w.set_rcode(rcode);
    out.w.set_aa(plan.authoritative);

    let mut sets: SmallVec<[Set<'_>; 4]> = SmallVec::new();
    for (owner, rrset) in &plan.answer {
        match sets
            .iter_mut()
            .find(|(o, t, _, _)| *o == *owner && *t == rrset.rtype)
        {
            // Routed variants of one name and type sent together (multivalue) are one
            // RRset to a validator: one TTL, one signature.
            Some((_, _, ttl, rdatas)) => {
                *ttl = (*ttl).min(rrset.ttl);
                rdatas.extend(rrset.rdatas.iter());
            }
            None => sets.push((
                *owner,
                rrset.rtype,
                rrset.ttl,
                rrset.rdatas.iter().collect(),
            )),
        }
    }
    for (owner, rtype, ttl, rdatas) in &sets {
        // A wildcard expansion too is signed with the owner's own label count: signed
        // online, it is an RRset at that name, and needs no NSEC proof of a closer match,
        // which a signature with the wildcard's label count would (RFC 4035 §5.3.4; BIND
        // rejects it without: "no valid NSEC"). Route 53 sends no NSEC with these either.
        let labels = label_count(owner);
        // A CNAME synthesised from a DNAME goes unsigned: the signed DNAME before it
        // proves it (RFC 6672 §5.3.1), as Knot and BIND send it.
        let synthesised = *rtype == rtype::CNAME
            && sets.iter().any(|(dname, t, _, _)| {
                *t == rtype::DNAME && dname.len() < owner.len() && is_at_or_below(owner, dname)
            });
        let labels = (!synthesised).then_some(labels);
        if out
            .push(Section::Answer, owner, *rtype, *ttl, rdatas, labels)
            .is_err()
        {
            out.truncate();
            return rcode;
        }
    }

    let soa = zone.negative_soa.as_deref();
    let before_authority = out.w.mark();
    for (owner, rrset) in &plan.authority {
        let written = if rrset.rtype == rtype::NS && *owner != &zone.apex[..] {
            out.delegation(owner, rrset)
        } else if soa.is_some_and(|soa| std::ptr::eq(*rrset, soa)) {
            out.denial(owner, rrset, plan, qname, qtype)
        } else {
            let all: SmallVec<[&Rdata; 4]> = rrset.rdatas.iter().collect();
            let labels = label_count(owner);
            out.push(
                Section::Authority,
                owner,
                rrset.rtype,
                rrset.ttl,
                &all,
                Some(labels),
            )
        };
        if written.is_err() {
            if plan.authority_optional {
                // Left out for want of room: not an answer to keep.
                out.w.rollback(before_authority);
                return rcode;
            }
            out.truncate();
            return rcode;
        }
    }

    for (owner, rrset) in &plan.additional {
        let mark = out.w.mark();
        let all: SmallVec<[&Rdata; 4]> = rrset.rdatas.iter().collect();
        // Glue belongs to the child zone: never signed here (RFC 4035 §2.2).
        let labels = (!below_cut(zone, owner)).then(|| label_count(owner));
        if out
            .push(
                Section::Additional,
                owner,
                rrset.rtype,
                rrset.ttl,
                &all,
                labels,
            )
            .is_err()
        {
            out.w.rollback(mark);
            return rcode;
        }
    }
    if from_zone_data_only(zone, plan) {
        if let Some((sections, counts)) = out.w.encoded_sections() {
            let answer = SignedAnswer {
                sections: sections.into(),
                counts,
                rcode,
                authoritative: plan.authoritative,
                expiration: out.expiration,
            };
            zone.signed_answers.insert(qname, qtype, answer);
        }
    }
    rcode
}

/// Writes the DNSKEY RRset of a signed zone to a query without DO: the keys are zone data
/// (dig asks for them without `+dnssec`), only the RRSIGs need DO (RFC 4035 §3.1).
pub fn write_dnskey_unsigned(w: &mut ResponseWriter<'_>, zone: &CompiledZone, signer: &ZoneSigner) {
    let mut out = Writer {
        w,
        zone,
        signer,
        now: 0,
        expiration: u32::MAX,
    };
    out.dnskey_answer(false);
}

/// Writes the signed answer kept for `qname` and `qtype` ([`super::answers`]), if there is
/// one still fresh at `now` and it fits; its response code. Must come before any record.
pub fn push_cached(
    w: &mut ResponseWriter<'_>,
    zone: &CompiledZone,
    qname: &[u8],
    qtype: u16,
    now: u32,
) -> Option<Rcode> {
    let answer = zone.signed_answers.get(qname, qtype, now)?;
    w.push_encoded(&answer.sections, answer.counts).ok()?;
    w.set_rcode(answer.rcode);
    w.set_aa(answer.authoritative);
    Some(answer.rcode)
}

/// Whether `plan` is made of the zone's own data only: every answer RRset is the plain
/// RRset of its owner (or of the wildcard that synthesised it), not a routed variant or an
/// alias's target, which health, the client and other zones decide. Authority and
/// additional data always are.
fn from_zone_data_only(zone: &CompiledZone, plan: &Plan<'_>) -> bool {
    plan.answer.iter().all(|(owner, rrset)| {
        node_or_wildcard(zone, owner)
            .and_then(|node| node.rrset(rrset.rtype))
            .is_some_and(|own| std::ptr::eq(&**own, *rrset))
    })
}

/// The node at `name`, or the wildcard's that synthesises it.
fn node_or_wildcard<'z>(zone: &'z CompiledZone, name: &[u8]) -> Option<&'z Node> {
    if let Some(node) = zone.nodes.get(name) {
        return Some(node);
    }
    let closest = closest_encloser(zone, name);
    let mut wildcard: SmallVec<[u8; 257]> = SmallVec::new();
    wildcard.extend_from_slice(b"\x01*");
    wildcard.extend_from_slice(closest);
    zone.nodes.get(&wildcard[..]).map(|n| &**n)
}

struct Writer<'w, 'b, 'z> {
    w: &'w mut ResponseWriter<'b>,
    zone: &'z CompiledZone,
    signer: &'z ZoneSigner,
    now: u32,
    /// The earliest expiration of the RRSIGs written.
    expiration: u32,
}

impl Writer<'_, '_, '_> {
    /// Appends the records of one RRset, then, when `labels` is given, its RRSIG.
    fn push(
        &mut self,
        section: Section,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        rdatas: &[&Rdata],
        labels: Option<u8>,
    ) -> Result<(), NoRoom> {
        for rdata in rdatas {
            self.w.push_rr(section, owner, rtype, ttl, rdata)?;
        }
        if let Some(labels) = labels {
            let (rrsig, expiration) = self
                .signer
                .rrsig(owner, rtype, ttl, labels, rdatas, self.now);
            self.expiration = self.expiration.min(expiration);
            self.w.push_rr(section, owner, RRSIG, ttl, &rrsig)?;
        }
        Ok(())
    }

    fn truncate(&mut self) {
        self.w.clear_records();
        self.w.set_tc(true);
    }

    /// The DNSKEY RRset at the apex, then the zone's NS; with the KSKs' and ZSK's
    /// signatures when `signed`.
    fn dnskey_answer(&mut self, signed: bool) {
        self.w.set_rcode(Rcode::NoError);
        self.w.set_aa(true);
        let (zone, signer) = (self.zone, self.signer);
        let apex: &[u8] = &zone.apex;
        let ttl = signer.dnskey_ttl;
        let records = signer.dnskeys.iter().map(|r| (DNSKEY, r));
        let rrsigs = signer
            .dnskey_rrsigs
            .iter()
            .take(if signed { usize::MAX } else { 0 })
            .map(|r| (RRSIG, r));
        for (rtype, rdata) in records.chain(rrsigs) {
            if self
                .w
                .push_rr(Section::Answer, apex, rtype, ttl, rdata)
                .is_err()
            {
                self.truncate();
                return;
            }
        }
        if let Some(ns) = &zone.apex_ns {
            let mark = self.w.mark();
            let all: SmallVec<[&Rdata; 4]> = ns.rdatas.iter().collect();
            let labels = signed.then(|| label_count(apex));
            if self
                .push(Section::Authority, apex, ns.rtype, ns.ttl, &all, labels)
                .is_err()
            {
                self.w.rollback(mark);
            }
        }
    }

    /// A referral's NS (unsigned: the child's data), then the DS RRset signed or the NSEC
    /// proving the child unsigned (NS bit set, DS bit clear).
    fn delegation(&mut self, cut: &[u8], ns: &crate::zone::CompiledRrset) -> Result<(), NoRoom> {
        let all: SmallVec<[&Rdata; 4]> = ns.rdatas.iter().collect();
        self.push(Section::Authority, cut, ns.rtype, ns.ttl, &all, None)?;
        let zone = self.zone;
        let Some(node) = zone.nodes.get(cut) else {
            return Ok(());
        };
        let labels = label_count(cut);
        if let Some(ds) = node.rrset(DS) {
            let all: SmallVec<[&Rdata; 4]> = ds.rdatas.iter().collect();
            return self.push(Section::Authority, cut, DS, ds.ttl, &all, Some(labels));
        }
        let types = denial::nodata_types(denial::node_types(node, false), DS);
        self.push_nsec(cut, types)
    }

    /// The SOA of a negative answer, signed, then the NSEC at the name denied.
    fn denial(
        &mut self,
        apex: &[u8],
        soa: &crate::zone::CompiledRrset,
        plan: &Plan<'_>,
        qname: &[u8],
        qtype: u16,
    ) -> Result<(), NoRoom> {
        let all: SmallVec<[&Rdata; 4]> = soa.rdatas.iter().collect();
        let labels = label_count(apex);
        self.push(
            Section::Authority,
            apex,
            soa.rtype,
            soa.ttl,
            &all,
            Some(labels),
        )?;
        // The name denied is where the CNAME chain ended.
        let name: &[u8] = match plan.answer.last() {
            Some((_, last)) if last.rtype == rtype::CNAME && qtype != rtype::CNAME => {
                last.cname_target.as_deref().unwrap_or(qname)
            }
            _ => qname,
        };
        let types = if plan.rcode == Rcode::NxDomain {
            denial::nxname_types()
        } else {
            denial::nodata_types(self.types_at(name), qtype)
        };
        self.push_nsec(name, types)
    }

    /// The types at `name`: its node's, or the wildcard's that synthesised it.
    fn types_at(&self, name: &[u8]) -> Vec<u16> {
        let apex: &[u8] = &self.zone.apex;
        node_or_wildcard(self.zone, name)
            .map(|node| denial::node_types(node, name == apex))
            .unwrap_or_default()
    }

    /// One NSEC at `owner` listing `types`, signed, with the negative TTL (RFC 9077).
    fn push_nsec(&mut self, owner: &[u8], mut types: Vec<u16>) -> Result<(), NoRoom> {
        let ttl = self.zone.negative_soa.as_ref().map_or(0, |soa| soa.ttl);
        let nsec = denial::nsec(owner, &mut types);
        let labels = label_count(owner);
        self.push(
            Section::Authority,
            owner,
            cairn_crypto::dnssec::rtype::NSEC,
            ttl,
            &[&nsec],
            Some(labels),
        )
    }
}

/// The deepest existing name at or above `name` (lowercase wire, in `zone`); the apex at
/// worst.
fn closest_encloser<'n>(zone: &CompiledZone, name: &'n [u8]) -> &'n [u8] {
    let mut suffix = name;
    while suffix.len() > zone.apex.len() && !zone.nodes.contains_key(suffix) {
        suffix = &suffix[1 + usize::from(suffix[0])..];
    }
    suffix
}

/// Whether `name` lies below a zone cut (its data is glue).
fn below_cut(zone: &CompiledZone, name: &[u8]) -> bool {
    let mut suffix = name;
    while suffix.len() > zone.apex.len() {
        if zone.nodes.get(suffix).is_some_and(|n| n.is_delegation()) {
            return true;
        }
        suffix = &suffix[1 + usize::from(suffix[0])..];
    }
    false
}

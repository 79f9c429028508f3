//! DNSSEC validation of public answers (RFC 4033–4035, RFC 5155, RFC 6840), for VPCs whose
//! `ResolverDnssecConfig` is ENABLED (issue 18).
//!
//! ```text
//!  Validator::resolve(qname, qtype)
//!    ├─ Resolver (dnssec_ok): the answer with its RRSIGs, negative answers with NSEC/NSEC3
//!    ├─ verdict cache: (qname, qtype, fingerprint of the records) ─► Security, by TTL
//!    └─ per RRset: signer ─► chain::walk(signer): anchor ─DS─► DNSKEY ─DS─► … (cached per
//!       name) ─► rrsets::check (verify.rs, ring) · wildcard and negative answers: denial.rs
//! ```
//!
//! # Contract
//!
//! * [`Validator::new`] takes a resolver made with [`ResolverConfig::dnssec_ok`] (the
//!   RRSIGs and proofs are read from its resolutions; DS and DNSKEY are looked up through
//!   it, so they share its cache) and the [`TrustAnchors`].
//! * [`Validator::resolve`] returns the resolution (DNSSEC records included; the caller
//!   drops them for clients that did not set DO) and its [`Security`]: `Secure` (AD may be
//!   set), `Insecure` (no trust anchor, an unsigned delegation, opt-out), or `Bogus` with
//!   the Extended DNS Error (RFC 8914) that says why (the caller answers SERVFAIL, unless
//!   the client set CD).
//! * A cache hit costs a resolver cache hit, a hash of the records and one map lookup.

mod anchor;
mod chain;
mod denial;
mod rrsets;
mod verify;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cairn_wire::Rcode;

pub use anchor::{AnchorError, TrustAnchors, IANA_ROOT_ANCHORS};
use chain::Walk;
use denial::Proof;

use super::message::rtype;
use super::{name, Record, Resolution, Resolver};

/// Most entries in each of the validator's caches; beyond it one is cleared and refilled.
const MAX_ENTRIES: usize = 100_000;

//----------- Security and Ede -----------------------------------------------

/// What validation concluded about an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// Every RRset and denial in it validated from a trust anchor.
    Secure,
    /// Some part lies outside any chain of trust (unsigned zone, opt-out, unsupported
    /// algorithm): answered without AD.
    Insecure,
    /// A chain of trust says it should be signed, and it does not validate.
    Bogus(Ede),
}

/// An Extended DNS Error (RFC 8914): INFO-CODE and EXTRA-TEXT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ede {
    /// The INFO-CODE.
    pub code: u16,
    /// The EXTRA-TEXT: what failed, naming the zone.
    pub text: String,
}

impl Ede {
    /// 6: DNSSEC Bogus.
    pub const BOGUS: u16 = 6;
    /// 7: Signature Expired.
    pub const SIGNATURE_EXPIRED: u16 = 7;
    /// 8: Signature Not Yet Valid.
    pub const SIGNATURE_NOT_YET_VALID: u16 = 8;
    /// 9: DNSKEY Missing.
    pub const DNSKEY_MISSING: u16 = 9;
    /// 10: RRSIGs Missing.
    pub const RRSIGS_MISSING: u16 = 10;
    /// 12: NSEC Missing.
    pub const NSEC_MISSING: u16 = 12;

    fn new(code: u16, text: String) -> Self {
        Self { code, text }
    }
}

/// A resolution and what validation said about it.
#[derive(Debug, Clone)]
pub struct Validated {
    /// The answer, RRSIGs and NSEC/NSEC3 records included.
    pub resolution: Resolution,
    /// Its security status.
    pub security: Security,
}

//----------- Validator ------------------------------------------------------

/// Validates a DNSSEC-aware resolver's answers; share it in an `Arc`.
#[derive(Debug)]
pub struct Validator {
    resolver: Arc<Resolver>,
    anchors: TrustAnchors,
    /// The chain of trust by name ([`chain::Step`]), with when each expires.
    steps: Mutex<HashMap<Vec<u8>, (chain::Step, Instant)>>,
    /// Verdicts by (qname, qtype): valid while the records hash the same and the TTL lasts.
    verdicts: Mutex<HashMap<(Vec<u8>, u16), Verdict>>,
    max_ttl: u32,
    max_entries: usize,
}

#[derive(Debug, Clone)]
struct Verdict {
    fingerprint: u64,
    security: Security,
    expires: Instant,
}

impl Validator {
    /// A validator over `resolver` (which must set DO) from `anchors`.
    pub fn new(resolver: Arc<Resolver>, anchors: TrustAnchors) -> Self {
        let max_ttl = resolver.config().max_ttl;
        Self {
            resolver,
            anchors,
            steps: Mutex::new(HashMap::new()),
            verdicts: Mutex::new(HashMap::new()),
            max_ttl,
            max_entries: MAX_ENTRIES,
        }
    }

    /// The resolver answers come from.
    pub fn resolver(&self) -> &Arc<Resolver> {
        &self.resolver
    }

    /// Resolves `qname`/`qtype` (any case) and validates the answer.
    pub async fn resolve(&self, qname: &[u8], qtype: u16) -> Validated {
        let resolution = self.resolver.resolve(qname, qtype).await;
        let security = self
            .validate(&name::to_lowercase(qname), qtype, &resolution)
            .await;
        Validated {
            resolution,
            security,
        }
    }

    /// The security of `resolution`, the answer to `qname` (lowercase) / `qtype`.
    pub async fn validate(&self, qname: &[u8], qtype: u16, resolution: &Resolution) -> Security {
        if !matches!(resolution.rcode, Rcode::NoError | Rcode::NxDomain) {
            return Security::Insecure;
        }
        let fingerprint = fingerprint(resolution);
        let key = (qname.to_vec(), qtype);
        if let Some(known) = self.known_verdict(&key, fingerprint) {
            return known;
        }
        let security = self.judge(qname, qtype, resolution).await;
        let ttl = match security {
            Security::Bogus(_) => chain::BOGUS_TTL,
            _ => chain::min_ttl(&resolution.answer, &resolution.authority),
        }
        .min(self.max_ttl);
        let verdict = Verdict {
            fingerprint,
            security: security.clone(),
            expires: super::clock() + std::time::Duration::from_secs(u64::from(ttl)),
        };
        let mut verdicts = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        if verdicts.len() >= self.max_entries {
            verdicts.clear();
        }
        verdicts.insert(key, verdict);
        security
    }

    fn known_verdict(&self, key: &(Vec<u8>, u16), fingerprint: u64) -> Option<Security> {
        let verdicts = self.verdicts.lock().unwrap_or_else(|p| p.into_inner());
        let verdict = verdicts.get(key)?;
        (verdict.fingerprint == fingerprint && verdict.expires > super::clock())
            .then(|| verdict.security.clone())
    }

    /// Validates every RRset of the answer, then the denial when the answer ends without
    /// data of `qtype`.
    async fn judge(&self, qname: &[u8], qtype: u16, resolution: &Resolution) -> Security {
        let mut security = Security::Secure;
        let sets = rrsets::group(&resolution.answer);
        for set in &sets {
            // A CNAME synthesised from a DNAME comes unsigned: it is proven by the DNAME
            // beside it, which is judged as any other RRset (RFC 6672 §5.3.1).
            if set.signer().is_none() && synthesised_by_dname(set, &sets) {
                continue;
            }
            let part = self.judge_rrset(set, &resolution.authority).await;
            security = worse(security, part);
            if matches!(security, Security::Bogus(_)) {
                return security;
            }
        }
        // Where the CNAME chain ends.
        let mut end = qname.to_vec();
        for _ in 0..=sets.len() {
            match sets
                .iter()
                .find(|s| s.rtype == rtype::CNAME && s.owner.eq_ignore_ascii_case(&end))
            {
                Some(cname) if qtype != rtype::CNAME => end = name::to_lowercase(cname.rdatas[0]),
                _ => break,
            }
        }
        let answered = sets
            .iter()
            .any(|s| s.rtype == qtype && s.owner.eq_ignore_ascii_case(&end));
        if !answered {
            let part = self
                .judge_denial(&end, qtype, resolution.rcode, &resolution.authority)
                .await;
            security = worse(security, part);
        }
        security
    }

    async fn judge_rrset(&self, set: &rrsets::SignedRrset<'_>, authority: &[Record]) -> Security {
        let what = || {
            format!(
                "{} {}",
                name::to_text(set.owner),
                rrsets::type_text(set.rtype)
            )
        };
        let Some(signer) = set.signer() else {
            return match self.walk(set.owner).await {
                Walk::Insecure => Security::Insecure,
                Walk::Bogus(ede) => Security::Bogus(ede),
                Walk::Secure { zone, .. } => Security::Bogus(Ede::new(
                    Ede::RRSIGS_MISSING,
                    format!(
                        "no signature over {} in signed zone {}",
                        what(),
                        name::to_text(&zone)
                    ),
                )),
            };
        };
        let (zone, keys) = match self.walk(signer).await {
            Walk::Insecure => return Security::Insecure,
            Walk::Bogus(ede) => return Security::Bogus(ede),
            Walk::Secure { zone, keys } => (zone, keys),
        };
        if !zone.eq_ignore_ascii_case(signer) {
            return Security::Bogus(Ede::new(
                Ede::DNSKEY_MISSING,
                format!(
                    "{} is signed by {}, not a zone apex",
                    what(),
                    name::to_text(signer)
                ),
            ));
        }
        let now = now();
        if let Err(ede) = rrsets::check(set, &zone, &keys, now) {
            return Security::Bogus(ede);
        }
        let Some(labels) = set.wildcard_labels() else {
            return Security::Secure;
        };
        // A wildcard expansion: the name itself must be proven absent.
        let proof = match self.checked_denial(authority, &zone, &keys, now) {
            Ok(proof) => proof,
            Err(ede) => return Security::Bogus(ede),
        };
        let (nsecs, nsec3s) = proof.parse();
        match denial::wildcard_expansion(set.owner, labels, &nsecs, &nsec3s) {
            Proof::Secure => Security::Secure,
            Proof::Insecure => Security::Insecure,
            Proof::Missing => Security::Bogus(Ede::new(
                Ede::NSEC_MISSING,
                format!(
                    "no proof that {} does not exist besides its wildcard in zone {}",
                    what(),
                    name::to_text(&zone)
                ),
            )),
        }
    }

    async fn judge_denial(
        &self,
        end: &[u8],
        qtype: u16,
        rcode: Rcode,
        authority: &[Record],
    ) -> Security {
        let what = || format!("{} {}", name::to_text(end), rrsets::type_text(qtype));
        let sets = rrsets::group(authority);
        let signer = sets
            .iter()
            .filter(|s| matches!(s.rtype, rtype::SOA | rtype::NSEC | rtype::NSEC3))
            .find_map(|s| s.signer())
            .filter(|s| name::is_at_or_below(end, s) || rtype::DS == qtype)
            .map(<[u8]>::to_vec);
        let Some(signer) = signer else {
            return match self.walk(end).await {
                Walk::Insecure => Security::Insecure,
                Walk::Bogus(ede) => Security::Bogus(ede),
                Walk::Secure { zone, .. } => Security::Bogus(Ede::new(
                    Ede::NSEC_MISSING,
                    format!(
                        "no signed denial of {} in signed zone {}",
                        what(),
                        name::to_text(&zone)
                    ),
                )),
            };
        };
        let (zone, keys) = match self.walk(&signer).await {
            Walk::Insecure => return Security::Insecure,
            Walk::Bogus(ede) => return Security::Bogus(ede),
            Walk::Secure { zone, keys } => (zone, keys),
        };
        if zone != signer {
            return Security::Bogus(Ede::new(
                Ede::DNSKEY_MISSING,
                format!(
                    "the denial of {} is signed by {}, not a zone apex",
                    what(),
                    name::to_text(&signer)
                ),
            ));
        }
        let proof = match self.checked_denial(authority, &zone, &keys, now()) {
            Ok(proof) => proof,
            Err(ede) => return Security::Bogus(ede),
        };
        let missing = || {
            Security::Bogus(Ede::new(
                Ede::NSEC_MISSING,
                format!(
                    "no NSEC or NSEC3 proves the denial of {} in zone {}",
                    what(),
                    name::to_text(&zone)
                ),
            ))
        };
        if proof.is_empty() {
            return missing();
        }
        let (nsecs, nsec3s) = proof.parse();
        let verdict = if rcode == Rcode::NxDomain {
            denial::nxdomain(end, &nsecs, &nsec3s)
        } else {
            denial::nodata(end, qtype, &nsecs, &nsec3s)
        };
        match verdict {
            Proof::Secure => Security::Secure,
            Proof::Insecure => Security::Insecure,
            Proof::Missing => missing(),
        }
    }
}

/// Whether `set` is a CNAME that a DNAME among `sets` makes: its owner strictly below the
/// DNAME's, its target the owner with the DNAME's owner replaced by the DNAME's target.
fn synthesised_by_dname(set: &rrsets::SignedRrset<'_>, sets: &[rrsets::SignedRrset<'_>]) -> bool {
    let [target] = set.rdatas[..] else {
        return false;
    };
    set.rtype == rtype::CNAME
        && sets.iter().any(|dname| {
            dname.rtype == rtype::DNAME
                && dname.owner.len() < set.owner.len()
                && name::is_at_or_below(set.owner, dname.owner)
                && dname.rdatas.len() == 1
                && name::replace_suffix(set.owner, dname.owner, dname.rdatas[0])
                    .is_some_and(|made| made.eq_ignore_ascii_case(target))
        })
}

/// The weaker of two verdicts: bogus beats insecure beats secure.
fn worse(a: Security, b: Security) -> Security {
    match (a, b) {
        (bogus @ Security::Bogus(_), _) | (_, bogus @ Security::Bogus(_)) => bogus,
        (Security::Insecure, _) | (_, Security::Insecure) => Security::Insecure,
        _ => Security::Secure,
    }
}

/// A hash of every record of the resolution (not the TTLs): a cached verdict holds only
/// for the same records.
fn fingerprint(resolution: &Resolution) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    resolution.rcode.code().hash(&mut hasher);
    for r in resolution.answer.iter().chain(&resolution.authority) {
        r.owner.hash(&mut hasher);
        r.rtype.hash(&mut hasher);
        r.rdata.bytes().hash(&mut hasher);
    }
    hasher.finish()
}

/// Now, in seconds since the epoch, as RRSIG validity windows count (RFC 4034 §3.1.5).
fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

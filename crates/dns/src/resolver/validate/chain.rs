//! The chain of trust (RFC 4035 §5.1–5.2): from a trust anchor down, one label at a time,
//! each name's DS answer from the zone above either names the keys of a signed child zone
//! (its DNSKEY RRset, signed by a key a DS matches), proves an unsigned delegation (no DS
//! and the NS bit in the NSEC/NSEC3), or proves there is no zone cut there. Every step is
//! cached by name with the TTL of the records it used.

use std::sync::Arc;

use cairn_wire::Rcode;

use super::denial::{self, NoDs};
use super::rrsets::{self, SignedRrset};
use super::{Ede, Validator};
use crate::resolver::message::rtype;
use crate::resolver::{name, Record};

/// How long a bogus step is remembered (Unbound's `val-bogus-ttl` default).
pub(super) const BOGUS_TTL: u32 = 60;

/// What one name is in the chain of trust.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// A signed zone's apex, with its validated DNSKEY RDATA.
    Secure(Arc<Vec<Vec<u8>>>),
    /// Not a zone cut (or no such name): the zone above goes on.
    NotACut,
    /// An unsigned delegation (or one Cairn cannot validate): no AD below.
    Insecure,
    /// The chain is broken here.
    Bogus(Ede),
}

/// Where the walk to a name ends.
#[derive(Debug, Clone)]
pub(super) enum Walk {
    /// The deepest signed zone at or above the name, with its keys.
    Secure {
        zone: Vec<u8>,
        keys: Arc<Vec<Vec<u8>>>,
    },
    /// Under an unsigned delegation, or no trust anchor covers it.
    Insecure,
    /// The chain is broken.
    Bogus(Ede),
}

impl Validator {
    /// Walks from the closest trust anchor down to `target` (a zone apex or any name).
    pub(super) async fn walk(&self, target: &[u8]) -> Walk {
        let Some(anchor) = self.anchors.closest(target) else {
            return Walk::Insecure;
        };
        let mut zone = anchor.zone.clone();
        let mut keys = match self.cached_step(&zone) {
            Some(Step::Secure(keys)) => keys,
            Some(Step::Bogus(ede)) => return Walk::Bogus(ede),
            Some(_) => return Walk::Insecure,
            None => {
                let (step, ttl) = self.anchor_keys(&zone).await;
                self.remember(&zone, step.clone(), ttl);
                match step {
                    Step::Secure(keys) => keys,
                    Step::Bogus(ede) => return Walk::Bogus(ede),
                    Step::NotACut | Step::Insecure => return Walk::Insecure,
                }
            }
        };
        // The names between the anchor and the target, top down.
        let mut below: Vec<&[u8]> = name::ancestors(target)
            .take_while(|n| n.len() > zone.len())
            .collect();
        below.reverse();
        for n in below {
            let step = match self.cached_step(n) {
                Some(step) => step,
                None => {
                    let (step, ttl) = self.step(n, &zone, &keys).await;
                    self.remember(n, step.clone(), ttl);
                    step
                }
            };
            match step {
                Step::Secure(child) => {
                    zone = n.to_vec();
                    keys = child;
                }
                Step::NotACut => {}
                Step::Insecure => return Walk::Insecure,
                Step::Bogus(ede) => return Walk::Bogus(ede),
            }
        }
        Walk::Secure { zone, keys }
    }

    /// The keys of an anchored zone: its DNSKEY RRset, signed by a key the anchor trusts.
    async fn anchor_keys(&self, zone: &[u8]) -> (Step, u32) {
        let Some(anchor) = self.anchors.closest(zone) else {
            return (Step::Insecure, BOGUS_TTL);
        };
        let trusted = |key: &[u8]| {
            anchor.dnskeys.iter().any(|k| k == key)
                || anchor
                    .ds
                    .iter()
                    .any(|ds| super::verify::ds_matches(ds, zone, key))
        };
        self.dnskeys(zone, &trusted).await
    }

    /// One step below `zone` (whose keys are `keys`): what the DS answer for `n` says.
    async fn step(&self, n: &[u8], zone: &[u8], keys: &[Vec<u8>]) -> (Step, u32) {
        let ds = self.resolver.resolve(n, rtype::DS).await;
        let now = super::now();
        let ttl = min_ttl(&ds.answer, &ds.authority);
        if ds.rcode == Rcode::ServFail {
            let text = format!("no answer for the DS of {}", name::to_text(n));
            return (Step::Bogus(Ede::new(Ede::BOGUS, text)), BOGUS_TTL);
        }
        // A CNAME at n: an alias is never a zone cut.
        if ds.answer.first().is_some_and(|r| r.rtype == rtype::CNAME) {
            return (Step::NotACut, ttl);
        }
        let sets = rrsets::group(&ds.answer);
        if let Some(set) = sets.iter().find(|s| s.rtype == rtype::DS) {
            if let Err(ede) = rrsets::check(set, zone, keys, now) {
                return (Step::Bogus(ede), BOGUS_TTL);
            }
            let usable: Vec<&[u8]> = set
                .rdatas
                .iter()
                .copied()
                .filter(|ds| {
                    ds.len() > 4
                        && super::verify::supported_algorithm(ds[2])
                        && super::verify::supported_digest(ds[3])
                })
                .collect();
            // Only algorithms Cairn cannot check: treated as unsigned (RFC 4035 §5.2).
            if usable.is_empty() {
                return (Step::Insecure, ttl);
            }
            let trusted = |key: &[u8]| {
                usable
                    .iter()
                    .any(|ds| super::verify::ds_matches(ds, n, key))
            };
            let (step, key_ttl) = self.dnskeys(n, &trusted).await;
            return (step, ttl.min(key_ttl));
        }
        // No DS: the proof must come from `zone`, signed.
        let proof = match self.checked_denial(&ds.authority, zone, keys, now) {
            Ok(proof) => proof,
            Err(ede) => return (Step::Bogus(ede), BOGUS_TTL),
        };
        let (nsecs, nsec3s) = proof.parse();
        match denial::no_ds(n, ds.rcode == Rcode::NxDomain, &nsecs, &nsec3s) {
            NoDs::InsecureDelegation => (Step::Insecure, ttl),
            NoDs::NotACut => (Step::NotACut, ttl),
            NoDs::Missing => {
                let text = format!("no proof that {} has no DS", name::to_text(n));
                (Step::Bogus(Ede::new(Ede::NSEC_MISSING, text)), BOGUS_TTL)
            }
        }
    }

    /// The DNSKEY RRset of `zone`, valid when signed by a key `trusted` accepts.
    async fn dnskeys(&self, zone: &[u8], trusted: &(dyn Fn(&[u8]) -> bool + Sync)) -> (Step, u32) {
        let answer = self.resolver.resolve(zone, rtype::DNSKEY).await;
        let now = super::now();
        let sets = rrsets::group(&answer.answer);
        let Some(set) = sets
            .iter()
            .find(|s| s.rtype == rtype::DNSKEY && s.owner.eq_ignore_ascii_case(zone))
        else {
            let text = format!("no DNSKEY for {}", name::to_text(zone));
            return (Step::Bogus(Ede::new(Ede::DNSKEY_MISSING, text)), BOGUS_TTL);
        };
        let trusted_keys: Vec<Vec<u8>> = set
            .rdatas
            .iter()
            .filter(|k| trusted(k))
            .map(|k| k.to_vec())
            .collect();
        if trusted_keys.is_empty() {
            let text = format!("no DNSKEY of {} matches its DS", name::to_text(zone));
            return (Step::Bogus(Ede::new(Ede::DNSKEY_MISSING, text)), BOGUS_TTL);
        }
        match rrsets::check(set, zone, &trusted_keys, now) {
            Ok(()) => {
                let keys = set.rdatas.iter().map(|k| k.to_vec()).collect();
                (Step::Secure(Arc::new(keys)), min_ttl(&answer.answer, &[]))
            }
            Err(ede) => (Step::Bogus(ede), BOGUS_TTL),
        }
    }

    /// The NSEC/NSEC3 records of an authority section, each RRset's signature by `zone`
    /// checked (and the SOA's, when signed).
    pub(super) fn checked_denial<'r>(
        &self,
        authority: &'r [Record],
        zone: &[u8],
        keys: &[Vec<u8>],
        now: u32,
    ) -> Result<Denial<'r>, Ede> {
        let sets = rrsets::group(authority);
        let mut proof = Vec::new();
        for set in sets {
            match set.rtype {
                rtype::NSEC | rtype::NSEC3 => {
                    rrsets::check(&set, zone, keys, now)?;
                    proof.push(set);
                }
                rtype::SOA if !set.sigs.is_empty() => rrsets::check(&set, zone, keys, now)?,
                _ => {}
            }
        }
        Ok(Denial { sets: proof })
    }

    fn cached_step(&self, n: &[u8]) -> Option<Step> {
        let steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        let (step, expires) = steps.get(n)?;
        (*expires > crate::resolver::clock()).then(|| step.clone())
    }

    fn remember(&self, n: &[u8], step: Step, ttl: u32) {
        let ttl = match step {
            Step::Bogus(_) => ttl.min(BOGUS_TTL),
            _ => ttl,
        }
        .min(self.max_ttl);
        let expires = crate::resolver::clock() + std::time::Duration::from_secs(u64::from(ttl));
        let mut steps = self.steps.lock().unwrap_or_else(|p| p.into_inner());
        if steps.len() >= self.max_entries {
            steps.clear();
        }
        steps.insert(name::to_lowercase(n), (step, expires));
    }
}

/// Checked NSEC/NSEC3 RRsets.
pub(super) struct Denial<'r> {
    sets: Vec<SignedRrset<'r>>,
}

impl<'r> Denial<'r> {
    /// The records, parsed (malformed ones dropped).
    pub(super) fn parse(&self) -> (Vec<denial::Nsec<'r>>, Vec<denial::Nsec3<'r>>) {
        let mut nsecs = Vec::new();
        let mut nsec3s = Vec::new();
        for set in &self.sets {
            for rdata in &set.rdatas {
                match set.rtype {
                    rtype::NSEC => nsecs.extend(denial::Nsec::parse(set.owner, rdata)),
                    _ => nsec3s.extend(denial::Nsec3::parse(set.owner, rdata)),
                }
            }
        }
        (nsecs, nsec3s)
    }

    /// Whether there is anything to reason with.
    pub(super) fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// The smallest TTL among the records (at least one second).
pub(super) fn min_ttl(answer: &[Record], authority: &[Record]) -> u32 {
    answer
        .iter()
        .chain(authority)
        .map(|r| r.ttl)
        .min()
        .unwrap_or(BOGUS_TTL)
        .max(1)
}

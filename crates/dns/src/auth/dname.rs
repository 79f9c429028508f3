//! DNAME redirection (RFC 6672 §3.2): a name strictly below a DNAME's owner is answered by
//! the DNAME, a CNAME synthesised from it, and whatever the CNAME's target gives.
//!
//! The compiled zone marks the nodes that hold a DNAME ([`crate::zone::flags::DNAME`], and
//! [`CompiledZone::apex_dname`]), so [`super::step`] notices one on its walk down from the
//! apex at the cost of a flag test; only then does this module run. The synthesised CNAME is
//! the one thing in a plan that no compiled zone holds: it lives in the caller's
//! [`SynthesizedCnames`], which the plan borrows.
//!
//! Choices where the RFC leaves room:
//! - A DNAME at a wildcard owner (discouraged, §3.3) is data like any other: a name the
//!   wildcard synthesises owns it and is not redirected; only names below a literal `*`
//!   label are.
//! - A DNAME at a zone cut is the child's data: the referral wins (§2.3 allows a DNAME next
//!   to NS only at an apex).

use cairn_wire::{rtype, NameKey, Rcode, Rdata};

use super::{push_additional, Plan, Step, MAX_CNAME_CHAIN};
use crate::zone::{CompiledRrset, CompiledZone};

/// YXDOMAIN (RFC 2136 §2.2): the name a DNAME substitution makes would be longer than 255
/// octets (RFC 6672 §2.2).
pub const YXDOMAIN: Rcode = Rcode::Other(6);

/// Room for the CNAMEs one lookup synthesises from DNAMEs, at most one per step of its
/// chain. Owned by the caller so the [`Plan`] may borrow what is written here. Empty (one
/// word, nothing to drop) until a lookup meets a DNAME: only then are the slots allocated.
#[derive(Debug, Default)]
pub struct SynthesizedCnames {
    slots: Option<Box<[Option<CompiledRrset>; MAX_CNAME_CHAIN]>>,
}

/// Hands out the slots of a [`SynthesizedCnames`] for one lookup, allocating them on the
/// first DNAME.
pub(super) struct Slots<'a> {
    store: Option<&'a mut SynthesizedCnames>,
    free: std::slice::IterMut<'a, Option<CompiledRrset>>,
}

impl<'a> Slots<'a> {
    /// Slots in `store`, none taken yet.
    pub(super) fn new(store: &'a mut SynthesizedCnames) -> Self {
        Self {
            store: Some(store),
            free: Default::default(),
        }
    }

    /// The next free slot; `None` once all are taken (a chain is at most that long).
    fn take(&mut self) -> Option<&'a mut Option<CompiledRrset>> {
        if let Some(store) = self.store.take() {
            self.free = store.slots.insert(Box::default()).iter_mut();
        }
        self.free.next()
    }
}

/// Answers `name`, strictly below the DNAME at `owner`: the DNAME, then a CNAME from `name`
/// to `name` with `owner` replaced by the DNAME's target, written into a slot, with the
/// DNAME's TTL (§3.2 step 3c, §5.3.1). Continues at the target unless CNAME itself was
/// asked; YXDOMAIN, with only the DNAME, when the new name is too long.
pub(super) fn redirect<'a>(
    owner: &'a [u8],
    dname: &'a CompiledRrset,
    name: &'a [u8],
    qtype: u16,
    zone: &'a CompiledZone,
    plan: &mut Plan<'a>,
    slots: &mut Slots<'a>,
) -> Step<'a> {
    plan.answer.push((owner, dname));
    // A DNAME RRset holds one record (§2.4); its target is written uncompressed.
    let Some(target) = dname.rdatas.first().map(Rdata::bytes) else {
        return Step::Done;
    };
    let Some(substituted) = cairn_wire::name::replace_suffix(name, owner, target) else {
        plan.rcode = YXDOMAIN;
        return Step::Done;
    };
    let key = NameKey::from_wire(&cairn_wire::name::to_lowercase(&substituted))
        .expect("a name with a suffix replaced by a name, at most 255 octets, is a name");
    let rdata = Rdata::new(rtype::CNAME, substituted).expect("a CNAME's RDATA is one name");
    let Some(slot) = slots.take() else {
        return Step::Done;
    };
    let cname: &'a CompiledRrset = slot.insert(CompiledRrset {
        rtype: rtype::CNAME,
        ttl: dname.ttl,
        rdatas: vec![rdata],
        targets: vec![key.clone()],
        cname_target: Some(key),
    });
    plan.answer.push((name, cname));
    if qtype == rtype::CNAME {
        // As for a CNAME in the zone: its in-zone target's addresses go in additional.
        push_additional(zone, cname, plan);
        return Step::Done;
    }
    match cname.cname_target.as_deref() {
        Some(next) => Step::Follow(next),
        None => Step::Done,
    }
}

//! Authoritative lookup, RFC 1034 §4.3.2: decides what to answer, never how to encode it.
//!
//! The result is a [`Plan`] of pre-encoded RRsets per section (NSD's `answer_add_rrset`
//! then `encode_answer`); [`crate::respond`] writes it. Lookup is synchronous and only
//! reads the compiled zone.

use cairn_wire::name::is_at_or_below;
use cairn_wire::{rtype, Rcode};
use smallvec::SmallVec;

use crate::routing::{RoutedSet, RoutingContext, Target, Variant};
use crate::zone::{flags, CompiledRrset, CompiledZone, Node};

mod dname;

pub use dname::{SynthesizedCnames, YXDOMAIN};

/// How many CNAMEs a chain may follow inside one zone.
const MAX_CNAME_CHAIN: usize = 16;

/// One RRset to write, with its owner (lowercase wire).
pub type PlannedRrset<'a> = (&'a [u8], &'a CompiledRrset);

/// The RRsets of one section; inline up to a typical answer's size, so planning does not
/// allocate.
pub type SectionPlan<'a> = SmallVec<[PlannedRrset<'a>; 4]>;

/// What to answer.
#[derive(Debug, Default)]
pub struct Plan<'a> {
    /// Response code.
    pub rcode: Rcode,
    /// AA: clear on referrals.
    pub authoritative: bool,
    /// Answer section.
    pub answer: SectionPlan<'a>,
    /// Authority section.
    pub authority: SectionPlan<'a>,
    /// Additional section.
    pub additional: SectionPlan<'a>,
    /// Whether the authority section is optional (the zone's NS on a positive answer): left
    /// out, with the additional section, when it does not fit, instead of truncating.
    pub authority_optional: bool,
    /// The wildcard node that synthesised the name asked, when one did (not a name a CNAME
    /// chain reached): its [`Node::synthesized`] answers may stand in for this plan.
    pub wildcard: Option<&'a Node>,
}

/// How deep an alias may point at another alias.
const MAX_ALIAS_DEPTH: u8 = 8;

/// Looks `qname` (lowercase wire, inside `zone`) up for `qtype`. The CNAMEs synthesised
/// from DNAMEs on the way are kept in `cnames`, which the plan borrows.
pub fn lookup<'a>(
    zone: &'a CompiledZone,
    qname: &'a [u8],
    qtype: u16,
    ctx: &RoutingContext<'a>,
    cnames: &'a mut SynthesizedCnames,
) -> Plan<'a> {
    let mut plan = Plan {
        authoritative: true,
        ..Plan::default()
    };
    let mut name: &'a [u8] = qname;
    let mut visited: [&[u8]; MAX_CNAME_CHAIN] = [&[]; MAX_CNAME_CHAIN];
    let mut slots = dname::Slots::new(cnames);
    for hop in 0..MAX_CNAME_CHAIN {
        visited[hop] = name;
        match step(zone, name, qtype, ctx, &mut plan, &mut slots) {
            Step::Done => break,
            Step::Follow(target) => {
                // Restart at an in-zone target (RFC 1034 §4.3.2 step 3a); an out-of-zone
                // target is left to the resolver, and a loop stops the chain.
                if !is_at_or_below(target, &zone.apex) || visited[..=hop].contains(&target) {
                    break;
                }
                name = target;
            }
        }
    }
    if plan.rcode == Rcode::NoError
        && plan.authoritative
        && !plan.answer.is_empty()
        && plan.authority.is_empty()
    {
        add_apex_ns(zone, &mut plan);
        plan.authority_optional = true;
    }
    dedupe_additional(&mut plan);
    plan
}

/// The node at exactly `qname` (lowercase wire, inside `zone`) when no zone cut lies at or
/// above it: where [`lookup`] answers from the node's own data (RFC 1034 §4.3.2 step 3a),
/// so a pre-encoded answer may stand in for the plan (see [`crate::zone::PreEncoded`]).
/// `None` when the name does not exist, lies at or below a delegation, or below a DNAME
/// (RFC 6672 §2.3: occluded). An apex DNAME is left to the plan: no node below the apex has
/// pre-encoded answers then (see `pre_encode`).
pub fn exact_node<'a>(zone: &'a CompiledZone, qname: &[u8]) -> Option<&'a Node> {
    let apex_len = zone.apex.len();
    // As in `step`: each name from just below the apex down to `qname`, which all exist
    // when `qname` does (empty non-terminals are nodes).
    let mut offsets = [0u8; 128];
    let mut count = 0;
    let mut pos = 0;
    while qname.len() - pos > apex_len {
        offsets[count] = pos as u8;
        count += 1;
        pos += 1 + qname[pos] as usize;
    }
    if count == 0 {
        return zone.nodes.get(qname).map(|n| &**n);
    }
    let mut found = None;
    for &off in offsets[..count].iter().rev() {
        let node: &'a Node = zone.nodes.get(&qname[usize::from(off)..])?;
        // A cut at or above the name, or a DNAME above it: not answered from this node.
        if node.flags & (flags::DELEGATION | flags::DNAME) != 0
            && (node.is_delegation() || off != 0)
        {
            return None;
        }
        found = Some(node);
    }
    found
}

/// How one pass ends: answered, or restarted at a CNAME's target.
enum Step<'a> {
    Done,
    Follow(&'a [u8]),
}

/// One pass of RFC 1034 §4.3.2 steps 3a–3c for `name`, with RFC 6672 §3.2's DNAME step: a
/// DNAME above `name` answers before any data below it, which it occludes. `slots` hold the
/// CNAMEs DNAMEs synthesise.
fn step<'a>(
    zone: &'a CompiledZone,
    name: &'a [u8],
    qtype: u16,
    ctx: &RoutingContext<'a>,
    plan: &mut Plan<'a>,
    slots: &mut dname::Slots<'a>,
) -> Step<'a> {
    // Walk down from the apex: the first zone cut on the way is a referral, and the deepest
    // existing name is the closest encloser.
    let apex_len = zone.apex.len();
    // Label offsets fit in a byte: names are at most 255 bytes long.
    let mut offsets = [0u8; 128];
    let mut count = 0;
    let mut pos = 0;
    while name.len() - pos > apex_len {
        offsets[count] = pos as u8;
        count += 1;
        pos += 1 + name[pos] as usize;
    }
    let mut closest: &'a [u8] = &zone.apex[..];
    let mut found: Option<&'a Node> = None;
    if count == 0 {
        found = zone.nodes.get(&zone.apex[..]).map(|n| &**n);
    } else if let Some(dname) = &zone.apex_dname {
        return dname::redirect(&zone.apex[..], dname, name, qtype, zone, plan, slots);
    }
    for &off in offsets[..count].iter().rev() {
        let off = usize::from(off);
        let suffix = &name[off..];
        let Some((key, node)) = zone.nodes.get_key_value(suffix) else {
            found = None;
            break;
        };
        let node: &'a Node = node;
        closest = &key[..];
        found = Some(node);
        let at_qname = off == 0;
        // One test of the flags on the common path; a cut above a DNAME refers first, and a
        // DNAME at a cut is the child's (RFC 6672 §2.3 allows it at an apex only).
        if node.flags & (flags::DELEGATION | flags::DNAME) != 0 {
            if node.is_delegation() && !(at_qname && qtype == rtype::DS) {
                referral(zone, &key[..], node, plan);
                return Step::Done;
            }
            if node.is_dname() && !node.is_delegation() && !at_qname {
                if let Some(dname) = node.rrset(rtype::DNAME) {
                    return dname::redirect(&key[..], dname, name, qtype, zone, plan, slots);
                }
            }
        }
    }
    let (owner, node) = match found {
        Some(node) if closest.len() == name.len() => (name, node),
        _ => {
            // No such name: a wildcard child of the closest encloser may synthesise it
            // (RFC 4592 §3.3.1); empty non-terminals are nodes, so they block it.
            let mut wildcard = [0u8; 257];
            wildcard[..2].copy_from_slice(b"\x01*");
            wildcard[2..2 + closest.len()].copy_from_slice(closest);
            match zone.nodes.get(&wildcard[..2 + closest.len()]) {
                Some(node) => {
                    if plan.answer.is_empty() {
                        plan.wildcard = Some(node);
                    }
                    (name, &**node)
                }
                None => {
                    plan.rcode = Rcode::NxDomain;
                    negative(zone, plan);
                    return Step::Done;
                }
            }
        }
    };
    answer_from(zone, owner, node, qtype, ctx, plan)
}

/// Steps 3a/3b at an existing (or synthesised) node.
fn answer_from<'a>(
    zone: &'a CompiledZone,
    owner: &'a [u8],
    node: &'a Node,
    qtype: u16,
    ctx: &RoutingContext<'a>,
    plan: &mut Plan<'a>,
) -> Step<'a> {
    if qtype == rtype::ANY && !node.rrsets.is_empty() {
        for rrset in &node.rrsets {
            plan.answer.push((owner, rrset));
        }
        return Step::Done;
    }
    if let Some(rrset) = node.rrset(qtype) {
        plan.answer.push((owner, rrset));
        push_additional(zone, rrset, plan);
        return Step::Done;
    }
    if let Some(group) = node.routed(qtype) {
        return answer_routed(zone, owner, group, qtype, ctx, plan);
    }
    if let Some(group) = node.routed(rtype::CNAME) {
        return answer_routed(zone, owner, group, qtype, ctx, plan);
    }
    if let Some(cname) = node.rrset(rtype::CNAME) {
        plan.answer.push((owner, cname));
        return match &cname.cname_target {
            Some(target) => Step::Follow(target),
            None => Step::Done,
        };
    }
    plan.rcode = Rcode::NoError;
    negative(zone, plan);
    Step::Done
}

/// Answers from the routed sets (or alias) of a name: the chosen variants' records under
/// the query name. An alias takes its target's records and TTL (ROUTE53.md §2.3); nothing
/// chosen, or a target that no longer exists, is NODATA.
fn answer_routed<'a>(
    zone: &'a CompiledZone,
    owner: &'a [u8],
    group: &'a RoutedSet,
    qtype: u16,
    ctx: &RoutingContext<'a>,
    plan: &mut Plan<'a>,
) -> Step<'a> {
    let mut answered = false;
    let mut follow = None;
    let healthy = |v: &Variant| variant_healthy(zone, v, group.rtype, ctx, 0);
    for variant in group.select(ctx, healthy) {
        if let Some(rrset) = resolve_target(zone, &variant.target, group.rtype, ctx, 0) {
            plan.answer.push((owner, rrset));
            if rrset.rtype == qtype {
                push_additional(zone, rrset, plan);
            }
            answered = true;
            if rrset.rtype == rtype::CNAME {
                follow = rrset.cname_target.as_deref();
            }
        }
    }
    if !answered {
        plan.rcode = Rcode::NoError;
        negative(zone, plan);
        return Step::Done;
    }
    match follow {
        Some(target) if qtype != rtype::CNAME => Step::Follow(target),
        _ => Step::Done,
    }
}

/// The records a variant answers with, following aliases inside the zone.
fn resolve_target<'a>(
    zone: &'a CompiledZone,
    target: &'a Target,
    rtype: u16,
    ctx: &RoutingContext<'a>,
    depth: u8,
) -> Option<&'a CompiledRrset> {
    match target {
        Target::Records(rrset) => Some(rrset),
        Target::Alias { zone: other, name } => {
            if depth >= MAX_ALIAS_DEPTH {
                return None;
            }
            let zone: &'a CompiledZone = match other {
                Some(id) => ctx.zones.get(id)?,
                None => zone,
            };
            let node = zone.nodes.get(&name[..])?;
            if let Some(rrset) = node.rrset(rtype) {
                return Some(rrset);
            }
            let group = node.routed(rtype)?;
            let healthy = |v: &Variant| variant_healthy(zone, v, rtype, ctx, depth + 1);
            let variant = group.select(ctx, healthy).into_iter().next()?;
            resolve_target(zone, &variant.target, rtype, ctx, depth + 1)
        }
    }
}

/// Whether a variant is healthy: its own health check passes, and an alias that evaluates
/// target health points at a branch with a healthy record (ROUTE53.md §2.3, §3).
fn variant_healthy(
    zone: &CompiledZone,
    variant: &Variant,
    rtype: u16,
    ctx: &RoutingContext<'_>,
    depth: u8,
) -> bool {
    if !ctx.check_passes(variant.health_check.as_ref()) {
        return false;
    }
    match &variant.target {
        Target::Alias { zone: other, name } if variant.evaluate_target_health => {
            let zone = match other {
                Some(id) => match ctx.zones.get(id) {
                    Some(zone) => zone,
                    None => return false,
                },
                None => zone,
            };
            target_healthy(zone, name, rtype, ctx, depth + 1)
        }
        _ => true,
    }
}

/// Whether an alias target has a healthy record: a plain RRset always is; a routed group is
/// when any of its variants is.
fn target_healthy(
    zone: &CompiledZone,
    name: &[u8],
    rtype: u16,
    ctx: &RoutingContext<'_>,
    depth: u8,
) -> bool {
    if depth >= MAX_ALIAS_DEPTH {
        return false;
    }
    let Some(node) = zone.nodes.get(name) else {
        return false;
    };
    if node.rrset(rtype).is_some() {
        return true;
    }
    node.routed(rtype).is_some_and(|group| {
        group
            .variants
            .iter()
            .any(|v| variant_healthy(zone, v, rtype, ctx, depth))
    })
}

/// A referral to the zone cut at `cut` (AA clear, NS in authority, glue in additional).
fn referral<'a>(zone: &'a CompiledZone, cut: &'a [u8], node: &'a Node, plan: &mut Plan<'a>) {
    let ns = node.rrset(rtype::NS).expect("a delegation node has NS");
    if plan.answer.is_empty() {
        plan.authoritative = false;
    }
    plan.authority.push((cut, ns));
    push_additional(zone, ns, plan);
}

/// NXDOMAIN or NODATA: the SOA with the negative TTL in authority (RFC 2308 §3).
fn negative<'a>(zone: &'a CompiledZone, plan: &mut Plan<'a>) {
    if let Some(soa) = &zone.negative_soa {
        plan.authority.push((&zone.apex[..], soa));
    }
}

/// Route 53 puts the zone's NS in the authority section of positive answers (ROUTE53.md §2.7).
fn add_apex_ns<'a>(zone: &'a CompiledZone, plan: &mut Plan<'a>) {
    let Some(ns) = &zone.apex_ns else { return };
    if plan.answer.iter().any(|(_, r)| std::ptr::eq(*r, &**ns)) {
        return;
    }
    plan.authority.push((&zone.apex[..], ns));
    for (name, addr) in &zone.apex_ns_additional {
        if !plan
            .additional
            .iter()
            .any(|(_, r)| std::ptr::eq(*r, &**addr))
        {
            plan.additional.push((&name[..], addr));
        }
    }
}

/// Adds the in-zone addresses of `rrset`'s targets to the additional section, once each.
fn push_additional<'a>(zone: &'a CompiledZone, rrset: &'a CompiledRrset, plan: &mut Plan<'a>) {
    for target in &rrset.targets {
        let Some((name, node)) = zone.nodes.get_key_value(&target[..]) else {
            continue;
        };
        for addr in [node.rrset(rtype::A), node.rrset(rtype::AAAA)]
            .into_iter()
            .flatten()
        {
            if !plan
                .additional
                .iter()
                .any(|(_, r)| std::ptr::eq(*r, &**addr))
            {
                plan.additional.push((&name[..], addr));
            }
        }
    }
}

/// Drops additional RRsets that the answer section already carries (a CNAME target's
/// addresses, when the chain reached them).
fn dedupe_additional(plan: &mut Plan<'_>) {
    let answer = &plan.answer;
    plan.additional
        .retain(|(_, r)| !answer.iter().any(|(_, a)| std::ptr::eq(*a, *r)));
}

//! Pre-encoding: each node's positive answers, a wildcard's answers and the zone's negative
//! answer, written when a zone is compiled or patched, so the query path only copies bytes
//! (see [`PreEncoded`] and [`MovableAnswer`]).
//!
//! The answers are written by the ordinary path ([`auth::lookup`], [`write_plan`]), so they
//! cannot differ from it; `tests/properties.rs` compares the two on random zones.

use std::sync::Arc;

use cairn_wire::{rtype, NameKey, Query, Rcode, ResponseWriter};
use rustc_hash::FxHashMap;

use crate::auth::{self, Plan};
use crate::respond::write_plan;
use crate::routing::{Client, RoutingContext};
use crate::zone::{
    CompiledZone, MovableAnswer, Node, PreEncoded, PreEncodedBuilder, SynthesizedAnswers,
};

/// The question name the negative answer is written after: a label no zone holds (one NUL
/// byte) above the apex, so nothing in the answer points at the whole name.
const NEGATIVE_TEMPLATE_LABEL: &[u8] = b"\x01\x00";

/// Writes the answers of every node of `zone`, and its negative answer.
pub(crate) fn encode_all(zone: &mut CompiledZone) {
    let owners: Vec<NameKey> = zone.nodes.keys().cloned().collect();
    encode(zone, owners);
}

/// Writes the answers of the nodes at `owners` (names without a node are skipped). A node
/// whose answers come out the same is left as it is, still shared with older snapshots.
/// Also writes the zone's negative answer again (it depends on the apex SOA alone, so this
/// costs one answer).
pub(crate) fn encode(zone: &mut CompiledZone, owners: Vec<NameKey>) {
    let mut scratch = Scratch::default();
    let mut encoded = Vec::with_capacity(owners.len());
    for owner in owners {
        let Some(node) = zone.nodes.get(&owner[..]) else {
            continue;
        };
        let answers = encode_node(zone, &owner, node, &mut scratch);
        if answers.0 != node.pre_encoded || answers.1 != node.synthesized {
            encoded.push((owner, answers));
        }
    }
    for (owner, (pre, synthesized)) in encoded {
        if let Some(node) = zone.nodes.get_mut(&owner[..]) {
            let node = Arc::make_mut(node);
            node.pre_encoded = pre;
            node.synthesized = synthesized;
        }
    }
    zone.negative_answer = encode_negative(zone, &mut scratch);
}

/// The zone's negative answer: AA, the SOA with the negative TTL in authority, written after
/// a question for a name just below the apex (RFC 2308 §3; `auth::negative`).
fn encode_negative(zone: &CompiledZone, scratch: &mut Scratch) -> Option<MovableAnswer> {
    let soa = zone.negative_soa.as_ref()?;
    let mut plan = Plan {
        rcode: Rcode::NxDomain,
        authoritative: true,
        ..Plan::default()
    };
    plan.authority.push((&zone.apex[..], soa));
    let mut template = NEGATIVE_TEMPLATE_LABEL.to_vec();
    template.extend_from_slice(&zone.apex);
    let query = template_query(&mut scratch.msg, &template, rtype::A)?;
    let mut w = ResponseWriter::new(&mut scratch.out, &query, usize::from(u16::MAX));
    w.compress_question_from(zone.apex.len());
    w.log_pointers();
    write_plan(&mut w, &plan);
    let answer = w.relocatable(0)?;
    Some(MovableAnswer::new(answer, names_in(&plan)))
}

/// A query for `qname` and `qtype` in `msg`, parsed.
fn template_query<'m>(msg: &'m mut Vec<u8>, qname: &[u8], qtype: u16) -> Option<Query<'m>> {
    msg.clear();
    msg.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    msg.extend_from_slice(qname);
    msg.extend_from_slice(&qtype.to_be_bytes());
    msg.extend_from_slice(&cairn_wire::CLASS_IN.to_be_bytes());
    Query::parse(msg).ok()
}

/// Every name the records of `plan` hold: owners and the names in their RDATA, lowercased.
fn names_in(plan: &Plan<'_>) -> Vec<NameKey> {
    let mut names: Vec<NameKey> = Vec::new();
    let sections = plan
        .answer
        .iter()
        .chain(&plan.authority)
        .chain(&plan.additional);
    for (owner, rrset) in sections {
        let in_rdata = rrset.rdatas.iter().flat_map(|rdata| {
            rdata
                .names()
                .iter()
                .map(|&(start, end)| &rdata.bytes()[usize::from(start)..usize::from(end)])
        });
        for name in std::iter::once(*owner).chain(in_rdata) {
            if let Ok(key) = NameKey::from_wire(name) {
                if !names.contains(&key) {
                    names.push(key);
                }
            }
        }
    }
    names
}

/// Buffers reused from one node to the next.
#[derive(Default)]
struct Scratch {
    msg: Vec<u8>,
    out: Vec<u8>,
    health: FxHashMap<cairn_model::HealthCheckId, bool>,
    zones: FxHashMap<cairn_model::HostedZoneId, Arc<CompiledZone>>,
}

/// The answer to a query for `owner` and each type of a plain RRset at `node` whose plan
/// depends only on the node and the zone's apex NS: no additional-section targets (NS, MX,
/// SRV) and no chain (CNAME). Routing never takes part (a plain RRset is answered before
/// any routed set), so the context is empty. At a wildcard, the same answers again as
/// [`MovableAnswer`]s, for the names it synthesises.
fn encode_node(
    zone: &CompiledZone,
    owner: &[u8],
    node: &Node,
    scratch: &mut Scratch,
) -> (Option<PreEncoded>, Option<SynthesizedAnswers>) {
    let wildcard = owner.starts_with(b"\x01*");
    let mut synthesized = Vec::new();
    let client = Client::new(None, None);
    let ctx = RoutingContext {
        region: "",
        health: &scratch.health,
        zones: &scratch.zones,
        client: &client,
    };
    let mut pre = PreEncodedBuilder::default();
    for rrset in &node.rrsets {
        if !rrset.targets.is_empty() || rrset.cname_target.is_some() || rrset.rtype == rtype::ANY {
            continue;
        }
        let mut cnames = auth::SynthesizedCnames::default();
        let plan = auth::lookup(zone, owner, rrset.rtype, &ctx, &mut cnames);
        let plain = plan.rcode == Rcode::NoError
            && plan.authoritative
            && plan.answer.len() == 1
            && std::ptr::eq(plan.answer[0].1, &**rrset);
        if !plain {
            continue;
        }
        // The sections are written after a question for exactly this name and type, which
        // is what compression pointers into the question assume on the query path too.
        let Some(query) = template_query(&mut scratch.msg, owner, rrset.rtype) else {
            continue;
        };
        let mut w = ResponseWriter::new(&mut scratch.out, &query, usize::from(u16::MAX));
        write_plan(&mut w, &plan);
        if let Some((sections, counts)) = w.encoded_sections() {
            pre.push(rrset.rtype, sections, counts);
        }
        if wildcard {
            // Again, compressing only as every synthesised name can (see
            // `ResponseWriter::compress_question_from`); each answer record's owner points
            // at the name asked.
            let mut w = ResponseWriter::new(&mut scratch.out, &query, usize::from(u16::MAX));
            w.compress_question_from(zone.apex.len());
            w.log_pointers();
            write_plan(&mut w, &plan);
            let answers = usize::from(w.count(cairn_wire::Section::Answer));
            if let Some(moved) = w.relocatable(answers) {
                synthesized.push((rrset.rtype, MovableAnswer::new(moved, names_in(&plan))));
            }
        }
    }
    let synthesized = (!synthesized.is_empty()).then(|| synthesized.into_boxed_slice());
    (pre.finish(), synthesized)
}

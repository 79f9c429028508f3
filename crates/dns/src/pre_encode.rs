//! Pre-encoding: each node's positive answers, written when a zone is compiled or patched,
//! so the query path only copies bytes (see [`PreEncoded`]).
//!
//! The answers are written by the ordinary path ([`auth::lookup`], [`write_plan`]), so they
//! cannot differ from it; `tests/properties.rs` compares the two on random zones.

use std::sync::Arc;

use cairn_wire::{rtype, NameKey, Query, Rcode, ResponseWriter};
use rustc_hash::FxHashMap;

use crate::auth;
use crate::respond::write_plan;
use crate::routing::{Client, RoutingContext};
use crate::zone::{CompiledZone, Node, PreEncoded, PreEncodedBuilder};

/// Writes the answers of every node of `zone`.
pub(crate) fn encode_all(zone: &mut CompiledZone) {
    let owners: Vec<NameKey> = zone.nodes.keys().cloned().collect();
    encode(zone, owners);
}

/// Writes the answers of the nodes at `owners` (names without a node are skipped). A node
/// whose answers come out the same is left as it is, still shared with older snapshots.
pub(crate) fn encode(zone: &mut CompiledZone, owners: Vec<NameKey>) {
    let mut scratch = Scratch::default();
    let mut encoded = Vec::with_capacity(owners.len());
    for owner in owners {
        let Some(node) = zone.nodes.get(&owner[..]) else {
            continue;
        };
        let pre = encode_node(zone, &owner, node, &mut scratch);
        if pre != node.pre_encoded {
            encoded.push((owner, pre));
        }
    }
    for (owner, pre) in encoded {
        if let Some(node) = zone.nodes.get_mut(&owner[..]) {
            Arc::make_mut(node).pre_encoded = pre;
        }
    }
}

/// Buffers reused from one node to the next.
#[derive(Default)]
struct Scratch {
    msg: Vec<u8>,
    out: Vec<u8>,
    health: FxHashMap<String, bool>,
    zones: FxHashMap<cairn_model::HostedZoneId, Arc<CompiledZone>>,
}

/// The answer to a query for `owner` and each type of a plain RRset at `node` whose plan
/// depends only on the node and the zone's apex NS: no additional-section targets (NS, MX,
/// SRV) and no chain (CNAME). Routing never takes part (a plain RRset is answered before
/// any routed set), so the context is empty.
fn encode_node(
    zone: &CompiledZone,
    owner: &[u8],
    node: &Node,
    scratch: &mut Scratch,
) -> Option<PreEncoded> {
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
        let plan = auth::lookup(zone, owner, rrset.rtype, &ctx);
        let plain = plan.rcode == Rcode::NoError
            && plan.authoritative
            && plan.answer.len() == 1
            && std::ptr::eq(plan.answer[0].1, &**rrset);
        if !plain {
            continue;
        }
        // The sections are written after a question for exactly this name and type, which
        // is what compression pointers into the question assume on the query path too.
        let msg = &mut scratch.msg;
        msg.clear();
        msg.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        msg.extend_from_slice(owner);
        msg.extend_from_slice(&rrset.rtype.to_be_bytes());
        msg.extend_from_slice(&cairn_wire::CLASS_IN.to_be_bytes());
        let Ok(query) = Query::parse(msg) else {
            continue;
        };
        let mut w = ResponseWriter::new(&mut scratch.out, &query, usize::from(u16::MAX));
        write_plan(&mut w, &plan);
        if let Some((sections, counts)) = w.encoded_sections() {
            pre.push(rrset.rtype, sections, counts);
        }
    }
    pre.finish()
}

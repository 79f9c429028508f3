//! A compiled zone: nodes keyed by lowercase wire name, RRsets pre-encoded.

use std::sync::{Arc, OnceLock};

use cairn_model::HostedZoneId;
use cairn_wire::Rdata;

use crate::routing::RoutedSet;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// One RRset in wire form, ready to be appended to a response.
#[derive(Debug)]
pub struct CompiledRrset {
    /// Type code.
    pub rtype: u16,
    /// TTL.
    pub ttl: u32,
    /// The records.
    pub rdatas: Vec<Rdata>,
    /// For NS, CNAME, MX and SRV: the names they point to, lowercased, whose A/AAAA records
    /// go in the additional section (looked up when answering, so they never go stale).
    pub targets: Vec<Box<[u8]>>,
    /// For a CNAME: its target, lowercased, to continue the lookup there.
    pub cname_target: Option<Box<[u8]>>,
}

/// The nodes of a zone by lowercase wire name; shared between snapshots, node by node.
pub type NodeMap = FxHashMap<Arc<[u8]>, Arc<Node>>;

/// Node flags computed once at compile time (Knot's `zone_node_t.flags`).
pub mod flags {
    /// The zone apex.
    pub const APEX: u8 = 1;
    /// Has NS and is not the apex: a zone cut.
    pub const DELEGATION: u8 = 2;
}

/// One name in the zone: its RRsets, or none for an empty non-terminal.
///
/// A node is immutable once it is in a [`NodeMap`]: a change replaces it (or, for its
/// `children` count only, clones it), which is what lets [`Node::pre_encoded`] be filled
/// in once, on the first query that needs it.
#[derive(Debug, Default)]
pub struct Node {
    /// [`flags`] bits.
    pub flags: u8,
    /// How many nodes lie directly below this one (an empty node with children is an empty
    /// non-terminal; without, it is removed).
    pub children: u32,
    /// Record sets at this name that could not be compiled (logged when compiled).
    pub skipped: u32,
    /// Plain RRsets, at most one per type.
    pub rrsets: Vec<Arc<CompiledRrset>>,
    /// Aliases and sets with a routing policy, at most one group per type.
    pub routed: Vec<RoutedSet>,
    /// The positive answers from [`Self::rrsets`], encoded once on first use (see
    /// [`PreEncoded`]); `None` inside when no RRset here can be.
    pub(crate) pre_encoded: OnceLock<Option<Box<PreEncoded>>>,
}

impl Clone for Node {
    /// A copy without the pre-encoded answers: the copy is about to be changed.
    fn clone(&self) -> Self {
        Self {
            flags: self.flags,
            children: self.children,
            skipped: self.skipped,
            rrsets: self.rrsets.clone(),
            routed: self.routed.clone(),
            pre_encoded: OnceLock::new(),
        }
    }
}

/// The positive answers of one node, written once by the ordinary query path and reused
/// byte for byte (NSD and Knot likewise answer from pre-encoded wire data): for each plain
/// RRset at the node without additional-section targets (not NS, CNAME, MX or SRV), the
/// answer, authority (the zone's NS) and additional (their in-zone addresses) sections of
/// the response to a query for exactly that name and type.
///
/// Those sections depend on the node and on the zone's apex NS and its addresses, so the
/// zone-level RRsets they were written from are kept and compared (by identity) on every
/// use: after a change of the apex NS or of its addresses, nodes the change did not touch
/// answer through the ordinary path again.
#[derive(Debug)]
pub struct PreEncoded {
    apex_ns: Option<Arc<CompiledRrset>>,
    // Inline, with the answers and (usually) their bytes: one allocation, read in one go.
    glue: SmallVec<[Arc<CompiledRrset>; 4]>,
    answers: SmallVec<[PreEncodedAnswer; 2]>,
    bytes: SmallVec<[u8; 128]>,
}

/// Where one pre-encoded response body lies in [`PreEncoded`]'s bytes.
#[derive(Debug, Clone, Copy)]
pub struct PreEncodedAnswer {
    rtype: u16,
    counts: [u16; 3],
    start: u32,
    end: u32,
}

impl PreEncoded {
    /// Empty, for `zone` as it is now.
    pub fn new(zone: &CompiledZone) -> Self {
        Self {
            apex_ns: zone.apex_ns.clone(),
            glue: zone
                .apex_ns_additional
                .iter()
                .map(|(_, rrset)| rrset.clone())
                .collect(),
            answers: SmallVec::new(),
            bytes: SmallVec::new(),
        }
    }

    /// Adds the answer to `rtype`: `sections`, everything after the question, with `counts`
    /// records in the answer, authority and additional sections.
    pub fn push(&mut self, rtype: u16, sections: &[u8], counts: [u16; 3]) {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(sections);
        self.answers.push(PreEncodedAnswer {
            rtype,
            counts,
            start,
            end: self.bytes.len() as u32,
        });
    }

    /// Whether no answer was added.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }

    /// The sections and counts of the answer for `rtype`, if there is one and `zone`'s apex
    /// NS and their addresses are still the ones it was written with.
    pub fn answer(&self, zone: &CompiledZone, rtype: u16) -> Option<(&[u8], [u16; 3])> {
        let answer = self.answers.iter().find(|a| a.rtype == rtype)?;
        let same_ns = match (&self.apex_ns, &zone.apex_ns) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        let same_glue = self.glue.len() == zone.apex_ns_additional.len()
            && self
                .glue
                .iter()
                .zip(&zone.apex_ns_additional)
                .all(|(a, (_, b))| Arc::ptr_eq(a, b));
        (same_ns && same_glue).then(|| {
            (
                &self.bytes[answer.start as usize..answer.end as usize],
                answer.counts,
            )
        })
    }
}

impl Node {
    /// The RRset of `rtype`, if any.
    pub fn rrset(&self, rtype: u16) -> Option<&Arc<CompiledRrset>> {
        self.rrsets.iter().find(|r| r.rtype == rtype)
    }

    /// The routed sets of `rtype`, if any.
    pub fn routed(&self, rtype: u16) -> Option<&RoutedSet> {
        self.routed.iter().find(|r| r.rtype == rtype)
    }

    /// Whether the node holds any data.
    pub fn has_data(&self) -> bool {
        !self.rrsets.is_empty() || !self.routed.is_empty()
    }

    /// Whether this is a zone cut.
    pub fn is_delegation(&self) -> bool {
        self.flags & flags::DELEGATION != 0
    }
}

/// A hosted zone compiled for answering.
#[derive(Debug)]
pub struct CompiledZone {
    /// The hosted zone it was compiled from.
    pub id: HostedZoneId,
    /// Creation time, to choose among public zones of the same name.
    pub created_at_ms: i64,
    /// A private zone: served only to the VPCs it is associated with, never publicly.
    pub private: bool,
    /// Apex, lowercase wire form.
    pub apex: Arc<[u8]>,
    /// Every name with data, and every empty non-terminal, keyed by lowercase wire name.
    pub nodes: NodeMap,
    /// The apex SOA with the negative-caching TTL, min(SOA TTL, SOA MINIMUM) (RFC 2308 §3).
    pub negative_soa: Option<Arc<CompiledRrset>>,
    /// The apex NS.
    pub apex_ns: Option<Arc<CompiledRrset>>,
    /// The in-zone A/AAAA RRsets of the apex NS targets, with their owners.
    pub apex_ns_additional: Vec<(Arc<[u8]>, Arc<CompiledRrset>)>,
    /// Record sets that could not be compiled (bad stored value); each was logged.
    pub skipped: usize,
}

//! A compiled zone: nodes keyed by lowercase wire name, RRsets pre-encoded.

use std::sync::Arc;

use cairn_model::HostedZoneId;
use cairn_wire::Rdata;

use crate::routing::RoutedSet;
use rustc_hash::FxHashMap;

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
#[derive(Debug, Default, Clone)]
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

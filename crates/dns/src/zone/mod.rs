//! A compiled zone: nodes keyed by [`NameKey`], RRsets in wire form, positive answers
//! pre-encoded. Data only: [`crate::compile`] builds it, [`crate::auth`] and
//! [`crate::routing`] read it, and nothing here depends on them.

use std::sync::Arc;

use cairn_model::{DomainName, HostedZoneId};
use cairn_wire::NameKey;
use rustc_hash::FxHashMap;

mod pre_encoded;
pub mod routed;
mod rrset;

pub use pre_encoded::{MovableAnswer, PreEncoded, PreEncodedBuilder};
pub use routed::RoutedSet;
pub use rrset::CompiledRrset;

/// The lookup key of a model name. `cairn_model` keeps presentation names and does not
/// depend on the wire crate; its names are already lowercased uncompressed wire names.
pub fn name_key(name: &DomainName) -> NameKey {
    NameKey::from_wire(name.wire()).expect("a DomainName is one well-formed wire name")
}

/// The nodes of a zone by name; shared between snapshots, node by node.
pub type NodeMap = FxHashMap<NameKey, Arc<Node>>;

/// Node flags computed once at compile time (Knot's `zone_node_t.flags`).
pub mod flags {
    /// The zone apex.
    pub const APEX: u8 = 1;
    /// Has NS and is not the apex: a zone cut.
    pub const DELEGATION: u8 = 2;
    /// Has a DNAME: every name below it is redirected (RFC 6672 §2.3).
    pub const DNAME: u8 = 4;
}

/// One name in the zone: its RRsets, or none for an empty non-terminal.
///
/// A node is immutable once it is in a [`NodeMap`]: a change replaces it, or, for its
/// `children` count or its pre-encoded answers, clones it before the zone is published.
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
    /// The positive answers from [`Self::rrsets`], written when the zone was compiled or
    /// patched (see [`PreEncoded`]); `None` when no RRset here can be.
    pub pre_encoded: Option<PreEncoded>,
    /// A wildcard's (`*.…`) answers by type, moved under each name it synthesises; written
    /// with [`Self::pre_encoded`].
    pub synthesized: Option<SynthesizedAnswers>,
}

/// A wildcard's answers by type (see [`Node::synthesized`]).
pub type SynthesizedAnswers = Box<[(u16, MovableAnswer)]>;

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

    /// Whether this node holds a DNAME, which redirects the names below it.
    pub fn is_dname(&self) -> bool {
        self.flags & flags::DNAME != 0
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
    /// Apex.
    pub apex: NameKey,
    /// Every name with data, and every empty non-terminal.
    pub nodes: NodeMap,
    /// The apex SOA with the negative-caching TTL, min(SOA TTL, SOA MINIMUM) (RFC 2308 §3).
    pub negative_soa: Option<Arc<CompiledRrset>>,
    /// The negative answer (the authority section holding [`Self::negative_soa`]), moved
    /// under each NXDOMAIN or NODATA name; written when the zone is compiled or patched.
    pub negative_answer: Option<MovableAnswer>,
    /// The apex NS.
    pub apex_ns: Option<Arc<CompiledRrset>>,
    /// The in-zone A/AAAA RRsets of the apex NS targets, with their owners.
    pub apex_ns_additional: Vec<(NameKey, Arc<CompiledRrset>)>,
    /// The apex DNAME, which redirects every name below the apex (RFC 6672 §2.3). Kept here
    /// because a lookup's walk down from the apex never reads the apex node itself.
    pub apex_dname: Option<Arc<CompiledRrset>>,
    /// Record sets that could not be compiled (bad stored value); each was logged.
    pub skipped: usize,
    /// What signs answers to DO=1 queries, when the zone is signed and its key opened
    /// ([`crate::dnssec`]); kept by patches.
    pub signer: Option<Arc<crate::dnssec::ZoneSigner>>,
    /// Signed answers built on first use ([`crate::dnssec::answers`]); empty in a new
    /// compile, so never stale.
    pub signed_answers: crate::dnssec::AnswerCache,
}

//! One RRset in wire form, the unit every answer is written from.

use cairn_wire::{NameKey, Rdata};

/// One RRset in wire form, ready to be appended to a response.
#[derive(Debug, PartialEq, Eq)]
pub struct CompiledRrset {
    /// Type code.
    pub rtype: u16,
    /// TTL.
    pub ttl: u32,
    /// The records.
    pub rdatas: Vec<Rdata>,
    /// For NS, CNAME, MX and SRV: the names they point to, whose A/AAAA records go in the
    /// additional section (looked up when answering, so they never go stale).
    pub targets: Vec<NameKey>,
    /// For a CNAME (a zone's, or one synthesised from a DNAME): its target, to continue the
    /// lookup there.
    pub cname_target: Option<NameKey>,
}

//! The seam where a per-query policy decides before a VPC's view resolves anything (the DNS
//! Firewall's rule groups attach here): it sees the query and the view, and lets resolution
//! go on or answers itself.

use cairn_wire::{Query, Rcode};

use crate::view::VpcView;

/// What a policy decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Resolve as usual (rules, private zones, public resolution).
    Continue,
    /// Answer with this rcode and no records (e.g. a firewall's block with NXDOMAIN).
    Respond(Rcode),
}

/// A per-query policy of the VPC resolver, consulted before any rule or zone is looked at.
pub trait QueryPolicy: Send + Sync {
    /// Decides for `query` asked in `view` from `source`.
    fn check(&self, view: &VpcView, query: &Query<'_>, source: std::net::IpAddr) -> Flow;
}

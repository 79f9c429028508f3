//! The records a new hosted zone starts with ([ROUTE53.md §2.4]).
//!
//! Route 53 gives each zone an apex SOA (TTL 900) and four apex NS (TTL 172800). Cairn's
//! name servers come from configuration (DESIGN.md §7), so the caller passes them.

use crate::name::DomainName;
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;

/// TTL of the default apex SOA.
pub const SOA_TTL: u32 = 900;
/// TTL of the default apex NS.
pub const NS_TTL: u32 = 172_800;
/// SOA timers after the serial: refresh, retry, expire, minimum.
pub const SOA_TIMERS: &str = "7200 900 1209600 86400";

/// Name servers used when none are configured, shaped like Route 53's.
pub fn default_name_servers() -> Vec<DomainName> {
    [
        "ns-1.cairn.invalid",
        "ns-2.cairn.invalid",
        "ns-3.cairn.invalid",
        "ns-4.cairn.invalid",
    ]
    .iter()
    .map(|n| DomainName::from_route53(n).expect("static names are valid"))
    .collect()
}

/// The mailbox in the SOA's RNAME field.
pub const HOSTMASTER: &str = "hostmaster.cairn.invalid.";

/// The apex SOA and NS for a new zone.
pub fn apex_records(apex: &DomainName, name_servers: &[DomainName]) -> Vec<ResourceRecordSet> {
    let primary = name_servers
        .first()
        .map(DomainName::to_route53)
        .unwrap_or_else(|| ".".into());
    let soa = format!("{primary} {HOSTMASTER} 1 {SOA_TIMERS}");
    let ns = name_servers.iter().map(DomainName::to_route53).collect();
    vec![
        ResourceRecordSet::simple(apex.clone(), RrType::Soa, SOA_TTL, vec![soa]),
        ResourceRecordSet::simple(apex.clone(), RrType::Ns, NS_TTL, ns),
    ]
}

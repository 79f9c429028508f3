//! The query pipeline of the public authoritative listener: parse, checks in a fixed
//! order, lookup, write.
//!
//! | order | check | outcome |
//! |---|---|---|
//! | 1 | shorter than a header, or QR=1 | dropped (no reflection) |
//! | 2 | malformed question or records | FORMERR, header only |
//! | 3 | opcode other than QUERY | NOTIMP |
//! | 4 | EDNS version above 0 | BADVERS (RFC 6891 §6.1.3) |
//! | 5 | class other than IN | REFUSED |
//! | 6 | AXFR/IXFR | REFUSED (zone transfers are not offered) |
//! | 7 | meta types (OPT, TKEY…) | FORMERR / NOTIMP |
//! | 8 | name in no public hosted zone | REFUSED |
//! | 9 | authoritative lookup | the plan, written with truncation (TC=1 on UDP) |
//!
//! A malformed EDNS Client Subnet option is FORMERR (check 2, RFC 7871 §7.2.1). A query with
//! a valid one gets it back in the response's OPT record (RFC 7871 §7.2.1), with SCOPE
//! PREFIX-LENGTH = the query's SOURCE PREFIX-LENGTH when geolocation chose the answer by the
//! client's address, and 0 otherwise (every other answer, negative answers and referrals,
//! RFC 7871 §7.4).

use std::net::IpAddr;

use cairn_wire::{rcode, rtype, NoRoom, ParseError, Query, ResponseWriter, Section};

use crate::auth::{self, Plan};
use crate::geoip::GeoIp;
use crate::routing::{Client, RoutingContext};
use crate::snapshot::Snapshot;
use crate::zone::{name_key, CompiledZone};

/// The EDNS UDP payload Cairn advertises and honours at most (ROUTE53.md §2.7: up to 4096).
pub const EDNS_UDP_PAYLOAD: u16 = 4096;

/// How the query arrived; decides the size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP: 512 bytes, or the EDNS payload (at most [`EDNS_UDP_PAYLOAD`]).
    Udp,
    /// TCP: up to 65535 bytes.
    Tcp,
}

/// Where a query came from, and what locates it (geolocation routing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// The query's source address; the client's address when the query has no ECS option.
    pub source: Option<IpAddr>,
    /// The MaxMind DB of `--geoip-db`; without one, geolocation answers with `*`.
    pub geoip: Option<&'a GeoIp>,
}

/// Answers one message from `snapshot` into `out`, for a client of unknown address (its ECS
/// option, if any, still counts); `None` means send nothing.
pub fn respond<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    respond_from(snapshot, msg, transport, Origin::default(), out)
}

/// Answers one message from `origin` from `snapshot` into `out`; `None` means send nothing.
pub fn respond_from<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    answer(snapshot, msg, transport, origin, out, true)
}

/// [`respond_from`] with every response written from its plan, never from a pre-encoded
/// answer ([`crate::zone::PreEncoded`]): what the tests compare the pre-encoded answers with.
#[doc(hidden)]
pub fn respond_from_plan<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
) -> Option<&'b [u8]> {
    answer(snapshot, msg, transport, origin, out, false)
}

fn answer<'b>(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &'b mut Vec<u8>,
    pre_encoded: bool,
) -> Option<&'b [u8]> {
    let query = match Query::parse(msg) {
        Ok(query) => query,
        Err(ParseError::Drop) => return None,
        Err(ParseError::FormErr(_)) => return Some(formerr(msg, out)),
    };
    let limit = match transport {
        Transport::Udp => query
            .edns
            .map_or(512, |e| e.udp_payload.clamp(512, EDNS_UDP_PAYLOAD) as usize),
        Transport::Tcp => usize::from(u16::MAX),
    };
    let edns = query.edns.map(|e| (EDNS_UDP_PAYLOAD, e.dnssec_ok));
    let mut w = ResponseWriter::new(out, &query, limit);
    if let Some(ecs) = query.ecs {
        w.echo_ecs(ecs);
    }

    if let Some(code) = early_rcode(&query) {
        w.set_rcode(code);
        return Some(w.finish(edns));
    }

    let mut lower = [0u8; 255];
    let len = query.qname_lowercase(&mut lower);
    let qname = &lower[..len];
    let Some(zone) = snapshot.find_public_zone(qname) else {
        w.set_rcode(rcode::REFUSED);
        return Some(w.finish(edns));
    };
    if pre_encoded && push_pre_encoded(zone, qname, query.qtype, &mut w) {
        w.set_aa(true);
        return Some(w.finish(edns));
    }
    // The ECS address locates the client; a /0 option reveals nothing, so the source does
    // (ROUTE53.md §2.7: "when it is absent the resolver's source IP stands in").
    let client_addr = match query.ecs {
        Some(ecs) if ecs.source_prefix > 0 => Some(ecs.addr()),
        _ => origin.source,
    };
    let ecs_prefix = query
        .ecs
        .filter(|e| e.source_prefix > 0)
        .map(|e| e.source_prefix);
    let client =
        Client::new(client_addr, origin.geoip).with_cidr(&snapshot.cidr_collections, ecs_prefix);
    let ctx = RoutingContext {
        region: &snapshot.region,
        health: &snapshot.health,
        zones: &snapshot.zones,
        client: &client,
    };
    let plan = auth::lookup(zone, qname, query.qtype, &ctx);
    if let Some(ecs) = query.ecs {
        if client.routed_by_location() && plan.rcode == rcode::NOERROR && !plan.answer.is_empty() {
            w.set_ecs_scope(client.ecs_scope(ecs.source_prefix));
        }
    }
    write_plan(&mut w, &plan);
    Some(w.finish(edns))
}

/// Writes the pre-encoded answer of the node at exactly `qname` for `qtype` (see
/// [`crate::zone::PreEncoded`], written when the zone was compiled). `false` (nothing
/// written) when there is none, or it does not fit: the ordinary path answers then, and
/// decides what to leave out.
fn push_pre_encoded(
    zone: &CompiledZone,
    qname: &[u8],
    qtype: u16,
    w: &mut ResponseWriter<'_>,
) -> bool {
    if qtype == rtype::ANY {
        return false;
    }
    let Some(node) = auth::exact_node(zone, qname) else {
        return false;
    };
    let Some((sections, counts)) = node.pre_encoded.as_ref().and_then(|p| p.answer(qtype)) else {
        return false;
    };
    w.push_encoded(sections, counts).is_ok()
}

/// The response code for a query Cairn does not look up at all (checks 3–7 of the table
/// above), shared with the VPC resolver; `None` when the lookup should go ahead.
pub fn early_rcode(query: &Query<'_>) -> Option<u16> {
    if query.opcode != 0 {
        return Some(rcode::NOTIMP);
    }
    if query.edns.is_some_and(|e| e.version != 0) {
        return Some(rcode::BADVERS);
    }
    if query.qclass != cairn_wire::CLASS_IN {
        return Some(rcode::REFUSED);
    }
    match query.qtype {
        rtype::AXFR | rtype::IXFR => Some(rcode::REFUSED),
        rtype::OPT => Some(rcode::FORMERR),
        128..=254 => Some(rcode::NOTIMP),
        _ => None,
    }
}

/// Writes a plan. Required data (the answer; the authority of negative answers and
/// referrals) that does not fit empties the message and sets TC, so the client retries over
/// TCP (RFC 2181 §9); optional data (the zone's NS on a positive answer, additional records)
/// that does not fit is left out.
pub fn write_plan(w: &mut ResponseWriter<'_>, plan: &Plan<'_>) {
    w.set_rcode(plan.rcode);
    w.set_aa(plan.authoritative);
    for (owner, rrset) in &plan.answer {
        if push_rrset(w, Section::Answer, owner, rrset).is_err() {
            w.clear_records();
            w.set_tc(true);
            return;
        }
    }
    let before_authority = w.mark();
    for (owner, rrset) in &plan.authority {
        if push_rrset(w, Section::Authority, owner, rrset).is_err() {
            if plan.authority_optional {
                w.rollback(before_authority);
                return;
            }
            w.clear_records();
            w.set_tc(true);
            return;
        }
    }
    for (owner, rrset) in &plan.additional {
        let mark = w.mark();
        if push_rrset(w, Section::Additional, owner, rrset).is_err() {
            w.rollback(mark);
            return;
        }
    }
}

fn push_rrset(
    w: &mut ResponseWriter<'_>,
    section: Section,
    owner: &[u8],
    rrset: &crate::zone::CompiledRrset,
) -> Result<(), NoRoom> {
    for rdata in &rrset.rdatas {
        w.push_rr(section, owner, rrset.rtype, rrset.ttl, rdata)?;
    }
    Ok(())
}

/// FORMERR with the header of `msg` and nothing else.
pub fn formerr<'b>(msg: &[u8], out: &'b mut Vec<u8>) -> &'b [u8] {
    let id = u16::from_be_bytes([msg[0], msg[1]]);
    let flags = u16::from_be_bytes([msg[2], msg[3]]);
    let opcode = ((flags >> 11) & 0xf) as u8;
    let mut w = ResponseWriter::from_header(
        out,
        id,
        opcode,
        flags & 0x0100 != 0,
        flags & 0x0010 != 0,
        false,
        512,
    );
    w.set_rcode(rcode::FORMERR);
    w.finish(None)
}

/// What hosted zone `zone` answers for `qname` and `qtype` on this node to a client at
/// `client_addr` (TestDNSAnswer's ECS address, else its resolver address; `None`: unknown),
/// located with `geoip`, as TestDNSAnswer reports it: the response code's name and the
/// answer's records of that type in Route 53's value form. `None` when the snapshot does not
/// hold the zone.
pub fn test_answer(
    snapshot: &Snapshot,
    zone: &cairn_model::HostedZoneId,
    qname: &cairn_model::DomainName,
    qtype: cairn_model::RrType,
    client_addr: Option<IpAddr>,
    geoip: Option<&GeoIp>,
) -> Option<(&'static str, Vec<String>)> {
    let compiled = snapshot.zones.get(zone)?;
    let key = name_key(qname);
    let name: &[u8] = &key;
    if !key.is_at_or_below(&compiled.apex) {
        return Some(("REFUSED", Vec::new()));
    }
    let client = Client::new(client_addr, geoip).with_cidr(&snapshot.cidr_collections, None);
    let ctx = RoutingContext {
        region: &snapshot.region,
        health: &snapshot.health,
        zones: &snapshot.zones,
        client: &client,
    };
    let plan = auth::lookup(compiled, name, qtype.code(), &ctx);
    let records = plan
        .answer
        .iter()
        .filter(|(_, rrset)| rrset.rtype == qtype.code())
        .flat_map(|(_, rrset)| rrset.rdatas.iter())
        .map(|rdata| {
            cairn_model::rdata::decode_to_route53_value(qtype, rdata.bytes())
                .unwrap_or_else(|_| format!("\\# {} {}", rdata.bytes().len(), hex(rdata.bytes())))
        })
        .collect();
    let code = match plan.rcode {
        rcode::NOERROR => "NOERROR",
        rcode::NXDOMAIN => "NXDOMAIN",
        rcode::REFUSED => "REFUSED",
        _ => "SERVFAIL",
    };
    Some((code, records))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

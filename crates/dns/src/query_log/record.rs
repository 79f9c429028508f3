//! The two record formats, rendered on the writer thread (never on the answering one):
//! Resolver query logs' JSON ([ROUTE53-NEXT.md §D.2], version `1.100000`) and public DNS
//! query logs' space-separated `1.0` line (§D.1).

use std::fmt::Write;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use cairn_wire::{Query, Rcode};
use hickory_proto::op::Message;
use hickory_proto::rr::{DNSClass, RecordType};

use crate::pipeline::Transport;

/// Who sent a query logged in a VPC (`srcids`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceIds {
    /// From inside the VPC. Cairn keeps no EC2 instances, so no `instance` id is known and
    /// `srcids` is `{}`.
    Vpc,
    /// Through an inbound endpoint: `resolver_endpoint` and `resolver_network_interface`.
    InboundEndpoint {
        /// `rslvr-in-…`.
        endpoint: String,
        /// The endpoint address's `IpId` (`rni-…`).
        interface: String,
    },
}

/// The DNS Firewall fields, owned, for the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirewallFields {
    /// `firewall_rule_group_id`.
    pub rule_group_id: String,
    /// `firewall_rule_action` (`ALERT` or `BLOCK`).
    pub action: String,
    /// `firewall_domain_list_id`.
    pub domain_list_id: String,
}

/// One Resolver query, as queued for the writer.
#[derive(Debug, Clone)]
pub struct ResolverQuery {
    /// `account_id`: the VPC's owner.
    pub account_id: String,
    /// `region`: the VPC's.
    pub region: String,
    /// `vpc_id`.
    pub vpc_id: String,
    /// When it was answered.
    pub time: SystemTime,
    /// The question name (wire form, case as received).
    pub qname: Vec<u8>,
    /// The question type.
    pub qtype: u16,
    /// The response code.
    pub rcode: Rcode,
    /// The reply as sent (its answers are listed).
    pub response: Vec<u8>,
    /// `srcaddr`.
    pub source: Option<IpAddr>,
    /// `srcport`.
    pub port: u16,
    /// `transport`.
    pub transport: Transport,
    /// `srcids`.
    pub source_ids: SourceIds,
    /// The firewall fields, present when an ALERT or BLOCK rule matched.
    pub firewall: Option<FirewallFields>,
}

/// One query to the public listener for a logged zone, as queued for the writer.
#[derive(Debug, Clone)]
pub struct PublicQuery {
    /// When it was answered.
    pub time: SystemTime,
    /// The hosted zone (bare id).
    pub zone_id: String,
    /// The question name (wire form, case as received).
    pub qname: Vec<u8>,
    /// The question type.
    pub qtype: u16,
    /// The response code.
    pub rcode: Rcode,
    /// UDP or TCP.
    pub transport: Transport,
    /// The edge location: this node's name.
    pub edge: String,
    /// The resolver that asked.
    pub source: Option<IpAddr>,
    /// The query as received (for its EDNS Client Subnet).
    pub query: Vec<u8>,
}

/// The Resolver query log record, one JSON object, its members in Route 53's order.
pub fn resolver_json(q: &ResolverQuery) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("{\"version\":\"1.100000\"");
    member(&mut out, "account_id", &q.account_id);
    member(&mut out, "region", &q.region);
    member(&mut out, "vpc_id", &q.vpc_id);
    member(&mut out, "query_timestamp", &timestamp(q.time, false));
    member(&mut out, "query_name", &name_text(&q.qname));
    member(&mut out, "query_type", &type_name(q.qtype));
    member(&mut out, "query_class", "IN");
    member(&mut out, "rcode", &rcode_name(q.rcode));
    out.push_str(",\"answers\":[");
    for (i, (rdata, rtype, class)) in answers(&q.response).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"Rdata\":");
        out.push_str(&json_string(rdata));
        out.push_str(",\"Type\":");
        out.push_str(&json_string(rtype));
        out.push_str(",\"Class\":");
        out.push_str(&json_string(class));
        out.push('}');
    }
    out.push(']');
    let source = q.source.map(|s| s.to_canonical().to_string());
    member(&mut out, "srcaddr", source.as_deref().unwrap_or("-"));
    member(&mut out, "srcport", &q.port.to_string());
    member(&mut out, "transport", transport_name(q.transport));
    out.push_str(",\"srcids\":{");
    if let SourceIds::InboundEndpoint {
        endpoint,
        interface,
    } = &q.source_ids
    {
        out.push_str("\"resolver_endpoint\":");
        out.push_str(&json_string(endpoint));
        out.push_str(",\"resolver_network_interface\":");
        out.push_str(&json_string(interface));
    }
    out.push('}');
    // Where DNS Firewall's fields go: only when an ALERT or BLOCK rule matched.
    if let Some(fw) = &q.firewall {
        member(&mut out, "firewall_rule_group_id", &fw.rule_group_id);
        member(&mut out, "firewall_rule_action", &fw.action);
        member(&mut out, "firewall_domain_list_id", &fw.domain_list_id);
    }
    out.push('}');
    out
}

/// The public query log line: `1.0 <timestamp> <zone id> <name> <type> <rcode> <UDP|TCP>
/// <edge> <resolver ip> <client subnet or ->`, the name without its trailing dot.
pub fn public_line(q: &PublicQuery) -> String {
    let name = name_text(&q.qname);
    let name = name
        .strip_suffix('.')
        .filter(|n| !n.is_empty())
        .unwrap_or(&name);
    let ecs = Query::parse(&q.query)
        .ok()
        .and_then(|query| query.ecs)
        .map_or_else(
            || "-".to_string(),
            |ecs| format!("{}/{}", ecs.addr(), ecs.source_prefix),
        );
    let source = q.source.map(|s| s.to_canonical().to_string());
    format!(
        "1.0 {} {} {name} {} {} {} {} {} {ecs}",
        timestamp(q.time, true),
        q.zone_id,
        type_name(q.qtype),
        rcode_name(q.rcode),
        transport_name(q.transport),
        q.edge,
        source.as_deref().unwrap_or("-"),
    )
}

fn member(out: &mut String, key: &str, value: &str) {
    let _ = write!(out, ",\"{key}\":{}", json_string(value));
}

fn json_string(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into())
}

/// A wire name as text with its trailing dot, case kept (`.` for the root).
pub fn name_text(wire: &[u8]) -> String {
    cairn_wire::name::to_text(wire)
}

/// `A`, `AAAA`, … or `TYPE<n>` for a type without a mnemonic.
fn type_name(qtype: u16) -> String {
    match RecordType::from(qtype) {
        RecordType::Unknown(n) => format!("TYPE{n}"),
        known => known.to_string(),
    }
}

/// The rcode as Route 53's logs spell it.
fn rcode_name(rcode: Rcode) -> String {
    match rcode {
        Rcode::NoError => "NOERROR".into(),
        Rcode::FormErr => "FORMERR".into(),
        Rcode::ServFail => "SERVFAIL".into(),
        Rcode::NxDomain => "NXDOMAIN".into(),
        Rcode::NotImp => "NOTIMP".into(),
        Rcode::Refused => "REFUSED".into(),
        Rcode::BadVers => "BADVERS".into(),
        Rcode::Other(n) => format!("RCODE{n}"),
    }
}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Udp => "UDP",
        Transport::Tcp => "TCP",
        Transport::Https => "DoH",
    }
}

/// The answer section of `response` as `(Rdata, Type, Class)` texts; empty when it does
/// not parse.
fn answers(response: &[u8]) -> Vec<(String, String, String)> {
    let Ok(message) = Message::from_vec(response) else {
        return Vec::new();
    };
    message
        .answers
        .iter()
        .map(|rr| {
            let class = match rr.dns_class {
                DNSClass::IN => "IN".to_string(),
                other => other.to_string(),
            };
            (rr.data.to_string(), rr.record_type().to_string(), class)
        })
        .collect()
}

/// ISO 8601 UTC: `2021-02-04T17:51:55Z`, or with milliseconds (`…55.123Z`).
pub fn timestamp(time: SystemTime, millis: bool) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if millis {
        let _ = write!(out, ".{:03}", since.subsec_millis());
    }
    out.push('Z');
    out
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_iso_8601_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_612_461_115_130);
        assert_eq!(timestamp(t, false), "2021-02-04T17:51:55Z");
        assert_eq!(timestamp(t, true), "2021-02-04T17:51:55.130Z");
        assert_eq!(timestamp(UNIX_EPOCH, false), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_resolver_record_has_route53s_members_in_order() {
        let q = ResolverQuery {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            vpc_id: "vpc-7example".into(),
            time: UNIX_EPOCH + Duration::from_secs(1_612_461_115),
            qname: b"\x02Ex\x03com\x00".to_vec(),
            qtype: 1,
            rcode: Rcode::NxDomain,
            response: Vec::new(),
            source: Some("10.0.0.9".parse().unwrap()),
            port: 56067,
            transport: Transport::Udp,
            source_ids: SourceIds::Vpc,
            firewall: None,
        };
        assert_eq!(
            resolver_json(&q),
            r#"{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-7example","query_timestamp":"2021-02-04T17:51:55Z","query_name":"Ex.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.0.9","srcport":"56067","transport":"UDP","srcids":{}}"#
        );
    }
}

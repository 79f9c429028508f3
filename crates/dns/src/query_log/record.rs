//! The two record formats, rendered on the writer thread (never on the answering one):
//! Resolver query logs' JSON ([ROUTE53-NEXT.md §D.2], version `1.100000`) and public DNS
//! query logs' space-separated `1.0` line (§D.1).

use std::fmt::Write;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cairn_wire::{Query, Rcode};
use hickory_proto::rr::RecordType;
use rustc_hash::FxHashMap;

use super::answers::{push_ipv4, push_u64, write_answers};
use super::queue::Entry;
use crate::pipeline::Transport;

/// The members every record of one VPC starts with, rendered once per network snapshot:
/// `{"version":…,"account_id":…,"region":…,"vpc_id":…`.
pub fn vpc_head(account_id: &str, region: &str, vpc_id: &str) -> String {
    let mut out = String::from("{\"version\":\"1.100000\"");
    member(&mut out, "account_id", account_id);
    member(&mut out, "region", region);
    member(&mut out, "vpc_id", vpc_id);
    out
}

/// The members of `srcids` for a query through an inbound endpoint's address (`rslvr-in-…`
/// and the address's `rni-…`); from inside the VPC `srcids` is `{}` (Cairn keeps no EC2
/// instances, so no `instance` id is known).
pub fn endpoint_srcids(endpoint: &str, interface: &str) -> String {
    let mut out = String::from("\"resolver_endpoint\":");
    push_json_str(&mut out, endpoint);
    out.push_str(",\"resolver_network_interface\":");
    push_json_str(&mut out, interface);
    out
}

/// Renders records on the writer thread, keeping what repeats from one record to the next:
/// the timestamp of the current second, type names, and a scratch string.
#[derive(Debug, Default)]
pub struct Renderer {
    /// The second last formatted, and its text without the final `Z`.
    second: Option<(u64, String)>,
    /// Type mnemonics (`A`, `TYPE65280`) by number.
    types: FxHashMap<u16, Box<str>>,
    scratch: String,
}

impl Renderer {
    /// Appends the Resolver query log record of `e` (one JSON object, its members in Route
    /// 53's order), given its VPC's [`vpc_head`] and its `srcids` members.
    pub fn resolver(&mut self, out: &mut String, head: &str, srcids: &str, e: &Entry<'_>) {
        out.push_str(head);
        out.push_str(",\"query_timestamp\":\"");
        out.push_str(self.second_text(e.time_ms / 1000));
        out.push_str("Z\",\"query_name\":");
        self.scratch.clear();
        push_name_text(&mut self.scratch, e.qname);
        push_json_str(out, &self.scratch);
        out.push_str(",\"query_type\":");
        push_json_str(out, self.type_name(e.qtype));
        out.push_str(",\"query_class\":\"IN\",\"rcode\":\"");
        push_rcode(out, e.rcode);
        out.push_str("\",\"answers\":[");
        write_answers(out, e.message);
        out.push_str("],\"srcaddr\":\"");
        push_source(out, e.source);
        out.push_str("\",\"srcport\":\"");
        push_u64(out, u64::from(e.port));
        out.push_str("\",\"transport\":\"");
        out.push_str(transport_name(e.transport));
        out.push_str("\",\"srcids\":{");
        out.push_str(srcids);
        out.push('}');
        // Where DNS Firewall's fields go: only when an ALERT or BLOCK rule matched.
        if let Some(fw) = &e.firewall {
            member(out, "firewall_rule_group_id", fw.rule_group_id);
            member(out, "firewall_rule_action", fw.action.as_str());
            member(out, "firewall_domain_list_id", fw.domain_list_id);
        }
        out.push('}');
    }

    /// Appends the public query log line of `e`: `1.0 <timestamp> <zone id> <name> <type>
    /// <rcode> <UDP|TCP> <edge> <resolver ip> <client subnet or ->`, the name without its
    /// trailing dot.
    pub fn public(&mut self, out: &mut String, zone_id: &str, edge: &str, e: &Entry<'_>) {
        out.push_str("1.0 ");
        out.push_str(self.second_text(e.time_ms / 1000));
        let _ = write!(out, ".{:03}Z {zone_id} ", e.time_ms % 1000);
        self.scratch.clear();
        push_name_text(&mut self.scratch, e.qname);
        let name = self
            .scratch
            .strip_suffix('.')
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.scratch);
        out.push_str(name);
        out.push(' ');
        let qtype = e.qtype;
        out.push_str(self.type_name(qtype));
        out.push(' ');
        push_rcode(out, e.rcode);
        out.push(' ');
        out.push_str(transport_name(e.transport));
        out.push(' ');
        out.push_str(edge);
        out.push(' ');
        push_source(out, e.source);
        out.push(' ');
        match Query::parse(e.message).ok().and_then(|query| query.ecs) {
            Some(ecs) => {
                let _ = write!(out, "{}/{}", ecs.addr(), ecs.source_prefix);
            }
            None => out.push('-'),
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` of second `secs`, formatted once per second.
    fn second_text(&mut self, secs: u64) -> &str {
        if self.second.as_ref().is_none_or(|(s, _)| *s != secs) {
            let mut text = timestamp(UNIX_EPOCH + Duration::from_secs(secs), false);
            text.pop(); // the `Z`
            self.second = Some((secs, text));
        }
        self.second.as_ref().map_or("", |(_, text)| text)
    }

    fn type_name(&mut self, qtype: u16) -> &str {
        self.types
            .entry(qtype)
            .or_insert_with(|| type_name(qtype).into())
    }
}

fn member(out: &mut String, key: &str, value: &str) {
    let _ = write!(out, ",\"{key}\":");
    push_json_str(out, value);
}

/// Appends `value` as a JSON string, escaped as `serde_json` escapes it (`"`, `\\` and
/// control characters; the rest as is).
pub fn push_json_str(out: &mut String, value: &str) {
    out.push('"');
    push_json_escaped(out, value);
    out.push('"');
}

/// Appends `value` escaped for the inside of a JSON string (see [`push_json_str`]).
pub fn push_json_escaped(out: &mut String, value: &str) {
    let mut plain = 0;
    for (i, byte) in value.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[plain..i]);
        plain = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&value[plain..]);
}

/// A wire name as text with its trailing dot, case kept (`.` for the root), as
/// `cairn_wire::name::to_text` writes it.
fn push_name_text(out: &mut String, wire: &[u8]) {
    let start = out.len();
    let mut pos = 0;
    while let Some(&len) = wire.get(pos) {
        if len == 0 {
            break;
        }
        let label = wire
            .get(pos + 1..pos + 1 + usize::from(len))
            .unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(label));
        out.push('.');
        pos += 1 + usize::from(len);
    }
    if out.len() == start {
        out.push('.');
    }
}

/// `srcaddr`: the client's address (an IPv4-mapped one as IPv4), or `-`.
fn push_source(out: &mut String, source: Option<IpAddr>) {
    match source.map(|s| s.to_canonical()) {
        None => out.push('-'),
        Some(IpAddr::V4(ip)) => push_ipv4(out, ip),
        Some(IpAddr::V6(ip)) => {
            let _ = write!(out, "{ip}");
        }
    }
}

/// `A`, `AAAA`, … or `TYPE<n>` for a type without a mnemonic.
fn type_name(qtype: u16) -> String {
    match RecordType::from(qtype) {
        RecordType::Unknown(n) => format!("TYPE{n}"),
        known => known.to_string(),
    }
}

/// The rcode as Route 53's logs spell it.
fn push_rcode(out: &mut String, rcode: Rcode) {
    match rcode {
        Rcode::Other(n) => {
            out.push_str("RCODE");
            push_u64(out, u64::from(n));
        }
        known => out.push_str(known.name()),
    }
}

fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Udp => "UDP",
        Transport::Tcp => "TCP",
        Transport::Https => "DoH",
    }
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

    #[test]
    fn timestamps_are_iso_8601_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_612_461_115_130);
        assert_eq!(timestamp(t, false), "2021-02-04T17:51:55Z");
        assert_eq!(timestamp(t, true), "2021-02-04T17:51:55.130Z");
        assert_eq!(timestamp(UNIX_EPOCH, false), "1970-01-01T00:00:00Z");
    }

    fn entry(qname: &'static [u8]) -> Entry<'static> {
        Entry {
            kind: super::super::queue::Kind::Resolver,
            target: 0,
            endpoint: super::super::queue::NO_ENDPOINT,
            time_ms: 1_612_461_115_130,
            qtype: 1,
            rcode: Rcode::NxDomain,
            port: 56067,
            transport: Transport::Udp,
            source: Some("10.0.0.9".parse().unwrap()),
            firewall: None,
            qname,
            message: b"",
        }
    }

    #[test]
    fn the_resolver_record_has_route53s_members_in_order() {
        let mut out = String::new();
        let head = vpc_head("111122223333", "us-east-1", "vpc-7example");
        Renderer::default().resolver(&mut out, &head, "", &entry(b"\x02Ex\x03com\x00"));
        assert_eq!(
            out,
            r#"{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-7example","query_timestamp":"2021-02-04T17:51:55Z","query_name":"Ex.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.0.9","srcport":"56067","transport":"UDP","srcids":{}}"#
        );
    }

    #[test]
    fn endpoint_firewall_and_odd_fields_are_written_as_before() {
        let mut out = String::new();
        let head = vpc_head("111122223333", "us-east-1", "vpc-7example");
        let srcids = endpoint_srcids("rslvr-in-1", "rni-2");
        let e = Entry {
            qtype: 65280,
            rcode: Rcode::Other(11),
            transport: Transport::Https,
            source: Some("::ffff:10.0.0.9".parse().unwrap()),
            firewall: Some(crate::firewall::FirewallLog {
                rule_group_id: "rslvr-frg-1",
                domain_list_id: "rslvr-fdl-2",
                action: cairn_model::firewall::FirewallAction::Block,
            }),
            ..entry(b"\x03a\"b\x00")
        };
        let mut renderer = Renderer::default();
        renderer.resolver(&mut out, &head, &srcids, &e);
        assert_eq!(
            out,
            r#"{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-7example","query_timestamp":"2021-02-04T17:51:55Z","query_name":"a\"b.","query_type":"TYPE65280","query_class":"IN","rcode":"RCODE11","answers":[],"srcaddr":"10.0.0.9","srcport":"56067","transport":"DoH","srcids":{"resolver_endpoint":"rslvr-in-1","resolver_network_interface":"rni-2"},"firewall_rule_group_id":"rslvr-frg-1","firewall_rule_action":"BLOCK","firewall_domain_list_id":"rslvr-fdl-2"}"#
        );
        // The second's text is reused, and changes with the second.
        let later = Entry {
            time_ms: 1_612_461_116_001,
            source: None,
            ..entry(b"\x00")
        };
        out.clear();
        renderer.resolver(&mut out, &head, "", &later);
        assert!(out.contains(r#""query_timestamp":"2021-02-04T17:51:56Z","query_name":".","#));
        assert!(out.contains(r#""srcaddr":"-","#), "{out}");
    }

    #[test]
    fn the_public_line_is_space_separated() {
        let mut out = String::new();
        let e = Entry {
            kind: super::super::queue::Kind::Public,
            transport: Transport::Tcp,
            ..entry(b"\x03www\x07Example\x03com\x00")
        };
        Renderer::default().public(&mut out, "Z123", "node-1", &e);
        assert_eq!(
            out,
            "1.0 2021-02-04T17:51:55.130Z Z123 www.Example.com A NXDOMAIN TCP node-1 10.0.0.9 -"
        );
        out.clear();
        Renderer::default().public(&mut out, "Z123", "node-1", &entry(b"\x00"));
        assert!(
            out.starts_with("1.0 2021-02-04T17:51:55.130Z Z123 . A "),
            "{out}"
        );
    }

    proptest::proptest! {
        #[test]
        fn json_strings_are_escaped_as_serde_json_escapes_them(value in ".*", bytes in proptest::collection::vec(0u8..0x80, 0..40)) {
            for text in [value, String::from_utf8(bytes).unwrap()] {
                let mut out = String::new();
                push_json_str(&mut out, &text);
                proptest::prop_assert_eq!(out, serde_json::to_string(&text).unwrap());
            }
        }
    }
}

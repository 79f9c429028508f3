//! Writing record sets as a BIND zone file.
//!
//! Alias record sets and record sets with a routing policy (weighted,
//! latency, failover, geolocation, geoproximity, multivalue, IP-based) have
//! no BIND syntax: they are written as `;` comment lines that say what they
//! are, so the file documents them but a DNS server loading it ignores them.

use std::fmt::Write as _;

use super::sort_for_zone_file;
use crate::name::DomainName;
use crate::rdata::route53_value_to_presentation;
use crate::routing::RoutingPolicy;
use crate::rrset::ResourceRecordSet;
use crate::rrtype::RrType;

/// `$TTL` when the zone has no SOA to take it from.
const DEFAULT_TTL: u32 = 300;

/// Writes `record_sets` of the zone `apex` in BIND syntax.
///
/// The file starts with `$ORIGIN apex.` and `$TTL` (the SOA's TTL), then
/// lists the sets in [`sort_for_zone_file`] order, one line per record, with
/// absolute owner names and explicit TTL and class. Alias sets and sets with
/// a routing policy become comment lines (see the module docs); so does a
/// value that cannot be encoded, which never happens for values that passed
/// validation.
pub fn write_zone_file(apex: &DomainName, record_sets: &[ResourceRecordSet]) -> String {
    let mut sets: Vec<ResourceRecordSet> = record_sets.to_vec();
    sort_for_zone_file(apex, &mut sets);
    let default_ttl = sets
        .iter()
        .find(|s| s.rtype == RrType::Soa && &s.name == apex)
        .and_then(|s| s.ttl)
        .unwrap_or(DEFAULT_TTL);
    let mut out = String::with_capacity(64 + sets.len() * 64);
    out.push_str(&format!(
        "$ORIGIN {}\n$TTL {default_ttl}\n",
        apex.to_presentation()
    ));
    for set in &sets {
        if set.alias_target.is_some() {
            write_alias_comment(&mut out, set);
        } else if set.routing.is_some() {
            write_routed_comment(&mut out, set);
        } else {
            write_plain_set(&mut out, set);
        }
    }
    out
}

fn write_plain_set(out: &mut String, set: &ResourceRecordSet) {
    if let Some(id) = &set.health_check_id {
        line(
            out,
            format_args!("; health check {id} of the next set has no BIND syntax"),
        );
    }
    for value in &set.records {
        match record_line(set, value) {
            Ok(text) => {
                out.push_str(&text);
                out.push('\n');
            }
            Err(reason) => line(out, format_args!("; not written, {reason}")),
        }
    }
}

/// One record: `owner TTL IN TYPE data` (the TTL is left out when the set
/// has none, so `$TTL` applies).
fn record_line(set: &ResourceRecordSet, value: &str) -> Result<String, String> {
    let data = route53_value_to_presentation(set.rtype, value).map_err(|e| e.to_string())?;
    let owner = set.name.to_presentation();
    Ok(match set.ttl {
        Some(ttl) => format!("{owner}\t{ttl}\tIN\t{}\t{data}", set.rtype),
        None => format!("{owner}\tIN\t{}\t{data}", set.rtype),
    })
}

fn write_alias_comment(out: &mut String, set: &ResourceRecordSet) {
    let Some(alias) = &set.alias_target else {
        return;
    };
    let routing = describe_routing(set);
    line(
        out,
        format_args!(
            "; alias record (no BIND syntax): {} {} -> {} in hosted zone {}, evaluate target health {}{}",
            set.name.to_presentation(),
            set.rtype,
            alias.dns_name.to_presentation(),
            alias.hosted_zone_id,
            if alias.evaluate_target_health { "yes" } else { "no" },
            if routing.is_empty() { String::new() } else { format!(", {routing}") },
        ),
    );
}

fn write_routed_comment(out: &mut String, set: &ResourceRecordSet) {
    line(
        out,
        format_args!(
            "; routed record set (no BIND syntax): {} {}, {}",
            set.name.to_presentation(),
            set.rtype,
            describe_routing(set)
        ),
    );
    for value in &set.records {
        match record_line(set, value) {
            Ok(text) => line(out, format_args!(";   {text}")),
            Err(reason) => line(out, format_args!(";   not written, {reason}")),
        }
    }
}

/// The routing of a set, as `key value` pairs joined by commas.
fn describe_routing(set: &ResourceRecordSet) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(routing) = &set.routing {
        parts.push(format!("set identifier {:?}", routing.set_identifier));
        parts.push(describe_policy(&routing.policy));
    }
    if let Some(id) = &set.health_check_id {
        parts.push(format!("health check {id}"));
    }
    parts.join(", ")
}

fn describe_policy(policy: &RoutingPolicy) -> String {
    match policy {
        RoutingPolicy::Weighted(weight) => format!("weight {weight}"),
        RoutingPolicy::Latency(region) => format!("latency region {region}"),
        RoutingPolicy::Failover(role) => format!("failover {role}"),
        RoutingPolicy::Geolocation(geo) => {
            let fields = [
                ("continent", &geo.continent_code),
                ("country", &geo.country_code),
                ("subdivision", &geo.subdivision_code),
            ];
            let text: Vec<String> = fields
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .collect();
            format!("geolocation {}", text.join(" "))
        }
        RoutingPolicy::Geoproximity(proximity) => {
            let mut text = Vec::new();
            if let Some(region) = &proximity.aws_region {
                text.push(format!("region {region}"));
            }
            if let Some(group) = &proximity.local_zone_group {
                text.push(format!("local zone group {group}"));
            }
            if let (Some(lat), Some(lon)) = (&proximity.latitude, &proximity.longitude) {
                text.push(format!("coordinates {lat},{lon}"));
            }
            if let Some(bias) = proximity.bias {
                text.push(format!("bias {bias}"));
            }
            format!("geoproximity {}", text.join(" "))
        }
        RoutingPolicy::MultiValueAnswer(multi) => format!("multivalue answer {multi}"),
        RoutingPolicy::IpBased(cidr) => format!(
            "IP-based collection {} location {}",
            cidr.collection_id, cidr.location_name
        ),
    }
}

/// Appends one line; a line break inside (from a field no validation
/// reached) becomes a space, so a comment can never spill into records.
fn line(out: &mut String, args: std::fmt::Arguments<'_>) {
    let start = out.len();
    out.write_fmt(args)
        .expect("writing to a String cannot fail");
    if out[start..].contains(['\n', '\r']) {
        let cleaned = out[start..].replace(['\n', '\r'], " ");
        out.truncate(start);
        out.push_str(&cleaned);
    }
    out.push('\n');
}

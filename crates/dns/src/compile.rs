//! Compiling a hosted zone's record sets into a [`CompiledZone`].
//!
//! Everything a query needs is decided here, once per change: values are encoded to wire
//! RDATA, node flags (apex, delegation) are set, empty non-terminals get nodes so they
//! block wildcards (RFC 4592 §2.2.2), and the A/AAAA records of NS, MX and SRV targets are
//! attached for the additional section.

use std::sync::Arc;

use cairn_model::{ResourceRecordSet, RrType};
use cairn_store::ZoneContents;
use cairn_wire::{rtype, Rdata};
use rustc_hash::FxHashMap;

use crate::routing::{Policy, RoutedSet, Target, Variant};
use crate::zone::{flags, AdditionalTarget, CompiledRrset, CompiledZone, Node};

/// A plain set's values in wire form: type, TTL, records.
type EncodedSet = (u16, u32, Vec<Rdata>);

/// The A and AAAA RRsets of each name, for the additional section.
type AddressSets = FxHashMap<Box<[u8]>, (Option<Arc<CompiledRrset>>, Option<Arc<CompiledRrset>>)>;

/// Compiles one zone. Plain sets become pre-encoded RRsets; aliases and sets with a routing
/// policy become [`RoutedSet`]s chosen among at query time. Sets that cannot be served yet
/// (geoproximity, aliases to other zones) or whose stored value does not encode are
/// skipped, logged and counted; the rest of the zone is still served.
pub fn compile_zone(contents: &ZoneContents) -> CompiledZone {
    let zone = &contents.zone;
    let apex: Box<[u8]> = zone.name.wire().into();
    let mut skipped = 0;

    // Pass 1: encode every plain set; group aliases and routed sets by name and type.
    let mut encoded: FxHashMap<Box<[u8]>, Vec<EncodedSet>> = FxHashMap::default();
    let mut routed: FxHashMap<(Box<[u8]>, u16), Vec<&ResourceRecordSet>> = FxHashMap::default();
    for set in &contents.record_sets {
        if is_routed(set) {
            routed.entry((set.name.wire().into(), set.rtype.code())).or_default().push(set);
            continue;
        }
        match encode_set(set) {
            Ok(Some(rrset)) => encoded.entry(set.name.wire().into()).or_default().push(rrset),
            Ok(None) => skipped += 1,
            Err(reason) => {
                tracing::warn!(zone = %zone.id, name = %set.name, rtype = %set.rtype, reason, "record set not served");
                skipped += 1;
            }
        }
    }

    // Address RRsets first: other RRsets point at them for the additional section.
    let mut addresses: AddressSets =
        FxHashMap::default();
    for (owner, sets) in &mut encoded {
        for (code, ttl, rdatas) in sets.iter_mut() {
            if *code == rtype::A || *code == rtype::AAAA {
                let compiled = Arc::new(CompiledRrset {
                    rtype: *code,
                    ttl: *ttl,
                    rdatas: std::mem::take(rdatas),
                    additional: Vec::new(),
                    cname_target: None,
                });
                let entry = addresses.entry(owner.clone()).or_default();
                if *code == rtype::A {
                    entry.0 = Some(compiled);
                } else {
                    entry.1 = Some(compiled);
                }
            }
        }
    }

    // Pass 2: nodes.
    let mut nodes: FxHashMap<Box<[u8]>, Node> = FxHashMap::default();
    for (owner, sets) in encoded {
        let node = nodes.entry(owner.clone()).or_default();
        for (code, ttl, rdatas) in sets {
            let rrset = if code == rtype::A || code == rtype::AAAA {
                let (a, aaaa) = &addresses[&owner];
                let found = if code == rtype::A { a } else { aaaa };
                found.clone().expect("address RRsets were compiled in the first pass")
            } else {
                let additional = additional_targets(code, &rdatas, &addresses);
                let cname_target = (code == rtype::CNAME)
                    .then(|| rdatas.first().map(|r| lowercase(r.bytes())))
                    .flatten();
                Arc::new(CompiledRrset { rtype: code, ttl, rdatas, additional, cname_target })
            };
            node.rrsets.push(rrset);
        }
    }

    // Routed groups, after the address RRsets they may point at exist.
    for ((owner, code), sets) in routed {
        match compile_routed(zone, code, &sets, &addresses) {
            Ok(group) => nodes.entry(owner).or_default().routed.push(group),
            Err(reason) => {
                let name = &sets[0].name;
                tracing::warn!(zone = %zone.id, name = %name, rtype = code, reason, "record sets not served");
                skipped += sets.len();
            }
        }
    }

    // Flags and empty non-terminals.
    let owners: Vec<Box<[u8]>> = nodes.keys().cloned().collect();
    for owner in owners {
        let node = nodes.get_mut(&owner).expect("owner was just listed");
        if owner == apex {
            node.flags |= flags::APEX;
        } else if node.rrset(rtype::NS).is_some() {
            node.flags |= flags::DELEGATION;
        }
        let mut name: &[u8] = &owner;
        while name.len() > apex.len() {
            name = &name[1 + name[0] as usize..];
            nodes.entry(name.into()).or_default();
        }
    }

    let apex_node = nodes.get(&apex);
    let negative_soa = apex_node.and_then(|n| n.rrset(rtype::SOA)).map(|soa| {
        let minimum = soa.rdatas.first().map_or(soa.ttl, |r| {
            let b = r.bytes();
            u32::from_be_bytes([b[b.len() - 4], b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]])
        });
        Arc::new(CompiledRrset {
            rtype: rtype::SOA,
            ttl: soa.ttl.min(minimum),
            rdatas: soa.rdatas.clone(),
            additional: Vec::new(),
            cname_target: None,
        })
    });
    let apex_ns = apex_node.and_then(|n| n.rrset(rtype::NS)).cloned();

    CompiledZone {
        id: zone.id.clone(),
        created_at_ms: zone.created_at_ms,
        private: zone.private_zone,
        apex,
        nodes,
        negative_soa,
        apex_ns,
        skipped,
    }
}

/// Whether a set is chosen among at query time: an alias, or a set with a routing policy.
fn is_routed(set: &ResourceRecordSet) -> bool {
    set.alias_target.is_some() || set.has_routing_policy() || set.set_identifier.is_some()
}

/// Compiles the aliases and routed sets of one name and type into a [`RoutedSet`].
fn compile_routed(
    zone: &cairn_model::HostedZone,
    code: u16,
    sets: &[&ResourceRecordSet],
    addresses: &AddressSets,
) -> Result<RoutedSet, String> {
    let first = sets[0];
    let policy = if first.weight.is_some() {
        Policy::Weighted
    } else if first.failover.is_some() {
        Policy::Failover
    } else if first.region.is_some() {
        Policy::Latency
    } else if first.geo_location.is_some() {
        Policy::Geolocation
    } else if first.multi_value_answer.is_some() {
        Policy::MultiValue
    } else if first.cidr_routing_config.is_some() {
        Policy::IpBased
    } else if first.geo_proximity_location.is_some() {
        return Err("geoproximity routing is not served yet".into());
    } else if sets.len() == 1 && first.alias_target.is_some() {
        Policy::Simple
    } else {
        return Err("record sets with a set identifier but no routing policy".into());
    };
    let mut variants = Vec::with_capacity(sets.len());
    for set in sets {
        let evaluate_target_health = set.alias_target.as_ref().is_some_and(|a| a.evaluate_target_health);
        let target = match &set.alias_target {
            Some(alias) => {
                if cairn_model::HostedZoneId::parse(&alias.hosted_zone_id) != zone.id {
                    return Err("aliases to other hosted zones are not served yet".into());
                }
                Target::Alias { name: alias.dns_name.wire().into() }
            }
            None => {
                let (code, ttl, rdatas) = encode_set(set)?.ok_or("a routed set without values")?;
                let additional = additional_targets(code, &rdatas, addresses);
                let cname_target = (code == rtype::CNAME)
                    .then(|| rdatas.first().map(|r| lowercase(r.bytes())))
                    .flatten();
                Target::Records(Arc::new(CompiledRrset { rtype: code, ttl, rdatas, additional, cname_target }))
            }
        };
        variants.push(Variant {
            set_identifier: set.set_identifier.clone().unwrap_or_default(),
            weight: set.weight.unwrap_or(0),
            region: set.region.clone(),
            primary: set.failover.as_deref() == Some("PRIMARY"),
            geo: set.geo_location.clone(),
            cidr_location: set.cidr_routing_config.as_ref().map(|c| c.location_name.clone()),
            health_check: set.health_check_id.clone(),
            evaluate_target_health,
            target,
        });
    }
    variants.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    Ok(RoutedSet { rtype: code, policy, variants })
}

/// Encodes a set's values (the caller decides whether it is plain or routed).
fn encode_set(set: &ResourceRecordSet) -> Result<Option<EncodedSet>, String> {
    if set.alias_target.is_some() {
        return Ok(None);
    }
    let code = set.rtype.code();
    let ttl = set.ttl.unwrap_or(0);
    let mut rdatas = Vec::with_capacity(set.records.len());
    for value in &set.records {
        let bytes = cairn_model::rdata::encode_route53_value(set.rtype, value)
            .map_err(|e| e.to_string())?;
        let rdata = Rdata::new(code, bytes).map_err(|_| "value does not fit its type".to_string())?;
        rdatas.push(rdata);
    }
    if set.rtype == RrType::Soa && rdatas.len() != 1 {
        return Err("an SOA set must hold exactly one value".into());
    }
    Ok(Some((code, ttl, rdatas)))
}

/// The in-zone A/AAAA RRsets of the names an NS, CNAME, MX or SRV RRset points to.
fn additional_targets(
    code: u16,
    rdatas: &[Rdata],
    addresses: &AddressSets,
) -> Vec<AdditionalTarget> {
    let offset = match code {
        rtype::NS | rtype::CNAME => 0,
        rtype::MX => 2,
        rtype::SRV => 6,
        _ => return Vec::new(),
    };
    let mut targets = Vec::new();
    for rdata in rdatas {
        let Some(target) = rdata.bytes().get(offset..) else { continue };
        let lower = lowercase(target);
        if let Some((a, aaaa)) = addresses.get(&lower) {
            if !targets.iter().any(|t: &AdditionalTarget| t.name == lower) {
                targets.push(AdditionalTarget { name: lower, a: a.clone(), aaaa: aaaa.clone() });
            }
        }
    }
    targets
}

/// A wire name lowercased (length bytes are below 64, so they are left as they are).
fn lowercase(name: &[u8]) -> Box<[u8]> {
    name.iter().map(u8::to_ascii_lowercase).collect()
}

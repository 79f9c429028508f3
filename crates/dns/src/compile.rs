//! Compiling a hosted zone's record sets into a [`CompiledZone`], whole or by the names a
//! change touched.
//!
//! Everything a query needs is decided here, once per change: values are encoded to wire
//! RDATA, node flags (apex, delegation) are set, empty non-terminals get nodes so they
//! block wildcards (RFC 4592 §2.2.2), and the targets of NS, CNAME, MX and SRV records are
//! kept lowercased for the additional section. [`compile_zone`] builds a zone from all its
//! sets; [`patch_zone`] rebuilds only the nodes at the names a change touched, sharing every
//! other node with the previous snapshot, so a change costs what it touches, not the zone's
//! size.

use std::sync::Arc;

use cairn_model::rrset::GeoProximityLocation;
use cairn_model::{DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrType};
use cairn_store::ZoneContents;
use cairn_wire::{rtype, Rdata};
use rustc_hash::FxHashMap;

use crate::routing::{Policy, Proximity, RoutedSet, Target, Variant};
use crate::zone::{flags, CompiledRrset, CompiledZone, Node, NodeMap};

/// Compiles one zone. Plain sets become pre-encoded RRsets; aliases and sets with a routing
/// policy become [`RoutedSet`]s chosen among at query time. Sets whose stored value does not
/// encode are skipped, logged and counted; the rest of the zone is still served.
pub fn compile_zone(contents: &ZoneContents) -> CompiledZone {
    let zone = &contents.zone;
    let apex: Arc<[u8]> = zone.name.wire().into();
    let mut nodes = NodeMap::default();
    for (owner, sets) in by_owner(&contents.record_sets) {
        let node = compile_node(zone, &apex, &owner, &sets);
        set_node(&mut nodes, &apex, &owner, node);
    }
    finish(zone, apex, nodes)
}

/// The zone `prev` with the nodes at `changed` names rebuilt from `sets` (every record set
/// the zone now holds at those names). Equivalent to [`compile_zone`] on the whole new
/// content; `tests/incremental.rs` checks that.
pub fn patch_zone(
    prev: &CompiledZone,
    zone: &HostedZone,
    changed: &[DomainName],
    sets: &[ResourceRecordSet],
) -> CompiledZone {
    let apex = prev.apex.clone();
    let mut nodes = prev.nodes.clone();
    let grouped = by_owner(sets);
    for name in changed {
        let owner = name.wire();
        if owner.len() < apex.len() || !name.is_subdomain_of(&zone.name) {
            continue;
        }
        match grouped.get(owner) {
            Some(sets) => {
                let node = compile_node(zone, &apex, owner, sets);
                set_node(&mut nodes, &apex, owner, node);
            }
            None => clear_node(&mut nodes, &apex, owner),
        }
    }
    finish(zone, apex, nodes)
}

/// Groups sets by owner name (lowercase wire).
fn by_owner(sets: &[ResourceRecordSet]) -> FxHashMap<Box<[u8]>, Vec<&ResourceRecordSet>> {
    let mut grouped: FxHashMap<Box<[u8]>, Vec<&ResourceRecordSet>> = FxHashMap::default();
    for set in sets {
        grouped.entry(set.name.wire().into()).or_default().push(set);
    }
    grouped
}

/// Builds the node for one owner from all its sets.
fn compile_node(zone: &HostedZone, apex: &[u8], owner: &[u8], sets: &[&ResourceRecordSet]) -> Node {
    let mut node = Node::default();
    let mut routed: Vec<(u16, Vec<&ResourceRecordSet>)> = Vec::new();
    for set in sets {
        if is_routed(set) {
            let code = set.rtype.code();
            match routed.iter_mut().find(|(c, _)| *c == code) {
                Some((_, group)) => group.push(set),
                None => routed.push((code, vec![set])),
            }
            continue;
        }
        match encode_set(set) {
            Ok(rrset) => node.rrsets.push(Arc::new(rrset)),
            Err(reason) => {
                tracing::warn!(zone = %zone.id, name = %set.name, rtype = %set.rtype, reason, "record set not served");
                node.skipped += 1;
            }
        }
    }
    for (code, group) in routed {
        match compile_routed(&zone.id, code, &group) {
            Ok(compiled) => node.routed.push(compiled),
            Err(reason) => {
                tracing::warn!(zone = %zone.id, name = %group[0].name, rtype = code, reason, "record sets not served");
                node.skipped += group.len() as u32;
            }
        }
    }
    if owner == apex {
        node.flags |= flags::APEX;
    } else if node.rrset(rtype::NS).is_some() {
        node.flags |= flags::DELEGATION;
    }
    node
}

/// Puts `node` at `owner`, keeping the count of children a node already there has, and
/// creating empty non-terminals up to the apex.
fn set_node(nodes: &mut NodeMap, apex: &[u8], owner: &[u8], mut node: Node) {
    if let Some(existing) = nodes.get(owner) {
        node.children = existing.children;
        nodes.insert(owner.into(), Arc::new(node));
        return;
    }
    nodes.insert(owner.into(), Arc::new(node));
    // A new node: its parent gains a child; a parent that did not exist is a new empty
    // non-terminal, whose own parent gains a child in turn.
    let mut name = owner;
    while name.len() > apex.len() {
        name = &name[1 + name[0] as usize..];
        match nodes.get_mut(name) {
            Some(parent) => {
                Arc::make_mut(parent).children += 1;
                return;
            }
            None => {
                let ent = Node {
                    children: 1,
                    ..Node::default()
                };
                nodes.insert(name.into(), Arc::new(ent));
            }
        }
    }
}

/// Removes the data at `owner`: the node stays as an empty non-terminal while it has
/// children, otherwise it goes, and so do ancestors left empty and childless.
fn clear_node(nodes: &mut NodeMap, apex: &[u8], owner: &[u8]) {
    let Some(existing) = nodes.get(owner) else {
        return;
    };
    if existing.children > 0 || owner.len() <= apex.len() {
        let empty = Node {
            children: existing.children,
            ..Node::default()
        };
        nodes.insert(owner.into(), Arc::new(empty));
        return;
    }
    nodes.remove(owner);
    let mut name = owner;
    while name.len() > apex.len() {
        name = &name[1 + name[0] as usize..];
        let Some(parent) = nodes.get_mut(name) else {
            return;
        };
        let parent = Arc::make_mut(parent);
        parent.children -= 1;
        let is_apex = name.len() <= apex.len();
        if parent.children > 0 || parent.has_data() || is_apex {
            return;
        }
        nodes.remove(name);
    }
}

/// Zone-level data derived from the nodes: the negative SOA, the apex NS and its targets'
/// addresses (written on every positive answer, so looked up once here, not per query).
fn finish(zone: &HostedZone, apex: Arc<[u8]>, nodes: NodeMap) -> CompiledZone {
    let apex_node = nodes.get(&apex[..]);
    let negative_soa = apex_node.and_then(|n| n.rrset(rtype::SOA)).map(|soa| {
        let minimum = soa.rdatas.first().map_or(soa.ttl, |r| {
            let b = r.bytes();
            u32::from_be_bytes([
                b[b.len() - 4],
                b[b.len() - 3],
                b[b.len() - 2],
                b[b.len() - 1],
            ])
        });
        Arc::new(CompiledRrset {
            rtype: rtype::SOA,
            ttl: soa.ttl.min(minimum),
            rdatas: soa.rdatas.clone(),
            targets: Vec::new(),
            cname_target: None,
        })
    });
    let apex_ns = apex_node.and_then(|n| n.rrset(rtype::NS)).cloned();
    let mut apex_ns_additional = Vec::new();
    if let Some(ns) = &apex_ns {
        for target in &ns.targets {
            if let Some((name, node)) = nodes.get_key_value(&target[..]) {
                for addr in [node.rrset(rtype::A), node.rrset(rtype::AAAA)]
                    .into_iter()
                    .flatten()
                {
                    apex_ns_additional.push((name.clone(), addr.clone()));
                }
            }
        }
    }
    let skipped = nodes.values().map(|n| n.skipped as usize).sum();
    CompiledZone {
        id: zone.id.clone(),
        created_at_ms: zone.created_at_ms,
        private: zone.private_zone,
        apex,
        nodes,
        negative_soa,
        apex_ns,
        apex_ns_additional,
        skipped,
    }
}

/// Whether a set is chosen among at query time: an alias, or a set with a routing policy.
fn is_routed(set: &ResourceRecordSet) -> bool {
    set.alias_target.is_some() || set.has_routing_policy() || set.set_identifier.is_some()
}

/// Where a geoproximity set's resource is: its coordinates, or the location of its region
/// or Local Zone group (cairn_model::region).
fn proximity(location: &GeoProximityLocation) -> Proximity {
    let degrees = |text: &Option<String>| text.as_deref().and_then(|t| t.parse::<f64>().ok());
    let point = if let (Some(lat), Some(lon)) =
        (degrees(&location.latitude), degrees(&location.longitude))
    {
        Some((lat, lon))
    } else if let Some(region) = location.aws_region.as_deref() {
        cairn_model::region::aws_region(region).map(|r| (r.latitude, r.longitude))
    } else {
        location
            .local_zone_group
            .as_deref()
            .and_then(cairn_model::region::local_zone_group_location)
    };
    Proximity {
        point,
        bias: location.bias.unwrap_or(0),
    }
}

/// Compiles the aliases and routed sets of one name and type into a [`RoutedSet`].
fn compile_routed(
    zone: &HostedZoneId,
    code: u16,
    sets: &[&ResourceRecordSet],
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
        Policy::Geoproximity
    } else if sets.len() == 1 && first.alias_target.is_some() {
        Policy::Simple
    } else {
        return Err("record sets with a set identifier but no routing policy".into());
    };
    let mut variants = Vec::with_capacity(sets.len());
    for set in sets {
        let evaluate_target_health = set
            .alias_target
            .as_ref()
            .is_some_and(|a| a.evaluate_target_health);
        let target = match &set.alias_target {
            Some(alias) => {
                let target_zone = HostedZoneId::parse(&alias.hosted_zone_id);
                Target::Alias {
                    zone: (target_zone != *zone).then_some(target_zone),
                    name: alias.dns_name.wire().into(),
                }
            }
            None => Target::Records(Arc::new(encode_set(set)?)),
        };
        variants.push(Variant {
            set_identifier: set.set_identifier.clone().unwrap_or_default(),
            weight: set.weight.unwrap_or(0),
            region: set.region.clone(),
            primary: set.failover.as_deref() == Some("PRIMARY"),
            geo: set.geo_location.clone(),
            cidr_location: set
                .cidr_routing_config
                .as_ref()
                .map(|c| c.location_name.clone()),
            cidr_collection: set
                .cidr_routing_config
                .as_ref()
                .map(|c| c.collection_id.clone()),
            proximity: set.geo_proximity_location.as_ref().map(proximity),
            health_check: set.health_check_id.clone(),
            evaluate_target_health,
            target,
        });
    }
    variants.sort_by(|a, b| a.set_identifier.cmp(&b.set_identifier));
    Ok(RoutedSet {
        rtype: code,
        policy,
        variants,
    })
}

/// Encodes a set with values into a [`CompiledRrset`].
fn encode_set(set: &ResourceRecordSet) -> Result<CompiledRrset, String> {
    if set.alias_target.is_some() {
        return Err("an alias has no values of its own".into());
    }
    let code = set.rtype.code();
    let mut rdatas = Vec::with_capacity(set.records.len());
    for value in &set.records {
        let bytes = cairn_model::rdata::encode_route53_value(set.rtype, value)
            .map_err(|e| e.to_string())?;
        let rdata =
            Rdata::new(code, bytes).map_err(|_| "value does not fit its type".to_string())?;
        rdatas.push(rdata);
    }
    if set.rtype == RrType::Soa && rdatas.len() != 1 {
        return Err("an SOA set must hold exactly one value".into());
    }
    let targets = targets(code, &rdatas);
    let cname_target = (code == rtype::CNAME)
        .then(|| targets.first().cloned())
        .flatten();
    Ok(CompiledRrset {
        rtype: code,
        ttl: set.ttl.unwrap_or(0),
        rdatas,
        targets,
        cname_target,
    })
}

/// The names an NS, CNAME, MX or SRV RRset points to, lowercased, once each.
fn targets(code: u16, rdatas: &[Rdata]) -> Vec<Box<[u8]>> {
    let offset = match code {
        rtype::NS | rtype::CNAME => 0,
        rtype::MX => 2,
        rtype::SRV => 6,
        _ => return Vec::new(),
    };
    let mut names: Vec<Box<[u8]>> = Vec::new();
    for rdata in rdatas {
        let Some(target) = rdata.bytes().get(offset..) else {
            continue;
        };
        let lower = lowercase(target);
        if !names.contains(&lower) {
            names.push(lower);
        }
    }
    names
}

/// A wire name lowercased (length bytes are below 64, so they are left as they are).
fn lowercase(name: &[u8]) -> Box<[u8]> {
    name.iter().map(u8::to_ascii_lowercase).collect()
}

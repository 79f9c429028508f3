//! Compiling a hosted zone's record sets into a [`CompiledZone`], whole or by the names a
//! change touched.
//!
//! Everything a query needs is decided here, once per change: values are encoded to wire
//! RDATA, node flags (apex, delegation) are set, empty non-terminals get nodes so they
//! block wildcards (RFC 4592 §2.2.2), and the targets of NS, CNAME, MX and SRV records are
//! kept lowercased for the additional section. [`compile_zone`] builds a zone from all its
//! sets; [`patch_zone`] rebuilds only the nodes at the names a change touched, sharing every
//! other node with the previous snapshot, so a change costs what it touches, not the zone's
//! size. Both end by pre-encoding positive answers ([`crate::pre_encode`]): a patch writes
//! again the answers of the nodes it rebuilt, of every node when the apex NS or their
//! addresses changed, and of the nodes below a zone cut it added or removed.

use std::sync::Arc;

use cairn_crypto::MasterKey;
use cairn_model::rrset::{FailoverRole, GeoProximityLocation, PolicyKind, RoutingPolicy};
use cairn_model::{DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrType};
use cairn_store::ZoneContents;
use cairn_wire::{rtype, NameKey, Rdata};
use rustc_hash::FxHashMap;

use crate::dnssec::ZoneSigner;
use crate::pre_encode;
use crate::zone::routed::{Policy, Proximity, RoutedSet, Target, Variant};
use crate::zone::{flags, name_key, CompiledRrset, CompiledZone, Node, NodeMap};

/// Compiles one zone. Plain sets become pre-encoded RRsets; aliases and sets with a routing
/// policy become [`RoutedSet`]s chosen among at query time. Sets whose stored value does not
/// encode are skipped, logged and counted; the rest of the zone is still served.
pub fn compile_zone(contents: &ZoneContents) -> CompiledZone {
    compile_zone_signed(contents, None, None)
}

/// [`compile_zone`], and for a signed public zone its signer: the active zone-signing key
/// opened with `master_key` ([`ZoneSigner::open`]; a key that does not open leaves the zone
/// unsigned). `prev`, the zone as the snapshot being replaced compiled it, lends its
/// signature cache when the key is unchanged.
pub fn compile_zone_signed(
    contents: &ZoneContents,
    master_key: Option<&MasterKey>,
    prev: Option<&CompiledZone>,
) -> CompiledZone {
    let zone = &contents.zone;
    let apex = name_key(&zone.name);
    let mut nodes = NodeMap::default();
    for (owner, sets) in by_owner(&contents.record_sets) {
        let node = compile_node(zone, &apex, &owner, &sets);
        set_node(&mut nodes, &apex, &owner, node);
    }
    let mut compiled = finish(zone, apex, nodes);
    pre_encode::encode_all(&mut compiled);
    let prev_signer = prev.and_then(|p| p.signer.as_deref());
    compiled.signer = ZoneSigner::open(contents, master_key, prev_signer).map(Arc::new);
    compiled
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
    let mut owners: Vec<NameKey> = Vec::with_capacity(changed.len());
    for name in changed {
        let owner = name_key(name);
        if !owner.is_at_or_below(&apex) {
            continue;
        }
        match grouped.get(&owner) {
            Some(sets) => {
                let node = compile_node(zone, &apex, &owner, sets);
                set_node(&mut nodes, &apex, &owner, node);
            }
            None => clear_node(&mut nodes, &apex, &owner),
        }
        owners.push(owner);
    }
    let mut patched = finish(zone, apex, nodes);
    // A change of keys reloads the zone whole; a patch changes only record sets.
    patched.signer = prev.signer.clone();
    let to_encode = answers_to_rewrite(prev, &patched, owners);
    pre_encode::encode(&mut patched, to_encode);
    patched
}

/// The nodes of `patched` whose pre-encoded answers a patch at `owners` may have changed:
/// every node when the apex NS or their in-zone addresses differ from `prev`'s (they are in
/// every answer); otherwise the nodes at `owners`, and every node below an owner that
/// became or stopped being a zone cut or a DNAME (a name below a cut is answered by a
/// referral, one below a DNAME by a synthesised CNAME).
fn answers_to_rewrite(
    prev: &CompiledZone,
    patched: &CompiledZone,
    owners: Vec<NameKey>,
) -> Vec<NameKey> {
    let apex_ns_changed =
        prev.apex_ns != patched.apex_ns || prev.apex_ns_additional != patched.apex_ns_additional;
    if apex_ns_changed {
        return patched.nodes.keys().cloned().collect();
    }
    let redirects = |zone: &CompiledZone, owner: &[u8]| {
        zone.nodes
            .get(owner)
            .map_or(0, |n| n.flags & (flags::DELEGATION | flags::DNAME))
    };
    let cuts: Vec<&NameKey> = owners
        .iter()
        .filter(|o| redirects(prev, o) != redirects(patched, o))
        .collect();
    let mut out = owners.clone();
    if !cuts.is_empty() {
        out.extend(
            patched
                .nodes
                .keys()
                .filter(|k| {
                    cuts.iter()
                        .any(|cut| k.len() > cut.len() && k.is_at_or_below(cut))
                })
                .cloned(),
        );
    }
    out
}

/// Groups sets by owner name.
fn by_owner(sets: &[ResourceRecordSet]) -> FxHashMap<NameKey, Vec<&ResourceRecordSet>> {
    let mut grouped: FxHashMap<NameKey, Vec<&ResourceRecordSet>> = FxHashMap::default();
    for set in sets {
        grouped.entry(name_key(&set.name)).or_default().push(set);
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
    if node.rrset(rtype::DNAME).is_some() {
        node.flags |= flags::DNAME;
    }
    node
}

/// Puts `node` at `owner`, keeping the count of children a node already there has, and
/// creating empty non-terminals up to the apex.
fn set_node(nodes: &mut NodeMap, apex: &[u8], owner: &NameKey, mut node: Node) {
    if let Some(existing) = nodes.get(&owner[..]) {
        node.children = existing.children;
        nodes.insert(owner.clone(), Arc::new(node));
        return;
    }
    nodes.insert(owner.clone(), Arc::new(node));
    // A new node: its parent gains a child; a parent that did not exist is a new empty
    // non-terminal, whose own parent gains a child in turn.
    let mut name: &[u8] = owner;
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
                let key = NameKey::from_wire(name).expect("a suffix of a name is a name");
                nodes.insert(key, Arc::new(ent));
            }
        }
    }
}

/// Removes the data at `owner`: the node stays as an empty non-terminal while it has
/// children, otherwise it goes, and so do ancestors left empty and childless.
fn clear_node(nodes: &mut NodeMap, apex: &[u8], owner: &NameKey) {
    let Some(existing) = nodes.get(&owner[..]) else {
        return;
    };
    if existing.children > 0 || owner.len() <= apex.len() {
        let empty = Node {
            children: existing.children,
            ..Node::default()
        };
        nodes.insert(owner.clone(), Arc::new(empty));
        return;
    }
    nodes.remove(&owner[..]);
    let mut name: &[u8] = owner;
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
fn finish(zone: &HostedZone, apex: NameKey, nodes: NodeMap) -> CompiledZone {
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
    let apex_dname = apex_node.and_then(|n| n.rrset(rtype::DNAME)).cloned();
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
        negative_answer: None,
        negative_soa,
        apex_ns,
        apex_ns_additional,
        apex_dname,
        skipped,
        signer: None,
        signed_answers: Default::default(),
    }
}

/// Whether a set is chosen among at query time: an alias, or a set with a routing policy.
fn is_routed(set: &ResourceRecordSet) -> bool {
    set.alias_target.is_some() || set.routing.is_some()
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
    let policy = match first.policy().map(RoutingPolicy::kind) {
        Some(PolicyKind::Weighted) => Policy::Weighted,
        Some(PolicyKind::Failover) => Policy::Failover,
        Some(PolicyKind::Latency) => Policy::Latency,
        Some(PolicyKind::Geolocation) => Policy::Geolocation,
        Some(PolicyKind::MultiValueAnswer) => Policy::MultiValue,
        Some(PolicyKind::IpBased) => Policy::IpBased,
        Some(PolicyKind::Geoproximity) => Policy::Geoproximity,
        None if sets.len() == 1 && first.alias_target.is_some() => Policy::Simple,
        None => return Err("record sets with a set identifier but no routing policy".into()),
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
                    name: name_key(&alias.dns_name),
                }
            }
            None => Target::Records(Arc::new(encode_set(set)?)),
        };
        let policy = set.policy();
        variants.push(Variant {
            set_identifier: set.set_identifier().unwrap_or_default().to_string(),
            weight: match policy {
                Some(RoutingPolicy::Weighted(weight)) => *weight,
                _ => 0,
            },
            region: match policy {
                Some(RoutingPolicy::Latency(region)) => Some(region.clone()),
                _ => None,
            },
            primary: policy == Some(&RoutingPolicy::Failover(FailoverRole::Primary)),
            geo: match policy {
                Some(RoutingPolicy::Geolocation(geo)) => Some(geo.clone()),
                _ => None,
            },
            cidr_location: set.cidr_routing_config().map(|c| c.location_name.clone()),
            cidr_collection: set.cidr_routing_config().map(|c| c.collection_id.clone()),
            proximity: match policy {
                Some(RoutingPolicy::Geoproximity(location)) => Some(proximity(location)),
                _ => None,
            },
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

/// The names an NS, CNAME, MX or SRV RRset points to, once each.
fn targets(code: u16, rdatas: &[Rdata]) -> Vec<NameKey> {
    let offset = match code {
        rtype::NS | rtype::CNAME => 0,
        rtype::MX => 2,
        rtype::SRV => 6,
        _ => return Vec::new(),
    };
    let mut names: Vec<NameKey> = Vec::new();
    for rdata in rdatas {
        let Some(Ok(target)) = rdata.bytes().get(offset..).map(NameKey::from_wire) else {
            continue;
        };
        if !names.contains(&target) {
            names.push(target);
        }
    }
    names
}

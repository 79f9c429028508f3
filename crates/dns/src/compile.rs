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

use crate::zone::{flags, AdditionalTarget, CompiledRrset, CompiledZone, Node};

/// Compiles one zone. Record sets that cannot be served yet (alias and routed sets, which
/// a later stage chooses among) or whose stored value does not encode are skipped and
/// counted; the rest of the zone is still served.
pub fn compile_zone(contents: &ZoneContents) -> CompiledZone {
    let zone = &contents.zone;
    let apex: Box<[u8]> = zone.name.wire().into();
    let mut skipped = 0;

    // Pass 1: encode every servable set.
    let mut encoded: FxHashMap<Box<[u8]>, Vec<(u16, u32, Vec<Rdata>)>> = FxHashMap::default();
    for set in &contents.record_sets {
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
    let mut addresses: FxHashMap<Box<[u8]>, (Option<Arc<CompiledRrset>>, Option<Arc<CompiledRrset>>)> =
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

/// Encodes a plain record set; `None` for sets a routing stage must choose among.
fn encode_set(set: &ResourceRecordSet) -> Result<Option<(u16, u32, Vec<Rdata>)>, String> {
    if set.alias_target.is_some() || set.has_routing_policy() || set.set_identifier.is_some() {
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
    addresses: &FxHashMap<Box<[u8]>, (Option<Arc<CompiledRrset>>, Option<Arc<CompiledRrset>>)>,
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

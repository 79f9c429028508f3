//! Builders shared by the data-plane tests: record sets, zones, snapshots and raw queries.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod hickory;
#[macro_use]
pub mod upstream;

use std::sync::Arc;

use cairn_dns::compile::compile_zone;
use cairn_dns::Snapshot;
use cairn_model::{ChangeSeq, DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrType};
use cairn_store::ZoneContents;

/// A plain record set.
pub fn set(name: &str, rtype: RrType, ttl: u32, values: &[&str]) -> ResourceRecordSet {
    ResourceRecordSet::simple(
        DomainName::from_route53(name).unwrap(),
        rtype,
        ttl,
        values.iter().map(|v| v.to_string()).collect(),
    )
}

/// A public hosted zone `name` with id `id` holding `sets`.
pub fn zone(id: &str, name: &str, sets: Vec<ResourceRecordSet>) -> ZoneContents {
    ZoneContents {
        zone: HostedZone {
            id: HostedZoneId::new(id),
            name: DomainName::from_route53(name).unwrap(),
            caller_reference: id.into(),
            comment: None,
            has_config: false,
            private_zone: false,
            delegation_set_id: None,
            name_servers: vec![],
            created_at_ms: 0,
            record_set_count: sets.len() as u64,
        },
        record_sets: sets,
        dnssec: None,
    }
}

/// A snapshot for a node in `region` serving `contents`, with every set compiled.
pub fn snapshot_of(contents: &ZoneContents, region: &str) -> Snapshot {
    let (snapshot, skipped) = snapshot_skipping(contents, region);
    assert_eq!(skipped, 0, "every test record set compiles");
    snapshot
}

/// Like [`snapshot_of`] for generated zones, where some sets may not compile; returns how
/// many were skipped.
pub fn snapshot_skipping(contents: &ZoneContents, region: &str) -> (Snapshot, usize) {
    let compiled = Arc::new(compile_zone(contents));
    let skipped = compiled.skipped;
    let id = contents.zone.id.clone();
    (
        Snapshot::for_region(region).with_changes(ChangeSeq(1), [(id, Some(compiled))]),
        skipped,
    )
}

/// A query built byte by byte (id 0x1234, RD set), so the name's case reaches the server as
/// written (hickory-proto's encoder lowercases names); `opt` adds an OPT record with that
/// payload and EDNS version.
pub fn query(name: &str, qtype: u16, opt: Option<(u16, u8)>) -> Vec<u8> {
    let mut b = vec![
        0x12,
        0x34,
        0x01,
        0x00,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        u8::from(opt.is_some()),
    ];
    for label in name.split('.').filter(|l| !l.is_empty()) {
        b.push(label.len() as u8);
        b.extend_from_slice(label.as_bytes());
    }
    b.push(0);
    b.extend_from_slice(&qtype.to_be_bytes());
    b.extend_from_slice(&1u16.to_be_bytes());
    if let Some((payload, version)) = opt {
        b.push(0);
        b.extend_from_slice(&41u16.to_be_bytes());
        b.extend_from_slice(&payload.to_be_bytes());
        b.extend_from_slice(&[0, version, 0, 0, 0, 0]);
    }
    b
}

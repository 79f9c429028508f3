//! The batch reference rules over an in-memory [`BatchView`].
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use super::*;
use crate::change::Change;
use crate::rrset::{AliasTarget, CidrRoutingConfig};
use crate::rrtype::RrType;

/// Zones, their record sets, health checks and collections, in memory.
#[derive(Default)]
struct Memory {
    zones: Vec<HostedZone>,
    sets: Vec<(HostedZoneId, ResourceRecordSet)>,
    health_checks: Vec<String>,
    collections: Vec<CidrCollection>,
}

impl BatchView for Memory {
    type Error = ChangeBatchError;

    fn hosted_zone(&self, id: &HostedZoneId) -> Result<Option<HostedZone>, Self::Error> {
        Ok(self.zones.iter().find(|z| &z.id == id).cloned())
    }

    fn record_sets_at(
        &self,
        zone: &HostedZoneId,
        name: &DomainName,
    ) -> Result<Vec<ResourceRecordSet>, Self::Error> {
        Ok(self
            .sets
            .iter()
            .filter(|(z, s)| z == zone && &s.name == name)
            .map(|(_, s)| s.clone())
            .collect())
    }

    fn health_check_exists(&self, id: &HealthCheckId) -> Result<bool, Self::Error> {
        Ok(self.health_checks.iter().any(|h| h == id.as_str()))
    }

    fn cidr_collections(&self) -> Result<Vec<CidrCollection>, Self::Error> {
        Ok(self.collections.clone())
    }
}

fn name(text: &str) -> DomainName {
    DomainName::from_route53(text).unwrap()
}

/// An A alias's target `target` in zone `zone`.
fn alias_ref(target: &str, zone: &str) -> AliasRef {
    alias_ref_of(target, RrType::A, zone)
}

fn alias_ref_of(target: &str, rtype: RrType, zone: &str) -> AliasRef {
    AliasRef {
        target: name(target),
        rtype,
        zone: HostedZoneId::new(zone),
    }
}

/// The key of the routed A set `owner`/`id`.
fn routed_key(owner: &str, id: &str) -> crate::rrset::RrsetKey {
    crate::rrset::RrsetKey {
        name: name(owner),
        rtype: RrType::A,
        set_identifier: Some(id.into()),
    }
}

fn zone(id: &str, apex: &str, private_zone: bool) -> HostedZone {
    HostedZone {
        id: HostedZoneId::new(id),
        name: name(apex),
        caller_reference: id.into(),
        comment: None,
        has_config: false,
        private_zone,
        delegation_set_id: None,
        name_servers: vec![],
        created_at_ms: 0,
        record_set_count: 2,
    }
}

fn a(owner: &str) -> ResourceRecordSet {
    ResourceRecordSet::simple(name(owner), RrType::A, 300, vec!["192.0.2.1".into()])
}

fn alias(owner: &str, zone: &str, target: &str) -> ResourceRecordSet {
    ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(AliasTarget {
            hosted_zone_id: format!("/hostedzone/{zone}"),
            dns_name: name(target),
            evaluate_target_health: false,
        }),
        ..a(owner)
    }
}

/// An IP-based A set (the one place these tests spell the routing field).
fn cidr(owner: &str, id: &str, collection: &str, location: &str) -> ResourceRecordSet {
    let mut set = a(owner);
    set.routing = Some(crate::rrset::Routing {
        set_identifier: id.into(),
        policy: crate::rrset::RoutingPolicy::IpBased(CidrRoutingConfig {
            collection_id: collection.into(),
            location_name: location.into(),
        }),
    });
    set
}

fn collection(id: &str, locations: &[&str]) -> CidrCollection {
    CidrCollection {
        id: id.into(),
        name: id.into(),
        caller_reference: id.into(),
        version: 1,
        locations: locations
            .iter()
            .map(|l| (l.to_string(), vec!["192.0.2.0/24".parse().unwrap()]))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn upserts(sets: Vec<ResourceRecordSet>) -> ChangeBatch {
    ChangeBatch {
        comment: None,
        changes: sets
            .into_iter()
            .map(|record_set| Change {
                action: ChangeAction::Upsert,
                record_set,
            })
            .collect(),
    }
}

/// `example.com.` (public, ZPUB), with `other.com.` (public, ZOTHER, holding an A at
/// `www.other.com.`) and `private.com.` (private, ZPRIV, same).
fn world() -> Memory {
    Memory {
        zones: vec![
            zone("ZPUB", "example.com", false),
            zone("ZOTHER", "other.com", false),
            zone("ZPRIV", "private.com", true),
        ],
        sets: vec![
            (HostedZoneId::new("ZOTHER"), a("www.other.com")),
            (HostedZoneId::new("ZPRIV"), a("www.private.com")),
        ],
        health_checks: vec!["hc-1".into()],
        collections: vec![collection("c-1", &["eu"]), collection("c-2", &["us"])],
    }
}

fn check(view: &Memory, sets: Vec<ResourceRecordSet>) -> Result<ZoneEdit, ChangeBatchError> {
    check_change_batch(
        view,
        &view.zones[0],
        &[],
        &upserts(sets),
        &Limits::default(),
    )
}

fn problems(view: &Memory, sets: Vec<ResourceRecordSet>) -> Vec<BatchProblem> {
    match check(view, sets) {
        Err(ChangeBatchError::InvalidChangeBatch(problems)) => problems,
        other => panic!("expected InvalidChangeBatch, got {other:?}"),
    }
}

#[test]
fn a_batch_whose_references_exist_passes() {
    let mut with_check = a("hc.example.com");
    with_check.health_check_id = Some("hc-1".into());
    let edit = check(
        &world(),
        vec![
            with_check,
            alias("x.example.com", "ZOTHER", "www.other.com"),
            cidr("c.example.com", "one", "c-1", "eu"),
            cidr("c.example.com", "two", "c-1", "*"),
        ],
    )
    .unwrap();
    assert_eq!(edit.written.len(), 4);
}

#[test]
fn a_missing_health_check_is_no_such_health_check() {
    let mut set = a("www.example.com");
    set.health_check_id = Some("hc-404".into());
    assert_eq!(
        check(&world(), vec![set]),
        Err(ChangeBatchError::NoSuchHealthCheck("hc-404".into()))
    );
}

#[test]
fn health_checks_are_checked_before_the_batch_itself() {
    // Outside the zone (an InvalidChangeBatch of its own) and naming a missing check.
    let mut set = a("www.elsewhere.net");
    set.health_check_id = Some("hc-404".into());
    assert_eq!(
        check(&world(), vec![set]),
        Err(ChangeBatchError::NoSuchHealthCheck("hc-404".into()))
    );
}

#[test]
fn a_delete_may_name_a_health_check_that_is_gone() {
    let view = world();
    let mut stored = a("www.example.com");
    stored.health_check_id = Some("hc-gone".into());
    let batch = ChangeBatch {
        comment: None,
        changes: vec![Change {
            action: ChangeAction::Delete,
            record_set: stored.clone(),
        }],
    };
    let edit =
        check_change_batch(&view, &view.zones[0], &[stored], &batch, &Limits::default()).unwrap();
    assert_eq!(edit.deleted.len(), 1);
}

#[test]
fn an_alias_into_an_unknown_zone_is_not_found_unless_aws() {
    let view = world();
    assert_eq!(
        problems(
            &view,
            vec![alias("x.example.com", "ZNONE", "www.nowhere.org")]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "www.nowhere.org",
            "ZNONE"
        ))]
    );
    // An S3 website endpoint: stored, answered with no data.
    check(
        &view,
        vec![alias(
            "x.example.com",
            "Z3AQBSTGFYJSTF",
            "s3-website-us-east-1.amazonaws.com",
        )],
    )
    .unwrap();
}

#[test]
fn an_alias_outside_its_target_zone_is_refused() {
    assert_eq!(
        problems(
            &world(),
            vec![alias("x.example.com", "ZOTHER", "www.private.com")]
        ),
        [BatchProblem::AliasTargetOutsideZone(alias_ref(
            "www.private.com",
            "ZOTHER"
        ))]
    );
}

#[test]
fn a_public_zone_may_not_alias_a_private_one() {
    assert_eq!(
        problems(
            &world(),
            vec![alias("x.example.com", "ZPRIV", "www.private.com")]
        ),
        [BatchProblem::AliasPublicToPrivate(alias_ref(
            "www.private.com",
            "ZPRIV"
        ))]
    );
}

#[test]
fn an_alias_needs_a_set_of_its_type_at_the_target() {
    let mut aaaa = alias("x.example.com", "ZOTHER", "www.other.com");
    aaaa.rtype = RrType::Aaaa;
    assert_eq!(
        problems(&world(), vec![aaaa]),
        [BatchProblem::AliasTargetNotFound(alias_ref_of(
            "www.other.com",
            RrType::Aaaa,
            "ZOTHER"
        ))]
    );
}

#[test]
fn cidr_references_must_exist_and_agree() {
    assert_eq!(
        problems(&world(), vec![cidr("c.example.com", "one", "c-404", "eu")]),
        [BatchProblem::NoSuchCidrCollection {
            collection: "c-404".into(),
            set: routed_key("c.example.com", "one")
        }]
    );
    assert_eq!(
        problems(&world(), vec![cidr("c.example.com", "one", "c-1", "us")]),
        [BatchProblem::NoSuchCidrLocation {
            location: "us".into(),
            set: routed_key("c.example.com", "one"),
            collection: "c-1".into()
        }]
    );
    assert_eq!(
        problems(
            &world(),
            vec![
                cidr("c.example.com", "one", "c-1", "eu"),
                cidr("c.example.com", "two", "c-2", "us"),
            ]
        ),
        [
            BatchProblem::CidrCollectionsDiffer {
                set: routed_key("c.example.com", "one"),
                other: routed_key("c.example.com", "two")
            },
            BatchProblem::CidrCollectionsDiffer {
                set: routed_key("c.example.com", "two"),
                other: routed_key("c.example.com", "one")
            },
        ]
    );
}

#[test]
fn a_stored_neighbour_counts_unless_the_batch_deletes_it() {
    let view = world();
    let stored = cidr("c.example.com", "old", "c-2", "us");
    let zone = &view.zones[0];
    let written = cidr("c.example.com", "new", "c-1", "eu");
    let refused = check_change_batch(
        &view,
        zone,
        std::slice::from_ref(&stored),
        &upserts(vec![written.clone()]),
        &Limits::default(),
    );
    assert!(
        matches!(&refused, Err(ChangeBatchError::InvalidChangeBatch(p)) if p.len() == 1),
        "{refused:?}"
    );
    let replace = ChangeBatch {
        comment: None,
        changes: vec![
            Change {
                action: ChangeAction::Delete,
                record_set: stored.clone(),
            },
            Change {
                action: ChangeAction::Create,
                record_set: written,
            },
        ],
    };
    check_change_batch(&view, zone, &[stored], &replace, &Limits::default()).unwrap();
}

#[test]
fn alias_problems_come_before_cidr_problems() {
    let found = problems(
        &world(),
        vec![
            cidr("c.example.com", "one", "c-404", "eu"),
            alias("x.example.com", "ZPRIV", "www.private.com"),
        ],
    );
    assert_eq!(found.len(), 2);
    assert!(
        matches!(found[0], BatchProblem::AliasPublicToPrivate(_)),
        "{found:?}"
    );
    assert!(
        matches!(&found[1], BatchProblem::NoSuchCidrCollection { collection, .. } if collection == "c-404"),
        "{found:?}"
    );
}

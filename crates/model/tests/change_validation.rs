//! Route 53's refusals of a change batch, each with its exact message (ROUTE53.md §2.1–2.2).
#![allow(clippy::unwrap_used)]

use cairn_model::change::apply_change_batch;
use cairn_model::{
    Change, ChangeAction, ChangeBatch, ChangeBatchError, DomainName, HostedZone, HostedZoneId,
    Limits, ResourceRecordSet, RrType,
};

fn zone() -> HostedZone {
    HostedZone {
        id: HostedZoneId::new("ZTEST"),
        name: DomainName::from_route53("example.com").unwrap(),
        caller_reference: "r".into(),
        comment: None,
        has_config: false,
        private_zone: false,
        delegation_set_id: None,
        name_servers: vec![],
        created_at_ms: 0,
        record_set_count: 2,
    }
}

fn set(name: &str, rtype: RrType, values: &[&str]) -> ResourceRecordSet {
    ResourceRecordSet::simple(
        DomainName::from_route53(name).unwrap(),
        rtype,
        300,
        values.iter().map(|v| v.to_string()).collect(),
    )
}

fn apex() -> Vec<ResourceRecordSet> {
    vec![
        set("example.com", RrType::Soa, &["ns1.example.com. h.example.com. 1 7200 900 1209600 86400"]),
        set("example.com", RrType::Ns, &["ns1.example.com.", "ns2.example.com."]),
    ]
}

fn errors(existing: &[ResourceRecordSet], changes: Vec<(ChangeAction, ResourceRecordSet)>) -> Vec<String> {
    let batch = ChangeBatch {
        comment: None,
        changes: changes.into_iter().map(|(action, record_set)| Change { action, record_set }).collect(),
    };
    match apply_change_batch(&zone(), existing, existing.len() as u64, &batch, &Limits::default()) {
        Err(ChangeBatchError::InvalidChangeBatch(messages)) => messages,
        other => panic!("expected InvalidChangeBatch, got {other:?}"),
    }
}

use ChangeAction::{Create, Delete, Upsert};

#[test]
fn cname_at_the_apex_is_refused() {
    assert_eq!(
        errors(&apex(), vec![(Create, set("example.com", RrType::Cname, &["x.example.net"]))]),
        ["RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."]
    );
}

#[test]
fn other_types_beside_a_cname_are_refused() {
    let mut existing = apex();
    existing.push(set("c.example.com", RrType::Cname, &["x.example.net"]));
    assert_eq!(
        errors(&existing, vec![(Create, set("c.example.com", RrType::A, &["192.0.2.1"]))]),
        ["RRSet of type A with DNS name c.example.com. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.com."]
    );
}

#[test]
fn a_cname_beside_other_types_is_refused() {
    let mut existing = apex();
    existing.push(set("c.example.com", RrType::A, &["192.0.2.1"]));
    assert_eq!(
        errors(&existing, vec![(Upsert, set("c.example.com", RrType::Cname, &["x.example.net"]))]),
        ["RRSet of type CNAME with DNS name c.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."]
    );
}

#[test]
fn replacing_an_a_with_a_cname_in_one_batch_works() {
    let mut existing = apex();
    existing.push(set("c.example.com", RrType::A, &["192.0.2.1"]));
    let batch = ChangeBatch {
        comment: None,
        changes: vec![
            Change { action: Delete, record_set: set("c.example.com", RrType::A, &["192.0.2.1"]) },
            Change { action: Create, record_set: set("c.example.com", RrType::Cname, &["x.example.net"]) },
        ],
    };
    let edit = apply_change_batch(&zone(), &existing, 3, &batch, &Limits::default()).unwrap();
    assert_eq!(edit.deleted.len(), 1);
    assert_eq!(edit.written.len(), 1);
}

#[test]
fn duplicate_values_are_refused() {
    assert_eq!(
        errors(&apex(), vec![(Create, set("d.example.com", RrType::A, &["10.160.0.188", "10.160.0.188"]))]),
        ["Duplicate Resource Record: '10.160.0.188'"]
    );
}

#[test]
fn bad_values_are_refused_with_route53s_problem_codes() {
    assert_eq!(
        errors(&apex(), vec![(Create, set("t.example.com", RrType::Txt, &["hello"]))]),
        ["Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with 'hello'"]
    );
    assert_eq!(
        errors(&apex(), vec![(Create, set("a.example.com", RrType::A, &["192.0.2.300"]))]),
        ["Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2.300'"]
    );
}

#[test]
fn the_apex_ns_and_soa_cannot_be_deleted() {
    let existing = apex();
    assert_eq!(
        errors(&existing, vec![(Delete, existing[1].clone())]),
        ["A HostedZone must contain at least one NS record for the zone itself."]
    );
    assert_eq!(
        errors(&existing, vec![(Delete, existing[0].clone())]),
        ["A HostedZone must contain exactly one SOA record."]
    );
}

#[test]
fn the_apex_ns_can_be_upserted() {
    let batch = ChangeBatch {
        comment: None,
        changes: vec![Change { action: Upsert, record_set: set("example.com", RrType::Ns, &["a.ns.test."]) }],
    };
    assert!(apply_change_batch(&zone(), &apex(), 2, &batch, &Limits::default()).is_ok());
}

#[test]
fn cname_takes_one_value() {
    assert_eq!(
        errors(&apex(), vec![(Create, set("c.example.com", RrType::Cname, &["a.example.net", "b.example.net"]))]),
        ["RRSet of type CNAME with DNS name c.example.com. must have exactly one resource record"]
    );
}

#[test]
fn every_problem_in_a_batch_is_reported() {
    let messages = errors(
        &apex(),
        vec![
            (Delete, set("gone.example.com", RrType::A, &["192.0.2.1"])),
            (Create, set("www.other.org", RrType::A, &["192.0.2.1"])),
        ],
    );
    assert_eq!(
        messages,
        [
            "Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
            "RRSet with DNS name www.other.org. is not permitted in zone example.com.",
        ]
    );
}

#[test]
fn deleting_the_same_set_twice_in_a_batch_fails() {
    let mut existing = apex();
    existing.push(set("w.example.com", RrType::A, &["192.0.2.1"]));
    let messages = errors(
        &existing,
        vec![
            (Delete, set("w.example.com", RrType::A, &["192.0.2.1"])),
            (Delete, set("w.example.com", RrType::A, &["192.0.2.1"])),
        ],
    );
    assert_eq!(messages, ["Tried to delete resource record set [name='w.example.com.', type='A'] but it was not found"]);
}

//------------ routing groups and aliases ----------------------------------------------

fn routed(name: &str, id: &str, value: &str) -> ResourceRecordSet {
    let mut s = set(name, RrType::A, &[value]);
    s.set_identifier = Some(id.to_string());
    s
}

fn weighted(name: &str, id: &str, weight: u8) -> ResourceRecordSet {
    let mut s = routed(name, id, "192.0.2.1");
    s.weight = Some(weight);
    s
}

fn alias(name: &str, target: &str) -> ResourceRecordSet {
    ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(cairn_model::AliasTarget {
            hosted_zone_id: "/hostedzone/ZTEST".into(),
            dns_name: DomainName::from_route53(target).unwrap(),
            evaluate_target_health: false,
        }),
        ..set(name, RrType::A, &[])
    }
}

fn accepted(existing: &[ResourceRecordSet], changes: Vec<(ChangeAction, ResourceRecordSet)>) -> bool {
    let batch = ChangeBatch {
        comment: None,
        changes: changes.into_iter().map(|(action, record_set)| Change { action, record_set }).collect(),
    };
    apply_change_batch(&zone(), existing, existing.len() as u64, &batch, &Limits::default()).is_ok()
}

#[test]
fn a_weighted_group_is_accepted() {
    assert!(accepted(&apex(), vec![(Create, weighted("w.example.com", "a", 1)), (Create, weighted("w.example.com", "b", 0))]));
}

#[test]
fn routed_and_plain_sets_do_not_mix() {
    let mut existing = apex();
    existing.push(set("w.example.com", RrType::A, &["192.0.2.9"]));
    assert_eq!(
        errors(&existing, vec![(Create, weighted("w.example.com", "a", 1))]),
        ["RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with the same name and type"]
    );
}

#[test]
fn a_routing_policy_needs_a_set_identifier_and_one_policy() {
    let mut no_id = set("w.example.com", RrType::A, &["192.0.2.1"]);
    no_id.weight = Some(1);
    assert_eq!(
        errors(&apex(), vec![(Create, no_id)]),
        ["RRSet with DNS name w.example.com., type A has a weighted routing policy but no SetIdentifier"]
    );
    let mut two = weighted("w.example.com", "a", 1);
    two.region = Some("us-east-1".into());
    let messages = errors(&apex(), vec![(Create, two)]);
    assert!(messages.contains(&"RRSet with DNS name w.example.com., type A cannot have more than one routing policy".to_string()), "{messages:?}");
}

#[test]
fn failover_has_one_primary_and_latency_one_set_per_region() {
    let mut p1 = routed("f.example.com", "p1", "192.0.2.1");
    p1.failover = Some("PRIMARY".into());
    let mut p2 = routed("f.example.com", "p2", "192.0.2.2");
    p2.failover = Some("PRIMARY".into());
    assert_eq!(
        errors(&apex(), vec![(Create, p1), (Create, p2)]),
        ["RRSet with DNS name f.example.com., type A has more than one PRIMARY failover record"]
    );
    let mut l1 = routed("l.example.com", "l1", "192.0.2.1");
    l1.region = Some("eu-west-1".into());
    let mut l2 = routed("l.example.com", "l2", "192.0.2.2");
    l2.region = Some("eu-west-1".into());
    assert_eq!(
        errors(&apex(), vec![(Create, l1), (Create, l2)]),
        ["RRSet with DNS name l.example.com., type A has more than one latency record for region eu-west-1"]
    );
}

#[test]
fn mixed_policies_are_refused() {
    let mut l = routed("m.example.com", "l", "192.0.2.2");
    l.region = Some("eu-west-1".into());
    let messages = errors(&apex(), vec![(Create, weighted("m.example.com", "w", 1)), (Create, l)]);
    assert_eq!(
        messages,
        ["RRSet with DNS name m.example.com., type A mixes routing policies (latency, weighted); all sets of a name and type must use one"]
    );
}

#[test]
fn an_alias_needs_its_target_in_the_zone() {
    assert_eq!(
        errors(&apex(), vec![(Create, alias("example.com", "lb.example.com"))]),
        ["Tried to create an alias that targets lb.example.com., type A in zone ZTEST, but that target was not found"]
    );
    assert!(accepted(
        &apex(),
        vec![(Create, set("lb.example.com", RrType::A, &["192.0.2.1"])), (Create, alias("example.com", "lb.example.com"))]
    ));
    let mut existing = apex();
    existing.push(set("c.example.com", RrType::Cname, &["x.example.net"]));
    assert_eq!(
        errors(&existing, vec![(Create, alias("example.com", "c.example.com"))]),
        ["RRSet of type A with DNS name example.com. is not permitted: an alias at the zone apex cannot target a CNAME (c.example.com.)"]
    );
    assert_eq!(
        errors(&apex(), vec![(Create, alias("a.example.com", "elsewhere.org"))]),
        ["Tried to create an alias that targets elsewhere.org., type A in zone ZTEST, but the alias target name does not lie within the target zone"]
    );
}

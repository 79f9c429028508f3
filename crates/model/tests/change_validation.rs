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

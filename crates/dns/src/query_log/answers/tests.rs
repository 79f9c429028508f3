//! The in-place reader against hickory: whatever it writes, hickory would have written.
#![allow(clippy::unwrap_used)]

use hickory_proto::op::{Message, MessageType, OpCode, Query as HQuery};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use proptest::prelude::*;

use super::*;

fn name(labels: &[&[u8]]) -> Name {
    let mut name = Name::from_labels(labels.iter().copied()).unwrap();
    name.set_fqdn(true);
    name
}

fn message(answers: Vec<Record>, authority: Vec<Record>) -> Vec<u8> {
    let mut m = Message::new(7, MessageType::Response, OpCode::Query);
    m.add_query(HQuery::query(name(&[b"q", b"example"]), RecordType::A));
    m.add_answers(answers);
    m.add_authorities(authority);
    m.to_vec().unwrap()
}

fn hickory(response: &[u8]) -> String {
    let mut out = String::new();
    through_hickory(&mut out, response);
    out
}

/// What the fast reader wrote, or `None` when it handed over to hickory.
fn fast_only(response: &[u8]) -> Option<String> {
    let mut out = String::new();
    fast(&mut out, response).map(|()| out)
}

fn record(owner: Name, rdata: RData) -> Record {
    Record::from_rdata(owner, 300, rdata)
}

#[test]
fn common_answers_are_read_in_place_as_hickory_prints_them() {
    let owner = name(&[b"www", b"Example", b"com"]);
    let target = name(&[b"Host-1", b"example", b"com"]);
    let answers = vec![
        record(owner.clone(), RData::CNAME(CNAME(target.clone()))),
        record(target.clone(), RData::A(A("192.0.2.10".parse().unwrap()))),
        record(
            target.clone(),
            RData::AAAA(AAAA("2001:db8::1".parse().unwrap())),
        ),
        record(owner.clone(), RData::MX(MX::new(10, target.clone()))),
        record(owner.clone(), RData::NS(NS(name(&[b"ns1", b"example"])))),
        record(owner.clone(), RData::PTR(PTR(Name::root()))),
        record(
            owner.clone(),
            RData::TXT(TXT::from_bytes(vec![b"v=spf1 \"x\"", b"\\tail\n", b"\xff"])),
        ),
    ];
    let soa = SOA::new(target.clone(), owner.clone(), 1, 2, 3, 4, 5);
    let response = message(answers, vec![record(owner, RData::SOA(soa))]);
    let fast = fast_only(&response).expect("read in place");
    assert_eq!(fast, hickory(&response));
    assert!(fast.starts_with(
        r#"{"Rdata":"Host-1.example.com.","Type":"CNAME","Class":"IN"},{"Rdata":"192.0.2.10","Type":"A","Class":"IN"}"#
    ));
    assert!(fast.contains(r#"{"Rdata":"v=spf1 \"x\"\\tail\n�","Type":"TXT","Class":"IN"}"#));
}

#[test]
fn what_hickory_prints_differently_is_left_to_it() {
    let owner = name(&[b"a", b"example"]);
    for rdata in [
        RData::SRV(SRV::new(1, 2, 53, owner.clone())),
        RData::CNAME(CNAME(name(&[b"xn--bcher-kva", b"example"]))),
        RData::CNAME(CNAME(name(&[b"a b", b"example"]))),
        RData::CNAME(CNAME(name(&[b"-a", b"example"]))),
        RData::CNAME(CNAME(name(&[b"a*", b"example"]))),
    ] {
        let response = message(vec![record(owner.clone(), rdata)], Vec::new());
        assert_eq!(fast_only(&response), None);
        let mut out = String::new();
        write_answers(&mut out, &response);
        assert_eq!(out, hickory(&response));
        assert!(!out.is_empty());
    }
    // Class CH: hickory's text for the class.
    let mut chaos = record(owner.clone(), RData::A(A("10.0.0.1".parse().unwrap())));
    chaos.dns_class = DNSClass::CH;
    let response = message(vec![chaos], Vec::new());
    assert_eq!(fast_only(&response), None);
}

#[test]
fn replies_hickory_cannot_read_have_no_answers() {
    let owner = name(&[b"a", b"example"]);
    let good = message(
        vec![record(owner, RData::A(A("10.0.0.1".parse().unwrap())))],
        Vec::new(),
    );
    for broken in [&good[..good.len() - 1], &good[..11], b"".as_slice()] {
        let mut out = String::new();
        write_answers(&mut out, broken);
        assert_eq!(out, "");
    }
    // A compression pointer forward, or to itself: hickory refuses, and so does the reader.
    let mut looped = good.clone();
    let at = good.len() - 16; // the answer's owner name (a pointer to the question's name)
    assert_eq!(looped[at] & 0xC0, 0xC0);
    looped[at + 1] = at as u8;
    assert_eq!(fast_only(&looped), None);
    assert_eq!(hickory(&looped), "");
}

fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(
            prop_oneof![
                proptest::char::range('a', 'z').prop_map(|c| c as u8),
                proptest::char::range('A', 'Z').prop_map(|c| c as u8),
                proptest::char::range('0', '9').prop_map(|c| c as u8),
                Just(b'-'),
                Just(b'_'),
                Just(b'*'),
            ],
            1..10,
        ),
        1 => proptest::collection::vec(any::<u8>(), 1..6),
        1 => Just(b"xn--bcher-kva".to_vec()),
    ]
}

fn any_name() -> impl Strategy<Value = Name> {
    proptest::collection::vec(label(), 0..4).prop_map(|labels| {
        let labels: Vec<&[u8]> = labels.iter().map(Vec::as_slice).collect();
        name(&labels)
    })
}

fn any_rdata() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| RData::A(A(o.into()))),
        any::<[u8; 16]>().prop_map(|o| RData::AAAA(AAAA(o.into()))),
        any_name().prop_map(|n| RData::CNAME(CNAME(n))),
        any_name().prop_map(|n| RData::NS(NS(n))),
        any_name().prop_map(|n| RData::PTR(PTR(n))),
        (any::<u16>(), any_name()).prop_map(|(p, n)| RData::MX(MX::new(p, n))),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..3).prop_map(
            |strings| {
                let strings: Vec<&[u8]> = strings.iter().map(Vec::as_slice).collect();
                RData::TXT(TXT::from_bytes(strings))
            }
        ),
        (any_name(), any::<u16>()).prop_map(|(n, port)| RData::SRV(SRV::new(0, 1, port, n))),
    ]
}

proptest! {
    #[test]
    fn fast_and_hickory_agree(
        answers in proptest::collection::vec((any_name(), any_rdata()), 0..6),
        soa in proptest::option::of((any_name(), any_name())),
    ) {
        let answers = answers.into_iter().map(|(n, r)| record(n, r)).collect();
        let authority = soa
            .into_iter()
            .map(|(m, r)| record(m.clone(), RData::SOA(SOA::new(m, r, 1, 2, 3, 4, 5))))
            .collect();
        let response = message(answers, authority);
        let mut out = String::new();
        write_answers(&mut out, &response);
        prop_assert_eq!(out, hickory(&response));
    }
}

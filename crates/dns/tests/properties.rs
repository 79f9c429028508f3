//! Properties of the query path: it never panics on any input, every reply decodes with an
//! independent library (hickory-proto), and replies respect size limits.
#![allow(clippy::unwrap_used)]

mod common;

use std::str::FromStr;

use cairn_dns::respond::{respond, respond_from, respond_from_plan, Origin, Transport};
use cairn_dns::Snapshot;
use cairn_model::{DomainName, ResourceRecordSet, RrType};
use hickory_proto::op::{Edns, Message, Query};
use hickory_proto::rr::{Name, RecordType};
use proptest::prelude::*;

const LABELS: [&str; 5] = ["a", "b", "c", "*", "www"];

fn snapshot(names: &[Vec<usize>], texts: usize) -> Snapshot {
    common::snapshot_skipping(&contents(names, texts), "us-east-1").0
}

fn contents(names: &[Vec<usize>], texts: usize) -> cairn_store::ZoneContents {
    let mut sets = vec![
        ResourceRecordSet::simple(
            DomainName::from_route53("example.com").unwrap(),
            RrType::Soa,
            900,
            vec!["ns1.example.com. h.example.com. 1 7200 900 1209600 60".into()],
        ),
        ResourceRecordSet::simple(
            DomainName::from_route53("example.com").unwrap(),
            RrType::Ns,
            900,
            vec!["ns1.example.com.".into(), "ns1.b.example.com.".into()],
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (i, labels) in names.iter().enumerate() {
        let mut name: Vec<&str> = labels.iter().map(|&l| LABELS[l]).collect();
        name.push("example.com");
        let text = name.join(".");
        // `*` is a wildcard only leftmost; elsewhere it is a literal label, still valid.
        if !seen.insert(text.clone()) {
            continue;
        }
        let owner = DomainName::from_route53(&text).unwrap();
        let set = match i % 5 {
            0 => ResourceRecordSet::simple(owner, RrType::A, 60, vec![format!("192.0.2.{i}")]),
            1 => ResourceRecordSet::simple(
                owner,
                RrType::Txt,
                60,
                (0..texts)
                    .map(|j| format!("\"{}\"", "t".repeat(j * 30 + 1)))
                    .collect(),
            ),
            2 => ResourceRecordSet::simple(
                owner,
                RrType::Cname,
                60,
                vec!["www.a.example.com.".into()],
            ),
            // A DNAME into the zone: names below it are redirected, and chains may loop
            // or outgrow 255 octets.
            4 => ResourceRecordSet::simple(owner, RrType::Dname, 60, vec!["b.example.com.".into()]),
            _ if !text.starts_with('*') => {
                ResourceRecordSet::simple(owner, RrType::Ns, 60, vec![format!("ns.{text}.")])
            }
            _ => ResourceRecordSet::simple(owner, RrType::Aaaa, 60, vec!["2001:db8::1".into()]),
        };
        sets.push(set);
    }
    common::zone("ZPROP", "example.com", sets)
}

fn owner(labels: &[usize]) -> String {
    let mut name: Vec<&str> = labels.iter().map(|&l| LABELS[l]).collect();
    name.push("example.com");
    name.join(".")
}

/// `before` patched at the names `touched`: each gets an A record (`keep`) or loses its
/// sets; with `new_ns`, the apex NS change too (one NS, whose in-zone address moves).
fn patched(
    before: &cairn_store::ZoneContents,
    touched: &[(Vec<usize>, bool)],
    new_ns: bool,
) -> Snapshot {
    use cairn_dns::compile::{compile_zone, patch_zone};
    let mut changed: Vec<DomainName> = Vec::new();
    let mut sets: Vec<ResourceRecordSet> = Vec::new();
    for (i, (labels, keep)) in touched.iter().enumerate() {
        let name = DomainName::from_route53(&owner(labels)).unwrap();
        if changed.contains(&name) {
            continue;
        }
        if *keep {
            sets.push(ResourceRecordSet::simple(
                name.clone(),
                RrType::A,
                30,
                vec![format!("198.51.100.{i}")],
            ));
        }
        changed.push(name);
    }
    if new_ns {
        let apex = DomainName::from_route53("example.com").unwrap();
        let b = DomainName::from_route53("ns1.b.example.com").unwrap();
        sets.retain(|s| s.name != apex && s.name != b);
        changed.retain(|n| *n != apex && *n != b);
        sets.extend(
            before
                .record_sets
                .iter()
                .filter(|s| s.name == apex && s.rtype == RrType::Soa)
                .cloned(),
        );
        sets.push(ResourceRecordSet::simple(
            apex.clone(),
            RrType::Ns,
            300,
            vec!["ns1.b.example.com.".into()],
        ));
        sets.push(ResourceRecordSet::simple(
            b.clone(),
            RrType::Aaaa,
            30,
            vec!["2001:db8::53".into()],
        ));
        changed.extend([apex, b]);
    }
    let id = before.zone.id.clone();
    let compiled = compile_zone(before);
    let zone = patch_zone(&compiled, &before.zone, &changed, &sets);
    Snapshot::for_region("us-east-1").with_changes(
        cairn_model::ChangeSeq(2),
        [(id, Some(std::sync::Arc::new(zone)))],
    )
}

fn query(name: &str, rtype: u16, edns: Option<u16>) -> Vec<u8> {
    let mut msg = Message::query();
    msg.metadata.id = 77;
    msg.add_query(Query::query(
        Name::from_str(name).unwrap(),
        RecordType::from(rtype),
    ));
    if let Some(payload) = edns {
        let mut e = Edns::new();
        e.set_max_payload(payload);
        msg.set_edns(e);
    }
    msg.to_vec().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let snap = snapshot(&[vec![0], vec![1, 0]], 2);
        let mut out = Vec::new();
        let _ = respond(&snap, &bytes, Transport::Udp, &mut out);
        let _ = respond(&snap, &bytes, Transport::Tcp, &mut out);
    }

    #[test]
    fn mutated_queries_never_panic(
        flips in proptest::collection::vec((0usize..64, any::<u8>()), 1..6),
        cut in 0usize..80,
    ) {
        let snap = snapshot(&[vec![0], vec![1, 0], vec![3, 2]], 3);
        let mut bytes = query("www.a.example.com.", 1, Some(1232));
        for (pos, value) in flips {
            if pos < bytes.len() {
                bytes[pos] = value;
            }
        }
        bytes.truncate(bytes.len().saturating_sub(cut % 8));
        let mut out = Vec::new();
        if let Some(reply) = respond(&snap, &bytes, Transport::Udp, &mut out) {
            prop_assert!(reply.len() >= 12);
        }
    }

    #[test]
    fn every_reply_decodes_and_fits(
        names in proptest::collection::vec(proptest::collection::vec(0usize..5, 1..4), 1..24),
        qlabels in proptest::collection::vec(0usize..5, 0..4),
        qtype in prop_oneof![Just(1u16), Just(2), Just(5), Just(16), Just(28), Just(255), Just(43)],
        texts in 1usize..12,
        edns in prop_oneof![Just(None), Just(Some(512u16)), Just(Some(1232)), Just(Some(4096))],
        upper in any::<bool>(),
    ) {
        let snap = snapshot(&names, texts);
        let mut qname: Vec<&str> = qlabels.iter().map(|&l| LABELS[l]).collect();
        qname.push("example.com.");
        let mut qname = qname.join(".");
        if upper {
            qname = qname.to_uppercase();
        }
        let bytes = query(&qname, qtype, edns);
        let mut out = Vec::new();
        let reply = respond(&snap, &bytes, Transport::Udp, &mut out).expect("queries are answered").to_vec();
        let limit = edns.map_or(512, |p| p.max(512) as usize);
        prop_assert!(reply.len() <= limit, "{} > {}", reply.len(), limit);
        let msg = Message::from_vec(&reply).expect("hickory decodes every reply");
        prop_assert_eq!(msg.metadata.id, 77);
        prop_assert_eq!(msg.queries[0].name().to_string().to_lowercase(), qname.to_lowercase());
        prop_assert_eq!(msg.edns.is_some(), edns.is_some());
        // Whatever hickory decodes, it encodes back to a reply it decodes the same way.
        let again = Message::from_vec(&msg.to_vec().unwrap()).unwrap();
        prop_assert_eq!(&again.answers, &msg.answers);
        // Over TCP nothing is truncated.
        let tcp = respond(&snap, &bytes, Transport::Tcp, &mut out).unwrap().to_vec();
        let tcp = Message::from_vec(&tcp).unwrap();
        prop_assert!(!tcp.metadata.truncation);
        if !msg.metadata.truncation {
            let mut a: Vec<String> = msg.answers.iter().map(|r| r.to_string()).collect();
            let mut b: Vec<String> = tcp.answers.iter().map(|r| r.to_string()).collect();
            a.sort();
            b.sort();
            prop_assert_eq!(a, b);
        }
    }

    /// Pre-encoded answers are byte for byte what the plan writes, in any case, over UDP
    /// (with or without room) and TCP, in a compiled zone and in the same zone patched
    /// (names changed or removed, the apex NS and their addresses changed or not).
    #[test]
    fn pre_encoded_answers_equal_the_plan(
        names in proptest::collection::vec(proptest::collection::vec(0usize..5, 1..4), 1..24),
        queries in proptest::collection::vec(
            (
                proptest::collection::vec(0usize..5, 0..4),
                prop_oneof![Just(1u16), Just(2), Just(5), Just(6), Just(16), Just(28), Just(39), Just(43)],
                prop_oneof![Just(None), Just(Some(512u16)), Just(Some(1232)), Just(Some(4096))],
                any::<bool>(),
                any::<bool>(),
            ),
            1..12,
        ),
        texts in 1usize..12,
        touched in proptest::collection::vec((proptest::collection::vec(0usize..5, 1..4), any::<bool>()), 0..6),
        new_ns in any::<bool>(),
    ) {
        let before = contents(&names, texts);
        let compiled = common::snapshot_skipping(&before, "us-east-1").0;
        let patched = patched(&before, &touched, new_ns);
        let mut fast = Vec::new();
        let mut plan = Vec::new();
        for snap in [&compiled, &patched] {
            for (qlabels, qtype, edns, upper, tcp) in &queries {
                let mut qname: Vec<&str> = qlabels.iter().map(|&l| LABELS[l]).collect();
                qname.push("example.com.");
                let mut qname = qname.join(".");
                if *upper {
                    qname = qname.to_uppercase();
                }
                let bytes = query(&qname, *qtype, *edns);
                let transport = if *tcp { Transport::Tcp } else { Transport::Udp };
                let a = respond_from(snap, &bytes, transport, Origin::default(), &mut fast).map(<[u8]>::to_vec);
                let b = respond_from_plan(snap, &bytes, transport, Origin::default(), &mut plan).map(<[u8]>::to_vec);
                prop_assert_eq!(a, b, "{} type {}", qname, qtype);
            }
        }
    }
}

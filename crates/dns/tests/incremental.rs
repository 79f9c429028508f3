//! Patching a compiled zone by the names a change touched gives exactly the zone a full
//! compile of the new content gives, pre-encoded answers included.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_dns::compile::{compile_zone, patch_zone};
use cairn_dns::zone::CompiledZone;
use cairn_model::{DomainName, ResourceRecordSet, RrType};
use common::{set, zone};
use proptest::prelude::*;

const LABELS: [&str; 5] = ["a", "b", "*", "ns1", "www"];

/// A record set at `labels` below example.com: kind picks the type.
fn make(labels: &[usize], kind: u8, n: u8) -> ResourceRecordSet {
    let mut parts: Vec<&str> = labels.iter().map(|&l| LABELS[l]).collect();
    parts.push("example.com");
    let name = parts.join(".");
    match kind % 7 {
        0 => set(&name, RrType::A, 60, &[&format!("192.0.2.{n}")]),
        1 => set(&name, RrType::Aaaa, 60, &[&format!("2001:db8::{n:x}")]),
        2 => set(&name, RrType::Txt, 60, &[&format!("\"t{n}\"")]),
        3 => set(&name, RrType::Mx, 60, &[&format!("{n} ns1.example.com.")]),
        4 if !name.starts_with('*') => set(
            &name,
            RrType::Ns,
            60,
            &["ns1.example.com.", "ns1.b.example.com."],
        ),
        5 => set(&name, RrType::Cname, 60, &["www.example.com."]),
        _ => set(&name, RrType::Dname, 60, &["b.example.com."]),
    }
}

/// At most one set per (name, type), and a CNAME alone at its name, as validation ensures.
fn normalise(sets: Vec<ResourceRecordSet>) -> Vec<ResourceRecordSet> {
    let mut out: Vec<ResourceRecordSet> = Vec::new();
    for s in sets {
        let clash = out.iter().any(|o| {
            o.name == s.name
                && (o.rtype == s.rtype || o.rtype == RrType::Cname || s.rtype == RrType::Cname)
        });
        if !clash {
            out.push(s);
        }
    }
    out
}

fn apex_sets() -> Vec<ResourceRecordSet> {
    vec![
        set(
            "example.com",
            RrType::Soa,
            900,
            &["ns1.example.com. h.example.com. 1 7200 900 1209600 60"],
        ),
        set(
            "example.com",
            RrType::Ns,
            900,
            &["ns1.example.com.", "www.example.com."],
        ),
    ]
}

/// Everything a zone answers from, without pointers, in a stable order.
fn describe(z: &CompiledZone) -> BTreeMap<Vec<u8>, String> {
    let mut map: BTreeMap<Vec<u8>, String> = z
        .nodes
        .iter()
        .map(|(k, n)| {
            let mut rrsets: Vec<String> = n.rrsets.iter().map(|r| format!("{r:?}")).collect();
            rrsets.sort();
            (
                k.to_vec(),
                format!(
                    "flags={} children={} skipped={} {:?} routed={} pre_encoded={:?} synthesized={:?}",
                    n.flags,
                    n.children,
                    n.skipped,
                    rrsets,
                    n.routed.len(),
                    n.pre_encoded,
                    n.synthesized
                ),
            )
        })
        .collect();
    let extra: Vec<String> = z
        .apex_ns_additional
        .iter()
        .map(|(n, r)| format!("{n:?} {r:?}"))
        .collect();
    map.insert(
        b"~zone".to_vec(),
        format!(
            "{:?} {:?} {:?} {} {:?} {:?}",
            z.negative_soa, z.apex_ns, extra, z.skipped, z.negative_answer, z.apex_dname
        ),
    );
    map
}

type Spec = (Vec<usize>, u8, u8);

fn spec() -> impl Strategy<Value = Spec> {
    (
        proptest::collection::vec(0usize..5, 1..4),
        any::<u8>(),
        any::<u8>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn patching_equals_compiling_from_scratch(
        before in proptest::collection::vec(spec(), 0..30),
        touched in proptest::collection::vec(proptest::collection::vec(0usize..5, 1..4), 1..6),
        after in proptest::collection::vec(spec(), 0..10),
        change_apex in any::<bool>(),
    ) {
        let mut base = apex_sets();
        base.extend(before.iter().map(|(l, k, n)| make(l, *k, *n)));
        let base = normalise(base);
        let old = zone("ZINC", "example.com", base.clone());
        let compiled = compile_zone(&old);

        // The names the change touches, and what they hold afterwards.
        let mut changed: Vec<DomainName> = touched
            .iter()
            .map(|l| {
                let mut parts: Vec<&str> = l.iter().map(|&i| LABELS[i]).collect();
                parts.push("example.com");
                DomainName::from_route53(&parts.join(".")).unwrap()
            })
            .collect();
        let mut new_sets: Vec<ResourceRecordSet> = after
            .iter()
            .map(|(l, k, n)| make(l, *k, *n))
            .filter(|s| changed.contains(&s.name))
            .collect();
        if change_apex {
            let apex = DomainName::from_route53("example.com").unwrap();
            changed.push(apex);
            new_sets.extend(apex_sets().into_iter().map(|mut s| {
                s.ttl = Some(1234);
                s
            }));
        }
        let mut all: Vec<ResourceRecordSet> =
            base.into_iter().filter(|s| !changed.contains(&s.name)).collect();
        all.extend(new_sets);
        let all = normalise(all);
        let at_changed: Vec<ResourceRecordSet> =
            all.iter().filter(|s| changed.contains(&s.name)).cloned().collect();

        let patched = patch_zone(&compiled, &old.zone, &changed, &at_changed);
        let full = compile_zone(&zone("ZINC", "example.com", all));
        prop_assert_eq!(describe(&patched), describe(&full));
    }
}

#[test]
fn removing_the_last_name_below_an_empty_non_terminal_removes_it() {
    let mut sets = apex_sets();
    sets.push(set("x.y.example.com", RrType::A, 60, &["192.0.2.1"]));
    let old = zone("ZINC", "example.com", sets);
    let compiled = Arc::new(compile_zone(&old));
    assert!(compiled
        .nodes
        .contains_key(&b"\x01y\x07example\x03com\x00"[..]));
    let gone = DomainName::from_route53("x.y.example.com").unwrap();
    let patched = patch_zone(&compiled, &old.zone, &[gone], &[]);
    assert!(!patched
        .nodes
        .contains_key(&b"\x01y\x07example\x03com\x00"[..]));
    assert_eq!(patched.nodes[&b"\x07example\x03com\x00"[..]].children, 0);
}

/// Answers pre-encoded before a change (cairn_dns::zone::PreEncoded) stay right after it,
/// in nodes the change shared with the old zone: a new apex NS, a new address of it, or a
/// delegation added above the name. Each answer equals the one written from the plan.
#[test]
fn pre_encoded_answers_follow_changes_they_did_not_touch() {
    use cairn_dns::respond::{respond_from, respond_from_plan, Origin, Transport};
    use cairn_dns::Snapshot;
    use cairn_model::ChangeSeq;

    let mut sets = apex_sets();
    sets.push(set("ns1.example.com", RrType::A, 60, &["192.0.2.53"]));
    sets.push(set("www.example.com", RrType::A, 60, &["192.0.2.1"]));
    sets.push(set("x.sub.example.com", RrType::Txt, 60, &["\"x\""]));
    let old = zone("ZINC", "example.com", sets);
    let id = old.zone.id.clone();
    let mut compiled = Arc::new(compile_zone(&old));
    let mut snap =
        Snapshot::empty().with_changes(ChangeSeq(1), [(id.clone(), Some(compiled.clone()))]);
    let queries = [
        common::query("www.example.com", 1, None),
        common::query("WWW.example.com", 1, Some((1232, 0))),
        common::query("x.sub.example.com", 16, None),
    ];
    let ask = |snap: &Snapshot| -> Vec<Vec<u8>> {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        queries
            .iter()
            .map(|q| {
                let fast = respond_from(snap, q, Transport::Udp, Origin::default(), &mut a)
                    .unwrap()
                    .to_vec();
                let plan = respond_from_plan(snap, q, Transport::Udp, Origin::default(), &mut b)
                    .unwrap()
                    .to_vec();
                assert_eq!(fast, plan);
                fast
            })
            .collect()
    };
    let mut before = ask(&snap);
    let changes: [(&str, Vec<ResourceRecordSet>); 3] = [
        (
            "example.com",
            vec![
                set(
                    "example.com",
                    RrType::Soa,
                    900,
                    &["ns1.example.com. h.example.com. 1 7200 900 1209600 60"],
                ),
                set("example.com", RrType::Ns, 900, &["ns1.example.com."]),
            ],
        ),
        (
            "ns1.example.com",
            vec![set("ns1.example.com", RrType::A, 60, &["192.0.2.99"])],
        ),
        (
            "sub.example.com",
            vec![set(
                "sub.example.com",
                RrType::Ns,
                60,
                &["ns1.example.com."],
            )],
        ),
    ];
    for (seq, (name, new_sets)) in changes.into_iter().enumerate() {
        let changed = [DomainName::from_route53(name).unwrap()];
        compiled = Arc::new(patch_zone(&compiled, &old.zone, &changed, &new_sets));
        snap = snap.with_changes(
            ChangeSeq(seq as u64 + 2),
            [(id.clone(), Some(compiled.clone()))],
        );
        let after = ask(&snap);
        assert_ne!(after, before, "the change to {name} shows in the answers");
        before = after;
    }
}

/// Answers are encoded when the zone is compiled, before any query; a patch that changes
/// the apex NS or an address of one writes again the answers of nodes it did not touch,
/// and a patch that adds a zone cut drops the answers below it.
#[test]
fn patches_rewrite_the_answers_whose_ns_or_glue_they_change() {
    let mut sets = apex_sets();
    sets.push(set("ns1.example.com", RrType::A, 60, &["192.0.2.53"]));
    sets.push(set("www.example.com", RrType::A, 60, &["192.0.2.1"]));
    sets.push(set("x.sub.example.com", RrType::Txt, 60, &["\"x\""]));
    let old = zone("ZINC", "example.com", sets);
    let compiled = compile_zone(&old);
    let answers = |z: &CompiledZone, name: &str| {
        let key = DomainName::from_route53(name).unwrap();
        z.nodes[key.wire()].pre_encoded.clone()
    };
    let www = answers(&compiled, "www.example.com").expect("encoded at compile time");
    assert_eq!(www.rtypes().collect::<Vec<_>>(), [1]);
    let (sections, counts) = www.answer(1).unwrap();
    // The A record, the two apex NS, and the address of the in-zone one.
    assert_eq!(counts, [1, 2, 1]);
    assert!(sections.windows(4).any(|w| w == [192, 0, 2, 53]));

    let glue = [DomainName::from_route53("ns1.example.com").unwrap()];
    let moved = [set("ns1.example.com", RrType::A, 60, &["192.0.2.99"])];
    let patched = patch_zone(&compiled, &old.zone, &glue, &moved);
    let www2 = answers(&patched, "www.example.com").unwrap();
    let (sections, counts) = www2.answer(1).unwrap();
    assert_eq!(counts, [1, 2, 1]);
    assert!(sections.windows(4).any(|w| w == [192, 0, 2, 99]));
    assert!(!sections.windows(4).any(|w| w == [192, 0, 2, 53]));

    let apex = [DomainName::from_route53("example.com").unwrap()];
    let mut one_ns = apex_sets();
    one_ns[1] = set("example.com", RrType::Ns, 900, &["www.example.com."]);
    let patched = patch_zone(&patched, &old.zone, &apex, &one_ns);
    let (_, counts) = answers(&patched, "x.sub.example.com")
        .unwrap()
        .answer(16)
        .unwrap();
    // One NS now, whose address is www's A record.
    assert_eq!(counts, [1, 1, 1]);

    let cut = [DomainName::from_route53("sub.example.com").unwrap()];
    let ns = [set(
        "sub.example.com",
        RrType::Ns,
        60,
        &["ns1.example.com."],
    )];
    let delegated = patch_zone(&patched, &old.zone, &cut, &ns);
    assert_eq!(answers(&delegated, "x.sub.example.com"), None);
    let undelegated = patch_zone(&delegated, &old.zone, &cut, &[]);
    assert_eq!(
        answers(&undelegated, "x.sub.example.com"),
        answers(&patched, "x.sub.example.com")
    );
}

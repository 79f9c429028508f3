//! Signed answers (issue 18): a zone signed with fresh keys, answered on a real socket by
//! the real `Authoritative`; every RRSIG checked with cairn-crypto's verify, and the
//! denial, wildcard, delegation and routed answers checked record by record.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/signed.rs"]
mod signed;

use cairn_dns::compile::{compile_zone, compile_zone_signed};
use cairn_dns::dnssec::keys_not_opened;
use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::rrset::RoutingPolicy::{self, MultiValueAnswer, Weighted};
use cairn_model::{ChangeSeq, ResourceRecordSet, RrType};
use cairn_store::ZoneContents;
use common::{set, zone};
use signed::{ask, parse, query, serve, text, verify_all, Keys, DNSKEY, NSEC, RRSIG};
use tokio_util::sync::CancellationToken;

const A: u16 = 1;
const NS: u16 = 2;
const CNAME: u16 = 5;
const SOA: u16 = 6;
const MX: u16 = 15;
const TXT: u16 = 16;
const DNAME: u16 = 39;
const DS: u16 = 43;

fn route(mut s: ResourceRecordSet, id: &str, policy: RoutingPolicy) -> ResourceRecordSet {
    s.routing = Some(cairn_model::rrset::Routing {
        set_identifier: id.to_string(),
        policy,
    });
    s
}

/// The zone every signed test serves.
fn contents() -> ZoneContents {
    zone(
        "ZSIGNED",
        "example.com",
        vec![
            set(
                "example.com",
                RrType::Soa,
                900,
                &["ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"],
            ),
            set(
                "example.com",
                RrType::Ns,
                172800,
                &["ns1.example.com.", "ns.example.net."],
            ),
            set("example.com", RrType::Mx, 300, &["10 MAIL.Example.COM."]),
            set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
            set(
                "www.example.com",
                RrType::A,
                300,
                &["192.0.2.1", "192.0.2.2"],
            ),
            set("*.wild.example.com", RrType::A, 120, &["192.0.2.7"]),
            set(
                "alias.example.com",
                RrType::Cname,
                60,
                &["www.example.com."],
            ),
            set(
                "dangling.example.com",
                RrType::Cname,
                60,
                &["gone.example.com."],
            ),
            set("old.example.com", RrType::Dname, 300, &["example.com."]),
            set(
                "a.ent.example.com",
                RrType::Txt,
                60,
                &["\"below an empty name\""],
            ),
            set(
                "big.example.com",
                RrType::Txt,
                60,
                &[
                    &format!("\"{}\"", "x".repeat(200)),
                    &format!("\"{}\"", "y".repeat(200)),
                ],
            ),
            set(
                "child.example.com",
                RrType::Ns,
                3600,
                &["ns.child.example.com."],
            ),
            set("ns.child.example.com", RrType::A, 3600, &["192.0.2.99"]),
            set(
                "child.example.com",
                RrType::Ds,
                3600,
                &["60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"],
            ),
            set(
                "insecure.example.com",
                RrType::Ns,
                3600,
                &["ns.example.net."],
            ),
            route(
                set("w.example.com", RrType::A, 60, &["192.0.2.11"]),
                "one",
                Weighted(1),
            ),
            route(
                set("w.example.com", RrType::A, 60, &["192.0.2.12"]),
                "two",
                Weighted(1),
            ),
            route(
                set("mv.example.com", RrType::A, 60, &["192.0.2.21"]),
                "a",
                MultiValueAnswer(true),
            ),
            route(
                set("mv.example.com", RrType::A, 60, &["192.0.2.22"]),
                "b",
                MultiValueAnswer(true),
            ),
        ],
    )
}

struct Server {
    addr: std::net::SocketAddr,
    keys: Keys,
    shared: std::sync::Arc<arc_swap::ArcSwap<Snapshot>>,
    _stop: CancellationToken,
    _runtime: tokio::runtime::Runtime,
}

fn server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let stop = CancellationToken::new();
    let keys = Keys::new();
    let (addr, shared) = serve(keys.snapshot(contents()), &stop);
    drop(_entered);
    Server {
        addr,
        keys,
        shared,
        _stop: stop,
        _runtime: runtime,
    }
}

fn nsec_types(rdata: &[u8]) -> Vec<u16> {
    let next_len = {
        let mut pos = 0;
        while rdata[pos] != 0 {
            pos += 1 + usize::from(rdata[pos]);
        }
        pos + 1
    };
    let mut types = Vec::new();
    let mut pos = next_len;
    while pos < rdata.len() {
        let window = u16::from(rdata[pos]);
        let len = usize::from(rdata[pos + 1]);
        for (i, byte) in rdata[pos + 2..pos + 2 + len].iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(window * 256 + (i * 8 + bit) as u16);
                }
            }
        }
        pos += 2 + len;
    }
    types
}

fn nsec_next(rdata: &[u8]) -> String {
    let mut pos = 0;
    while rdata[pos] != 0 {
        pos += 1 + usize::from(rdata[pos]);
    }
    text(&rdata[..=pos])
}

#[test]
fn a_positive_answer_signs_the_answer_the_zone_ns_and_in_zone_addresses() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("WWW.example.com", A, true)));
    assert_eq!(resp.rcode, 0);
    assert!(resp.aa());
    let answer = resp.summary(0);
    assert_eq!(
        answer,
        [
            ("www.example.com.".into(), A),
            ("www.example.com.".into(), A),
            ("www.example.com.".into(), RRSIG)
        ]
    );
    let signed = verify_all(&resp, &s.keys);
    let covered: Vec<(&str, u16)> = signed.iter().map(|(o, t, _)| (o.as_str(), *t)).collect();
    assert_eq!(
        covered,
        [
            ("www.example.com.", A),
            ("example.com.", NS),
            ("ns1.example.com.", A)
        ]
    );
    assert_eq!(signed[0].2.labels, 3);
    assert_eq!(signed[0].2.original_ttl, 300);
    // The in-zone address of ns1 is signed in the additional section too.
    assert!(resp
        .section(2)
        .iter()
        .any(|r| r.rtype == RRSIG && text(&r.owner) == "ns1.example.com."));
    // Asked again (in another case), the answer kept whole is sent: nothing signed again.
    let again = parse(&ask(s.addr, &query("www.example.com", A, true)));
    assert_eq!(again.rrs, resp.rrs);
    let snapshot = s.shared.load();
    let zone = snapshot.zones.values().next().unwrap();
    let stats = zone.signer.as_ref().unwrap().cache().stats();
    assert_eq!((stats.entries, stats.misses), (3, 3), "{stats:?}");
    assert_eq!(zone.signed_answers.len(), 1);
}

#[test]
fn names_in_rdata_are_signed_in_canonical_form() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("example.com", MX, true)));
    let signed = verify_all(&resp, &s.keys);
    assert!(signed
        .iter()
        .any(|(o, t, _)| o == "example.com." && *t == MX));
}

#[test]
fn dnskey_at_the_apex_is_the_stored_rrset_signed_by_the_ksk() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("example.com", DNSKEY, true)));
    assert_eq!(resp.rcode, 0);
    let answer = resp.section(0);
    let keys: Vec<&[u8]> = answer
        .iter()
        .filter(|r| r.rtype == DNSKEY)
        .map(|r| r.rdata.as_slice())
        .collect();
    assert_eq!(
        keys,
        [
            &s.keys.ksk_dnskey().rdata()[..],
            &s.keys.zsk_dnskey().rdata()[..]
        ]
    );
    let signed = verify_all(&resp, &s.keys);
    assert_eq!(signed[0].1, DNSKEY);
    // Without DO: the keys, which are zone data, without signatures.
    let plain = parse(&ask(s.addr, &query("example.com", DNSKEY, false)));
    assert_eq!(
        plain.summary(0),
        [
            ("example.com.".into(), DNSKEY),
            ("example.com.".into(), DNSKEY)
        ]
    );
    assert!(plain.rrs.iter().all(|r| r.rtype != RRSIG));
    // Below the apex there is no DNSKEY: NODATA.
    let below = parse(&ask(s.addr, &query("www.example.com", DNSKEY, true)));
    assert!(below.section(0).is_empty());
    verify_all(&below, &s.keys);
}

#[test]
fn a_name_that_does_not_exist_is_a_black_lie() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("nope.example.com", A, true)));
    assert_eq!(resp.rcode, 0, "NOERROR, not NXDOMAIN");
    assert!(resp.section(0).is_empty());
    assert_eq!(
        resp.summary(1),
        [
            ("example.com.".into(), SOA),
            ("example.com.".into(), RRSIG),
            ("nope.example.com.".into(), NSEC),
            ("nope.example.com.".into(), RRSIG)
        ]
    );
    let nsec = resp.section(1)[2];
    assert_eq!(nsec_next(&nsec.rdata), "\\000.nope.example.com.");
    assert_eq!(nsec_types(&nsec.rdata), [RRSIG, NSEC, 128]);
    assert_eq!(nsec.ttl, 300, "the negative TTL, min(SOA TTL, MINIMUM)");
    assert_eq!(verify_all(&resp, &s.keys).len(), 2);
    // Without DO the same query is a plain NXDOMAIN.
    let plain = parse(&ask(s.addr, &query("nope.example.com", A, false)));
    assert_eq!(plain.rcode, 3);
    assert!(plain
        .rrs
        .iter()
        .all(|r| r.rtype != RRSIG && r.rtype != NSEC));
}

#[test]
fn a_missing_type_is_nodata_with_the_types_present() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("www.example.com", TXT, true)));
    assert_eq!(resp.rcode, 0);
    let nsec = resp
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(text(&nsec.owner), "www.example.com.");
    assert_eq!(nsec_next(&nsec.rdata), "\\000.www.example.com.");
    assert_eq!(nsec_types(&nsec.rdata), [A, RRSIG, NSEC]);
    assert_eq!(verify_all(&resp, &s.keys).len(), 2);
    // The apex lists its DNSKEY; an empty non-terminal only RRSIG and NSEC.
    let apex = parse(&ask(s.addr, &query("example.com", TXT, true)));
    let nsec = apex
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(nsec_types(&nsec.rdata), [NS, SOA, MX, RRSIG, NSEC, DNSKEY]);
    let ent = parse(&ask(s.addr, &query("ent.example.com", A, true)));
    let nsec = ent
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(nsec_types(&nsec.rdata), [RRSIG, NSEC]);
    verify_all(&ent, &s.keys);
}

#[test]
fn a_wildcard_answer_is_signed_as_the_name_asked_with_no_nsec() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("x.y.wild.example.com", A, true)));
    assert_eq!(resp.rcode, 0);
    assert_eq!(
        resp.summary(0),
        [
            ("x.y.wild.example.com.".into(), A),
            ("x.y.wild.example.com.".into(), RRSIG)
        ]
    );
    assert!(resp.rrs.iter().all(|r| r.rtype != NSEC));
    let signed = verify_all(&resp, &s.keys);
    // Signed online for the name asked: its own five labels, so no proof of a closer
    // match is needed (the wildcard's three would need one).
    assert_eq!(signed[0].2.labels, 5);
}

#[test]
fn a_cname_chain_is_signed_link_by_link_and_denied_where_it_ends() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("alias.example.com", A, true)));
    let signed = verify_all(&resp, &s.keys);
    let covered: Vec<(&str, u16)> = signed.iter().map(|(o, t, _)| (o.as_str(), *t)).collect();
    assert_eq!(
        covered,
        [
            ("alias.example.com.", CNAME),
            ("www.example.com.", A),
            ("example.com.", NS),
            ("ns1.example.com.", A)
        ]
    );
    let dangling = parse(&ask(s.addr, &query("dangling.example.com", A, true)));
    assert_eq!(dangling.rcode, 0);
    let nsec = dangling
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(text(&nsec.owner), "gone.example.com.");
    assert_eq!(nsec_types(&nsec.rdata), [RRSIG, NSEC, 128]);
    assert_eq!(verify_all(&dangling, &s.keys).len(), 3);
}

#[test]
fn a_dname_answer_signs_the_dname_and_leaves_the_synthesised_cname_unsigned() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("www.old.example.com", A, true)));
    assert_eq!(resp.rcode, 0);
    assert_eq!(
        resp.summary(0),
        [
            ("old.example.com.".to_string(), DNAME),
            ("old.example.com.".to_string(), RRSIG),
            ("www.old.example.com.".to_string(), CNAME),
            ("www.example.com.".to_string(), A),
            ("www.example.com.".to_string(), A),
            ("www.example.com.".to_string(), RRSIG),
        ]
    );
    let signed = verify_all(&resp, &s.keys);
    let covered: Vec<(&str, u16)> = signed.iter().map(|(o, t, _)| (o.as_str(), *t)).collect();
    assert_eq!(
        covered,
        [
            ("old.example.com.", DNAME),
            ("www.example.com.", A),
            ("example.com.", NS),
            ("ns1.example.com.", A)
        ]
    );
    // Where the chain ends in nothing: the NSEC denies the CNAME's target.
    let missing = parse(&ask(s.addr, &query("gone.old.example.com", A, true)));
    let nsec = missing
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(text(&nsec.owner), "gone.example.com.");
}

#[test]
fn a_referral_carries_the_ds_signed_or_an_nsec_proving_there_is_none() {
    let s = server();
    let resp = parse(&ask(s.addr, &query("www.child.example.com", A, true)));
    assert!(!resp.aa());
    assert_eq!(
        resp.summary(1),
        [
            ("child.example.com.".into(), NS),
            ("child.example.com.".into(), DS),
            ("child.example.com.".into(), RRSIG)
        ]
    );
    let signed = verify_all(&resp, &s.keys);
    assert_eq!(
        signed.len(),
        1,
        "the NS and the glue are the child's: unsigned"
    );
    assert!(resp.section(2).iter().all(|r| r.rtype != RRSIG));

    let insecure = parse(&ask(s.addr, &query("www.insecure.example.com", A, true)));
    assert_eq!(
        insecure.summary(1),
        [
            ("insecure.example.com.".into(), NS),
            ("insecure.example.com.".into(), NSEC),
            ("insecure.example.com.".into(), RRSIG)
        ]
    );
    let nsec = insecure.section(1)[1];
    assert_eq!(
        nsec_types(&nsec.rdata),
        [NS, RRSIG, NSEC],
        "NS set, DS and SOA clear"
    );
    assert_eq!(verify_all(&insecure, &s.keys).len(), 1);

    // Asked for its DS, the parent answers: the DS signed, or NODATA with that NSEC.
    let ds = parse(&ask(s.addr, &query("child.example.com", DS, true)));
    assert!(ds.aa());
    assert_eq!(verify_all(&ds, &s.keys)[0].1, DS);
    let no_ds = parse(&ask(s.addr, &query("insecure.example.com", DS, true)));
    let nsec = no_ds
        .section(1)
        .into_iter()
        .find(|r| r.rtype == NSEC)
        .unwrap();
    assert_eq!(nsec_types(&nsec.rdata), [NS, RRSIG, NSEC]);
    verify_all(&no_ds, &s.keys);
}

#[test]
fn routed_answers_are_signed_per_variant_sent() {
    let s = server();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let resp = parse(&ask(s.addr, &query("w.example.com", A, true)));
        let answer = resp.section(0);
        assert_eq!(answer.len(), 2, "one weighted variant and its RRSIG");
        verify_all(&resp, &s.keys);
        seen.insert(answer[0].rdata.clone());
    }
    assert_eq!(seen.len(), 2, "both variants were sent, each signed");
    // Multivalue variants sent together are one RRset under one signature.
    let resp = parse(&ask(s.addr, &query("mv.example.com", A, true)));
    assert_eq!(
        resp.summary(0).iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        [A, A, RRSIG]
    );
    verify_all(&resp, &s.keys);
}

#[test]
fn without_do_a_signed_zone_answers_byte_for_byte_as_an_unsigned_one() {
    let keys = Keys::new();
    let signed = keys.snapshot(contents());
    let plain_zone = std::sync::Arc::new(compile_zone(&contents()));
    let plain =
        Snapshot::empty().with_changes(ChangeSeq(1), [(plain_zone.id.clone(), Some(plain_zone))]);
    for (name, qtype) in [
        ("www.example.com", A),
        ("nope.example.com", A),
        ("www.example.com", TXT),
        ("x.wild.example.com", A),
        ("alias.example.com", A),
        ("www.child.example.com", A),
    ] {
        for msg in [query(name, qtype, false), common::query(name, qtype, None)] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let a = respond(&signed, &msg, Transport::Udp, &mut a)
                .unwrap()
                .to_vec();
            let b = respond(&plain, &msg, Transport::Udp, &mut b).unwrap();
            assert_eq!(a, b, "{name} {qtype}");
        }
    }
}

#[test]
fn a_key_that_does_not_open_leaves_the_zone_unsigned() {
    let keys = Keys::new();
    let mut contents = contents();
    contents.dnssec = Some(keys.zone_dnssec(&contents));
    let before = keys_not_opened();
    let other = cairn_crypto::MasterKey::from_bytes(&[9; 32]);
    let compiled = compile_zone_signed(&contents, Some(&other), None);
    assert!(compiled.signer.is_none());
    let no_key = compile_zone_signed(&contents, None, None);
    assert!(no_key.signer.is_none());
    assert!(keys_not_opened() >= before + 2);
    // A private zone is never signed, whatever its keys.
    contents.zone.private_zone = true;
    assert!(compile_zone_signed(&contents, Some(&keys.master), None)
        .signer
        .is_none());
    // Served unsigned: DO=1 gets the plain answer.
    let id = compiled.id.clone();
    let snapshot =
        Snapshot::empty().with_changes(ChangeSeq(1), [(id, Some(std::sync::Arc::new(compiled)))]);
    let mut out = Vec::new();
    let resp = parse(
        respond(
            &snapshot,
            &query("www.example.com", A, true),
            Transport::Udp,
            &mut out,
        )
        .unwrap(),
    );
    assert!(resp.rrs.iter().all(|r| r.rtype != RRSIG));
    assert_eq!(resp.section(0).len(), 2);
}

#[test]
fn a_recompile_with_the_same_key_keeps_the_signature_cache() {
    let keys = Keys::new();
    let mut contents = contents();
    contents.dnssec = Some(keys.zone_dnssec(&contents));
    let first = compile_zone_signed(&contents, Some(&keys.master), None);
    let signer = first.signer.as_ref().unwrap();
    let a = cairn_wire::Rdata::new(1, vec![192, 0, 2, 1]).unwrap();
    signer.rrsig(
        b"\x03www\x07example\x03com\x00",
        1,
        300,
        3,
        &[&a],
        signed::now(),
    );
    let second = compile_zone_signed(&contents, Some(&keys.master), Some(&first));
    assert_eq!(second.signer.as_ref().unwrap().cache().stats().entries, 1);
    // A new ZSK starts empty.
    let rolled = Keys {
        master: cairn_crypto::MasterKey::from_bytes(&[7; 32]),
        ksk: cairn_crypto::P256Key::generate(),
        zsk: cairn_crypto::P256Key::generate(),
    };
    contents.dnssec = Some(rolled.zone_dnssec(&contents));
    let third = compile_zone_signed(&contents, Some(&rolled.master), Some(&second));
    assert_eq!(third.signer.as_ref().unwrap().cache().stats().entries, 0);
}

#[test]
fn a_kept_signed_answer_is_the_answer_written_from_the_plan_byte_for_byte() {
    use cairn_dns::respond::{respond_from_plan, Origin};
    let keys = Keys::new();
    let snapshot = keys.snapshot(contents());
    let zone = snapshot.zones.values().next().unwrap().clone();
    let cases = [
        ("www.example.com", A),
        ("WwW.Example.com", A),
        ("nope.example.com", A),
        ("www.example.com", TXT),
        ("x.wild.example.com", A),
        ("alias.example.com", A),
        ("dangling.example.com", A),
        ("www.child.example.com", A),
        ("insecure.example.com", DS),
        ("example.com", MX),
    ];
    for (name, qtype) in cases {
        let msg = query(name, qtype, true);
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        let first = respond(&snapshot, &msg, Transport::Udp, &mut a).unwrap();
        let kept = respond(&snapshot, &msg, Transport::Udp, &mut b).unwrap();
        let planned =
            respond_from_plan(&snapshot, &msg, Transport::Udp, Origin::default(), &mut c).unwrap();
        assert_eq!(first, planned, "{name} {qtype}");
        assert_eq!(kept, planned, "{name} {qtype}");
    }
    // Every case above is zone data only, kept once per name and type (case aside).
    assert_eq!(zone.signed_answers.len(), cases.len() - 1);
    // Routed answers and the DNSKEY RRset are never kept.
    for (name, qtype) in [
        ("w.example.com", A),
        ("mv.example.com", A),
        ("example.com", DNSKEY),
    ] {
        let mut out = Vec::new();
        respond(
            &snapshot,
            &query(name, qtype, true),
            Transport::Udp,
            &mut out,
        )
        .unwrap();
    }
    assert_eq!(zone.signed_answers.len(), cases.len() - 1);
}

#[test]
fn a_signed_answer_too_big_for_udp_truncates_and_comes_whole_over_tcp() {
    let keys = Keys::new();
    let snapshot = keys.snapshot(contents());
    let mut msg = query("big.example.com", TXT, true);
    // EDNS payload 512: the two TXT records fit, not with their RRSIG.
    let at = msg.len() - 11 + 3;
    msg[at..at + 2].copy_from_slice(&512u16.to_be_bytes());
    let (mut udp, mut tcp) = (Vec::new(), Vec::new());
    let truncated = parse(respond(&snapshot, &msg, Transport::Udp, &mut udp).unwrap());
    assert!(truncated.tc());
    assert!(truncated.rrs.is_empty());
    let whole = parse(respond(&snapshot, &msg, Transport::Tcp, &mut tcp).unwrap());
    assert!(!whole.tc());
    assert_eq!(
        whole.summary(0).iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        [TXT, TXT, RRSIG]
    );
    verify_all(&whole, &keys);
    // The whole answer kept for TCP is not sent over UDP where it does not fit.
    let mut again = Vec::new();
    assert!(parse(respond(&snapshot, &msg, Transport::Udp, &mut again).unwrap()).tc());
}

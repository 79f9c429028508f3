//! The authoritative answers users see, one behaviour per test, through the same entry point
//! the listeners use (`respond`), decoded with hickory-proto as an independent client.
#![allow(clippy::unwrap_used)]

mod common;

use std::str::FromStr;

use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::{DomainName, RrType};
use common::hickory::{ask, lines, query};
use common::{set, snapshot_of, zone};
use hickory_proto::op::{Message, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

fn example() -> Snapshot {
    let big: Vec<String> = (0..40)
        .map(|i| format!("\"{}\"", "x".repeat(40 + i)))
        .collect();
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    let contents = zone(
        "Z11",
        "example.com",
        vec![
            set(
                "example.com",
                RrType::Soa,
                3600,
                &["ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"],
            ),
            set(
                "example.com",
                RrType::Ns,
                172800,
                &["ns1.example.com.", "ns2.other.net."],
            ),
            set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
            set(
                "www.example.com",
                RrType::A,
                300,
                &["192.0.2.1", "192.0.2.2"],
            ),
            set(
                "alias.example.com",
                RrType::Cname,
                60,
                &["www.example.com."],
            ),
            set(
                "chain.example.com",
                RrType::Cname,
                60,
                &["Alias.Example.com."],
            ),
            set(
                "out.example.com",
                RrType::Cname,
                60,
                &["www.elsewhere.net."],
            ),
            set(
                "loop1.example.com",
                RrType::Cname,
                60,
                &["loop2.example.com."],
            ),
            set(
                "loop2.example.com",
                RrType::Cname,
                60,
                &["loop1.example.com."],
            ),
            set(
                "gone.example.com",
                RrType::Cname,
                60,
                &["missing.example.com."],
            ),
            set("mail.example.com", RrType::Mx, 300, &["10 mx.example.com."]),
            set("mx.example.com", RrType::A, 300, &["192.0.2.25"]),
            set("*.wild.example.com", RrType::A, 120, &["192.0.2.99"]),
            set(
                "explicit.wild.example.com",
                RrType::Txt,
                120,
                &["\"explicit\""],
            ),
            set("y.ent2.wild.example.com", RrType::A, 120, &["192.0.2.98"]),
            set(
                "sub.example.com",
                RrType::Ns,
                3600,
                &["ns.sub.example.com."],
            ),
            set("ns.sub.example.com", RrType::A, 3600, &["192.0.2.54"]),
            set("big.example.com", RrType::Txt, 300, &big),
        ],
    );
    snapshot_of(&contents, "us-east-1")
}

#[test]
fn exact_match_is_answered_with_zone_ns_in_authority() {
    let snap = example();
    let r = ask(
        &snap,
        &query("www.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.metadata.authoritative);
    assert!(!r.metadata.recursion_available);
    assert!(r.metadata.recursion_desired, "RD is copied");
    assert_eq!(r.metadata.id, 0x1234);
    assert_eq!(
        lines(&r.answers),
        [
            "www.example.com. 300 IN A 192.0.2.1",
            "www.example.com. 300 IN A 192.0.2.2"
        ]
    );
    assert_eq!(
        lines(&r.authorities),
        [
            "example.com. 172800 IN NS ns1.example.com.",
            "example.com. 172800 IN NS ns2.other.net."
        ]
    );
    assert_eq!(
        lines(&r.additionals),
        ["ns1.example.com. 3600 IN A 192.0.2.53"]
    );
}

#[test]
fn question_case_is_preserved() {
    let snap = example();
    let r = ask(
        &snap,
        &query("WwW.ExAmPlE.cOm.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.queries[0].name().to_string(), "WwW.ExAmPlE.cOm.");
    assert_eq!(r.answers[0].name.to_string(), "WwW.ExAmPlE.cOm.");
}

#[test]
fn cname_chain_is_followed_inside_the_zone() {
    let snap = example();
    let r = ask(
        &snap,
        &query("chain.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    let answers: Vec<String> = r.answers.iter().map(|r| r.to_string()).collect();
    // Names in RDATA may be compressed against the question, so only their letters count.
    assert_eq!(
        answers[0].to_lowercase(),
        "chain.example.com. 60 in cname alias.example.com."
    );
    assert_eq!(
        answers[1].to_lowercase(),
        "alias.example.com. 60 in cname www.example.com."
    );
    assert_eq!(answers.len(), 4);
}

#[test]
fn cname_to_another_zone_stops_there() {
    let snap = example();
    let r = ask(
        &snap,
        &query("out.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        lines(&r.answers),
        ["out.example.com. 60 IN CNAME www.elsewhere.net."]
    );
}

#[test]
fn cname_loop_stops() {
    let snap = example();
    let r = ask(
        &snap,
        &query("loop1.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.answers.len(), 2);
}

#[test]
fn cname_to_missing_name_is_nxdomain_with_the_cname() {
    let snap = example();
    let r = ask(
        &snap,
        &query("gone.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(
        lines(&r.answers),
        ["gone.example.com. 60 IN CNAME missing.example.com."]
    );
}

#[test]
fn missing_name_is_nxdomain_with_negative_ttl_soa() {
    let snap = example();
    let r = ask(
        &snap,
        &query("nope.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    assert!(r.metadata.authoritative);
    assert!(r.answers.is_empty());
    // min(SOA TTL 3600, MINIMUM 300)
    assert_eq!(
        lines(&r.authorities),
        ["example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"]
    );
}

#[test]
fn missing_type_is_nodata() {
    let snap = example();
    let r = ask(
        &snap,
        &query("www.example.com.", RecordType::TXT, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
    assert_eq!(r.authorities.len(), 1);
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
}

#[test]
fn wildcard_synthesises_the_query_name() {
    let snap = example();
    let r = ask(
        &snap,
        &query("Anything.deep.wild.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert_eq!(
        lines(&r.answers),
        ["Anything.deep.wild.example.com. 120 IN A 192.0.2.99"]
    );
}

#[test]
fn explicit_name_blocks_the_wildcard() {
    let snap = example();
    let r = ask(
        &snap,
        &query("explicit.wild.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
}

#[test]
fn empty_non_terminal_blocks_the_wildcard() {
    let snap = example();
    let r = ask(
        &snap,
        &query("ent2.wild.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
    let r = ask(
        &snap,
        &query("z.ent2.wild.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
}

#[test]
fn wildcard_does_not_cover_its_parent() {
    let snap = example();
    let r = ask(
        &snap,
        &query("wild.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(
        r.metadata.response_code,
        ResponseCode::NoError,
        "wild is an empty non-terminal"
    );
    assert!(r.answers.is_empty());
}

#[test]
fn delegation_gives_a_referral_with_glue() {
    let snap = example();
    let r = ask(
        &snap,
        &query("deep.sub.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(!r.metadata.authoritative);
    assert!(r.answers.is_empty());
    assert_eq!(
        lines(&r.authorities),
        ["sub.example.com. 3600 IN NS ns.sub.example.com."]
    );
    assert_eq!(
        lines(&r.additionals),
        ["ns.sub.example.com. 3600 IN A 192.0.2.54"]
    );
}

#[test]
fn ds_at_a_delegation_is_answered_by_the_parent() {
    let snap = example();
    let r = ask(
        &snap,
        &query("sub.example.com.", RecordType::DS, None),
        Transport::Udp,
    );
    assert!(r.metadata.authoritative);
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
}

#[test]
fn mx_targets_get_addresses_in_additional() {
    let snap = example();
    let r = ask(
        &snap,
        &query("mail.example.com.", RecordType::MX, None),
        Transport::Udp,
    );
    assert!(lines(&r.additionals).contains(&"mx.example.com. 300 IN A 192.0.2.25".to_string()));
}

#[test]
fn names_in_no_zone_are_refused() {
    let snap = example();
    let r = ask(
        &snap,
        &query("example.org.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::Refused);
    assert!(!r.metadata.authoritative);
}

#[test]
fn too_large_for_udp_sets_tc_and_tcp_carries_it_all() {
    let snap = example();
    let r = ask(
        &snap,
        &query("big.example.com.", RecordType::TXT, None),
        Transport::Udp,
    );
    assert!(r.metadata.truncation);
    assert!(r.answers.is_empty());
    let r = ask(
        &snap,
        &query("big.example.com.", RecordType::TXT, Some(512)),
        Transport::Udp,
    );
    assert!(r.metadata.truncation);
    assert!(r.edns.is_some(), "OPT stays on a truncated EDNS answer");
    let r = ask(
        &snap,
        &query("big.example.com.", RecordType::TXT, Some(4096)),
        Transport::Udp,
    );
    assert!(!r.metadata.truncation);
    assert_eq!(r.answers.len(), 40);
    let r = ask(
        &snap,
        &query("big.example.com.", RecordType::TXT, None),
        Transport::Tcp,
    );
    assert!(!r.metadata.truncation);
    assert_eq!(r.answers.len(), 40);
}

#[test]
fn edns_is_echoed_with_our_payload() {
    let snap = example();
    let r = ask(
        &snap,
        &query("www.example.com.", RecordType::A, Some(1232)),
        Transport::Udp,
    );
    let edns = r.edns.expect("OPT echoed");
    assert_eq!(edns.max_payload(), 4096);
    let r = ask(
        &snap,
        &query("www.example.com.", RecordType::A, None),
        Transport::Udp,
    );
    assert!(r.edns.is_none());
}

#[test]
fn unknown_opcode_is_notimp() {
    let snap = example();
    let mut msg = Message::new(7, hickory_proto::op::MessageType::Query, OpCode::Status);
    msg.add_query(Query::query(
        Name::from_str("www.example.com.").unwrap(),
        RecordType::A,
    ));
    let r = ask(&snap, &msg.to_vec().unwrap(), Transport::Udp);
    assert_eq!(r.metadata.response_code, ResponseCode::NotImp);
}

#[test]
fn malformed_query_is_formerr_and_responses_are_dropped() {
    let snap = example();
    let mut bytes = query("www.example.com.", RecordType::A, None);
    bytes[5] = 2; // QDCOUNT 2 with one question
    let r = ask(&snap, &bytes, Transport::Udp);
    assert_eq!(r.metadata.response_code, ResponseCode::FormErr);
    assert_eq!(r.metadata.id, 0x1234);
    let mut response = query("www.example.com.", RecordType::A, None);
    response[2] |= 0x80;
    let mut out = Vec::new();
    assert!(respond(&snap, &response, Transport::Udp, &mut out).is_none());
    assert!(respond(&snap, &[0, 1, 2], Transport::Udp, &mut out).is_none());
}

#[test]
fn edns_version_above_zero_is_badvers() {
    let snap = example();
    let bytes = common::query("www.example.com.", 1, Some((1232, 1)));
    let mut out = Vec::new();
    let response = respond(&snap, &bytes, Transport::Udp, &mut out)
        .unwrap()
        .to_vec();
    // Extended rcode 1 in the OPT TTL + header rcode 0 = BADVERS (16).
    assert_eq!(response[3] & 0x0f, 0);
    let opt_ttl_hi = response[response.len() - 6];
    assert_eq!(opt_ttl_hi, 1);
}

//------------ aliases and routing policies ------------------------------------------

/// TestDNSAnswer looks a name up only in the zone it lies in, label by label: a name whose
/// last bytes spell the zone's apex inside one of its labels (`a\007example.com`, one label
/// `a<7>example` then `com`) is not below `example.com`, so even a wildcard there does not
/// answer it.
#[test]
fn test_answer_refuses_a_name_that_only_ends_with_the_apex_bytes() {
    let contents = zone(
        "ZT",
        "example.com",
        vec![
            set(
                "example.com",
                RrType::Soa,
                3600,
                &["ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"],
            ),
            set("*.example.com", RrType::A, 60, &["192.0.2.7"]),
        ],
    );
    let snapshot = snapshot_of(&contents, "us-east-1");
    let id = contents.zone.id.clone();
    let ask = |name: &str| {
        let name = DomainName::from_route53(name).unwrap();
        cairn_dns::respond::test_answer(&snapshot, &id, &name, RrType::A, None, None).unwrap()
    };
    let inside = DomainName::from_route53("a\\007example.com").unwrap();
    assert!(inside.wire().ends_with(contents.zone.name.wire()));
    assert_eq!(ask("a\\007example.com"), ("REFUSED", vec![]));
    assert_eq!(
        ask("a.example.com"),
        ("NOERROR", vec!["192.0.2.7".to_string()])
    );
}

/// A DS query for a child zone's apex is the parent's to answer (RFC 4035 §3.1.4.1): when
/// Cairn serves both, the parent's DS comes back (authoritative), not the child's NODATA, so
/// a validator walking down finds the DS the parent holds. Other types at the apex stay the
/// child's.
#[test]
fn ds_at_a_child_apex_is_answered_by_the_parent_zone() {
    let soa = |apex: &str| format!("ns1.{apex}. hostmaster.{apex}. 1 7200 900 1209600 300");
    let ds = "12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
    let parent = zone(
        "ZPARENT",
        "example.com",
        vec![
            set("example.com", RrType::Soa, 3600, &[&soa("example.com")]),
            set("example.com", RrType::Ns, 172800, &["ns1.example.com."]),
            set(
                "child.example.com",
                RrType::Ns,
                3600,
                &["ns1.child.example.com."],
            ),
            set("child.example.com", RrType::Ds, 3600, &[ds]),
        ],
    );
    let child = zone(
        "ZCHILD",
        "child.example.com",
        vec![
            set(
                "child.example.com",
                RrType::Soa,
                3600,
                &[&soa("child.example.com")],
            ),
            set(
                "child.example.com",
                RrType::Ns,
                172800,
                &["ns1.child.example.com."],
            ),
        ],
    );
    let compiled = |c: &cairn_store::ZoneContents| {
        (
            c.zone.id.clone(),
            Some(std::sync::Arc::new(cairn_dns::compile::compile_zone(c))),
        )
    };
    let snapshot = Snapshot::for_region("us-east-1").with_changes(
        cairn_model::ChangeSeq(1),
        [compiled(&parent), compiled(&child)],
    );

    let got = ask(
        &snapshot,
        &query("Child.Example.com", RecordType::DS, None),
        Transport::Udp,
    );
    assert_eq!(got.metadata.response_code, ResponseCode::NoError);
    assert!(got.metadata.authoritative);
    // hickory-proto, built without its DNSSEC types, prints the DS RDATA as base64:
    // 12345 (0x3039), algorithm 13, digest type 2, then the digest.
    assert_eq!(
        lines(&got.answers),
        ["Child.Example.com. 3600 IN DS MDkNAgEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83v"]
    );

    let got = ask(
        &snapshot,
        &query("child.example.com", RecordType::SOA, None),
        Transport::Udp,
    );
    let [soa_rr] = &got.answers[..] else {
        panic!("one SOA: {got:?}")
    };
    assert_eq!(soa_rr.name.to_ascii(), "child.example.com.");
    assert!(lines(&got.answers)[0].contains("hostmaster.child.example.com."));
}

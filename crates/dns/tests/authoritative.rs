//! The authoritative answers users see, one behaviour per test, through the same entry point
//! the listeners use (`respond`), decoded with hickory-proto as an independent client.
#![allow(clippy::unwrap_used)]

mod common;

use std::str::FromStr;

use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::{DomainName, ResourceRecordSet, RrType};
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

fn query(name: &str, rtype: RecordType, edns: Option<u16>) -> Vec<u8> {
    common::query(name, u16::from(rtype), edns.map(|p| (p, 0)))
}

fn ask(snapshot: &Snapshot, bytes: &[u8], transport: Transport) -> Message {
    let mut out = Vec::new();
    let response = respond(snapshot, bytes, transport, &mut out).expect("answered");
    Message::from_vec(response).expect("a well-formed response")
}

fn lines(records: &[hickory_proto::rr::Record]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
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

fn routed(name: &str, id: &str, values: &[&str]) -> ResourceRecordSet {
    let mut s = set(name, RrType::A, 60, values);
    s.set_identifier = Some(id.to_string());
    s
}

fn alias(name: &str, rtype: RrType, target: &str, zone: &str) -> ResourceRecordSet {
    ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(cairn_model::AliasTarget {
            hosted_zone_id: zone.to_string(),
            dns_name: DomainName::from_route53(target).unwrap(),
            evaluate_target_health: false,
        }),
        ..set(name, rtype, 0, &[])
    }
}

fn routing_zone(region: &str) -> Snapshot {
    let mut sets = vec![
        set(
            "example.net",
            RrType::Soa,
            900,
            &["ns1.example.net. h.example.net. 1 7200 900 1209600 60"],
        ),
        set("example.net", RrType::Ns, 172800, &["ns1.example.net."]),
        set(
            "lb.example.net",
            RrType::A,
            30,
            &["198.51.100.1", "198.51.100.2"],
        ),
        set("lb.example.net", RrType::Aaaa, 30, &["2001:db8::10"]),
        alias(
            "example.net",
            RrType::A,
            "lb.example.net",
            "/hostedzone/Z11",
        ),
        alias("example.net", RrType::Aaaa, "lb.example.net", "Z11"),
        alias("*.pages.example.net", RrType::A, "lb.example.net", "Z11"),
    ];
    let mut heavy = routed("w.example.net", "heavy", &["192.0.2.1"]);
    heavy.weight = Some(3);
    let mut light = routed("w.example.net", "light", &["192.0.2.2"]);
    light.weight = Some(1);
    let mut never = routed("w.example.net", "never", &["192.0.2.3"]);
    never.weight = Some(0);
    sets.extend([heavy, light, never]);
    let mut zero_a = routed("z.example.net", "a", &["192.0.2.4"]);
    zero_a.weight = Some(0);
    let mut zero_b = routed("z.example.net", "b", &["192.0.2.5"]);
    zero_b.weight = Some(0);
    sets.extend([zero_a, zero_b]);
    let mut primary = routed("f.example.net", "p", &["192.0.2.10"]);
    primary.failover = Some("PRIMARY".into());
    let mut secondary = routed("f.example.net", "s", &["192.0.2.11"]);
    secondary.failover = Some("SECONDARY".into());
    sets.extend([primary, secondary]);
    for (id, r, ip) in [
        ("use1", "us-east-1", "192.0.2.21"),
        ("euw1", "eu-west-1", "192.0.2.22"),
        ("apse2", "ap-southeast-2", "192.0.2.23"),
    ] {
        let mut s = routed("lat.example.net", id, &[ip]);
        s.region = Some(r.into());
        sets.push(s);
    }
    for i in 0..10 {
        let mut s = routed(
            "mv.example.net",
            &format!("m{i}"),
            &[&format!("192.0.2.{}", 100 + i)],
        );
        s.multi_value_answer = Some(true);
        sets.push(s);
    }
    let mut geo_default = routed("geo.example.net", "default", &["192.0.2.50"]);
    geo_default.geo_location = Some(cairn_model::rrset::GeoLocation {
        continent_code: None,
        country_code: Some("*".into()),
        subdivision_code: None,
    });
    let mut geo_fr = routed("geo.example.net", "fr", &["192.0.2.51"]);
    geo_fr.geo_location = Some(cairn_model::rrset::GeoLocation {
        continent_code: None,
        country_code: Some("FR".into()),
        subdivision_code: None,
    });
    sets.extend([geo_default, geo_fr]);
    snapshot_of(&zone("Z11", "example.net", sets), region)
}

#[test]
fn alias_at_the_apex_answers_with_the_targets_records_and_ttl() {
    let snap = routing_zone("us-east-1");
    let r = ask(
        &snap,
        &query("example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.metadata.authoritative);
    assert_eq!(
        lines(&r.answers),
        [
            "example.net. 30 IN A 198.51.100.1",
            "example.net. 30 IN A 198.51.100.2"
        ]
    );
    let r = ask(
        &snap,
        &query("example.net.", RecordType::AAAA, None),
        Transport::Udp,
    );
    assert_eq!(lines(&r.answers), ["example.net. 30 IN AAAA 2001:db8::10"]);
    // An alias answers only its own type: no CNAME appears, other types are NODATA.
    let r = ask(
        &snap,
        &query("example.net.", RecordType::MX, None),
        Transport::Udp,
    );
    assert!(r.answers.is_empty());
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
}

#[test]
fn wildcard_alias_answers_under_the_query_name() {
    let snap = routing_zone("us-east-1");
    let r = ask(
        &snap,
        &query("blog.pages.example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(
        lines(&r.answers),
        [
            "blog.pages.example.net. 30 IN A 198.51.100.1",
            "blog.pages.example.net. 30 IN A 198.51.100.2"
        ]
    );
}

fn first_a(snap: &Snapshot, name: &str) -> String {
    let r = ask(snap, &query(name, RecordType::A, None), Transport::Udp);
    assert_eq!(r.answers.len(), 1, "{name}: one record");
    r.answers[0].data.to_string()
}

#[test]
fn weighted_shares_follow_the_weights_and_weight_zero_is_never_chosen() {
    let snap = routing_zone("us-east-1");
    let mut heavy = 0;
    let n = 4000;
    for _ in 0..n {
        match first_a(&snap, "w.example.net.").as_str() {
            "192.0.2.1" => heavy += 1,
            "192.0.2.2" => {}
            other => panic!("weight 0 record {other} was chosen"),
        }
    }
    // Expected 3000 of 4000; a 4-sigma band (sigma ≈ 27) cannot fail by chance in practice.
    assert!(
        (2890..=3110).contains(&heavy),
        "heavy chosen {heavy} times of {n}"
    );
}

#[test]
fn all_weights_zero_are_chosen_uniformly() {
    let snap = routing_zone("us-east-1");
    let a = (0..2000)
        .filter(|_| first_a(&snap, "z.example.net.") == "192.0.2.4")
        .count();
    assert!((900..=1100).contains(&a), "{a} of 2000");
}

#[test]
fn failover_answers_primary_while_it_is_healthy() {
    let snap = routing_zone("us-east-1");
    for _ in 0..50 {
        assert_eq!(first_a(&snap, "f.example.net."), "192.0.2.10");
    }
}

#[test]
fn latency_routing_answers_the_region_nearest_the_node() {
    assert_eq!(
        first_a(&routing_zone("us-east-2"), "lat.example.net."),
        "192.0.2.21"
    );
    assert_eq!(
        first_a(&routing_zone("eu-central-1"), "lat.example.net."),
        "192.0.2.22"
    );
    assert_eq!(
        first_a(&routing_zone("ap-southeast-4"), "lat.example.net."),
        "192.0.2.23"
    );
}

#[test]
fn multivalue_answers_at_most_eight() {
    let snap = routing_zone("us-east-1");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let r = ask(
            &snap,
            &query("mv.example.net.", RecordType::A, None),
            Transport::Udp,
        );
        assert_eq!(r.answers.len(), 8);
        seen.extend(r.answers.iter().map(|a| a.data.to_string()));
    }
    assert_eq!(seen.len(), 10, "every record is served to someone");
}

#[test]
fn geolocation_without_a_known_location_answers_the_default() {
    let snap = routing_zone("us-east-1");
    assert_eq!(first_a(&snap, "geo.example.net."), "192.0.2.50");
}

//------------ health ------------------------------------------------------------------

fn health_zone(down: &[&str]) -> Snapshot {
    let mut sets = vec![
        set(
            "example.org",
            RrType::Soa,
            900,
            &["ns1.example.org. h.example.org. 1 7200 900 1209600 60"],
        ),
        set("example.org", RrType::Ns, 172800, &["ns1.example.org."]),
    ];
    let with_check = |mut s: ResourceRecordSet, check: &str| {
        s.health_check_id = Some(check.to_string());
        s
    };
    let mut p = with_check(routed("f.example.org", "p", &["192.0.2.10"]), "hc-primary");
    p.failover = Some("PRIMARY".into());
    let mut sec = with_check(
        routed("f.example.org", "s", &["192.0.2.11"]),
        "hc-secondary",
    );
    sec.failover = Some("SECONDARY".into());
    sets.extend([p, sec]);
    for (id, w, ip, check) in [("a", 9, "192.0.2.1", "hc-a"), ("b", 1, "192.0.2.2", "hc-b")] {
        let mut s = with_check(routed("w.example.org", id, &[ip]), check);
        s.weight = Some(w);
        sets.push(s);
    }
    for i in 0..4 {
        let mut s = with_check(
            routed(
                "mv.example.org",
                &format!("m{i}"),
                &[&format!("192.0.2.{}", 100 + i)],
            ),
            &format!("hc-m{i}"),
        );
        s.multi_value_answer = Some(true);
        sets.push(s);
    }
    // Latency aliases to per-region weighted groups: a region whose whole group is down is
    // backed out of when the alias evaluates target health.
    for (region, ip) in [("us-east-1", "198.51.100.1"), ("eu-west-1", "198.51.100.2")] {
        let mut s = with_check(
            routed(&format!("{region}.pool.example.org"), "only", &[ip]),
            &format!("hc-{region}"),
        );
        s.weight = Some(1);
        sets.push(s);
        let mut a = alias(
            "app.example.org",
            RrType::A,
            &format!("{region}.pool.example.org"),
            "Z12",
        );
        a.set_identifier = Some(region.into());
        a.region = Some(region.into());
        a.alias_target.as_mut().unwrap().evaluate_target_health = true;
        sets.push(a);
    }
    let health = down.iter().map(|id| (id.to_string(), false)).collect();
    snapshot_of(&zone("Z12", "example.org", sets), "us-east-1")
        .with_health(cairn_model::ChangeSeq(2), health)
}

#[test]
fn failover_moves_to_secondary_and_back_to_primary_when_both_fail() {
    assert_eq!(first_a(&health_zone(&[]), "f.example.org."), "192.0.2.10");
    assert_eq!(
        first_a(&health_zone(&["hc-primary"]), "f.example.org."),
        "192.0.2.11"
    );
    assert_eq!(
        first_a(
            &health_zone(&["hc-primary", "hc-secondary"]),
            "f.example.org."
        ),
        "192.0.2.10"
    );
}

#[test]
fn weighted_skips_unhealthy_records_unless_all_are_unhealthy() {
    let snap = health_zone(&["hc-a"]);
    for _ in 0..200 {
        assert_eq!(first_a(&snap, "w.example.org."), "192.0.2.2");
    }
    let snap = health_zone(&["hc-a", "hc-b"]);
    let a = (0..2000)
        .filter(|_| first_a(&snap, "w.example.org.") == "192.0.2.1")
        .count();
    assert!(
        (1700..=1900).contains(&a),
        "all unhealthy: weights apply again ({a} of 2000)"
    );
}

#[test]
fn multivalue_never_returns_a_failing_record_while_a_healthy_one_exists() {
    let snap = health_zone(&["hc-m0", "hc-m2"]);
    for _ in 0..100 {
        let r = ask(
            &snap,
            &query("mv.example.org.", RecordType::A, None),
            Transport::Udp,
        );
        let mut got: Vec<String> = r.answers.iter().map(|a| a.data.to_string()).collect();
        got.sort();
        assert_eq!(got, ["192.0.2.101", "192.0.2.103"]);
    }
    let r = ask(
        &health_zone(&["hc-m0", "hc-m1", "hc-m2", "hc-m3"]),
        &query("mv.example.org.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.answers.len(), 4, "all unhealthy: all are answered");
}

#[test]
fn latency_alias_backs_out_of_a_region_whose_targets_are_all_unhealthy() {
    assert_eq!(
        first_a(&health_zone(&[]), "app.example.org."),
        "198.51.100.1"
    );
    assert_eq!(
        first_a(&health_zone(&["hc-us-east-1"]), "app.example.org."),
        "198.51.100.2"
    );
}

#[test]
fn an_alias_can_target_a_name_in_another_hosted_zone() {
    use cairn_dns::compile::compile_zone;
    use std::sync::Arc;
    let mut alias_set = alias(
        "www.example.net",
        RrType::A,
        "lb.other.test",
        "/hostedzone/Z22",
    );
    alias_set
        .alias_target
        .as_mut()
        .unwrap()
        .evaluate_target_health = true;
    let first = zone(
        "Z21",
        "example.net",
        vec![
            set(
                "example.net",
                RrType::Soa,
                900,
                &["ns1.example.net. h.example.net. 1 7200 900 1209600 60"],
            ),
            set("example.net", RrType::Ns, 172800, &["ns1.example.net."]),
            alias_set,
        ],
    );
    let second = zone(
        "Z22",
        "other.test",
        vec![
            set(
                "other.test",
                RrType::Soa,
                900,
                &["ns1.other.test. h.other.test. 1 7200 900 1209600 60"],
            ),
            set("other.test", RrType::Ns, 172800, &["ns1.other.test."]),
            set("lb.other.test", RrType::A, 20, &["203.0.113.7"]),
        ],
    );
    let snap = Snapshot::empty().with_changes(
        cairn_model::ChangeSeq(1),
        [
            (first.zone.id.clone(), Some(Arc::new(compile_zone(&first)))),
            (
                second.zone.id.clone(),
                Some(Arc::new(compile_zone(&second))),
            ),
        ],
    );
    let r = ask(
        &snap,
        &query("www.example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert!(r.metadata.authoritative);
    assert_eq!(lines(&r.answers), ["www.example.net. 20 IN A 203.0.113.7"]);
}

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

//! Geolocation routing through the listeners' entry point (`respond_from`): the client is the
//! ECS subnet or the source address, located with the test MaxMind DB
//! (tests/fixtures/geoip/test-city.mmdb, written by make_test_city.py next to it), and the
//! answer echoes ECS with the scope it is valid for. Replies are decoded with hickory-proto.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::IpAddr;
use std::path::Path;

use cairn_dns::geoip::GeoIp;
use cairn_dns::respond::{respond_from, Origin, Transport};
use cairn_dns::Snapshot;
use cairn_model::rrset::{GeoLocation, Routing, RoutingPolicy};
use cairn_model::{ResourceRecordSet, RrType};
use common::{set, snapshot_of, zone};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::opt::{EdnsCode, EdnsOption};
use hickory_proto::rr::RData;

fn geoip() -> GeoIp {
    GeoIp::open(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/geoip/test-city.mmdb"
    )))
    .unwrap()
}

fn geo(
    name: &str,
    id: &str,
    ip: &str,
    continent: Option<&str>,
    country: Option<&str>,
    sub: Option<&str>,
) -> ResourceRecordSet {
    let mut s = set(name, RrType::A, 60, &[ip]);
    s.routing = Some(Routing {
        set_identifier: id.into(),
        policy: RoutingPolicy::Geolocation(GeoLocation {
            continent_code: continent.map(Into::into),
            country_code: country.map(Into::into),
            subdivision_code: sub.map(Into::into),
        }),
    });
    s
}

/// `www.geo.example`: `*`, EU, US and US-CA; `nodefault.geo.example`: only GB;
/// `plain.geo.example`: a simple A record.
fn snapshot() -> Snapshot {
    let www = "www.geo.example";
    let sets = vec![
        set(
            "geo.example",
            RrType::Soa,
            900,
            &["ns1.geo.example. hostmaster.geo.example. 1 7200 900 1209600 300"],
        ),
        set("geo.example", RrType::Ns, 172800, &["ns1.geo.example."]),
        set("ns1.geo.example", RrType::A, 3600, &["192.0.2.53"]),
        geo(www, "default", "10.0.0.1", None, Some("*"), None),
        geo(www, "europe", "10.0.0.2", Some("EU"), None, None),
        geo(www, "us", "10.0.0.3", None, Some("US"), None),
        geo(www, "california", "10.0.0.4", None, Some("US"), Some("CA")),
        geo(
            "nodefault.geo.example",
            "gb",
            "10.0.1.1",
            None,
            Some("GB"),
            None,
        ),
        set("plain.geo.example", RrType::A, 60, &["10.0.2.1"]),
    ];
    snapshot_of(&zone("ZGEO", "geo.example", sets), "us-east-1")
}

/// A query for `name` A with EDNS and, when given, an ECS option with raw `ecs` data
/// (family, source prefix, scope prefix, address bytes).
fn query(name: &str, ecs: Option<&[u8]>) -> Vec<u8> {
    let mut b = common::query(name, 1, Some((1232, 0)));
    if let Some(data) = ecs {
        let rdlen = b.len() - 2;
        let len = (4 + data.len()) as u16;
        b[rdlen..].copy_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&8u16.to_be_bytes());
        b.extend_from_slice(&(data.len() as u16).to_be_bytes());
        b.extend_from_slice(data);
    }
    b
}

fn ask(snap: &Snapshot, msg: &[u8], source: Option<&str>, geoip: Option<&GeoIp>) -> Message {
    let mut out = Vec::new();
    let origin = Origin {
        source: source.map(|s| s.parse::<IpAddr>().unwrap()),
        geoip,
    };
    let reply = respond_from(snap, msg, Transport::Udp, origin, &mut out).expect("answered");
    Message::from_vec(reply).expect("a well-formed response")
}

fn addresses(m: &Message) -> Vec<String> {
    m.answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0.to_string()),
            _ => None,
        })
        .collect()
}

/// The echoed ECS option: (address, source prefix, scope prefix).
fn echoed(m: &Message) -> Option<(String, u8, u8)> {
    match m.edns.as_ref()?.options().get(EdnsCode::Subnet)? {
        EdnsOption::Subnet(cs) => {
            Some((cs.addr().to_string(), cs.source_prefix(), cs.scope_prefix()))
        }
        _ => None,
    }
}

#[test]
fn ecs_subnets_get_their_region_and_the_source_prefix_as_scope() {
    let (snap, db) = (snapshot(), geoip());
    for (ecs, want) in [
        (&[0, 1, 24, 0, 198, 51, 100][..], "10.0.0.4"), // US-CA
        (&[0, 1, 24, 0, 203, 0, 113][..], "10.0.0.3"),  // US-TX → US
        (&[0, 1, 25, 0, 192, 0, 2, 0][..], "10.0.0.2"), // DE → EU
        (&[0, 1, 24, 0, 100, 64, 1][..], "10.0.0.1"),   // JP → *
        (&[0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1][..], "10.0.0.2"), // GB → EU
    ] {
        let reply = ask(
            &snap,
            &query("www.geo.example.", Some(ecs)),
            Some("127.0.0.1"),
            Some(&db),
        );
        assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
        assert_eq!(addresses(&reply), [want], "ECS {ecs:?}");
        let (_, source, scope) = echoed(&reply).expect("ECS echoed");
        assert_eq!((source, scope), (ecs[2], ecs[2]), "ECS {ecs:?}");
    }
}

#[test]
fn the_echo_repeats_family_source_and_address() {
    let (snap, db) = (snapshot(), geoip());
    let reply = ask(
        &snap,
        &query("www.geo.example.", Some(&[0, 1, 22, 0, 198, 51, 100])),
        None,
        Some(&db),
    );
    assert_eq!(echoed(&reply), Some(("198.51.100.0".into(), 22, 22)));
    assert_eq!(addresses(&reply), ["10.0.0.4"]);
}

#[test]
fn without_ecs_the_source_address_locates_the_client_and_nothing_is_echoed() {
    let (snap, db) = (snapshot(), geoip());
    let q = query("www.geo.example.", None);
    let reply = ask(&snap, &q, Some("198.51.100.9"), Some(&db));
    assert_eq!(addresses(&reply), ["10.0.0.4"]);
    assert_eq!(
        echoed(&reply),
        None,
        "no ECS in the query, none in the answer (RFC 7871 §7.2.2)"
    );
    assert_eq!(
        addresses(&ask(&snap, &q, Some("127.0.0.1"), Some(&db))),
        ["10.0.0.1"]
    );
    assert_eq!(
        addresses(&ask(&snap, &q, Some("::1"), Some(&db))),
        ["10.0.0.1"]
    );
}

#[test]
fn ecs_wins_over_the_source_address_and_zero_prefix_falls_back_to_it() {
    let (snap, db) = (snapshot(), geoip());
    let europe = query("www.geo.example.", Some(&[0, 1, 24, 0, 192, 0, 2]));
    assert_eq!(
        addresses(&ask(&snap, &europe, Some("198.51.100.9"), Some(&db))),
        ["10.0.0.2"]
    );
    // /0 reveals nothing: the source (a Californian resolver) counts; the scope is 0.
    let hidden = query("www.geo.example.", Some(&[0, 1, 0, 0]));
    let reply = ask(&snap, &hidden, Some("198.51.100.9"), Some(&db));
    assert_eq!(addresses(&reply), ["10.0.0.4"]);
    assert_eq!(echoed(&reply), Some(("0.0.0.0".into(), 0, 0)));
}

#[test]
fn answers_that_do_not_depend_on_the_client_have_scope_zero() {
    let (snap, db) = (snapshot(), geoip());
    let ecs = &[0, 1, 24, 0, 198, 51, 100][..];
    let plain = ask(
        &snap,
        &query("plain.geo.example.", Some(ecs)),
        None,
        Some(&db),
    );
    assert_eq!(addresses(&plain), ["10.0.2.1"]);
    assert_eq!(echoed(&plain), Some(("198.51.100.0".into(), 24, 0)));
    // Without a database nothing is located: the default answers, valid for everyone.
    let no_db = ask(&snap, &query("www.geo.example.", Some(ecs)), None, None);
    assert_eq!(addresses(&no_db), ["10.0.0.1"]);
    assert_eq!(echoed(&no_db).map(|e| e.2), Some(0));
    // NXDOMAIN and REFUSED echo with scope 0 too.
    let missing = ask(
        &snap,
        &query("missing.geo.example.", Some(ecs)),
        None,
        Some(&db),
    );
    assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(echoed(&missing).map(|e| e.2), Some(0));
    let refused = ask(&snap, &query("elsewhere.test.", Some(ecs)), None, Some(&db));
    assert_eq!(refused.metadata.response_code, ResponseCode::Refused);
    assert_eq!(echoed(&refused).map(|e| e.2), Some(0));
}

#[test]
fn no_match_and_no_default_is_nodata_with_scope_zero() {
    let (snap, db) = (snapshot(), geoip());
    let reply = ask(
        &snap,
        &query("nodefault.geo.example.", Some(&[0, 1, 24, 0, 198, 51, 100])),
        None,
        Some(&db),
    );
    assert_eq!(reply.metadata.response_code, ResponseCode::NoError);
    assert!(reply.answers.is_empty());
    assert_eq!(reply.authorities.len(), 1, "the SOA");
    assert_eq!(
        echoed(&reply).map(|e| e.2),
        Some(0),
        "negative answers are scoped /0 (RFC 7871 §7.4)"
    );
    let gb = ask(
        &snap,
        &query(
            "nodefault.geo.example.",
            Some(&[0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1]),
        ),
        None,
        Some(&db),
    );
    assert_eq!(addresses(&gb), ["10.0.1.1"]);
    assert_eq!(echoed(&gb).map(|e| e.2), Some(48));
}

#[test]
fn malformed_ecs_is_formerr() {
    let (snap, db) = (snapshot(), geoip());
    for ecs in [
        &[0, 1, 24, 0, 198, 51, 100, 0][..], // too many address bytes
        &[0, 1, 24, 0, 198, 51][..],         // too few
        &[0, 1, 33, 0, 1, 2, 3, 4, 5][..],   // longer than IPv4
        &[0, 1, 23, 0, 198, 51, 101][..],    // a bit set beyond the prefix
        &[0, 7, 8, 0, 1][..],                // unknown family
    ] {
        let reply = ask(
            &snap,
            &query("www.geo.example.", Some(ecs)),
            None,
            Some(&db),
        );
        assert_eq!(
            reply.metadata.response_code,
            ResponseCode::FormErr,
            "ECS {ecs:?}"
        );
        assert!(reply.answers.is_empty());
    }
}

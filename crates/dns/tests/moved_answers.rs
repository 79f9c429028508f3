//! Answers written once when the zone compiles and moved under the name asked: the zone's
//! negative answer (NXDOMAIN, NODATA) and a wildcard's answer. They must be what the plan
//! writes, byte for byte, under names of every length and case, and must not be used where
//! the plan would compress differently.
#![allow(clippy::unwrap_used)]

mod common;

use cairn_dns::compile::compile_zone;
use cairn_dns::respond::{respond_from, respond_from_plan, Origin, Transport};
use cairn_model::RrType;
use cairn_wire::{rtype, NameKey};
use common::{query, set, snapshot_of, zone};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::RecordType;
use hickory_proto::serialize::binary::BinDecodable;

fn contents() -> cairn_store::ZoneContents {
    zone(
        "ZMOVED",
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
                &["ns1.example.com.", "ns2.example.net."],
            ),
            set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
            set("www.example.com", RrType::A, 300, &["192.0.2.1"]),
            set("*.wild.example.com", RrType::A, 120, &["192.0.2.7"]),
            set("*.wild.example.com", RrType::Txt, 120, &["\"wild\""]),
            set(
                "*.ptr.example.com",
                RrType::Ptr,
                120,
                &["deep.x.ptr.example.com."],
            ),
        ],
    )
}

fn key(name: &str) -> NameKey {
    NameKey::from_text(name).unwrap()
}

#[test]
fn the_zone_and_its_wildcards_carry_movable_answers() {
    let compiled = compile_zone(&contents());
    let apex_len = compiled.apex.len();
    let negative = compiled
        .negative_answer
        .as_ref()
        .expect("a negative answer");
    assert!(negative
        .under(&key("nothing.example.com."), apex_len)
        .is_some());
    assert!(negative.under(&key("example.com."), apex_len).is_some());
    // The SOA names hostmaster.example.com: under that name the plan points into the
    // question, which the template could not.
    assert!(negative
        .under(&key("hostmaster.example.com."), apex_len)
        .is_none());
    assert!(negative
        .under(&key("a.hostmaster.example.com."), apex_len)
        .is_some());
    let wild = compiled.nodes.get(&key("*.wild.example.com.")[..]).unwrap();
    let types: Vec<u16> = wild
        .synthesized
        .as_deref()
        .unwrap()
        .iter()
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(types, [rtype::A, rtype::TXT]);
    // Plain names carry none.
    let www = compiled.nodes.get(&key("www.example.com.")[..]).unwrap();
    assert!(www.synthesized.is_none());
}

#[test]
fn moved_answers_equal_the_plan_under_every_name() {
    let snap = snapshot_of(&contents(), "us-east-1");
    let names = [
        "nothing.example.com",
        "N.EXAMPLE.COM",
        "a.very.long.chain.of.labels.below.the.apex.example.com",
        "example.com",
        "hostmaster.example.com",
        "www.example.com",
        "x.wild.example.com",
        "Some-Much-Longer-Label.Wild.Example.Com",
        "a.b.c.wild.example.com",
        "deep.x.ptr.example.com",
        "x.ptr.example.com",
        "y.ptr.example.com",
    ];
    let types = [rtype::A, rtype::AAAA, rtype::TXT, rtype::MX, rtype::PTR];
    let mut fast = Vec::new();
    let mut plan = Vec::new();
    for name in names {
        for qtype in types {
            for opt in [None, Some((1232, 0))] {
                for transport in [Transport::Udp, Transport::Tcp] {
                    let msg = query(name, qtype, opt);
                    let a = respond_from(&snap, &msg, transport, Origin::default(), &mut fast)
                        .unwrap()
                        .to_vec();
                    let b = respond_from_plan(&snap, &msg, transport, Origin::default(), &mut plan)
                        .unwrap()
                        .to_vec();
                    assert_eq!(a, b, "{name} type {qtype}");
                }
            }
        }
    }
}

#[test]
fn moved_answers_read_as_the_name_asked() {
    let snap = snapshot_of(&contents(), "us-east-1");
    let mut out = Vec::new();
    let reply = |name: &str, qtype: u16, out: &mut Vec<u8>| {
        let msg = query(name, qtype, None);
        let bytes = respond_from(&snap, &msg, Transport::Udp, Origin::default(), out).unwrap();
        Message::from_bytes(bytes).unwrap()
    };

    let nx = reply("Gone.Below.Example.Com", rtype::A, &mut out);
    assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain);
    assert!(nx.metadata.authoritative);
    assert!(nx.answers.is_empty());
    let soa = &nx.authorities[0];
    assert_eq!(soa.record_type(), RecordType::SOA);
    assert_eq!(soa.name.to_ascii().to_lowercase(), "example.com.");
    assert_eq!(soa.ttl, 300, "the negative TTL, min(SOA TTL, MINIMUM)");
    let rdata = soa.data.to_string().to_lowercase();
    assert!(
        rdata.starts_with("ns1.example.com. hostmaster.example.com. 1 "),
        "{rdata}"
    );

    let nodata = reply("www.example.com", rtype::AAAA, &mut out);
    assert_eq!(nodata.metadata.response_code, ResponseCode::NoError);
    assert!(nodata.answers.is_empty());
    assert_eq!(nodata.authorities[0].record_type(), RecordType::SOA);

    for name in ["q.wild.example.com", "a-much-longer-name.wild.example.com"] {
        let wild = reply(name, rtype::A, &mut out);
        assert_eq!(wild.metadata.response_code, ResponseCode::NoError);
        assert!(wild.metadata.authoritative);
        assert_eq!(wild.answers.len(), 1);
        assert_eq!(wild.answers[0].name.to_ascii(), format!("{name}."));
        assert_eq!(wild.answers[0].data.to_string(), "192.0.2.7");
        let ns: Vec<String> = wild
            .authorities
            .iter()
            .map(|r| r.data.to_string())
            .collect();
        assert_eq!(ns, ["ns1.example.com.", "ns2.example.net."]);
        assert_eq!(wild.authorities[0].name.to_ascii(), "example.com.");
        assert_eq!(wild.additionals[0].name.to_ascii(), "ns1.example.com.");
    }
}

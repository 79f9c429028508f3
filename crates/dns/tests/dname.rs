//! DNAME redirection as a client sees it (RFC 6672 §3.2): the DNAME, the CNAME synthesised
//! from it, and the chase, through the listeners' entry point and decoded with hickory-proto.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use cairn_dns::compile::{compile_zone, patch_zone};
use cairn_dns::respond::{respond_from, respond_from_plan, Origin, Transport};
use cairn_dns::Snapshot;
use cairn_model::{ChangeSeq, DomainName, ResourceRecordSet, RrType};
use common::hickory::query;
use common::{set, snapshot_of, zone};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::binary::BinDecodable;

fn apex(name: &str) -> Vec<ResourceRecordSet> {
    vec![
        set(
            name,
            RrType::Soa,
            3600,
            &[&format!(
                "ns1.{name}. hostmaster.{name}. 1 7200 900 1209600 300"
            )],
        ),
        set(name, RrType::Ns, 172800, &[&format!("ns1.{name}.")]),
        set(&format!("ns1.{name}"), RrType::A, 3600, &["192.0.2.53"]),
    ]
}

fn example() -> Snapshot {
    let mut sets = apex("example.com");
    sets.extend([
        set("old.example.com", RrType::Dname, 600, &["new.example.com."]),
        // Occluded by the DNAME above it: never served (RFC 6672 §2.3).
        set("www.old.example.com", RrType::A, 60, &["192.0.2.66"]),
        set("www.new.example.com", RrType::A, 300, &["192.0.2.1"]),
        set(
            "mail.new.example.com",
            RrType::Cname,
            60,
            &["www.new.example.com."],
        ),
        set("away.example.com", RrType::Dname, 120, &["example.net."]),
        set("hop.example.com", RrType::Dname, 120, &["old.example.com."]),
        set(
            "link.example.com",
            RrType::Cname,
            60,
            &["www.old.example.com."],
        ),
        set(
            "long.example.com",
            RrType::Dname,
            120,
            &[&format!(
                "{}.example.com.",
                vec!["x".repeat(63); 3].join(".")
            )],
        ),
        set(
            "sub.example.com",
            RrType::Ns,
            3600,
            &["ns.sub.example.com."],
        ),
        set("ns.sub.example.com", RrType::A, 3600, &["192.0.2.54"]),
        set(
            "d.sub.example.com",
            RrType::Dname,
            60,
            &["new.example.com."],
        ),
        set("cut.example.com", RrType::Ns, 3600, &["ns1.example.com."]),
        set("cut.example.com", RrType::Dname, 60, &["new.example.com."]),
        set(
            "*.wild.example.com",
            RrType::Dname,
            60,
            &["new.example.com."],
        ),
    ]);
    snapshot_of(&zone("ZD", "example.com", sets), "us-east-1")
}

/// Asks through the listeners' path and through the plan alone; both must write the same.
/// With EDNS (1232 bytes): a long DNAME answer does not fit in 512.
fn ask(snap: &Snapshot, name: &str, rtype: RecordType) -> Message {
    let bytes = query(name, rtype, Some(1232));
    let (mut fast, mut plan) = (Vec::new(), Vec::new());
    let a = respond_from(snap, &bytes, Transport::Udp, Origin::default(), &mut fast).unwrap();
    let b = respond_from_plan(snap, &bytes, Transport::Udp, Origin::default(), &mut plan);
    assert_eq!(
        Some(a),
        b,
        "pre-encoded and planned answers differ for {name}"
    );
    Message::from_vec(a).unwrap()
}

/// Records as text, in the order sent.
fn rrs(records: &[hickory_proto::rr::Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| match &r.data {
            // hickory-proto reads DNAME RDATA as unknown bytes: one uncompressed name.
            RData::Unknown { code, rdata } if u16::from(*code) == 39 => {
                let target = Name::from_bytes(&rdata.anything).unwrap();
                format!("{} {} IN DNAME {}", r.name, r.ttl, target)
            }
            _ => r.to_string(),
        })
        .collect()
}

#[test]
fn a_name_below_a_dname_gets_the_dname_a_synthesised_cname_and_the_chase() {
    let r = ask(&example(), "www.old.example.com.", RecordType::A);
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.metadata.authoritative);
    assert_eq!(
        rrs(&r.answers),
        [
            "old.example.com. 600 IN DNAME new.example.com.",
            // Owner the name asked, TTL the DNAME's (RFC 6672 §3.1); the occluded A
            // record at www.old is not served.
            "www.old.example.com. 600 IN CNAME www.new.example.com.",
            "www.new.example.com. 300 IN A 192.0.2.1",
        ]
    );
    assert_eq!(
        rrs(&r.authorities),
        ["example.com. 172800 IN NS ns1.example.com."]
    );
}

#[test]
fn the_dname_owner_itself_answers_from_its_own_data() {
    let snap = example();
    let r = ask(&snap, "old.example.com.", RecordType::DNAME);
    assert_eq!(
        rrs(&r.answers),
        ["old.example.com. 600 IN DNAME new.example.com."]
    );
    let r = ask(&snap, "old.example.com.", RecordType::A);
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
}

#[test]
fn every_type_and_depth_below_the_owner_is_redirected() {
    let snap = example();
    // Two labels below, to a name that does not exist.
    let r = ask(&snap, "a.b.old.example.com.", RecordType::TXT);
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(
        rrs(&r.answers),
        [
            "old.example.com. 600 IN DNAME new.example.com.",
            "a.b.old.example.com. 600 IN CNAME a.b.new.example.com.",
        ]
    );
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
    // A CNAME in the target is followed too.
    let r = ask(&snap, "mail.old.example.com.", RecordType::A);
    assert_eq!(
        rrs(&r.answers),
        [
            "old.example.com. 600 IN DNAME new.example.com.",
            "mail.old.example.com. 600 IN CNAME mail.new.example.com.",
            "mail.new.example.com. 60 IN CNAME www.new.example.com.",
            "www.new.example.com. 300 IN A 192.0.2.1",
        ]
    );
}

#[test]
fn cname_asked_below_a_dname_is_answered_by_the_synthesised_cname_alone() {
    let r = ask(&example(), "www.old.example.com.", RecordType::CNAME);
    assert_eq!(
        rrs(&r.answers),
        [
            "old.example.com. 600 IN DNAME new.example.com.",
            "www.old.example.com. 600 IN CNAME www.new.example.com.",
        ]
    );
    // The target's address goes in additional, as for a CNAME the zone holds (with the
    // apex NS's, as on every positive answer).
    assert_eq!(
        rrs(&r.additionals),
        [
            "www.new.example.com. 300 IN A 192.0.2.1",
            "ns1.example.com. 3600 IN A 192.0.2.53",
        ]
    );
}

#[test]
fn a_target_outside_the_zone_ends_the_answer_for_the_resolver_to_follow() {
    let r = ask(&example(), "host.away.example.com.", RecordType::A);
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.metadata.authoritative);
    assert_eq!(
        rrs(&r.answers),
        [
            "away.example.com. 120 IN DNAME example.net.",
            "host.away.example.com. 120 IN CNAME host.example.net.",
        ]
    );
}

#[test]
fn chains_mix_dnames_and_cnames_in_the_zone() {
    let snap = example();
    // DNAME to a DNAME.
    let r = ask(&snap, "www.hop.example.com.", RecordType::A);
    assert_eq!(
        rrs(&r.answers),
        [
            "hop.example.com. 120 IN DNAME old.example.com.",
            "www.hop.example.com. 120 IN CNAME www.old.example.com.",
            "old.example.com. 600 IN DNAME new.example.com.",
            "www.old.example.com. 600 IN CNAME www.new.example.com.",
            "www.new.example.com. 300 IN A 192.0.2.1",
        ]
    );
    // A CNAME into a DNAME's subtree.
    let r = ask(&snap, "link.example.com.", RecordType::A);
    assert_eq!(
        rrs(&r.answers),
        [
            "link.example.com. 60 IN CNAME www.old.example.com.",
            "old.example.com. 600 IN DNAME new.example.com.",
            "www.old.example.com. 600 IN CNAME www.new.example.com.",
            "www.new.example.com. 300 IN A 192.0.2.1",
        ]
    );
}

#[test]
fn a_name_too_long_after_substitution_is_yxdomain_with_the_dname() {
    let snap = example();
    // The target is 3 × 64 + 13 = 205 octets: a prefix of up to 50 octets fits.
    let fits = format!("{}.long.example.com.", "a".repeat(49));
    let r = ask(&snap, &fits, RecordType::A);
    // Substituted, to a name the zone does not hold.
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(r.answers.len(), 2);
    let too_long = format!("{}.long.example.com.", "a".repeat(50));
    let r = ask(&snap, &too_long, RecordType::A);
    assert_eq!(r.metadata.response_code, ResponseCode::YXDomain);
    assert!(r.metadata.authoritative);
    assert_eq!(
        rrs(&r.answers),
        [format!(
            "long.example.com. 120 IN DNAME {}.example.com.",
            vec!["x".repeat(63); 3].join(".")
        )]
    );
    assert!(r.authorities.is_empty());
}

#[test]
fn a_zone_cut_above_or_at_a_dname_refers() {
    let snap = example();
    for name in ["x.d.sub.example.com.", "x.cut.example.com."] {
        let r = ask(&snap, name, RecordType::A);
        assert!(!r.metadata.authoritative, "{name}");
        assert!(r.answers.is_empty(), "{name}");
        assert_eq!(r.authorities[0].record_type(), RecordType::NS, "{name}");
    }
}

#[test]
fn a_wildcard_dname_is_data_at_the_names_it_synthesises_and_redirects_nothing() {
    let snap = example();
    let r = ask(&snap, "a.wild.example.com.", RecordType::DNAME);
    assert_eq!(
        rrs(&r.answers),
        ["a.wild.example.com. 60 IN DNAME new.example.com."]
    );
    let r = ask(&snap, "www.a.wild.example.com.", RecordType::A);
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
}

#[test]
fn an_apex_dname_redirects_the_whole_zone_but_the_apex() {
    let mut sets = apex("example.org");
    sets.push(set("example.org", RrType::Dname, 300, &["example.com."]));
    let snap = snapshot_of(&zone("ZO", "example.org", sets), "us-east-1");
    let r = ask(&snap, "www.example.org.", RecordType::A);
    assert_eq!(
        rrs(&r.answers),
        [
            "example.org. 300 IN DNAME example.com.",
            "www.example.org. 300 IN CNAME www.example.com.",
        ]
    );
    // The apex's own data, and the names below it, occluded, answer as the DNAME says.
    let r = ask(&snap, "example.org.", RecordType::SOA);
    assert_eq!(r.answers[0].record_type(), RecordType::SOA);
    let r = ask(&snap, "ns1.example.org.", RecordType::A);
    assert_eq!(r.answers[0].record_type(), RecordType::DNAME);
}

/// Adding a DNAME above names whose answers were pre-encoded replaces those answers, and
/// removing it brings them back; at the apex too.
#[test]
fn patches_that_add_or_remove_a_dname_change_the_answers_below_it() {
    let mut sets = apex("example.com");
    sets.push(set("www.old.example.com", RrType::A, 60, &["192.0.2.66"]));
    sets.push(set("www.example.com", RrType::A, 60, &["192.0.2.1"]));
    let contents = zone("ZP", "example.com", sets);
    let id = contents.zone.id.clone();
    let compiled = Arc::new(compile_zone(&contents));
    let snap_of = |z: &Arc<cairn_dns::zone::CompiledZone>, seq| {
        Snapshot::empty().with_changes(ChangeSeq(seq), [(id.clone(), Some(z.clone()))])
    };
    let first = |snap: &Snapshot, name| ask(snap, name, RecordType::A).answers[0].record_type();
    assert_eq!(
        first(&snap_of(&compiled, 1), "www.old.example.com."),
        RecordType::A
    );

    let old = [DomainName::from_route53("old.example.com").unwrap()];
    let dname = [set("old.example.com", RrType::Dname, 60, &["example.net."])];
    let added = Arc::new(patch_zone(&compiled, &contents.zone, &old, &dname));
    assert_eq!(
        first(&snap_of(&added, 2), "www.old.example.com."),
        RecordType::DNAME
    );
    let removed = Arc::new(patch_zone(&added, &contents.zone, &old, &[]));
    assert_eq!(
        first(&snap_of(&removed, 3), "www.old.example.com."),
        RecordType::A
    );

    let at_apex = [DomainName::from_route53("example.com").unwrap()];
    let mut apex_sets = apex("example.com");
    apex_sets.truncate(2);
    apex_sets.push(set("example.com", RrType::Dname, 60, &["example.net."]));
    let apex_dname = Arc::new(patch_zone(&removed, &contents.zone, &at_apex, &apex_sets));
    let snap = snap_of(&apex_dname, 4);
    assert_eq!(first(&snap, "www.example.com."), RecordType::DNAME);
    assert_eq!(first(&snap, "www.old.example.com."), RecordType::DNAME);
}

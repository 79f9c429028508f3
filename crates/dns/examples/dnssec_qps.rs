//! Signed against unsigned answers, queries per second on one core, in process (no
//! sockets): the answer path alone, which is where signing adds its cost.
//!
//!     cargo run --profile ci-test -p cairn-dns --example dnssec_qps [NAMES] [ROUNDS]
//!
//! One zone of NAMES A records (default 10,000) signed with fresh keys. Each round answers
//! a DO=0 and a DO=1 query for every name (both with EDNS, so only DO differs) through
//! `respond`, the listeners' entry point. The first DO=1 round signs every answer (cache
//! misses); the later ones are served from the signature cache, which is the figure issue
//! 18 sets a target for (at least 0.8× unsigned). Prints queries per second of each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use cairn_crypto::dnssec::{self, label_count, Dnskey, RrsigFields, FLAGS_KSK, FLAGS_ZSK};
use cairn_crypto::{MasterKey, P256Key};
use cairn_dns::compile::compile_zone_signed;
use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::dnssec::{zsk_seal_context, ZoneDnssec, ZoneSigningKey};
use cairn_model::{ChangeSeq, DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrType};
use cairn_store::ZoneContents;

fn set(name: &str, rtype: RrType, ttl: u32, value: &str) -> ResourceRecordSet {
    ResourceRecordSet::simple(
        DomainName::from_route53(name).unwrap(),
        rtype,
        ttl,
        vec![value.to_string()],
    )
}

fn contents(names: usize) -> ZoneContents {
    let mut sets = vec![
        set(
            "example.com",
            RrType::Soa,
            900,
            "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300",
        ),
        set("example.com", RrType::Ns, 172800, "ns1.example.com."),
        set("ns1.example.com", RrType::A, 3600, "192.0.2.53"),
    ];
    for i in 0..names {
        let value = format!("10.{}.{}.{}", i >> 16, (i >> 8) & 0xff, i & 0xff);
        sets.push(set(&format!("h{i}.example.com"), RrType::A, 300, &value));
    }
    ZoneContents {
        zone: HostedZone {
            id: HostedZoneId::new("ZBENCH"),
            name: DomainName::from_route53("example.com").unwrap(),
            caller_reference: "bench".into(),
            comment: None,
            has_config: false,
            private_zone: false,
            delegation_set_id: None,
            name_servers: vec![],
            created_at_ms: 0,
            record_set_count: sets.len() as u64,
        },
        record_sets: sets,
        dnssec: None,
    }
}

/// The control plane's part: the ZSK sealed, the DNSKEY RRset signed by a KSK.
fn sign(contents: &mut ZoneContents, master: &MasterKey) {
    let (ksk, zsk) = (P256Key::generate(), P256Key::generate());
    let ksk_key = Dnskey::p256(FLAGS_KSK, &ksk.public_key());
    let zsk_key = Dnskey::p256(FLAGS_ZSK, &zsk.public_key());
    let dnskeys = vec![ksk_key.rdata(), zsk_key.rdata()];
    let apex = contents.zone.name.wire();
    let fields = RrsigFields {
        type_covered: dnssec::rtype::DNSKEY,
        algorithm: dnssec::ALGORITHM_ECDSAP256SHA256,
        labels: label_count(apex),
        original_ttl: 3600,
        expiration: u32::MAX,
        inception: 0,
        key_tag: ksk_key.key_tag(),
        signer: apex.to_vec(),
    };
    let rdatas: Vec<&[u8]> = dnskeys.iter().map(Vec::as_slice).collect();
    let rrsig = fields.rdata(&ksk.sign_fixed(&dnssec::signed_data(&fields, apex, 1, &rdatas)));
    let context = zsk_seal_context(&contents.zone.id, zsk_key.key_tag());
    contents.dnssec = Some(ZoneDnssec {
        zsks: vec![ZoneSigningKey {
            key_tag: zsk_key.key_tag(),
            public_key: zsk_key.public_key.clone(),
            sealed_private_key: master.seal(&context, zsk.pkcs8()),
            active: true,
            published_at: 0,
            activated_at: 0,
            retired_at: 0,
        }],
        dnskeys,
        dnskey_ttl: 3600,
        dnskey_rrsigs: vec![rrsig],
    });
}

fn query(name: &str, dnssec_ok: bool) -> Vec<u8> {
    let mut b = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    for label in name.split('.') {
        b.push(label.len() as u8);
        b.extend_from_slice(label.as_bytes());
    }
    b.extend_from_slice(&[0, 0, 1, 0, 1]);
    b.extend_from_slice(&[
        0,
        0,
        41,
        0x04,
        0xd0,
        0,
        0,
        if dnssec_ok { 0x80 } else { 0 },
        0,
        0,
        0,
    ]);
    b
}

/// Answers every query once; queries per second.
fn round(snapshot: &Snapshot, queries: &[Vec<u8>], out: &mut Vec<u8>) -> f64 {
    let started = Instant::now();
    for q in queries {
        std::hint::black_box(respond(snapshot, q, Transport::Udp, out).expect("an answer"));
    }
    queries.len() as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let names: usize = args.next().map_or(10_000, |a| a.parse().expect("NAMES"));
    let rounds: usize = args.next().map_or(5, |a| a.parse().expect("ROUNDS"));
    let master = MasterKey::from_bytes(&[7; 32]);
    let mut zone = contents(names);
    sign(&mut zone, &master);
    let compiled = compile_zone_signed(&zone, Some(&master), None);
    assert!(compiled.signer.is_some());
    let snapshot = Snapshot::empty().with_changes(
        ChangeSeq(1),
        [(compiled.id.clone(), Some(Arc::new(compiled)))],
    );
    let names: Vec<String> = (0..names).map(|i| format!("h{i}.example.com")).collect();
    let plain: Vec<Vec<u8>> = names.iter().map(|n| query(n, false)).collect();
    let signed: Vec<Vec<u8>> = names.iter().map(|n| query(n, true)).collect();
    let mut out = Vec::with_capacity(4096);
    let cold = round(&snapshot, &signed, &mut out);
    println!("signed, cache misses (first round): {cold:>10.0} q/s");
    let (mut best_plain, mut best_signed) = (0f64, 0f64);
    for _ in 0..rounds {
        best_plain = best_plain.max(round(&snapshot, &plain, &mut out));
        best_signed = best_signed.max(round(&snapshot, &signed, &mut out));
    }
    println!("unsigned (DO=0), best of {rounds}:      {best_plain:>10.0} q/s");
    println!("signed (DO=1), cache hits, best of {rounds}: {best_signed:>10.0} q/s");
    println!("signed / unsigned: {:.2}", best_signed / best_plain);
}

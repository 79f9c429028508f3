//! Zone transfers (issue 15): AXFR split over messages, IXFR from the journal's diffs, the
//! refusals and TSIG, through `Transfers::respond_at` as the TCP listener calls it. Every
//! message must parse with hickory-proto, a general DNS library.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::IpAddr;
use std::sync::Arc;

use cairn_dns::compile::{compile_zone, patch_zone};
use cairn_dns::xfr::transfer::{self, Stream};
use cairn_dns::xfr::tsig::{self, Signer, TsigKey};
use cairn_dns::xfr::wire::{self as xwire, put_record};
use cairn_dns::xfr::{journal, parse_allow, TransferConfig, Transfers};
use cairn_dns::Snapshot;
use cairn_model::{ChangeSeq, DomainName, HostedZoneId, RrType};
use cairn_wire::rtype;
use common::{set, zone};
use hickory_proto::op::{Message, OpCode, ResponseCode};
use hickory_proto::rr::{RData, RecordType};

const SOA1: &str = "ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300";
const SOA2: &str = "ns1.example.com. hostmaster.example.com. 2 7200 900 1209600 300";
const NOW: u64 = 1_700_000_000;

fn contents(soa: &str, texts: usize) -> cairn_store::ZoneContents {
    let mut sets = vec![
        set("example.com", RrType::Soa, 900, &[soa]),
        set("example.com", RrType::Ns, 172800, &["ns1.example.com."]),
        set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
        set(
            "www.example.com",
            RrType::A,
            300,
            &["192.0.2.1", "192.0.2.2"],
        ),
    ];
    for i in 0..texts {
        let value = format!("\"{}\"", "t".repeat(100 + i % 50));
        sets.push(set(
            &format!("txt{i}.example.com"),
            RrType::Txt,
            60,
            &[&value],
        ));
    }
    zone("ZXFR", "example.com", sets)
}

fn snapshot(
    contents: &cairn_store::ZoneContents,
) -> (Snapshot, Arc<cairn_dns::zone::CompiledZone>) {
    let compiled = Arc::new(compile_zone(contents));
    let snapshot = Snapshot::empty().with_changes(
        ChangeSeq(1),
        [(contents.zone.id.clone(), Some(compiled.clone()))],
    );
    (snapshot, compiled)
}

fn key256() -> TsigKey {
    TsigKey::parse("xfr-key:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQ=").unwrap()
}

fn transfers(keys: Vec<TsigKey>) -> Transfers {
    Transfers::new(TransferConfig {
        allow: vec![parse_allow("127.0.0.0/8").unwrap()],
        notify: vec![],
        keys,
    })
}

/// An AXFR or IXFR request (IXFR carries the client's SOA with `serial`).
fn request(qtype: u16, serial: Option<u32>) -> Vec<u8> {
    let mut msg = vec![
        0xab,
        0xcd,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        u8::from(serial.is_some()),
        0,
        0,
    ];
    let apex = b"\x07example\x03com\x00";
    msg.extend_from_slice(apex);
    msg.extend_from_slice(&qtype.to_be_bytes());
    msg.extend_from_slice(&1u16.to_be_bytes());
    if let Some(serial) = serial {
        // Names compressed against the question, as Knot and BIND write them.
        let mut rdata = Vec::new();
        rdata.extend_from_slice(b"\x03ns1\xc0\x0c\x0ahostmaster\xc0\x0c");
        rdata.extend_from_slice(&serial.to_be_bytes());
        rdata.extend_from_slice(&[0; 16]);
        put_record(&mut msg, apex, rtype::SOA, 1, 900, &rdata);
    }
    msg
}

fn localhost() -> Option<IpAddr> {
    Some("127.0.0.1".parse().unwrap())
}

/// Every answer record of `messages`, as (owner, type) and the SOA serials in order.
fn answers(messages: &[Vec<u8>]) -> Vec<hickory_proto::rr::Record> {
    messages
        .iter()
        .flat_map(|m| Message::from_vec(m).unwrap().answers)
        .collect()
}

fn serial(record: &hickory_proto::rr::Record) -> Option<u32> {
    match &record.data {
        RData::SOA(soa) => Some(soa.serial),
        _ => None,
    }
}

#[test]
fn a_big_zone_is_split_over_messages_that_open_and_close_with_the_soa() {
    let contents = contents(SOA1, 2000);
    let (snapshot, _) = snapshot(&contents);
    let messages =
        transfers(vec![]).respond_at(&snapshot, &request(rtype::AXFR, None), localhost(), NOW);
    assert!(messages.len() > 10, "{} messages", messages.len());
    for (i, m) in messages.iter().enumerate() {
        assert!(
            m.len() <= transfer::MESSAGE_LIMIT,
            "message {i} is {} bytes",
            m.len()
        );
        let parsed = Message::from_vec(m).unwrap();
        assert_eq!(parsed.metadata.id, 0xabcd);
        assert_eq!(parsed.metadata.response_code, ResponseCode::NoError);
        assert!(parsed.metadata.authoritative);
        // The question only in the first message (RFC 5936 §2.2.1 allows either).
        assert_eq!(parsed.queries.len(), usize::from(i == 0));
    }
    let records = answers(&messages);
    // SOA, NS, ns1 A, two www A, 2000 TXT, SOA.
    assert_eq!(records.len(), 1 + 1 + 1 + 2 + 2000 + 1);
    assert_eq!(records.first().unwrap().record_type(), RecordType::SOA);
    assert_eq!(records.last().unwrap().record_type(), RecordType::SOA);
    assert_eq!(
        records
            .iter()
            .filter(|r| r.record_type() == RecordType::SOA)
            .count(),
        2
    );
    assert_eq!(
        records
            .iter()
            .filter(|r| r.record_type() == RecordType::TXT)
            .count(),
        2000
    );
}

#[test]
fn a_stream_starts_a_new_message_only_when_the_next_record_would_not_fit() {
    let contents = contents(SOA1, 40);
    let (_, compiled) = snapshot(&contents);
    let question = &request(rtype::AXFR, None)[12..];
    let mut stream = Stream::new(1, 0, question, 1024);
    assert!(transfer::axfr(&compiled, &mut stream));
    let messages = stream.finish();
    // Limit 1024 minus 256 kept for the TSIG: each message holds what fits in 768 bytes.
    for m in &messages {
        assert!(m.len() <= 768, "{}", m.len());
    }
    for pair in messages.windows(2) {
        // The next message's first record (right after its header: no question) would not
        // have fitted in the previous one.
        let first = xwire::skip_record(&pair[1], 12).unwrap();
        assert!(pair[0].len() + (first.end - 12) > 768);
    }
    assert_eq!(answers(&messages).len(), 1 + 1 + 1 + 2 + 40 + 1);
}

#[test]
fn ixfr_sends_the_journaled_difference_and_falls_back_to_the_whole_zone() {
    let before = contents(SOA1, 3);
    let (_, v1) = snapshot(&before);
    // The change: www loses 192.0.2.2 and gains 192.0.2.3; txt1 goes; the SOA serial moves.
    let names = [
        DomainName::from_route53("example.com").unwrap(),
        DomainName::from_route53("www.example.com").unwrap(),
        DomainName::from_route53("txt1.example.com").unwrap(),
    ];
    let sets = vec![
        set("example.com", RrType::Soa, 900, &[SOA2]),
        set("example.com", RrType::Ns, 172800, &["ns1.example.com."]),
        set(
            "www.example.com",
            RrType::A,
            300,
            &["192.0.2.1", "192.0.2.3"],
        ),
    ];
    let v2 = Arc::new(patch_zone(&v1, &before.zone, &names, &sets));
    let owners: Vec<_> = names.iter().map(cairn_dns::zone::name_key).collect();
    let delta = journal::diff(&v1, &v2, Some(&owners)).unwrap();
    assert_eq!((delta.from_serial(), delta.to_serial()), (1, 2));
    assert_eq!(delta.removed.len(), 2, "{:?}", delta.removed);
    assert_eq!(delta.added.len(), 1, "{:?}", delta.added);
    // A whole-zone diff finds the same.
    assert_eq!(journal::diff(&v1, &v2, None).unwrap(), delta);

    let xfr = transfers(vec![]);
    xfr.journal.push(&HostedZoneId::new("ZXFR"), delta);
    let snapshot =
        Snapshot::empty().with_changes(ChangeSeq(2), [(HostedZoneId::new("ZXFR"), Some(v2))]);

    let records =
        answers(&xfr.respond_at(&snapshot, &request(rtype::IXFR, Some(1)), localhost(), NOW));
    let shape: Vec<(RecordType, Option<u32>)> = records
        .iter()
        .map(|r| (r.record_type(), serial(r)))
        .collect();
    assert_eq!(
        shape,
        [
            (RecordType::SOA, Some(2)),
            (RecordType::SOA, Some(1)),
            (RecordType::A, None),   // 192.0.2.2 removed
            (RecordType::TXT, None), // txt1 removed
            (RecordType::SOA, Some(2)),
            (RecordType::A, None), // 192.0.2.3 added
            (RecordType::SOA, Some(2)),
        ]
    );
    // Up to date: the SOA alone.
    let records =
        answers(&xfr.respond_at(&snapshot, &request(rtype::IXFR, Some(2)), localhost(), NOW));
    assert_eq!(records.len(), 1);
    assert_eq!(serial(&records[0]), Some(2));
    // A serial the journal does not hold: the whole zone, AXFR-style (RFC 1995 §4).
    let records =
        answers(&xfr.respond_at(&snapshot, &request(rtype::IXFR, Some(0)), localhost(), NOW));
    assert_eq!(records.len(), 1 + 1 + 1 + 2 + 2 + 1);
    assert_eq!(serial(records.first().unwrap()), Some(2));
    assert_eq!(serial(records.last().unwrap()), Some(2));
}

fn rcode_and_tsig_error(message: &[u8]) -> (u16, Option<u16>, usize) {
    let parsed = Message::from_vec(message).unwrap();
    let rcode = u16::from(parsed.metadata.response_code);
    let found = tsig::find(message).unwrap();
    (
        rcode & 0xf,
        found.as_ref().map(|t| t.error),
        found.map_or(0, |t| t.mac.len()),
    )
}

#[test]
fn refusals_and_tsig_errors_are_what_rfc_8945_says() {
    let contents = contents(SOA1, 1);
    let (snapshot, _) = snapshot(&contents);
    let open = transfers(vec![]);
    // From a source outside --allow-transfer: REFUSED.
    let other = Some("192.0.2.9".parse().unwrap());
    let reply = open.respond_at(&snapshot, &request(rtype::AXFR, None), other, NOW);
    assert_eq!(rcode_and_tsig_error(&reply[0]), (5, None, 0));
    // Keys set: an unsigned request is REFUSED.
    let keyed = transfers(vec![key256()]);
    let reply = keyed.respond_at(&snapshot, &request(rtype::AXFR, None), localhost(), NOW);
    assert_eq!(rcode_and_tsig_error(&reply[0]), (5, None, 0));
    // An unknown key: NOTAUTH, BADKEY, no MAC.
    let stranger = TsigKey::parse("stranger:hmac-sha256:c2VjcmV0").unwrap();
    let mut msg = request(rtype::AXFR, None);
    Signer::request(&stranger, NOW).sign(&mut msg, 0, &[]);
    let reply = keyed.respond_at(&snapshot, &msg, localhost(), NOW);
    assert_eq!(rcode_and_tsig_error(&reply[0]), (9, Some(tsig::BADKEY), 0));
    // The right name with the wrong secret: BADSIG.
    let forged = TsigKey::parse("xfr-key:hmac-sha256:Zm9yZ2Vk").unwrap();
    let mut msg = request(rtype::AXFR, None);
    Signer::request(&forged, NOW).sign(&mut msg, 0, &[]);
    let reply = keyed.respond_at(&snapshot, &msg, localhost(), NOW);
    assert_eq!(rcode_and_tsig_error(&reply[0]), (9, Some(tsig::BADSIG), 0));
    // Signed an hour ago: BADTIME, signed.
    let key = key256();
    let mut msg = request(rtype::AXFR, None);
    Signer::request(&key, NOW - 3600).sign(&mut msg, 0, &[]);
    let reply = keyed.respond_at(&snapshot, &msg, localhost(), NOW);
    assert_eq!(
        rcode_and_tsig_error(&reply[0]),
        (9, Some(tsig::BADTIME), 32)
    );
    // A zone Cairn does not serve: NOTAUTH.
    let mut msg = request(rtype::AXFR, None);
    Signer::request(&key, NOW).sign(&mut msg, 0, &[]);
    let empty = Snapshot::empty();
    let reply = keyed.respond_at(&empty, &msg, localhost(), NOW);
    assert_eq!(rcode_and_tsig_error(&reply[0]), (9, Some(0), 32));
}

#[test]
fn every_message_of_a_signed_transfer_is_signed_in_sequence() {
    let contents = contents(SOA1, 500);
    let (snapshot, _) = snapshot(&contents);
    let key = key256();
    let keyed = transfers(vec![key.clone()]);
    let mut msg = request(rtype::AXFR, None);
    let mut client = Signer::request(&key, NOW);
    client.sign(&mut msg, 0, &[]);
    let messages = keyed.respond_at(&snapshot, &msg, localhost(), NOW);
    assert!(messages.len() > 1);
    // Check each MAC the way a client does: sign the message without its TSIG with the
    // request's MAC first, then each previous MAC, and compare.
    let mut verifier = Signer::response(&key, client.mac(), NOW);
    for m in &messages {
        let record = tsig::find(m).unwrap().expect("every message is signed");
        let mut unsigned = m[..record.start].to_vec();
        xwire::bump_count(&mut unsigned, 10, u16::MAX);
        verifier.sign(&mut unsigned, 0, &[]);
        assert_eq!(&unsigned, m);
    }
    assert_eq!(answers(&messages).len(), 1 + 1 + 1 + 2 + 500 + 1);
}

#[test]
fn notify_is_a_notify_of_the_zone_soa() {
    let contents = contents(SOA2, 0);
    let (_, compiled) = snapshot(&contents);
    let soa = transfer::soa_of(&compiled).unwrap();
    let msg = cairn_dns::xfr::notify::message(7, &soa);
    let parsed = Message::from_vec(&msg).unwrap();
    assert_eq!(parsed.metadata.op_code, OpCode::Notify);
    assert!(parsed.metadata.authoritative);
    assert_eq!(parsed.queries[0].query_type, RecordType::SOA);
    assert_eq!(parsed.queries[0].name.to_ascii(), "example.com.");
    assert_eq!(serial(&parsed.answers[0]), Some(2));
}

#[test]
fn only_axfr_and_ixfr_queries_go_to_the_transfer_path() {
    assert!(cairn_dns::xfr::is_transfer_request(&request(
        rtype::AXFR,
        None
    )));
    assert!(cairn_dns::xfr::is_transfer_request(&request(
        rtype::IXFR,
        Some(1)
    )));
    assert!(!cairn_dns::xfr::is_transfer_request(&request(
        rtype::SOA,
        None
    )));
    let mut notify = request(rtype::AXFR, None);
    notify[2] = 4 << 3; // opcode NOTIFY
    assert!(!cairn_dns::xfr::is_transfer_request(&notify));
}

#[test]
fn a_notify_or_update_without_a_question_is_notimp_not_formerr() {
    let (snapshot, _) = snapshot(&contents(SOA1, 0));
    for opcode in [4u8, 5] {
        let msg = [0x12, 0x34, opcode << 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut out = Vec::new();
        let reply = cairn_dns::respond::respond(
            &snapshot,
            &msg,
            cairn_dns::pipeline::Transport::Udp,
            &mut out,
        )
        .unwrap();
        let parsed = Message::from_vec(reply).unwrap();
        assert_eq!(
            parsed.metadata.response_code,
            ResponseCode::NotImp,
            "opcode {opcode}"
        );
    }
}

#[test]
fn a_signed_query_with_a_key_cairn_does_not_know_is_notauth_badkey() {
    let (snapshot, _) = snapshot(&contents(SOA1, 0));
    let mut msg = common::query("www.example.com", rtype::A, None);
    Signer::request(&key256(), tsig::now()).sign(&mut msg, 0, &[]);
    let mut out = Vec::new();
    let reply = cairn_dns::respond::respond(
        &snapshot,
        &msg,
        cairn_dns::pipeline::Transport::Udp,
        &mut out,
    )
    .unwrap()
    .to_vec();
    assert_eq!(rcode_and_tsig_error(&reply), (9, Some(tsig::BADKEY), 0));
    let parsed = Message::from_vec(&reply).unwrap();
    assert!(parsed.answers.is_empty());
    assert_eq!(parsed.queries[0].name.to_ascii(), "www.example.com.");
}

//! What the fuzz targets run, as plain functions, so a corpus can also be replayed without
//! libFuzzer (`cargo run --bin replay` is not needed: `cargo fuzz run T corpus/T -- -runs=0`).

use std::sync::{Arc, OnceLock};

use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::{ChangeSeq, HostedZone, HostedZoneId};
use cairn_store::ZoneContents;

/// The zone every DNS input is asked against: the repository's every-type fixture.
const ZONE: &str = include_str!("../../tests/fixtures/zones/every-type.zone");

fn snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let parsed = cairn_model::zonefile::parse_zone_file(ZONE, "every-type.zone", None)
            .expect("the fixture parses");
        let id = HostedZoneId::new("ZFUZZ");
        let contents = ZoneContents {
            zone: HostedZone {
                id: id.clone(),
                name: parsed.origin.clone(),
                caller_reference: "fuzz".into(),
                comment: None,
                has_config: false,
                private_zone: false,
                delegation_set_id: None,
                name_servers: vec![],
                created_at_ms: 0,
                record_set_count: parsed.record_sets.len() as u64,
            },
            record_sets: parsed.record_sets,
            dnssec: None,
        };
        let compiled = Arc::new(cairn_dns::compile::compile_zone(&contents));
        Snapshot::for_region("us-east-1").with_changes(ChangeSeq(1), [(id, Some(compiled))])
    })
}

/// One message through the parser and the whole responder, over UDP and TCP. Checks what
/// must hold for any input: a UDP reply fits the size the client may receive, and a reply
/// is a response with the query's id.
pub fn dns_query(data: &[u8]) {
    let _ = cairn_wire::Query::parse(data);
    let mut out = Vec::new();
    for transport in [Transport::Udp, Transport::Tcp] {
        if let Some(reply) = respond(snapshot(), data, transport, &mut out) {
            assert!(reply.len() >= 12);
            assert_eq!(reply[..2], data[..2], "the reply carries the query's id");
            assert!(reply[2] & 0x80 != 0, "QR is set");
            if transport == Transport::Udp {
                assert!(
                    reply.len() <= 4096 + 11,
                    "UDP reply of {} bytes",
                    reply.len()
                );
            }
        }
    }
}

/// Zone-file text through the importer's parser.
pub fn zonefile(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cairn_model::zonefile::parse_zone_file(text, "fuzz.zone", None);
        if let Ok(origin) = cairn_model::DomainName::from_route53("example.com") {
            let _ = cairn_model::zonefile::parse_zone_file(text, "fuzz.zone", Some(&origin));
        }
    }
}

/// A request body through the rest-xml parser and the change-batch reader.
pub fn rest_xml(data: &[u8]) {
    let Ok(root) = cairn_api::protocol::rest_xml::parse(data) else {
        return;
    };
    if let Some(batch) = root.child("ChangeBatch") {
        // The reader checks the batch's size against the limits too (Route 53's order).
        let _ =
            cairn_api::route53::rrset::parse_change_batch(batch, &cairn_model::Limits::default());
    }
}

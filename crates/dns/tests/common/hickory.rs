//! Queries, answers as a client sees them, through the listeners' entry point (`respond`)
//! and decoded with hickory-proto as an independent client.

use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use hickory_proto::op::Message;
use hickory_proto::rr::RecordType;

/// A query for `name` and `rtype`, with an OPT record of payload `edns` when given.
pub fn query(name: &str, rtype: RecordType, edns: Option<u16>) -> Vec<u8> {
    super::query(name, u16::from(rtype), edns.map(|p| (p, 0)))
}

/// The answer `snapshot` gives to `bytes` over `transport`, decoded.
pub fn ask(snapshot: &Snapshot, bytes: &[u8], transport: Transport) -> Message {
    let mut out = Vec::new();
    let response = respond(snapshot, bytes, transport, &mut out).expect("answered");
    Message::from_vec(response).expect("a well-formed response")
}

/// `records` as text lines, sorted.
pub fn lines(records: &[hickory_proto::rr::Record]) -> Vec<String> {
    let mut v: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

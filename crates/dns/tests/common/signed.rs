//! A signed zone for the DNSSEC tests: fresh keys, the ZSK sealed as the control plane
//! seals it, the DNSKEY RRset signed by a KSK; served on a real socket by the real
//! `Authoritative`; responses read with a small wire parser of its own (names decompressed,
//! names in RDATA lowercased: the canonical form a validator checks signatures over).
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use cairn_crypto::dnssec::{
    self, label_count, Dnskey, RrsigFields, ALGORITHM_ECDSAP256SHA256, FLAGS_KSK, FLAGS_ZSK,
};
use cairn_crypto::{p256, MasterKey, P256Key};
use cairn_dns::compile::compile_zone_signed;
use cairn_dns::pipeline::bind::{bind, UdpSockets};
use cairn_dns::pipeline::tcp::{self, Slots};
use cairn_dns::pipeline::{udp, Hooks};
use cairn_dns::respond::Authoritative;
use cairn_dns::Snapshot;
use cairn_model::dnssec::{zsk_seal_context, ZoneDnssec, ZoneSigningKey};
use cairn_model::ChangeSeq;
use cairn_store::ZoneContents;
use tokio_util::sync::CancellationToken;

pub const RRSIG: u16 = 46;
pub const NSEC: u16 = 47;
pub const DNSKEY: u16 = 48;

/// The keys of a signed test zone.
pub struct Keys {
    pub master: MasterKey,
    pub ksk: P256Key,
    pub zsk: P256Key,
}

impl Keys {
    pub fn new() -> Self {
        Self {
            master: MasterKey::from_bytes(&[7; 32]),
            ksk: P256Key::generate(),
            zsk: P256Key::generate(),
        }
    }

    pub fn ksk_dnskey(&self) -> Dnskey {
        Dnskey::p256(FLAGS_KSK, &self.ksk.public_key())
    }

    pub fn zsk_dnskey(&self) -> Dnskey {
        Dnskey::p256(FLAGS_ZSK, &self.zsk.public_key())
    }

    /// What the control plane hands the data plane for `contents`' zone: the ZSK sealed,
    /// the DNSKEY RRset (KSK, ZSK) and the KSK's RRSIG over it.
    pub fn zone_dnssec(&self, contents: &ZoneContents) -> ZoneDnssec {
        let zsk = self.zsk_dnskey();
        let dnskeys = vec![self.ksk_dnskey().rdata(), zsk.rdata()];
        let apex = contents.zone.name.wire();
        let now = now();
        let fields = RrsigFields {
            type_covered: DNSKEY,
            algorithm: ALGORITHM_ECDSAP256SHA256,
            labels: label_count(apex),
            original_ttl: 3600,
            expiration: now + 30 * 86_400,
            inception: now - 3600,
            key_tag: self.ksk_dnskey().key_tag(),
            signer: dnssec::canonical_name(apex),
        };
        let rdatas: Vec<&[u8]> = dnskeys.iter().map(Vec::as_slice).collect();
        let data = dnssec::signed_data(&fields, apex, 1, &rdatas);
        let rrsig = fields.rdata(&self.ksk.sign_fixed(&data));
        ZoneDnssec {
            zsks: vec![ZoneSigningKey {
                key_tag: zsk.key_tag(),
                public_key: zsk.public_key.clone(),
                sealed_private_key: self.master.seal(
                    &zsk_seal_context(&contents.zone.id, zsk.key_tag()),
                    self.zsk.pkcs8(),
                ),
                active: true,
                published_at: 0,
                activated_at: 0,
                retired_at: 0,
            }],
            dnskeys,
            dnskey_ttl: 3600,
            dnskey_rrsigs: vec![rrsig],
        }
    }

    /// A snapshot serving `contents` signed with these keys.
    pub fn snapshot(&self, mut contents: ZoneContents) -> Snapshot {
        contents.dnssec = Some(self.zone_dnssec(&contents));
        let compiled = compile_zone_signed(&contents, Some(&self.master), None);
        assert!(compiled.signer.is_some(), "the zone-signing key opens");
        assert_eq!(compiled.skipped, 0);
        let id = contents.zone.id.clone();
        Snapshot::empty().with_changes(ChangeSeq(1), [(id, Some(Arc::new(compiled)))])
    }
}

pub fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

/// Serves `snapshot` with the public listener's answerer and UDP workers on a loopback port.
pub fn serve(
    snapshot: Snapshot,
    stop: &CancellationToken,
) -> (SocketAddr, Arc<arc_swap::ArcSwap<Snapshot>>) {
    let shared = Arc::new(arc_swap::ArcSwap::from_pointee(snapshot));
    let answerer = Authoritative::new(shared.clone(), None, Hooks::default());
    let bound = bind("127.0.0.1:0".parse().unwrap(), UdpSockets::PerWorker(1)).unwrap();
    udp::spawn_workers(bound.udp, answerer.clone(), stop.clone()).unwrap();
    // TCP too: BIND's resolver asks again over TCP after a DNAME answer over UDP that
    // came without a server cookie.
    let tcp = tokio::net::TcpListener::from_std(bound.tcp).unwrap();
    tokio::spawn(tcp::serve(tcp, answerer, Slots::new(16), stop.clone()));
    (bound.local, shared)
}

/// A query for `name` and `qtype` with an OPT record (payload 1232), DO as given.
pub fn query(name: &str, qtype: u16, dnssec_ok: bool) -> Vec<u8> {
    let mut b = vec![0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    for label in name.split('.').filter(|l| !l.is_empty()) {
        b.push(label.len() as u8);
        b.extend_from_slice(label.as_bytes());
    }
    b.push(0);
    b.extend_from_slice(&qtype.to_be_bytes());
    b.extend_from_slice(&1u16.to_be_bytes());
    b.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0]);
    b.push(if dnssec_ok { 0x80 } else { 0 });
    b.extend_from_slice(&[0, 0, 0]);
    b
}

/// Sends `msg` to `addr` over UDP; the reply.
pub fn ask(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    socket.send_to(msg, addr).unwrap();
    let mut buf = vec![0u8; 65535];
    let (len, _) = socket.recv_from(&mut buf).unwrap();
    buf.truncate(len);
    buf
}

/// One resource record of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rr {
    /// 0 answer, 1 authority, 2 additional.
    pub section: usize,
    /// Lowercase wire.
    pub owner: Vec<u8>,
    pub rtype: u16,
    pub ttl: u32,
    /// Uncompressed, names lowercased.
    pub rdata: Vec<u8>,
}

/// A response: its flags word, RCODE and records (OPT left out).
pub struct Response {
    pub flags: u16,
    pub rcode: u8,
    pub rrs: Vec<Rr>,
}

impl Response {
    pub fn aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }

    pub fn tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }

    pub fn section(&self, section: usize) -> Vec<&Rr> {
        self.rrs.iter().filter(|r| r.section == section).collect()
    }

    /// The records of one section as `(owner text, type)`.
    pub fn summary(&self, section: usize) -> Vec<(String, u16)> {
        self.section(section)
            .iter()
            .map(|r| (text(&r.owner), r.rtype))
            .collect()
    }
}

pub fn parse(msg: &[u8]) -> Response {
    let u16_at = |i: usize| u16::from_be_bytes([msg[i], msg[i + 1]]);
    let flags = u16_at(2);
    let counts = [u16_at(6), u16_at(8), u16_at(10)];
    let (_, mut pos) = read_name(msg, 12);
    pos += 4;
    let mut rrs = Vec::new();
    for (section, count) in counts.iter().enumerate() {
        for _ in 0..*count {
            let (owner, next) = read_name(msg, pos);
            let rtype = u16_at(next);
            let ttl = u32::from_be_bytes(msg[next + 4..next + 8].try_into().unwrap());
            let len = usize::from(u16_at(next + 8));
            let start = next + 10;
            let rdata = canonical_rdata(msg, rtype, start, start + len);
            pos = start + len;
            if rtype == 41 {
                continue;
            }
            rrs.push(Rr {
                section,
                owner,
                rtype,
                ttl,
                rdata,
            });
        }
    }
    Response {
        flags,
        rcode: (flags & 0xf) as u8,
        rrs,
    }
}

/// The name at `pos`, decompressed and lowercased, and where the record goes on.
fn read_name(msg: &[u8], mut pos: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut end = None;
    loop {
        let len = msg[pos];
        if len & 0xc0 == 0xc0 {
            end.get_or_insert(pos + 2);
            pos = usize::from(u16::from_be_bytes([len & 0x3f, msg[pos + 1]]));
            continue;
        }
        out.push(len);
        if len == 0 {
            return (out, end.unwrap_or(pos + 1));
        }
        let label = &msg[pos + 1..pos + 1 + usize::from(len)];
        out.extend(label.iter().map(u8::to_ascii_lowercase));
        pos += 1 + usize::from(len);
    }
}

fn canonical_rdata(msg: &[u8], rtype: u16, start: usize, end: usize) -> Vec<u8> {
    let names_then_fixed = |prefix: usize, names: usize| {
        let mut out = msg[start..start + prefix].to_vec();
        let mut pos = start + prefix;
        for _ in 0..names {
            let (name, next) = read_name(msg, pos);
            out.extend_from_slice(&name);
            pos = next;
        }
        out.extend_from_slice(&msg[pos..end]);
        out
    };
    match rtype {
        2 | 5 | 12 => names_then_fixed(0, 1),
        15 => names_then_fixed(2, 1),
        33 => names_then_fixed(6, 1),
        6 => names_then_fixed(0, 2),
        _ => msg[start..end].to_vec(),
    }
}

/// A wire name as text, `www.example.com.`.
pub fn text(wire: &[u8]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while wire[pos] != 0 {
        let len = usize::from(wire[pos]);
        for &b in &wire[pos + 1..pos + 1 + len] {
            if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                out.push(b as char);
            } else {
                out.push_str(&format!("\\{b:03}"));
            }
        }
        out.push('.');
        pos += 1 + len;
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Checks every RRSIG of the response against the RRset it covers
/// (same section, owner and type), with the KSK for DNSKEY and the ZSK otherwise; returns
/// the RRSIGs' fields by covered `(owner, type)`. Panics on a signature that does not
/// verify, a time outside its validity, or a TTL that is not the original.
pub fn verify_all(resp: &Response, keys: &Keys) -> Vec<(String, u16, RrsigFields)> {
    let now = now();
    let mut checked = Vec::new();
    for rrsig in resp.rrs.iter().filter(|r| r.rtype == RRSIG) {
        let (fields, signature) = RrsigFields::parse(&rrsig.rdata).expect("an RRSIG parses");
        let covered: Vec<&Rr> = resp
            .rrs
            .iter()
            .filter(|r| {
                r.section == rrsig.section
                    && r.owner == rrsig.owner
                    && r.rtype == fields.type_covered
            })
            .collect();
        let what = format!("{} {}", text(&rrsig.owner), fields.type_covered);
        assert!(!covered.is_empty(), "an RRSIG covers records sent: {what}");
        for rr in &covered {
            assert_eq!(rr.ttl, fields.original_ttl, "TTL of {what}");
        }
        assert_eq!(rrsig.ttl, fields.original_ttl, "the RRSIG's TTL, {what}");
        assert!(fields.inception <= now && now < fields.expiration, "{what}");
        assert_eq!(fields.algorithm, ALGORITHM_ECDSAP256SHA256);
        let (key, dnskey) = if fields.type_covered == DNSKEY {
            (&keys.ksk, keys.ksk_dnskey())
        } else {
            (&keys.zsk, keys.zsk_dnskey())
        };
        assert_eq!(fields.key_tag, dnskey.key_tag(), "{what}");
        assert_eq!(fields.signer, b"\x07example\x03com\x00", "{what}");
        let rdatas: Vec<&[u8]> = covered.iter().map(|r| r.rdata.as_slice()).collect();
        let data = dnssec::signed_data(&fields, &rrsig.owner, 1, &rdatas);
        assert!(
            p256::verify_fixed(&key.public_key(), &data, signature),
            "the RRSIG over {what} verifies"
        );
        checked.push((text(&rrsig.owner), fields.type_covered, fields));
    }
    checked
}

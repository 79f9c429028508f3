//! Zone transfers to secondaries (issue 15): AXFR and IXFR out of public zones over TCP,
//! NOTIFY after each change, and TSIG on all of them.
//!
//! | piece | where |
//! |---|---|
//! | who may transfer: `--allow-transfer` CIDRs, `--tsig-key`s | [`TransferConfig`], [`Transfers::respond`] |
//! | the records and the messages | [`transfer`] |
//! | IXFR history, built by the follower from the change log | [`journal`] |
//! | serials: the zone's last change-log sequence | [`serial`] |
//! | NOTIFY to `--notify` targets | [`notify`] |
//! | TSIG (RFC 8945) | [`tsig`]; signed ordinary queries: [`signed`] |
//!
//! The TCP listener hands a message here (before the query pipeline) when it asks for AXFR
//! or IXFR and transfers are configured; every other message takes the usual path.

pub mod journal;
pub mod notify;
pub mod serial;
pub mod signed;
pub mod transfer;
pub mod tsig;
pub mod wire;

use std::net::IpAddr;

use cairn_wire::rtype;
use ipnet::IpNet;

use crate::snapshot::Snapshot;
use journal::Journal;
use notify::NotifyTarget;
use transfer::{soa_of, Stream, MESSAGE_LIMIT};
use tsig::{Check, Signer, TsigKey};

/// NOTAUTH: not authoritative for the zone asked (RFC 5936 §2.2.1), or a failed TSIG.
const NOTAUTH: u8 = 9;
const FORMERR: u8 = 1;
const REFUSED: u8 = 5;

/// What `--allow-transfer`, `--notify` and `--tsig-key` set.
#[derive(Debug, Clone, Default)]
pub struct TransferConfig {
    /// Sources allowed to transfer; none → every transfer is REFUSED.
    pub allow: Vec<IpNet>,
    /// Secondaries told of every change.
    pub notify: Vec<NotifyTarget>,
    /// When any is set, a transfer must be signed with one.
    pub keys: Vec<TsigKey>,
}

/// An `--allow-transfer` value: a CIDR, or one address.
pub fn parse_allow(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("--allow-transfer {text:?} is not a CIDR like 192.0.2.0/24"))
}

impl TransferConfig {
    /// Whether this node has secondaries at all: then serials follow the change log and the
    /// follower keeps the IXFR journal.
    pub fn is_on(&self) -> bool {
        !self.allow.is_empty() || !self.notify.is_empty()
    }
}

/// The transfer side of a node: its configuration and the journal the follower fills.
#[derive(Debug, Default)]
pub struct Transfers {
    /// The flags.
    pub config: TransferConfig,
    /// Recent deltas of every public zone.
    pub journal: Journal,
}

/// Whether `msg` asks for AXFR or IXFR (a QUERY, one question): what the TCP listener
/// hands to [`Transfers::respond`].
pub fn is_transfer_request(msg: &[u8]) -> bool {
    let Some(counts) = wire::Counts::of(msg) else {
        return false;
    };
    let flags = wire::u16_at(msg, 2).unwrap_or(0);
    if flags & wire::QR != 0 || (flags >> 11) & 0xf != 0 || counts.qd != 1 {
        return false;
    }
    wire::skip_questions(msg, 1)
        .and_then(|end| wire::u16_at(msg, end - 4))
        .is_some_and(|qtype| qtype == rtype::AXFR || qtype == rtype::IXFR)
}

impl Transfers {
    /// Transfers with `config`.
    pub fn new(config: TransferConfig) -> Self {
        Self {
            config,
            journal: Journal::default(),
        }
    }

    /// The answer to transfer request `msg` from `source`, as one or more messages (TCP).
    pub fn respond(&self, snapshot: &Snapshot, msg: &[u8], source: Option<IpAddr>) -> Vec<Vec<u8>> {
        self.respond_at(snapshot, msg, source, tsig::now())
    }

    /// [`Self::respond`] at `now` (seconds since the epoch).
    pub fn respond_at(
        &self,
        snapshot: &Snapshot,
        msg: &[u8],
        source: Option<IpAddr>,
        now: u64,
    ) -> Vec<Vec<u8>> {
        let check = tsig::verify(&self.config.keys, msg, now);
        let Some(request) = Request::parse(msg) else {
            let mut reply = error_reply(msg, FORMERR);
            if let (Some(reply), Check::Valid(mut signer)) = (reply.as_mut(), check) {
                signer.sign(reply, 0, &[]);
            }
            return reply.into_iter().collect();
        };
        let mut signer = match check {
            Check::Unsigned => None,
            Check::Valid(signer) => Some(signer),
            Check::Malformed => return request.error(FORMERR, None),
            Check::Failed {
                error,
                key_name,
                algorithm,
                signer,
            } => {
                let mut reply = request.reply(NOTAUTH);
                match signer {
                    Some(mut signer) => {
                        // BADTIME: signed, with the server's time (RFC 8945 §5.2.3).
                        signer.sign(&mut reply, error, &now.to_be_bytes()[2..]);
                    }
                    None => tsig::append_unsigned(&mut reply, &key_name, &algorithm, now, error),
                }
                return vec![reply];
            }
        };
        let allowed =
            source.is_some_and(|ip| self.config.allow.iter().any(|net| net.contains(&ip)));
        if !allowed || (signer.is_none() && !self.config.keys.is_empty()) {
            tracing::info!(?source, signed = signer.is_some(), "zone transfer refused");
            return request.error(REFUSED, signer.as_mut());
        }
        let zone = snapshot
            .find_public_zone(&request.qname)
            .filter(|z| z.apex[..] == request.qname[..]);
        let (Some(zone), Some(current)) = (zone, zone.and_then(|z| soa_of(z))) else {
            return request.error(NOTAUTH, signer.as_mut());
        };
        let mut stream = Stream::new(request.id, request.flags, &request.question, MESSAGE_LIMIT);
        let kind = match request.client_serial {
            None => "axfr",
            Some(client) if !wire::serial_lt(client, current.serial().unwrap_or(0)) => {
                // Up to date (or ahead): the SOA alone (RFC 1995 §2).
                stream.push(&current);
                "ixfr-current"
            }
            Some(client) => {
                match self
                    .journal
                    .chain(&zone.id, client, current.serial().unwrap_or(0))
                {
                    Some(deltas) => {
                        transfer::ixfr(&current, &deltas, &mut stream);
                        "ixfr"
                    }
                    None => {
                        transfer::axfr(zone, &mut stream);
                        "ixfr-as-axfr"
                    }
                }
            }
        };
        if kind == "axfr" {
            transfer::axfr(zone, &mut stream);
        }
        let mut messages = stream.finish();
        if let Some(signer) = signer.as_mut() {
            messages.iter_mut().for_each(|m| signer.sign(m, 0, &[]));
        }
        tracing::info!(zone = %zone.id, ?source, kind, serial = current.serial(), messages = messages.len(), "zone transfer");
        messages
    }
}

/// The parts of a transfer request an answer needs.
struct Request {
    id: u16,
    flags: u16,
    /// The question as received.
    question: Vec<u8>,
    /// The zone asked for, lowercased.
    qname: Vec<u8>,
    /// IXFR: the serial the client has (from the SOA in the authority section).
    client_serial: Option<u32>,
}

impl Request {
    fn parse(msg: &[u8]) -> Option<Self> {
        let counts = wire::Counts::of(msg)?;
        if counts.qd != 1 {
            return None;
        }
        let (qname, name_end) = wire::read_name(msg, wire::HEADER_LEN)?;
        let qtype = wire::u16_at(msg, name_end)?;
        let question_end = name_end + 4;
        let question = msg.get(wire::HEADER_LEN..question_end)?.to_vec();
        let client_serial = if qtype == rtype::IXFR {
            // RFC 1995 §3: the authority section holds the client's SOA.
            let mut pos = question_end;
            for _ in 0..counts.an {
                pos = wire::skip_record(msg, pos)?.end;
            }
            let soa =
                wire::skip_record(msg, pos).filter(|r| counts.ns >= 1 && r.rtype == rtype::SOA)?;
            // Its names may point into the message (Knot and BIND compress them).
            let (_, mname_end) = wire::read_name(msg, soa.rdata)?;
            let (_, rname_end) = wire::read_name(msg, mname_end)?;
            Some(wire::u32_at(msg, rname_end).filter(|_| rname_end + 20 == soa.end)?)
        } else {
            None
        };
        Some(Self {
            id: wire::u16_at(msg, 0)?,
            flags: wire::u16_at(msg, 2)?,
            question,
            qname,
            client_serial,
        })
    }

    /// A reply with the question and `rcode`, no records.
    fn reply(&self, rcode: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(wire::HEADER_LEN + self.question.len() + 128);
        let flags = wire::QR | (self.flags & 0x7900) | u16::from(rcode);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&self.question);
        out
    }

    /// An error reply, signed when the request was.
    fn error(&self, rcode: u8, signer: Option<&mut Signer<'_>>) -> Vec<Vec<u8>> {
        let mut reply = self.reply(rcode);
        if let Some(signer) = signer {
            signer.sign(&mut reply, 0, &[]);
        }
        vec![reply]
    }
}

/// A header-only reply to a message whose question cannot be read.
fn error_reply(msg: &[u8], rcode: u8) -> Option<Vec<u8>> {
    let id = msg.get(..2)?;
    let flags = wire::u16_at(msg, 2)?;
    let mut out = id.to_vec();
    out.extend_from_slice(&(wire::QR | (flags & 0x7900) | u16::from(rcode)).to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    Some(out)
}

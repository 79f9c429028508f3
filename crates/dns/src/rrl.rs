//! Response-rate limiting (RRL) on the public listener, as BIND's and Knot's: Cairn must not
//! be usable to reflect and amplify traffic at a spoofed source.
//!
//! Each response is counted against a token bucket keyed by the client's network (IPv4 /24,
//! IPv6 /56) and by what the response says:
//!
//! | response | counted as |
//! |---|---|
//! | NOERROR (answer, no data, referral) | the query name (lowercased) and type |
//! | NXDOMAIN | every NXDOMAIN to that network together (random-name floods share one bucket) |
//! | REFUSED, FORMERR, other errors | every response with that rcode to that network together |
//!
//! A bucket refills at `rate` responses per second and holds at most `rate` (one second of
//! burst). A response that finds its bucket empty is dropped, except every `slip`-th one,
//! which is sent as a bare truncated reply (TC=1, question only): a real client behind a
//! spoofed network retries over TCP, where no spoofing is possible, and the victim of a
//! reflection gets a reply no larger than the query.
//!
//! Sources in the exempt networks (by default loopback: benchmarks and health probes run
//! there) are never limited. The table is a fixed array of buckets (hashed with a per-process
//! random key; a collision replaces the older entry), so memory stays bounded whatever the
//! number of sources.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Instant;

use crate::pipeline::{Outcome, RrlKey};

/// The default rate: identical responses per second to one /24 (or /56).
pub const DEFAULT_RATE: u32 = 20;
/// The default slip: every second limited response goes out truncated.
pub const DEFAULT_SLIP: u32 = 2;
/// Buckets in the table (shared by every worker of a listener set).
const TABLE_SIZE: usize = 1 << 16;
/// Lock shards.
const SHARDS: usize = 64;

/// A network in CIDR notation, e.g. `10.0.0.0/8` or `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The network `addr/prefix`; host bits are ignored.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { addr, prefix })
    }

    /// Whether `ip` lies in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask_v4(u32::from(net), self.prefix) == mask_v4(u32::from(ip), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask_v6(u128::from(net), self.prefix) == mask_v6(u128::from(ip), self.prefix)
            }
            _ => false,
        }
    }

    /// Loopback: `127.0.0.0/8` and `::1/128`.
    pub fn loopback() -> [Self; 2] {
        [
            Self {
                addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
                prefix: 8,
            },
            Self {
                addr: IpAddr::V6(Ipv6Addr::LOCALHOST),
                prefix: 128,
            },
        ]
    }
}

impl FromStr for Cidr {
    type Err = String;

    /// `ADDR/PREFIX`, or a bare address (a single host).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an IP network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .map_err(|_| format!("{s:?}: bad prefix length"))?,
            None => max,
        };
        Self::new(addr, prefix).ok_or_else(|| format!("{s:?}: prefix longer than {max}"))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mask_v4(bits: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        bits & (u32::MAX << (32 - u32::from(prefix)))
    }
}

fn mask_v6(bits: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix)))
    }
}

/// How the limiter is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RrlConfig {
    /// Identical responses per second to one network; 0 turns limiting off.
    pub rate: u32,
    /// Every `slip`-th limited response is sent truncated (TC=1); 0 drops them all, 1 sends
    /// every one truncated.
    pub slip: u32,
    /// Sources never limited.
    pub exempt: Vec<Cidr>,
}

impl Default for RrlConfig {
    fn default() -> Self {
        Self {
            rate: DEFAULT_RATE,
            slip: DEFAULT_SLIP,
            exempt: Cidr::loopback().to_vec(),
        }
    }
}

/// What to do with one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send it as written.
    Send,
    /// Send it truncated: header with TC=1 and the question only ([`write_slip`]).
    Slip,
    /// Send nothing.
    Drop,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    key: u64,
    /// Milli-responses left.
    tokens: u64,
    /// When the bucket was last refilled, in ms since the limiter started.
    at_ms: u64,
    /// Responses limited since the bucket last had tokens (drives the slip).
    limited: u32,
}

/// The limiter, shared by every UDP worker.
#[derive(Debug)]
pub struct Rrl {
    config: RrlConfig,
    hasher: RandomState,
    started: Instant,
    shards: Vec<Mutex<Vec<Bucket>>>,
}

impl Rrl {
    /// A limiter, or `None` when `config.rate` is 0 (limiting off).
    pub fn new(config: RrlConfig) -> Option<Self> {
        if config.rate == 0 {
            return None;
        }
        let per_shard = TABLE_SIZE / SHARDS;
        Some(Self {
            config,
            hasher: RandomState::new(),
            started: Instant::now(),
            shards: (0..SHARDS)
                .map(|_| Mutex::new(vec![Bucket::default(); per_shard]))
                .collect(),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &RrlConfig {
        &self.config
    }

    /// Whether `source` is never limited.
    pub fn is_exempt(&self, source: IpAddr) -> bool {
        self.config.exempt.iter().any(|net| net.contains(source))
    }

    /// Decides the fate of a response (`outcome`, the answer to `msg`) for `source`, now.
    pub fn check(&self, source: IpAddr, msg: &[u8], outcome: &Outcome) -> Verdict {
        if self.is_exempt(source) {
            return Verdict::Send;
        }
        let now_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.check_at(source, msg, outcome, now_ms)
    }

    /// [`Rrl::check`] at a given time (ms since the limiter started), for tests.
    pub fn check_at(&self, source: IpAddr, msg: &[u8], outcome: &Outcome, now_ms: u64) -> Verdict {
        let key = self.key(source, outcome, msg);
        let shard = &self.shards[(key as usize) % SHARDS];
        let slot = ((key >> 32) as usize) % (TABLE_SIZE / SHARDS);
        let capacity = u64::from(self.config.rate) * 1000;
        let mut table = match shard.lock() {
            Ok(table) => table,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = &mut table[slot];
        if bucket.key != key {
            *bucket = Bucket {
                key,
                tokens: capacity,
                at_ms: now_ms,
                limited: 0,
            };
        } else {
            // rate responses per second = rate milli-responses per millisecond.
            let elapsed = now_ms.saturating_sub(bucket.at_ms);
            bucket.tokens = (bucket.tokens + elapsed * u64::from(self.config.rate)).min(capacity);
            bucket.at_ms = now_ms;
        }
        if bucket.tokens >= 1000 {
            bucket.tokens -= 1000;
            bucket.limited = 0;
            return Verdict::Send;
        }
        bucket.limited = bucket.limited.wrapping_add(1);
        if self.config.slip > 0 && bucket.limited % self.config.slip == 0 {
            Verdict::Slip
        } else {
            Verdict::Drop
        }
    }

    fn key(&self, source: IpAddr, outcome: &Outcome, msg: &[u8]) -> u64 {
        let network: (u8, u128) = match canonical(source) {
            IpAddr::V4(v4) => (4, u128::from(mask_v4(u32::from(v4), 24))),
            IpAddr::V6(v6) => (6, mask_v6(u128::from(v6), 56)),
        };
        let rcode = outcome.rcode.code();
        match (outcome.rrl, outcome.question(msg)) {
            (RrlKey::Question, Some((qname, qtype))) => {
                let mut lower = [0u8; 255];
                for (l, b) in lower.iter_mut().zip(qname) {
                    *l = b.to_ascii_lowercase();
                }
                self.hasher
                    .hash_one((network, rcode, qtype, &lower[..qname.len()]))
            }
            _ => self.hasher.hash_one((network, rcode)),
        }
    }
}

/// Rewrites `reply` (whose outcome is `outcome`) as a slipped response: its header with TC=1
/// and no records, and the question when the reply had one.
pub fn write_slip(reply: &mut Vec<u8>, outcome: &Outcome) {
    if reply.len() < 12 {
        return;
    }
    let has_question = reply[4..6] != [0, 0];
    let question_len = match (has_question, outcome.question(reply)) {
        (true, Some((qname, _))) => qname.len() + 4,
        _ => 0,
    };
    let keep = (12 + question_len).min(reply.len());
    reply.truncate(keep);
    reply[2] |= 0x02; // TC
    reply[4..6].copy_from_slice(&u16::from(question_len > 0).to_be_bytes());
    reply[6..12].fill(0);
}

/// Rewrites `reply` into the BADCOOKIE a client that sent a COOKIE gets instead of a slip
/// (BIND's choice, RFC 7873 §5.2.3): header and question, and an OPT record with `cookie`'s
/// option, so the client retries with a server cookie, which RRL then lets through.
pub fn write_badcookie(
    reply: &mut Vec<u8>,
    outcome: &Outcome,
    cookie: &crate::pipeline::cookie::Reply,
) {
    write_slip(reply, outcome);
    if reply.len() < 12 {
        return;
    }
    let rcode = crate::pipeline::cookie::BADCOOKIE;
    reply[2] &= !0x02; // not truncated: BADCOOKIE says why
    reply[3] = (reply[3] & 0xf0) | rcode.header_bits();
    reply[10..12].copy_from_slice(&1u16.to_be_bytes());
    reply.push(0);
    reply.extend_from_slice(&cairn_wire::rtype::OPT.to_be_bytes());
    reply.extend_from_slice(&crate::pipeline::EDNS_UDP_PAYLOAD.to_be_bytes());
    reply.extend_from_slice(&[rcode.extended_bits(), 0, 0, 0]);
    reply.extend_from_slice(&((4 + cookie.option.len()) as u16).to_be_bytes());
    reply.extend_from_slice(&cairn_wire::OPTION_COOKIE.to_be_bytes());
    reply.extend_from_slice(&(cookie.option.len() as u16).to_be_bytes());
    reply.extend_from_slice(&cookie.option);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn query(name: &[u8]) -> Vec<u8> {
        let mut b = vec![0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        b.extend_from_slice(name);
        b.extend_from_slice(&[0, 1, 0, 1]);
        b
    }

    /// The outcome of answering `q` with `rcode`, as the pipeline reports it.
    fn reply(q: &[u8], rcode: u8) -> Outcome {
        let query = cairn_wire::Query::parse(q).unwrap();
        Outcome::answered(&query, cairn_wire::Rcode::from_code(u16::from(rcode)))
    }

    fn reply_bytes(q: &[u8], rcode: u8) -> Vec<u8> {
        let mut r = q.to_vec();
        r[2] = 0x84;
        r[3] = rcode;
        r[6..8].copy_from_slice(&1u16.to_be_bytes());
        r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1]);
        r
    }

    fn limiter(rate: u32, slip: u32) -> Rrl {
        Rrl::new(RrlConfig {
            rate,
            slip,
            exempt: Cidr::loopback().to_vec(),
        })
        .unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rate_zero_turns_limiting_off() {
        assert!(Rrl::new(RrlConfig {
            rate: 0,
            ..RrlConfig::default()
        })
        .is_none());
    }

    #[test]
    fn a_burst_beyond_the_rate_is_dropped_with_every_nth_slipped() {
        let rrl = limiter(5, 2);
        let q = query(b"\x03www\x07example\x03com\x00");
        let r = reply(&q, 0);
        let verdicts: Vec<_> = (0..11)
            .map(|_| rrl.check_at(ip("192.0.2.7"), &q, &r, 1000))
            .collect();
        assert_eq!(&verdicts[..5], &[Verdict::Send; 5]);
        assert_eq!(
            &verdicts[5..],
            &[
                Verdict::Drop,
                Verdict::Slip,
                Verdict::Drop,
                Verdict::Slip,
                Verdict::Drop,
                Verdict::Slip
            ]
        );
    }

    #[test]
    fn the_bucket_refills_at_the_rate() {
        let rrl = limiter(10, 0);
        let q = query(b"\x01a\x00");
        let r = reply(&q, 0);
        for _ in 0..10 {
            assert_eq!(rrl.check_at(ip("192.0.2.1"), &q, &r, 0), Verdict::Send);
        }
        assert_eq!(rrl.check_at(ip("192.0.2.1"), &q, &r, 0), Verdict::Drop);
        // 100 ms later one response's worth (10/s) is back, and no more.
        assert_eq!(rrl.check_at(ip("192.0.2.1"), &q, &r, 100), Verdict::Send);
        assert_eq!(rrl.check_at(ip("192.0.2.1"), &q, &r, 100), Verdict::Drop);
        // A long pause refills to the burst, not beyond.
        let sent = (0..30)
            .filter(|_| rrl.check_at(ip("192.0.2.1"), &q, &r, 60_000) == Verdict::Send)
            .count();
        assert_eq!(sent, 10);
    }

    #[test]
    fn one_slash_24_shares_a_bucket_and_others_do_not() {
        let rrl = limiter(3, 0);
        let q = query(b"\x01a\x00");
        let r = reply(&q, 0);
        for host in 1..=3 {
            assert_eq!(
                rrl.check_at(ip(&format!("198.51.100.{host}")), &q, &r, 0),
                Verdict::Send
            );
        }
        assert_eq!(rrl.check_at(ip("198.51.100.200"), &q, &r, 0), Verdict::Drop);
        assert_eq!(rrl.check_at(ip("198.51.101.1"), &q, &r, 0), Verdict::Send);
        // IPv6: one /56.
        for _ in 0..3 {
            assert_eq!(
                rrl.check_at(ip("2001:db8:0:100::1"), &q, &r, 0),
                Verdict::Send
            );
        }
        assert_eq!(
            rrl.check_at(ip("2001:db8:0:1ff::9"), &q, &r, 0),
            Verdict::Drop
        );
        assert_eq!(
            rrl.check_at(ip("2001:db8:0:200::1"), &q, &r, 0),
            Verdict::Send
        );
    }

    #[test]
    fn different_names_have_their_own_buckets_but_nxdomains_share_one() {
        let rrl = limiter(2, 0);
        let a = query(b"\x01a\x00");
        let b = query(b"\x01b\x00");
        let src = ip("203.0.113.9");
        for _ in 0..2 {
            assert_eq!(rrl.check_at(src, &a, &reply(&a, 0), 0), Verdict::Send);
        }
        assert_eq!(rrl.check_at(src, &a, &reply(&a, 0), 0), Verdict::Drop);
        assert_eq!(rrl.check_at(src, &b, &reply(&b, 0), 0), Verdict::Send);
        // NXDOMAIN for different random names: one bucket.
        assert_eq!(rrl.check_at(src, &a, &reply(&a, 3), 0), Verdict::Send);
        assert_eq!(rrl.check_at(src, &b, &reply(&b, 3), 0), Verdict::Send);
        let c = query(b"\x01c\x00");
        assert_eq!(rrl.check_at(src, &c, &reply(&c, 3), 0), Verdict::Drop);
    }

    #[test]
    fn exempt_networks_are_never_limited() {
        let rrl = Rrl::new(RrlConfig {
            rate: 1,
            slip: 0,
            exempt: vec![Cidr::loopback()[0], "10.0.0.0/8".parse().unwrap()],
        })
        .unwrap();
        let q = query(b"\x01a\x00");
        let r = reply(&q, 0);
        for _ in 0..100 {
            assert_eq!(rrl.check(ip("127.0.0.5"), &q, &r), Verdict::Send);
            assert_eq!(rrl.check(ip("10.9.8.7"), &q, &r), Verdict::Send);
            assert_eq!(rrl.check(ip("::ffff:10.1.1.1"), &q, &r), Verdict::Send);
        }
        assert_eq!(rrl.check(ip("11.0.0.1"), &q, &r), Verdict::Send);
        assert_eq!(rrl.check(ip("11.0.0.1"), &q, &r), Verdict::Drop);
    }

    #[test]
    fn a_slip_is_the_header_with_tc_and_the_question_only() {
        let q = query(b"\x03www\x07example\x03com\x00");
        let mut r = reply_bytes(&q, 0);
        write_slip(&mut r, &reply(&q, 0));
        assert_eq!(r.len(), q.len());
        assert_eq!(&r[12..], &q[12..]);
        assert_eq!(r[2] & 0x02, 0x02, "TC set");
        assert_eq!(r[2] & 0x80, 0x80, "still a response");
        assert_eq!(&r[4..12], &[0, 1, 0, 0, 0, 0, 0, 0]);
        // A FORMERR without a question stays a bare header.
        let mut formerr = vec![0x12, 0x34, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0];
        let header_only = Outcome::answered(
            &cairn_wire::Query::parse(&q).unwrap(),
            cairn_wire::Rcode::FormErr,
        );
        write_slip(&mut formerr, &header_only);
        assert_eq!(formerr.len(), 12);
    }

    #[test]
    fn cidrs_parse_and_match() {
        let net: Cidr = "192.0.2.0/24".parse().unwrap();
        assert!(net.contains(ip("192.0.2.255")));
        assert!(!net.contains(ip("192.0.3.0")));
        assert!("10.0.0.1".parse::<Cidr>().unwrap().contains(ip("10.0.0.1")));
        assert!("::/0".parse::<Cidr>().unwrap().contains(ip("2001:db8::1")));
        assert!("1.2.3.4/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
        assert_eq!(net.to_string(), "192.0.2.0/24");
    }
}

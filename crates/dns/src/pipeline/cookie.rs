//! DNS COOKIE (RFC 7873) with server cookies as RFC 9018 makes them interoperable:
//! version 1, a timestamp, and SipHash-2-4 over the client cookie, those fields and the
//! client's address, keyed with a secret of this node.
//!
//! The pipeline ([`super::finish`]) calls [`Cookies::reply`] for every answered query that
//! carried a COOKIE option and appends the option it returns to the reply's OPT record. The
//! answerers never see cookies: [`super::Transport::size_limit`] keeps room for the option
//! (28 bytes), so a reply that fitted still fits.
//!
//! What a cookie changes (RFC 7873 §5.2):
//! - only a client cookie, or a server cookie that does not verify (another node's, expired):
//!   answered as usual, with a fresh server cookie;
//! - a server cookie that verifies: answered as usual, and the source is proven (it received
//!   our earlier reply), so response-rate limiting lets the reply through (§5.2.5 allows it);
//! - a UDP reply RRL would slip (TC=1) goes out as BADCOOKIE with a fresh server cookie
//!   instead, as BIND does: the client retries with the cookie and is then exempt.
//! - a malformed option (length not 8 or 16–40) is FORMERR, decided when the query is parsed.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use cairn_wire::Rcode;
use siphasher::sip::SipHasher24;

/// The BADCOOKIE extended rcode (RFC 7873 §8).
pub const BADCOOKIE: Rcode = Rcode::Other(23);

/// Bytes a COOKIE option takes in a reply: code, length, client cookie, server cookie.
pub const REPLY_OPTION_LEN: usize = 4 + CLIENT_LEN + SERVER_LEN;

const CLIENT_LEN: usize = 8;
/// An RFC 9018 server cookie: version, 3 reserved bytes, timestamp, 8-byte hash.
const SERVER_LEN: usize = 16;
const VERSION: u8 = 1;
/// RFC 9018 §4.3: a server cookie older than an hour, or more than five minutes ahead of our
/// clock, does not verify.
const MAX_AGE_SECS: u32 = 3600;
const MAX_AHEAD_SECS: u32 = 300;

/// This node's cookie secret.
pub struct Cookies {
    secret: [u8; 16],
}

/// What a query's cookie decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    /// The client sent a server cookie this node made for it, recently.
    pub verified: bool,
    /// The COOKIE option's data to send: the client cookie, then a fresh server cookie.
    pub option: [u8; CLIENT_LEN + SERVER_LEN],
}

impl Cookies {
    /// Cookies with a random secret: server cookies are good only at this node (a client
    /// talking to another node learns that node's cookie on its first reply).
    pub fn random() -> Self {
        Self::with_secret(rand::random())
    }

    /// Cookies with a given secret (RFC 9018's examples; several nodes sharing one).
    pub fn with_secret(secret: [u8; 16]) -> Self {
        Self { secret }
    }

    /// The reply to a query's COOKIE option `data` (well formed: 8 or 16–40 bytes) from
    /// `source`, now.
    pub fn reply(&self, data: &[u8], source: Option<IpAddr>) -> Reply {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32);
        self.reply_at(data, source, now)
    }

    /// [`reply`](Self::reply) at `now` (seconds since the epoch, mod 2^32), for tests.
    pub fn reply_at(&self, data: &[u8], source: Option<IpAddr>, now: u32) -> Reply {
        let client: [u8; CLIENT_LEN] = data[..CLIENT_LEN].try_into().unwrap_or_default();
        let verified = self.verifies(&client, &data[CLIENT_LEN..], source, now);
        let mut option = [0; CLIENT_LEN + SERVER_LEN];
        option[..CLIENT_LEN].copy_from_slice(&client);
        option[CLIENT_LEN..].copy_from_slice(&self.server_cookie(&client, source, now));
        Reply { verified, option }
    }

    /// The server cookie for `client` at `source` stamped `timestamp` (RFC 9018 §4.2).
    pub fn server_cookie(
        &self,
        client: &[u8; CLIENT_LEN],
        source: Option<IpAddr>,
        timestamp: u32,
    ) -> [u8; SERVER_LEN] {
        let mut cookie = [0; SERVER_LEN];
        cookie[0] = VERSION;
        cookie[4..8].copy_from_slice(&timestamp.to_be_bytes());
        let mut hasher = SipHasher24::new_with_key(&self.secret);
        use std::hash::Hasher;
        hasher.write(client);
        hasher.write(&cookie[..8]);
        match source {
            Some(IpAddr::V4(ip)) => hasher.write(&ip.octets()),
            Some(IpAddr::V6(ip)) => hasher.write(&ip.octets()),
            None => {}
        }
        // SipHash's 64-bit result goes on the wire little-endian, as the reference code and
        // RFC 9018's examples have it.
        cookie[8..].copy_from_slice(&hasher.finish().to_le_bytes());
        cookie
    }

    /// Whether `server` (what followed the client cookie) is a cookie this node made for
    /// `client` at `source`, neither expired nor from the future.
    fn verifies(
        &self,
        client: &[u8; CLIENT_LEN],
        server: &[u8],
        source: Option<IpAddr>,
        now: u32,
    ) -> bool {
        if server.len() != SERVER_LEN || server[0] != VERSION || source.is_none() {
            return false;
        }
        let stamped = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
        // Serial arithmetic (RFC 1982): the clock wraps in 2106.
        let age = now.wrapping_sub(stamped);
        let fresh = age <= MAX_AGE_SECS || stamped.wrapping_sub(now) <= MAX_AHEAD_SECS;
        fresh
            && server[1..4] == [0, 0, 0]
            && self.server_cookie(client, source, stamped)[..] == *server
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn secret(s: &str) -> Cookies {
        Cookies::with_secret(hex(s).try_into().unwrap())
    }

    #[test]
    fn makes_rfc_9018_appendix_a_server_cookies() {
        // A.1: IPv4, a first query (client cookie only).
        let cookies = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let ip = Some("198.51.100.100".parse().unwrap());
        let client = hex("2464c4abcf10c957").try_into().unwrap();
        assert_eq!(
            cookies.server_cookie(&client, ip, 1559731985).to_vec(),
            hex("010000005cf79f111f8130c3eee29480")
        );
        // A.3: IPv6.
        let cookies = secret("dd3bdf9344b678b185a6f5cb60fca715");
        let ip = Some("2001:db8:220:1:59de:d0f4:8769:82b8".parse().unwrap());
        let client = hex("22681ab97d52c298").try_into().unwrap();
        assert_eq!(
            cookies.server_cookie(&client, ip, 1559741817).to_vec(),
            hex("010000005cf7c57926556bd0934c72f8")
        );
    }

    #[test]
    fn verifies_its_own_fresh_cookie_for_the_same_client_only() {
        let cookies = secret("000102030405060708090a0b0c0d0e0f");
        let ip: Option<IpAddr> = Some("192.0.2.1".parse().unwrap());
        let now = 1_700_000_000;
        let first = cookies.reply_at(&[7; 8], ip, now);
        assert!(!first.verified);
        assert_eq!(first.option[..8], [7; 8]);
        // The client sends back what it got: verified, for up to an hour.
        assert!(cookies.reply_at(&first.option, ip, now + 3600).verified);
        assert!(!cookies.reply_at(&first.option, ip, now + 3601).verified);
        // Up to five minutes in the future (another node's clock) is fine.
        assert!(cookies.reply_at(&first.option, ip, now - 300).verified);
        assert!(!cookies.reply_at(&first.option, ip, now - 301).verified);
        // Another address, client cookie, secret, or a flipped byte: not verified.
        let other_ip = Some("192.0.2.2".parse().unwrap());
        assert!(!cookies.reply_at(&first.option, other_ip, now).verified);
        let mut other_client = first.option;
        other_client[0] ^= 1;
        assert!(!cookies.reply_at(&other_client, ip, now).verified);
        assert!(
            !secret("ff0102030405060708090a0b0c0d0e0f")
                .reply_at(&first.option, ip, now)
                .verified
        );
        for i in 8..24 {
            let mut flipped = first.option;
            flipped[i] ^= 0x10;
            assert!(!cookies.reply_at(&flipped, ip, now).verified, "byte {i}");
        }
        // A server cookie of another length (8 to 32 bytes are allowed) is not ours.
        let mut long = first.option.to_vec();
        long.extend_from_slice(&[0; 8]);
        assert!(!cookies.reply_at(&long, ip, now).verified);
    }
}

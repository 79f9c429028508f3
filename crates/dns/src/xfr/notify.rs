//! NOTIFY (RFC 1996): after each applied change of a public zone, every `--notify` target is
//! told the new serial, off the query path, from a task of its own. A target that does not
//! answer is asked again a few times; the secondary then asks for IXFR itself.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::transfer::Rr;
use super::tsig::{self, Signer, TsigKey};
use super::wire::{self, put_record, CLASS_IN};
use super::Transfers;

/// Attempts per target and change.
pub const ATTEMPTS: u32 = 5;
/// The wait for an answer to the first attempt; doubled after each.
pub const FIRST_WAIT: Duration = Duration::from_millis(500);

/// A `--notify` target: `ADDR[:PORT][/KEY]` (port 53; the key named, or the first
/// `--tsig-key`, signs the NOTIFY).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    /// Where the secondary listens.
    pub addr: SocketAddr,
    /// The `--tsig-key` to sign with, by name.
    pub key: Option<String>,
}

impl NotifyTarget {
    /// Parses `ADDR[:PORT][/KEY]`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr, key) = match text.split_once('/') {
            Some((addr, key)) => (addr, Some(key.trim_end_matches('.').to_string())),
            None => (text, None),
        };
        let addr = addr
            .parse::<SocketAddr>()
            .or_else(|_| {
                addr.parse::<std::net::IpAddr>()
                    .map(|ip| SocketAddr::new(ip, 53))
            })
            .map_err(|_| {
                format!("--notify {text:?}: expected ADDR[:PORT][/KEY], e.g. 192.0.2.7:53/xfr-key")
            })?;
        Ok(Self { addr, key })
    }

    /// The key that signs NOTIFYs to this target, if any.
    pub fn key<'k>(&self, keys: &'k [TsigKey]) -> Option<&'k TsigKey> {
        match &self.key {
            Some(name) => keys.iter().find(|k| k.name().eq_ignore_ascii_case(name)),
            None => keys.first(),
        }
    }
}

/// The NOTIFY message for the zone whose SOA is `soa`, with `id`: the zone's SOA question
/// and the new SOA in the answer section (RFC 1996 §3.7).
pub fn message(id: u16, soa: &Rr) -> Vec<u8> {
    let mut msg = Vec::with_capacity(64 + soa.owner.len() * 2 + soa.rdata.len());
    msg.extend_from_slice(&id.to_be_bytes());
    let flags = (u16::from(wire::OPCODE_NOTIFY) << 11) | wire::AA;
    msg.extend_from_slice(&flags.to_be_bytes());
    msg.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0]);
    msg.extend_from_slice(&soa.owner);
    msg.extend_from_slice(&cairn_wire::rtype::SOA.to_be_bytes());
    msg.extend_from_slice(&CLASS_IN.to_be_bytes());
    put_record(
        &mut msg, &soa.owner, soa.rtype, CLASS_IN, soa.ttl, &soa.rdata,
    );
    msg
}

/// Sends a NOTIFY for `soa` to every target, each from its own task.
pub fn notify_all(transfers: &Arc<Transfers>, soa: Rr) {
    let soa = Arc::new(soa);
    for target in &transfers.config.notify {
        let (transfers, target, soa) = (transfers.clone(), target.clone(), soa.clone());
        tokio::spawn(async move {
            let key = target.key(&transfers.config.keys);
            if let Err(e) = send(&target, key, &soa).await {
                tracing::warn!(target = %target.addr, serial = soa.serial(), error = %e, "NOTIFY not answered; the secondary will see the change at its next refresh");
            }
        });
    }
}

/// Sends one NOTIFY and waits for its answer, retrying with a doubling wait.
pub async fn send(target: &NotifyTarget, key: Option<&TsigKey>, soa: &Rr) -> std::io::Result<()> {
    let bind: SocketAddr = if target.addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = tokio::net::UdpSocket::bind(bind).await?;
    socket.connect(target.addr).await?;
    let id: u16 = rand::random();
    let mut msg = message(id, soa);
    if let Some(key) = key {
        Signer::request(key, tsig::now()).sign(&mut msg, 0, &[]);
    }
    let mut wait = FIRST_WAIT;
    let mut buf = vec![0u8; 4096];
    for attempt in 1..=ATTEMPTS {
        socket.send(&msg).await?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => break,
                Ok(Err(e)) => return Err(e),
                Ok(Ok(n)) => {
                    let reply = &buf[..n];
                    let flags = wire::u16_at(reply, 2).unwrap_or(0);
                    if wire::u16_at(reply, 0) != Some(id) || flags & wire::QR == 0 {
                        continue;
                    }
                    let rcode = flags & 0xf;
                    tracing::debug!(target = %target.addr, serial = soa.serial(), attempt, rcode, "NOTIFY answered");
                    if rcode != 0 {
                        tracing::warn!(target = %target.addr, rcode, "NOTIFY answered with an error; check the secondary's allow-notify and key");
                    }
                    return Ok(());
                }
            }
        }
        wait *= 2;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no answer after {ATTEMPTS} attempts"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_and_without_port_and_key() {
        let t = NotifyTarget::parse("127.0.0.1:5300/k1").unwrap();
        assert_eq!(t.addr, "127.0.0.1:5300".parse().unwrap());
        assert_eq!(t.key.as_deref(), Some("k1"));
        let t = NotifyTarget::parse("192.0.2.7").unwrap();
        assert_eq!(t.addr.port(), 53);
        assert_eq!(t.key, None);
        assert_eq!(NotifyTarget::parse("[::1]:53").unwrap().addr.port(), 53);
        assert!(NotifyTarget::parse("ns1.example").is_err());
    }
}

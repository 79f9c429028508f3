//! One query to one server, with the anti-spoofing checks.
//!
//! Each query gets a random ID, a fresh UDP socket on a random source port (port 0, chosen
//! by the kernel) and a qname with randomized letter case (dns-0x20). A datagram is accepted
//! only if it comes from the address and port the query went to, is a response, carries the
//! same ID and echoes the question exactly, case included; anything else is counted and
//! ignored while the wait goes on. A truncated reply (TC=1) is retried over TCP to the same
//! server (RFC 7766 §5).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{timeout_at, Instant};

use super::message::{self, Message};
use super::name;

/// Why an exchange produced no usable reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExchangeError {
    /// Nothing acceptable arrived in time.
    Timeout,
    /// A socket operation failed.
    Io,
    /// The reply did not parse or failed a check (TCP has no second chance).
    Bad,
}

/// Counters the transport bumps.
#[derive(Debug, Default)]
pub(crate) struct TransportCounters {
    pub(crate) queries: std::sync::atomic::AtomicU64,
    pub(crate) ignored: std::sync::atomic::AtomicU64,
    pub(crate) tcp_retries: std::sync::atomic::AtomicU64,
    /// From sending a query to its accepted reply (a TCP retry included).
    pub(crate) latency: crate::latency::Histogram,
}

/// Sends `qname`/`qtype` to `server` and waits until `deadline` for an acceptable reply.
pub(crate) async fn exchange(
    server: SocketAddr,
    qname: &[u8],
    qtype: u16,
    ask: message::Ask,
    source: Option<IpAddr>,
    deadline: Instant,
    counters: &TransportCounters,
) -> Result<Message, ExchangeError> {
    use std::sync::atomic::Ordering::Relaxed;
    let id: u16 = rand::random();
    let sent_name = name::randomize_case(qname);
    let query = message::build_query(id, &sent_name, qtype, ask);
    let local = local_address(server, source);
    let socket = UdpSocket::bind(local)
        .await
        .map_err(|_| ExchangeError::Io)?;
    counters.queries.fetch_add(1, Relaxed);
    let sent = std::time::Instant::now();
    socket
        .send_to(&query, server)
        .await
        .map_err(|_| ExchangeError::Io)?;
    // Room for the largest datagram, left uninitialized: zeroing 64 KiB per upstream query
    // was two thirds of a cold query's instructions (BENCHMARKS.md, VPC resolver).
    let mut buf: Vec<u8> = Vec::with_capacity(65_535);
    let reply = loop {
        buf.clear();
        let received = timeout_at(deadline, socket.recv_buf_from(&mut buf)).await;
        let (len, from) = match received {
            Err(_) => return Err(ExchangeError::Timeout),
            // ICMP port unreachable and the like: the server is not there.
            Ok(Err(_)) => return Err(ExchangeError::Io),
            Ok(Ok(got)) => got,
        };
        if from != server {
            counters.ignored.fetch_add(1, Relaxed);
            continue;
        }
        match message::parse(&buf[..len]) {
            Ok(reply) if matches_query(&reply, id, &sent_name, qtype) => break reply,
            // A datagram with the wrong ID or question, or garbage: ignored as spoofed, the
            // real reply may still come.
            _ => {
                counters.ignored.fetch_add(1, Relaxed);
                continue;
            }
        }
    };
    if !reply.truncated() {
        counters.latency.observe(sent.elapsed());
        return Ok(reply);
    }
    counters.tcp_retries.fetch_add(1, Relaxed);
    counters.queries.fetch_add(1, Relaxed);
    match timeout_at(deadline, exchange_tcp(server, local, &query)).await {
        Err(_) => Err(ExchangeError::Timeout),
        Ok(Err(error)) => Err(error),
        Ok(Ok(bytes)) => match message::parse(&bytes) {
            Ok(reply) if matches_query(&reply, id, &sent_name, qtype) && !reply.truncated() => {
                counters.latency.observe(sent.elapsed());
                Ok(reply)
            }
            _ => {
                counters.ignored.fetch_add(1, Relaxed);
                Err(ExchangeError::Bad)
            }
        },
    }
}

/// Where a query to `server` leaves from: `source` (an outbound endpoint's address, when it
/// is of the server's family) on a random port, else the unspecified address.
fn local_address(server: SocketAddr, source: Option<IpAddr>) -> SocketAddr {
    match (server.ip(), source) {
        (IpAddr::V4(_), Some(ip @ IpAddr::V4(_))) | (IpAddr::V6(_), Some(ip @ IpAddr::V6(_))) => {
            (ip, 0).into()
        }
        (IpAddr::V4(_), _) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        (IpAddr::V6(_), _) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    }
}

/// The same query over TCP: two-octet length prefix both ways (RFC 1035 §4.2.2).
async fn exchange_tcp(
    server: SocketAddr,
    local: SocketAddr,
    query: &[u8],
) -> Result<Vec<u8>, ExchangeError> {
    let socket = if server.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(|_| ExchangeError::Io)?;
    socket.bind(local).map_err(|_| ExchangeError::Io)?;
    let mut stream: TcpStream = socket
        .connect(server)
        .await
        .map_err(|_| ExchangeError::Io)?;
    let len = u16::try_from(query.len()).map_err(|_| ExchangeError::Bad)?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    stream
        .write_all(&framed)
        .await
        .map_err(|_| ExchangeError::Io)?;
    let mut prefix = [0u8; 2];
    stream
        .read_exact(&mut prefix)
        .await
        .map_err(|_| ExchangeError::Io)?;
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream
        .read_exact(&mut reply)
        .await
        .map_err(|_| ExchangeError::Io)?;
    Ok(reply)
}

/// Whether `reply` answers the query sent: QR set, opcode QUERY, same ID, the question
/// echoed exactly (the 0x20 check compares bytes, so case must match), class IN.
fn matches_query(reply: &Message, id: u16, sent_name: &[u8], qtype: u16) -> bool {
    reply.is_response()
        && reply.opcode() == 0
        && reply.id == id
        && matches!(&reply.question, Some((name, t, c)) if name == sent_name && *t == qtype && *c == message::CLASS_IN)
}

/// The per-query deadline: `query_timeout` from now, but never past the resolution's.
pub(crate) fn query_deadline(query_timeout: Duration, overall: Instant) -> Instant {
    (Instant::now() + query_timeout).min(overall)
}

//! DNS listeners: UDP worker threads with one `SO_REUSEPORT` socket each, and TCP
//! connections on the async runtime (RFC 7766: pipelining, idle timeout).

pub mod tcp;
pub mod udp;

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use crate::respond::{respond_from, Origin, Transport};
use crate::snapshot::Snapshot;

/// The sockets of one `--dns-listen` address: UDP and TCP on the same port.
pub struct BoundDns {
    /// The address actually bound (the port is filled in when 0 was asked for).
    pub local: SocketAddr,
    /// One UDP socket per worker, all on `local`.
    pub udp: Vec<UdpSocket>,
    /// The TCP listener on `local`.
    pub tcp: TcpListener,
}

/// Binds `workers` UDP sockets and one TCP listener on `addr`. With port 0 the first UDP
/// socket picks the port and the rest follow it; if TCP cannot have that port, it retries.
pub fn bind(addr: SocketAddr, workers: usize) -> io::Result<BoundDns> {
    let workers = workers.max(1);
    let mut last_err = None;
    for _ in 0..16 {
        let first = udp_socket(addr)?;
        let local = first.local_addr()?;
        let tcp = match tcp_listener(local) {
            Ok(tcp) => tcp,
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => {
                last_err = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut udp = vec![first];
        for _ in 1..workers {
            udp.push(udp_socket(local)?);
        }
        return Ok(BoundDns { local, udp, tcp });
    }
    Err(last_err.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no free port")))
}

fn udp_socket(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    // Bursts of queries should queue, not drop, while a worker is busy.
    let _ = socket.set_recv_buffer_size(4 << 20);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

fn tcp_listener(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

//------------ the per-query guard (issue 7) -------------------------------------------

/// Answers `msg` from `origin` into `out` like [`respond_from`], but a panic in the query
/// path costs only this query: it is answered SERVFAIL (header only) and logged, and the
/// worker goes on. Returns whether `out` holds a reply to send.
pub fn respond_guarded(
    snapshot: &Snapshot,
    msg: &[u8],
    transport: Transport,
    origin: Origin<'_>,
    out: &mut Vec<u8>,
) -> bool {
    let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        respond_from(snapshot, msg, transport, origin, out).map(<[u8]>::len)
    }));
    match answered {
        Ok(Some(len)) => {
            out.truncate(len);
            true
        }
        Ok(None) => false,
        Err(_) => {
            tracing::error!(
                len = msg.len(),
                "bug: the query path panicked; answered SERVFAIL"
            );
            servfail(msg, out)
        }
    }
}

/// A header-only SERVFAIL for `msg`, unless `msg` is not a query at all.
pub(crate) fn servfail(msg: &[u8], out: &mut Vec<u8>) -> bool {
    if msg.len() < 12 || msg[2] & 0x80 != 0 {
        return false;
    }
    out.clear();
    out.extend_from_slice(&msg[..2]);
    // QR, the opcode and RD as asked; RCODE 2.
    out.push(0x80 | (msg[2] & 0x79));
    out.push(cairn_wire::rcode::SERVFAIL as u8);
    out.extend_from_slice(&[0; 8]);
    true
}

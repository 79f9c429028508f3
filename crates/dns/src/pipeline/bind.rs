//! The one way a listener binds: UDP and TCP on the same address and port.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// The sockets of one listener address.
pub struct Bound {
    /// The address actually bound (the port is filled in when 0 was asked for).
    pub local: SocketAddr,
    /// The UDP sockets, all on `local` (blocking).
    pub udp: Vec<UdpSocket>,
    /// The TCP listener on `local` (non-blocking, for the async runtime).
    pub tcp: TcpListener,
}

/// How many UDP sockets a listener wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpSockets {
    /// One socket per worker thread, sharing the port with `SO_REUSEPORT` (the public
    /// listener: the kernel spreads queries over the workers).
    PerWorker(usize),
    /// One socket, bound exclusively: a second process (or VPC) asking for the same address
    /// fails instead of silently taking half of its queries (the VPC resolver's addresses).
    Exclusive,
}

/// Binds `udp` UDP sockets and one TCP listener on `addr`. With port 0 the first UDP socket
/// picks the port and the rest follow it; if TCP cannot have that port, it tries again.
pub fn bind(addr: SocketAddr, udp: UdpSockets) -> io::Result<Bound> {
    let (count, reuse_port) = match udp {
        UdpSockets::PerWorker(n) => (n.max(1), true),
        UdpSockets::Exclusive => (1, false),
    };
    let mut last_err = None;
    for _ in 0..16 {
        let first = udp_socket(addr, reuse_port)?;
        let local = first.local_addr()?;
        let tcp = match bind_tcp(local) {
            Ok(tcp) => tcp,
            Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse => {
                last_err = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut udp = vec![first];
        for _ in 1..count {
            udp.push(udp_socket(local, reuse_port)?);
        }
        return Ok(Bound { local, udp, tcp });
    }
    Err(last_err.unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no free port")))
}

fn udp_socket(addr: SocketAddr, reuse_port: bool) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    // Bursts of queries should queue, not drop, while a worker is busy.
    let _ = socket.set_recv_buffer_size(4 << 20);
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Binds a TCP listener on `addr` alone (DNS over HTTPS), non-blocking.
pub fn bind_tcp(addr: SocketAddr) -> io::Result<TcpListener> {
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

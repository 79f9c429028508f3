//! The VPC resolver's sockets (DESIGN.md §2): shared `--resolver-listen` addresses that pick
//! the VPC by the client's source address, and each VPC's own "+2" address, bound on
//! `--vpc-dns-port` while the VPC exists (when the address is local to this node).
//!
//! Unlike the public listener, an answer may wait on the network (recursion, forwarding), so
//! every query is its own task; at most [`MAX_IN_FLIGHT`] run at once and queries beyond that
//! are dropped (the client retries), as resolvers do under overload.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{watch, Semaphore};

use crate::respond::Transport;
use crate::snapshot::SharedSnapshot;
use crate::vpc::answer::{answer, refuse, PublicResolver};

/// Queries answered at once across every resolver socket.
pub const MAX_IN_FLIGHT: usize = 4096;
/// TCP connections open at once across every resolver socket.
pub const MAX_TCP_CONNECTIONS: usize = 512;
/// A TCP connection idle this long is closed (RFC 7766 §6.2.3 suggests seconds).
pub const TCP_IDLE: Duration = Duration::from_secs(10);
/// How often the "+2" addresses are reconciled with the VPCs that exist.
pub const RECONCILE_INTERVAL: Duration = Duration::from_millis(200);

/// What every resolver socket shares.
pub struct ResolverService {
    /// The data plane's snapshot.
    pub shared: SharedSnapshot,
    /// Public resolution; `None` answers SERVFAIL for public names.
    pub public: Option<Arc<dyn PublicResolver>>,
    in_flight: Arc<Semaphore>,
    tcp_slots: Arc<Semaphore>,
}

impl ResolverService {
    /// A service over `shared`, resolving public names with `public`.
    pub fn new(shared: SharedSnapshot, public: Option<Arc<dyn PublicResolver>>) -> Arc<Self> {
        Arc::new(Self {
            shared,
            public,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            tcp_slots: Arc::new(Semaphore::new(MAX_TCP_CONNECTIONS)),
        })
    }

    /// A TCP connection slot (shared by Do53 TCP and DoH), or `None` when all are taken.
    pub fn try_tcp_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.tcp_slots.clone().try_acquire_owned().ok()
    }

    /// Whether a socket that picks its view by `choice` answers `source` at all: for an
    /// inbound endpoint, whether its security groups admit the source (TCP 443 for DoH).
    pub fn admits(&self, choice: &ViewChoice, source: IpAddr) -> bool {
        let snapshot = self.shared.load();
        match choice {
            ViewChoice::EndpointHttps(id) => snapshot
                .views
                .inbound
                .get(id)
                .is_some_and(|e| e.admits("tcp", 443, source)),
            ViewChoice::Endpoint(id) => snapshot
                .views
                .inbound
                .get(id)
                .is_some_and(|e| e.admits("tcp", 53, source)),
            ViewChoice::BySource | ViewChoice::Vpc(_) => true,
        }
    }

    /// [`reply`](Self::reply) with panics caught, so that a bug that panics answers
    /// SERVFAIL (like the public listener) instead of leaving the client waiting.
    pub async fn reply_guarded(
        self: &Arc<Self>,
        choice: &Arc<ViewChoice>,
        msg: Vec<u8>,
        source: IpAddr,
        transport: Transport,
    ) -> Option<Vec<u8>> {
        use futures_util::FutureExt;
        // AssertUnwindSafe: what a query shares with others is the immutable snapshot and
        // state behind the resolver's own locks, exactly as when this ran as a spawned task
        // (which also caught the panic); catching it in place saves a spawn per query.
        let answered = std::panic::AssertUnwindSafe(self.reply(choice, &msg, source, transport))
            .catch_unwind()
            .await;
        answered.unwrap_or_else(|_| {
            tracing::error!(
                len = msg.len(),
                "bug: the VPC resolver panicked; answered SERVFAIL"
            );
            let mut out = Vec::new();
            crate::listen::servfail(&msg[..msg.len().min(12)], &mut out).then_some(out)
        })
    }

    /// The reply to `msg` from `source`, in the view `choice` picks; `None` sends nothing.
    pub async fn reply(
        &self,
        choice: &ViewChoice,
        msg: &[u8],
        source: IpAddr,
        transport: Transport,
    ) -> Option<Vec<u8>> {
        let snapshot = self.shared.load_full();
        let (view, dns64) = match choice {
            ViewChoice::BySource => match snapshot.views.for_source(source) {
                Some(view) => (view.clone(), view.dns64_for(source)),
                None => return refuse(msg),
            },
            // The VPC was deleted a moment ago: its address is about to close.
            ViewChoice::Vpc(id) => {
                let view = snapshot.views.by_id.get(id)?.clone();
                let dns64 = view.dns64_for(source);
                (view, dns64)
            }
            ViewChoice::Endpoint(id) | ViewChoice::EndpointHttps(id) => {
                let endpoint = snapshot.views.inbound.get(id)?;
                let (protocol, port) = match (choice, transport) {
                    (ViewChoice::EndpointHttps(_), _) => ("tcp", 443),
                    (_, Transport::Udp) => ("udp", 53),
                    _ => ("tcp", 53),
                };
                // Like a security group, a source the rules do not admit gets nothing back.
                if !endpoint.admits(protocol, port, source) {
                    return None;
                }
                (
                    snapshot.views.by_id.get(&endpoint.vpc_id)?.clone(),
                    endpoint.dns64,
                )
            }
        };
        answer(
            &snapshot,
            &view,
            msg,
            transport,
            dns64,
            self.public.as_deref(),
        )
        .await
    }
}

/// How a socket picks the view a query is answered in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewChoice {
    /// By the client's source address (longest VPC block); REFUSED for a source in no VPC.
    BySource,
    /// Always this VPC (its "+2" address).
    Vpc(String),
    /// An inbound endpoint: its VPC's view, for sources its security groups admit.
    Endpoint(String),
    /// An inbound endpoint's DNS-over-HTTPS socket: the same, with the groups checked for
    /// TCP 443.
    EndpointHttps(String),
}

/// Binds UDP and TCP on `addr` for a resolver socket.
pub fn bind(addr: SocketAddr) -> io::Result<(UdpSocket, TcpListener)> {
    let domain = Domain::for_address(addr);
    let udp = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    let tcp = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        udp.set_only_v6(true)?;
        tcp.set_only_v6(true)?;
    }
    tcp.set_reuse_address(true)?;
    let _ = udp.set_recv_buffer_size(4 << 20);
    udp.bind(&addr.into())?;
    // With port 0, TCP takes the port UDP got.
    let udp_local = udp.local_addr()?.as_socket().unwrap_or(addr);
    tcp.bind(&udp_local.into())?;
    tcp.listen(1024)?;
    udp.set_nonblocking(true)?;
    tcp.set_nonblocking(true)?;
    Ok((
        UdpSocket::from_std(udp.into())?,
        TcpListener::from_std(tcp.into())?,
    ))
}

/// Binds a TCP listener on `addr` (for DNS over HTTPS).
pub fn bind_tcp(addr: SocketAddr) -> io::Result<TcpListener> {
    let tcp = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        tcp.set_only_v6(true)?;
    }
    tcp.set_reuse_address(true)?;
    tcp.bind(&addr.into())?;
    tcp.listen(1024)?;
    tcp.set_nonblocking(true)?;
    TcpListener::from_std(tcp.into())
}

/// Serves one UDP socket until `shutdown` turns true.
pub async fn serve_udp(
    socket: UdpSocket,
    service: Arc<ResolverService>,
    choice: ViewChoice,
    mut shutdown: watch::Receiver<bool>,
) {
    let socket = Arc::new(socket);
    let choice = Arc::new(choice);
    let mut buf = vec![0u8; 65535];
    loop {
        let (len, peer) = tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok(received) => received,
                Err(e) => {
                    tracing::debug!(error = %e, "resolver UDP receive failed");
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        if *shutdown.borrow() {
            return;
        }
        let Ok(permit) = service.in_flight.clone().try_acquire_owned() else {
            continue; // overloaded: drop, the client retries
        };
        let msg = buf[..len].to_vec();
        let (socket, service, choice) = (socket.clone(), service.clone(), choice.clone());
        tokio::spawn(async move {
            if let Some(reply) = service
                .reply_guarded(&choice, msg, peer.ip(), Transport::Udp)
                .await
            {
                let _ = socket.send_to(&reply, peer).await;
            }
            drop(permit);
        });
    }
}

/// Serves one TCP listener until `shutdown` turns true (RFC 7766 framing, answers in order).
pub async fn serve_tcp(
    listener: TcpListener,
    service: Arc<ResolverService>,
    choice: ViewChoice,
    mut shutdown: watch::Receiver<bool>,
) {
    let choice = Arc::new(choice);
    while let Some((stream, peer)) = accept(&listener, &mut shutdown).await {
        let Ok(slot) = service.tcp_slots.clone().try_acquire_owned() else {
            continue; // too many connections: close this one
        };
        let (service, choice) = (service.clone(), choice.clone());
        tokio::spawn(async move {
            let _ = connection(stream, peer, &service, &choice).await;
            drop(slot);
        });
    }
}

/// The next connection on `listener`, or `None` once `shutdown` changes. A failed accept
/// (e.g. out of file descriptors) is retried after a short pause instead of spinning.
pub(crate) async fn accept(
    listener: &TcpListener,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => return Some(accepted),
                Err(e) => {
                    tracing::debug!(error = %e, "resolver TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = shutdown.changed() => return None,
        }
    }
}

async fn connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    service: &Arc<ResolverService>,
    choice: &Arc<ViewChoice>,
) -> io::Result<()> {
    let mut len = [0u8; 2];
    loop {
        match tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut len)).await {
            Ok(Ok(_)) => {}
            _ => return Ok(()),
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut msg))
            .await
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        let Some(reply) = service
            .reply_guarded(choice, msg, peer.ip(), Transport::Tcp)
            .await
        else {
            continue;
        };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&(reply.len() as u16).to_be_bytes());
        framed.extend_from_slice(&reply);
        stream.write_all(&framed).await?;
    }
}

/// Where each VPC's "+2" resolver and each inbound endpoint address listens
/// (`vpc-…` or `rslvr-in-…` → addresses), for readiness reports.
pub type VpcListenerStatus = Arc<Mutex<BTreeMap<String, Vec<String>>>>;

/// What a resolver address serves: plain DNS on UDP and TCP, or DNS over HTTPS on TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Do53,
    Doh,
}

/// The sockets the VPCs and inbound endpoints should have now: `(owner id, address, kind,
/// view)`. Do53 on `port`; DoH on `doh_port` for inbound endpoints whose `Protocols` ask for
/// it, when DoH is configured.
fn desired_sockets(
    snapshot: &crate::snapshot::Snapshot,
    port: u16,
    doh_port: Option<u16>,
) -> Vec<(String, SocketAddr, Kind, ViewChoice)> {
    let mut desired: Vec<(String, SocketAddr, Kind, ViewChoice)> = snapshot
        .views
        .by_id
        .values()
        .map(|v| {
            let addr = SocketAddr::new(IpAddr::V4(v.vpc.resolver_address()), port);
            (
                v.vpc.id.clone(),
                addr,
                Kind::Do53,
                ViewChoice::Vpc(v.vpc.id.clone()),
            )
        })
        .collect();
    for endpoint in snapshot.views.inbound.values() {
        for ip in &endpoint.addresses {
            if endpoint.do53 {
                let choice = ViewChoice::Endpoint(endpoint.id.clone());
                desired.push((
                    endpoint.id.clone(),
                    SocketAddr::new(*ip, port),
                    Kind::Do53,
                    choice,
                ));
            }
            if let (true, Some(doh_port)) = (endpoint.doh, doh_port) {
                let choice = ViewChoice::EndpointHttps(endpoint.id.clone());
                desired.push((
                    endpoint.id.clone(),
                    SocketAddr::new(*ip, doh_port),
                    Kind::Doh,
                    choice,
                ));
            }
        }
    }
    // Oldest first would be nicer; ids sort stably, which is what matters for "first wins".
    desired.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    desired
}

/// Keeps one resolver socket on each VPC's "+2" address and on each inbound endpoint address,
/// on `port`, while they exist, and with `doh` a DNS-over-HTTPS socket on its port for each
/// address of an inbound endpoint whose `Protocols` include DoH. An address that cannot be
/// bound (not local to this node) is logged once and skipped; the rest keep serving.
pub async fn run_vpc_addresses(
    service: Arc<ResolverService>,
    port: u16,
    doh: Option<crate::vpc::doh::DohConfig>,
    status: VpcListenerStatus,
    mut shutdown: watch::Receiver<bool>,
) {
    // Bound sockets by address: who owns them, how they choose the view, how to stop them.
    let mut bound: HashMap<SocketAddr, (String, ViewChoice, watch::Sender<bool>)> = HashMap::new();
    let mut failed: HashSet<(String, SocketAddr)> = HashSet::new();
    loop {
        let snapshot = service.shared.load_full();
        let desired = desired_sockets(&snapshot, port, doh.as_ref().map(|d| d.port));
        // Close sockets whose owner is gone (or moved).
        bound.retain(|addr, (owner, choice, stop)| {
            let keep = desired
                .iter()
                .any(|(o, a, _, c)| a == addr && o == owner && c == choice);
            if !keep {
                let _ = stop.send(true);
                tracing::info!(owner = %owner, %addr, "resolver address closed");
            }
            keep
        });
        failed.retain(|(owner, addr)| desired.iter().any(|(o, a, _, _)| o == owner && a == addr));
        for (owner, addr, kind, choice) in desired {
            // Two owners of one address (VPCs with the same block): the first one bound answers.
            if bound.contains_key(&addr) || failed.contains(&(owner.clone(), addr)) {
                continue;
            }
            let (stop, stopped) = watch::channel(false);
            let started = match (kind, &doh) {
                (Kind::Do53, _) => bind(addr).map(|(udp, tcp)| {
                    tokio::spawn(serve_udp(
                        udp,
                        service.clone(),
                        choice.clone(),
                        stopped.clone(),
                    ));
                    tokio::spawn(serve_tcp(tcp, service.clone(), choice.clone(), stopped));
                }),
                (Kind::Doh, Some(doh)) => bind_tcp(addr).map(|tcp| {
                    let tls = doh.tls.clone();
                    tokio::spawn(crate::vpc::doh::serve(
                        tcp,
                        tls,
                        service.clone(),
                        choice.clone(),
                        stopped,
                    ));
                }),
                (Kind::Doh, None) => continue,
            };
            match started {
                Ok(()) => {
                    tracing::info!(owner = %owner, %addr, ?kind, "resolver address listening");
                    bound.insert(addr, (owner, choice, stop));
                }
                Err(e) => {
                    tracing::warn!(owner = %owner, %addr, error = %e, "cannot bind the resolver address (not local to this node?); skipped");
                    failed.insert((owner, addr));
                }
            }
        }
        if let Ok(mut status) = status.lock() {
            let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (addr, (owner, _, _)) in &bound {
                map.entry(owner.clone()).or_default().push(addr.to_string());
            }
            map.values_mut().for_each(|v| v.sort());
            *status = map;
        }
        tokio::select! {
            _ = tokio::time::sleep(RECONCILE_INTERVAL) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            for (_, (_, _, stop)) in bound {
                let _ = stop.send(true);
            }
            return;
        }
    }
}

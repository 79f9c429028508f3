//! The VPC resolver's listeners (DESIGN.md §2): shared `--resolver-listen` addresses that
//! pick the VPC by the client's source address, and each VPC's own "+2" address, bound on
//! `--vpc-dns-port` while the VPC exists (when the address is local to this node; which
//! addresses are bound follows the snapshot: [`crate::vpc::addresses`]).
//!
//! The sockets are the pipeline's ([`crate::pipeline`]: UDP, TCP, and DoH in
//! [`crate::vpc::doh`]); what is the VPC resolver's own is the answerer, [`VpcAnswerer`]:
//! which view a socket answers in, and the answer, which may wait on the network
//! (recursion, forwarding). Over UDP a query that must wait becomes its own task (one
//! answered at once, e.g. from the cache, does not); at most [`MAX_IN_FLIGHT`] are in flight
//! at once and queries beyond that are dropped (the client retries), as resolvers do under
//! overload.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cairn_model::ResolverEndpointId;
use cairn_wire::{Query, Rcode};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::pipeline::bind::{bind, Bound, UdpSockets};
use crate::pipeline::observe::ListenerKind;
use crate::pipeline::observe::ViewLabel;
use crate::pipeline::policy::{Flow, QueryPolicy};
use crate::pipeline::tcp::Slots;
use crate::pipeline::{
    early_reply, ede, Answerer, Early, Flavor, Hooks, Outcome, Peer, Selected, Transport,
};
use crate::snapshot::{SharedSnapshot, Snapshot};
use crate::view::VpcView;
use crate::vpc::answer::{answer, PublicResolver};
use crate::vpc::doh::Admits;

/// Queries answered at once across every resolver socket.
pub const MAX_IN_FLIGHT: usize = 4096;
/// TCP connections (Do53 and DoH) open at once across every resolver socket.
pub const MAX_TCP_CONNECTIONS: usize = 512;

/// What every resolver socket shares.
pub struct ResolverService {
    /// The data plane's snapshot.
    pub shared: SharedSnapshot,
    /// Public resolution; `None` answers SERVFAIL for public names.
    pub public: Option<Arc<dyn PublicResolver>>,
    /// The per-query policy consulted before any rule or zone (none: resolve everything).
    policy: Option<Arc<dyn QueryPolicy>>,
    hooks: Hooks,
    in_flight: Arc<Semaphore>,
    tcp_slots: Slots,
}

impl ResolverService {
    /// A service over `shared`, resolving public names with `public`.
    pub fn new(shared: SharedSnapshot, public: Option<Arc<dyn PublicResolver>>) -> Arc<Self> {
        Self::with(shared, public, None, Hooks::default())
    }

    /// [`new`](Self::new) with a per-query `policy` and the pipeline's `hooks`.
    pub fn with(
        shared: SharedSnapshot,
        public: Option<Arc<dyn PublicResolver>>,
        policy: Option<Arc<dyn QueryPolicy>>,
        hooks: Hooks,
    ) -> Arc<Self> {
        Arc::new(Self {
            shared,
            public,
            policy,
            hooks,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            tcp_slots: Slots::new(MAX_TCP_CONNECTIONS),
        })
    }

    /// The TCP connection slots every resolver socket shares (Do53 TCP and DoH).
    pub fn tcp_slots(&self) -> &Slots {
        &self.tcp_slots
    }

    /// The answerer of a socket that picks its view by `choice`.
    pub fn answerer(self: &Arc<Self>, choice: ViewChoice) -> Arc<VpcAnswerer> {
        Arc::new(VpcAnswerer {
            service: self.clone(),
            choice,
        })
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
    Endpoint(ResolverEndpointId),
    /// An inbound endpoint's DNS-over-HTTPS socket: the same, with the groups checked for
    /// TCP 443.
    EndpointHttps(ResolverEndpointId),
}

/// The VPC resolver's answerer for one socket: its [`ViewChoice`] over the shared service.
pub struct VpcAnswerer {
    service: Arc<ResolverService>,
    choice: ViewChoice,
}

/// The view a VPC query is answered in.
pub struct Target {
    snapshot: Arc<Snapshot>,
    view: Arc<VpcView>,
    dns64: bool,
}

impl Admits for VpcAnswerer {
    /// Whether this socket answers `source` at all: for an inbound endpoint, whether its
    /// security groups admit the source (TCP 443 for DoH, TCP 53 otherwise).
    fn admits(&self, source: IpAddr) -> bool {
        let snapshot = self.service.shared.load();
        match &self.choice {
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
}

impl VpcAnswerer {
    /// The shared service.
    pub fn service(&self) -> &Arc<ResolverService> {
        &self.service
    }
}

impl Answerer for VpcAnswerer {
    type View = Target;
    const FLAVOR: Flavor = Flavor {
        recursion_available: true,
        echo_ecs: false,
    };

    fn hooks(&self) -> &Hooks {
        &self.service.hooks
    }

    fn kind(&self) -> ListenerKind {
        match self.choice {
            ViewChoice::BySource => ListenerKind::Resolver,
            ViewChoice::Vpc(_) => ListenerKind::Vpc,
            ViewChoice::Endpoint(_) | ViewChoice::EndpointHttps(_) => ListenerKind::InboundEndpoint,
        }
    }

    fn select(&self, peer: &Peer) -> Selected<Target> {
        let Some(source) = peer.source else {
            return Selected::Drop;
        };
        let snapshot = self.service.shared.load_full();
        let (view, dns64) = match &self.choice {
            ViewChoice::BySource => match snapshot.views.for_source(source) {
                Some(view) => (view.clone(), view.dns64_for(source)),
                None => return Selected::Refuse,
            },
            // The VPC was deleted a moment ago: its address is about to close.
            ViewChoice::Vpc(id) => match snapshot.views.by_id.get(id) {
                Some(view) => (view.clone(), view.dns64_for(source)),
                None => return Selected::Drop,
            },
            ViewChoice::Endpoint(id) | ViewChoice::EndpointHttps(id) => {
                let Some(endpoint) = snapshot.views.inbound.get(id) else {
                    return Selected::Drop;
                };
                let (protocol, port) = match (&self.choice, peer.transport) {
                    (ViewChoice::EndpointHttps(_), _) => ("tcp", 443),
                    (_, Transport::Udp) => ("udp", 53),
                    _ => ("tcp", 53),
                };
                // Like a security group, a source the rules do not admit gets nothing back.
                if !endpoint.admits(protocol, port, source) {
                    return Selected::Drop;
                }
                match snapshot.views.by_id.get(&endpoint.vpc_id) {
                    Some(view) => (view.clone(), endpoint.dns64),
                    None => return Selected::Drop,
                }
            }
        };
        Selected::View(Target {
            snapshot,
            view,
            dns64,
        })
    }

    fn serves(&self, target: &Target) -> bool {
        target.view.answers()
    }

    fn label<'v>(&self, target: &'v Target) -> ViewLabel<'v> {
        ViewLabel::Vpc(&target.view.vpc.id)
    }

    async fn answer<'a>(
        &'a self,
        target: &'a Target,
        query: &'a Query<'a>,
        peer: &'a Peer,
        out: &'a mut Vec<u8>,
    ) -> Outcome {
        // The policy seam: before any rule, private zone or public name is looked at.
        if let (Some(policy), Some(source)) = (&self.service.policy, peer.source) {
            if let Flow::Respond(rcode) = policy.check(&target.view, query, source) {
                let early = match rcode {
                    Rcode::Refused => Early::with_ede(rcode, ede::PROHIBITED, ""),
                    _ => rcode.into(),
                };
                return early_reply(query, Self::FLAVOR, early, out);
            }
        }
        answer(
            &target.snapshot,
            &target.view,
            query,
            peer.transport,
            target.dns64,
            self.service.public.as_deref(),
            out,
        )
        .await
    }
}

/// Binds UDP and TCP on `addr` for a resolver socket (exclusively: see [`UdpSockets`]).
pub fn bind_resolver(addr: SocketAddr) -> io::Result<Bound> {
    bind(addr, UdpSockets::Exclusive)
}

/// Serves a bound resolver address with `answerer` (UDP and TCP) until `stop` is cancelled;
/// returns the address.
pub fn serve(
    bound: Bound,
    answerer: Arc<VpcAnswerer>,
    stop: &CancellationToken,
) -> io::Result<SocketAddr> {
    spawn(bound, answerer, stop).map(|(local, _)| local)
}

/// [`serve`], also returning the serving tasks: once they have ended after `stop`, the
/// listening sockets are closed (a UDP socket stays open until the answers in flight on it
/// are sent).
pub(crate) fn spawn(
    bound: Bound,
    answerer: Arc<VpcAnswerer>,
    stop: &CancellationToken,
) -> io::Result<(SocketAddr, Vec<JoinHandle<()>>)> {
    let Bound { local, udp, tcp } = bound;
    let tcp = tokio::net::TcpListener::from_std(tcp)?;
    let mut spawned = Vec::with_capacity(udp.len());
    for socket in udp {
        socket.set_nonblocking(true)?;
        spawned.push(tokio::net::UdpSocket::from_std(socket)?);
    }
    let in_flight = answerer.service.in_flight.clone();
    let mut tasks = Vec::with_capacity(spawned.len() + 1);
    for socket in spawned {
        tasks.push(tokio::spawn(crate::pipeline::udp::serve(
            socket,
            answerer.clone(),
            in_flight.clone(),
            stop.clone(),
        )));
    }
    let slots = answerer.service.tcp_slots.clone();
    tasks.push(tokio::spawn(crate::pipeline::tcp::serve(
        tcp,
        answerer,
        slots,
        stop.clone(),
    )));
    Ok((local, tasks))
}

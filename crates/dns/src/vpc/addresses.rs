//! The resolver addresses that come and go with the network: each VPC's "+2" address and
//! each inbound endpoint address (Do53, and DoH when its `Protocols` ask for it).
//!
//! The set of bound sockets follows the snapshot: the follower calls
//! [`VpcAddresses::follow`] after it swaps each snapshot in and before it reports the
//! sequence applied ([`crate::follow::Follower`]), so an API call that waits for this node to
//! serve its change (CreateVpc, CreateResolverEndpoint, …) answers once the new addresses
//! answer DNS, and a deleted VPC's or endpoint's sockets are closed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::snapshot::Snapshot;
use crate::vpc::doh::DohConfig;
use crate::vpc::listen::{bind_resolver, spawn, ResolverService, ViewChoice};

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
    snapshot: &Snapshot,
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
                    endpoint.id.to_string(),
                    SocketAddr::new(*ip, port),
                    Kind::Do53,
                    choice,
                ));
            }
            if let (true, Some(doh_port)) = (endpoint.doh, doh_port) {
                let choice = ViewChoice::EndpointHttps(endpoint.id.clone());
                desired.push((
                    endpoint.id.to_string(),
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

/// One bound address: who owns it, how it chooses the view, how to stop it, and the tasks
/// that hold its sockets.
struct Socket {
    owner: String,
    choice: ViewChoice,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// Keeps one resolver socket on each VPC's "+2" address and on each inbound endpoint
/// address, on `port`, while they exist, and with DoH configured a DNS-over-HTTPS socket on
/// its port for each address of an inbound endpoint whose `Protocols` include DoH. An
/// address that cannot be bound (not local to this node) is logged once and skipped; the
/// rest keep serving.
pub struct VpcAddresses {
    service: Arc<ResolverService>,
    port: u16,
    doh: Option<DohConfig>,
    status: VpcListenerStatus,
    stop: CancellationToken,
    bound: HashMap<SocketAddr, Socket>,
    failed: HashSet<(String, SocketAddr)>,
}

impl VpcAddresses {
    /// Nothing bound yet; sockets are children of `stop` (cancelling it closes them all).
    pub fn new(
        service: Arc<ResolverService>,
        port: u16,
        doh: Option<DohConfig>,
        status: VpcListenerStatus,
        stop: CancellationToken,
    ) -> Self {
        Self {
            service,
            port,
            doh,
            status,
            stop,
            bound: HashMap::new(),
            failed: HashSet::new(),
        }
    }

    /// Binds the addresses `snapshot` has and this node lacks, and closes those it no longer
    /// has; returns once the closed ones' listening sockets are gone.
    pub async fn follow(&mut self, snapshot: &Snapshot) {
        let desired = desired_sockets(snapshot, self.port, self.doh.as_ref().map(|d| d.port));
        // Close sockets whose owner is gone (or moved).
        let gone: Vec<SocketAddr> = self
            .bound
            .iter()
            .filter(|(addr, s)| {
                !desired
                    .iter()
                    .any(|(o, a, _, c)| a == *addr && *o == s.owner && *c == s.choice)
            })
            .map(|(addr, _)| *addr)
            .collect();
        let mut closing = Vec::new();
        for addr in gone {
            if let Some(socket) = self.bound.remove(&addr) {
                socket.stop.cancel();
                tracing::info!(owner = %socket.owner, %addr, "resolver address closed");
                closing.extend(socket.tasks);
            }
        }
        // Wait for them: the API answers a deletion once nothing listens, and an address
        // freed here can be bound again below (a VPC that shared it with a deleted one).
        for task in closing {
            let _ = task.await;
        }
        self.failed
            .retain(|(owner, addr)| desired.iter().any(|(o, a, _, _)| o == owner && a == addr));
        for (owner, addr, kind, choice) in desired {
            // Two owners of one address (VPCs with the same block): the first one bound answers.
            if self.bound.contains_key(&addr) || self.failed.contains(&(owner.clone(), addr)) {
                continue;
            }
            let stop = self.stop.child_token();
            let started = match (kind, &self.doh) {
                (Kind::Do53, _) => bind_resolver(addr).and_then(|b| {
                    spawn(b, self.service.answerer(choice.clone()), &stop).map(|(_, t)| t)
                }),
                (Kind::Doh, Some(doh)) => crate::pipeline::bind::bind_tcp(addr)
                    .and_then(tokio::net::TcpListener::from_std)
                    .map(|tcp| {
                        vec![tokio::spawn(crate::vpc::doh::serve(
                            tcp,
                            doh.tls.clone(),
                            self.service.answerer(choice.clone()),
                            self.service.tcp_slots().clone(),
                            stop.clone(),
                        ))]
                    }),
                (Kind::Doh, None) => continue,
            };
            match started {
                Ok(tasks) => {
                    tracing::info!(owner = %owner, %addr, ?kind, "resolver address listening");
                    self.bound.insert(
                        addr,
                        Socket {
                            owner,
                            choice,
                            stop,
                            tasks,
                        },
                    );
                }
                Err(e) => {
                    tracing::warn!(owner = %owner, %addr, error = %e, "cannot bind the resolver address (not local to this node?); skipped");
                    self.failed.insert((owner, addr));
                }
            }
        }
        if let Ok(mut status) = self.status.lock() {
            let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (addr, socket) in &self.bound {
                map.entry(socket.owner.clone())
                    .or_default()
                    .push(addr.to_string());
            }
            map.values_mut().for_each(|v| v.sort());
            *status = map;
        }
    }
}

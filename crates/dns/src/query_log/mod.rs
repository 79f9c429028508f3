//! Query logging (issue 13): an [`Observer`] at the pipeline's record seam that writes one
//! Resolver query log record per query answered in a VPC with an associated query log config
//! (also through its inbound endpoints), and one public query log line per query to the
//! public listener for a zone with a query logging config.
//!
//! ```text
//!   answering thread: QueryRecord ──► QueryLogger::record ── VPC / zone logged? ──no──► done
//!                                                 │ yes: copy the query and reply
//!                                                 ▼
//!                                 sink::Queue (bounded; full → dropped, counted)
//!                                                 ▼
//!   writer thread:      record::resolver_json / public_line ──► <root>/logs/NAME.jsonl …
//! ```
//!
//! Which VPCs and zones are logged comes from the served snapshot's `NetworkContents`,
//! compiled into [`Targets`] the first time a record sees a new snapshot of it; a VPC without
//! a config pays two atomic loads, a pointer comparison and one hash lookup.

pub mod record;
pub mod sink;

use std::fmt::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use cairn_model::network::NetworkContents;
use cairn_model::HostedZoneId;
use rustc_hash::FxHashMap;

use crate::pipeline::observe::{ListenerKind, Observer, QueryRecord, ViewLabel};
use crate::snapshot::SharedSnapshot;
use record::{FirewallFields, PublicQuery, ResolverQuery, SourceIds};
use sink::{Counters, Pending, Queue};

/// What is logged where, compiled from one `NetworkContents`.
#[derive(Debug, Default)]
struct Targets {
    /// What these were compiled from (compared by pointer with the served one).
    network: Arc<NetworkContents>,
    /// Logged VPCs by id.
    vpcs: FxHashMap<String, VpcTarget>,
    /// Inbound endpoint addresses: (endpoint id, address id).
    endpoints: FxHashMap<IpAddr, (String, String)>,
    /// Logged public zones: their log file.
    public: FxHashMap<HostedZoneId, Arc<Path>>,
}

#[derive(Debug)]
struct VpcTarget {
    account: String,
    region: String,
    /// One file per associated config (a VPC may have several).
    files: Vec<Arc<Path>>,
}

impl Targets {
    fn compile(network: Arc<NetworkContents>, root: &Path) -> Self {
        let mut files: FxHashMap<&str, Arc<Path>> = FxHashMap::default();
        for c in &network.query_log_configs {
            if let Some(path) = sink::path_for(root, &c.destination_arn) {
                files.insert(&c.id, path.into());
            }
        }
        let mut vpcs: FxHashMap<String, VpcTarget> = FxHashMap::default();
        for a in &network.query_log_associations {
            let (Some(file), Some(vpc)) = (
                files.get(a.config_id.as_str()),
                network.vpcs.iter().find(|v| v.id == a.vpc_id),
            ) else {
                continue;
            };
            vpcs.entry(a.vpc_id.clone())
                .or_insert_with(|| VpcTarget {
                    account: vpc.owner_account.clone(),
                    region: vpc.region.clone(),
                    files: Vec::new(),
                })
                .files
                .push(file.clone());
        }
        let endpoints = network
            .endpoints
            .iter()
            .filter(|e| vpcs.contains_key(&e.host_vpc_id))
            .flat_map(|e| {
                e.addresses.iter().flat_map(move |a| {
                    let ids = (e.id.to_string(), a.ip_id.clone());
                    let v4 = a.ip.map(|ip| (IpAddr::from(ip), ids.clone()));
                    let v6 = a.ipv6.map(|ip| (IpAddr::from(ip), ids.clone()));
                    v4.into_iter().chain(v6)
                })
            })
            .collect();
        let public = network
            .public_query_log_configs
            .iter()
            .filter_map(|c| {
                let path = sink::path_for(root, &c.log_group_arn)?;
                Some((c.zone_id.clone(), path.into()))
            })
            .collect();
        Self {
            network,
            vpcs,
            endpoints,
            public,
        }
    }
}

/// The query logging observer.
pub struct QueryLogger {
    shared: SharedSnapshot,
    targets: ArcSwap<Targets>,
    root: PathBuf,
    edge: String,
    queue: Queue,
    counters: Arc<Counters>,
}

impl QueryLogger {
    /// Logs under `root` (see [`sink`] for the files), naming this node `edge` in public
    /// query log lines; starts the writer thread.
    pub fn start(shared: SharedSnapshot, root: PathBuf, edge: String) -> std::io::Result<Self> {
        let counters = Arc::new(Counters::default());
        Ok(Self {
            shared,
            targets: ArcSwap::from_pointee(Targets::default()),
            root,
            edge,
            queue: Queue::start(counters.clone())?,
            counters,
        })
    }

    /// Appends `cairn_query_log_records_total{result="written|dropped"}` (Prometheus text).
    pub fn render(&self, out: &mut String) {
        crate::metrics::header(
            out,
            "cairn_query_log_records_total",
            "Query log records written to their file, or dropped (queue full or file unwritable).",
            "counter",
        );
        for (result, n) in [
            ("written", &self.counters.written),
            ("dropped", &self.counters.dropped),
        ] {
            let _ = writeln!(
                out,
                "cairn_query_log_records_total{{result=\"{result}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
    }

    /// The targets of the served network, recompiled when it changed.
    #[inline]
    fn targets(&self) -> arc_swap::Guard<Arc<Targets>> {
        let current = self.targets.load();
        let network = &self.shared.load().network;
        if Arc::ptr_eq(&current.network, network) {
            return current;
        }
        self.targets
            .store(Arc::new(Targets::compile(network.clone(), &self.root)));
        self.targets.load()
    }

    fn log_vpc(&self, target: &VpcTarget, targets: &Targets, vpc: &str, r: &QueryRecord<'_>) {
        let source_ids = match r.kind {
            ListenerKind::InboundEndpoint => match targets.endpoints.get(&r.listener.ip()) {
                Some((endpoint, interface)) => SourceIds::InboundEndpoint {
                    endpoint: endpoint.clone(),
                    interface: interface.clone(),
                },
                None => SourceIds::Vpc,
            },
            _ => SourceIds::Vpc,
        };
        let query = ResolverQuery {
            account_id: target.account.clone(),
            region: target.region.clone(),
            vpc_id: vpc.to_string(),
            time: SystemTime::now(),
            qname: r.qname.to_vec(),
            qtype: r.qtype,
            rcode: r.rcode,
            response: r.response.to_vec(),
            source: r.source,
            port: r.port,
            transport: r.transport,
            source_ids,
            firewall: r.firewall.map(|f| FirewallFields {
                rule_group_id: f.rule_group_id.to_string(),
                action: f.action.to_string(),
                domain_list_id: f.domain_list_id.to_string(),
            }),
        };
        for file in &target.files {
            self.queue
                .push(Pending::Resolver(file.clone(), Box::new(query.clone())));
        }
    }

    fn log_public(&self, targets: &Targets, r: &QueryRecord<'_>) {
        let lower = cairn_wire::name::to_lowercase(r.qname);
        let snapshot = self.shared.load();
        let Some(zone) = snapshot.find_public_zone(&lower) else {
            return;
        };
        let Some(file) = targets.public.get(&zone.id) else {
            return;
        };
        let query = PublicQuery {
            time: SystemTime::now(),
            zone_id: zone.id.to_string(),
            qname: r.qname.to_vec(),
            qtype: r.qtype,
            rcode: r.rcode,
            transport: r.transport,
            edge: self.edge.clone(),
            source: r.source,
            query: r.query.to_vec(),
        };
        self.queue
            .push(Pending::Public(file.clone(), Box::new(query)));
    }
}

impl Observer for QueryLogger {
    fn record(&self, r: &QueryRecord<'_>) {
        match r.view {
            ViewLabel::Vpc(vpc) => {
                let targets = self.targets();
                if let Some(target) = targets.vpcs.get(vpc) {
                    self.log_vpc(target, &targets, vpc, r);
                }
            }
            ViewLabel::Public if r.kind == ListenerKind::Public && !r.qname.is_empty() => {
                let targets = self.targets();
                if !targets.public.is_empty() {
                    self.log_public(&targets, r);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;

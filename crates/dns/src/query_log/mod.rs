//! Query logging (issue 13): an [`Observer`] at the pipeline's record seam that writes one
//! Resolver query log record per query answered in a VPC with an associated query log config
//! (also through its inbound endpoints), and one public query log line per query to the
//! public listener for a zone with a query logging config.
//!
//! ```text
//!   answering thread: QueryRecord ──► QueryLogger::record ── VPC / zone logged? ──no──► done
//!                                                 │ yes: copy fixed fields, name and reply
//!                                                 ▼
//!                        queue::Queue (one growing buffer; full → dropped, counted)
//!                                                 ▼ taken every 50 ms
//!   writer thread:      record::Renderer (JSON / 1.0 line) ──► <root>/logs/NAME.jsonl …
//! ```
//!
//! Which VPCs and zones are logged comes from the served snapshot's `NetworkContents`,
//! compiled into [`Targets`] the first time a record sees a new snapshot of it; a VPC without
//! a config pays two atomic loads, a pointer comparison and one hash lookup. What every
//! record of a VPC repeats (its account, region and id; an endpoint's `srcids`) is rendered
//! there too, once.

mod answers;
pub mod queue;
pub mod record;
pub mod sink;

use std::fmt::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use cairn_model::network::NetworkContents;
use cairn_model::HostedZoneId;
use rustc_hash::FxHashMap;

use crate::pipeline::observe::{ListenerKind, Observer, QueryRecord, ViewLabel};
use crate::snapshot::SharedSnapshot;
use queue::{Counters, Entry, Kind, Queue, NO_ENDPOINT};

/// What is logged where, compiled from one `NetworkContents`. Queued records name their VPC,
/// endpoint and zone by position in these lists, and keep the `Targets` alive until written.
#[derive(Debug, Default)]
pub struct Targets {
    /// What these were compiled from (compared by pointer with the served one).
    network: Arc<NetworkContents>,
    /// Logged VPCs by id: their position in `vpc_list`.
    vpcs: FxHashMap<String, u32>,
    /// Logged VPCs.
    pub(crate) vpc_list: Vec<VpcTarget>,
    /// Inbound endpoint addresses of logged VPCs: their position in `endpoint_list`.
    endpoints: FxHashMap<IpAddr, u32>,
    /// Each address's `srcids` members (endpoint id, address id).
    pub(crate) endpoint_list: Vec<String>,
    /// Logged public zones: their position in `public_list`.
    public: FxHashMap<HostedZoneId, u32>,
    /// Logged public zones.
    pub(crate) public_list: Vec<PublicTarget>,
}

/// A logged VPC.
#[derive(Debug)]
pub(crate) struct VpcTarget {
    /// Its records' first members ([`record::vpc_head`]).
    pub(crate) head: String,
    /// One file per associated config (a VPC may have several).
    pub(crate) files: Vec<Arc<Path>>,
}

/// A logged public zone.
#[derive(Debug)]
pub(crate) struct PublicTarget {
    /// The bare hosted zone id.
    pub(crate) zone_id: String,
    pub(crate) file: Arc<Path>,
}

impl Targets {
    fn compile(network: Arc<NetworkContents>, root: &Path) -> Self {
        let mut files: FxHashMap<&str, Arc<Path>> = FxHashMap::default();
        for c in &network.query_log_configs {
            if let Some(path) = sink::path_for(root, &c.destination_arn) {
                files.insert(&c.id, path.into());
            }
        }
        let mut vpcs: FxHashMap<String, u32> = FxHashMap::default();
        let mut vpc_list: Vec<VpcTarget> = Vec::new();
        for a in &network.query_log_associations {
            let (Some(file), Some(vpc)) = (
                files.get(a.config_id.as_str()),
                network.vpcs.iter().find(|v| v.id == a.vpc_id),
            ) else {
                continue;
            };
            let at = *vpcs.entry(a.vpc_id.clone()).or_insert_with(|| {
                vpc_list.push(VpcTarget {
                    head: record::vpc_head(&vpc.owner_account, &vpc.region, &vpc.id),
                    files: Vec::new(),
                });
                (vpc_list.len() - 1) as u32
            });
            vpc_list[at as usize].files.push(file.clone());
        }
        let mut endpoints = FxHashMap::default();
        let mut endpoint_list = Vec::new();
        for e in network
            .endpoints
            .iter()
            .filter(|e| vpcs.contains_key(&e.host_vpc_id))
        {
            for a in &e.addresses {
                let at = endpoint_list.len() as u32;
                endpoint_list.push(record::endpoint_srcids(e.id.as_ref(), &a.ip_id));
                let v4 = a.ip.map(IpAddr::from);
                let v6 = a.ipv6.map(IpAddr::from);
                for ip in v4.into_iter().chain(v6) {
                    endpoints.insert(ip, at);
                }
            }
        }
        let mut public = FxHashMap::default();
        let mut public_list = Vec::new();
        for c in &network.public_query_log_configs {
            let Some(path) = sink::path_for(root, &c.log_group_arn) else {
                continue;
            };
            public.insert(c.zone_id.clone(), public_list.len() as u32);
            public_list.push(PublicTarget {
                zone_id: c.zone_id.to_string(),
                file: path.into(),
            });
        }
        Self {
            network,
            vpcs,
            vpc_list,
            endpoints,
            endpoint_list,
            public,
            public_list,
        }
    }
}

/// The query logging observer.
pub struct QueryLogger {
    shared: SharedSnapshot,
    targets: ArcSwap<Targets>,
    root: PathBuf,
    queue: Arc<Queue>,
    counters: Arc<Counters>,
}

impl QueryLogger {
    /// Logs under `root` (see [`sink`] for the files), naming this node `edge` in public
    /// query log lines; starts the writer thread.
    pub fn start(shared: SharedSnapshot, root: PathBuf, edge: String) -> std::io::Result<Self> {
        let counters = Arc::new(Counters::default());
        let queue = Arc::new(Queue::new(counters.clone()));
        sink::start(queue.clone(), edge)?;
        Ok(Self {
            shared,
            targets: ArcSwap::from_pointee(Targets::default()),
            root,
            queue,
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

    fn log_public(&self, targets: &Arc<Targets>, r: &QueryRecord<'_>) {
        let lower = cairn_wire::name::to_lowercase(r.qname);
        let snapshot = self.shared.load();
        // The zone that answered: a DS at a child's apex is the parent's (respond.rs).
        let Some(zone) = snapshot.answering_zone(&lower, r.qtype) else {
            return;
        };
        let Some(&at) = targets.public.get(&zone.id) else {
            return;
        };
        let entry = Entry {
            kind: Kind::Public,
            target: at,
            message: r.query,
            ..entry(r)
        };
        self.queue.push(targets, 1, &entry);
    }
}

/// The fields of `r` every record keeps, for a Resolver query log record.
fn entry<'a>(r: &QueryRecord<'a>) -> Entry<'a> {
    let time_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    Entry {
        kind: Kind::Resolver,
        target: 0,
        endpoint: NO_ENDPOINT,
        time_ms,
        qtype: r.qtype,
        rcode: r.rcode,
        port: r.port,
        transport: r.transport,
        source: r.source,
        firewall: r.firewall,
        qname: r.qname,
        message: r.response,
    }
}

impl Observer for QueryLogger {
    fn record(&self, r: &QueryRecord<'_>) {
        match r.view {
            ViewLabel::Vpc(vpc) => {
                let targets = self.targets();
                let Some(&at) = targets.vpcs.get(vpc) else {
                    return;
                };
                let endpoint = match r.kind {
                    ListenerKind::InboundEndpoint => targets
                        .endpoints
                        .get(&r.listener.ip())
                        .copied()
                        .unwrap_or(NO_ENDPOINT),
                    _ => NO_ENDPOINT,
                };
                let files = targets.vpc_list[at as usize].files.len();
                let entry = Entry {
                    target: at,
                    endpoint,
                    ..entry(r)
                };
                self.queue.push(&targets, files, &entry);
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

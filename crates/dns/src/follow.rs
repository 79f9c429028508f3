//! Following the store's change log: reload only the zones that changed, compile them off
//! the async runtime, swap a new snapshot in, and report the applied sequence.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cairn_model::{ChangeSeq, DomainName, HostedZoneId};
use cairn_store::{ChangeFeed, ChangeSubject, StoreError};
use tokio::sync::{watch, Notify};

use crate::compile::{compile_zone_signed, patch_zone};
use crate::routing::CidrTable;
use crate::snapshot::{SharedSnapshot, Snapshot};
use crate::vpc::addresses::VpcAddresses;
use crate::xfr::journal::{self, Delta};
use crate::xfr::{notify, serial, transfer, Transfers};
use crate::zone::name_key;

/// How often the log is polled when nobody pokes the follower, by default. Writes from
/// another process (the `cairn zone import` CLI on SQLite, or another node when its
/// LISTEN/NOTIFY connection is down) are seen within this.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often an idle node still reports, so the store counts it as live.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);

/// How far a node has followed the change log: the newest change it has seen in the log, and
/// when it last applied a snapshot. Written by the follower, read at scrape time.
#[derive(Debug, Default)]
pub struct Progress {
    store_seq: AtomicU64,
    /// Milliseconds since the Unix epoch; 0 before the first snapshot.
    applied_at_ms: AtomicU64,
}

impl Progress {
    /// The log holds changes up to `seq` (never moves back).
    fn saw(&self, seq: ChangeSeq) {
        self.store_seq.fetch_max(seq.0, Ordering::Relaxed);
    }

    /// A snapshot was applied just now.
    fn applied_now(&self) {
        self.applied_at_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// The newest change this node has seen in the log.
    pub fn store_seq(&self) -> ChangeSeq {
        ChangeSeq(self.store_seq.load(Ordering::Relaxed))
    }

    /// Seconds since this node applied its last snapshot (`None` before the first).
    pub fn snapshot_age(&self) -> Option<f64> {
        let at = self.applied_at_ms.load(Ordering::Relaxed);
        (at > 0).then(|| now_ms().saturating_sub(at) as f64 / 1000.0)
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Follows the change log into a [`SharedSnapshot`], and the listeners that come and go with
/// it (the VPC and endpoint addresses) into step with each snapshot.
pub struct Follower {
    feed: Arc<dyn ChangeFeed>,
    shared: SharedSnapshot,
    node_id: String,
    poke: Arc<Notify>,
    addresses: Option<VpcAddresses>,
    served: watch::Sender<ChangeSeq>,
    master_key: Option<Arc<cairn_crypto::MasterKey>>,
    /// Whether the last read of the change log succeeded (readiness: "ready for writes").
    reachable: Arc<AtomicBool>,
    /// The log's newest change as last read, and when a snapshot was last applied (metrics).
    progress: Arc<Progress>,
    poll_interval: Duration,
    /// Secondaries (issue 15): when set, serials follow the change log
    /// ([`crate::xfr::serial`]), each change is journaled for IXFR and NOTIFY goes out.
    transfers: Option<Arc<Transfers>>,
}

impl Follower {
    /// A follower for serving node `node_id`. `poke` wakes it at once (the in-process API
    /// pokes after each commit, so its changes are served in milliseconds).
    pub fn new(
        feed: Arc<dyn ChangeFeed>,
        shared: SharedSnapshot,
        node_id: String,
        poke: Arc<Notify>,
    ) -> Self {
        Self {
            feed,
            shared,
            node_id,
            poke,
            addresses: None,
            served: watch::Sender::new(ChangeSeq(0)),
            master_key: None,
            reachable: Arc::new(AtomicBool::new(true)),
            progress: Arc::default(),
            poll_interval: POLL_INTERVAL,
            transfers: None,
        }
    }

    /// Polls the change log this often when not poked, instead of [`POLL_INTERVAL`].
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Follows `feed` from now on instead of the one it was made with: a node that started
    /// from its saved snapshot switches to the store when it returns, then calls
    /// [`load_initial`](Self::load_initial) again. Subscribers of [`served`](Self::served)
    /// and the addresses it follows carry over.
    pub fn switch_feed(&mut self, feed: Arc<dyn ChangeFeed>, poke: Arc<Notify>) {
        self.feed = feed;
        self.poke = poke;
    }

    /// How far this node has followed the log, for the metrics exporter.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// True while the last read of the change log succeeded; false while the store cannot be
    /// reached (the node keeps serving what it has).
    pub fn store_reachable(&self) -> Arc<AtomicBool> {
        self.reachable.clone()
    }

    /// Serves secondaries with `transfers` (a node without `--allow-transfer` or `--notify`
    /// keeps its SOAs as written and no journal).
    pub fn with_transfers(mut self, transfers: Arc<Transfers>) -> Self {
        if transfers.config.is_on() {
            self.transfers = Some(transfers);
        }
        self
    }

    /// Opens signed zones' zone-signing keys with `key` (the node master key); without it,
    /// signed zones are served unsigned (and logged).
    pub fn with_master_key(mut self, key: Arc<cairn_crypto::MasterKey>) -> Self {
        self.master_key = Some(key);
        self
    }

    /// The sequence this node serves in full: its snapshot swapped in, and its listeners
    /// bound and closed to match. Moves before the sequence is reported to the store.
    pub fn served(&self) -> watch::Receiver<ChangeSeq> {
        self.served.subscribe()
    }

    /// Binds the VPC and endpoint addresses of the current snapshot now, and keeps them in
    /// step with every snapshot from here on.
    pub async fn follow_addresses(&mut self, mut addresses: VpcAddresses) {
        addresses.follow(&self.shared.load_full()).await;
        self.addresses = Some(addresses);
    }

    /// Swaps `snapshot` in, brings the listeners in step with it, then tells whoever waits
    /// on [`served`](Self::served) and the store: so "applied" means "answered on every
    /// address the snapshot has".
    async fn publish(&mut self, snapshot: Snapshot) -> Result<(), StoreError> {
        let snapshot = Arc::new(snapshot);
        let seq = snapshot.seq;
        self.shared.store(snapshot.clone());
        if let Some(addresses) = &mut self.addresses {
            addresses.follow(&snapshot).await;
        }
        self.served.send_replace(seq);
        self.progress.applied_now();
        self.feed.report_applied(&self.node_id, seq).await
    }

    /// Loads every zone and publishes the first snapshot.
    pub async fn load_initial(&mut self) -> Result<ChangeSeq, StoreError> {
        // Read the position first: anything committed after it is replayed by catch_up.
        let seq = self.feed.latest_seq().await?;
        self.progress.saw(seq);
        let mut all = self.feed.load_all_zones().await?;
        if self.transfers.is_some() {
            let serials: BTreeMap<HostedZoneId, ChangeSeq> =
                self.feed.zone_serials().await?.into_iter().collect();
            for c in &mut all {
                let last = serials.get(&c.zone.id).copied().unwrap_or(seq);
                serial::stamp(&mut c.record_sets, &c.zone.name, serial::of_seq(last));
            }
        }
        let master_key = self.master_key.clone();
        let compiled = tokio::task::spawn_blocking(move || {
            let key = master_key.as_deref();
            all.iter()
                .map(|c| {
                    let zone = compile_zone_signed(c, key, None);
                    (c.zone.id.clone(), Some(Arc::new(zone)))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Backend(format!("compile task failed: {e}")))?;
        let health = self.feed.health_statuses().await?.into_iter().collect();
        let network = Arc::new(self.feed.load_network().await?);
        let cidr = CidrTable::compile_all(&self.feed.load_cidr_collections().await?);
        let firewall = Arc::new(self.feed.load_firewall().await?);
        let snapshot = self
            .shared
            .load()
            .with_changes(seq, compiled)
            .with_health(seq, health)
            .with_network(seq, network)
            .with_cidr_collections(seq, cidr);
        let snapshot = compile_firewall(snapshot, seq, firewall).await?;
        tracing::info!(
            zones = snapshot.zones.len(),
            seq = seq.0,
            "initial snapshot loaded"
        );
        self.publish(snapshot).await?;
        Ok(seq)
    }

    /// Follows the log until `shutdown` is cancelled.
    pub async fn run(mut self, shutdown: tokio_util::sync::CancellationToken) {
        let mut last_report = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.poll_interval) => {}
                _ = self.poke.notified() => {}
                _ = shutdown.cancelled() => return,
            }
            let result = self.catch_up().await;
            self.reachable.store(result.is_ok(), Ordering::Relaxed);
            match result {
                Ok(true) => last_report = tokio::time::Instant::now(),
                Ok(false) if last_report.elapsed() >= HEARTBEAT_INTERVAL => {
                    let seq = self.shared.load().seq;
                    if let Err(e) = self.feed.report_applied(&self.node_id, seq).await {
                        tracing::warn!(error = %e, "heartbeat failed");
                    }
                    last_report = tokio::time::Instant::now();
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "following the change log failed; retrying"),
            }
        }
    }

    /// Applies every logged change after the current snapshot; true when something changed.
    pub async fn catch_up(&mut self) -> Result<bool, StoreError> {
        let current = self.shared.load_full();
        let events = self.feed.changes_since(current.seq).await?;
        // The newest change the log holds, as far as this read shows (it reads in pages).
        self.progress
            .saw(events.last().map_or(current.seq, |e| e.seq));
        let Some(last) = events.last() else {
            return Ok(false);
        };
        let seq = last.seq;
        // Zones to reload whole, and zones where only some names changed.
        let mut whole: BTreeSet<HostedZoneId> = BTreeSet::new();
        let mut partial: BTreeMap<HostedZoneId, Vec<DomainName>> = BTreeMap::new();
        let mut health_changed = false;
        let mut network_changed = false;
        let mut cidr_changed = false;
        let mut firewall_changed = false;
        // Each zone's last change in this batch: its serial when transfers are on.
        let mut last_change: BTreeMap<HostedZoneId, ChangeSeq> = BTreeMap::new();
        for event in events {
            if let ChangeSubject::HostedZone(id) = &event.subject {
                last_change.insert(id.clone(), event.seq);
            }
            match (event.subject, event.names) {
                (ChangeSubject::HostedZone(id), Some(names)) => {
                    partial.entry(id).or_default().extend(names)
                }
                (ChangeSubject::HostedZone(id), None) => {
                    whole.insert(id);
                }
                (ChangeSubject::HealthCheck(_), _) => health_changed = true,
                (ChangeSubject::Network(_), _) => network_changed = true,
                (ChangeSubject::CidrCollection(_), _) => cidr_changed = true,
                (ChangeSubject::Firewall(_), _) => firewall_changed = true,
            }
        }
        // A zone this snapshot does not hold yet is loaded whole.
        for id in partial.keys() {
            if !current.zones.contains_key(id) {
                whole.insert(id.clone());
            }
        }
        partial.retain(|id, _| !whole.contains(id));
        let started = std::time::Instant::now();
        let stamping = self.transfers.is_some();
        let serial_of =
            |id: &HostedZoneId| serial::of_seq(last_change.get(id).copied().unwrap_or(seq));
        let mut loaded = Vec::with_capacity(whole.len());
        for id in whole {
            let previous = current.zones.get(&id).cloned();
            let mut contents = self.feed.load_zone(&id).await?;
            if let (true, Some(c)) = (stamping, contents.as_mut()) {
                serial::stamp(&mut c.record_sets, &c.zone.name, serial_of(&id));
            }
            loaded.push((id.clone(), contents, previous));
        }
        let mut patches = Vec::with_capacity(partial.len());
        for (id, mut names) in partial {
            let previous = current.zones.get(&id).cloned();
            if let (true, Some(apex)) = (stamping, previous.as_ref()) {
                // The apex SOA changes with every change: its serial is the change's.
                if let Ok(apex) = DomainName::from_wire(&apex.apex) {
                    names.push(apex);
                }
            }
            names.sort_by_key(DomainName::route53_sort_key);
            names.dedup();
            let mut found = self.feed.load_record_sets_at(&id, &names).await?;
            if let (true, Some((zone, sets))) = (stamping, found.as_mut()) {
                serial::stamp(sets, &zone.name, serial_of(&id));
            }
            patches.push((id, names, found, previous));
        }
        let load_time = started.elapsed();
        let master_key = self.master_key.clone();
        let (updated, deltas) = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let key = master_key.as_deref();
            let mut compiled = Vec::with_capacity(loaded.len() + patches.len());
            let mut deltas = Vec::new();
            for (id, contents, previous) in loaded {
                let zone = contents.map(|c| compile_zone_signed(&c, key, previous.as_deref()));
                if stamping {
                    deltas.push((id.clone(), delta(previous.as_deref(), zone.as_ref(), None)));
                }
                compiled.push((id, zone.map(Arc::new)));
            }
            for (id, names, found, previous) in patches {
                let zone = match (found, previous.as_ref()) {
                    (Some((zone, sets)), Some(previous)) => {
                        Some(patch_zone(previous, &zone, &names, &sets))
                    }
                    _ => None,
                };
                if stamping {
                    let owners: Vec<_> = names.iter().map(name_key).collect();
                    deltas.push((id.clone(), delta(previous.as_deref(), zone.as_ref(), Some(&owners))));
                }
                compiled.push((id, zone.map(Arc::new)));
            }
            tracing::debug!(?load_time, compile_time = ?started.elapsed(), zones = compiled.len(), "zones updated");
            (compiled, deltas)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("compile task failed: {e}")))?;
        // The public zones that changed, to NOTIFY once the snapshot serves them.
        let notify: Vec<transfer::Rr> = updated
            .iter()
            .filter_map(|(_, zone)| zone.as_deref().filter(|z| !z.private))
            .filter_map(transfer::soa_of)
            .collect();
        let mut snapshot = current.with_changes(seq, updated);
        if health_changed {
            let health = self.feed.health_statuses().await?.into_iter().collect();
            snapshot = snapshot.with_health(seq, health);
        }
        if network_changed {
            let network = Arc::new(self.feed.load_network().await?);
            snapshot = snapshot.with_network(seq, network);
        }
        if cidr_changed {
            let cidr = CidrTable::compile_all(&self.feed.load_cidr_collections().await?);
            snapshot = snapshot.with_cidr_collections(seq, cidr);
        }
        if firewall_changed {
            let firewall = Arc::new(self.feed.load_firewall().await?);
            snapshot = compile_firewall(snapshot, seq, firewall).await?;
        }
        tracing::debug!(seq = seq.0, "snapshot swapped");
        self.publish(snapshot).await?;
        if let Some(transfers) = &self.transfers {
            for (id, delta) in deltas {
                match delta {
                    Some(delta) => transfers.journal.push(&id, delta),
                    None => transfers.journal.forget(&id),
                }
            }
            for soa in notify {
                notify::notify_all(transfers, soa);
            }
        }
        if firewall_changed {
            // The previous firewall and the loaded lists are gone now (but for a query
            // still holding the old snapshot).
            drop(current);
            tokio::task::spawn_blocking(crate::firewall::release_freed_memory);
        }
        Ok(true)
    }
}

/// `snapshot` with the DNS Firewall compiled from `contents`, off the async runtime: a million
/// domains take most of a second to index.
async fn compile_firewall(
    snapshot: Snapshot,
    seq: ChangeSeq,
    contents: Arc<cairn_model::firewall::FirewallContents>,
) -> Result<Snapshot, StoreError> {
    tokio::task::spawn_blocking(move || snapshot.with_firewall(seq, contents))
        .await
        .map_err(|e| StoreError::Backend(format!("firewall compile task failed: {e}")))
}

/// What a change did to a public zone, for the IXFR journal; `None` when there is nothing to
/// journal (a zone created, deleted or private, or no SOA).
fn delta(
    previous: Option<&crate::zone::CompiledZone>,
    next: Option<&crate::zone::CompiledZone>,
    owners: Option<&[cairn_wire::NameKey]>,
) -> Option<Delta> {
    let (previous, next) = (previous?, next?);
    if next.private {
        return None;
    }
    journal::diff(previous, next, owners)
}

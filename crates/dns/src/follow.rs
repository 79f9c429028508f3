//! Following the store's change log: reload only the zones that changed, compile them off
//! the async runtime, swap a new snapshot in, and report the applied sequence.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cairn_model::{ChangeSeq, HostedZoneId};
use cairn_store::{ChangeFeed, ChangeSubject, StoreError};
use tokio::sync::{watch, Notify};

use crate::compile::compile_zone;
use crate::snapshot::SharedSnapshot;

/// How often the log is polled when nobody pokes the follower. Writes from another process
/// (the `cairn zone import` CLI) are seen within this.
pub const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How often an idle node still reports, so the store counts it as live.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(2);

/// Follows the change log into a [`SharedSnapshot`].
pub struct Follower {
    feed: Arc<dyn ChangeFeed>,
    shared: SharedSnapshot,
    node_id: String,
    poke: Arc<Notify>,
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
        Self { feed, shared, node_id, poke }
    }

    /// Loads every zone and publishes the first snapshot.
    pub async fn load_initial(&self) -> Result<ChangeSeq, StoreError> {
        // Read the position first: anything committed after it is replayed by catch_up.
        let seq = self.feed.latest_seq().await?;
        let all = self.feed.load_all_zones().await?;
        let compiled = tokio::task::spawn_blocking(move || {
            all.iter()
                .map(|c| (c.zone.id.clone(), Some(Arc::new(compile_zone(c)))))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Backend(format!("compile task failed: {e}")))?;
        let health = self.feed.health_statuses().await?.into_iter().collect();
        let snapshot = self.shared.load().with_changes(seq, compiled).with_health(seq, health);
        tracing::info!(zones = snapshot.zones.len(), seq = seq.0, "initial snapshot loaded");
        self.shared.store(Arc::new(snapshot));
        self.feed.report_applied(&self.node_id, seq).await?;
        Ok(seq)
    }

    /// Follows the log until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_report = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                _ = self.poke.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
            match self.catch_up().await {
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
    pub async fn catch_up(&self) -> Result<bool, StoreError> {
        let current = self.shared.load_full();
        let events = self.feed.changes_since(current.seq).await?;
        let Some(last) = events.last() else { return Ok(false) };
        let seq = last.seq;
        let mut zones: BTreeSet<HostedZoneId> = BTreeSet::new();
        let mut health_changed = false;
        for event in events {
            match event.subject {
                ChangeSubject::HostedZone(id) => {
                    zones.insert(id);
                }
                ChangeSubject::HealthCheck(_) => health_changed = true,
            }
        }
        let started = std::time::Instant::now();
        let mut loaded = Vec::with_capacity(zones.len());
        for id in zones {
            loaded.push((id.clone(), self.feed.load_zone(&id).await?));
        }
        let load_time = started.elapsed();
        let updated = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let compiled = loaded
                .into_iter()
                .map(|(id, contents)| (id, contents.map(|c| Arc::new(compile_zone(&c)))))
                .collect::<Vec<_>>();
            tracing::debug!(?load_time, compile_time = ?started.elapsed(), zones = compiled.len(), "zones reloaded");
            compiled
        })
        .await
        .map_err(|e| StoreError::Backend(format!("compile task failed: {e}")))?;
        let mut snapshot = current.with_changes(seq, updated);
        if health_changed {
            let health = self.feed.health_statuses().await?.into_iter().collect();
            snapshot = snapshot.with_health(seq, health);
        }
        self.shared.store(Arc::new(snapshot));
        tracing::debug!(seq = seq.0, "snapshot swapped");
        self.feed.report_applied(&self.node_id, seq).await?;
        Ok(true)
    }
}

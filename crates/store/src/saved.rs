//! The node's saved snapshot: what the data plane last loaded from a shared store, kept in the
//! node's data directory so a node that restarts while the store is unreachable still answers
//! (issue 15, static stability; docs/reliability.md "Static stability").
//!
//! The file holds the *inputs* of the data plane (every zone's contents, health statuses, the
//! network, CIDR collections, the firewall) at a change-log position, as JSON. On a normal
//! start they come from the store; when the store cannot be reached at start, [`SavedFeed`]
//! hands the same data to the follower from the file, and the node serves it until the store
//! returns. Written to a temporary file, synced and renamed over the old one, so a crash
//! mid-write leaves the previous snapshot whole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use cairn_model::cidr::CidrCollection;
use cairn_model::firewall::FirewallContents;
use cairn_model::network::NetworkContents;
use cairn_model::{
    ChangeSeq, DomainName, HealthCheckId, HostedZone, HostedZoneId, ResourceRecordSet,
};
use serde::{Deserialize, Serialize};

use crate::error::StoreResult;
use crate::feed::{ChangeEvent, ChangeFeed, ZoneContents};

/// The file name in the data directory.
pub const SAVED_SNAPSHOT_FILE: &str = "saved-snapshot.json";

/// The format version written; a file of another version is not read.
const FORMAT: u32 = 1;

/// Everything the data plane compiles its snapshot from, at one change-log position.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedSnapshot {
    /// The format of this file ([`FORMAT`]).
    pub format: u32,
    /// The change-log position the contents are at least as new as.
    pub seq: ChangeSeq,
    /// When it was saved (milliseconds since the Unix epoch).
    pub saved_at_ms: u64,
    /// Every hosted zone with its record sets (and signing keys, sealed as the store keeps them).
    pub zones: Vec<ZoneContents>,
    /// Health-check statuses.
    pub health: Vec<(HealthCheckId, bool)>,
    /// VPCs, subnets, endpoints, rules, profiles and private-zone associations.
    pub network: NetworkContents,
    /// CIDR collections for IP-based routing.
    pub cidr_collections: Vec<CidrCollection>,
    /// The DNS Firewall.
    pub firewall: FirewallContents,
    /// Each zone's last change-log sequence, the SOA serial when transfers are on (so a node
    /// serving this file gives the serials the other nodes give). Absent in files written
    /// before it was kept: those zones then take `seq`.
    #[serde(default)]
    pub zone_serials: Vec<(HostedZoneId, ChangeSeq)>,
}

impl SavedSnapshot {
    /// Reads the whole state from `feed`. The position is read first: anything committed after
    /// it may already be in the contents, and replaying it later is harmless (the follower
    /// reloads what a change names), so the file is never older than `seq` says.
    pub async fn load(feed: &dyn ChangeFeed) -> StoreResult<Self> {
        let seq = feed.latest_seq().await?;
        Ok(Self {
            format: FORMAT,
            seq,
            saved_at_ms: now_ms(),
            zones: feed.load_all_zones().await?,
            health: feed.health_statuses().await?,
            network: feed.load_network().await?,
            cidr_collections: feed.load_cidr_collections().await?,
            firewall: feed.load_firewall().await?,
            zone_serials: feed.zone_serials().await?,
        })
    }

    /// The path of the saved snapshot in `data_dir`.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(SAVED_SNAPSHOT_FILE)
    }

    /// Writes the snapshot to `path` atomically (temporary file, fsync, rename, fsync of the
    /// directory), readable by the owner only: it holds sealed signing keys.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = path.with_extension("json.tmp");
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut out, self).map_err(std::io::Error::other)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        drop(out);
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    }

    /// Reads a snapshot written by [`SavedSnapshot::write`].
    pub fn read(path: &Path) -> Result<Self, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let saved: Self = serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|e| format!("{}: not a saved snapshot: {e}", path.display()))?;
        if saved.format != FORMAT {
            return Err(format!(
                "{}: saved snapshot format {} (this build reads {FORMAT})",
                path.display(),
                saved.format
            ));
        }
        Ok(saved)
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A [`ChangeFeed`] over a [`SavedSnapshot`]: the follower loads the saved state through it as
/// it would from the store. The log has nothing after the saved position, and reports of the
/// applied position go nowhere (there is no store to record them in).
pub struct SavedFeed(Arc<SavedSnapshot>);

impl SavedFeed {
    /// A feed serving `saved`.
    pub fn new(saved: SavedSnapshot) -> Self {
        Self(Arc::new(saved))
    }

    fn zone(&self, id: &HostedZoneId) -> Option<&ZoneContents> {
        self.0.zones.iter().find(|z| &z.zone.id == id)
    }
}

#[async_trait]
impl ChangeFeed for SavedFeed {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        Ok(self.0.seq)
    }

    async fn changes_since(&self, _seq: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> {
        Ok(Vec::new())
    }

    async fn load_zone(&self, id: &HostedZoneId) -> StoreResult<Option<ZoneContents>> {
        Ok(self.zone(id).cloned())
    }

    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        Ok(self.0.zones.clone())
    }

    async fn load_record_sets_at(
        &self,
        id: &HostedZoneId,
        names: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>> {
        Ok(self.zone(id).map(|z| {
            let sets = z
                .record_sets
                .iter()
                .filter(|s| names.contains(&s.name))
                .cloned()
                .collect();
            (z.zone.clone(), sets)
        }))
    }

    async fn zone_serials(&self) -> StoreResult<Vec<(HostedZoneId, ChangeSeq)>> {
        Ok(self.0.zone_serials.clone())
    }

    async fn report_applied(&self, _node: &str, _seq: ChangeSeq) -> StoreResult<()> {
        Ok(())
    }

    async fn health_statuses(&self) -> StoreResult<Vec<(HealthCheckId, bool)>> {
        Ok(self.0.health.clone())
    }

    async fn load_network(&self) -> StoreResult<NetworkContents> {
        Ok(self.0.network.clone())
    }

    async fn load_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        Ok(self.0.cidr_collections.clone())
    }

    async fn load_firewall(&self) -> StoreResult<FirewallContents> {
        Ok(self.0.firewall.clone())
    }

    fn commit_notifier(&self) -> Option<Arc<tokio::sync::Notify>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty(seq: u64) -> SavedSnapshot {
        SavedSnapshot {
            format: FORMAT,
            seq: ChangeSeq(seq),
            saved_at_ms: 0,
            zones: Vec::new(),
            health: Vec::new(),
            network: NetworkContents::default(),
            cidr_collections: Vec::new(),
            firewall: FirewallContents::default(),
            zone_serials: Vec::new(),
        }
    }

    #[tokio::test]
    async fn the_saved_feed_gives_the_zone_serials_it_was_saved_with() {
        let dir = tempfile::tempdir().unwrap();
        let path = SavedSnapshot::path_in(dir.path());
        let mut saved = empty(9);
        saved.zone_serials = vec![(HostedZoneId::new("Z1"), ChangeSeq(4))];
        saved.write(&path).unwrap();
        let feed = SavedFeed::new(SavedSnapshot::read(&path).unwrap());
        assert_eq!(
            feed.zone_serials().await.unwrap(),
            [(HostedZoneId::new("Z1"), ChangeSeq(4))]
        );
        assert_eq!(feed.latest_seq().await.unwrap(), ChangeSeq(9));
    }

    #[test]
    fn a_file_saved_before_the_serials_were_kept_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = SavedSnapshot::path_in(dir.path());
        let mut json = serde_json::to_value(empty(3)).unwrap();
        json.as_object_mut().unwrap().remove("zone_serials");
        std::fs::write(&path, json.to_string()).unwrap();
        let read = SavedSnapshot::read(&path).unwrap();
        assert!(read.zone_serials.is_empty());
        assert_eq!(read.seq, ChangeSeq(3));
    }
}

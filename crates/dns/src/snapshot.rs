//! Immutable snapshots of everything the data plane serves, swapped atomically.

use std::sync::Arc;

use arc_swap::ArcSwap;
use cairn_model::{ChangeSeq, HealthCheckId, HostedZoneId};
use cairn_wire::NameKey;
use rustc_hash::FxHashMap;

use crate::firewall::CompiledFirewall;
use crate::routing::CidrTables;
use crate::view::Views;
use crate::zone::CompiledZone;
use cairn_model::firewall::FirewallContents;
use cairn_model::network::NetworkContents;

/// The snapshot every listener reads; the follower swaps in a new one per change.
pub type SharedSnapshot = Arc<ArcSwap<Snapshot>>;

/// Every compiled zone at one position of the change log.
#[derive(Debug)]
pub struct Snapshot {
    /// The last change-log entry this snapshot includes.
    pub seq: ChangeSeq,
    /// Every zone by id.
    pub zones: FxHashMap<HostedZoneId, Arc<CompiledZone>>,
    /// This node's region (`--region`), for latency routing.
    pub region: Arc<str>,
    /// Health-check statuses by id; a check not listed counts as healthy.
    pub health: Arc<FxHashMap<HealthCheckId, bool>>,
    /// Public zones by apex (lowercase wire). When several public zones share a name (Route 53
    /// allows it, each on its own name servers), the oldest is served.
    public: FxHashMap<NameKey, Arc<CompiledZone>>,
    /// Bit `n` set: some public zone's apex is `n` bytes long (wire form), so
    /// [`Self::find_public_zone`] looks up only suffixes of those lengths.
    public_lengths: [u64; 4],
    /// VPCs, subnets, security groups and private-zone associations, as the store has them.
    pub network: Arc<NetworkContents>,
    /// Each VPC's view (its private zones among `zones`), rebuilt when either changes.
    pub views: Arc<Views>,
    /// Every CIDR collection compiled for IP-based routing, rebuilt when one changes.
    pub cidr_collections: Arc<CidrTables>,
    /// The DNS Firewall, compiled; each view carries its own VPC's part.
    pub firewall: Arc<CompiledFirewall>,
}

pub use cairn_model::region::DEFAULT_REGION;

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            seq: ChangeSeq::default(),
            zones: FxHashMap::default(),
            region: DEFAULT_REGION.into(),
            health: Arc::default(),
            public: FxHashMap::default(),
            public_lengths: [0; 4],
            network: Arc::default(),
            views: Arc::default(),
            cidr_collections: Arc::default(),
            firewall: Arc::default(),
        }
    }
}

impl Snapshot {
    /// An empty snapshot at the start of the log.
    pub fn empty() -> Self {
        Self::default()
    }

    /// An empty snapshot for a node in `region`.
    pub fn for_region(region: &str) -> Self {
        Self {
            region: region.into(),
            ..Self::default()
        }
    }

    /// A shareable handle on an empty snapshot.
    pub fn shared() -> SharedSnapshot {
        Arc::new(ArcSwap::from_pointee(Self::empty()))
    }

    /// A new snapshot at `seq` with `updated` zones replaced (`None` = deleted).
    pub fn with_changes(
        &self,
        seq: ChangeSeq,
        updated: impl IntoIterator<Item = (HostedZoneId, Option<Arc<CompiledZone>>)>,
    ) -> Self {
        let mut zones = self.zones.clone();
        let mut private_changed = false;
        for (id, zone) in updated {
            private_changed |= zone.as_ref().is_some_and(|z| z.private)
                || zones.get(&id).is_some_and(|z| z.private);
            match zone {
                Some(zone) => zones.insert(id, zone),
                None => zones.remove(&id),
            };
        }
        let mut public: FxHashMap<NameKey, Arc<CompiledZone>> = FxHashMap::default();
        for zone in zones.values().filter(|z| !z.private) {
            let entry = public
                .entry(zone.apex.clone())
                .or_insert_with(|| zone.clone());
            if (zone.created_at_ms, &zone.id) < (entry.created_at_ms, &entry.id) {
                *entry = zone.clone();
            }
        }
        let public_lengths = lengths_of(&public);
        let views = if private_changed {
            Arc::new(Views::compile_with(&self.network, &zones, &self.firewall))
        } else {
            self.views.clone()
        };
        Self {
            seq,
            zones,
            region: self.region.clone(),
            health: self.health.clone(),
            public,
            public_lengths,
            network: self.network.clone(),
            views,
            cidr_collections: self.cidr_collections.clone(),
            firewall: self.firewall.clone(),
        }
    }

    /// This snapshot with other networks (VPCs, associations); the views are rebuilt.
    pub fn with_network(&self, seq: ChangeSeq, network: Arc<NetworkContents>) -> Self {
        Self {
            seq,
            zones: self.zones.clone(),
            region: self.region.clone(),
            health: self.health.clone(),
            public: self.public.clone(),
            public_lengths: self.public_lengths,
            views: Arc::new(Views::compile_with(&network, &self.zones, &self.firewall)),
            network,
            cidr_collections: self.cidr_collections.clone(),
            firewall: self.firewall.clone(),
        }
    }

    /// This snapshot with other health-check statuses.
    pub fn with_health(&self, seq: ChangeSeq, health: FxHashMap<HealthCheckId, bool>) -> Self {
        Self {
            seq,
            zones: self.zones.clone(),
            region: self.region.clone(),
            health: Arc::new(health),
            public: self.public.clone(),
            public_lengths: self.public_lengths,
            network: self.network.clone(),
            views: self.views.clone(),
            cidr_collections: self.cidr_collections.clone(),
            firewall: self.firewall.clone(),
        }
    }

    /// This snapshot with other CIDR collections.
    pub fn with_cidr_collections(&self, seq: ChangeSeq, cidr_collections: CidrTables) -> Self {
        Self {
            seq,
            zones: self.zones.clone(),
            region: self.region.clone(),
            health: self.health.clone(),
            public: self.public.clone(),
            public_lengths: self.public_lengths,
            network: self.network.clone(),
            views: self.views.clone(),
            cidr_collections: Arc::new(cidr_collections),
            firewall: self.firewall.clone(),
        }
    }

    /// This snapshot with another DNS Firewall: compiled here (rule groups keep their
    /// counters), and the views rebuilt to carry it.
    pub fn with_firewall(&self, seq: ChangeSeq, contents: Arc<FirewallContents>) -> Self {
        let firewall = Arc::new(CompiledFirewall::compile(&contents, &self.firewall));
        Self {
            seq,
            zones: self.zones.clone(),
            region: self.region.clone(),
            health: self.health.clone(),
            public: self.public.clone(),
            public_lengths: self.public_lengths,
            network: self.network.clone(),
            views: Arc::new(Views::compile_with(&self.network, &self.zones, &firewall)),
            cidr_collections: self.cidr_collections.clone(),
            firewall,
        }
    }

    /// The public zone closest enclosing `qname` (lowercase wire), if any.
    pub fn find_public_zone(&self, qname: &[u8]) -> Option<&Arc<CompiledZone>> {
        let mut name = qname;
        loop {
            let len = name.len();
            if len < 256 && self.public_lengths[len / 64] & (1 << (len % 64)) != 0 {
                if let Some(zone) = self.public.get(name) {
                    return Some(zone);
                }
            }
            if name.first().copied().unwrap_or(0) == 0 {
                return None;
            }
            name = &name[1 + name[0] as usize..];
        }
    }

    /// The public zone that answers `qtype` at `qname` (lowercase wire): the closest enclosing
    /// one, except that the DS RRset at a zone's apex belongs to the parent (RFC 4035
    /// §3.1.4.1), so when Cairn serves the parent too, the parent answers it and a validator
    /// finds the DS the parent holds. The answer path and the query log both ask this.
    pub fn answering_zone(&self, qname: &[u8], qtype: u16) -> Option<&Arc<CompiledZone>> {
        let zone = self.find_public_zone(qname)?;
        if qtype == cairn_wire::rtype::DS && qname == &zone.apex[..] && qname.len() > 1 {
            if let Some(parent) = self.find_public_zone(&qname[1 + usize::from(qname[0])..]) {
                return Some(parent);
            }
        }
        Some(zone)
    }
}

/// The apex lengths of `public`, as [`Snapshot::public_lengths`] keeps them.
fn lengths_of(public: &FxHashMap<NameKey, Arc<CompiledZone>>) -> [u64; 4] {
    let mut bits = [0u64; 4];
    for apex in public.keys() {
        let len = apex.len();
        if len < 256 {
            bits[len / 64] |= 1 << (len % 64);
        }
    }
    bits
}

//! Routing policies: choosing among the record sets that share a name and type
//! (ROUTE53.md §3).
//!
//! Every set at a name and type with a routing policy, and every alias, compiles into one
//! [`RoutedSet`] of [`Variant`]s; [`RoutedSet::select`] picks the variants to answer with.
//! Health follows ROUTE53.md §3: a variant without a health check is healthy; a check with
//! no status yet is healthy; when every variant of a group is unhealthy, all count as
//! healthy. An alias with EvaluateTargetHealth is healthy while its target has a healthy
//! record.
//!
//! Geolocation and geoproximity need to know where the client is: [`Client`] carries the
//! address the query is routed by (the EDNS Client Subnet address, else the query's source)
//! and the MaxMind DB, and looks the location up at most once per query, only when a group
//! needs it. A query from a VPC is located at its VPC's region instead
//! ([`Client::at_location`]), as Route 53 does in private hosted zones.

use std::cell::Cell;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use cairn_model::region::{aws_region, region_distance};
use cairn_model::HealthCheckId;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::geoip::{GeoIp, Location};
pub use crate::zone::routed::{Policy, Proximity, RoutedSet, Target, Variant};
use crate::zone::CompiledZone;

/// What selection may depend on.
#[derive(Debug, Clone, Copy)]
pub struct RoutingContext<'a> {
    /// The answering node's region (`--region`).
    pub region: &'a str,
    /// Health-check statuses; a check not listed is healthy.
    pub health: &'a FxHashMap<HealthCheckId, bool>,
    /// Every zone of the snapshot, for aliases to other hosted zones.
    pub zones: &'a FxHashMap<cairn_model::HostedZoneId, Arc<CompiledZone>>,
    /// Who asked, for geolocation routing.
    pub client: &'a Client<'a>,
}

//----------- Client -------------------------------------------------------------

/// The client a query is answered for: the address geolocation locates and the database it
/// is located with. The location is looked up lazily, once, and [`Client::routed_by_location`]
/// tells afterwards whether an answer depended on it (for the ECS scope, RFC 7871 §7.2.1).
#[derive(Debug, Default)]
pub struct Client<'a> {
    addr: Option<IpAddr>,
    geoip: Option<&'a GeoIp>,
    // Sync (not `Cell`), so the VPC resolver's futures that hold a context stay `Send`.
    location: OnceLock<Option<Location>>,
    routed: AtomicBool,
    // IP-based routing: the compiled collections, how many leading bits of `addr` are known
    // (the ECS source prefix; the whole address without ECS), and the scope an answer
    // depended on plus one (0: none).
    cidr: Option<&'a CidrTables>,
    known_bits: Option<u8>,
    cidr_scope: AtomicU8,
}

impl<'a> Client<'a> {
    /// A client at `addr` (the ECS address, or the query's source), located with `geoip`.
    pub fn new(addr: Option<IpAddr>, geoip: Option<&'a GeoIp>) -> Self {
        Self {
            addr,
            geoip,
            ..Self::default()
        }
    }

    /// A client whose location is known without an address: a query from a VPC, which
    /// Route 53 locates at the VPC's region in private hosted zones
    /// ([`Location::of_region`]). `None` is a client of unknown location.
    pub fn at_location(location: Option<Location>) -> Self {
        let client = Self::default();
        client.location.set(location).expect("a new cell is empty");
        client
    }

    /// This client matched against `tables` for IP-based routing; `source_prefix` is the
    /// ECS source prefix when the address came from ECS (a block longer than it cannot
    /// match, ROUTE53.md §3).
    pub fn with_cidr(mut self, tables: &'a CidrTables, source_prefix: Option<u8>) -> Self {
        self.cidr = Some(tables);
        self.known_bits = source_prefix;
        self
    }

    /// The location of collection `collection` the client's address falls in (longest
    /// prefix), or `None`; records the scope the answer depends on.
    pub fn cidr_location(&self, collection: &str) -> Option<&'a str> {
        let addr = self.addr?;
        let table = self.cidr?.get(collection)?;
        let full = if addr.is_ipv4() { 32 } else { 128 };
        let known = self.known_bits.unwrap_or(full).min(full);
        let found = table.lookup(addr, known);
        // Matched: the block's length; unmatched: everything the client revealed.
        let scope = found.map_or(known, |(_, len)| len);
        self.cidr_scope.fetch_max(scope + 1, Ordering::Relaxed);
        found.map(|(location, _)| location)
    }

    /// The ECS scope prefix for an answer to a query with `source_prefix`: the matched
    /// CIDR block's length when only IP-based routing depended on the client, else the
    /// source prefix.
    pub fn ecs_scope(&self, source_prefix: u8) -> u8 {
        match self.cidr_scope.load(Ordering::Relaxed) {
            0 => source_prefix,
            _ if self.routed.load(Ordering::Relaxed) => source_prefix,
            scope => (scope - 1).min(source_prefix),
        }
    }

    /// A client of unknown location: geolocation answers with the `*` record.
    pub fn unknown() -> Self {
        Self::default()
    }

    /// The address geolocation uses.
    pub fn addr(&self) -> Option<IpAddr> {
        self.addr
    }

    /// Where the client is, for a choice that depends on it; `None` when there is no
    /// database, no address, or the database does not place the address.
    pub fn location(&self) -> Option<Location> {
        let Some(addr) = self.addr else {
            // Located without an address (`at_location`), or not at all.
            return self.location.get().copied().flatten();
        };
        let geoip = self.geoip?;
        self.routed.store(true, Ordering::Relaxed);
        *self.location.get_or_init(|| geoip.locate(addr))
    }

    /// Whether a choice so far depended on the client's address.
    pub fn routed_by_location(&self) -> bool {
        self.routed.load(Ordering::Relaxed) || self.cidr_scope.load(Ordering::Relaxed) > 0
    }
}

impl RoutingContext<'_> {
    /// Whether a health check (if any) passes.
    pub fn check_passes(&self, check: Option<&HealthCheckId>) -> bool {
        check.is_none_or(|id| self.health.get(id).copied().unwrap_or(true))
    }
}

/// At most this many variants answer a multivalue query (Route 53's eight).
pub const MULTIVALUE_MAX: usize = 8;

impl RoutedSet {
    /// The variants to answer with; empty means NOERROR with no data (e.g. geolocation with
    /// no `*` record for a client of unknown location). `healthy` tells whether a variant is
    /// healthy (its own check, and for an alias with EvaluateTargetHealth, its target).
    pub fn select<'s>(
        &'s self,
        ctx: &RoutingContext<'_>,
        healthy: impl Fn(&Variant) -> bool,
    ) -> SmallVec<[&'s Variant; MULTIVALUE_MAX]> {
        let health: SmallVec<[bool; 16]> = self.variants.iter().map(&healthy).collect();
        // All unhealthy: Route 53 treats them all as healthy.
        let all_down = !health.iter().any(|h| *h);
        let up = |i: usize| all_down || health[i];
        let mut chosen = SmallVec::new();
        let indexed = || self.variants.iter().enumerate();
        match self.policy {
            Policy::Simple => chosen.extend(self.variants.first()),
            Policy::Weighted => chosen.extend(self.pick_weighted(&up)),
            Policy::Failover => {
                let primary = indexed().find(|(_, v)| v.primary);
                let secondary = indexed().find(|(_, v)| !v.primary);
                let pick = match (primary, secondary) {
                    (Some((i, p)), _) if up(i) => Some(p),
                    (_, Some((i, s))) if up(i) => Some(s),
                    // Both unhealthy: the primary (ROUTE53.md §3).
                    (Some((_, p)), _) => Some(p),
                    (None, s) => s.map(|(_, s)| s),
                };
                chosen.extend(pick);
            }
            Policy::Latency => chosen.extend(
                indexed()
                    .filter(|(i, _)| up(*i))
                    .min_by(|(_, a), (_, b)| {
                        let da = region_distance(ctx.region, a.region.as_deref().unwrap_or(""));
                        let db = region_distance(ctx.region, b.region.as_deref().unwrap_or(""));
                        da.total_cmp(&db)
                    })
                    .map(|(_, v)| v),
            ),
            Policy::Geolocation => chosen.extend(self.pick_geolocation(ctx, &health)),
            Policy::IpBased => chosen.extend(self.pick_ip_based(ctx)),
            Policy::Geoproximity => chosen.extend(self.pick_geoproximity(ctx, &up)),
            Policy::MultiValue => {
                let n = self.variants.len();
                let start = random_below(n.max(1) as u32) as usize;
                for k in 0..n {
                    let i = (start + k) % n;
                    if up(i) && chosen.len() < MULTIVALUE_MAX {
                        chosen.push(&self.variants[i]);
                    }
                }
            }
        }
        chosen
    }

    /// Geolocation: the most specific record whose location contains the client's
    /// (subdivision, then country, then continent, then `*`); an unhealthy one gives way to
    /// the next larger region, and when every matching record is unhealthy the most specific
    /// one answers ([DG:resource-record-sets-values-geo], "Health check": "If all applicable
    /// records are unhealthy, including the record for all locations, Route 53 responds to
    /// the DNS query using the value for the record for the smallest geographic region").
    /// No match and no `*` is NODATA.
    fn pick_geolocation(&self, ctx: &RoutingContext<'_>, health: &[bool]) -> Option<&Variant> {
        let located = self
            .variants
            .iter()
            .any(|v| geo_specificity(v, None).is_none());
        // Only a group with located records asks where the client is.
        let location = if located { ctx.client.location() } else { None };
        // The matching record of each specificity, most specific first.
        let mut chain: [Option<usize>; 4] = [None; 4];
        for (i, v) in self.variants.iter().enumerate() {
            if let Some(rank) = geo_specificity(v, location.as_ref()) {
                chain[3 - rank].get_or_insert(i);
            }
        }
        let mut matching = chain.iter().flatten().copied();
        let first = matching.clone().next();
        matching
            .find(|&i| health[i])
            .or(first)
            .map(|i| &self.variants[i])
    }

    /// Geoproximity: the healthy variant at the smallest biased distance from the client
    /// (ROUTE53.md §3), the first by set identifier on a tie. A client the database does not
    /// place (no database, a private or loopback address, a Country database without
    /// coordinates) is measured from this node's region instead, as latency routing is: the
    /// documented stand-in for a resolver Cairn cannot place (docs/dns.md).
    fn pick_geoproximity(
        &self,
        ctx: &RoutingContext<'_>,
        up: &dyn Fn(usize) -> bool,
    ) -> Option<&Variant> {
        let client = ctx
            .client
            .location()
            .and_then(|l| l.coordinates)
            .or_else(|| aws_region(ctx.region).map(|r| (r.latitude, r.longitude)));
        let distance = |v: &Variant| match (client, v.proximity) {
            (Some(client), Some(proximity)) => proximity.biased_distance(client),
            _ => f64::INFINITY,
        };
        self.variants
            .iter()
            .enumerate()
            .filter(|(i, _)| up(*i))
            .map(|(_, v)| (distance(v), v))
            .min_by(|(a, _), (b, _)| a.total_cmp(b))
            .map(|(_, v)| v)
    }

    /// IP-based: the record of the location whose block holds the client's address (longest
    /// prefix), else the `*` record, else nothing (NODATA). Health checks are accepted but
    /// do not change the choice (ROUTE53.md §3: "allowed but not supported").
    fn pick_ip_based(&self, ctx: &RoutingContext<'_>) -> Option<&Variant> {
        let by_location = |name: &str| {
            self.variants
                .iter()
                .find(|v| v.cidr_location.as_deref() == Some(name))
        };
        let collection = self
            .variants
            .first()
            .and_then(|v| v.cidr_collection.as_deref());
        collection
            .and_then(|c| ctx.client.cidr_location(c))
            .and_then(by_location)
            .or_else(|| by_location("*"))
    }

    /// Weighted choice among healthy variants: weight 0 is chosen only when no healthy
    /// variant has a weight, and then uniformly (ROUTE53.md §3).
    fn pick_weighted(&self, up: &dyn Fn(usize) -> bool) -> Option<&Variant> {
        let candidates: SmallVec<[&Variant; 16]> = self
            .variants
            .iter()
            .enumerate()
            .filter(|(i, _)| up(*i))
            .map(|(_, v)| v)
            .collect();
        let total: u32 = candidates.iter().map(|v| u32::from(v.weight)).sum();
        if total == 0 {
            let i = random_below(candidates.len().max(1) as u32) as usize;
            return candidates.get(i).copied();
        }
        let mut ticket = random_below(total);
        for v in &candidates {
            let w = u32::from(v.weight);
            if ticket < w {
                return Some(v);
            }
            ticket -= w;
        }
        candidates.last().copied()
    }
}

/// How specific a geolocation record is if it contains `location`: 3 for a subdivision, 2
/// for a country, 1 for a continent, 0 for the default `*`; `None` when it does not contain
/// the location (with `location` `None`, only `*` contains it).
fn geo_specificity(variant: &Variant, location: Option<&Location>) -> Option<usize> {
    let geo = variant.geo.as_ref()?;
    let matches =
        |code: Option<crate::geoip::Code>, text: &str| code.is_some_and(|c| c.matches(text));
    match (
        &geo.continent_code,
        &geo.country_code,
        &geo.subdivision_code,
    ) {
        (_, Some(country), _) if country == "*" => Some(0),
        (Some(continent), None, None) => location
            .filter(|l| matches(l.continent, continent))
            .map(|_| 1),
        (None, Some(country), None) => location.filter(|l| matches(l.country, country)).map(|_| 2),
        (None, Some(country), Some(subdivision)) => location
            .filter(|l| matches(l.country, country) && matches(l.subdivision, subdivision))
            .map(|_| 3),
        _ => None,
    }
}

//------------ CIDR tables ---------------------------------------------------------

/// Every CIDR collection, compiled, by id.
pub type CidrTables = FxHashMap<Box<str>, CidrTable>;

/// One CIDR collection compiled for longest-prefix matching without allocating: per
/// address family, one level per prefix length (longest first), each a sorted list of
/// (network, location index) searched by binary search.
#[derive(Debug, Clone, Default)]
pub struct CidrTable {
    v4: Vec<(u8, Vec<(u32, u16)>)>,
    v6: Vec<(u8, Vec<(u128, u16)>)>,
    locations: Vec<Box<str>>,
}

impl CidrTable {
    /// Compiles a collection.
    pub fn compile(collection: &cairn_model::cidr::CidrCollection) -> Self {
        use ipnet::IpNet;
        let mut table = Self::default();
        let mut v4: std::collections::BTreeMap<u8, Vec<(u32, u16)>> = Default::default();
        let mut v6: std::collections::BTreeMap<u8, Vec<(u128, u16)>> = Default::default();
        for (i, (name, blocks)) in collection.locations.iter().enumerate() {
            table.locations.push(name.as_str().into());
            for block in blocks {
                match block {
                    IpNet::V4(net) => v4
                        .entry(net.prefix_len())
                        .or_default()
                        .push((u32::from(net.network()), i as u16)),
                    IpNet::V6(net) => v6
                        .entry(net.prefix_len())
                        .or_default()
                        .push((u128::from(net.network()), i as u16)),
                }
            }
        }
        fn levels<T: Ord + Copy>(
            by_len: std::collections::BTreeMap<u8, Vec<(T, u16)>>,
        ) -> Vec<(u8, Vec<(T, u16)>)> {
            by_len
                .into_iter()
                .rev()
                .map(|(len, mut entries)| {
                    entries.sort_unstable_by_key(|e| e.0);
                    (len, entries)
                })
                .collect()
        }
        table.v4 = levels(v4);
        table.v6 = levels(v6);
        table
    }

    /// Compiles every collection.
    pub fn compile_all(collections: &[cairn_model::cidr::CidrCollection]) -> CidrTables {
        collections
            .iter()
            .map(|c| (c.id.as_str().into(), Self::compile(c)))
            .collect()
    }

    /// The location of the longest block no longer than `known_bits` that holds `addr`,
    /// with the block's length.
    pub fn lookup(&self, addr: IpAddr, known_bits: u8) -> Option<(&str, u8)> {
        fn find<T: Copy + Ord>(
            levels: &[(u8, Vec<(T, u16)>)],
            known_bits: u8,
            mask: impl Fn(u8) -> T,
        ) -> Option<(u16, u8)> {
            levels
                .iter()
                .filter(|(len, _)| *len <= known_bits)
                .find_map(|(len, entries)| {
                    let key = mask(*len);
                    entries
                        .binary_search_by_key(&key, |e| e.0)
                        .ok()
                        .map(|i| (entries[i].1, *len))
                })
        }
        let (index, len) = match addr {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                find(&self.v4, known_bits, |len| {
                    a & (u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0))
                })?
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                find(&self.v6, known_bits, |len| {
                    a & (u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0))
                })?
            }
        };
        Some((&self.locations[usize::from(index)], len))
    }
}

//------------ randomness -------------------------------------------------------

thread_local! {
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let local = 0u8;
    (t ^ (&local as *const u8 as u64).rotate_left(32)) | 1
}

/// A uniform number below `n` (xorshift64*; selection needs speed, not secrecy).
fn random_below(n: u32) -> u32 {
    RNG.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (((r >> 32) * u64::from(n)) >> 32) as u32
    })
}

//------------ region distances ------------------------------------------------

#[cfg(test)]
mod tests;

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
    pub health: &'a FxHashMap<String, bool>,
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
    pub fn check_passes(&self, check: Option<&str>) -> bool {
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
mod tests {
    use super::*;
    use crate::zone::CompiledRrset;
    use cairn_model::rrset::GeoLocation;

    #[test]
    fn random_below_stays_in_range() {
        for n in [1, 2, 3, 255, 1000] {
            for _ in 0..1000 {
                assert!(random_below(n) < n);
            }
        }
    }

    //--- geolocation

    fn geo_variant(
        id: &str,
        continent: Option<&str>,
        country: Option<&str>,
        subdivision: Option<&str>,
    ) -> Variant {
        Variant {
            set_identifier: id.into(),
            weight: 0,
            region: None,
            primary: false,
            geo: Some(GeoLocation {
                continent_code: continent.map(Into::into),
                country_code: country.map(Into::into),
                subdivision_code: subdivision.map(Into::into),
            }),
            cidr_location: None,
            cidr_collection: None,
            proximity: None,
            health_check: Some(format!("hc-{id}")),
            evaluate_target_health: false,
            target: Target::Records(Arc::new(CompiledRrset {
                rtype: 1,
                ttl: 60,
                rdatas: vec![],
                targets: vec![],
                cname_target: None,
            })),
        }
    }

    /// `*`, continent EU, continent NA, country US, country GB, and US-CA.
    fn geo_group() -> RoutedSet {
        RoutedSet {
            rtype: 1,
            policy: Policy::Geolocation,
            variants: vec![
                geo_variant("default", None, Some("*"), None),
                geo_variant("eu", Some("EU"), None, None),
                geo_variant("na", Some("NA"), None, None),
                geo_variant("us", None, Some("US"), None),
                geo_variant("gb", None, Some("GB"), None),
                geo_variant("us-ca", None, Some("US"), Some("CA")),
            ],
        }
    }

    /// What `group` answers a client at `ip` with, given the checks listed as failing.
    fn geo_pick(
        group: &RoutedSet,
        geoip: Option<&GeoIp>,
        ip: Option<&str>,
        failing: &[&str],
    ) -> Option<String> {
        let health: FxHashMap<String, bool> = failing
            .iter()
            .map(|id| (format!("hc-{id}"), false))
            .collect();
        let zones = FxHashMap::default();
        let client = Client::new(ip.map(|ip| ip.parse().unwrap()), geoip);
        let ctx = RoutingContext {
            region: "us-east-1",
            health: &health,
            zones: &zones,
            client: &client,
        };
        let chosen = group.select(&ctx, |v| ctx.check_passes(v.health_check.as_deref()));
        assert!(chosen.len() <= 1, "geolocation answers with one record set");
        chosen.first().map(|v| v.set_identifier.clone())
    }

    fn geo_fixture() -> GeoIp {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/geoip/test-city.mmdb"
        );
        GeoIp::open(std::path::Path::new(path)).expect("the fixture opens")
    }

    #[test]
    fn geolocation_picks_the_most_specific_match() {
        let db = geo_fixture();
        let group = geo_group();
        let pick = |ip: &str| geo_pick(&group, Some(&db), Some(ip), &[]);
        assert_eq!(pick("198.51.100.1").as_deref(), Some("us-ca")); // US-CA
        assert_eq!(pick("203.0.113.1").as_deref(), Some("us")); // US-TX: no TX record
        assert_eq!(pick("2001:db8:2::1").as_deref(), Some("us")); // US, no state
        assert_eq!(pick("192.0.2.1").as_deref(), Some("eu")); // DE: no DE record
        assert_eq!(pick("192.0.2.200").as_deref(), Some("eu")); // FR, continent from Route 53's table
        assert_eq!(pick("100.64.2.1").as_deref(), Some("eu")); // only a continent known
        assert_eq!(pick("2001:db8:1::1").as_deref(), Some("gb")); // GB-ENG: no ENG record
        assert_eq!(pick("100.64.1.1").as_deref(), Some("default")); // JP, Asia: nothing for it
        assert_eq!(pick("127.0.0.1").as_deref(), Some("default")); // in no country
    }

    #[test]
    fn geolocation_without_a_database_or_address_answers_the_default() {
        let db = geo_fixture();
        let group = geo_group();
        assert_eq!(
            geo_pick(&group, None, Some("198.51.100.1"), &[]).as_deref(),
            Some("default")
        );
        assert_eq!(
            geo_pick(&group, Some(&db), None, &[]).as_deref(),
            Some("default")
        );
    }

    #[test]
    fn geolocation_without_a_match_or_default_is_no_data() {
        let db = geo_fixture();
        let mut group = geo_group();
        group.variants.retain(|v| v.set_identifier != "default");
        assert_eq!(geo_pick(&group, Some(&db), Some("100.64.1.1"), &[]), None);
        assert_eq!(geo_pick(&group, Some(&db), Some("127.0.0.1"), &[]), None);
        assert_eq!(geo_pick(&group, None, Some("198.51.100.1"), &[]), None);
        assert_eq!(
            geo_pick(&group, Some(&db), Some("198.51.100.1"), &[]).as_deref(),
            Some("us-ca")
        );
    }

    #[test]
    fn an_unhealthy_geolocation_record_gives_way_to_the_larger_region() {
        let db = geo_fixture();
        let group = geo_group();
        let pick = |failing: &[&str]| geo_pick(&group, Some(&db), Some("198.51.100.9"), failing);
        assert_eq!(pick(&["us-ca"]).as_deref(), Some("us"));
        assert_eq!(pick(&["us-ca", "us"]).as_deref(), Some("na"));
        assert_eq!(pick(&["us-ca", "us", "na"]).as_deref(), Some("default"));
        // A less specific record failing does not matter while the state's is healthy.
        assert_eq!(pick(&["us", "na"]).as_deref(), Some("us-ca"));
        // Every applicable record unhealthy (others healthy): the smallest region answers.
        assert_eq!(
            pick(&["us-ca", "us", "na", "default"]).as_deref(),
            Some("us-ca")
        );
        // Every record unhealthy: the same.
        assert_eq!(
            pick(&["us-ca", "us", "na", "default", "eu", "gb"]).as_deref(),
            Some("us-ca")
        );
        // A client of unknown location whose default is down still gets the default.
        assert_eq!(
            geo_pick(&group, Some(&db), Some("127.0.0.1"), &["default"]).as_deref(),
            Some("default")
        );
    }

    #[test]
    fn the_client_is_located_only_for_groups_that_need_it() {
        let db = geo_fixture();
        let zones = FxHashMap::default();
        let health = FxHashMap::default();
        let only_default = RoutedSet {
            rtype: 1,
            policy: Policy::Geolocation,
            variants: vec![geo_variant("default", None, Some("*"), None)],
        };
        let client = Client::new(Some("198.51.100.1".parse().unwrap()), Some(&db));
        let ctx = RoutingContext {
            region: "us-east-1",
            health: &health,
            zones: &zones,
            client: &client,
        };
        assert_eq!(only_default.select(&ctx, |_| true).len(), 1);
        assert!(
            !client.routed_by_location(),
            "a group with only `*` does not depend on the client"
        );
        assert_eq!(
            geo_group().select(&ctx, |_| true)[0].set_identifier,
            "us-ca"
        );
        assert!(client.routed_by_location());
    }

    //--- IP-based

    fn collection(locations: &[(&str, &[&str])]) -> cairn_model::cidr::CidrCollection {
        cairn_model::cidr::CidrCollection {
            id: "col".into(),
            name: "n".into(),
            caller_reference: "r".into(),
            version: 1,
            locations: locations
                .iter()
                .map(|(name, blocks)| {
                    (
                        name.to_string(),
                        blocks.iter().map(|b| b.parse().unwrap()).collect(),
                    )
                })
                .collect(),
        }
    }

    fn ip_group(locations: &[&str]) -> RoutedSet {
        RoutedSet {
            rtype: 1,
            policy: Policy::IpBased,
            variants: locations
                .iter()
                .map(|l| Variant {
                    cidr_location: Some(l.to_string()),
                    cidr_collection: Some("col".into()),
                    proximity: None,
                    geo: None,
                    ..geo_variant(l, None, None, None)
                })
                .collect(),
        }
    }

    /// The set identifier chosen for a client at `ip` (with an ECS source prefix), and the
    /// ECS scope the answer gets for a /`source` query.
    fn ip_pick(
        group: &RoutedSet,
        tables: &CidrTables,
        ip: &str,
        ecs: Option<u8>,
    ) -> (Option<String>, u8) {
        let (health, zones) = (FxHashMap::default(), FxHashMap::default());
        let client = Client::new(Some(ip.parse().unwrap()), None).with_cidr(tables, ecs);
        let ctx = RoutingContext {
            region: "us-east-1",
            health: &health,
            zones: &zones,
            client: &client,
        };
        let chosen = group
            .select(&ctx, |_| true)
            .first()
            .map(|v| v.set_identifier.clone());
        (chosen, client.ecs_scope(ecs.unwrap_or(32)))
    }

    #[test]
    fn the_longest_matching_block_wins() {
        let tables = CidrTable::compile_all(&[collection(&[
            ("wide", &["10.0.0.0/8", "2001:db8::/32"]),
            ("narrow", &["10.1.0.0/16", "10.1.2.0/24", "2001:db8:1::/48"]),
            ("other", &["192.0.2.0/24"]),
        ])]);
        let group = ip_group(&["wide", "narrow", "*"]);
        assert_eq!(
            ip_pick(&group, &tables, "10.1.2.3", None),
            (Some("narrow".into()), 24)
        );
        assert_eq!(
            ip_pick(&group, &tables, "10.1.9.3", None),
            (Some("narrow".into()), 16)
        );
        assert_eq!(
            ip_pick(&group, &tables, "10.7.0.1", None),
            (Some("wide".into()), 8)
        );
        assert_eq!(
            ip_pick(&group, &tables, "2001:db8:1::5", Some(56))
                .0
                .as_deref(),
            Some("narrow")
        );
        assert_eq!(
            ip_pick(&group, &tables, "2001:db8:2::5", None).0.as_deref(),
            Some("wide")
        );
        // No block: the default; a location with no record: the default too.
        assert_eq!(
            ip_pick(&group, &tables, "172.16.0.1", Some(24)),
            (Some("*".into()), 24)
        );
        assert_eq!(
            ip_pick(&group, &tables, "192.0.2.1", None).0.as_deref(),
            Some("*")
        );
        // A block longer than the ECS source prefix does not match (ROUTE53.md §3).
        assert_eq!(
            ip_pick(&group, &tables, "10.1.2.0", Some(20)),
            (Some("narrow".into()), 16)
        );
        assert_eq!(
            ip_pick(&group, &tables, "10.1.0.0", Some(12)),
            (Some("wide".into()), 8)
        );
        // No default: NODATA.
        let no_default = ip_group(&["narrow"]);
        assert_eq!(ip_pick(&no_default, &tables, "172.16.0.1", None).0, None);
        // An unknown collection (not loaded yet): the default.
        assert_eq!(
            ip_pick(&group, &CidrTables::default(), "10.1.2.3", None)
                .0
                .as_deref(),
            Some("*")
        );
    }

    //--- geoproximity

    /// Variants at Los Angeles (bias 0), Oregon's region, and Frankfurt.
    fn proximity_group(biases: [i32; 3]) -> RoutedSet {
        let at = |id: &str, point: (f64, f64), bias: i32| Variant {
            geo: None,
            proximity: Some(Proximity {
                point: Some(point),
                bias,
            }),
            ..geo_variant(id, None, None, None)
        };
        let oregon = cairn_model::region::aws_region("us-west-2").unwrap();
        RoutedSet {
            rtype: 1,
            policy: Policy::Geoproximity,
            variants: vec![
                at("frankfurt", (50.11, 8.68), biases[2]),
                at("los-angeles", (34.05, -118.24), biases[0]),
                at("oregon", (oregon.latitude, oregon.longitude), biases[1]),
            ],
        }
    }

    fn proximity_pick(
        group: &RoutedSet,
        ip: Option<&str>,
        region: &str,
        failing: &[&str],
    ) -> String {
        let db = geo_fixture();
        let health: FxHashMap<String, bool> = failing
            .iter()
            .map(|id| (format!("hc-{id}"), false))
            .collect();
        let zones = FxHashMap::default();
        let client = Client::new(ip.map(|ip| ip.parse().unwrap()), Some(&db));
        let ctx = RoutingContext {
            region,
            health: &health,
            zones: &zones,
            client: &client,
        };
        let chosen = group.select(&ctx, |v| ctx.check_passes(v.health_check.as_deref()));
        assert_eq!(chosen.len(), 1, "geoproximity answers with one record set");
        chosen[0].set_identifier.clone()
    }

    #[test]
    fn biased_distance_follows_route53s_formula() {
        let london = (51.51, -0.13);
        let paris = Proximity {
            point: Some((48.86, 2.35)),
            bias: 0,
        };
        let d = paris.biased_distance(london);
        assert!((d - 343.0).abs() < 3.0, "{d}");
        let grown = Proximity { bias: 50, ..paris }.biased_distance(london);
        assert!(
            (grown - d * 0.5).abs() < 1e-9,
            "positive bias: d·(1 − b/100)"
        );
        let shrunk = Proximity { bias: -50, ..paris }.biased_distance(london);
        assert!(
            (shrunk - d * 2.0).abs() < 1e-9,
            "negative bias: d / (1 + b/100)"
        );
        assert_eq!(
            Proximity {
                point: None,
                bias: 99
            }
            .biased_distance(london),
            f64::INFINITY
        );
    }

    #[test]
    fn geoproximity_picks_the_nearest_resource() {
        let group = proximity_group([0, 0, 0]);
        // San Francisco and Dallas are nearest Los Angeles; Paris and London, Frankfurt.
        assert_eq!(
            proximity_pick(&group, Some("198.51.100.1"), "us-east-1", &[]),
            "los-angeles"
        );
        assert_eq!(
            proximity_pick(&group, Some("203.0.113.1"), "us-east-1", &[]),
            "los-angeles"
        );
        assert_eq!(
            proximity_pick(&group, Some("192.0.2.200"), "us-east-1", &[]),
            "frankfurt"
        );
        assert_eq!(
            proximity_pick(&group, Some("2001:db8:1::1"), "us-east-1", &[]),
            "frankfurt"
        );
    }

    #[test]
    fn bias_moves_the_boundary() {
        // San Francisco is ~560 km from Los Angeles and ~900 km from Oregon's region: a bias
        // of 50 on Oregon halves its distance and wins; −50 on Los Angeles doubles its own.
        assert_eq!(
            proximity_pick(
                &proximity_group([0, 50, 0]),
                Some("198.51.100.1"),
                "us-east-1",
                &[]
            ),
            "oregon"
        );
        assert_eq!(
            proximity_pick(
                &proximity_group([-50, 0, 0]),
                Some("198.51.100.1"),
                "us-east-1",
                &[]
            ),
            "oregon"
        );
        // A far resource with a big bias draws a distant client away: Tokyo is ~9,300 km
        // from Frankfurt and ~7,900 from Oregon; with 99, Frankfurt is ~93 km away.
        assert_eq!(
            proximity_pick(
                &proximity_group([0, 0, 0]),
                Some("100.64.1.1"),
                "us-east-1",
                &[]
            ),
            "oregon"
        );
        assert_eq!(
            proximity_pick(
                &proximity_group([0, 0, 99]),
                Some("100.64.1.1"),
                "us-east-1",
                &[]
            ),
            "frankfurt"
        );
    }

    #[test]
    fn an_unhealthy_resource_gives_way_to_the_next_nearest() {
        let group = proximity_group([0, 0, 0]);
        assert_eq!(
            proximity_pick(&group, Some("198.51.100.1"), "us-east-1", &["los-angeles"]),
            "oregon"
        );
        // All unhealthy: all count as healthy, so the nearest answers.
        let all = ["los-angeles", "oregon", "frankfurt"];
        assert_eq!(
            proximity_pick(&group, Some("198.51.100.1"), "us-east-1", &all),
            "los-angeles"
        );
    }

    #[test]
    fn an_unplaced_client_is_measured_from_this_nodes_region() {
        let group = proximity_group([0, 0, 0]);
        assert_eq!(
            proximity_pick(&group, Some("127.0.0.1"), "eu-central-1", &[]),
            "frankfurt"
        );
        assert_eq!(
            proximity_pick(&group, None, "us-west-1", &[]),
            "los-angeles"
        );
        // A continent-only record has no point either.
        assert_eq!(
            proximity_pick(&group, Some("100.64.2.1"), "us-west-2", &[]),
            "oregon"
        );
    }

    #[test]
    fn a_client_located_at_a_region_routes_from_there() {
        let (health, zones) = (FxHashMap::default(), FxHashMap::default());
        let in_oregon = Client::at_location(Location::of_region("us-west-2"));
        let ctx = RoutingContext {
            region: "eu-central-1",
            health: &health,
            zones: &zones,
            client: &in_oregon,
        };
        assert_eq!(
            proximity_group([0, 0, 0]).select(&ctx, |_| true)[0].set_identifier,
            "oregon"
        );
        // And geolocation sees the region's state and country.
        assert_eq!(geo_group().select(&ctx, |_| true)[0].set_identifier, "us");
        let in_frankfurt = Client::at_location(Location::of_region("eu-central-1"));
        let ctx = RoutingContext {
            client: &in_frankfurt,
            ..ctx
        };
        assert_eq!(geo_group().select(&ctx, |_| true)[0].set_identifier, "eu");
        let nowhere = Client::at_location(None);
        let ctx = RoutingContext {
            client: &nowhere,
            ..ctx
        };
        assert_eq!(
            geo_group().select(&ctx, |_| true)[0].set_identifier,
            "default"
        );
    }
}

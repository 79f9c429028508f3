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
        health_check: Some(format!("hc-{id}").into()),
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
    let health: FxHashMap<HealthCheckId, bool> = failing
        .iter()
        .map(|id| (format!("hc-{id}").into(), false))
        .collect();
    let zones = FxHashMap::default();
    let client = Client::new(ip.map(|ip| ip.parse().unwrap()), geoip);
    let ctx = RoutingContext {
        region: "us-east-1",
        health: &health,
        zones: &zones,
        client: &client,
    };
    let chosen = group.select(&ctx, |v| ctx.check_passes(v.health_check.as_ref()));
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

fn proximity_pick(group: &RoutedSet, ip: Option<&str>, region: &str, failing: &[&str]) -> String {
    let db = geo_fixture();
    let health: FxHashMap<HealthCheckId, bool> = failing
        .iter()
        .map(|id| (format!("hc-{id}").into(), false))
        .collect();
    let zones = FxHashMap::default();
    let client = Client::new(ip.map(|ip| ip.parse().unwrap()), Some(&db));
    let ctx = RoutingContext {
        region,
        health: &health,
        zones: &zones,
        client: &client,
    };
    let chosen = group.select(&ctx, |v| ctx.check_passes(v.health_check.as_ref()));
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

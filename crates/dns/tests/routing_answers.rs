//! Routed record sets and aliases as clients see them: weighted, failover, latency,
//! multivalue and geolocation routing, health-driven answers, and aliases within and across
//! hosted zones, through the listeners' entry point (`respond`), decoded with hickory-proto.
#![allow(clippy::unwrap_used)]

mod common;

use cairn_dns::respond::Transport;
use cairn_dns::Snapshot;
use cairn_model::rrset::FailoverRole::{Primary, Secondary};
use cairn_model::rrset::RoutingPolicy::{
    self, Failover, Geolocation, Latency, MultiValueAnswer, Weighted,
};
use cairn_model::{DomainName, HealthCheckId, ResourceRecordSet, RrType};
use common::hickory::{ask, lines, query};
use common::{set, snapshot_of, zone};
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;

fn routed(name: &str, id: &str, values: &[&str], policy: RoutingPolicy) -> ResourceRecordSet {
    route(set(name, RrType::A, 60, values), id, policy)
}

/// `s` with a set identifier and `policy`.
fn route(mut s: ResourceRecordSet, id: &str, policy: RoutingPolicy) -> ResourceRecordSet {
    s.routing = Some(cairn_model::rrset::Routing {
        set_identifier: id.to_string(),
        policy,
    });
    s
}

fn alias(name: &str, rtype: RrType, target: &str, zone: &str) -> ResourceRecordSet {
    ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(cairn_model::AliasTarget {
            hosted_zone_id: zone.to_string(),
            dns_name: DomainName::from_route53(target).unwrap(),
            evaluate_target_health: false,
        }),
        ..set(name, rtype, 0, &[])
    }
}

fn routing_zone(region: &str) -> Snapshot {
    let mut sets = vec![
        set(
            "example.net",
            RrType::Soa,
            900,
            &["ns1.example.net. h.example.net. 1 7200 900 1209600 60"],
        ),
        set("example.net", RrType::Ns, 172800, &["ns1.example.net."]),
        set(
            "lb.example.net",
            RrType::A,
            30,
            &["198.51.100.1", "198.51.100.2"],
        ),
        set("lb.example.net", RrType::Aaaa, 30, &["2001:db8::10"]),
        alias(
            "example.net",
            RrType::A,
            "lb.example.net",
            "/hostedzone/Z11",
        ),
        alias("example.net", RrType::Aaaa, "lb.example.net", "Z11"),
        alias("*.pages.example.net", RrType::A, "lb.example.net", "Z11"),
    ];
    let heavy = routed("w.example.net", "heavy", &["192.0.2.1"], Weighted(3));
    let light = routed("w.example.net", "light", &["192.0.2.2"], Weighted(1));
    let never = routed("w.example.net", "never", &["192.0.2.3"], Weighted(0));
    sets.extend([heavy, light, never]);
    let zero_a = routed("z.example.net", "a", &["192.0.2.4"], Weighted(0));
    let zero_b = routed("z.example.net", "b", &["192.0.2.5"], Weighted(0));
    sets.extend([zero_a, zero_b]);
    let primary = routed("f.example.net", "p", &["192.0.2.10"], Failover(Primary));
    let secondary = routed("f.example.net", "s", &["192.0.2.11"], Failover(Secondary));
    sets.extend([primary, secondary]);
    for (id, r, ip) in [
        ("use1", "us-east-1", "192.0.2.21"),
        ("euw1", "eu-west-1", "192.0.2.22"),
        ("apse2", "ap-southeast-2", "192.0.2.23"),
    ] {
        sets.push(routed("lat.example.net", id, &[ip], Latency(r.into())));
    }
    for i in 0..10 {
        sets.push(routed(
            "mv.example.net",
            &format!("m{i}"),
            &[&format!("192.0.2.{}", 100 + i)],
            MultiValueAnswer(true),
        ));
    }
    let geo_default = routed(
        "geo.example.net",
        "default",
        &["192.0.2.50"],
        Geolocation(cairn_model::rrset::GeoLocation {
            continent_code: None,
            country_code: Some("*".into()),
            subdivision_code: None,
        }),
    );
    let geo_fr = routed(
        "geo.example.net",
        "fr",
        &["192.0.2.51"],
        Geolocation(cairn_model::rrset::GeoLocation {
            continent_code: None,
            country_code: Some("FR".into()),
            subdivision_code: None,
        }),
    );
    sets.extend([geo_default, geo_fr]);
    snapshot_of(&zone("Z11", "example.net", sets), region)
}

#[test]
fn alias_at_the_apex_answers_with_the_targets_records_and_ttl() {
    let snap = routing_zone("us-east-1");
    let r = ask(
        &snap,
        &query("example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.metadata.authoritative);
    assert_eq!(
        lines(&r.answers),
        [
            "example.net. 30 IN A 198.51.100.1",
            "example.net. 30 IN A 198.51.100.2"
        ]
    );
    let r = ask(
        &snap,
        &query("example.net.", RecordType::AAAA, None),
        Transport::Udp,
    );
    assert_eq!(lines(&r.answers), ["example.net. 30 IN AAAA 2001:db8::10"]);
    // An alias answers only its own type: no CNAME appears, other types are NODATA.
    let r = ask(
        &snap,
        &query("example.net.", RecordType::MX, None),
        Transport::Udp,
    );
    assert!(r.answers.is_empty());
    assert_eq!(r.authorities[0].record_type(), RecordType::SOA);
}

#[test]
fn wildcard_alias_answers_under_the_query_name() {
    let snap = routing_zone("us-east-1");
    let r = ask(
        &snap,
        &query("blog.pages.example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(
        lines(&r.answers),
        [
            "blog.pages.example.net. 30 IN A 198.51.100.1",
            "blog.pages.example.net. 30 IN A 198.51.100.2"
        ]
    );
}

fn first_a(snap: &Snapshot, name: &str) -> String {
    let r = ask(snap, &query(name, RecordType::A, None), Transport::Udp);
    assert_eq!(r.answers.len(), 1, "{name}: one record");
    r.answers[0].data.to_string()
}

#[test]
fn weighted_shares_follow_the_weights_and_weight_zero_is_never_chosen() {
    let snap = routing_zone("us-east-1");
    let mut heavy = 0;
    let n = 4000;
    for _ in 0..n {
        match first_a(&snap, "w.example.net.").as_str() {
            "192.0.2.1" => heavy += 1,
            "192.0.2.2" => {}
            other => panic!("weight 0 record {other} was chosen"),
        }
    }
    // Expected 3000 of 4000; a 4-sigma band (sigma ≈ 27) cannot fail by chance in practice.
    assert!(
        (2890..=3110).contains(&heavy),
        "heavy chosen {heavy} times of {n}"
    );
}

#[test]
fn all_weights_zero_are_chosen_uniformly() {
    let snap = routing_zone("us-east-1");
    let a = (0..2000)
        .filter(|_| first_a(&snap, "z.example.net.") == "192.0.2.4")
        .count();
    assert!((900..=1100).contains(&a), "{a} of 2000");
}

#[test]
fn failover_answers_primary_while_it_is_healthy() {
    let snap = routing_zone("us-east-1");
    for _ in 0..50 {
        assert_eq!(first_a(&snap, "f.example.net."), "192.0.2.10");
    }
}

#[test]
fn latency_routing_answers_the_region_nearest_the_node() {
    assert_eq!(
        first_a(&routing_zone("us-east-2"), "lat.example.net."),
        "192.0.2.21"
    );
    assert_eq!(
        first_a(&routing_zone("eu-central-1"), "lat.example.net."),
        "192.0.2.22"
    );
    assert_eq!(
        first_a(&routing_zone("ap-southeast-4"), "lat.example.net."),
        "192.0.2.23"
    );
}

#[test]
fn multivalue_answers_at_most_eight() {
    let snap = routing_zone("us-east-1");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let r = ask(
            &snap,
            &query("mv.example.net.", RecordType::A, None),
            Transport::Udp,
        );
        assert_eq!(r.answers.len(), 8);
        seen.extend(r.answers.iter().map(|a| a.data.to_string()));
    }
    assert_eq!(seen.len(), 10, "every record is served to someone");
}

#[test]
fn geolocation_without_a_known_location_answers_the_default() {
    let snap = routing_zone("us-east-1");
    assert_eq!(first_a(&snap, "geo.example.net."), "192.0.2.50");
}

//------------ health ------------------------------------------------------------------

fn health_zone(down: &[&str]) -> Snapshot {
    let mut sets = vec![
        set(
            "example.org",
            RrType::Soa,
            900,
            &["ns1.example.org. h.example.org. 1 7200 900 1209600 60"],
        ),
        set("example.org", RrType::Ns, 172800, &["ns1.example.org."]),
    ];
    let with_check = |mut s: ResourceRecordSet, check: &str| {
        s.health_check_id = Some(check.into());
        s
    };
    let p = with_check(
        routed("f.example.org", "p", &["192.0.2.10"], Failover(Primary)),
        "hc-primary",
    );
    let sec = with_check(
        routed("f.example.org", "s", &["192.0.2.11"], Failover(Secondary)),
        "hc-secondary",
    );
    sets.extend([p, sec]);
    for (id, w, ip, check) in [("a", 9, "192.0.2.1", "hc-a"), ("b", 1, "192.0.2.2", "hc-b")] {
        sets.push(with_check(
            routed("w.example.org", id, &[ip], Weighted(w)),
            check,
        ));
    }
    for i in 0..4 {
        sets.push(with_check(
            routed(
                "mv.example.org",
                &format!("m{i}"),
                &[&format!("192.0.2.{}", 100 + i)],
                MultiValueAnswer(true),
            ),
            &format!("hc-m{i}"),
        ));
    }
    // Latency aliases to per-region weighted groups: a region whose whole group is down is
    // backed out of when the alias evaluates target health.
    for (region, ip) in [("us-east-1", "198.51.100.1"), ("eu-west-1", "198.51.100.2")] {
        sets.push(with_check(
            routed(
                &format!("{region}.pool.example.org"),
                "only",
                &[ip],
                Weighted(1),
            ),
            &format!("hc-{region}"),
        ));
        let mut a = route(
            alias(
                "app.example.org",
                RrType::A,
                &format!("{region}.pool.example.org"),
                "Z12",
            ),
            region,
            Latency(region.into()),
        );
        a.alias_target.as_mut().unwrap().evaluate_target_health = true;
        sets.push(a);
    }
    let health = down
        .iter()
        .map(|id| (HealthCheckId::new(*id), false))
        .collect();
    snapshot_of(&zone("Z12", "example.org", sets), "us-east-1")
        .with_health(cairn_model::ChangeSeq(2), health)
}

#[test]
fn failover_moves_to_secondary_and_back_to_primary_when_both_fail() {
    assert_eq!(first_a(&health_zone(&[]), "f.example.org."), "192.0.2.10");
    assert_eq!(
        first_a(&health_zone(&["hc-primary"]), "f.example.org."),
        "192.0.2.11"
    );
    assert_eq!(
        first_a(
            &health_zone(&["hc-primary", "hc-secondary"]),
            "f.example.org."
        ),
        "192.0.2.10"
    );
}

#[test]
fn weighted_skips_unhealthy_records_unless_all_are_unhealthy() {
    let snap = health_zone(&["hc-a"]);
    for _ in 0..200 {
        assert_eq!(first_a(&snap, "w.example.org."), "192.0.2.2");
    }
    let snap = health_zone(&["hc-a", "hc-b"]);
    let a = (0..2000)
        .filter(|_| first_a(&snap, "w.example.org.") == "192.0.2.1")
        .count();
    assert!(
        (1700..=1900).contains(&a),
        "all unhealthy: weights apply again ({a} of 2000)"
    );
}

#[test]
fn multivalue_never_returns_a_failing_record_while_a_healthy_one_exists() {
    let snap = health_zone(&["hc-m0", "hc-m2"]);
    for _ in 0..100 {
        let r = ask(
            &snap,
            &query("mv.example.org.", RecordType::A, None),
            Transport::Udp,
        );
        let mut got: Vec<String> = r.answers.iter().map(|a| a.data.to_string()).collect();
        got.sort();
        assert_eq!(got, ["192.0.2.101", "192.0.2.103"]);
    }
    let r = ask(
        &health_zone(&["hc-m0", "hc-m1", "hc-m2", "hc-m3"]),
        &query("mv.example.org.", RecordType::A, None),
        Transport::Udp,
    );
    assert_eq!(r.answers.len(), 4, "all unhealthy: all are answered");
}

#[test]
fn latency_alias_backs_out_of_a_region_whose_targets_are_all_unhealthy() {
    assert_eq!(
        first_a(&health_zone(&[]), "app.example.org."),
        "198.51.100.1"
    );
    assert_eq!(
        first_a(&health_zone(&["hc-us-east-1"]), "app.example.org."),
        "198.51.100.2"
    );
}

#[test]
fn an_alias_can_target_a_name_in_another_hosted_zone() {
    use cairn_dns::compile::compile_zone;
    use std::sync::Arc;
    let mut alias_set = alias(
        "www.example.net",
        RrType::A,
        "lb.other.test",
        "/hostedzone/Z22",
    );
    alias_set
        .alias_target
        .as_mut()
        .unwrap()
        .evaluate_target_health = true;
    let first = zone(
        "Z21",
        "example.net",
        vec![
            set(
                "example.net",
                RrType::Soa,
                900,
                &["ns1.example.net. h.example.net. 1 7200 900 1209600 60"],
            ),
            set("example.net", RrType::Ns, 172800, &["ns1.example.net."]),
            alias_set,
        ],
    );
    let second = zone(
        "Z22",
        "other.test",
        vec![
            set(
                "other.test",
                RrType::Soa,
                900,
                &["ns1.other.test. h.other.test. 1 7200 900 1209600 60"],
            ),
            set("other.test", RrType::Ns, 172800, &["ns1.other.test."]),
            set("lb.other.test", RrType::A, 20, &["203.0.113.7"]),
        ],
    );
    let snap = Snapshot::empty().with_changes(
        cairn_model::ChangeSeq(1),
        [
            (first.zone.id.clone(), Some(Arc::new(compile_zone(&first)))),
            (
                second.zone.id.clone(),
                Some(Arc::new(compile_zone(&second))),
            ),
        ],
    );
    let r = ask(
        &snap,
        &query("www.example.net.", RecordType::A, None),
        Transport::Udp,
    );
    assert!(r.metadata.authoritative);
    assert_eq!(lines(&r.answers), ["www.example.net. 20 IN A 203.0.113.7"]);
}

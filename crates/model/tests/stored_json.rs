//! Record sets as the store keeps them: JSON written by the binaries from before the routing
//! policy was typed (seven optional fields beside `set_identifier`) loads into the typed set,
//! and the typed set writes the same bytes back.
#![allow(clippy::unwrap_used)]

use cairn_model::rrset::{
    CidrRoutingConfig, FailoverRole, GeoLocation, GeoProximityLocation, Routing, RoutingPolicy,
};
use cairn_model::{AliasTarget, DomainName, ResourceRecordSet, RrType};

fn routed(id: &str, policy: RoutingPolicy) -> ResourceRecordSet {
    let mut set = ResourceRecordSet::simple(
        DomainName::from_route53("w.example.com").unwrap(),
        RrType::A,
        60,
        vec!["192.0.2.1".into()],
    );
    set.routing = Some(Routing {
        set_identifier: id.into(),
        policy,
    });
    set
}

const HEAD: &str = r#"{"name":"w.example.com.","rtype":"A","#;
const VALUES: &str = r#""ttl":60,"records":["192.0.2.1"]"#;

/// `json` loads as `expected`, and `expected` is written as `json`.
fn same(json: &str, expected: &ResourceRecordSet) {
    let loaded: ResourceRecordSet = serde_json::from_str(json).unwrap();
    assert_eq!(&loaded, expected, "{json}");
    assert_eq!(serde_json::to_string(expected).unwrap(), json);
}

#[test]
fn a_plain_set_reads_and_writes_as_before() {
    let plain = ResourceRecordSet::simple(
        DomainName::from_route53("w.example.com").unwrap(),
        RrType::A,
        60,
        vec!["192.0.2.1".into()],
    );
    same(&format!("{HEAD}{VALUES}}}"), &plain);
    let mut checked = plain.clone();
    checked.health_check_id = Some("hc-1".into());
    same(
        &format!(r#"{HEAD}{VALUES},"health_check_id":"hc-1"}}"#),
        &checked,
    );
}

#[test]
fn every_policy_reads_and_writes_as_before() {
    let cases = [
        (r#""weight":7"#, RoutingPolicy::Weighted(7)),
        (
            r#""region":"eu-west-1""#,
            RoutingPolicy::Latency("eu-west-1".into()),
        ),
        (
            r#""failover":"PRIMARY""#,
            RoutingPolicy::Failover(FailoverRole::Primary),
        ),
        (
            r#""failover":"SECONDARY""#,
            RoutingPolicy::Failover(FailoverRole::Secondary),
        ),
        (
            r#""geo_location":{"country_code":"US","subdivision_code":"CA"}"#,
            RoutingPolicy::Geolocation(GeoLocation {
                continent_code: None,
                country_code: Some("US".into()),
                subdivision_code: Some("CA".into()),
            }),
        ),
        (
            r#""multi_value_answer":true"#,
            RoutingPolicy::MultiValueAnswer(true),
        ),
        (
            r#""multi_value_answer":false"#,
            RoutingPolicy::MultiValueAnswer(false),
        ),
        (
            r#""cidr_routing_config":{"collection_id":"c-1","location_name":"*"}"#,
            RoutingPolicy::IpBased(CidrRoutingConfig {
                collection_id: "c-1".into(),
                location_name: "*".into(),
            }),
        ),
        (
            r#""geo_proximity_location":{"latitude":"-33.87","longitude":"151.21","bias":-5}"#,
            RoutingPolicy::Geoproximity(GeoProximityLocation {
                aws_region: None,
                local_zone_group: None,
                latitude: Some("-33.87".into()),
                longitude: Some("151.21".into()),
                bias: Some(-5),
            }),
        ),
    ];
    for (fields, policy) in cases {
        let mut set = routed("id-1", policy);
        same(
            &format!(r#"{HEAD}"set_identifier":"id-1",{VALUES},{fields}}}"#),
            &set,
        );
        set.health_check_id = Some("hc-1".into());
        same(
            &format!(
                r#"{HEAD}"set_identifier":"id-1",{VALUES},{fields},"health_check_id":"hc-1"}}"#
            ),
            &set,
        );
    }
}

#[test]
fn an_alias_reads_and_writes_as_before() {
    let mut alias = routed("a", RoutingPolicy::Latency("us-east-1".into()));
    alias.ttl = None;
    alias.records.clear();
    alias.alias_target = Some(AliasTarget {
        hosted_zone_id: "Z1".into(),
        dns_name: DomainName::from_route53("t.example.com").unwrap(),
        evaluate_target_health: true,
    });
    same(
        &format!(
            r#"{HEAD}"set_identifier":"a","alias_target":{{"hosted_zone_id":"Z1","dns_name":"t.example.com.","evaluate_target_health":true}},"region":"us-east-1"}}"#
        ),
        &alias,
    );
}

#[test]
fn stored_json_with_an_impossible_routing_is_refused() {
    for json in [
        format!(r#"{HEAD}"set_identifier":"a",{VALUES}}}"#),
        format!(r#"{HEAD}{VALUES},"weight":1}}"#),
        format!(r#"{HEAD}"set_identifier":"a",{VALUES},"weight":1,"region":"eu-west-1"}}"#),
        format!(r#"{HEAD}"set_identifier":"a",{VALUES},"failover":"TERTIARY"}}"#),
    ] {
        assert!(
            serde_json::from_str::<ResourceRecordSet>(&json).is_err(),
            "{json}"
        );
    }
}

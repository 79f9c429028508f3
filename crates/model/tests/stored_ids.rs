//! Records whose ids and statuses became types (issue 16), as the store keeps them: the JSON
//! written while they were plain strings loads into the typed records, and the typed records
//! write the same bytes back. The JSON below is in the stored format of the binaries from
//! before the change (field order is declaration order; nothing was renamed).
#![allow(clippy::unwrap_used)]

use std::fmt::Debug;

use cairn_model::health::{HealthCheck, HealthCheckConfig, HealthCheckType};
use cairn_model::resolver::{
    EndpointAddress, EndpointDirection, EndpointStatus, IpAddressStatus, Profile,
    ProfileAssociation, ProfileResource, ProfileStatus, ResolverEndpoint, ResolverEndpointType,
    ResolverRule, RuleAssociation, RuleAssociationStatus, RuleStatus, RuleType, ShareStatus,
};
use cairn_model::{
    DomainName, HealthCheckId, ProfileAssociationId, ProfileId, ProfileResourceAssociationId,
    ResolverEndpointId, ResolverRuleAssociationId, ResolverRuleId, ResourceRecordSet, RrType,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// `json` loads as `expected`, and `expected` is written as `json`.
fn same<T: Serialize + DeserializeOwned + PartialEq + Debug>(json: &str, expected: &T) {
    let loaded: T = serde_json::from_str(json).unwrap();
    assert_eq!(&loaded, expected, "{json}");
    assert_eq!(serde_json::to_string(expected).unwrap(), json);
}

const CHECK_ID: &str = "5a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a7b";
const CHILD_ID: &str = "0f1e2d3c-4b5a-4968-8776-655443322110";

#[test]
fn a_record_sets_health_check_id_reads_and_writes_as_before() {
    let mut set = ResourceRecordSet::simple(
        DomainName::from_route53("w.example.com").unwrap(),
        RrType::A,
        60,
        vec!["192.0.2.1".into()],
    );
    set.health_check_id = Some(HealthCheckId::new(CHECK_ID));
    same(
        &format!(
            r#"{{"name":"w.example.com.","rtype":"A","ttl":60,"records":["192.0.2.1"],"health_check_id":"{CHECK_ID}"}}"#
        ),
        &set,
    );
}

#[test]
fn a_health_check_and_its_children_read_and_write_as_before() {
    let mut config = HealthCheckConfig::new(HealthCheckType::Calculated);
    config.health_threshold = Some(1);
    config.child_health_checks = vec![HealthCheckId::new(CHILD_ID)];
    let check = HealthCheck {
        id: HealthCheckId::new(CHECK_ID),
        caller_reference: "ref-1".into(),
        version: 2,
        config,
    };
    let config_json = format!(
        concat!(
            r#"{{"check_type":"Calculated","ip_address":null,"port":null,"fqdn":null,"#,
            r#""resource_path":null,"search_string":null,"request_interval":30,"#,
            r#""failure_threshold":3,"measure_latency":false,"inverted":false,"disabled":false,"#,
            r#""health_threshold":1,"child_health_checks":["{child}"],"enable_sni":null,"#,
            r#""regions":[]}}"#
        ),
        child = CHILD_ID
    );
    // The store keeps the config as JSON in its own column.
    same(&config_json, &check.config);
    same(
        &format!(
            r#"{{"id":"{CHECK_ID}","caller_reference":"ref-1","version":2,"config":{config_json}}}"#
        ),
        &check,
    );
}

#[test]
fn a_resolver_endpoint_reads_and_writes_as_before() {
    let endpoint = ResolverEndpoint {
        id: "rslvr-in-0123456789abcdef0".into(),
        creator_request_id: "t".into(),
        name: None,
        direction: EndpointDirection::Inbound,
        host_vpc_id: "vpc-1".into(),
        security_group_ids: vec!["sg-1".into()],
        addresses: vec![EndpointAddress {
            ip_id: "rni-1".into(),
            subnet_id: "subnet-1".into(),
            ip: Some("10.0.0.53".parse().unwrap()),
            ipv6: None,
            status: IpAddressStatus::Attached,
        }],
        endpoint_type: ResolverEndpointType::DualStack,
        protocols: vec!["Do53".into()],
        dns64_enabled: false,
        status: EndpointStatus::Operational,
        owner_account: "111111111111".into(),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rslvr-in-0123456789abcdef0","creator_request_id":"t","name":null,"#,
            r#""direction":"INBOUND","host_vpc_id":"vpc-1","security_group_ids":["sg-1"],"#,
            r#""addresses":[{"ip_id":"rni-1","subnet_id":"subnet-1","ip":"10.0.0.53","#,
            r#""ipv6":null,"status":"ATTACHED"}],"endpoint_type":"DUALSTACK","#,
            r#""protocols":["Do53"],"dns64_enabled":false,"status":"OPERATIONAL","#,
            r#""owner_account":"111111111111","created_at_ms":1,"modified_at_ms":2}"#
        ),
        &endpoint,
    );
}

#[test]
fn a_resolver_rule_and_its_association_read_and_write_as_before() {
    let rule = ResolverRule {
        id: "rslvr-rr-1".into(),
        creator_request_id: "r".into(),
        domain_name: "corp.example.".into(),
        name: None,
        rule_type: RuleType::System,
        targets: Vec::new(),
        resolver_endpoint_id: None,
        status: RuleStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: "111111111111".into(),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rslvr-rr-1","creator_request_id":"r","domain_name":"corp.example.","#,
            r#""name":null,"rule_type":"SYSTEM","targets":[],"resolver_endpoint_id":null,"#,
            r#""status":"COMPLETE","share_status":"NOT_SHARED","owner_account":"111111111111","#,
            r#""created_at_ms":1,"modified_at_ms":2}"#
        ),
        &rule,
    );
    let association = RuleAssociation {
        id: "rslvr-rrassoc-1".into(),
        rule_id: "rslvr-rr-1".into(),
        vpc_id: "vpc-1".into(),
        name: Some("a".into()),
        status: RuleAssociationStatus::Complete,
    };
    same(
        r#"{"id":"rslvr-rrassoc-1","rule_id":"rslvr-rr-1","vpc_id":"vpc-1","name":"a","status":"COMPLETE"}"#,
        &association,
    );
}

#[test]
fn a_profile_its_association_and_resource_read_and_write_as_before() {
    let profile = Profile {
        id: "rp-1".into(),
        name: "p".into(),
        client_token: "c".into(),
        share_status: ShareStatus::NotShared,
        status: ProfileStatus::Complete,
        owner_account: "111111111111".into(),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rp-1","name":"p","client_token":"c","share_status":"NOT_SHARED","#,
            r#""status":"COMPLETE","owner_account":"111111111111","created_at_ms":1,"#,
            r#""modified_at_ms":2}"#
        ),
        &profile,
    );
    let association = ProfileAssociation {
        id: "rpassoc-1".into(),
        profile_id: "rp-1".into(),
        vpc_id: "vpc-1".into(),
        name: "a".into(),
        status: ProfileStatus::Complete,
        owner_account: "111111111111".into(),
        priority: Some(100),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rpassoc-1","profile_id":"rp-1","vpc_id":"vpc-1","name":"a","#,
            r#""status":"COMPLETE","owner_account":"111111111111","priority":100,"#,
            r#""created_at_ms":1,"modified_at_ms":2}"#
        ),
        &association,
    );
    let resource = ProfileResource {
        id: "rpr-1".into(),
        profile_id: "rp-1".into(),
        resource_arn: "arn:aws:route53:::hostedzone/Z1".into(),
        resource_type: "HOSTED_ZONE".into(),
        resource_id: "Z1".into(),
        name: "z".into(),
        status: ProfileStatus::Complete,
        resource_properties: None,
        owner_account: "111111111111".into(),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rpr-1","profile_id":"rp-1","resource_arn":"arn:aws:route53:::hostedzone/Z1","#,
            r#""resource_type":"HOSTED_ZONE","resource_id":"Z1","name":"z","status":"COMPLETE","#,
            r#""resource_properties":null,"owner_account":"111111111111","created_at_ms":1,"#,
            r#""modified_at_ms":2}"#
        ),
        &resource,
    );
}

#[test]
fn a_stored_status_route53_does_not_know_is_refused() {
    let json = r#"{"id":"rslvr-rrassoc-1","rule_id":"rslvr-rr-1","vpc_id":"vpc-1","name":null,"status":"SOMETIMES"}"#;
    assert!(serde_json::from_str::<RuleAssociation>(json).is_err());
}

#[test]
fn resolver_and_profile_ids_are_their_own_types_and_write_their_bare_text() {
    // The records above were built with these ids; each is its own type, so a rule id cannot
    // be passed where an endpoint id is expected, and each writes the text it was made from.
    same(
        r#""rslvr-out-0a""#,
        &ResolverEndpointId::new("rslvr-out-0a"),
    );
    same(r#""rslvr-rr-1""#, &ResolverRuleId::new("rslvr-rr-1"));
    same(
        r#""rslvr-rrassoc-1""#,
        &ResolverRuleAssociationId::new("rslvr-rrassoc-1"),
    );
    same(r#""rp-1""#, &ProfileId::new("rp-1"));
    same(r#""rpassoc-1""#, &ProfileAssociationId::new("rpassoc-1"));
    same(r#""rpr-1""#, &ProfileResourceAssociationId::new("rpr-1"));
    let rule = ResolverRule {
        id: ResolverRuleId::new("rslvr-rr-2"),
        creator_request_id: "r".into(),
        domain_name: "corp.example.".into(),
        name: None,
        rule_type: RuleType::Forward,
        targets: Vec::new(),
        resolver_endpoint_id: Some(ResolverEndpointId::new("rslvr-out-0a")),
        status: RuleStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: "111111111111".into(),
        created_at_ms: 1,
        modified_at_ms: 2,
    };
    same(
        concat!(
            r#"{"id":"rslvr-rr-2","creator_request_id":"r","domain_name":"corp.example.","#,
            r#""name":null,"rule_type":"FORWARD","targets":[],"resolver_endpoint_id":"rslvr-out-0a","#,
            r#""status":"COMPLETE","share_status":"NOT_SHARED","owner_account":"111111111111","#,
            r#""created_at_ms":1,"modified_at_ms":2}"#
        ),
        &rule,
    );
}

#[test]
fn directions_and_rule_types_round_trip_and_unknown_ones_are_refused() {
    for &direction in EndpointDirection::ALL {
        same(&format!("\"{}\"", direction.as_str()), &direction);
        assert_eq!(
            EndpointDirection::parse(direction.as_str()),
            Some(direction)
        );
    }
    for &rule_type in RuleType::ALL {
        same(&format!("\"{}\"", rule_type.as_str()), &rule_type);
        assert_eq!(RuleType::parse(rule_type.as_str()), Some(rule_type));
    }
    assert_eq!(EndpointDirection::ALL.len(), 2);
    assert_eq!(RuleType::ALL.len(), 3);
    // Values Cairn refuses on create are never stored, so they do not load.
    for unknown in ["INBOUND_DELEGATION", "inbound", ""] {
        assert_eq!(EndpointDirection::parse(unknown), None);
        assert!(serde_json::from_str::<EndpointDirection>(&format!("\"{unknown}\"")).is_err());
    }
    for unknown in ["DELEGATE", "forward", ""] {
        assert_eq!(RuleType::parse(unknown), None);
        assert!(serde_json::from_str::<RuleType>(&format!("\"{unknown}\"")).is_err());
    }
}

//! One test per domain error a model rule produces: the rule, the input that trips it, and
//! the typed error with the ids it carries (the API words them; `crates/api/tests/
//! domain_errors.rs` checks those words for every variant). Change batches have their own
//! suites (`change_*.rs`, `change::references`), CIDR collections and Resolver theirs.
#![allow(clippy::unwrap_used)]

use cairn_model::error::{DomainError, HealthCheckError, NetworkError, ZoneError};
use cairn_model::health::{
    check_child, check_reused_reference, check_version, HealthCheck, HealthCheckConfig,
    HealthCheckType,
};
use cairn_model::network::{IngressRule, SecurityGroup, Vpc};
use cairn_model::network_validate::{
    check_group_deletable, check_new_permission, check_subnet_block, check_vpc_block,
    check_vpc_deletable, parse_ipv4_block,
};
use cairn_model::ChangeBatchError;

fn check(id: &str, check_type: HealthCheckType) -> HealthCheck {
    HealthCheck {
        id: id.into(),
        caller_reference: format!("ref-{id}"),
        version: 3,
        config: HealthCheckConfig::new(check_type).with_defaults(),
    }
}

#[test]
fn health_check_invalid_input() {
    let mut config = HealthCheckConfig::new(HealthCheckType::Http).with_defaults();
    config.failure_threshold = 11;
    assert!(matches!(
        config.validate(),
        Err(HealthCheckError::InvalidInput(m)) if m.contains("failureThreshold")
    ));
}

#[test]
fn health_check_calculated_child() {
    let calculated = check("hc-2", HealthCheckType::Calculated);
    assert_eq!(
        check_child("hc-2", &calculated.config),
        Err(HealthCheckError::CalculatedChild("hc-2".into()))
    );
    let http = check("hc-3", HealthCheckType::Http);
    assert_eq!(check_child("hc-3", &http.config), Ok(()));
}

#[test]
fn health_check_version_mismatch() {
    let found = check("hc-1", HealthCheckType::Http);
    assert_eq!(
        check_version(&found, Some(2)),
        Err(HealthCheckError::VersionMismatch("hc-1".into()))
    );
    assert_eq!(check_version(&found, Some(3)), Ok(()));
    assert_eq!(check_version(&found, None), Ok(()));
}

#[test]
fn health_check_already_exists() {
    let found = check("hc-1", HealthCheckType::Http);
    let same = found.config.clone();
    assert_eq!(
        check_reused_reference("ref-hc-1", Some(found.clone()), &same),
        Ok(found.clone())
    );
    let other = HealthCheckConfig::new(HealthCheckType::Tcp).with_defaults();
    assert_eq!(
        check_reused_reference("ref-hc-1", Some(found), &other),
        Err(HealthCheckError::AlreadyExists("ref-hc-1".into()))
    );
    // The check that used the reference was deleted.
    assert_eq!(
        check_reused_reference("ref-hc-1", None, &same),
        Err(HealthCheckError::AlreadyExists("ref-hc-1".into()))
    );
}

fn vpc() -> Vpc {
    Vpc {
        id: "vpc-1".into(),
        region: "us-east-1".into(),
        owner_account: "111122223333".into(),
        cidr_block: "10.0.0.0/16".parse().unwrap(),
        secondary_cidr_blocks: Vec::new(),
        ipv6_cidr_block: None,
        enable_dns_support: true,
        enable_dns_hostnames: false,
        is_default: false,
        created_at_ms: 0,
    }
}

fn group(id: &str, name: &str, ingress: Vec<IngressRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        name: name.into(),
        description: String::new(),
        vpc_id: "vpc-1".into(),
        owner_account: "111122223333".into(),
        ingress,
    }
}

fn udp_53(source_groups: Vec<String>) -> IngressRule {
    IngressRule {
        protocol: "udp".into(),
        from_port: Some(53),
        to_port: Some(53),
        sources: if source_groups.is_empty() {
            vec!["10.0.0.0/8".parse().unwrap()]
        } else {
            Vec::new()
        },
        source_groups,
    }
}

#[test]
fn network_ranges_and_values() {
    assert_eq!(
        check_vpc_block("10.0.0.0/8".parse().unwrap()),
        Err(NetworkError::InvalidVpcRange("10.0.0.0/8".into()))
    );
    assert_eq!(
        check_subnet_block(&vpc(), &[], "192.168.0.0/24".parse().unwrap()),
        Err(NetworkError::InvalidSubnetRange("192.168.0.0/24".into()))
    );
    assert!(matches!(
        parse_ipv4_block("10.0.0.1/16", "cidrBlock"),
        Err(NetworkError::InvalidParameterValue(_))
    ));
}

#[test]
fn network_duplicate_permission() {
    let web = group("sg-1", "web", vec![udp_53(Vec::new())]);
    assert_eq!(
        check_new_permission(&web, &udp_53(Vec::new())),
        Err(NetworkError::DuplicatePermission(
            "peer: 10.0.0.0/8, UDP, from port: 53, to port: 53, ALLOW".into()
        ))
    );
    let wider = IngressRule {
        to_port: Some(54),
        ..udp_53(Vec::new())
    };
    assert_eq!(check_new_permission(&web, &wider), Ok(()));
}

#[test]
fn network_vpc_has_dependencies() {
    assert_eq!(
        check_vpc_deletable("vpc-1", 1, 0),
        Err(NetworkError::VpcHasDependencies("vpc-1".into()))
    );
    assert_eq!(
        check_vpc_deletable("vpc-1", 0, 2),
        Err(NetworkError::VpcHasDependencies("vpc-1".into()))
    );
    assert_eq!(check_vpc_deletable("vpc-1", 0, 0), Ok(()));
}

#[test]
fn network_default_group_and_dependents() {
    let default = group("sg-0", "default", Vec::new());
    assert_eq!(
        check_group_deletable(&default, &[]),
        Err(NetworkError::DefaultGroup("sg-0".into()))
    );
    let db = group("sg-2", "db", Vec::new());
    let app = group("sg-3", "app", vec![udp_53(vec!["sg-2".into()])]);
    assert_eq!(
        check_group_deletable(&db, &[db.clone(), app.clone()]),
        Err(NetworkError::GroupHasDependents("sg-2".into()))
    );
    assert_eq!(check_group_deletable(&app, &[db, app.clone()]), Ok(()));
}

#[test]
fn every_domain_error_is_a_domain_error() {
    // What a store refuses with: each domain's error, and a refused batch as a zone's.
    let batch: DomainError = ChangeBatchError::InvalidInput("x".into()).into();
    assert_eq!(
        batch,
        DomainError::Zone(ZoneError::Batch(ChangeBatchError::InvalidInput("x".into())))
    );
    let network: DomainError = NetworkError::NoSuchVpc("vpc-1".into()).into();
    assert!(matches!(network, DomainError::Network(_)));
    let health: DomainError = HealthCheckError::NoSuchHealthCheck("hc".into()).into();
    assert!(matches!(health, DomainError::HealthCheck(_)));
}

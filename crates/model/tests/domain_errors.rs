//! One test per domain error a model rule produces: the rule, the input that trips it, and
//! the typed error with the ids it carries (the API words them; `crates/api/tests/
//! domain_errors.rs` checks those words for every variant). Change batches have their own
//! suites (`change_*.rs`, `change::references`), CIDR collections and Resolver theirs.
#![allow(clippy::unwrap_used)]

use cairn_model::cidr::{
    apply_cidr_changes, check_new_collection, parse_block, CidrChange, CidrChangeAction,
    CidrCollection,
};
use cairn_model::error::{CidrError, DomainError, HealthCheckError, NetworkError, ZoneError};
use cairn_model::health::{
    check_child, check_reused_reference, check_version, ConfigField, ConfigProblem, HealthCheck,
    HealthCheckConfig, HealthCheckType,
};
use cairn_model::network::{IngressRule, SecurityGroup, Vpc};
use cairn_model::network_validate::{
    availability_zone, check_group_deletable, check_ingress_rule, check_new_permission,
    check_subnet_block, check_vpc_block, check_vpc_deletable, normalize_protocol, parse_ipv4_block,
    InvalidValue,
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
    assert_eq!(
        config.validate(),
        Err(ConfigProblem::FailureThreshold(11).into())
    );
}

#[test]
fn health_check_config_problems() {
    use ConfigProblem as P;
    let http = || HealthCheckConfig::new(HealthCheckType::Http).with_defaults();
    let calculated = || HealthCheckConfig::new(HealthCheckType::Calculated).with_defaults();
    let refused = |config: HealthCheckConfig| match config.validate() {
        Err(HealthCheckError::InvalidInput(problem)) => problem,
        other => panic!("{other:?}"),
    };
    let mut c = http();
    c.request_interval = 20;
    assert_eq!(refused(c), P::RequestInterval(20));
    let mut c = http();
    c.resource_path = Some("/".repeat(256));
    assert_eq!(refused(c), P::TooLong(ConfigField::ResourcePath));
    let mut c = http();
    c.ip_address = Some("300.1.1.1".into());
    assert_eq!(refused(c), P::IpAddress("300.1.1.1".into()));
    let mut c = http();
    c.regions = vec!["us-east-1".into()];
    assert_eq!(refused(c), P::TooFewRegions);
    let mut c = http();
    c.regions = vec!["us-east-1".into(), "mars-1".into(), "eu-west-1".into()];
    assert_eq!(refused(c), P::UnknownRegion("mars-1".into()));
    let mut c = calculated();
    c.port = Some(80);
    assert_eq!(refused(c), P::TargetOfCalculated);
    assert_eq!(refused(calculated()), P::HealthThresholdRequired);
    let mut c = calculated();
    c.health_threshold = Some(257);
    assert_eq!(refused(c), P::HealthThreshold(257));
    let mut c = http();
    c.health_threshold = Some(1);
    assert_eq!(refused(c), P::CalculatedOnly(HealthCheckType::Http));
    assert_eq!(refused(http()), P::TargetRequired);
    let mut c = HealthCheckConfig::new(HealthCheckType::Tcp).with_defaults();
    c.ip_address = Some("192.0.2.1".into());
    assert_eq!(refused(c.clone()), P::PortRequired(HealthCheckType::Tcp));
    c.port = Some(0);
    assert_eq!(refused(c.clone()), P::PortZero);
    c.port = Some(80);
    c.resource_path = Some("/".into());
    assert_eq!(refused(c), P::ResourcePathOfTcp);
    let mut c = HealthCheckConfig::new(HealthCheckType::HttpStrMatch).with_defaults();
    c.ip_address = Some("192.0.2.1".into());
    assert_eq!(
        refused(c),
        P::SearchStringRequired(HealthCheckType::HttpStrMatch)
    );
    let mut c = http();
    c.ip_address = Some("192.0.2.1".into());
    c.search_string = Some("ok".into());
    assert_eq!(refused(c), P::SearchStringNotAllowed(HealthCheckType::Http));
}

#[test]
fn health_check_calculated_child() {
    let calculated = check("hc-2", HealthCheckType::Calculated);
    assert_eq!(
        check_child(&"hc-2".into(), &calculated.config),
        Err(HealthCheckError::CalculatedChild("hc-2".into()))
    );
    let http = check("hc-3", HealthCheckType::Http);
    assert_eq!(check_child(&"hc-3".into(), &http.config), Ok(()));
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
        egress: IngressRule::all_out(),
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
    assert_eq!(
        parse_ipv4_block("10.0.0.1/16", "cidrBlock"),
        Err(InvalidValue::CidrBlock {
            value: "10.0.0.1/16".into(),
            parameter: "cidrBlock".into()
        }
        .into())
    );
}

#[test]
fn network_invalid_values() {
    assert_eq!(
        availability_zone("us-east-1", Some("eu-west-1a")),
        Err(InvalidValue::AvailabilityZone {
            zone: "eu-west-1a".into(),
            region: "us-east-1".into()
        }
        .into())
    );
    assert_eq!(
        normalize_protocol("bogus"),
        Err(InvalidValue::UnknownProtocol("bogus".into()).into())
    );
    let no_ports = IngressRule {
        from_port: None,
        ..udp_53(Vec::new())
    };
    assert_eq!(
        check_ingress_rule(&no_ports),
        Err(InvalidValue::MissingPorts("udp".into()).into())
    );
    let backwards = IngressRule {
        from_port: Some(60),
        ..udp_53(Vec::new())
    };
    assert_eq!(
        check_ingress_rule(&backwards),
        Err(InvalidValue::PortRange { from: 60, to: 53 }.into())
    );
    let nowhere = IngressRule {
        sources: Vec::new(),
        ..udp_53(Vec::new())
    };
    assert_eq!(
        check_ingress_rule(&nowhere),
        Err(InvalidValue::NoPermissionSource.into())
    );
}

#[test]
fn network_duplicate_permission() {
    let web = group("sg-1", "web", vec![udp_53(Vec::new())]);
    assert_eq!(
        check_new_permission(&web, &udp_53(Vec::new())),
        Err(NetworkError::DuplicatePermission(Box::new(udp_53(
            Vec::new()
        ))))
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
    let problem = cairn_model::change::InputProblem::TtlTooLarge(u32::MAX);
    let batch: DomainError = ChangeBatchError::InvalidInput(problem.clone()).into();
    assert_eq!(
        batch,
        DomainError::Zone(ZoneError::Batch(ChangeBatchError::InvalidInput(problem)))
    );
    let network: DomainError = NetworkError::NoSuchVpc("vpc-1".into()).into();
    assert!(matches!(network, DomainError::Network(_)));
    let health: DomainError = HealthCheckError::NoSuchHealthCheck("hc".into()).into();
    assert!(matches!(health, DomainError::HealthCheck(_)));
}

fn cidr_collection() -> CidrCollection {
    CidrCollection {
        id: "c-1".into(),
        name: "n".into(),
        caller_reference: "r".into(),
        version: 1,
        locations: [("a".to_string(), vec!["10.0.0.0/8".parse().unwrap()])].into(),
    }
}

fn cidr_change(location: &str, action: CidrChangeAction, blocks: &[&str]) -> CidrChange {
    CidrChange {
        location_name: location.into(),
        action,
        cidr_list: blocks.iter().map(|b| b.to_string()).collect(),
    }
}

#[test]
fn cidr_input_problems() {
    use CidrChangeAction::{DeleteIfExists, Put};
    assert_eq!(
        check_new_collection("a b", "r"),
        Err(CidrError::InvalidCollectionName("a b".into()))
    );
    assert_eq!(
        check_new_collection("n", ""),
        Err(CidrError::InvalidCallerReference)
    );
    assert_eq!(
        parse_block("10.0.0.0/25"),
        Err(CidrError::InvalidBlock("10.0.0.0/25".into()))
    );
    let c = cidr_collection();
    let apply = |changes: &[CidrChange]| apply_cidr_changes(&c, None, changes, |l| l == "a");
    assert_eq!(
        apply_cidr_changes(&c, Some(7), &[], |_| false),
        Err(CidrError::VersionMismatch("c-1".into()))
    );
    assert_eq!(apply(&[]), Err(CidrError::ChangeCount));
    assert_eq!(
        apply(&[cidr_change("a b", Put, &["11.0.0.0/8"])]),
        Err(CidrError::InvalidLocationName("a b".into()))
    );
    assert_eq!(
        apply(&[cidr_change("b", Put, &[])]),
        Err(CidrError::BlockListLength)
    );
    assert_eq!(
        apply(&[cidr_change("b", Put, &["10.0.0.0/8"])]),
        Err(CidrError::BlockInOtherLocation {
            block: "10.0.0.0/8".parse().unwrap(),
            location: "a".into()
        })
    );
    assert_eq!(
        apply(&[cidr_change("a", DeleteIfExists, &["10.0.0.0/8"])]),
        Err(CidrError::BlockInUse("a".into()))
    );
    let many: Vec<String> = (0..=255u8)
        .flat_map(|i| (0..4u8).map(move |j| format!("{}.{i}.{}.0/24", 20 + j, 0)))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        apply(&[cidr_change("b", Put, &many[..1000])]),
        Err(CidrError::TooManyBlocks(1000))
    );
}

//! Route 53 Resolver and Profiles (issue 5) on both backends (SQLite, PostgreSQL): endpoints, rules, rule
//! associations, resolver configs and profiles reach `load_network`, every write logs a
//! network change, a refused write changes nothing, and everything survives a reopen.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use std::sync::Arc;

use cairn_model::error::DomainError;
use cairn_model::network::NetworkContents;
use cairn_model::resolver::{AutodefinedReverseFlag, EndpointDirection, ResolverEndpointId};
use cairn_model::resolver_validate::{
    parse_direction, EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewProfile,
    NewProfileAssociation, NewProfileResource, NewRule, ResolverError, ResolverErrorKind,
    RuleUpdate, TargetRequest,
};
use cairn_model::{ChangeSeq, DomainName};
use cairn_store::{ChangeSubject, NewHostedZone, NewSubnet, NewVpc, Store, StoreError, VpcRef};
use common::TestDb;

const ACCOUNT: &str = "111111111111";

/// A store with one VPC 10.0.0.0/16, two subnets and the default security group.
async fn setup(db: TestDb) -> (TestDb, Arc<dyn Store>, String, [String; 2], String) {
    let store = db.open().await;
    let (vpc, sg) = store
        .create_vpc(NewVpc {
            region: "us-east-1".into(),
            owner_account: ACCOUNT.into(),
            cidr_block: "10.0.0.0/16".parse().unwrap(),
            ipv6_cidr_block: None,
            tags: Vec::new(),
        })
        .await
        .unwrap();
    let mut subnets = Vec::new();
    for block in ["10.0.1.0/24", "10.0.2.0/24"] {
        let subnet = store
            .create_subnet(NewSubnet {
                vpc_id: vpc.id.clone(),
                owner_account: ACCOUNT.into(),
                cidr_block: block.parse().unwrap(),
                ipv6_cidr_block: None,
                availability_zone: None,
                tags: Vec::new(),
            })
            .await
            .unwrap();
        subnets.push(subnet.id);
    }
    let subnets: [String; 2] = subnets.try_into().unwrap();
    (db, store, vpc.id, subnets, sg.id)
}

fn endpoint(
    direction: &str,
    request: &str,
    subnets: &[String; 2],
    sg: &str,
    ips: [Option<&str>; 2],
) -> NewEndpoint {
    NewEndpoint {
        creator_request_id: request.into(),
        name: Some("ep".into()),
        direction: parse_direction(direction).expect("direction"),
        security_group_ids: vec![sg.into()],
        ip_addresses: subnets
            .iter()
            .zip(ips)
            .map(|(s, ip)| IpRequest {
                subnet_id: s.clone(),
                ip: ip.map(str::to_string),
                ipv6: None,
            })
            .collect(),
        endpoint_type: None,
        protocols: None,
        dns64_enabled: None,
        owner_account: ACCOUNT.into(),
    }
}

fn forward_rule(
    request: &str,
    domain: &str,
    endpoint: &ResolverEndpointId,
    target: &str,
) -> NewRule {
    NewRule {
        creator_request_id: request.into(),
        name: None,
        rule_type: "FORWARD".into(),
        domain_name: Some(domain.into()),
        targets: Some(vec![TargetRequest {
            ip: Some(target.into()),
            ipv6: None,
            port: Some(5353),
            protocol: None,
        }]),
        resolver_endpoint_id: Some(endpoint.clone()),
        owner_account: ACCOUNT.into(),
    }
}

fn kind(err: StoreError) -> ResolverErrorKind {
    match err {
        StoreError::Rejected(DomainError::Resolver(e)) => e.kind(),
        other => panic!("expected a Resolver error, got {other:?}"),
    }
}

/// Asserts that a refused write left the state and the change log as they were.
async fn unchanged(store: &Arc<dyn Store>, before: &NetworkContents, seq: ChangeSeq) {
    assert_eq!(
        &store.load_network().await.unwrap(),
        before,
        "a refused write changed the store"
    );
    assert_eq!(
        store.latest_seq().await.unwrap(),
        seq,
        "a refused write logged a change"
    );
}

async fn endpoints_are_stored_with_assigned_addresses_and_logged(db: TestDb) {
    let (dir, store, vpc, subnets, sg) = setup(db).await;
    let seq = store.latest_seq().await.unwrap();
    let created = store
        .create_resolver_endpoint(
            endpoint("INBOUND", "r1", &subnets, &sg, [Some("10.0.1.10"), None]),
            vec![("team".into(), "dns".into())],
        )
        .await
        .unwrap();
    assert_eq!(created.direction, EndpointDirection::Inbound);
    assert_eq!(created.host_vpc_id, vpc);
    assert_eq!(created.addresses[0].ip.unwrap().to_string(), "10.0.1.10");
    assert_eq!(
        created.addresses[1].ip.unwrap().to_string(),
        "10.0.2.4",
        "first address after the reserved four"
    );
    let events = store.changes_since(seq).await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        matches!(&events[0].subject, ChangeSubject::Network(what) if what.contains(created.id.as_str()))
    );
    assert_eq!(
        store
            .list_tags("resolver-endpoint", created.id.as_str())
            .await
            .unwrap(),
        [("team".into(), "dns".into())]
    );

    // Update, add and remove an address.
    let updated = store
        .update_resolver_endpoint(
            &created.id,
            EndpointUpdate {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("renamed"));
    let grown = store
        .associate_resolver_endpoint_ip(
            &created.id,
            IpRequest {
                subnet_id: subnets[0].clone(),
                ip: None,
                ipv6: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(grown.addresses.len(), 3);
    assert_eq!(grown.addresses[2].ip.unwrap().to_string(), "10.0.1.4");
    let shrunk = store
        .disassociate_resolver_endpoint_ip(
            &created.id,
            IpSelector {
                ip: Some("10.0.1.10".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(shrunk.addresses.len(), 2);

    // Survives a reopen, through load_network.
    drop(store);
    let store = dir.open().await;
    let net = store.load_network().await.unwrap();
    assert_eq!(net.endpoints, [shrunk]);
}

async fn refused_endpoint_writes_change_nothing(db: TestDb) {
    let (_dir, store, _vpc, subnets, sg) = setup(db).await;
    store
        .create_resolver_endpoint(
            endpoint("INBOUND", "r1", &subnets, &sg, [Some("10.0.1.10"), None]),
            Vec::new(),
        )
        .await
        .unwrap();
    let before = store.load_network().await.unwrap();
    let seq = store.latest_seq().await.unwrap();

    // The same CreatorRequestId, an address in use, a reserved one, an unknown group.
    let again = store
        .create_resolver_endpoint(
            endpoint("INBOUND", "r1", &subnets, &sg, [None, None]),
            Vec::new(),
        )
        .await;
    assert_eq!(kind(again.unwrap_err()), ResolverErrorKind::ResourceExists);
    let taken = store
        .create_resolver_endpoint(
            endpoint("OUTBOUND", "r2", &subnets, &sg, [Some("10.0.1.10"), None]),
            Vec::new(),
        )
        .await;
    assert_eq!(kind(taken.unwrap_err()), ResolverErrorKind::ResourceExists);
    let reserved = store
        .create_resolver_endpoint(
            endpoint("OUTBOUND", "r3", &subnets, &sg, [Some("10.0.1.2"), None]),
            Vec::new(),
        )
        .await;
    assert_eq!(
        kind(reserved.unwrap_err()),
        ResolverErrorKind::InvalidRequest
    );
    let no_group = store
        .create_resolver_endpoint(
            endpoint(
                "OUTBOUND",
                "r4",
                &subnets,
                "sg-0123456789abcdef0",
                [None, None],
            ),
            Vec::new(),
        )
        .await;
    assert_eq!(
        kind(no_group.unwrap_err()),
        ResolverErrorKind::InvalidParameter
    );
    let endpoint_id = before.endpoints[0].id.clone();
    let too_few = store
        .disassociate_resolver_endpoint_ip(
            &endpoint_id,
            IpSelector {
                ip: Some("10.0.1.10".into()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        kind(too_few.unwrap_err()),
        ResolverErrorKind::InvalidRequest
    );
    unchanged(&store, &before, seq).await;
}

async fn rules_associations_and_their_refusals(db: TestDb) {
    let (_dir, store, vpc, subnets, sg) = setup(db).await;
    let outbound = store
        .create_resolver_endpoint(
            endpoint("OUTBOUND", "out", &subnets, &sg, [None, None]),
            Vec::new(),
        )
        .await
        .unwrap();
    let inbound = store
        .create_resolver_endpoint(
            endpoint("INBOUND", "in", &subnets, &sg, [Some("10.0.1.53"), None]),
            Vec::new(),
        )
        .await
        .unwrap();
    let rule = store
        .create_resolver_rule(
            forward_rule("rule1", "Corp.Example", &outbound.id, "192.0.2.1"),
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(rule.domain_name, "corp.example.");
    assert_eq!(rule.targets[0].port, 5353);

    let assoc = store
        .associate_resolver_rule(&rule.id, &vpc, Some("a".into()))
        .await
        .unwrap();
    assert_eq!(assoc.status.as_str(), "COMPLETE");
    let twin = store
        .create_resolver_rule(
            forward_rule("rule2", "corp.example.", &outbound.id, "192.0.2.2"),
            Vec::new(),
        )
        .await
        .unwrap();
    let looping = store
        .create_resolver_rule(
            forward_rule("rule3", "loop.example", &outbound.id, "10.0.1.53"),
            Vec::new(),
        )
        .await
        .unwrap();

    let before = store.load_network().await.unwrap();
    let seq = store.latest_seq().await.unwrap();
    // In use: neither the rule nor its endpoint can go.
    assert_eq!(
        kind(store.delete_resolver_rule(&rule.id).await.unwrap_err()),
        ResolverErrorKind::ResourceInUse
    );
    assert_eq!(
        kind(
            store
                .delete_resolver_endpoint(&outbound.id)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceInUse
    );
    // Associated twice; a second rule for the same domain; a rule looping to the inbound endpoint.
    assert_eq!(
        kind(
            store
                .associate_resolver_rule(&rule.id, &vpc, None)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceExists
    );
    assert_eq!(
        kind(
            store
                .associate_resolver_rule(&twin.id, &vpc, None)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::InvalidRequest
    );
    let err = store
        .associate_resolver_rule(&looping.id, &vpc, None)
        .await
        .unwrap_err();
    // The [RSLVR-00804] wording is the API's (crates/api/tests/problem_messages.rs).
    assert!(
        matches!(
            err,
            StoreError::Rejected(DomainError::Resolver(ResolverError::RuleLoop { .. }))
        ),
        "{err}"
    );
    // Forwarding through an inbound endpoint.
    let err = store
        .create_resolver_rule(
            forward_rule("rule4", "x.example", &inbound.id, "192.0.2.9"),
            Vec::new(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Rejected(DomainError::Resolver(ResolverError::RuleOnInboundEndpoint))
        ),
        "{err}"
    );
    assert_eq!(
        kind(
            store
                .associate_resolver_rule(&"rslvr-rr-missing".into(), &vpc, None)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceNotFound
    );
    assert_eq!(
        kind(
            store
                .associate_resolver_rule(&rule.id, "vpc-0000000000000000f", None)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceNotFound
    );
    unchanged(&store, &before, seq).await;

    // UpdateResolverRule keeps what it is not given.
    let renamed = store
        .update_resolver_rule(
            &rule.id,
            RuleUpdate {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.targets, rule.targets);
    assert_eq!(renamed.name.as_deref(), Some("renamed"));

    let gone = store
        .disassociate_resolver_rule(&rule.id, &vpc)
        .await
        .unwrap();
    assert_eq!(gone.id, assoc.id);
    store.delete_resolver_rule(&rule.id).await.unwrap();
    assert!(store
        .load_network()
        .await
        .unwrap()
        .rules
        .iter()
        .all(|r| r.id != rule.id));
}

async fn resolver_configs_and_profiles(db: TestDb) {
    let (_dir, store, vpc, subnets, sg) = setup(db).await;
    let config = store
        .update_resolver_config(&vpc, AutodefinedReverseFlag::Disable)
        .await
        .unwrap();
    assert!(!config.autodefined_reverse);
    assert_eq!(
        store.load_network().await.unwrap().resolver_configs,
        [config]
    );
    assert_eq!(
        kind(
            store
                .update_resolver_config("vpc-0000000000000000f", AutodefinedReverseFlag::Enable)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceNotFound
    );

    let profile = store
        .create_profile(
            NewProfile {
                name: "p1".into(),
                client_token: "t1".into(),
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let again = store
        .create_profile(
            NewProfile {
                name: "p1".into(),
                client_token: "t1".into(),
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        again, profile,
        "a repeated ClientToken returns the same profile"
    );
    let assoc = store
        .associate_profile(
            NewProfileAssociation {
                profile_id: profile.id.clone(),
                vpc_id: vpc.clone(),
                name: "a".into(),
                priority: None,
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(assoc.priority, Some(100));

    // A private zone and a rule as profile resources.
    let servers = cairn_model::defaults::default_name_servers();
    let name = DomainName::from_route53("corp.example").unwrap();
    let (zone, _) = store
        .create_private_hosted_zone(
            NewHostedZone {
                initial_record_sets: cairn_model::defaults::apex_records(&name, &servers),
                name,
                caller_reference: "z".into(),
                comment: None,
                has_config: true,
                private_zone: true,
                delegation_set_id: None,
                name_servers: servers,
            },
            VpcRef {
                vpc_id: vpc.clone(),
                region: "us-east-1".into(),
            },
            ACCOUNT,
        )
        .await
        .unwrap();
    let outbound = store
        .create_resolver_endpoint(
            endpoint("OUTBOUND", "out", &subnets, &sg, [None, None]),
            Vec::new(),
        )
        .await
        .unwrap();
    let rule = store
        .create_resolver_rule(
            forward_rule("rule1", "onprem.example", &outbound.id, "192.0.2.1"),
            Vec::new(),
        )
        .await
        .unwrap();
    let zone_arn = format!("arn:aws:route53:::hostedzone/{}", zone.id.as_str());
    let rule_arn = format!(
        "arn:aws:route53resolver:us-east-1:{ACCOUNT}:resolver-rule/{}",
        rule.id
    );
    for arn in [&zone_arn, &rule_arn] {
        store
            .associate_profile_resource(NewProfileResource {
                profile_id: profile.id.clone(),
                resource_arn: arn.clone(),
                name: "r".into(),
                resource_properties: None,
                owner_account: ACCOUNT.into(),
            })
            .await
            .unwrap();
    }

    // UpdateProfileResourceAssociation renames a resource, logged as a network change.
    let zone_resource = store
        .load_network()
        .await
        .unwrap()
        .profile_resources
        .into_iter()
        .find(|r| r.resource_arn == zone_arn)
        .unwrap();
    let seq = store.latest_seq().await.unwrap();
    let renamed = store
        .update_profile_resource(&zone_resource.id, Some("renamed".into()), None)
        .await
        .unwrap();
    assert_eq!(renamed.name, "renamed");
    assert_eq!(renamed.resource_arn, zone_arn);
    let events = store.changes_since(seq).await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(matches!(events[0].subject, ChangeSubject::Network(_)));
    assert!(store
        .load_network()
        .await
        .unwrap()
        .profile_resources
        .contains(&renamed));
    assert_eq!(
        kind(
            store
                .update_profile_resource(&"rpr-0000000000000000f".into(), Some("x".into()), None)
                .await
                .unwrap_err()
        ),
        ResolverErrorKind::ResourceNotFound
    );

    let second = store
        .create_profile(
            NewProfile {
                name: "p2".into(),
                client_token: "t2".into(),
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let before = store.load_network().await.unwrap();
    assert_eq!(before.profile_resources.len(), 2);
    assert_eq!(before.profile_associations, [assoc]);
    let seq = store.latest_seq().await.unwrap();
    let missing = store
        .associate_profile_resource(NewProfileResource {
            profile_id: profile.id.clone(),
            resource_arn: "arn:aws:route53:::hostedzone/ZNOSUCHZONE".into(),
            name: "r".into(),
            resource_properties: None,
            owner_account: ACCOUNT.into(),
        })
        .await;
    assert_eq!(
        kind(missing.unwrap_err()),
        ResolverErrorKind::ResourceNotFound
    );
    let full = store
        .associate_profile(
            NewProfileAssociation {
                profile_id: second.id.clone(),
                vpc_id: vpc.clone(),
                name: "b".into(),
                priority: None,
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await;
    assert_eq!(kind(full.unwrap_err()), ResolverErrorKind::LimitExceeded);
    assert_eq!(
        kind(store.delete_profile(&profile.id).await.unwrap_err()),
        ResolverErrorKind::Conflict
    );
    unchanged(&store, &before, seq).await;

    store
        .disassociate_profile_resource(&profile.id, &rule_arn)
        .await
        .unwrap();
    store.disassociate_profile(&profile.id, &vpc).await.unwrap();
    store.delete_profile(&profile.id).await.unwrap();
    let after = store.load_network().await.unwrap();
    assert!(
        after.profile_resources.is_empty(),
        "a deleted profile's resources go with it"
    );
    assert_eq!(after.profiles, [second]);
}

on_both_backends!(
    endpoints_are_stored_with_assigned_addresses_and_logged,
    refused_endpoint_writes_change_nothing,
    rules_associations_and_their_refusals,
    resolver_configs_and_profiles,
);

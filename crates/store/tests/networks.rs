//! Networks (issue 4) on both backends (SQLite, PostgreSQL): VPCs, subnets, security groups, private-zone
//! associations and authorizations; every write logs a network change, and a refused write
//! changes nothing.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::error::{DomainError, ZoneError};
use cairn_model::network::IngressRule;
use cairn_model::network_validate::NetworkError;
use cairn_model::{ChangeSeq, DomainName, HostedZoneId};
use cairn_store::{
    ChangeSubject, NewHostedZone, NewSecurityGroup, NewSubnet, NewVpc, Store, StoreError, VpcRef,
};
use common::TestDb;

const ACCOUNT: &str = "111111111111";

fn new_vpc(block: &str) -> NewVpc {
    NewVpc {
        region: "us-east-1".into(),
        owner_account: ACCOUNT.into(),
        cidr_block: block.parse().unwrap(),
        ipv6_cidr_block: None,
        tags: vec![("Name".into(), "test".into())],
    }
}

fn new_subnet(vpc: &str, block: &str) -> NewSubnet {
    NewSubnet {
        vpc_id: vpc.into(),
        owner_account: ACCOUNT.into(),
        cidr_block: block.parse().unwrap(),
        ipv6_cidr_block: None,
        availability_zone: None,
        tags: Vec::new(),
    }
}

fn new_zone(apex: &str, reference: &str) -> NewHostedZone {
    let servers = cairn_model::defaults::default_name_servers();
    let name = DomainName::from_route53(apex).unwrap();
    NewHostedZone {
        initial_record_sets: cairn_model::defaults::apex_records(&name, &servers),
        name,
        caller_reference: reference.into(),
        comment: None,
        has_config: true,
        private_zone: true,
        delegation_set_id: None,
        name_servers: servers,
    }
}

fn at(vpc: &str) -> VpcRef {
    VpcRef {
        vpc_id: vpc.into(),
        region: "us-east-1".into(),
    }
}

/// The network changes logged after `since`.
async fn network_changes(store: &dyn Store, since: ChangeSeq) -> usize {
    store
        .changes_since(since)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(e.subject, ChangeSubject::Network(_)))
        .count()
}

async fn vpc_lifecycle_with_default_group_and_attributes(db: TestDb) {
    let store = db.open().await;
    let before = store.latest_seq().await.unwrap();
    let (vpc, default_group) = store.create_vpc(new_vpc("10.0.0.0/16")).await.unwrap();
    assert!(
        vpc.id.starts_with("vpc-") && vpc.id.len() == 21,
        "{}",
        vpc.id
    );
    assert!(
        vpc.enable_dns_support && !vpc.enable_dns_hostnames,
        "EC2's defaults for a created VPC"
    );
    assert_eq!(default_group.name, "default");
    assert_eq!(default_group.vpc_id, vpc.id);
    assert_eq!(network_changes(&*store, before).await, 1);
    assert_eq!(
        store.list_tags("vpc", &vpc.id).await.unwrap(),
        [("Name".to_string(), "test".to_string())]
    );

    let changed = store
        .modify_vpc_attributes(&vpc.id, None, Some(true))
        .await
        .unwrap();
    assert!(changed.enable_dns_support && changed.enable_dns_hostnames);
    assert_eq!(store.get_vpc(&vpc.id).await.unwrap(), changed);

    let network = store.load_network().await.unwrap();
    assert_eq!(network.vpcs, std::slice::from_ref(&changed));
    assert_eq!(network.security_groups.len(), 1);

    store.delete_vpc(&vpc.id).await.unwrap();
    assert!(
        matches!(store.get_vpc(&vpc.id).await, Err(StoreError::Rejected(DomainError::Network(NetworkError::NoSuchVpc(id)))) if id == vpc.id)
    );
    assert!(
        store.list_security_groups().await.unwrap().is_empty(),
        "the default group goes with its VPC"
    );
    assert!(store.list_tags("vpc", &vpc.id).await.unwrap().is_empty());
    assert!(matches!(
        store.delete_vpc(&vpc.id).await,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchVpc(_)
        )))
    ));
}

async fn refused_writes_change_nothing(db: TestDb) {
    let store = db.open().await;
    let too_big = store.create_vpc(new_vpc("10.0.0.0/8")).await;
    assert!(
        matches!(too_big, Err(StoreError::Rejected(DomainError::Network(NetworkError::InvalidVpcRange(ref c)))) if c == "10.0.0.0/8")
    );
    assert!(store.list_vpcs().await.unwrap().is_empty());
    assert_eq!(
        store.latest_seq().await.unwrap(),
        ChangeSeq(0),
        "nothing logged"
    );

    let (vpc, _) = store.create_vpc(new_vpc("10.0.0.0/16")).await.unwrap();
    let subnet = store
        .create_subnet(new_subnet(&vpc.id, "10.0.1.0/24"))
        .await
        .unwrap();
    assert_eq!(subnet.availability_zone, "us-east-1a");
    let seq = store.latest_seq().await.unwrap();
    let before = store.load_network().await.unwrap();

    let outside = store
        .create_subnet(new_subnet(&vpc.id, "10.1.0.0/24"))
        .await;
    assert!(matches!(
        outside,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::InvalidSubnetRange(_)
        )))
    ));
    let overlap = store
        .create_subnet(new_subnet(&vpc.id, "10.0.1.128/25"))
        .await;
    assert!(matches!(
        overlap,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::SubnetConflict(_)
        )))
    ));
    let no_vpc = store
        .create_subnet(new_subnet("vpc-00000000000000000", "10.0.2.0/24"))
        .await;
    assert!(matches!(
        no_vpc,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchVpc(_)
        )))
    ));
    let busy = store.delete_vpc(&vpc.id).await;
    assert!(matches!(
        busy,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::VpcHasDependencies(_)
        )))
    ));

    // An ingress batch with one duplicate adds none of its rules.
    let group = store
        .create_security_group(NewSecurityGroup {
            vpc_id: vpc.id.clone(),
            owner_account: ACCOUNT.into(),
            name: "dns".into(),
            description: "DNS in".into(),
            tags: Vec::new(),
        })
        .await
        .unwrap();
    let rule = |port: i32| IngressRule {
        protocol: "udp".into(),
        from_port: Some(port),
        to_port: Some(port),
        sources: vec!["10.0.0.0/8".parse().unwrap()],
        source_groups: Vec::new(),
    };
    store
        .authorize_ingress(&group.id, vec![rule(53)])
        .await
        .unwrap();
    let seq2 = store.latest_seq().await.unwrap();
    let dup = store
        .authorize_ingress(&group.id, vec![rule(853), rule(53)])
        .await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Rejected(DomainError::Network(
                NetworkError::DuplicatePermission(_)
            )))
        ),
        "{dup:?}"
    );
    let stored = store
        .list_security_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == group.id)
        .unwrap();
    assert_eq!(stored.ingress, [rule(53)], "the batch was all or nothing");
    assert_eq!(store.latest_seq().await.unwrap(), seq2);

    let again = store
        .create_security_group(NewSecurityGroup {
            vpc_id: vpc.id.clone(),
            owner_account: ACCOUNT.into(),
            name: "dns".into(),
            description: "again".into(),
            tags: Vec::new(),
        })
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::SecurityGroupExists { .. }
        )))
    ));
    let default_id = before.security_groups[0].id.clone();
    assert!(matches!(
        store.delete_security_group(&default_id).await,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::DefaultGroup(_)
        )))
    ));

    let after = store.load_network().await.unwrap();
    assert_eq!(after.subnets, before.subnets);
    assert!(seq < store.latest_seq().await.unwrap());

    store.delete_security_group(&group.id).await.unwrap();
    let dns64 = store.modify_subnet_dns64(&subnet.id, true).await.unwrap();
    assert!(dns64.enable_dns64);
    store.delete_subnet(&subnet.id).await.unwrap();
    assert!(matches!(
        store.delete_subnet(&subnet.id).await,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchSubnet(_)
        )))
    ));
    store.delete_vpc(&vpc.id).await.unwrap();
}

async fn private_zone_associations(db: TestDb) {
    let store = db.open().await;
    let (vpc1, _) = store.create_vpc(new_vpc("10.1.0.0/16")).await.unwrap();
    let (vpc2, _) = store.create_vpc(new_vpc("10.2.0.0/16")).await.unwrap();

    // The VPC must exist in the region named; nothing is created otherwise.
    let missing = store
        .create_private_hosted_zone(
            new_zone("corp.example", "r0"),
            at("vpc-0123456789abcdef0"),
            ACCOUNT,
        )
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchVpc(_)
        )))
    ));
    let wrong_region = store
        .create_private_hosted_zone(
            new_zone("corp.example", "r0"),
            VpcRef {
                vpc_id: vpc1.id.clone(),
                region: "eu-west-1".into(),
            },
            ACCOUNT,
        )
        .await;
    assert!(matches!(
        wrong_region,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchVpc(_)
        )))
    ));
    assert!(store.list_hosted_zones().await.unwrap().is_empty());

    let (zone, change) = store
        .create_private_hosted_zone(new_zone("corp.example", "r1"), at(&vpc1.id), ACCOUNT)
        .await
        .unwrap();
    assert!(zone.private_zone);
    let vpcs = store.hosted_zone_vpcs(&zone.id).await.unwrap();
    assert_eq!(vpcs.len(), 1);
    assert_eq!(vpcs[0].vpc_id, vpc1.id);
    // The returned change comes after the association's, so INSYNC covers both.
    let events = store.changes_since(ChangeSeq(0)).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.change_id, change.id);
    assert!(matches!(
        events[events.len() - 2].subject,
        ChangeSubject::Network(_)
    ));

    // Same name in the same VPC: ConflictingDomainExists, and no zone is left behind.
    let clash = store
        .create_private_hosted_zone(new_zone("corp.example", "r2"), at(&vpc1.id), ACCOUNT)
        .await;
    assert!(matches!(
        clash,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::ConflictingDomainExists { .. }
        )))
    ));
    assert_eq!(store.list_hosted_zones().await.unwrap().len(), 1);
    let (twin, _) = store
        .create_private_hosted_zone(new_zone("corp.example", "r3"), at(&vpc2.id), ACCOUNT)
        .await
        .unwrap();
    let clash = store
        .associate_vpc(&twin.id, at(&vpc1.id), ACCOUNT, None)
        .await;
    assert!(matches!(
        clash,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::ConflictingDomainExists { .. }
        )))
    ));

    let (vpc4, _) = store.create_vpc(new_vpc("10.4.0.0/16")).await.unwrap();
    let seq = store.latest_seq().await.unwrap();
    let info = store
        .associate_vpc(&zone.id, at(&vpc4.id), ACCOUNT, Some("second".into()))
        .await
        .unwrap();
    assert_eq!(info.comment.as_deref(), Some("second"));
    assert_eq!(network_changes(&*store, seq).await, 1);
    assert!(
        store.get_change(&info.id).await.is_ok(),
        "GetChange knows the association's change"
    );
    let again = store
        .associate_vpc(&zone.id, at(&vpc4.id), ACCOUNT, None)
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::ConflictingDomainExists { .. }
        )))
    ));
    let by_vpc: Vec<HostedZoneId> = store
        .hosted_zones_by_vpc(&at(&vpc4.id))
        .await
        .unwrap()
        .into_iter()
        .map(|z| z.id)
        .collect();
    assert_eq!(by_vpc, std::slice::from_ref(&zone.id));
    let by_vpc: Vec<HostedZoneId> = store
        .hosted_zones_by_vpc(&at(&vpc2.id))
        .await
        .unwrap()
        .into_iter()
        .map(|z| z.id)
        .collect();
    assert_eq!(by_vpc, std::slice::from_ref(&twin.id));
    let network = store.load_network().await.unwrap();
    assert_eq!(network.associations.len(), 3);

    // A public zone takes no VPC; a stranger's VPC needs an authorization.
    let (public, _) = store
        .create_hosted_zone(NewHostedZone {
            private_zone: false,
            ..new_zone("public.example", "r4")
        })
        .await
        .unwrap();
    assert!(matches!(
        store
            .associate_vpc(&public.id, at(&vpc1.id), ACCOUNT, None)
            .await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::PublicZoneVpcAssociation(_)
        )))
    ));
    assert!(matches!(
        store
            .associate_vpc(&HostedZoneId::new("ZNOPE"), at(&vpc1.id), ACCOUNT, None)
            .await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::NoSuchHostedZone(_)
        )))
    ));
    let (vpc3, _) = store.create_vpc(new_vpc("10.3.0.0/16")).await.unwrap();
    assert!(matches!(
        store
            .associate_vpc(&zone.id, at(&vpc3.id), "222222222222", None)
            .await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::NotAuthorized { .. }
        )))
    ));

    // Disassociation: not associated, then the last one.
    assert!(matches!(
        store.disassociate_vpc(&zone.id, at(&vpc3.id), None).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::VpcAssociationNotFound { .. }
        )))
    ));
    store
        .disassociate_vpc(&zone.id, at(&vpc4.id), None)
        .await
        .unwrap();
    assert!(matches!(
        store.disassociate_vpc(&zone.id, at(&vpc1.id), None).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::LastVpcAssociation { .. }
        )))
    ));
    assert_eq!(store.hosted_zone_vpcs(&zone.id).await.unwrap().len(), 1);

    // Authorizations.
    store
        .create_vpc_association_authorization(&zone.id, at(&vpc3.id))
        .await
        .unwrap();
    store
        .create_vpc_association_authorization(&zone.id, at(&vpc3.id))
        .await
        .unwrap();
    assert_eq!(
        store
            .list_vpc_association_authorizations(&zone.id)
            .await
            .unwrap(),
        [at(&vpc3.id)]
    );
    store
        .delete_vpc_association_authorization(&zone.id, at(&vpc3.id))
        .await
        .unwrap();
    assert!(matches!(
        store
            .delete_vpc_association_authorization(&zone.id, at(&vpc3.id))
            .await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::VpcAssociationAuthorizationNotFound { .. }
        )))
    ));

    // A deleted VPC's associations stay (as on Route 53) but leave the data plane's view.
    store.delete_vpc(&vpc2.id).await.unwrap();
    let network = store.load_network().await.unwrap();
    assert!(network.associations.iter().all(|a| a.vpc_id != vpc2.id));
    assert_eq!(store.hosted_zone_vpcs(&twin.id).await.unwrap().len(), 1);

    // Deleting a zone forgets its associations.
    store.delete_hosted_zone(&zone.id).await.unwrap();
    assert!(store
        .hosted_zones_by_vpc(&at(&vpc1.id))
        .await
        .unwrap()
        .is_empty());
    assert!(store.load_network().await.unwrap().associations.is_empty());
}

async fn subnets_are_listed_and_take_dns64(db: TestDb) {
    let store = db.open().await;
    let (vpc, _) = store.create_vpc(new_vpc("10.1.0.0/16")).await.unwrap();
    let a = store
        .create_subnet(new_subnet(&vpc.id, "10.1.1.0/24"))
        .await
        .unwrap();
    let b = store
        .create_subnet(new_subnet(&vpc.id, "10.1.2.0/24"))
        .await
        .unwrap();
    assert!(!a.enable_dns64, "EC2's default");
    let mut ids = vec![a.id.clone(), b.id.clone()];
    ids.sort();
    let listed: Vec<String> = store
        .list_subnets()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ids, "every subnet, ordered by id");

    let before = store.latest_seq().await.unwrap();
    let changed = store.modify_subnet_dns64(&a.id, true).await.unwrap();
    assert!(changed.enable_dns64);
    assert_eq!(network_changes(&*store, before).await, 1);
    let network = store.load_network().await.unwrap();
    let stored = network.subnets.iter().find(|s| s.id == a.id).unwrap();
    assert!(stored.enable_dns64, "the data plane sees DNS64 on");
    assert!(matches!(
        store
            .modify_subnet_dns64("subnet-0000000000000000f", true)
            .await,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::NoSuchSubnet(_)
        )))
    ));
    assert_eq!(
        network_changes(&*store, before).await,
        1,
        "a refusal logs nothing"
    );

    store.delete_subnet(&b.id).await.unwrap();
    assert_eq!(store.list_subnets().await.unwrap(), [changed]);
}

on_both_backends!(
    subnets_are_listed_and_take_dns64,
    vpc_lifecycle_with_default_group_and_attributes,
    refused_writes_change_nothing,
    private_zone_associations,
);

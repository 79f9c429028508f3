//! Security group rules and the default VPC (issue 19) on both backends (SQLite,
//! PostgreSQL): egress rules are kept, revoking takes grants out all or nothing, and both
//! survive reopening the store; the default VPC is made once per account and region, and one
//! the user deleted is not made again.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::error::DomainError;
use cairn_model::network::IngressRule;
use cairn_model::network_validate::NetworkError;
use cairn_store::{NewSecurityGroup, NewVpc, RuleDirection, StoreError};
use common::TestDb;

const ACCOUNT: &str = "111111111111";

fn rule(protocol: &str, port: Option<i32>, sources: &[&str]) -> IngressRule {
    IngressRule {
        protocol: protocol.into(),
        from_port: port,
        to_port: port,
        sources: sources.iter().map(|s| s.parse().unwrap()).collect(),
        source_groups: Vec::new(),
    }
}

fn not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    matches!(
        result,
        Err(StoreError::Rejected(DomainError::Network(
            NetworkError::PermissionNotFound
        )))
    )
}

async fn egress_and_revocations_are_kept(db: TestDb) {
    let store = db.open().await;
    let (vpc, _) = store
        .create_vpc(NewVpc {
            region: "us-east-1".into(),
            owner_account: ACCOUNT.into(),
            cidr_block: "10.0.0.0/16".parse().unwrap(),
            ipv6_cidr_block: None,
            tags: Vec::new(),
        })
        .await
        .unwrap();
    let group = store
        .create_security_group(NewSecurityGroup {
            vpc_id: vpc.id.clone(),
            owner_account: ACCOUNT.into(),
            name: "web".into(),
            description: "web".into(),
            tags: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(
        group.egress,
        [rule("-1", None, &["0.0.0.0/0"])],
        "a new group lets everything out, as on EC2"
    );

    // Revoke the default egress, as Terraform does, and grant DNS out instead.
    let all_out = rule("-1", None, &["0.0.0.0/0"]);
    let revoked = store
        .revoke_rules(&group.id, RuleDirection::Egress, vec![all_out.clone()])
        .await
        .unwrap();
    assert!(revoked.egress.is_empty());
    assert!(not_found(
        store
            .revoke_rules(&group.id, RuleDirection::Egress, vec![all_out])
            .await
    ));
    let dns_out = rule("udp", Some(53), &["0.0.0.0/0"]);
    store
        .authorize_egress(&group.id, vec![dns_out.clone()])
        .await
        .unwrap();
    let dup = store
        .authorize_egress(&group.id, vec![dns_out.clone()])
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

    // One source of a two-source permission goes; the other stays.
    store
        .authorize_ingress(
            &group.id,
            vec![rule("tcp", Some(443), &["10.0.0.0/8", "192.168.0.0/16"])],
        )
        .await
        .unwrap();
    let seq = store.latest_seq().await.unwrap();
    // A batch naming one grant the group lacks revokes nothing.
    assert!(not_found(
        store
            .revoke_rules(
                &group.id,
                RuleDirection::Ingress,
                vec![
                    rule("tcp", Some(443), &["10.0.0.0/8"]),
                    rule("tcp", Some(80), &["10.0.0.0/8"]),
                ],
            )
            .await
    ));
    assert_eq!(store.latest_seq().await.unwrap(), seq, "nothing was logged");
    store
        .revoke_rules(
            &group.id,
            RuleDirection::Ingress,
            vec![rule("tcp", Some(443), &["10.0.0.0/8"])],
        )
        .await
        .unwrap();

    // Both lists as left, from a fresh handle on the store.
    let reopened = db.open().await;
    let stored = reopened
        .list_security_groups()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.id == group.id)
        .unwrap();
    assert_eq!(
        stored.ingress,
        [rule("tcp", Some(443), &["192.168.0.0/16"])]
    );
    assert_eq!(stored.egress, [dns_out]);
}

async fn default_vpc_is_made_once(db: TestDb) {
    let store = db.open().await;
    let zones: Vec<String> = ["us-east-1a", "us-east-1b", "us-east-1c"]
        .map(String::from)
        .to_vec();
    let vpc = store
        .ensure_default_vpc(ACCOUNT, "us-east-1", &zones)
        .await
        .unwrap()
        .expect("made at the first call");
    assert!(vpc.is_default && vpc.enable_dns_support && vpc.enable_dns_hostnames);
    assert_eq!(vpc.cidr_block.to_string(), "172.31.0.0/16");
    let subnets = store.list_subnets().await.unwrap();
    let mut placed: Vec<(String, String, bool)> = subnets
        .iter()
        .map(|s| {
            (
                s.availability_zone.clone(),
                s.cidr_block.to_string(),
                s.default_for_az,
            )
        })
        .collect();
    placed.sort();
    assert_eq!(
        placed,
        [
            ("us-east-1a".to_string(), "172.31.0.0/20".to_string(), true),
            ("us-east-1b".to_string(), "172.31.16.0/20".to_string(), true),
            ("us-east-1c".to_string(), "172.31.32.0/20".to_string(), true),
        ]
    );
    let groups = store.list_security_groups().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        (groups[0].name.as_str(), groups[0].vpc_id.as_str()),
        ("default", vpc.id.as_str())
    );

    // Idempotent, also across a reopened store; another region gets its own.
    let reopened = db.open().await;
    assert_eq!(
        reopened
            .ensure_default_vpc(ACCOUNT, "us-east-1", &zones)
            .await
            .unwrap(),
        None
    );
    let west = reopened
        .ensure_default_vpc(ACCOUNT, "eu-west-1", &["eu-west-1a".to_string()])
        .await
        .unwrap()
        .expect("another region");
    assert_eq!(west.region, "eu-west-1");
    assert_eq!(reopened.list_vpcs().await.unwrap().len(), 2);

    // Deleted by the user, it stays deleted.
    for subnet in subnets {
        reopened.delete_subnet(&subnet.id).await.unwrap();
    }
    reopened.delete_vpc(&vpc.id).await.unwrap();
    assert_eq!(
        reopened
            .ensure_default_vpc(ACCOUNT, "us-east-1", &zones)
            .await
            .unwrap(),
        None
    );
    assert_eq!(reopened.list_vpcs().await.unwrap(), [west]);
}

on_both_backends!(egress_and_revocations_are_kept, default_vpc_is_made_once);

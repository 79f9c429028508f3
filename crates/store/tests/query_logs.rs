//! Query logging (issue 13) on both backends (SQLite, PostgreSQL): Resolver query log configs
//! and their VPC associations, and Route 53's public query logging configs, reach
//! `load_network` (what the data plane logs by), every write logs a network change, a
//! refused write changes nothing, and everything survives a reopen.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use std::sync::Arc;

use cairn_model::error::DomainError;
use cairn_model::network::NetworkContents;
use cairn_model::query_log::{NewQueryLogConfig, QueryLogError};
use cairn_model::{ChangeSeq, HostedZoneId};
use cairn_store::{ChangeSubject, NewVpc, Store, StoreError};
use common::{new_zone, TestDb};

const ACCOUNT: &str = "111111111111";

async fn vpc(store: &Arc<dyn Store>) -> String {
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
    vpc.id
}

fn config(token: &str) -> NewQueryLogConfig {
    NewQueryLogConfig {
        name: "vpc-queries".into(),
        destination_arn: "arn:aws:logs:us-east-1:111111111111:log-group:dns:*".into(),
        creator_request_id: token.into(),
        owner_account: ACCOUNT.into(),
        region: "us-east-1".into(),
    }
}

fn refusal(err: StoreError) -> QueryLogError {
    match err {
        StoreError::Rejected(DomainError::QueryLog(e)) => e,
        other => panic!("expected a query logging error, got {other:?}"),
    }
}

/// Asserts that a refused write left the state and the change log as they were.
async fn unchanged(store: &Arc<dyn Store>, before: &NetworkContents, seq: ChangeSeq) {
    assert_eq!(&store.load_network().await.unwrap(), before);
    assert_eq!(store.latest_seq().await.unwrap(), seq);
}

async fn configs_and_associations_reach_the_data_plane(db: TestDb) {
    let store = db.open().await;
    let vpc = vpc(&store).await;
    let seq = store.latest_seq().await.unwrap();
    let created = store
        .create_query_log_config(config("t1"), vec![("team".into(), "dns".into())])
        .await
        .unwrap();
    assert!(created.id.starts_with("rslvr-qlc-"), "{}", created.id);
    assert_eq!(
        created.destination_arn,
        "arn:aws:logs:us-east-1:111111111111:log-group:dns"
    );
    let events = store.changes_since(seq).await.unwrap();
    assert!(matches!(&events[..], [e] if matches!(e.subject, ChangeSubject::Network(_))));
    // The same CreatorRequestId: the same config, nothing written or logged.
    let seq = store.latest_seq().await.unwrap();
    let again = store
        .create_query_log_config(config("t1"), Vec::new())
        .await
        .unwrap();
    assert_eq!(again, created);
    assert_eq!(
        store.load_network().await.unwrap().query_log_configs,
        std::slice::from_ref(&created)
    );

    let assoc = store
        .associate_query_log_config(&created.id, &vpc)
        .await
        .unwrap();
    assert!(assoc.id.starts_with("rslvr-qlcassoc-"));
    assert!(store.latest_seq().await.unwrap() > seq);
    let net = store.load_network().await.unwrap();
    assert_eq!(net.query_log_associations, std::slice::from_ref(&assoc));

    // Refusals: twice the same VPC, a missing VPC, deleting while associated.
    let seq = store.latest_seq().await.unwrap();
    let twice = store.associate_query_log_config(&created.id, &vpc).await;
    assert!(matches!(
        refusal(twice.unwrap_err()),
        QueryLogError::AlreadyAssociated { .. }
    ));
    let missing = store
        .associate_query_log_config(&created.id, "vpc-00000000000000000")
        .await;
    assert!(matches!(
        refusal(missing.unwrap_err()),
        QueryLogError::NoSuchVpc(_)
    ));
    let busy = store.delete_query_log_config(&created.id).await;
    assert_eq!(
        refusal(busy.unwrap_err()),
        QueryLogError::StillAssociated(created.id.clone())
    );
    unchanged(&store, &net, seq).await;

    // Everything survives a reopen.
    drop(store);
    let store = db.open().await;
    assert_eq!(store.load_network().await.unwrap(), net);

    let gone = store
        .disassociate_query_log_config(&created.id, &vpc)
        .await
        .unwrap();
    assert_eq!(gone, assoc);
    let deleted = store.delete_query_log_config(&created.id).await.unwrap();
    assert_eq!(deleted, created);
    let net = store.load_network().await.unwrap();
    assert!(net.query_log_configs.is_empty() && net.query_log_associations.is_empty());
    let again = store.delete_query_log_config(&created.id).await;
    assert_eq!(
        refusal(again.unwrap_err()),
        QueryLogError::NoSuchConfig(created.id)
    );
}

async fn public_query_logging_configs_are_one_per_zone(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("example.com", "r1"))
        .await
        .unwrap();
    let arn = "arn:aws:logs:us-east-1:111111111111:log-group:/aws/route53/example.com";
    let config = store
        .create_public_query_log_config(&zone.id, arn)
        .await
        .unwrap();
    assert_eq!(config.id.len(), 36, "a UUID: {}", config.id);
    assert_eq!(
        (&config.zone_id, config.log_group_arn.as_str()),
        (&zone.id, arn)
    );
    let net = store.load_network().await.unwrap();
    assert_eq!(net.public_query_log_configs, std::slice::from_ref(&config));

    let seq = store.latest_seq().await.unwrap();
    let twice = store.create_public_query_log_config(&zone.id, arn).await;
    assert!(matches!(
        refusal(twice.unwrap_err()),
        QueryLogError::PublicConfigExists(_)
    ));
    let no_zone = store
        .create_public_query_log_config(&HostedZoneId::new("ZNOTHERE"), arn)
        .await;
    assert!(matches!(
        refusal(no_zone.unwrap_err()),
        QueryLogError::NoSuchHostedZone(_)
    ));
    let bad_arn = store
        .create_public_query_log_config(&zone.id, "arn:aws:s3:::bucket")
        .await;
    assert!(matches!(
        refusal(bad_arn.unwrap_err()),
        QueryLogError::InvalidLogGroupArn(_)
    ));
    unchanged(&store, &net, seq).await;

    assert_eq!(
        store
            .delete_public_query_log_config(&config.id)
            .await
            .unwrap(),
        config
    );
    let again = store.delete_public_query_log_config(&config.id).await;
    assert!(matches!(
        refusal(again.unwrap_err()),
        QueryLogError::NoSuchPublicConfig(_)
    ));
}

on_both_backends!(
    configs_and_associations_reach_the_data_plane,
    public_query_logging_configs_are_one_per_zone,
);

//! CIDR collections in the store: create, change with versions, the change log the data
//! plane follows, and the in-use rules that tie collections to record sets.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::cidr::{CidrChange, CidrChangeAction, CidrErrorKind};
use cairn_model::error::{DomainError, ZoneError};
use cairn_model::rrset::CidrRoutingConfig;
use cairn_model::{
    Change, ChangeAction, ChangeBatch, ChangeBatchError, DomainName, Limits, ResourceRecordSet,
    RrType,
};
use cairn_store::{ChangeSubject, NewHostedZone, StoreError};
use common::TestDb;

fn put(location: &str, blocks: &[&str]) -> CidrChange {
    CidrChange {
        location_name: location.into(),
        action: CidrChangeAction::Put,
        cidr_list: blocks.iter().map(|b| b.to_string()).collect(),
    }
}

fn kind(err: StoreError) -> CidrErrorKind {
    match err {
        StoreError::Rejected(DomainError::Cidr(e)) => e.kind(),
        other => panic!("not a CIDR error: {other}"),
    }
}

fn ip_set(id: &str, collection: &str, location: &str) -> ResourceRecordSet {
    let mut set = ResourceRecordSet::simple(
        DomainName::from_route53("www.example.com").unwrap(),
        RrType::A,
        60,
        vec!["192.0.2.1".into()],
    );
    set.routing = Some(cairn_model::rrset::Routing {
        set_identifier: id.into(),
        policy: cairn_model::rrset::RoutingPolicy::IpBased(CidrRoutingConfig {
            collection_id: collection.into(),
            location_name: location.into(),
        }),
    });
    set
}

fn batch(action: ChangeAction, sets: Vec<ResourceRecordSet>) -> ChangeBatch {
    ChangeBatch {
        comment: None,
        changes: sets
            .into_iter()
            .map(|record_set| Change { action, record_set })
            .collect(),
    }
}

async fn collections_change_in_versions_and_log_changes(db: TestDb) {
    let store = db.open().await;
    let before = store.latest_seq().await.unwrap();
    let (c, created) = store.create_cidr_collection("offices", "r1").await.unwrap();
    assert!(created);
    assert_eq!(c.version, 1);
    let (same, created) = store.create_cidr_collection("offices", "r1").await.unwrap();
    assert!(!created);
    assert_eq!(same.id, c.id);
    assert_eq!(
        kind(
            store
                .create_cidr_collection("offices", "r2")
                .await
                .unwrap_err()
        ),
        CidrErrorKind::AlreadyExists
    );

    store
        .change_cidr_collection(&c.id, Some(1), vec![put("east", &["10.1.0.0/16"])])
        .await
        .unwrap();
    assert_eq!(
        kind(
            store
                .change_cidr_collection(&c.id, Some(1), vec![put("east", &["10.3.0.0/16"])])
                .await
                .unwrap_err()
        ),
        CidrErrorKind::VersionMismatch
    );
    let got = store.get_cidr_collection(&c.id).await.unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(got.locations["east"], vec!["10.1.0.0/16".parse().unwrap()]);
    assert_eq!(store.load_cidr_collections().await.unwrap(), vec![got]);

    let events = store.changes_since(before).await.unwrap();
    assert_eq!(events.len(), 2, "create and change; refusals log nothing");
    assert!(events
        .iter()
        .all(|e| e.subject == ChangeSubject::CidrCollection(c.id.clone())));
    assert_eq!(
        kind(store.get_cidr_collection("nope").await.unwrap_err()),
        CidrErrorKind::NoSuchCollection
    );
}

async fn record_sets_pin_collections_and_locations(db: TestDb) {
    let store = db.open().await;
    let apex = DomainName::from_route53("example.com").unwrap();
    let servers = cairn_model::defaults::default_name_servers();
    let (zone, _) = store
        .create_hosted_zone(NewHostedZone {
            name: apex.clone(),
            caller_reference: "z".into(),
            comment: None,
            has_config: false,
            private_zone: false,
            delegation_set_id: None,
            initial_record_sets: cairn_model::defaults::apex_records(&apex, &servers),
            name_servers: servers,
        })
        .await
        .unwrap();
    let (c, _) = store.create_cidr_collection("c", "r").await.unwrap();
    store
        .change_cidr_collection(&c.id, None, vec![put("east", &["10.1.0.0/16"])])
        .await
        .unwrap();
    let limits = Limits::default();

    let refused = store
        .change_record_sets(
            &zone.id,
            &batch(ChangeAction::Create, vec![ip_set("a", &c.id, "west")]),
            &limits,
        )
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Rejected(DomainError::Zone(ZoneError::Batch(
            ChangeBatchError::InvalidChangeBatch(_)
        ))))
    ));
    let refused = store
        .change_record_sets(
            &zone.id,
            &batch(ChangeAction::Create, vec![ip_set("a", "missing", "east")]),
            &limits,
        )
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Rejected(DomainError::Zone(ZoneError::Batch(
            ChangeBatchError::InvalidChangeBatch(_)
        ))))
    ));
    let sets = vec![ip_set("a", &c.id, "east"), ip_set("d", &c.id, "*")];
    store
        .change_record_sets(
            &zone.id,
            &batch(ChangeAction::Create, sets.clone()),
            &limits,
        )
        .await
        .unwrap();

    let delete_east = CidrChange {
        action: CidrChangeAction::DeleteIfExists,
        ..put("east", &["10.1.0.0/16"])
    };
    assert_eq!(
        kind(
            store
                .change_cidr_collection(&c.id, None, vec![delete_east.clone()])
                .await
                .unwrap_err()
        ),
        CidrErrorKind::BlockInUse
    );
    // Moving the block to another location is fine while `east` keeps one.
    store
        .change_cidr_collection(
            &c.id,
            None,
            vec![put("east", &["10.5.0.0/16"]), delete_east.clone()],
        )
        .await
        .unwrap();
    assert_eq!(
        kind(store.delete_cidr_collection(&c.id).await.unwrap_err()),
        CidrErrorKind::CollectionInUse
    );

    store
        .change_record_sets(&zone.id, &batch(ChangeAction::Delete, sets), &limits)
        .await
        .unwrap();
    let delete_rest = CidrChange {
        action: CidrChangeAction::DeleteIfExists,
        ..put("east", &["10.5.0.0/16"])
    };
    store
        .change_cidr_collection(&c.id, None, vec![delete_rest])
        .await
        .unwrap();
    store.delete_cidr_collection(&c.id).await.unwrap();
    assert!(store.list_cidr_collections().await.unwrap().is_empty());
}

on_both_backends!(
    collections_change_in_versions_and_log_changes,
    record_sets_pin_collections_and_locations,
);

//! The store battery: behaviour every backend must show, written once against `&dyn Store`
//! and run on SQLite in a temporary directory and on a real PostgreSQL server (`common`).
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use std::sync::Arc;

use cairn_model::change::{AliasRef, BatchProblem};
use cairn_model::error::{DomainError, ZoneError};
use cairn_model::{
    ChangeAction, ChangeBatchError, ChangeSeq, ChangeStatus, Limits, ResourceRecordSet, RrType,
};
use cairn_store::{ChangeSubject, RecordSetPage, Store, StoreError};
use common::{a, batch, name, new_zone, TestDb};

//------------ the battery ---------------------------------------------------------

async fn zone_lifecycle(store: &dyn Store) {
    let (zone, change) = store
        .create_hosted_zone(new_zone("example.com", "r1"))
        .await
        .unwrap();
    assert!(zone.id.as_str().starts_with('Z') && zone.id.as_str().len() == 21);
    assert_eq!(zone.record_set_count, 2, "apex SOA and NS");
    assert_eq!(change.status, ChangeStatus::Pending);
    assert_eq!(
        store.get_hosted_zone(&zone.id).await.unwrap().name,
        name("example.com")
    );
    assert_eq!(store.list_hosted_zones().await.unwrap().len(), 1);
    let updated = store
        .update_hosted_zone_comment(&zone.id, Some("hi".into()))
        .await
        .unwrap();
    assert_eq!(updated.comment.as_deref(), Some("hi"));

    // Caller references cannot be reused, even after the zone is gone.
    let again = store.create_hosted_zone(new_zone("other.com", "r1")).await;
    assert!(
        matches!(again, Err(StoreError::Rejected(DomainError::Zone(ZoneError::HostedZoneAlreadyExists(id)))) if id == zone.id)
    );

    store
        .change_record_sets(
            &zone.id,
            &batch(vec![(
                ChangeAction::Create,
                a("www.example.com", "192.0.2.1"),
            )]),
            &Limits::default(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.delete_hosted_zone(&zone.id).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::HostedZoneNotEmpty(_)
        )))
    ));
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![(
                ChangeAction::Delete,
                a("www.example.com", "192.0.2.1"),
            )]),
            &Limits::default(),
        )
        .await
        .unwrap();
    store.delete_hosted_zone(&zone.id).await.unwrap();
    assert!(matches!(
        store.get_hosted_zone(&zone.id).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::NoSuchHostedZone(_)
        )))
    ));
    assert!(store.load_zone(&zone.id).await.unwrap().is_none());
    let reuse = store
        .create_hosted_zone(new_zone("example.com", "r1"))
        .await;
    assert!(matches!(
        reuse,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::HostedZoneAlreadyExists(_)
        )))
    ));
}

async fn batches_are_all_or_nothing(store: &dyn Store) {
    let (zone, _) = store
        .create_hosted_zone(new_zone("example.com", "r2"))
        .await
        .unwrap();
    let before = store.latest_seq().await.unwrap();
    let bad = batch(vec![
        (ChangeAction::Create, a("ok.example.com", "192.0.2.1")),
        (ChangeAction::Delete, a("missing.example.com", "192.0.2.2")),
    ]);
    let err = store
        .change_record_sets(&zone.id, &bad, &Limits::default())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Rejected(DomainError::Zone(ZoneError::Batch(
            ChangeBatchError::InvalidChangeBatch(_)
        )))
    ));
    assert_eq!(store.latest_seq().await.unwrap(), before, "nothing logged");
    let contents = store.load_zone(&zone.id).await.unwrap().unwrap();
    assert_eq!(contents.record_sets.len(), 2, "nothing written");

    // DELETE then CREATE of the same set in one batch works.
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![(
                ChangeAction::Create,
                a("w.example.com", "192.0.2.1"),
            )]),
            &Limits::default(),
        )
        .await
        .unwrap();
    let swap = batch(vec![
        (ChangeAction::Delete, a("w.example.com", "192.0.2.1")),
        (ChangeAction::Create, a("w.example.com", "192.0.2.9")),
    ]);
    store
        .change_record_sets(&zone.id, &swap, &Limits::default())
        .await
        .unwrap();
    let contents = store.load_zone(&zone.id).await.unwrap().unwrap();
    let w = contents
        .record_sets
        .iter()
        .find(|s| s.name == name("w.example.com"))
        .unwrap();
    assert_eq!(w.records, ["192.0.2.9"]);
}

async fn change_log_is_ordered(store: &dyn Store) {
    let start = store.latest_seq().await.unwrap();
    let (z1, _) = store
        .create_hosted_zone(new_zone("one.test", "r3"))
        .await
        .unwrap();
    let (z2, _) = store
        .create_hosted_zone(new_zone("two.test", "r4"))
        .await
        .unwrap();
    store
        .change_record_sets(
            &z1.id,
            &batch(vec![(ChangeAction::Upsert, a("x.one.test", "192.0.2.1"))]),
            &Limits::default(),
        )
        .await
        .unwrap();
    let events = store.changes_since(start).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    let subjects: Vec<ChangeSubject> = events.into_iter().map(|e| e.subject).collect();
    assert_eq!(
        subjects,
        [
            ChangeSubject::HostedZone(z1.id.clone()),
            ChangeSubject::HostedZone(z2.id),
            ChangeSubject::HostedZone(z1.id)
        ]
    );
}

async fn get_change_follows_live_nodes(store: &dyn Store) {
    let (zone, change) = store
        .create_hosted_zone(new_zone("sync.test", "r5"))
        .await
        .unwrap();
    // No live node: vacuously in sync.
    assert_eq!(
        store.get_change(&change.id).await.unwrap().status,
        ChangeStatus::InSync
    );
    store.report_applied("node-a", ChangeSeq(0)).await.unwrap();
    assert_eq!(
        store.get_change(&change.id).await.unwrap().status,
        ChangeStatus::Pending
    );
    let seq = store.latest_seq().await.unwrap();
    store.report_applied("node-a", seq).await.unwrap();
    assert_eq!(
        store.get_change(&change.id).await.unwrap().status,
        ChangeStatus::InSync
    );
    let _ = zone;
    let missing = cairn_model::ChangeId::new("CNOSUCHCHANGE");
    assert!(matches!(
        store.get_change(&missing).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::NoSuchChange(_)
        )))
    ));
}

async fn listing_follows_route53_order(store: &dyn Store) {
    let (zone, _) = store
        .create_hosted_zone(new_zone("example.com", "r6"))
        .await
        .unwrap();
    let sets = vec![
        a("*.example.com", "192.0.2.1"),
        a("a.example.com", "192.0.2.2"),
        a("a-b.example.com", "192.0.2.3"),
        a("b.a.example.com", "192.0.2.4"),
        ResourceRecordSet::simple(name("a.example.com"), RrType::Txt, 60, vec!["\"t\"".into()]),
    ];
    let changes = sets
        .into_iter()
        .map(|s| (ChangeAction::Create, s))
        .collect();
    store
        .change_record_sets(&zone.id, &batch(changes), &Limits::default())
        .await
        .unwrap();
    let page = RecordSetPage {
        max_items: 100,
        ..RecordSetPage::default()
    };
    let listing = store.list_record_sets(&zone.id, &page).await.unwrap();
    let order: Vec<String> = listing
        .record_sets
        .iter()
        .map(|s| format!("{} {}", s.name, s.rtype))
        .collect();
    assert_eq!(
        order,
        [
            "example.com. NS",
            "example.com. SOA",
            "\\052.example.com. A",
            // `com.example.a-b.` sorts before `com.example.a.`: '-' is below '.' (ROUTE53.md §2.5)
            "a-b.example.com. A",
            "a.example.com. A",
            "a.example.com. TXT",
            "b.a.example.com. A",
        ]
    );
    assert!(listing.next.is_none());
}

async fn pages_chain_through_many_sets(store: &dyn Store) {
    let (zone, _) = store
        .create_hosted_zone(new_zone("big.test", "r7"))
        .await
        .unwrap();
    let changes = (0..350)
        .map(|i| {
            (
                ChangeAction::Create,
                a(&format!("h{i:03}.big.test"), "192.0.2.1"),
            )
        })
        .collect();
    store
        .change_record_sets(&zone.id, &batch(changes), &Limits::default())
        .await
        .unwrap();
    let mut page = RecordSetPage {
        max_items: 300,
        ..RecordSetPage::default()
    };
    let first = store.list_record_sets(&zone.id, &page).await.unwrap();
    assert_eq!(first.record_sets.len(), 300);
    let next = first.next.expect("a second page");
    page.start_name = Some(next.name.clone());
    page.start_type = Some(next.rtype);
    let second = store.list_record_sets(&zone.id, &page).await.unwrap();
    assert_eq!(second.record_sets.len(), 52);
    assert_eq!(
        second.record_sets[0].key(),
        next,
        "next points at the first set of the next page"
    );
    assert!(second.next.is_none());
}

async fn concurrent_writers_lose_nothing(store: Arc<dyn Store>) {
    let (zone, _) = store
        .create_hosted_zone(new_zone("race.test", "r8"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for writer in 0..2 {
        let store = store.clone();
        let id = zone.id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let set = a(&format!("w{writer}-{i}.race.test"), "192.0.2.1");
                store
                    .change_record_sets(
                        &id,
                        &batch(vec![(ChangeAction::Create, set)]),
                        &Limits::default(),
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store
            .get_hosted_zone(&zone.id)
            .await
            .unwrap()
            .record_set_count,
        52
    );
}

async fn tags_and_delegation_sets(store: &dyn Store) {
    store
        .change_tags(
            "hostedzone",
            "Z1",
            vec![("b".into(), "2".into()), ("a".into(), "1".into())],
            vec![],
        )
        .await
        .unwrap();
    store
        .change_tags(
            "hostedzone",
            "Z1",
            vec![("a".into(), "9".into())],
            vec!["b".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_tags("hostedzone", "Z1").await.unwrap(),
        [("a".to_string(), "9".to_string())]
    );

    let servers = cairn_model::defaults::default_name_servers();
    let set = store
        .create_delegation_set("d1", servers.clone())
        .await
        .unwrap();
    assert!(set.id.starts_with('N'));
    assert!(matches!(
        store.create_delegation_set("d1", servers).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::DelegationSetAlreadyCreated(_)
        )))
    ));
    let mut req = new_zone("delegated.test", "r9");
    req.delegation_set_id = Some(set.id.clone());
    let (zone, _) = store.create_hosted_zone(req).await.unwrap();
    assert!(matches!(
        store.delete_delegation_set(&set.id).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::DelegationSetInUse(_)
        )))
    ));
    store.delete_hosted_zone(&zone.id).await.unwrap();
    store.delete_delegation_set(&set.id).await.unwrap();
    assert!(matches!(
        store.get_delegation_set(&set.id).await,
        Err(StoreError::Rejected(DomainError::Zone(
            ZoneError::NoSuchDelegationSet(_)
        )))
    ));
}

async fn aliases_may_target_other_zones_cairn_serves(store: &dyn Store) {
    let (front, _) = store
        .create_hosted_zone(new_zone("front.test", "x1"))
        .await
        .unwrap();
    let (back, _) = store
        .create_hosted_zone(new_zone("back.test", "x2"))
        .await
        .unwrap();
    store
        .change_record_sets(
            &back.id,
            &batch(vec![(ChangeAction::Create, a("lb.back.test", "192.0.2.8"))]),
            &Limits::default(),
        )
        .await
        .unwrap();
    let alias_to = |zone: &str, target: &str| ResourceRecordSet {
        ttl: None,
        records: vec![],
        alias_target: Some(cairn_model::AliasTarget {
            hosted_zone_id: zone.to_string(),
            dns_name: name(target),
            evaluate_target_health: false,
        }),
        ..a("www.front.test", "192.0.2.1")
    };
    let ok = batch(vec![(
        ChangeAction::Create,
        alias_to(back.id.as_str(), "lb.back.test"),
    )]);
    store
        .change_record_sets(&front.id, &ok, &Limits::default())
        .await
        .unwrap();
    let missing = batch(vec![(
        ChangeAction::Upsert,
        alias_to(back.id.as_str(), "nope.back.test"),
    )]);
    let err = store
        .change_record_sets(&front.id, &missing, &Limits::default())
        .await
        .unwrap_err();
    let StoreError::Rejected(DomainError::Zone(ZoneError::Batch(
        ChangeBatchError::InvalidChangeBatch(problems),
    ))) = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        problems,
        [BatchProblem::AliasTargetNotFound(AliasRef {
            target: name("nope.back.test"),
            rtype: RrType::A,
            zone: back.id.clone(),
        })]
    );
    let no_zone = batch(vec![(
        ChangeAction::Upsert,
        alias_to("ZNOSUCHZONE", "lb.back.test"),
    )]);
    assert!(store
        .change_record_sets(&front.id, &no_zone, &Limits::default())
        .await
        .is_err());
}

/// Change-log sequence numbers are handed out in commit order: a follower polling
/// `changes_since(last)` while two handles (two nodes) write at once never skips a change
/// that committed late with a lower number.
async fn followers_never_skip_a_change(db: TestDb) {
    let one = db.open().await;
    let two = db.open().await;
    let follower = db.open().await;
    let (zone, _) = one
        .create_hosted_zone(new_zone("race.test", "race"))
        .await
        .unwrap();
    let start = follower.latest_seq().await.unwrap();
    let writers: Vec<_> = (0..40)
        .map(|i| {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            let zone = zone.id.clone();
            tokio::spawn(async move {
                let set = a(&format!("w{i}.race.test"), "192.0.2.1");
                store
                    .change_record_sets(
                        &zone,
                        &batch(vec![(ChangeAction::Create, set)]),
                        &Limits::default(),
                    )
                    .await
                    .unwrap();
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut last = start;
    loop {
        let finished = writers.iter().all(|w| w.is_finished());
        for event in follower.changes_since(last).await.unwrap() {
            last = event.seq;
            seen.push(event.seq);
        }
        if finished {
            break;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let all: Vec<ChangeSeq> = follower
        .changes_since(start)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(all.len(), 40);
    assert_eq!(seen, all, "the follower skipped a change");
}

//------------ instantiation on both backends ---------------------------------------

mod backends {
    use super::*;

    /// `async fn name(db: TestDb)` running the battery function of the same name.
    macro_rules! on_a_store {
        ($($test:ident),* $(,)?) => {$(
            async fn $test(db: TestDb) {
                super::$test(&*db.open().await).await;
            }
        )*};
    }

    on_a_store!(
        zone_lifecycle,
        batches_are_all_or_nothing,
        change_log_is_ordered,
        get_change_follows_live_nodes,
        listing_follows_route53_order,
        pages_chain_through_many_sets,
        tags_and_delegation_sets,
        aliases_may_target_other_zones_cairn_serves,
    );

    async fn followers_never_skip_a_change(db: TestDb) {
        super::followers_never_skip_a_change(db).await;
    }

    async fn concurrent_writers(db: TestDb) {
        super::concurrent_writers_lose_nothing(db.open().await).await;
    }

    async fn a_second_process_sees_the_first_ones_writes(db: TestDb) {
        let server = db.open().await;
        let cli = db.open().await;
        let start = server.latest_seq().await.unwrap();
        let (zone, _) = cli
            .create_hosted_zone(new_zone("shared.test", "x"))
            .await
            .unwrap();
        let events = server.changes_since(start).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].subject, ChangeSubject::HostedZone(zone.id));
    }

    async fn data_survives_reopening(db: TestDb) {
        let zone = {
            let store = db.open().await;
            let (zone, _) = store
                .create_hosted_zone(new_zone("keep.test", "k"))
                .await
                .unwrap();
            store
                .change_record_sets(
                    &zone.id,
                    &batch(vec![(
                        ChangeAction::Create,
                        a("www.keep.test", "192.0.2.7"),
                    )]),
                    &Limits::default(),
                )
                .await
                .unwrap();
            zone
        };
        let store = db.open().await;
        let contents = store.load_zone(&zone.id).await.unwrap().unwrap();
        assert!(contents
            .record_sets
            .iter()
            .any(|s| s.records == ["192.0.2.7"]));
    }

    on_both_backends!(
        zone_lifecycle,
        batches_are_all_or_nothing,
        change_log_is_ordered,
        get_change_follows_live_nodes,
        listing_follows_route53_order,
        pages_chain_through_many_sets,
        tags_and_delegation_sets,
        aliases_may_target_other_zones_cairn_serves,
        concurrent_writers,
        followers_never_skip_a_change,
        a_second_process_sees_the_first_ones_writes,
        data_survives_reopening,
    );
}

//------------ PostgreSQL only --------------------------------------------------------

/// A stopped PostgreSQL is [`StoreError::Unavailable`] (worth retrying), not a failure.
#[tokio::test]
async fn a_stopped_postgres_is_unavailable() {
    if !cairn_testkit::postgres::available() {
        return;
    }
    let mut server = cairn_testkit::postgres::PostgresServer::start().unwrap();
    let url = server.create_database();
    let store = cairn_store::open(&url).await.unwrap();
    store.list_hosted_zones().await.unwrap();
    server.stop();
    let err = store.list_hosted_zones().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
    let err = cairn_store::open(&url).await.err().unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
}

//! The change feed's loads and the whole-zone writes on both backends (SQLite, PostgreSQL):
//! what the data plane reads after a zone import, a change batch or a restart.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::{
    Change, ChangeAction, ChangeBatch, DomainName, Limits, ResourceRecordSet, RrType,
};
use cairn_store::ChangeSubject;
use common::{a, name, new_zone, TestDb};

fn owners(sets: &[ResourceRecordSet]) -> Vec<String> {
    let mut names: Vec<String> = sets
        .iter()
        .map(|s| format!("{} {}", s.name.to_route53(), s.rtype))
        .collect();
    names.sort();
    names
}

/// `replace_record_sets` (zone-file import) swaps every set as one logged change, and
/// `load_zone`/`load_all_zones` read back exactly what was stored.
async fn replacing_a_zone_is_one_change(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("import.test", "i"))
        .await
        .unwrap();
    let (other, _) = store
        .create_hosted_zone(new_zone("other.test", "o"))
        .await
        .unwrap();
    let apex = store
        .load_zone(&zone.id)
        .await
        .unwrap()
        .unwrap()
        .record_sets;
    let mut imported: Vec<ResourceRecordSet> = apex
        .iter()
        .filter(|s| s.rtype == RrType::Soa || s.rtype == RrType::Ns)
        .cloned()
        .collect();
    imported.push(a("www.import.test", "192.0.2.1"));
    imported.push(a("mail.import.test", "192.0.2.2"));

    let seq = store.latest_seq().await.unwrap();
    let change = store
        .replace_record_sets(&zone.id, imported.clone(), Some("import".into()))
        .await
        .unwrap();
    assert_eq!(change.comment.as_deref(), Some("import"));
    let events = store.changes_since(seq).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].change_id, change.id);
    assert_eq!(
        events[0].subject,
        ChangeSubject::HostedZone(zone.id.clone())
    );
    assert_eq!(events[0].names, None, "the whole zone may have changed");

    let loaded = store.load_zone(&zone.id).await.unwrap().unwrap();
    assert_eq!(owners(&loaded.record_sets), owners(&imported));
    assert_eq!(loaded.zone.record_set_count, 4);

    // Replacing again drops what the new contents lack.
    imported.retain(|s| s.name != name("mail.import.test"));
    store
        .replace_record_sets(&zone.id, imported.clone(), None)
        .await
        .unwrap();
    let all = store.load_all_zones().await.unwrap();
    let ids: Vec<_> = all.iter().map(|z| z.zone.id.clone()).collect();
    let mut expected = vec![zone.id.clone(), other.id.clone()];
    expected.sort();
    assert_eq!(ids, expected, "every zone, ordered by id");
    let replaced = all.iter().find(|z| z.zone.id == zone.id).unwrap();
    assert_eq!(owners(&replaced.record_sets), owners(&imported));

    store.delete_hosted_zone(&other.id).await.unwrap();
    assert!(store.load_zone(&other.id).await.unwrap().is_none());
    assert_eq!(store.load_all_zones().await.unwrap().len(), 1);
}

/// A change batch logs the names it touched, and `load_record_sets_at` reads only those.
async fn batches_name_what_the_follower_reloads(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("names.test", "n"))
        .await
        .unwrap();
    let batch = |changes: Vec<ResourceRecordSet>| ChangeBatch {
        comment: Some("c".into()),
        changes: changes
            .into_iter()
            .map(|record_set| Change {
                action: ChangeAction::Create,
                record_set,
            })
            .collect(),
    };
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![a("a.names.test", "192.0.2.1")]),
            &Limits::default(),
        )
        .await
        .unwrap();
    let seq = store.latest_seq().await.unwrap();
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![
                a("b.names.test", "192.0.2.2"),
                a("c.names.test", "192.0.2.3"),
            ]),
            &Limits::default(),
        )
        .await
        .unwrap();
    let events = store.changes_since(seq).await.unwrap();
    assert_eq!(events.len(), 1);
    let mut touched = events[0].names.clone().unwrap();
    touched.sort_by_key(DomainName::to_route53);
    assert_eq!(touched, [name("b.names.test"), name("c.names.test")]);

    let (loaded_zone, sets) = store
        .load_record_sets_at(&zone.id, &touched)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(loaded_zone.id, zone.id);
    assert_eq!(loaded_zone.record_set_count, 5);
    assert_eq!(owners(&sets), ["b.names.test. A", "c.names.test. A"]);
    assert!(store
        .load_record_sets_at(&zone.id, &[name("nothing.names.test")])
        .await
        .unwrap()
        .unwrap()
        .1
        .is_empty());

    // Delete everything but the apex, then the zone: the loads say it is gone.
    let mut cleanup = batch(vec![
        a("a.names.test", "192.0.2.1"),
        a("b.names.test", "192.0.2.2"),
        a("c.names.test", "192.0.2.3"),
    ]);
    for change in &mut cleanup.changes {
        change.action = ChangeAction::Delete;
    }
    store
        .change_record_sets(&zone.id, &cleanup, &Limits::default())
        .await
        .unwrap();
    store.delete_hosted_zone(&zone.id).await.unwrap();
    assert!(store
        .load_record_sets_at(&zone.id, &touched)
        .await
        .unwrap()
        .is_none());
}

/// Delegation sets are listed by id; a hosted zone's comment is stored without a change.
async fn delegation_sets_are_listed_and_comments_log_nothing(db: TestDb) {
    let store = db.open().await;
    let servers = cairn_model::defaults::default_name_servers();
    let one = store
        .create_delegation_set("d1", servers.clone())
        .await
        .unwrap();
    let two = store
        .create_delegation_set("d2", servers.clone())
        .await
        .unwrap();
    let mut expected = vec![one.clone(), two.clone()];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(store.list_delegation_sets().await.unwrap(), expected);
    assert_eq!(store.get_delegation_set(&one.id).await.unwrap(), one);
    assert_eq!(one.name_servers, servers);
    store.delete_delegation_set(&two.id).await.unwrap();
    assert_eq!(store.list_delegation_sets().await.unwrap(), [one]);

    let (zone, _) = store
        .create_hosted_zone(new_zone("comment.test", "c"))
        .await
        .unwrap();
    let seq = store.latest_seq().await.unwrap();
    let updated = store
        .update_hosted_zone_comment(&zone.id, Some("hello".into()))
        .await
        .unwrap();
    assert_eq!(updated.comment.as_deref(), Some("hello"));
    assert!(updated.has_config);
    assert!(store.changes_since(seq).await.unwrap().is_empty());
    assert_eq!(
        store.get_hosted_zone(&zone.id).await.unwrap().comment,
        Some("hello".into())
    );
}

on_both_backends!(
    replacing_a_zone_is_one_change,
    batches_name_what_the_follower_reloads,
    delegation_sets_are_listed_and_comments_log_nothing,
);

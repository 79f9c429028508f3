//! CloudWatch Logs log groups (issue 13) on both backends (SQLite, PostgreSQL): a name is
//! created once per account and region, retention and tags are replaced whole, groups with a
//! retention are listed for pruning, deletions of a missing group write nothing, everything
//! survives a reopen and nothing is written to the change log.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::log_group::LogGroup;
use common::TestDb;

const ACCOUNT: &str = "111111111111";

fn group(name: &str, region: &str) -> LogGroup {
    LogGroup {
        account: ACCOUNT.into(),
        region: region.into(),
        name: name.into(),
        created_ms: 5,
        retention_days: None,
        tags: vec![("team".into(), "dns".into())],
    }
}

async fn groups_are_kept_per_account_and_region(db: TestDb) {
    let store = db.open().await;
    let seq = store.latest_seq().await.unwrap();
    assert!(store
        .create_log_group(group("/b", "us-east-1"))
        .await
        .unwrap());
    assert!(store
        .create_log_group(group("/a", "us-east-1"))
        .await
        .unwrap());
    assert!(store
        .create_log_group(group("/a", "eu-west-1"))
        .await
        .unwrap());
    let mut clash = group("/a", "us-east-1");
    clash.created_ms = 9;
    assert!(
        !store.create_log_group(clash).await.unwrap(),
        "one /a per region"
    );
    let names: Vec<String> = store
        .list_log_groups(ACCOUNT, "us-east-1")
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(names, ["/a", "/b"]);
    assert_eq!(
        store
            .log_group(ACCOUNT, "us-east-1", "/a")
            .await
            .unwrap()
            .map(|g| g.created_ms),
        Some(5),
        "the refused create changed nothing"
    );
    assert!(store
        .list_log_groups("222222222222", "us-east-1")
        .await
        .unwrap()
        .is_empty());

    let mut kept = group("/a", "us-east-1");
    kept.retention_days = Some(7);
    kept.tags = vec![];
    assert!(store.update_log_group(kept.clone()).await.unwrap());
    assert!(!store
        .update_log_group(group("/none", "us-east-1"))
        .await
        .unwrap());
    assert_eq!(
        store.log_groups_with_retention().await.unwrap(),
        vec![kept.clone()]
    );

    assert!(store
        .delete_log_group(ACCOUNT, "us-east-1", "/b")
        .await
        .unwrap());
    assert!(!store
        .delete_log_group(ACCOUNT, "us-east-1", "/b")
        .await
        .unwrap());
    assert_eq!(store.latest_seq().await.unwrap(), seq, "no change logged");

    drop(store);
    let store = db.open().await;
    assert_eq!(
        store.log_group(ACCOUNT, "us-east-1", "/a").await.unwrap(),
        Some(kept)
    );
    assert_eq!(
        store
            .list_log_groups(ACCOUNT, "eu-west-1")
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.log_group(ACCOUNT, "us-east-1", "/b").await.unwrap(),
        None
    );
}

on_both_backends!(groups_are_kept_per_account_and_region,);

//! PostgreSQL connection loss (issue 15): pooled connections that died while idle are
//! replaced when a call begins, so the call succeeds instead of failing once per dead
//! connection. (TLS and failover to a promoted standby: tests/e2e/test_postgres_tls_failover.py.)
#![allow(clippy::unwrap_used)]

#[allow(unused_macros)]
mod common;

use cairn_model::{ChangeAction, Limits};
use common::{a, batch, new_zone, TestDb};

/// Ends every other session on the test's database, as a server restart or a failover would
/// (on a thread of its own: the synchronous client must not run on the async runtime).
async fn terminate_other_sessions(url: &str) -> i64 {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let row = client
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap();
        row.get(0)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn idle_connections_the_server_ended_are_replaced_without_an_error() {
    let Some(db) = TestDb::postgres() else { return };
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("lost.example", "r1"))
        .await
        .unwrap();
    // Several calls at once, so that the pool keeps more than one idle connection.
    let reads: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.list_hosted_zones().await })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().unwrap().len(), 1);
    }

    assert!(terminate_other_sessions(&db.url).await >= 1);

    // Reads and a write go through at once, each on a new connection.
    assert_eq!(store.list_hosted_zones().await.unwrap().len(), 1);
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![(
                ChangeAction::Create,
                a("www.lost.example", "192.0.2.1"),
            )]),
            &Limits::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .get_hosted_zone(&zone.id)
            .await
            .unwrap()
            .record_set_count,
        3
    );
}

//! The store batteries run on both backends: SQLite in a temporary directory, and a real
//! PostgreSQL server (one per test binary, `cairn_testkit::postgres`) with a fresh database
//! per test. `on_both_backends!(test, …)` turns each `async fn test(db: TestDb)` into a
//! `sqlite::test` and a `postgres::test`.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use cairn_store::Store;

/// A database a test owns: its URL, and what keeps it alive.
pub(crate) struct TestDb {
    /// What `cairn_store::open` takes.
    pub(crate) url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A SQLite file in a new temporary directory.
    pub(crate) fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            url: format!("sqlite://{}/cairn.db", dir.path().display()),
            _dir: Some(dir),
        }
    }

    /// A new database on this binary's PostgreSQL server; `None` (with the reason printed)
    /// when PostgreSQL is not installed and this is not CI.
    pub(crate) fn postgres() -> Option<Self> {
        if !cairn_testkit::postgres::available() {
            return None;
        }
        Some(Self {
            url: cairn_testkit::postgres::shared().create_database(),
            _dir: None,
        })
    }

    /// Opens (another handle on) the store.
    pub(crate) async fn open(&self) -> Arc<dyn Store> {
        cairn_store::open(&self.url).await.unwrap()
    }
}

/// A name from Route 53's text form.
pub(crate) fn name(text: &str) -> cairn_model::DomainName {
    cairn_model::DomainName::from_route53(text).unwrap()
}

/// A simple A record set with a TTL of 300.
pub(crate) fn a(owner: &str, ip: &str) -> cairn_model::ResourceRecordSet {
    cairn_model::ResourceRecordSet::simple(
        name(owner),
        cairn_model::RrType::A,
        300,
        vec![ip.to_string()],
    )
}

/// A public zone request with the default apex SOA and NS.
pub(crate) fn new_zone(apex: &str, reference: &str) -> cairn_store::NewHostedZone {
    let servers = cairn_model::defaults::default_name_servers();
    cairn_store::NewHostedZone {
        name: name(apex),
        caller_reference: reference.into(),
        comment: None,
        has_config: false,
        private_zone: false,
        delegation_set_id: None,
        initial_record_sets: cairn_model::defaults::apex_records(&name(apex), &servers),
        name_servers: servers,
    }
}

/// Instantiates (`#[macro_use] mod common;`) `async fn name(db: TestDb)` tests once per backend.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::common::TestDb::sqlite()).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(db) = $crate::common::TestDb::postgres() else { return };
                    super::$test(db).await;
                }
            )*
        }
    };
}

/// A change batch of `(action, record set)` pairs, without a comment.
pub(crate) fn batch(
    changes: Vec<(cairn_model::ChangeAction, cairn_model::ResourceRecordSet)>,
) -> cairn_model::ChangeBatch {
    cairn_model::ChangeBatch {
        comment: None,
        changes: changes
            .into_iter()
            .map(|(action, record_set)| cairn_model::Change { action, record_set })
            .collect(),
    }
}

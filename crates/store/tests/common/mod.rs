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

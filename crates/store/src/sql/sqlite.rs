//! The embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous=FULL`, so a call that returned has reached the disk and survives
//! kill -9 and power loss. Every write is one `BEGIN IMMEDIATE` transaction, which also
//! serialises writers across processes (`cairn zone import` beside `cairn serve`); readers
//! never block on it (WAL). SQLite calls block, so they run on tokio's blocking pool behind one
//! connection per store handle. The store logic itself is written once over both backends, in the rest of `sql/`.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::conn::{Conn, Mode};
use super::error::map_sqlite_err as map_err;
use super::ids::now_ms;
use crate::error::{StoreError, StoreResult};

/// Migrations in order; `schema_migrations` records which ran.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_initial.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_health_checks.sql"),
    ),
    (
        3,
        include_str!("../../migrations/sqlite/0003_change_names.sql"),
    ),
    (4, include_str!("../../migrations/sqlite/0004_networks.sql")),
    (5, include_str!("../../migrations/sqlite/0005_resolver.sql")),
    (
        6,
        include_str!("../../migrations/sqlite/0006_cidr_collections.sql"),
    ),
    (
        7,
        include_str!("../../migrations/sqlite/0007_default_vpcs.sql"),
    ),
    (8, include_str!("../../migrations/sqlite/0008_firewall.sql")),
    (
        9,
        include_str!("../../migrations/sqlite/0009_query_logs.sql"),
    ),
    (10, include_str!("../../migrations/sqlite/0010_kms.sql")),
    (11, include_str!("../../migrations/sqlite/0011_dnssec.sql")),
    (
        12,
        include_str!("../../migrations/sqlite/0012_resolver_dnssec.sql"),
    ),
    (13, include_str!("../../migrations/sqlite/0013_iam.sql")),
    (14, include_str!("../../migrations/sqlite/0014_domains.sql")),
    (
        21,
        include_str!("../../migrations/sqlite/0021_log_groups.sql"),
    ),
];

/// How long a write waits for another process's transaction before giving up as
/// [`StoreError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
pub(crate) async fn open(path: &Path) -> StoreResult<SqliteBackend> {
    let path = path.to_path_buf();
    let conn = tokio::task::spawn_blocking(move || -> StoreResult<Connection> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let mut conn = Connection::open(&path).map_err(map_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(map_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(map_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(map_err)?;
        conn.set_prepared_statement_cache_capacity(128);
        migrate(&mut conn)?;
        Ok(conn)
    })
    .await
    .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))??;
    Ok(SqliteBackend {
        conn: Mutex::new(conn),
    })
}

/// One SQLite connection, used by one blocking task at a time.
pub(crate) struct SqliteBackend {
    conn: Mutex<Connection>,
}

impl SqliteBackend {
    /// Runs `f` on the connection (on a blocking thread): as it is, in a read transaction,
    /// or in an immediate (write) transaction that is committed when `f` succeeds.
    pub(crate) fn call<T>(
        &self,
        mode: Mode,
        f: impl FnOnce(&Conn<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match mode {
            Mode::Plain => f(&Conn::sqlite(&conn)),
            Mode::Snapshot => {
                let tx = conn.transaction().map_err(map_err)?;
                let conn = Conn::sqlite(&tx);
                f(&conn)
            }
            Mode::Write => {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(map_err)?;
                let value = f(&Conn::sqlite(&tx))?;
                tx.commit().map_err(map_err)?;
                Ok(value)
            }
        }
    }
}

//------------ migrations -------------------------------------------------------

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)",
    )
    .map_err(map_err)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(map_err)?;
    for (version, sql) in MIGRATIONS {
        let done: bool = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE version = ?1",
                [version],
                |_| Ok(()),
            )
            .optional()
            .map_err(map_err)?
            .is_some();
        if !done {
            tx.execute_batch(sql).map_err(map_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)",
                params![version, now_ms()],
            )
            .map_err(map_err)?;
            tracing::info!(version, "store migration applied");
        }
    }
    tx.commit().map_err(map_err)
}

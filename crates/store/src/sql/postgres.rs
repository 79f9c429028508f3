//! The shared backend: one PostgreSQL database that several `cairn serve` nodes use.
//!
//! The store logic is the same as SQLite's (the rest of `sql/`); this module supplies
//! connections and transactions. It uses the synchronous `postgres` client on tokio's
//! blocking pool, exactly as the SQLite backend runs rusqlite, so one synchronous code path
//! serves both (docs/architecture.md says why).
//!
//! - **Writers take turns.** Every write transaction starts with
//!   `pg_advisory_xact_lock(CHANGE_LOG_LOCK)`, held until it commits or rolls back. So
//!   change-log sequence numbers (a `BIGSERIAL`) are handed out in commit order: a follower
//!   on any node reading `seq > last applied` never skips a change that commits late with a
//!   lower number, and every write validates against the state the previous one committed.
//! - **Durability** is PostgreSQL's: a call returns after `COMMIT` did, which (with the
//!   default `synchronous_commit = on`) has reached the server's WAL on disk.
//! - **Reads** run in `READ COMMITTED` transactions; those that must see one commit
//!   (a zone and its record sets, the network) in `REPEATABLE READ READ ONLY` ones.
//! - **Other nodes** notice changes at once: every write transaction sends
//!   `NOTIFY cairn_changes`, which PostgreSQL delivers when it commits, and each node keeps one
//!   connection `LISTEN`ing on that channel ([`spawn_listener`]) that wakes its follower. The
//!   follower's poll of the change log (200 ms) stays as the fallback while that connection is
//!   down. Each node reports its applied sequence and heartbeat in `nodes`, which `GetChange`
//!   reads to decide `INSYNC`.
//! - **TLS and several hosts** come from the URL as libpq reads it ([`super::pg_connect`]).
//!   With `postgres://h1,h2/db?target_session_attrs=read-write` every new connection goes to
//!   whichever host takes writes, so after a standby is promoted the next connection finds it.
//! - **Connection loss.** Idle connections may have died (the server stopped, or failed over).
//!   That shows when a transaction begins, before anything of the caller's ran: the backend
//!   then closes every idle connection and begins once more on a new one. A connection lost
//!   later fails the call (`ServiceUnavailable`): a write is acknowledged only after its
//!   `COMMIT` returned, and one in flight is answered with an error, never retried blindly.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, Weak};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel};
use tokio::sync::Notify;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conn::{Conn, Mode, PgTx};
use super::error::map_pg_err as map_err;
use super::ids::now_ms;
use super::pg_connect::parse_url;
use crate::error::{StoreError, StoreResult};

/// Migrations in order (the same numbering as SQLite's); `schema_migrations` records which ran.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        include_str!("../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        include_str!("../../migrations/postgres/0002_health_checks.sql"),
    ),
    (
        3,
        include_str!("../../migrations/postgres/0003_change_names.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_networks.sql"),
    ),
    (
        5,
        include_str!("../../migrations/postgres/0005_resolver.sql"),
    ),
    (
        6,
        include_str!("../../migrations/postgres/0006_cidr_collections.sql"),
    ),
    (
        7,
        include_str!("../../migrations/postgres/0007_default_vpcs.sql"),
    ),
    (
        8,
        include_str!("../../migrations/postgres/0008_firewall.sql"),
    ),
    (
        9,
        include_str!("../../migrations/postgres/0009_query_logs.sql"),
    ),
    (10, include_str!("../../migrations/postgres/0010_kms.sql")),
    (
        11,
        include_str!("../../migrations/postgres/0011_dnssec.sql"),
    ),
    (
        12,
        include_str!("../../migrations/postgres/0012_resolver_dnssec.sql"),
    ),
    (13, include_str!("../../migrations/postgres/0013_iam.sql")),
    (
        14,
        include_str!("../../migrations/postgres/0014_domains.sql"),
    ),
    (
        21,
        include_str!("../../migrations/postgres/0021_log_groups.sql"),
    ),
];

/// The advisory lock every write transaction holds: writers take turns, so the change log's
/// sequence numbers are in commit order. (`cairn` in ASCII, then 1.)
const CHANGE_LOG_LOCK: i64 = 0x6361_6972_6e00_0001;

/// The channel every write transaction notifies when it commits.
const CHANGES_CHANNEL: &str = "cairn_changes";

/// How long the listener waits before connecting again after its connection failed, and
/// how often it checks that its store still exists.
const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// The advisory lock migrations hold, so nodes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x6361_6972_6e00_0002;

/// How long connecting may take before the store counts as unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many connections per store handle (a call beyond waits for one); at most
/// [`MAX_IDLE`] of them are kept open while idle.
const MAX_CONNECTIONS: usize = 16;

/// See [`MAX_CONNECTIONS`].
const MAX_IDLE: usize = 8;

/// Opens the database a `postgres://` URL names and brings its schema up to date.
pub(crate) async fn open(url: &str) -> StoreResult<PostgresBackend> {
    let target = parse_url(url)?;
    let mut config = target.config;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("cairn");
    }
    let backend = PostgresBackend {
        config,
        tls: target.tls,
        pool: Mutex::new(Pool::default()),
        returned: Condvar::new(),
    };
    let backend = tokio::task::spawn_blocking(move || -> StoreResult<PostgresBackend> {
        let mut client = backend.acquire()?;
        migrate(&mut client.client)?;
        backend.release(client);
        Ok(backend)
    })
    .await
    .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))??;
    Ok(backend)
}

/// Connections to one database, opened as needed and kept while idle.
pub(crate) struct PostgresBackend {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    pool: Mutex<Pool>,
    returned: Condvar,
}

/// The idle connections, and how many are open in all.
#[derive(Default)]
struct Pool {
    idle: Vec<PooledClient>,
    open: usize,
}

/// What [`PostgresBackend::transact`] did.
enum Outcome<T, F> {
    /// `f` ran; its result, committed when it is `Ok`.
    Done(StoreResult<T>),
    /// The transaction did not begin, so `f` did not run.
    NotBegun(postgres::Error, F),
}

/// A connection and the statements prepared on it.
struct PooledClient {
    client: Client,
    statements: HashMap<String, postgres::Statement>,
    /// It waited in the pool, so it may have died meanwhile.
    was_idle: bool,
}

impl PostgresBackend {
    /// Runs `f` in one transaction (on a blocking thread) and commits it when `f` succeeds.
    pub(crate) fn call<T>(
        &self,
        mode: Mode,
        f: impl FnOnce(&Conn<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut pooled = self.acquire()?;
        let result = match Self::transact(&mut pooled, mode, f) {
            Outcome::Done(result) => result,
            Outcome::NotBegun(e, f) if pooled.was_idle => {
                // Nothing of `f` ran: begin anew on a new connection. Its idle siblings most
                // likely went the same way (a server restart, a failover), so close them too.
                tracing::info!(error = %e, "a pooled PostgreSQL connection was lost; connecting again");
                self.discard(pooled);
                self.discard_idle();
                pooled = self.acquire()?;
                match Self::transact(&mut pooled, mode, f) {
                    Outcome::Done(result) => result,
                    Outcome::NotBegun(e, _) => Err(map_err(e)),
                }
            }
            Outcome::NotBegun(e, _) => Err(map_err(e)),
        };
        self.release(pooled);
        result
    }

    /// Starts the transaction `mode` asks for.
    fn begin(
        client: &mut Client,
        mode: Mode,
    ) -> Result<postgres::Transaction<'_>, postgres::Error> {
        let mut tx = match mode {
            Mode::Plain | Mode::Write => client.transaction()?,
            Mode::Snapshot => client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?,
        };
        if mode == Mode::Write {
            // The NOTIFY is delivered to every listening node only if this commits.
            tx.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK}); NOTIFY {CHANGES_CHANNEL}"
            ))?;
        }
        Ok(tx)
    }

    /// Runs `f` in a transaction and commits; or gives `f` back, unrun, when the
    /// transaction could not begin.
    fn transact<T, F>(pooled: &mut PooledClient, mode: Mode, f: F) -> Outcome<T, F>
    where
        F: FnOnce(&Conn<'_>) -> StoreResult<T>,
    {
        let tx = match Self::begin(&mut pooled.client, mode) {
            Ok(tx) => tx,
            Err(e) => return Outcome::NotBegun(e, f),
        };
        let conn = Conn::postgres(PgTx {
            tx,
            statements: &mut pooled.statements,
        });
        let committed = f(&conn).and_then(|value| {
            let tx = conn
                .into_postgres()
                .expect("a PostgreSQL Conn gives back its transaction")
                .tx;
            tx.commit().map_err(map_err)?;
            Ok(value)
        });
        Outcome::Done(committed)
    }

    fn acquire(&self) -> StoreResult<PooledClient> {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            match pool.idle.pop() {
                Some(mut pooled) if !pooled.client.is_closed() => {
                    pooled.was_idle = true;
                    return Ok(pooled);
                }
                Some(closed) => {
                    pool.open -= 1;
                    drop(closed);
                }
                None if pool.open < MAX_CONNECTIONS => {
                    pool.open += 1;
                    drop(pool);
                    let connected = self.connect();
                    if connected.is_err() {
                        self.lock_pool().open -= 1;
                        self.returned.notify_one();
                    }
                    return connected;
                }
                None => {
                    pool = self
                        .returned
                        .wait(pool)
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                }
            }
        }
    }

    fn release(&self, pooled: PooledClient) {
        let mut pool = self.lock_pool();
        if !pooled.client.is_closed() && pool.idle.len() < MAX_IDLE {
            pool.idle.push(pooled);
        } else {
            pool.open -= 1;
            drop(pool);
            drop(pooled);
        }
        self.returned.notify_one();
    }

    /// Closes a connection that is not to be used again.
    fn discard(&self, pooled: PooledClient) {
        self.lock_pool().open -= 1;
        drop(pooled);
        self.returned.notify_one();
    }

    /// Closes every idle connection.
    fn discard_idle(&self) {
        let idle = std::mem::take(&mut self.lock_pool().idle);
        for pooled in idle {
            self.discard(pooled);
        }
    }

    fn lock_pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts this node's listener on [`CHANGES_CHANNEL`]: each notification wakes `wake`
    /// (the follower's poke). It runs on a thread of its own until the store that owns `wake`
    /// is dropped.
    pub(crate) fn spawn_listener(&self, wake: Weak<Notify>) {
        let config = self.config.clone();
        let tls = self.tls.clone();
        let spawned = std::thread::Builder::new()
            .name("cairn-pg-listen".into())
            .spawn(move || listen(&config, tls, &wake));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the change listener; changes from other nodes arrive by polling");
        }
    }

    fn connect(&self) -> StoreResult<PooledClient> {
        let client = self.config.connect(self.tls.clone()).map_err(map_err)?;
        Ok(PooledClient {
            client,
            statements: HashMap::new(),
            was_idle: false,
        })
    }
}

impl Drop for PostgresBackend {
    /// Closes idle connections on a plain thread: a `postgres::Client` blocks on its own
    /// runtime when dropped, which panics on a thread that drives async tasks.
    fn drop(&mut self) {
        let idle = std::mem::take(
            &mut self
                .pool
                .get_mut()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .idle,
        );
        if !idle.is_empty() {
            let _ = std::thread::Builder::new()
                .name("cairn-pg-close".into())
                .spawn(move || drop(idle));
        }
    }
}

/// The listener's loop: connect, `LISTEN`, wake the follower on each notification; after a
/// lost connection, connect again (the follower polls meanwhile).
fn listen(config: &postgres::Config, tls: MakeRustlsConnect, wake: &Weak<Notify>) {
    let mut reported = false;
    while wake.strong_count() > 0 {
        match config.connect(tls.clone()) {
            Ok(mut client) => match client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}")) {
                Ok(()) => {
                    tracing::debug!("listening for changes from other nodes");
                    reported = false;
                    // Wake once: anything committed while the listener was down is applied now.
                    if let Some(wake) = wake.upgrade() {
                        wake.notify_one();
                    }
                    loop {
                        let next = client.notifications().timeout_iter(LISTEN_RETRY).next();
                        match next {
                            Ok(Some(_)) => match wake.upgrade() {
                                Some(wake) => wake.notify_one(),
                                None => return,
                            },
                            Ok(None) if wake.strong_count() == 0 => return,
                            Ok(None) if client.is_closed() => break,
                            Ok(None) => {}
                            Err(e) => {
                                tracing::debug!(error = %e, "change listener lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::debug!(error = %e, "LISTEN failed"),
            },
            Err(e) if !reported => {
                tracing::debug!(error = %e, "change listener cannot connect; polling meanwhile");
                reported = true;
            }
            Err(_) => {}
        }
        std::thread::sleep(LISTEN_RETRY);
    }
}

//------------ migrations -------------------------------------------------------

fn migrate(client: &mut Client) -> StoreResult<()> {
    let mut tx = client.transaction().map_err(map_err)?;
    // No NOTICE for the `IF NOT EXISTS` below on every start (the client logs notices).
    tx.batch_execute(&format!(
        "SET LOCAL client_min_messages = warning; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"
    ))
    .map_err(map_err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)",
    )
    .map_err(map_err)?;
    for (version, sql) in MIGRATIONS {
        let done = tx
            .query_opt(
                "SELECT 1 FROM schema_migrations WHERE version = $1",
                &[version],
            )
            .map_err(map_err)?
            .is_some();
        if !done {
            tx.batch_execute(sql).map_err(map_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)",
                &[version, &now_ms()],
            )
            .map_err(map_err)?;
            tracing::info!(version, "store migration applied");
        }
    }
    tx.commit().map_err(map_err)
}

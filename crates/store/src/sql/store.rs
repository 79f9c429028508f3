//! [`SqlStore`]: the store on either backend, and the shapes its calls run in.

use std::path::Path;
use std::sync::Arc;

use cairn_model::ChangeInfo;
use tokio::sync::Notify;

use super::change_log::{self, Entry};
use super::conn::{Conn, Mode};
use super::postgres::{self, PostgresBackend};
use super::sqlite::{self, SqliteBackend};
use crate::error::{StoreError, StoreResult};

/// Where a [`SqlStore`] keeps its data.
enum Backend {
    /// One SQLite file.
    Sqlite(SqliteBackend),
    /// A PostgreSQL database (boxed: its pool is much larger than SQLite's handle).
    Postgres(Box<PostgresBackend>),
}

/// The store on SQLite or PostgreSQL.
pub struct SqlStore {
    backend: Arc<Backend>,
    pub(super) committed: Arc<Notify>,
}

impl SqlStore {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to
    /// date.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Self> {
        Ok(Self::new(Backend::Sqlite(sqlite::open(path).await?)))
    }

    /// Opens the PostgreSQL database a `postgres://` URL names and brings its schema up to
    /// date.
    pub async fn open_postgres(url: &str) -> StoreResult<Self> {
        Ok(Self::new(Backend::Postgres(Box::new(
            postgres::open(url).await?,
        ))))
    }

    fn new(backend: Backend) -> Self {
        let committed = Arc::new(Notify::new());
        // Other nodes' commits wake this node's follower too (LISTEN/NOTIFY).
        if let Backend::Postgres(postgres) = &backend {
            postgres.spawn_listener(Arc::downgrade(&committed));
        }
        Self {
            backend: Arc::new(backend),
            committed,
        }
    }

    async fn on_backend<T, F>(&self, mode: Mode, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        let backend = self.backend.clone();
        tokio::task::spawn_blocking(move || match &*backend {
            Backend::Sqlite(b) => b.call(mode, f),
            Backend::Postgres(b) => b.call(mode, f),
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Runs `f` with a connection on the blocking pool.
    pub(super) async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_backend(Mode::Plain, f).await
    }

    /// Runs `f` in one read transaction, so everything it reads is from one commit.
    pub(super) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_backend(Mode::Snapshot, f).await
    }

    /// Runs `f` in one write transaction, commits it, and wakes the follower. For writes
    /// that log no change, or not exactly one; the others use [`SqlStore::logged`].
    pub(super) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        let result = self.on_backend(Mode::Write, f).await?;
        self.committed.notify_one();
        Ok(result)
    }

    /// The shape of most writes, as one transaction that takes its turn with every other
    /// writer: `load` reads what the write depends on (failing when it does not exist),
    /// `apply` checks the request against it and writes, and the change-log entry that
    /// `entry` describes is appended last. When any step fails nothing is written.
    pub(super) async fn logged<S, T, L, A, E>(
        &self,
        load: L,
        apply: A,
        entry: E,
    ) -> StoreResult<(T, ChangeInfo)>
    where
        T: Send + 'static,
        L: FnOnce(&Conn<'_>) -> StoreResult<S> + Send + 'static,
        A: FnOnce(&Conn<'_>, S) -> StoreResult<T> + Send + 'static,
        E: FnOnce(&T) -> Entry + Send + 'static,
    {
        self.write(move |tx| {
            let state = load(tx)?;
            let value = apply(tx, state)?;
            let change = change_log::append(tx, &entry(&value))?;
            Ok((value, change))
        })
        .await
    }
}

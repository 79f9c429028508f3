//! Driver errors, and the [`StoreError`] each becomes.
//!
//! Both drivers' errors are mapped here, in one place, so the backends and the connection
//! glue depend on this module and never on each other.

use crate::error::StoreError;

//------------ DbError ---------------------------------------------------------------

/// A driver error, before it becomes a [`StoreError`] (in [`map_err`]).
#[derive(Debug)]
pub(crate) enum DbError {
    /// `query_row` found no row (`.optional()` turns it into `None`).
    NoRows,
    /// A column did not hold the type asked for.
    Type(String),
    /// SQLite said no.
    Sqlite(rusqlite::Error),
    /// PostgreSQL said no.
    Postgres(postgres::Error),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Self::NoRows,
            e => Self::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> Self {
        Self::Postgres(e)
    }
}

/// The store error a driver error becomes: [`StoreError::Unavailable`] when retrying may
/// help (busy, locked, unreachable), [`StoreError::Backend`] otherwise.
pub(crate) fn map_err(e: DbError) -> StoreError {
    match e {
        DbError::NoRows => StoreError::Backend("query returned no rows".into()),
        DbError::Type(what) => StoreError::Corrupt(what),
        DbError::Sqlite(e) => map_sqlite_err(e),
        DbError::Postgres(e) => map_pg_err(e),
    }
}

/// rusqlite's `.optional()`: no row is `None`, not an error.
pub(crate) trait OptionalExtension<T> {
    /// `Ok(None)` instead of [`DbError::NoRows`].
    fn optional(self) -> Result<Option<T>, DbError>;
}

impl<T> OptionalExtension<T> for Result<T, DbError> {
    fn optional(self) -> Result<Option<T>, DbError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A rusqlite error as the store reports it.
pub(crate) fn map_sqlite_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::DiskFull
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

/// A `postgres` error as the store reports it: [`StoreError::Unavailable`] when the server
/// cannot be reached or asks to retry (connection lost, shutting down, too many
/// connections, serialization failure, deadlock), [`StoreError::Backend`] otherwise.
pub(crate) fn map_pg_err(e: postgres::Error) -> StoreError {
    let retryable = match e.code() {
        Some(code) => {
            let code = code.code();
            code.starts_with("08") // connection exception
                || code.starts_with("53") // insufficient resources
                || code.starts_with("57") // operator intervention (shutdown)
                || code == "40001" // serialization failure
                || code == "40P01" // deadlock detected
        }
        None => {
            e.is_closed()
                || std::error::Error::source(&e)
                    .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
        }
    };
    if retryable {
        StoreError::Unavailable(format!("PostgreSQL: {}", describe(&e)))
    } else {
        StoreError::Backend(format!("PostgreSQL: {}", describe(&e)))
    }
}

/// The error with the server's message and detail, when it sent them, or with its cause:
/// the driver's own words name only the kind ("error performing TLS handshake"), the cause
/// says what went wrong (which certificate check failed, why the connect was refused).
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {} ({detail})", db.code().code(), db.message()),
            None => format!("{}: {}", db.code().code(), db.message()),
        },
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}

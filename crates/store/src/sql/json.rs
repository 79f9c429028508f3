//! Stored documents: the JSON bodies most tables keep (record sets, VPCs, rules, …).

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::conn::{Conn, Params};
use super::error::{map_err, OptionalExtension};
use crate::error::{StoreError, StoreResult};

/// A value as the JSON a row stores.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

/// A stored JSON body read back; one that does not parse is [`StoreError::Corrupt`].
pub(crate) fn from_json<T: DeserializeOwned>(body: &str) -> StoreResult<T> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The first column of every row `sql` returns, as text.
pub(crate) fn texts(conn: &Conn<'_>, sql: &str, args: impl Params) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
    let rows = stmt
        .query_map(args, |row| row.get::<_, String>(0))
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

/// Every body `sql` returns (first column), parsed.
pub(crate) fn documents<T: DeserializeOwned>(
    conn: &Conn<'_>,
    sql: &str,
    args: impl Params,
) -> StoreResult<Vec<T>> {
    texts(conn, sql, args)?
        .iter()
        .map(|b| from_json(b))
        .collect()
}

/// The body `sql` returns (first column of its first row), parsed; `None` when no row.
pub(crate) fn document<T: DeserializeOwned>(
    conn: &Conn<'_>,
    sql: &str,
    args: impl Params,
) -> StoreResult<Option<T>> {
    let body: Option<String> = conn
        .query_row(sql, args, |r| r.get(0))
        .optional()
        .map_err(map_err)?;
    body.map(|b| from_json(&b)).transpose()
}

//! Tags of every resource type, in one table keyed by `(resource_type, resource_id, key)`.

use super::conn::{params, Conn};
use super::error::map_err;
use crate::error::StoreResult;

/// Adds `tags` to a resource, overwriting the values of keys it has.
pub(crate) fn put(
    tx: &Conn<'_>,
    resource_type: &str,
    id: &str,
    tags: &[(String, String)],
) -> StoreResult<()> {
    for (key, value) in tags {
        tx.execute(
            "INSERT INTO tags (resource_type, resource_id, key, value) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (resource_type, resource_id, key) DO UPDATE SET value = excluded.value",
            params![resource_type, id, key, value],
        )
        .map_err(map_err)?;
    }
    Ok(())
}

/// Removes the tags with `keys` from a resource (absent keys are fine).
pub(crate) fn remove(
    tx: &Conn<'_>,
    resource_type: &str,
    id: &str,
    keys: &[String],
) -> StoreResult<()> {
    for key in keys {
        tx.execute(
            "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2 AND key = ?3",
            params![resource_type, id, key],
        )
        .map_err(map_err)?;
    }
    Ok(())
}

/// Removes every tag of a resource (it is being deleted).
pub(crate) fn remove_all(tx: &Conn<'_>, resource_type: &str, id: &str) -> StoreResult<()> {
    tx.execute(
        "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2",
        params![resource_type, id],
    )
    .map_err(map_err)?;
    Ok(())
}

/// A resource's tags, ordered by key.
pub(crate) fn list(
    conn: &Conn<'_>,
    resource_type: &str,
    id: &str,
) -> StoreResult<Vec<(String, String)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT key, value FROM tags WHERE resource_type = ?1 AND resource_id = ?2 ORDER BY key",
        )
        .map_err(map_err)?;
    let tags = stmt
        .query_map(params![resource_type, id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(tags)
}

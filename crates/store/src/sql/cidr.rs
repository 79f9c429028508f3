//! [`CidrStore`] on SQL: CIDR collections, and the references record sets make to them.
//!
//! A collection is one row with its locations as JSON. Every write runs in one transaction
//! and logs one `ChangeSubject::CidrCollection` change, so the data plane reloads every
//! collection (they are small) and recompiles the IP-based sets that name them.

use async_trait::async_trait;
use cairn_model::cidr::{
    apply_cidr_changes, check_new_collection, CidrChange, CidrCollection, CidrError,
};
use cairn_model::ChangeInfo;

use super::change_log::{self, Entry};
use super::conn::{params, Conn, Dialect};
use super::error::map_err;
use super::ids::{new_uuid, now_ms};
use super::json::{document, documents, texts, to_json};
use super::store::SqlStore;
use crate::cidr::CidrStore;
use crate::error::StoreResult;

/// Route 53's default quota of collections per account.
const MAX_COLLECTIONS: i64 = 5;

#[async_trait]
impl CidrStore for SqlStore {
    async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
    ) -> StoreResult<(CidrCollection, bool)> {
        check_new_collection(name, caller_reference)?;
        let (name, caller_reference) = (name.to_string(), caller_reference.to_string());
        // Not `logged`: a repeated request returns the collection made then and logs nothing.
        self.write(move |tx| {
            let existing: Option<CidrCollection> = document(
                tx,
                "SELECT body FROM cidr_collections WHERE name = ?1",
                [&name],
            )?;
            if let Some(found) = existing {
                if found.caller_reference == caller_reference {
                    return Ok((found, false));
                }
                return Err(CidrError::AlreadyExists(name).into());
            }
            let count: i64 = tx
                .query_row("SELECT count(*) FROM cidr_collections", params![], |row| {
                    row.get(0)
                })
                .map_err(map_err)?;
            if count >= MAX_COLLECTIONS {
                return Err(CidrError::TooManyCollections(MAX_COLLECTIONS as usize).into());
            }
            let collection = CidrCollection {
                id: new_uuid(),
                name,
                caller_reference,
                version: 1,
                locations: Default::default(),
            };
            put(tx, &collection)?;
            change_log::append(tx, &Entry::cidr_collection(&collection.id))?;
            Ok((collection, true))
        })
        .await
    }

    async fn get_cidr_collection(&self, id: &str) -> StoreResult<CidrCollection> {
        let id = id.to_string();
        self.run(move |conn| require(conn, &id)).await
    }

    async fn list_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>> {
        self.run(all).await
    }

    async fn change_cidr_collection(
        &self,
        id: &str,
        version: Option<u64>,
        changes: Vec<CidrChange>,
    ) -> StoreResult<ChangeInfo> {
        let id = id.to_string();
        let (_, change) = self
            .logged(
                move |tx| {
                    let current = require(tx, &id)?;
                    let used = used_locations(tx, &id)?;
                    Ok((current, used))
                },
                move |tx, (current, used)| {
                    let next = apply_cidr_changes(&current, version, &changes, |l| {
                        used.iter().any(|u| u == l)
                    })?;
                    put(tx, &next)?;
                    Ok(next.id)
                },
                |id| Entry::cidr_collection(id),
            )
            .await?;
        Ok(change)
    }

    async fn delete_cidr_collection(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.logged(
            move |tx| {
                let current = require(tx, &id)?;
                let used = used_locations(tx, &id)?;
                Ok((current, used))
            },
            |tx, (current, used)| {
                if current.block_count() > 0 || !used.is_empty() {
                    let id = current.id;
                    return Err(CidrError::CollectionInUse(id).into());
                }
                tx.exec("DELETE FROM cidr_collections WHERE id = ?1", [&current.id])?;
                Ok(current.id)
            },
            |id| Entry::cidr_collection(id),
        )
        .await?;
        Ok(())
    }
}

/// Every collection, by name.
pub(crate) fn all(conn: &Conn<'_>) -> StoreResult<Vec<CidrCollection>> {
    documents(
        conn,
        "SELECT body FROM cidr_collections ORDER BY name",
        params![],
    )
}

/// The collection, or `NoSuchCidrCollectionException`.
fn require(conn: &Conn<'_>, id: &str) -> StoreResult<CidrCollection> {
    document(
        conn,
        "SELECT body FROM cidr_collections WHERE id = ?1",
        [id],
    )?
    .ok_or_else(|| CidrError::NoSuchCollection(id.to_string()).into())
}

fn put(tx: &Conn<'_>, c: &CidrCollection) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO cidr_collections (id, name, caller_reference, version, body, created_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body",
        params![
            c.id,
            c.name,
            c.caller_reference,
            c.version as i64,
            to_json(c)?,
            now_ms()
        ],
    )
}

/// The locations of collection `id` that record sets name (`*` included).
fn used_locations(conn: &Conn<'_>, id: &str) -> StoreResult<Vec<String>> {
    let sql = match conn.dialect() {
        Dialect::Sqlite => {
            "SELECT DISTINCT json_extract(body, '$.cidr_routing_config.location_name') FROM record_sets \
             WHERE json_extract(body, '$.cidr_routing_config.collection_id') = ?1"
        }
        Dialect::Postgres => {
            "SELECT DISTINCT body::jsonb #>> '{cidr_routing_config,location_name}' FROM record_sets \
             WHERE body::jsonb #>> '{cidr_routing_config,collection_id}' = ?1"
        }
    };
    texts(conn, sql, [id])
}

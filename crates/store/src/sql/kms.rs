//! [`KmsStore`] on SQL: one row per key and per alias, each a JSON body beside the columns
//! lookups need. A key's body holds its private key only sealed (by the API).

use async_trait::async_trait;
use cairn_model::kms::{KmsAlias, KmsError, KmsKey, KmsKeyChange};

use super::conn::{params, Conn};
use super::json::{document, documents, to_json};
use super::store::SqlStore;
use crate::error::StoreResult;
use crate::kms::KmsStore;

#[async_trait]
impl KmsStore for SqlStore {
    async fn create_kms_key(&self, key: KmsKey) -> StoreResult<KmsKey> {
        self.write(move |tx| {
            tx.exec(
                "INSERT INTO kms_keys (id, account, region, created_at_ms, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key.id,
                    key.account,
                    key.region,
                    key.created_ms,
                    to_json(&key)?
                ],
            )?;
            Ok(key)
        })
        .await
    }

    async fn kms_key(&self, account: &str, id: &str) -> StoreResult<Option<KmsKey>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.run(move |conn| find_key(conn, &account, &id)).await
    }

    async fn list_kms_keys(&self, account: &str, region: &str) -> StoreResult<Vec<KmsKey>> {
        let (account, region) = (account.to_string(), region.to_string());
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM kms_keys WHERE account = ?1 AND region = ?2 \
                 ORDER BY created_at_ms, id",
                params![account, region],
            )
        })
        .await
    }

    async fn change_kms_key(
        &self,
        account: &str,
        id: &str,
        change: KmsKeyChange,
    ) -> StoreResult<KmsKey> {
        let (account, id) = (account.to_string(), id.to_string());
        self.write(move |tx| {
            let current =
                find_key(tx, &account, &id)?.ok_or_else(|| KmsError::KeyNotFound(id.clone()))?;
            let next = change.apply(&current)?;
            tx.exec(
                "UPDATE kms_keys SET body = ?1 WHERE account = ?2 AND id = ?3",
                params![to_json(&next)?, account, id],
            )?;
            Ok(next)
        })
        .await
    }

    async fn purge_deleted_kms_keys(&self, now_ms: i64) -> StoreResult<Vec<String>> {
        self.write(move |tx| {
            // Few keys, and the deletion date lives in the body: read them all.
            let keys: Vec<KmsKey> = documents(
                tx,
                "SELECT body FROM kms_keys WHERE created_at_ms <= ?1",
                params![now_ms],
            )?;
            let mut purged = Vec::new();
            for key in keys.into_iter().filter(|k| k.is_deleted(now_ms)) {
                let aliases: Vec<KmsAlias> = documents(
                    tx,
                    "SELECT body FROM kms_aliases WHERE account = ?1 AND region = ?2",
                    params![key.account, key.region],
                )?;
                for alias in aliases.iter().filter(|a| a.target_key_id == key.id) {
                    tx.exec(
                        "DELETE FROM kms_aliases WHERE account = ?1 AND region = ?2 AND name = ?3",
                        params![alias.account, alias.region, alias.name],
                    )?;
                }
                tx.exec(
                    "DELETE FROM kms_keys WHERE account = ?1 AND id = ?2",
                    params![key.account, key.id],
                )?;
                purged.push(key.arn());
            }
            Ok(purged)
        })
        .await
    }

    async fn create_kms_alias(&self, alias: KmsAlias) -> StoreResult<()> {
        self.write(move |tx| {
            if find_alias(tx, &alias.account, &alias.region, &alias.name)?.is_some() {
                return Err(KmsError::AliasExists(alias.arn()).into());
            }
            tx.exec(
                "INSERT INTO kms_aliases (account, region, name, body) VALUES (?1, ?2, ?3, ?4)",
                params![alias.account, alias.region, alias.name, to_json(&alias)?],
            )
        })
        .await
    }

    async fn kms_alias(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> StoreResult<Option<KmsAlias>> {
        let (account, region, name) = (account.to_string(), region.to_string(), name.to_string());
        self.run(move |conn| find_alias(conn, &account, &region, &name))
            .await
    }

    async fn delete_kms_alias(&self, account: &str, region: &str, name: &str) -> StoreResult<()> {
        let (account, region, name) = (account.to_string(), region.to_string(), name.to_string());
        self.write(move |tx| {
            let Some(alias) = find_alias(tx, &account, &region, &name)? else {
                let arn = format!("arn:aws:kms:{region}:{account}:{name}");
                return Err(KmsError::AliasNotFound(arn).into());
            };
            tx.exec(
                "DELETE FROM kms_aliases WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![alias.account, alias.region, alias.name],
            )
        })
        .await
    }

    async fn list_kms_aliases(&self, account: &str, region: &str) -> StoreResult<Vec<KmsAlias>> {
        let (account, region) = (account.to_string(), region.to_string());
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM kms_aliases WHERE account = ?1 AND region = ?2 ORDER BY name",
                params![account, region],
            )
        })
        .await
    }
}

fn find_key(conn: &Conn<'_>, account: &str, id: &str) -> StoreResult<Option<KmsKey>> {
    document(
        conn,
        "SELECT body FROM kms_keys WHERE account = ?1 AND id = ?2",
        params![account, id],
    )
}

fn find_alias(
    conn: &Conn<'_>,
    account: &str,
    region: &str,
    name: &str,
) -> StoreResult<Option<KmsAlias>> {
    document(
        conn,
        "SELECT body FROM kms_aliases WHERE account = ?1 AND region = ?2 AND name = ?3",
        params![account, region, name],
    )
}

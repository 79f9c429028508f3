//! [`LogGroupStore`] on SQL: one row per log group, a JSON body beside its key.

use async_trait::async_trait;
use cairn_model::log_group::LogGroup;

use super::conn::params;
use super::json::{document, documents, to_json};
use super::store::SqlStore;
use crate::error::StoreResult;
use crate::log_groups::LogGroupStore;

const FIND: &str = "SELECT body FROM log_groups WHERE account = ?1 AND region = ?2 AND name = ?3";

#[async_trait]
impl LogGroupStore for SqlStore {
    async fn create_log_group(&self, group: LogGroup) -> StoreResult<bool> {
        self.write(move |tx| {
            let found: Option<LogGroup> =
                document(tx, FIND, params![group.account, group.region, group.name])?;
            if found.is_some() {
                return Ok(false);
            }
            tx.exec(
                "INSERT INTO log_groups (account, region, name, retention_days, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    group.account,
                    group.region,
                    group.name,
                    group.retention_days,
                    to_json(&group)?
                ],
            )?;
            Ok(true)
        })
        .await
    }

    async fn log_group(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> StoreResult<Option<LogGroup>> {
        let key = (account.to_string(), region.to_string(), name.to_string());
        self.run(move |conn| document(conn, FIND, params![key.0, key.1, key.2]))
            .await
    }

    async fn list_log_groups(&self, account: &str, region: &str) -> StoreResult<Vec<LogGroup>> {
        let (account, region) = (account.to_string(), region.to_string());
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM log_groups WHERE account = ?1 AND region = ?2 ORDER BY name",
                params![account, region],
            )
        })
        .await
    }

    async fn log_groups_with_retention(&self) -> StoreResult<Vec<LogGroup>> {
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM log_groups WHERE retention_days IS NOT NULL \
                 ORDER BY account, region, name",
                params![],
            )
        })
        .await
    }

    async fn update_log_group(&self, group: LogGroup) -> StoreResult<bool> {
        self.write(move |tx| {
            let found: Option<LogGroup> =
                document(tx, FIND, params![group.account, group.region, group.name])?;
            if found.is_none() {
                return Ok(false);
            }
            tx.exec(
                "UPDATE log_groups SET retention_days = ?1, body = ?2 \
                 WHERE account = ?3 AND region = ?4 AND name = ?5",
                params![
                    group.retention_days,
                    to_json(&group)?,
                    group.account,
                    group.region,
                    group.name
                ],
            )?;
            Ok(true)
        })
        .await
    }

    async fn delete_log_group(&self, account: &str, region: &str, name: &str) -> StoreResult<bool> {
        let key = (account.to_string(), region.to_string(), name.to_string());
        self.write(move |tx| {
            let found: Option<LogGroup> = document(tx, FIND, params![key.0, key.1, key.2])?;
            if found.is_none() {
                return Ok(false);
            }
            tx.exec(
                "DELETE FROM log_groups WHERE account = ?1 AND region = ?2 AND name = ?3",
                params![key.0, key.1, key.2],
            )?;
            Ok(true)
        })
        .await
    }
}

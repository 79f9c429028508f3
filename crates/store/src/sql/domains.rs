//! [`DomainStore`] on SQL: one row per registered domain and per operation, each a JSON
//! body beside the columns lookups need.

use async_trait::async_trait;
use cairn_model::domains::{DomainOperation, RegisteredDomain};

use super::conn::{params, Conn};
use super::json::{document, documents, to_json};
use super::store::SqlStore;
use crate::domains::DomainStore;
use crate::error::StoreResult;

#[async_trait]
impl DomainStore for SqlStore {
    async fn register_domain(
        &self,
        domain: RegisteredDomain,
        operation: DomainOperation,
    ) -> StoreResult<bool> {
        self.write(move |tx| {
            if find_domain(tx, &domain.name)?.is_some() {
                return Ok(false);
            }
            tx.exec(
                "INSERT INTO registered_domains (name, account, body) VALUES (?1, ?2, ?3)",
                params![domain.name, domain.account, to_json(&domain)?],
            )?;
            insert_operation(tx, &operation)?;
            Ok(true)
        })
        .await
    }

    async fn registered_domain(&self, name: &str) -> StoreResult<Option<RegisteredDomain>> {
        let name = name.to_string();
        self.run(move |conn| find_domain(conn, &name)).await
    }

    async fn list_registered_domains(&self, account: &str) -> StoreResult<Vec<RegisteredDomain>> {
        let account = account.to_string();
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM registered_domains WHERE account = ?1 ORDER BY name",
                params![account],
            )
        })
        .await
    }

    async fn update_registered_domain(
        &self,
        domain: RegisteredDomain,
        operation: Option<DomainOperation>,
    ) -> StoreResult<bool> {
        self.write(move |tx| {
            if find_domain(tx, &domain.name)?.is_none() {
                return Ok(false);
            }
            tx.exec(
                "UPDATE registered_domains SET account = ?1, body = ?2 WHERE name = ?3",
                params![domain.account, to_json(&domain)?, domain.name],
            )?;
            if let Some(operation) = &operation {
                insert_operation(tx, operation)?;
            }
            Ok(true)
        })
        .await
    }

    async fn delete_registered_domain(
        &self,
        name: &str,
        operation: DomainOperation,
    ) -> StoreResult<bool> {
        let name = name.to_string();
        self.write(move |tx| {
            if find_domain(tx, &name)?.is_none() {
                return Ok(false);
            }
            tx.exec(
                "DELETE FROM registered_domains WHERE name = ?1",
                params![name],
            )?;
            insert_operation(tx, &operation)?;
            Ok(true)
        })
        .await
    }

    async fn domain_operation(
        &self,
        account: &str,
        id: &str,
    ) -> StoreResult<Option<DomainOperation>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.run(move |conn| {
            document(
                conn,
                "SELECT body FROM domain_operations WHERE account = ?1 AND id = ?2",
                params![account, id],
            )
        })
        .await
    }

    async fn list_domain_operations(&self, account: &str) -> StoreResult<Vec<DomainOperation>> {
        let account = account.to_string();
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM domain_operations WHERE account = ?1 \
                 ORDER BY submitted_at_ms, id",
                params![account],
            )
        })
        .await
    }
}

fn find_domain(conn: &Conn<'_>, name: &str) -> StoreResult<Option<RegisteredDomain>> {
    document(
        conn,
        "SELECT body FROM registered_domains WHERE name = ?1",
        params![name],
    )
}

fn insert_operation(conn: &Conn<'_>, operation: &DomainOperation) -> StoreResult<()> {
    conn.exec(
        "INSERT INTO domain_operations (id, account, domain, submitted_at_ms, body) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            operation.id,
            operation.account,
            operation.domain,
            operation.submitted_ms,
            to_json(operation)?
        ],
    )
}

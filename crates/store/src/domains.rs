//! Route 53 Domains (issue 14): the domains registered under the installation's TLDs and
//! the operations that changed them. The delegation itself lives in the TLD's zone, written
//! by the API as record changes; this keeps the registrar's side.

use async_trait::async_trait;
use cairn_model::domains::{DomainOperation, RegisteredDomain};

use crate::error::StoreResult;

/// Registered domains and their operations. Writes log no change: what the data plane
/// serves of a domain is in the TLD zone.
#[async_trait]
pub trait DomainStore: Send + Sync + 'static {
    /// Records a new registration and its operation in one transaction; `false` (nothing
    /// written) when the name is already registered, by anyone.
    async fn register_domain(
        &self,
        domain: RegisteredDomain,
        operation: DomainOperation,
    ) -> StoreResult<bool>;

    /// The registration of `name` (lower case, no trailing dot), whoever holds it.
    async fn registered_domain(&self, name: &str) -> StoreResult<Option<RegisteredDomain>>;

    /// Every domain `account` holds, by name.
    async fn list_registered_domains(&self, account: &str) -> StoreResult<Vec<RegisteredDomain>>;

    /// Replaces the registration of `domain.name` and records `operation`; `false` (nothing
    /// written) when it is no longer registered.
    async fn update_registered_domain(
        &self,
        domain: RegisteredDomain,
        operation: Option<DomainOperation>,
    ) -> StoreResult<bool>;

    /// Removes the registration of `name` and records `operation`; `false` when there was
    /// none.
    async fn delete_registered_domain(
        &self,
        name: &str,
        operation: DomainOperation,
    ) -> StoreResult<bool>;

    /// The operation `id` of `account`.
    async fn domain_operation(
        &self,
        account: &str,
        id: &str,
    ) -> StoreResult<Option<DomainOperation>>;

    /// Every operation of `account`, oldest first.
    async fn list_domain_operations(&self, account: &str) -> StoreResult<Vec<DomainOperation>>;
}

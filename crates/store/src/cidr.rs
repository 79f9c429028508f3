//! CIDR collections, for IP-based routing.

use async_trait::async_trait;
use cairn_model::cidr::{CidrChange, CidrCollection};
use cairn_model::ChangeInfo;

use crate::error::StoreResult;

/// CIDR collections. Every write is one transaction that logs a
/// `ChangeSubject::CidrCollection` change.
#[async_trait]
pub trait CidrStore: Send + Sync + 'static {
    /// CreateCidrCollection: a new collection at version 1, or the existing one when `name`
    /// and `caller_reference` match one (Route 53 is idempotent on the pair); true when new.
    async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
    ) -> StoreResult<(CidrCollection, bool)>;

    /// One collection.
    async fn get_cidr_collection(&self, id: &str) -> StoreResult<CidrCollection>;

    /// Every collection, by name.
    async fn list_cidr_collections(&self) -> StoreResult<Vec<CidrCollection>>;

    /// ChangeCidrCollection ([`cairn_model::cidr::apply_cidr_changes`]); returns the change.
    async fn change_cidr_collection(
        &self,
        id: &str,
        version: Option<u64>,
        changes: Vec<CidrChange>,
    ) -> StoreResult<ChangeInfo>;

    /// DeleteCidrCollection: refused while it holds blocks or a record set names it.
    async fn delete_cidr_collection(&self, id: &str) -> StoreResult<()>;
}

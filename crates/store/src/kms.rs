//! The KMS subset (issue 18): keys and aliases. The store keeps a key's private half only as
//! the API hands it over, sealed with the node master key.

use async_trait::async_trait;
use cairn_model::kms::{KmsAlias, KmsKey, KmsKeyChange};

use crate::error::StoreResult;

/// KMS keys and aliases. Writes log no change: the data plane reads keys through the
/// zones that name them, not from this log.
#[async_trait]
pub trait KmsStore: Send + Sync + 'static {
    /// CreateKey: stores `key` as given (its id is fresh).
    async fn create_kms_key(&self, key: KmsKey) -> StoreResult<KmsKey>;

    /// The key `id` of `account`, if there is one (a completed deletion included: the
    /// caller decides, by [`KmsKey::is_deleted`], that it no longer exists).
    async fn kms_key(&self, account: &str, id: &str) -> StoreResult<Option<KmsKey>>;

    /// Every key of `account` in `region`, oldest first.
    async fn list_kms_keys(&self, account: &str, region: &str) -> StoreResult<Vec<KmsKey>>;

    /// Applies `change` to key `id` ([`KmsKeyChange::apply`]) in one transaction; returns
    /// the key as written. `KmsError::KeyNotFound` when there is no such key.
    async fn change_kms_key(
        &self,
        account: &str,
        id: &str,
        change: KmsKeyChange,
    ) -> StoreResult<KmsKey>;

    /// Removes every key whose pending deletion completed by `now_ms`
    /// ([`KmsKey::is_deleted`]), with the aliases that point to it, as KMS does at the end of
    /// the waiting period. Returns the removed keys' ARNs.
    async fn purge_deleted_kms_keys(&self, now_ms: i64) -> StoreResult<Vec<String>>;

    /// CreateAlias: `KmsError::AliasExists` when the account has that alias in its region.
    async fn create_kms_alias(&self, alias: KmsAlias) -> StoreResult<()>;

    /// The alias `name` (`alias/…`) of `account` in `region`.
    async fn kms_alias(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> StoreResult<Option<KmsAlias>>;

    /// DeleteAlias: `KmsError::AliasNotFound` when there is none.
    async fn delete_kms_alias(&self, account: &str, region: &str, name: &str) -> StoreResult<()>;

    /// Every alias of `account` in `region`, by name.
    async fn list_kms_aliases(&self, account: &str, region: &str) -> StoreResult<Vec<KmsAlias>>;
}

//! CloudWatch Logs log groups (issue 13). The events are the query-log files under the data
//! directory; the store keeps which groups exist, with their retention and tags, so that a
//! created group is acknowledged durably and every node sharing the store sees it.

use async_trait::async_trait;
use cairn_model::log_group::LogGroup;

use crate::error::StoreResult;

/// Log groups. Writes log no change: the data plane writes query logs by destination ARN,
/// whether or not the group exists.
#[async_trait]
pub trait LogGroupStore: Send + Sync + 'static {
    /// CreateLogGroup: `false` (nothing written) when the account has that group in its
    /// region already.
    async fn create_log_group(&self, group: LogGroup) -> StoreResult<bool>;

    /// The group `name` of `account` in `region`.
    async fn log_group(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> StoreResult<Option<LogGroup>>;

    /// Every group of `account` in `region`, by name.
    async fn list_log_groups(&self, account: &str, region: &str) -> StoreResult<Vec<LogGroup>>;

    /// Every group with a retention period, of every account and region (for pruning).
    async fn log_groups_with_retention(&self) -> StoreResult<Vec<LogGroup>>;

    /// Replaces the stored group of the same account, region and name; `false` when there
    /// is none.
    async fn update_log_group(&self, group: LogGroup) -> StoreResult<bool>;

    /// DeleteLogGroup: `false` when there was none.
    async fn delete_log_group(&self, account: &str, region: &str, name: &str) -> StoreResult<bool>;
}

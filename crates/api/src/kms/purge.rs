//! The end of a key's waiting period: a key whose ScheduleKeyDeletion date has passed is
//! removed from the store, with the aliases that point to it, as KMS deletes it then. Until
//! the purge runs, [`KmsKey::is_deleted`](cairn_model::kms::KmsKey::is_deleted) already
//! makes such a key answer as gone (`NotFoundException`); the purge frees its row and its
//! sealed private key. Run by the API process's hourly DNSSEC task
//! ([`crate::route53::dnssec::resign::run`]).

use crate::state::AppState;

/// Removes every key whose deletion date is at or before `now_ms`; returns how many went.
pub async fn purge_due(state: &AppState, now_ms: i64) -> usize {
    match state.store.purge_deleted_kms_keys(now_ms).await {
        Ok(purged) => {
            for arn in &purged {
                tracing::info!(%arn, "KMS key deleted: its waiting period ended");
            }
            purged.len()
        }
        Err(err) => {
            tracing::warn!(error = %err, "KMS keys past their deletion date not purged");
            0
        }
    }
}

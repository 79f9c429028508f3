//! The background re-signer: renews the DNSKEY RRset's signatures of every signing zone
//! before they expire ([`sign::RENEW_BEFORE`](super::sign::RENEW_BEFORE) ahead), runs in the
//! API process (spawned by `cairn serve`). A KSK whose KMS key fails is marked
//! `ACTION_NEEDED` (and the zone too), and the signatures already stored are served until
//! they expire; a later success sets both back.
//!
//! Several nodes of one PostgreSQL store may all run it: a node that loses the race gets
//! `ConcurrentModification` and leaves the zone to the winner.

use std::future::Future;
use std::time::Duration;

use cairn_model::HostedZoneId;

use super::parent_ds;
use super::sign::{now_secs, sign_dnskeys, OnKeyFailure, RENEW_BEFORE};
use crate::error::AwsError;
use crate::state::AppState;

/// How often the re-signer looks for signatures due.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Runs until `shutdown` resolves: a pass at once, then every [`INTERVAL`].
pub async fn run(state: AppState, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {
                resign_due(&state, now_secs()).await;
            }
        }
    }
}

/// Signs again every zone whose DNSKEY signatures expire within [`RENEW_BEFORE`] of `now`;
/// returns how many zones were written.
pub async fn resign_due(state: &AppState, now: i64) -> usize {
    let due = match state.store.zones_to_resign(now + RENEW_BEFORE).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list the zones whose DNSKEY signatures are due");
            return 0;
        }
    };
    let mut written = 0;
    for id in due {
        match resign_zone(state, &id, now).await {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(zone = %id, error = %err, "DNSKEY RRset not signed again"),
        }
    }
    written
}

async fn resign_zone(state: &AppState, id: &HostedZoneId, now: i64) -> Result<bool, AwsError> {
    let (zone, before) = state.store.zone_signing(id).await?;
    let mut next = before.clone();
    sign_dnskeys(state, &zone, &mut next, now, OnKeyFailure::MarkActionNeeded).await?;
    if next == before {
        return Ok(false);
    }
    state
        .store
        .put_zone_signing(&zone.id, next.clone(), "DNSKEY RRset signed again".into())
        .await?;
    parent_ds::sync(state, &zone, &next).await;
    Ok(true)
}

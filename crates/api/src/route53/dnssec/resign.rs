//! The background re-signer: renews the DNSKEY RRset's signatures of every signing zone
//! before they expire ([`sign::RENEW_BEFORE`](super::sign::RENEW_BEFORE) ahead) and rolls
//! its ZSK on schedule ([`super::rollover`]), runs in the
//! API process (spawned by `cairn serve`). A KSK whose KMS key fails is marked
//! `ACTION_NEEDED` (and the zone too), and the signatures already stored are served until
//! they expire; a later success sets both back. Each pass also purges the KMS keys whose
//! deletion date has passed ([`crate::kms::purge`]).
//!
//! Several nodes of one PostgreSQL store may all run it: a node that loses the race gets
//! `ConcurrentModification` and leaves the zone to the winner.

use std::future::Future;
use std::time::Duration;

use cairn_model::HostedZoneId;

use super::parent_ds;
use super::rollover::{self, Rollover};
use super::sign::{now_secs, sign_dnskeys, OnKeyFailure, RENEW_BEFORE};
use crate::error::AwsError;
use crate::state::AppState;

/// How often the re-signer looks for signatures due.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Runs until `shutdown` resolves: a pass at once, then every [`INTERVAL`].
pub async fn run(state: AppState, rollover: Rollover, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => {
                resign_due(&state, now_secs(), &rollover).await;
                // KMS keys whose deletion date passed go too: the other hourly duty of
                // issue 18's control plane.
                crate::kms::purge::purge_due(&state, crate::kms::key_ref::now_ms()).await;
            }
        }
    }
}

/// Takes the ZSK rollover step due at `now` ([`rollover`](super::rollover)) and signs again
/// every zone whose keys changed or whose DNSKEY signatures expire within [`RENEW_BEFORE`]
/// of `now`; returns how many zones were written. Every signing zone is read (rollover
/// steps are due at any time); only those with something to do are written.
pub async fn resign_due(state: &AppState, now: i64, rollover: &Rollover) -> usize {
    let due = match state.store.zones_to_resign(i64::MAX).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = %err, "cannot list the zones whose DNSKEY signatures are due");
            return 0;
        }
    };
    let mut written = 0;
    for id in due {
        match resign_zone(state, &id, now, rollover).await {
            Ok(true) => written += 1,
            Ok(false) => {}
            Err(err) => tracing::warn!(zone = %id, error = %err, "DNSKEY RRset not signed again"),
        }
    }
    written
}

async fn resign_zone(
    state: &AppState,
    id: &HostedZoneId,
    now: i64,
    rollover: &Rollover,
) -> Result<bool, AwsError> {
    let (zone, before) = state.store.zone_signing(id).await?;
    let mut next = before.clone();
    let rolled = rollover::step(state, &zone, &mut next, now, rollover).await?;
    if !rolled && next.signatures_expire_at >= now + RENEW_BEFORE {
        return Ok(false);
    }
    sign_dnskeys(state, &zone, &mut next, now, OnKeyFailure::MarkActionNeeded).await?;
    if rolled && next.dnskey_rrsigs == before.dnskey_rrsigs {
        // No KSK could sign the new DNSKEY RRset: a key must not sign (or leave) before
        // the RRset validators see says so. The step is retried on the next pass.
        next.zsks = before.zsks.clone();
    }
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

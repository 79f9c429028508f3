//! Scheduled ZSK rollover (pre-publication, RFC 6781 §4.1.1.1), driven by the background
//! re-signer: at most one step per zone per pass, each step followed by signing the new
//! DNSKEY RRset. The schedule itself is `cairn_model::dnssec::rollover`; this module adds
//! the timing that depends on the zone (its DNSKEY TTL, its longest record TTL) and the new
//! key (sealed with the node master key).

use std::time::Duration;

use cairn_model::dnssec::rollover::{RolloverPolicy, DEFAULT_INTERVAL_SECS};
use cairn_model::dnssec::ZoneSigning;
use cairn_model::HostedZone;

use super::sign::new_zsk;
use crate::error::AwsError;
use crate::state::AppState;

/// How often each signing zone's ZSK is replaced (`cairn serve --zsk-rollover-days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollover {
    /// The time a ZSK signs before its successor is published.
    pub interval: Duration,
}

impl Default for Rollover {
    /// Every 30 days.
    fn default() -> Self {
        Rollover {
            interval: Duration::from_secs(DEFAULT_INTERVAL_SECS as u64),
        }
    }
}

/// Takes the zone's next rollover step if it is due at `now` (seconds since the epoch);
/// whether its ZSKs changed. Keys stored before rollover existed are first given `now` as
/// their start (a change too).
pub async fn step(
    state: &AppState,
    zone: &HostedZone,
    signing: &mut ZoneSigning,
    now: i64,
    rollover: &Rollover,
) -> Result<bool, AwsError> {
    if !signing.is_signing() {
        return Ok(false);
    }
    if signing.stamp_key_times(now) {
        return Ok(true);
    }
    let retiring = signing.zsks.iter().any(|z| !z.active && z.retired_at != 0);
    let policy = RolloverPolicy {
        interval: rollover.interval.as_secs() as i64,
        publish_wait: i64::from(signing.dnskey_ttl),
        // Only a retired key's removal needs it: the zone's records are read only then.
        retire_wait: if retiring {
            longest_ttl(state, zone)
                .await?
                .max(signing.dnskey_ttl)
                .into()
        } else {
            0
        },
    };
    let Some((due, event)) = signing.next_key_event(&policy) else {
        return Ok(false);
    };
    if due > now {
        return Ok(false);
    }
    let changed = signing.apply_key_event(event, now, || new_zsk(state, &zone.id, now));
    if changed {
        tracing::info!(zone = %zone.id, ?event, "ZSK rollover step");
    }
    Ok(changed)
}

/// The longest TTL of the zone's records: how long an answer signed with a retired ZSK
/// may stay in a cache.
async fn longest_ttl(state: &AppState, zone: &HostedZone) -> Result<u32, AwsError> {
    let contents = state.store.load_zone(&zone.id).await?;
    Ok(contents
        .iter()
        .flat_map(|c| &c.record_sets)
        .filter_map(|s| s.ttl)
        .max()
        .unwrap_or(0))
}

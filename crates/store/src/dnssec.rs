//! Route 53 DNSSEC signing (issue 18): each hosted zone's signing status, key-signing keys,
//! zone-signing keys (sealed) and the signed DNSKEY RRset.
//!
//! The API reads a zone's [`ZoneSigning`], applies the rule of the operation
//! (`cairn_model::dnssec::rules`), talks to KMS and signs, then writes the whole new state
//! back with [`DnssecStore::put_zone_signing`]. That write is refused when another write
//! came in between (the state's `version`), so the signatures stored always match the keys
//! stored with them. The store never sees a private key in the clear.

use async_trait::async_trait;
use cairn_model::dnssec::ZoneSigning;
use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

use crate::error::StoreResult;

/// Each zone's DNSSEC state. Every write logs a change for the zone, so the data plane
/// reloads it ([`ZoneContents::dnssec`](crate::ZoneContents::dnssec) is
/// [`ZoneSigning::serving`]).
#[async_trait]
pub trait DnssecStore: Send + Sync + 'static {
    /// The zone and its DNSSEC state: `NOT_SIGNING` with no keys (version 0) for a zone
    /// DNSSEC was never used on. Refused with `NoSuchHostedZone`.
    async fn zone_signing(&self, zone: &HostedZoneId) -> StoreResult<(HostedZone, ZoneSigning)>;

    /// Replaces the zone's DNSSEC state with `next`, provided it is still at
    /// `next.version` (else `ConcurrentModification`, and nothing is written); logs one
    /// change for the zone with `comment` (for the log). The stored version becomes
    /// `next.version + 1`.
    async fn put_zone_signing(
        &self,
        zone: &HostedZoneId,
        next: ZoneSigning,
        comment: String,
    ) -> StoreResult<ChangeInfo>;

    /// The zones that are signing and whose DNSKEY signatures expire before `before`
    /// (seconds since the epoch), for the background re-signer.
    async fn zones_to_resign(&self, before: i64) -> StoreResult<Vec<HostedZoneId>>;
}

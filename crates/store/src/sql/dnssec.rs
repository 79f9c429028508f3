//! [`DnssecStore`] on SQL: `dnssec_zones` (status, version, sealed ZSKs, the signed DNSKEY
//! RRset, as one JSON body) and `key_signing_keys` (one row per KSK).

use async_trait::async_trait;
use cairn_model::dnssec::{DnssecError, KeySigningKey, ZoneDnssec, ZoneSigning};
use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

use super::change_log::Entry;
use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::json::{documents, from_json, texts, to_json};
use super::store::SqlStore;
use super::zone_rows::require_zone;
use crate::dnssec::DnssecStore;
use crate::error::StoreResult;

#[async_trait]
impl DnssecStore for SqlStore {
    async fn zone_signing(&self, zone: &HostedZoneId) -> StoreResult<(HostedZone, ZoneSigning)> {
        let id = zone.clone();
        self.read(move |tx| {
            let zone = require_zone(tx, &id)?;
            let signing = load(tx, &id)?;
            Ok((zone, signing))
        })
        .await
    }

    async fn put_zone_signing(
        &self,
        zone: &HostedZoneId,
        next: ZoneSigning,
        comment: String,
    ) -> StoreResult<ChangeInfo> {
        let id = zone.clone();
        let entry = Entry::zone(&id).with_comment(Some(comment));
        let (_, change) = self
            .logged(
                move |tx| {
                    require_zone(tx, &id)?;
                    Ok(id)
                },
                move |tx, id| write(tx, &id, next),
                move |_| entry,
            )
            .await?;
        Ok(change)
    }

    async fn zones_to_resign(&self, before: i64) -> StoreResult<Vec<HostedZoneId>> {
        self.run(move |conn| {
            let ids = texts(
                conn,
                "SELECT zone_id FROM dnssec_zones WHERE status IN ('SIGNING', 'ACTION_NEEDED') \
                 AND signatures_expire_at < ?1 ORDER BY zone_id",
                params![before],
            )?;
            Ok(ids.into_iter().map(HostedZoneId::new).collect())
        })
        .await
    }
}

/// The zone's DNSSEC state as stored (the default when it has none).
pub(super) fn load(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<ZoneSigning> {
    let row = conn
        .query_row(
            "SELECT version, body FROM dnssec_zones WHERE zone_id = ?1",
            [zone.as_str()],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
        )
        .optional()
        .map_err(map_err)?;
    let mut signing = match row {
        Some((version, body)) => {
            let mut signing: ZoneSigning = from_json(&body)?;
            signing.version = version;
            signing
        }
        None => ZoneSigning::default(),
    };
    signing.ksks = documents::<KeySigningKey>(
        conn,
        "SELECT body FROM key_signing_keys WHERE zone_id = ?1 ORDER BY position",
        [zone.as_str()],
    )?;
    Ok(signing)
}

/// What the data plane serves for the zone: `Some` while it signs.
pub(super) fn serving(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<Option<ZoneDnssec>> {
    let signed: Option<String> = conn
        .query_row(
            "SELECT body FROM dnssec_zones WHERE zone_id = ?1 AND status IN ('SIGNING', 'ACTION_NEEDED')",
            [zone.as_str()],
            |row| row.get(0),
        )
        .optional()
        .map_err(map_err)?;
    match signed {
        Some(body) => Ok(from_json::<ZoneSigning>(&body)?.serving()),
        None => Ok(None),
    }
}

/// Whether the zone has key-signing keys (DeleteHostedZone is refused then).
pub(super) fn has_key_signing_keys(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<bool> {
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM key_signing_keys WHERE zone_id = ?1",
            [zone.as_str()],
            |row| row.get(0),
        )
        .map_err(map_err)?;
    Ok(count > 0)
}

/// Forgets a deleted zone's DNSSEC state.
pub(super) fn forget_zone(tx: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<()> {
    tx.exec(
        "DELETE FROM key_signing_keys WHERE zone_id = ?1",
        [zone.as_str()],
    )?;
    tx.exec(
        "DELETE FROM dnssec_zones WHERE zone_id = ?1",
        [zone.as_str()],
    )
}

/// Replaces the zone's state with `next` if nobody wrote since `next.version` was read.
fn write(tx: &Conn<'_>, zone: &HostedZoneId, next: ZoneSigning) -> StoreResult<()> {
    let current = load(tx, zone)?;
    if current.version != next.version {
        return Err(DnssecError::ConcurrentModification.into());
    }
    let version = next.version + 1;
    let mut body = next.clone();
    body.ksks.clear();
    tx.exec(
        "DELETE FROM dnssec_zones WHERE zone_id = ?1",
        [zone.as_str()],
    )?;
    tx.exec(
        "INSERT INTO dnssec_zones (zone_id, status, version, signatures_expire_at, body) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            zone.as_str(),
            next.status.as_str(),
            version,
            next.signatures_expire_at,
            to_json(&body)?
        ],
    )?;
    tx.exec(
        "DELETE FROM key_signing_keys WHERE zone_id = ?1",
        [zone.as_str()],
    )?;
    for (position, ksk) in next.ksks.iter().enumerate() {
        tx.exec(
            "INSERT INTO key_signing_keys (zone_id, name, kms_arn, position, body) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                zone.as_str(),
                ksk.name.as_str(),
                ksk.kms_arn.as_str(),
                position as i64,
                to_json(ksk)?
            ],
        )?;
    }
    Ok(())
}

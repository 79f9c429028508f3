//! Private hosted zones and their VPCs: associations (what a VPC's resolver serves) and the
//! authorizations that let another account's VPC be associated.
//!
//! Associations and authorizations are plain rows. Every association change logs one
//! `ChangeSubject::Network` change; authorizations change nothing served and log none.

use cairn_model::error::ZoneError;
use cairn_model::network::VpcAssociation;
use cairn_model::{ChangeInfo, DomainName, HostedZone, HostedZoneId};

use super::change_log::{self, Entry};
use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::ids::now_ms;
use super::json::texts;
use super::network_rows::require_vpc_in_region;
use super::store::SqlStore;
use super::zone_rows::{insert_zone, load_zone_row, require_zone};
use crate::error::StoreResult;
use crate::networks::VpcRef;
use crate::zones::NewHostedZone;

fn zone_owner(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<Option<String>> {
    let owner: Option<Option<String>> = conn
        .query_row(
            "SELECT owner_account FROM hosted_zones WHERE id = ?1",
            [zone.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(map_err)?;
    Ok(owner.flatten())
}

fn associations_of_zone(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT vpc_id, vpc_region FROM vpc_associations WHERE zone_id = ?1 ORDER BY vpc_id",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([zone.as_str()], |r| {
            Ok(VpcAssociation {
                zone_id: zone.clone(),
                vpc_id: r.get(0)?,
                vpc_region: r.get(1)?,
            })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

fn zones_of_vpc(conn: &Conn<'_>, vpc: &VpcRef) -> StoreResult<Vec<HostedZone>> {
    let ids = texts(
        conn,
        "SELECT zone_id FROM vpc_associations WHERE vpc_id = ?1 AND vpc_region = ?2 ORDER BY zone_id",
        params![vpc.vpc_id, vpc.region],
    )?;
    let mut zones = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(zone) = load_zone_row(conn, &HostedZoneId::new(id))? {
            zones.push(zone);
        }
    }
    Ok(zones)
}

/// `ConflictingDomainExists` when the VPC already sees a zone of this name.
fn check_no_conflict(conn: &Conn<'_>, zone_name: &DomainName, vpc: &VpcRef) -> StoreResult<()> {
    if let Some(other) = zones_of_vpc(conn, vpc)?
        .into_iter()
        .find(|z| &z.name == zone_name)
    {
        return Err(ZoneError::ConflictingDomainExists {
            vpc_id: vpc.vpc_id.clone(),
            region: vpc.region.clone(),
            existing: other.id,
        }
        .into());
    }
    Ok(())
}

fn insert_association(
    tx: &Conn<'_>,
    zone: &HostedZoneId,
    vpc: &VpcRef,
    owner: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO vpc_associations (zone_id, vpc_id, vpc_region, owner_account, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![zone.as_str(), vpc.vpc_id, vpc.region, owner, now_ms()],
    )
    .map_err(map_err)?;
    Ok(())
}

/// A zone that must be private; `PublicZoneVPCAssociation` otherwise.
fn require_private_zone(conn: &Conn<'_>, id: &HostedZoneId) -> StoreResult<HostedZone> {
    let zone = require_zone(conn, id)?;
    if !zone.private_zone {
        return Err(ZoneError::PublicZoneVpcAssociation(zone.id).into());
    }
    Ok(zone)
}

pub(super) async fn create(
    store: &SqlStore,
    mut req: NewHostedZone,
    vpc: VpcRef,
    owner: String,
) -> StoreResult<(HostedZone, ChangeInfo)> {
    req.private_zone = true;
    store
        .logged(
            move |tx| {
                require_vpc_in_region(tx, &vpc)?;
                check_no_conflict(tx, &req.name, &vpc)?;
                Ok((req, vpc))
            },
            move |tx, (req, vpc)| {
                let id = insert_zone(tx, &req)?;
                tx.execute(
                    "UPDATE hosted_zones SET owner_account = ?2 WHERE id = ?1",
                    params![id.as_str(), owner],
                )
                .map_err(map_err)?;
                insert_association(tx, &id, &vpc, &owner)?;
                // The network change first: the zone's change, returned, comes after it, so
                // INSYNC of the returned id covers the association too.
                change_log::append(
                    tx,
                    &Entry::network(format!("zone {id} associated with {}", vpc.vpc_id)),
                )?;
                require_zone(tx, &id)
            },
            |zone| Entry::zone(&zone.id),
        )
        .await
}

pub(super) async fn zone_vpcs(
    store: &SqlStore,
    zone: &HostedZoneId,
) -> StoreResult<Vec<VpcAssociation>> {
    let zone = zone.clone();
    store
        .run(move |conn| {
            require_zone(conn, &zone)?;
            associations_of_zone(conn, &zone)
        })
        .await
}

pub(super) async fn associate(
    store: &SqlStore,
    zone: &HostedZoneId,
    vpc: VpcRef,
    caller: String,
    comment: Option<String>,
) -> StoreResult<ChangeInfo> {
    let zone_id = zone.clone();
    let entry = Entry::network(format!("zone {zone_id} associated with {}", vpc.vpc_id))
        .with_comment(comment);
    let (_, change) = store
        .logged(
            move |tx| {
                let zone = require_zone(tx, &zone_id)?;
                let found = require_vpc_in_region(tx, &vpc)?;
                if !zone.private_zone {
                    return Err(ZoneError::PublicZoneVpcAssociation(zone.id).into());
                }
                Ok((zone, found, vpc))
            },
            move |tx, (zone, found, vpc)| {
                let authorized = || -> StoreResult<bool> {
                    let row: Option<i64> = tx
                        .query_row(
                            "SELECT 1 FROM vpc_association_authorizations WHERE zone_id = ?1 AND vpc_id = ?2 AND vpc_region = ?3",
                            params![zone.id.as_str(), vpc.vpc_id, vpc.region],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(map_err)?;
                    Ok(row.is_some())
                };
                let owns_zone = zone_owner(tx, &zone.id)?.is_none_or(|owner| owner == caller);
                if found.owner_account != caller || (!owns_zone && !authorized()?) {
                    return Err(ZoneError::NotAuthorized {
                        caller: caller.clone(),
                        vpc_id: vpc.vpc_id,
                        zone_id: zone.id,
                    }
                    .into());
                }
                check_no_conflict(tx, &zone.name, &vpc)?;
                insert_association(tx, &zone.id, &vpc, &caller)
            },
            move |_| entry,
        )
        .await?;
    Ok(change)
}

pub(super) async fn disassociate(
    store: &SqlStore,
    zone: &HostedZoneId,
    vpc: VpcRef,
    comment: Option<String>,
) -> StoreResult<ChangeInfo> {
    let zone_id = zone.clone();
    let entry = Entry::network(format!("zone {zone_id} disassociated from {}", vpc.vpc_id))
        .with_comment(comment);
    let (_, change) = store
        .logged(
            move |tx| {
                require_private_zone(tx, &zone_id)?;
                let associations = associations_of_zone(tx, &zone_id)?;
                Ok((zone_id, associations, vpc))
            },
            |tx, (zone_id, associations, vpc)| {
                if !associations
                    .iter()
                    .any(|a| a.vpc_id == vpc.vpc_id && a.vpc_region == vpc.region)
                {
                    return Err(ZoneError::VpcAssociationNotFound {
                        vpc_id: vpc.vpc_id,
                        zone_id,
                    }
                    .into());
                }
                if associations.len() == 1 {
                    return Err(ZoneError::LastVpcAssociation {
                        vpc_id: vpc.vpc_id,
                        zone_id,
                    }
                    .into());
                }
                tx.execute(
                    "DELETE FROM vpc_associations WHERE zone_id = ?1 AND vpc_id = ?2",
                    params![zone_id.as_str(), vpc.vpc_id],
                )
                .map_err(map_err)?;
                Ok(())
            },
            move |_| entry,
        )
        .await?;
    Ok(change)
}

pub(super) async fn zones_by_vpc(store: &SqlStore, vpc: &VpcRef) -> StoreResult<Vec<HostedZone>> {
    let vpc = vpc.clone();
    store.run(move |conn| zones_of_vpc(conn, &vpc)).await
}

pub(super) async fn authorize(
    store: &SqlStore,
    zone: &HostedZoneId,
    vpc: VpcRef,
) -> StoreResult<()> {
    let zone_id = zone.clone();
    store
        .write(move |tx| {
            require_private_zone(tx, &zone_id)?;
            tx.execute(
                "INSERT INTO vpc_association_authorizations (zone_id, vpc_id, vpc_region, created_at_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT DO NOTHING",
                params![zone_id.as_str(), vpc.vpc_id, vpc.region, now_ms()],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
}

pub(super) async fn deauthorize(
    store: &SqlStore,
    zone: &HostedZoneId,
    vpc: VpcRef,
) -> StoreResult<()> {
    let zone_id = zone.clone();
    store
        .write(move |tx| {
            require_zone(tx, &zone_id)?;
            let removed = tx
                .execute(
                    "DELETE FROM vpc_association_authorizations WHERE zone_id = ?1 AND vpc_id = ?2 AND vpc_region = ?3",
                    params![zone_id.as_str(), vpc.vpc_id, vpc.region],
                )
                .map_err(map_err)?;
            if removed == 0 {
                return Err(ZoneError::VpcAssociationAuthorizationNotFound {
                    vpc_id: vpc.vpc_id,
                    zone_id,
                }
                .into());
            }
            Ok(())
        })
        .await
}

pub(super) async fn authorizations(
    store: &SqlStore,
    zone: &HostedZoneId,
) -> StoreResult<Vec<VpcRef>> {
    let zone_id = zone.clone();
    store
        .run(move |conn| {
            require_zone(conn, &zone_id)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT vpc_id, vpc_region FROM vpc_association_authorizations WHERE zone_id = ?1 ORDER BY vpc_id, vpc_region",
                )
                .map_err(map_err)?;
            let rows = stmt
                .query_map([zone_id.as_str()], |r| {
                    Ok(VpcRef {
                        vpc_id: r.get(0)?,
                        region: r.get(1)?,
                    })
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            Ok(rows)
        })
        .await
}

/// Removes a zone's associations and authorizations (the zone is being deleted); logs a
/// network change when it had any.
pub(crate) fn forget_zone(tx: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<()> {
    let associated = tx
        .execute(
            "DELETE FROM vpc_associations WHERE zone_id = ?1",
            [zone.as_str()],
        )
        .map_err(map_err)?;
    tx.execute(
        "DELETE FROM vpc_association_authorizations WHERE zone_id = ?1",
        [zone.as_str()],
    )
    .map_err(map_err)?;
    if associated > 0 {
        change_log::append(tx, &Entry::network(format!("zone {zone} deleted")))?;
    }
    Ok(())
}

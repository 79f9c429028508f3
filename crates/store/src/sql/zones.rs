//! [`ZoneStore`] on SQL: hosted zones, record sets, changes, tags and delegation sets.

use async_trait::async_trait;
use cairn_model::change::{check_change_batch, names_touched};
use cairn_model::dnssec::DnssecError;
use cairn_model::error::ZoneError;
use cairn_model::{
    ChangeBatch, ChangeId, ChangeInfo, DomainName, HostedZone, HostedZoneId, Limits,
    ResourceRecordSet,
};

use super::batch_view::TxView;
use super::change_log::Entry;
use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::ids::{new_route53_id, now_ms};
use super::json::{from_json, texts, to_json};
use super::store::SqlStore;
use super::zone_rows::{
    check_caller_reference, finish_zone, insert_set, insert_zone, parse_set, require_zone,
    set_identifier_column, sets_at_names, zone_from_row, ZONE_COLUMNS,
};
use super::{dnssec, nodes, private_zones, tags};
use crate::error::StoreResult;
use crate::zones::{DelegationSet, NewHostedZone, RecordSetListing, RecordSetPage, ZoneStore};

#[async_trait]
impl ZoneStore for SqlStore {
    async fn create_hosted_zone(
        &self,
        req: NewHostedZone,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        self.logged(
            |_| Ok(()),
            move |tx, ()| {
                let id = insert_zone(tx, &req)?;
                require_zone(tx, &id)
            },
            |zone| Entry::zone(&zone.id),
        )
        .await
    }

    async fn get_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<HostedZone> {
        let id = id.clone();
        self.run(move |conn| require_zone(conn, &id)).await
    }

    async fn list_hosted_zones(&self) -> StoreResult<Vec<HostedZone>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {ZONE_COLUMNS} FROM hosted_zones z ORDER BY z.id"
                ))
                .map_err(map_err)?;
            let rows = stmt
                .query_map(params![], zone_from_row)
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            rows.into_iter().map(finish_zone).collect()
        })
        .await
    }

    async fn delete_hosted_zone(&self, id: &HostedZoneId) -> StoreResult<ChangeInfo> {
        let id = id.clone();
        let entry = Entry::zone(&id);
        let (_, change) = self
            .logged(
                move |tx| require_zone(tx, &id),
                |tx, zone| {
                    let id = zone.id.as_str();
                    let extra: i64 = tx
                        .query_row(
                            "SELECT count(*) FROM record_sets WHERE zone_id = ?1 AND NOT \
                             (name = ?2 AND rtype IN ('SOA', 'NS') AND set_identifier = '')",
                            params![id, zone.name.to_route53()],
                            |row| row.get(0),
                        )
                        .map_err(map_err)?;
                    if extra > 0 {
                        return Err(ZoneError::HostedZoneNotEmpty(zone.id.clone()).into());
                    }
                    if dnssec::has_key_signing_keys(tx, &zone.id)? {
                        return Err(DnssecError::ZoneHasKeySigningKeys(zone.id.clone()).into());
                    }
                    tx.execute("DELETE FROM record_sets WHERE zone_id = ?1", [id])
                        .map_err(map_err)?;
                    tags::remove_all(tx, "hostedzone", id)?;
                    private_zones::forget_zone(tx, &zone.id)?;
                    dnssec::forget_zone(tx, &zone.id)?;
                    tx.execute("DELETE FROM hosted_zones WHERE id = ?1", [id])
                        .map_err(map_err)?;
                    Ok(())
                },
                move |_| entry,
            )
            .await?;
        Ok(change)
    }

    async fn update_hosted_zone_comment(
        &self,
        id: &HostedZoneId,
        comment: Option<String>,
    ) -> StoreResult<HostedZone> {
        // No change is logged: a comment changes nothing the data plane serves.
        let id = id.clone();
        self.write(move |tx| {
            require_zone(tx, &id)?;
            tx.execute(
                "UPDATE hosted_zones SET comment = ?2, has_config = TRUE WHERE id = ?1",
                params![id.as_str(), comment],
            )
            .map_err(map_err)?;
            require_zone(tx, &id)
        })
        .await
    }

    async fn change_record_sets(
        &self,
        id: &HostedZoneId,
        batch: &ChangeBatch,
        limits: &Limits,
    ) -> StoreResult<ChangeInfo> {
        let id = id.clone();
        let batch = batch.clone();
        let limits = *limits;
        let entry = Entry::zone(&id).with_comment(batch.comment.clone());
        let names: Vec<String> = names_touched(&batch)
            .iter()
            .map(DomainName::to_route53)
            .collect();
        let (_, change) = self
            .logged(
                move |tx| {
                    let zone = require_zone(tx, &id)?;
                    let existing = sets_at_names(tx, &zone.id, &names)?;
                    Ok((zone, existing))
                },
                move |tx, (zone, existing)| write_batch(tx, &zone, &existing, &batch, &limits),
                move |touched| entry.with_names(touched.clone()),
            )
            .await?;
        Ok(change)
    }

    async fn replace_record_sets(
        &self,
        id: &HostedZoneId,
        record_sets: Vec<ResourceRecordSet>,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        let id = id.clone();
        let entry = Entry::zone(&id).with_comment(comment);
        let (_, change) = self
            .logged(
                move |tx| require_zone(tx, &id),
                move |tx, zone| {
                    tx.execute(
                        "DELETE FROM record_sets WHERE zone_id = ?1",
                        [zone.id.as_str()],
                    )
                    .map_err(map_err)?;
                    for set in &record_sets {
                        insert_set(tx, &zone.id, set)?;
                    }
                    Ok(())
                },
                move |_| entry,
            )
            .await?;
        Ok(change)
    }

    async fn list_record_sets(
        &self,
        id: &HostedZoneId,
        page: &RecordSetPage,
    ) -> StoreResult<RecordSetListing> {
        let id = id.clone();
        let page = page.clone();
        self.run(move |conn| {
            require_zone(conn, &id)?;
            let limit = page.max_items.max(1) as i64 + 1;
            let name = page
                .start_name
                .as_ref()
                .map(DomainName::route53_sort_key)
                .unwrap_or_default();
            let rtype = page.start_type.map(|t| t.as_str()).unwrap_or_default();
            let ident = page.start_identifier.clone().unwrap_or_default();
            let bodies = texts(
                conn,
                "SELECT body FROM record_sets WHERE zone_id = ?1 \
                 AND (sort_name, rtype, set_identifier) >= (?2, ?3, ?4) \
                 ORDER BY sort_name, rtype, set_identifier LIMIT ?5",
                params![id.as_str(), name, rtype, ident, limit],
            )?;
            let mut record_sets = bodies
                .iter()
                .map(|b| parse_set(b))
                .collect::<StoreResult<Vec<_>>>()?;
            let next = if record_sets.len() > page.max_items.max(1) {
                record_sets.pop().map(|s| s.key())
            } else {
                None
            };
            Ok(RecordSetListing { record_sets, next })
        })
        .await
    }

    async fn get_change(&self, id: &ChangeId) -> StoreResult<ChangeInfo> {
        let id = id.clone();
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT seq, comment, submitted_at_ms FROM changes WHERE id = ?1",
                    [id.as_str()],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, Option<String>>(1)?,
                            row.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()
                .map_err(map_err)?;
            let Some((seq, comment, submitted_at_ms)) = row else {
                return Err(ZoneError::NoSuchChange(id).into());
            };
            Ok(ChangeInfo {
                id,
                status: nodes::change_status(conn, seq)?,
                submitted_at_ms,
                comment,
            })
        })
        .await
    }

    async fn change_tags(
        &self,
        resource_type: &str,
        resource_id: &str,
        add: Vec<(String, String)>,
        remove: Vec<String>,
    ) -> StoreResult<()> {
        let (rt, rid) = (resource_type.to_string(), resource_id.to_string());
        self.write(move |tx| {
            tags::put(tx, &rt, &rid, &add)?;
            tags::remove(tx, &rt, &rid, &remove)
        })
        .await
    }

    async fn list_tags(
        &self,
        resource_type: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let (rt, rid) = (resource_type.to_string(), resource_id.to_string());
        self.run(move |conn| tags::list(conn, &rt, &rid)).await
    }

    async fn create_delegation_set(
        &self,
        caller_reference: &str,
        name_servers: Vec<DomainName>,
    ) -> StoreResult<DelegationSet> {
        let reference = caller_reference.to_string();
        self.write(move |tx| {
            if check_caller_reference(tx, "delegationset", &reference)?.is_some() {
                return Err(ZoneError::DelegationSetAlreadyCreated(reference).into());
            }
            let id = new_route53_id('N');
            tx.execute(
                "INSERT INTO delegation_sets (id, caller_reference, name_servers, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
                params![id, reference, to_json(&name_servers)?, now_ms()],
            )
            .map_err(map_err)?;
            tx.execute(
                "INSERT INTO caller_references (kind, reference, resource_id) VALUES ('delegationset', ?1, ?2)",
                params![reference, id],
            )
            .map_err(map_err)?;
            Ok(DelegationSet {
                id,
                caller_reference: reference,
                name_servers,
            })
        })
        .await
    }

    async fn get_delegation_set(&self, id: &str) -> StoreResult<DelegationSet> {
        let id = id.to_string();
        self.run(move |conn| {
            delegation_sets(conn, "WHERE id = ?1", [id.as_str()])?
                .pop()
                .ok_or_else(|| ZoneError::NoSuchDelegationSet(id).into())
        })
        .await
    }

    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        self.run(|conn| delegation_sets(conn, "ORDER BY id", params![]))
            .await
    }

    async fn delete_delegation_set(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.write(move |tx| {
            if delegation_sets(tx, "WHERE id = ?1", [id.as_str()])?.is_empty() {
                return Err(ZoneError::NoSuchDelegationSet(id).into());
            }
            let users: i64 = tx
                .query_row(
                    "SELECT count(*) FROM hosted_zones WHERE delegation_set_id = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            if users > 0 {
                return Err(ZoneError::DelegationSetInUse(id).into());
            }
            tx.execute("DELETE FROM delegation_sets WHERE id = ?1", [&id])
                .map_err(map_err)?;
            Ok(())
        })
        .await
    }
}

/// Checks a change batch (every rule, in the model, over this transaction's view), writes
/// it, and returns the names whose record sets changed. Every check runs before the first
/// write.
fn write_batch(
    tx: &Conn<'_>,
    zone: &HostedZone,
    existing: &[ResourceRecordSet],
    batch: &ChangeBatch,
    limits: &Limits,
) -> StoreResult<Vec<DomainName>> {
    let edit = check_change_batch(&TxView::new(tx), zone, existing, batch, limits)?;
    for key in &edit.deleted {
        tx.execute(
            "DELETE FROM record_sets WHERE zone_id = ?1 AND sort_name = ?2 AND rtype = ?3 AND set_identifier = ?4",
            params![
                zone.id.as_str(),
                key.name.route53_sort_key(),
                key.rtype.as_str(),
                set_identifier_column(key)
            ],
        )
        .map_err(map_err)?;
    }
    for set in &edit.written {
        insert_set(tx, &zone.id, set)?;
    }
    let mut touched: Vec<DomainName> = Vec::new();
    for name in edit
        .deleted
        .iter()
        .map(|k| &k.name)
        .chain(edit.written.iter().map(|s| &s.name))
    {
        if !touched.contains(name) {
            touched.push(name.clone());
        }
    }
    Ok(touched)
}

/// The delegation sets a `WHERE`/`ORDER BY` clause selects.
fn delegation_sets(
    conn: &Conn<'_>,
    clause: &str,
    args: impl super::conn::Params,
) -> StoreResult<Vec<DelegationSet>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT id, caller_reference, name_servers FROM delegation_sets {clause}"
        ))
        .map_err(map_err)?;
    let rows = stmt
        .query_map(args, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(|(id, caller_reference, servers)| {
            Ok(DelegationSet {
                id,
                caller_reference,
                name_servers: from_json(&servers)?,
            })
        })
        .collect()
}

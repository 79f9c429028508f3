//! Rows of hosted zones and record sets, shared by every write that reads or makes them.

use cairn_model::{DomainName, HostedZone, HostedZoneId, ResourceRecordSet, RrsetKey};

use super::conn::{self, params, Conn};
use super::error::{map_err, DbError, OptionalExtension};
use super::ids::{new_route53_id, now_ms};
use super::json::{documents, from_json, to_json};
use cairn_model::error::ZoneError;

use crate::error::StoreResult;
use crate::zones::NewHostedZone;

pub(crate) fn set_identifier_column(key: &RrsetKey) -> &str {
    key.set_identifier.as_deref().unwrap_or("")
}

pub(crate) const ZONE_COLUMNS: &str =
    "z.id, z.name, z.caller_reference, z.comment, z.has_config, z.private_zone, \
     z.delegation_set_id, z.name_servers, z.created_at_ms, \
     (SELECT count(*) FROM record_sets r WHERE r.zone_id = z.id)";

pub(crate) fn zone_from_row(row: &conn::Row) -> Result<(HostedZone, String), DbError> {
    let name: String = row.get(1)?;
    let servers: String = row.get(7)?;
    Ok((
        HostedZone {
            id: HostedZoneId::new(row.get::<_, String>(0)?),
            name: DomainName::from_route53(&name).unwrap_or_else(|_| DomainName::root()),
            caller_reference: row.get(2)?,
            comment: row.get(3)?,
            has_config: row.get(4)?,
            private_zone: row.get(5)?,
            delegation_set_id: row.get(6)?,
            name_servers: Vec::new(),
            created_at_ms: row.get(8)?,
            record_set_count: row.get::<_, i64>(9)? as u64,
        },
        servers,
    ))
}

pub(crate) fn finish_zone((mut zone, servers): (HostedZone, String)) -> StoreResult<HostedZone> {
    zone.name_servers = from_json(&servers)?;
    Ok(zone)
}

pub(crate) fn load_zone_row(conn: &Conn<'_>, id: &HostedZoneId) -> StoreResult<Option<HostedZone>> {
    let row = conn
        .query_row(
            &format!("SELECT {ZONE_COLUMNS} FROM hosted_zones z WHERE z.id = ?1"),
            [id.as_str()],
            zone_from_row,
        )
        .optional()
        .map_err(map_err)?;
    row.map(finish_zone).transpose()
}

pub(crate) fn require_zone(conn: &Conn<'_>, id: &HostedZoneId) -> StoreResult<HostedZone> {
    load_zone_row(conn, id)?.ok_or_else(|| ZoneError::NoSuchHostedZone(id.clone()).into())
}

pub(crate) fn parse_set(body: &str) -> StoreResult<ResourceRecordSet> {
    from_json(body)
}

pub(crate) fn insert_set(
    tx: &Conn<'_>,
    zone: &HostedZoneId,
    set: &ResourceRecordSet,
) -> StoreResult<()> {
    let key = set.key();
    tx.execute(
        "INSERT INTO record_sets (zone_id, sort_name, rtype, set_identifier, name, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (zone_id, sort_name, rtype, set_identifier) \
         DO UPDATE SET name = excluded.name, body = excluded.body",
        params![
            zone.as_str(),
            key.name.route53_sort_key(),
            key.rtype.as_str(),
            set_identifier_column(&key),
            set.name.to_route53(),
            to_json(set)?
        ],
    )
    .map_err(map_err)?;
    Ok(())
}

pub(crate) fn all_sets(
    conn: &Conn<'_>,
    zone: &HostedZoneId,
) -> StoreResult<Vec<ResourceRecordSet>> {
    documents(
        conn,
        "SELECT body FROM record_sets WHERE zone_id = ?1",
        [zone.as_str()],
    )
}

/// Every record set of `zone` at any of `names` (Route 53 form).
pub(crate) fn sets_at_names(
    conn: &Conn<'_>,
    zone: &HostedZoneId,
    names: &[String],
) -> StoreResult<Vec<ResourceRecordSet>> {
    let mut sets = Vec::new();
    let zone_id = zone.as_str().to_string();
    for chunk in names.chunks(400) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql =
            format!("SELECT body FROM record_sets WHERE zone_id = ? AND name IN ({placeholders})");
        let mut stmt = conn.prepare(&sql).map_err(map_err)?;
        let mut values: Vec<conn::Value<'_>> = vec![conn::ToValue::to_value(&zone_id)];
        values.extend(chunk.iter().map(conn::ToValue::to_value));
        let bodies = stmt
            .query_map(values.as_slice(), |row| row.get::<_, String>(0))
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        for body in bodies {
            sets.push(parse_set(&body)?);
        }
    }
    Ok(sets)
}

pub(crate) fn check_caller_reference(
    tx: &Conn<'_>,
    kind: &str,
    reference: &str,
) -> StoreResult<Option<String>> {
    tx.query_row(
        "SELECT resource_id FROM caller_references WHERE kind = ?1 AND reference = ?2",
        params![kind, reference],
        |row| row.get(0),
    )
    .optional()
    .map_err(map_err)
}

/// Inserts a new zone, its caller reference and initial record sets (no change logged).
pub(crate) fn insert_zone(tx: &Conn<'_>, req: &NewHostedZone) -> StoreResult<HostedZoneId> {
    if let Some(existing) = check_caller_reference(tx, "hostedzone", &req.caller_reference)? {
        return Err(ZoneError::HostedZoneAlreadyExists(HostedZoneId::new(existing)).into());
    }
    if let Some(set_id) = &req.delegation_set_id {
        let found: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM delegation_sets WHERE id = ?1",
                [set_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(map_err)?;
        if found.is_none() {
            return Err(ZoneError::NoSuchDelegationSet(set_id.clone()).into());
        }
    }
    let id = HostedZoneId::new(new_route53_id('Z'));
    let created_at_ms = now_ms();
    tx.execute(
        "INSERT INTO hosted_zones (id, name, sort_name, caller_reference, comment, has_config, \
         private_zone, delegation_set_id, name_servers, created_at_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id.as_str(),
            req.name.to_route53(),
            req.name.route53_sort_key(),
            req.caller_reference,
            req.comment,
            req.has_config,
            req.private_zone,
            req.delegation_set_id,
            to_json(&req.name_servers)?,
            created_at_ms
        ],
    )
    .map_err(map_err)?;
    tx.execute(
        "INSERT INTO caller_references (kind, reference, resource_id) VALUES ('hostedzone', ?1, ?2)",
        params![req.caller_reference, id.as_str()],
    )
    .map_err(map_err)?;
    for set in &req.initial_record_sets {
        insert_set(tx, &id, set)?;
    }
    Ok(id)
}

//! The store's logic, written once over both SQL backends.
//!
//! [`SqlStore`] implements [`Store`] and [`ChangeFeed`]; every call runs synchronous store
//! logic on tokio's blocking pool against a [`Conn`] (the rusqlite-shaped API in [`conn`]),
//! which the backend supplies: [`crate::sqlite`] (one file, WAL) or [`crate::postgres`]
//! (a shared database for several nodes). Every write is one transaction that also appends
//! to the change log; the backend makes writers take turns (SQLite's `BEGIN IMMEDIATE`,
//! PostgreSQL's transaction-scoped advisory lock), so change-log sequence numbers are
//! handed out in commit order and a follower reading `seq > last` never skips one.

pub(crate) mod conn;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use cairn_model::change::{apply_change_batch, names_touched};
use cairn_model::network::{IngressRule, SecurityGroup, Subnet, Vpc, VpcAssociation};
use cairn_model::{
    ChangeBatch, ChangeBatchError, ChangeId, ChangeInfo, ChangeSeq, ChangeStatus, DomainName,
    HostedZone, HostedZoneId, Limits, ResourceRecordSet, RrsetKey,
};
use tokio::sync::Notify;

use self::conn::{map_err, params, Conn, OptionalExtension};
use crate::{
    ChangeEvent, ChangeFeed, ChangeSubject, DelegationSet, NewHostedZone, RecordSetListing,
    RecordSetPage, Store, StoreError, StoreResult, ZoneContents,
};

/// A node that has not reported for this long no longer counts for `INSYNC`.
pub const NODE_LIVENESS: Duration = Duration::from_secs(10);

/// Where a [`SqlStore`] keeps its data.
pub(crate) enum Backend {
    /// One SQLite file.
    Sqlite(crate::sqlite::SqliteBackend),
    /// A PostgreSQL database.
    Postgres(crate::postgres::PostgresBackend),
}

/// The store on SQLite or PostgreSQL.
pub struct SqlStore {
    backend: Arc<Backend>,
    committed: Arc<Notify>,
}

/// How a closure runs on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Reads, or a write that logs no change (heartbeats); no ordering with writers.
    Plain,
    /// Several reads that must see one commit.
    Snapshot,
    /// A write: one transaction, taking its turn with every other writer.
    Write,
}

impl SqlStore {
    /// A store on `backend`.
    pub(crate) fn new(backend: Backend) -> Self {
        Self {
            backend: Arc::new(backend),
            committed: Arc::new(Notify::new()),
        }
    }

    async fn on_backend<T, F>(&self, mode: Mode, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        let backend = self.backend.clone();
        tokio::task::spawn_blocking(move || match &*backend {
            Backend::Sqlite(b) => b.call(mode, f),
            Backend::Postgres(b) => b.call(mode, f),
        })
        .await
        .map_err(join_err)?
    }

    /// Runs `f` with a connection on the blocking pool.
    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_backend(Mode::Plain, f).await
    }

    /// Runs `f` in one read transaction, so everything it reads is from one commit.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        self.on_backend(Mode::Snapshot, f).await
    }

    /// Runs `f` in one write transaction, commits it, and wakes the follower.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> StoreResult<T> + Send + 'static,
    {
        let result = self.on_backend(Mode::Write, f).await?;
        self.committed.notify_one();
        Ok(result)
    }
}

//------------ helpers ------------------------------------------------------------

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A Route 53-shaped id: the prefix letter and 20 characters from `[A-Z0-9]`.
fn new_id(prefix: char) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(21);
    id.push(prefix);
    for _ in 0..20 {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

fn join_err(e: tokio::task::JoinError) -> StoreError {
    StoreError::Backend(format!("store task failed: {e}"))
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Backend(e.to_string()))
}

fn parse_names(json: &str) -> StoreResult<Vec<DomainName>> {
    serde_json::from_str(json).map_err(corrupt)
}

fn set_identifier_column(key: &RrsetKey) -> &str {
    key.set_identifier.as_deref().unwrap_or("")
}

/// Appends a change-log row for `subject` and returns its `ChangeInfo`.
fn log_change(
    tx: &Conn<'_>,
    subject: &ChangeSubject,
    comment: Option<&str>,
) -> StoreResult<ChangeInfo> {
    log_change_of_names(tx, subject, comment, None)
}

/// [`log_change`] for a change that touched only `names` of a zone.
fn log_change_of_names(
    tx: &Conn<'_>,
    subject: &ChangeSubject,
    comment: Option<&str>,
    names: Option<&[DomainName]>,
) -> StoreResult<ChangeInfo> {
    let id = ChangeId::new(new_id('C'));
    let submitted_at_ms = now_ms();
    let (kind, subject_id) = match subject {
        ChangeSubject::HostedZone(zone) => ("hostedzone", zone.as_str()),
        ChangeSubject::HealthCheck(id) => ("healthcheck", id.as_str()),
        ChangeSubject::Network(what) => ("network", what.as_str()),
        ChangeSubject::CidrCollection(id) => ("cidrcollection", id.as_str()),
    };
    let names = names.map(to_json).transpose()?;
    tx.execute(
        "INSERT INTO changes (id, subject_kind, subject_id, comment, submitted_at_ms, names) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.as_str(), kind, subject_id, comment, submitted_at_ms, names],
    )
    .map_err(map_err)?;
    Ok(ChangeInfo {
        id,
        status: ChangeStatus::Pending,
        submitted_at_ms,
        comment: comment.map(str::to_string),
    })
}

const ZONE_COLUMNS: &str =
    "z.id, z.name, z.caller_reference, z.comment, z.has_config, z.private_zone, \
     z.delegation_set_id, z.name_servers, z.created_at_ms, \
     (SELECT count(*) FROM record_sets r WHERE r.zone_id = z.id)";

fn zone_from_row(row: &conn::Row) -> Result<(HostedZone, String), conn::DbError> {
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

fn finish_zone((mut zone, servers): (HostedZone, String)) -> StoreResult<HostedZone> {
    zone.name_servers = parse_names(&servers)?;
    Ok(zone)
}

fn load_zone_row(conn: &Conn<'_>, id: &HostedZoneId) -> StoreResult<Option<HostedZone>> {
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

fn require_zone(conn: &Conn<'_>, id: &HostedZoneId) -> StoreResult<HostedZone> {
    load_zone_row(conn, id)?.ok_or_else(|| StoreError::NoSuchHostedZone(id.clone()))
}

fn parse_set(body: &str) -> StoreResult<ResourceRecordSet> {
    serde_json::from_str(body).map_err(corrupt)
}

fn insert_set(tx: &Conn<'_>, zone: &HostedZoneId, set: &ResourceRecordSet) -> StoreResult<()> {
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

fn all_sets(conn: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<Vec<ResourceRecordSet>> {
    let mut stmt = conn
        .prepare_cached("SELECT body FROM record_sets WHERE zone_id = ?1")
        .map_err(map_err)?;
    let bodies = stmt
        .query_map([zone.as_str()], |row| row.get::<_, String>(0))
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    bodies.iter().map(|b| parse_set(b)).collect()
}

/// Aliases to names in other hosted zones (Cairn serves aliases to any of its zones,
/// DESIGN.md §7): the target zone must exist, hold the name, and have a set of the alias's
/// type there; a public zone may not alias into a private one. Aliases to AWS
/// resources are accepted and answered with no data (docs/architecture.md).
fn check_cross_zone_aliases(
    tx: &Conn<'_>,
    zone: &HostedZone,
    written: &[ResourceRecordSet],
) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    for set in written {
        let Some(alias) = &set.alias_target else {
            continue;
        };
        let target_zone = HostedZoneId::parse(&alias.hosted_zone_id);
        if target_zone == zone.id {
            continue;
        }
        let target = &alias.dns_name;
        let prefix = format!(
            "Tried to create an alias that targets {target}, type {} in zone {target_zone}",
            set.rtype
        );
        let Some(other) = load_zone_row(tx, &target_zone)? else {
            // An alias to an AWS resource (S3 website, CloudFront, ELB, …), as configurations
            // exported from AWS carry: stored so they apply unchanged, answered with no data
            // (Cairn never sends traffic there). Anything else is refused.
            if !is_aws_resource_name(target) {
                problems.push(format!("{prefix}, but that target was not found"));
            }
            continue;
        };
        if !target.is_subdomain_of(&other.name) {
            problems.push(format!(
                "{prefix}, but the alias target name does not lie within the target zone"
            ));
            continue;
        }
        if other.private_zone && !zone.private_zone {
            problems.push(format!(
                "{prefix}, but a public hosted zone cannot alias a private one"
            ));
            continue;
        }
        let sets = sets_at_names(tx, &target_zone, &[target.to_route53()])?;
        if !sets.iter().any(|s| s.rtype == set.rtype) {
            problems.push(format!("{prefix}, but that target was not found"));
        }
    }
    Ok(problems)
}

/// Whether a name belongs to an AWS resource an alias may point at on Route 53.
fn is_aws_resource_name(name: &DomainName) -> bool {
    const AWS_SUFFIXES: &[&str] = &[
        "amazonaws.com.",
        "cloudfront.net.",
        "awsglobalaccelerator.com.",
        "amazonaws.com.cn.",
    ];
    AWS_SUFFIXES
        .iter()
        .any(|suffix| DomainName::from_route53(suffix).is_ok_and(|s| name.is_subdomain_of(&s)))
}

/// Every record set of `zone` at any of `names` (Route 53 form).
fn sets_at_names(
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

fn check_caller_reference(
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
fn insert_zone(tx: &Conn<'_>, req: &NewHostedZone) -> StoreResult<HostedZoneId> {
    if let Some(existing) = check_caller_reference(tx, "hostedzone", &req.caller_reference)? {
        return Err(StoreError::HostedZoneAlreadyExists(HostedZoneId::new(
            existing,
        )));
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
            return Err(StoreError::NoSuchDelegationSet(set_id.clone()));
        }
    }
    let id = HostedZoneId::new(new_id('Z'));
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

//------------ Store ------------------------------------------------------------

#[async_trait]
impl Store for SqlStore {
    async fn create_hosted_zone(
        &self,
        req: NewHostedZone,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        self.write(move |tx| {
            let id = insert_zone(tx, &req)?;
            let change = log_change(tx, &ChangeSubject::HostedZone(id.clone()), None)?;
            Ok((require_zone(tx, &id)?, change))
        })
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
        self.write(move |tx| {
            let zone = require_zone(tx, &id)?;
            let extra: i64 = tx
                .query_row(
                    "SELECT count(*) FROM record_sets WHERE zone_id = ?1 AND NOT \
                     (name = ?2 AND rtype IN ('SOA', 'NS') AND set_identifier = '')",
                    params![id.as_str(), zone.name.to_route53()],
                    |row| row.get(0),
                )
                .map_err(map_err)?;
            if extra > 0 {
                return Err(StoreError::HostedZoneNotEmpty);
            }
            tx.execute("DELETE FROM record_sets WHERE zone_id = ?1", [id.as_str()])
                .map_err(map_err)?;
            tx.execute(
                "DELETE FROM tags WHERE resource_type = 'hostedzone' AND resource_id = ?1",
                [id.as_str()],
            )
            .map_err(map_err)?;
            network::forget_zone(tx, &id)?;
            tx.execute("DELETE FROM hosted_zones WHERE id = ?1", [id.as_str()])
                .map_err(map_err)?;
            log_change(tx, &ChangeSubject::HostedZone(id.clone()), None)
        })
        .await
    }

    async fn update_hosted_zone_comment(
        &self,
        id: &HostedZoneId,
        comment: Option<String>,
    ) -> StoreResult<HostedZone> {
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
        self.write(move |tx| {
            let zone = require_zone(tx, &id)?;
            let names: Vec<String> = names_touched(&batch).iter().map(DomainName::to_route53).collect();
            let existing = sets_at_names(tx, &zone.id, &names)?;
            health::check_batch_health_checks(tx, &batch)?;
            let edit = apply_change_batch(&zone, &existing, zone.record_set_count, &batch, &limits)?;
            let mut problems = check_cross_zone_aliases(tx, &zone, &edit.written)?;
            problems.extend(cidr::check_references(tx, &existing, &edit)?);
            if !problems.is_empty() {
                return Err(StoreError::Invalid(ChangeBatchError::InvalidChangeBatch(problems)));
            }
            for key in &edit.deleted {
                tx.execute(
                    "DELETE FROM record_sets WHERE zone_id = ?1 AND sort_name = ?2 AND rtype = ?3 AND set_identifier = ?4",
                    params![
                        id.as_str(),
                        key.name.route53_sort_key(),
                        key.rtype.as_str(),
                        set_identifier_column(key)
                    ],
                )
                .map_err(map_err)?;
            }
            for set in &edit.written {
                insert_set(tx, &id, set)?;
            }
            let mut touched: Vec<DomainName> = Vec::new();
            for name in edit.deleted.iter().map(|k| &k.name).chain(edit.written.iter().map(|s| &s.name)) {
                if !touched.contains(name) {
                    touched.push(name.clone());
                }
            }
            log_change_of_names(
                tx,
                &ChangeSubject::HostedZone(id.clone()),
                batch.comment.as_deref(),
                Some(&touched),
            )
        })
        .await
    }

    async fn replace_record_sets(
        &self,
        id: &HostedZoneId,
        record_sets: Vec<ResourceRecordSet>,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        let id = id.clone();
        self.write(move |tx| {
            require_zone(tx, &id)?;
            tx.execute("DELETE FROM record_sets WHERE zone_id = ?1", [id.as_str()])
                .map_err(map_err)?;
            for set in &record_sets {
                insert_set(tx, &id, set)?;
            }
            log_change(
                tx,
                &ChangeSubject::HostedZone(id.clone()),
                comment.as_deref(),
            )
        })
        .await
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
            let mut stmt = conn
                .prepare_cached(
                    "SELECT body FROM record_sets WHERE zone_id = ?1 \
                     AND (sort_name, rtype, set_identifier) >= (?2, ?3, ?4) \
                     ORDER BY sort_name, rtype, set_identifier LIMIT ?5",
                )
                .map_err(map_err)?;
            let bodies = stmt
                .query_map(params![id.as_str(), name, rtype, ident, limit], |row| {
                    row.get::<_, String>(0)
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
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
                return Err(StoreError::NoSuchChange(id));
            };
            // INSYNC once every live node has applied it; with no live node it is vacuously
            // in sync (nothing serves stale data).
            let live_since = now_ms() - NODE_LIVENESS.as_millis() as i64;
            let lagging: i64 = conn
                .query_row(
                    "SELECT count(*) FROM nodes WHERE heartbeat_ms >= ?1 AND applied_seq < ?2",
                    params![live_since, seq],
                    |row| row.get(0),
                )
                .map_err(map_err)?;
            let status = if lagging == 0 {
                ChangeStatus::InSync
            } else {
                ChangeStatus::Pending
            };
            Ok(ChangeInfo {
                id,
                status,
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
            for (key, value) in &add {
                tx.execute(
                    "INSERT INTO tags (resource_type, resource_id, key, value) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (resource_type, resource_id, key) DO UPDATE SET value = excluded.value",
                    params![rt, rid, key, value],
                )
                .map_err(map_err)?;
            }
            for key in &remove {
                tx.execute(
                    "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2 AND key = ?3",
                    params![rt, rid, key],
                )
                .map_err(map_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn list_tags(
        &self,
        resource_type: &str,
        resource_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let (rt, rid) = (resource_type.to_string(), resource_id.to_string());
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT key, value FROM tags WHERE resource_type = ?1 AND resource_id = ?2 ORDER BY key",
                )
                .map_err(map_err)?;
            let tags = stmt
                .query_map(params![rt, rid], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            Ok(tags)
        })
        .await
    }

    async fn create_delegation_set(
        &self,
        caller_reference: &str,
        name_servers: Vec<DomainName>,
    ) -> StoreResult<DelegationSet> {
        let reference = caller_reference.to_string();
        self.write(move |tx| {
            if check_caller_reference(tx, "delegationset", &reference)?.is_some() {
                return Err(StoreError::DelegationSetAlreadyCreated);
            }
            let id = new_id('N');
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
            Ok(DelegationSet { id, caller_reference: reference, name_servers })
        })
        .await
    }

    async fn get_delegation_set(&self, id: &str) -> StoreResult<DelegationSet> {
        let id = id.to_string();
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT id, caller_reference, name_servers FROM delegation_sets WHERE id = ?1",
                    [&id],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                        ))
                    },
                )
                .optional()
                .map_err(map_err)?;
            let (id, caller_reference, servers) = row.ok_or(StoreError::NoSuchDelegationSet(id))?;
            Ok(DelegationSet {
                id,
                caller_reference,
                name_servers: parse_names(&servers)?,
            })
        })
        .await
    }

    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, caller_reference, name_servers FROM delegation_sets ORDER BY id",
                )
                .map_err(map_err)?;
            let rows = stmt
                .query_map(params![], |row| {
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
                        name_servers: parse_names(&servers)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn delete_delegation_set(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.write(move |tx| {
            let found: Option<i64> = tx
                .query_row("SELECT 1 FROM delegation_sets WHERE id = ?1", [&id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(map_err)?;
            if found.is_none() {
                return Err(StoreError::NoSuchDelegationSet(id));
            }
            let users: i64 = tx
                .query_row(
                    "SELECT count(*) FROM hosted_zones WHERE delegation_set_id = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .map_err(map_err)?;
            if users > 0 {
                return Err(StoreError::DelegationSetInUse);
            }
            tx.execute("DELETE FROM delegation_sets WHERE id = ?1", [&id])
                .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    // Health checks: the implementations are in the `health` section at the end of this file.

    async fn create_health_check(
        &self,
        caller_reference: &str,
        config: cairn_model::health::HealthCheckConfig,
    ) -> StoreResult<(cairn_model::health::HealthCheck, bool)> {
        health::create(self, caller_reference, config).await
    }

    async fn get_health_check(&self, id: &str) -> StoreResult<cairn_model::health::HealthCheck> {
        health::get(self, id).await
    }

    async fn list_health_checks(&self) -> StoreResult<Vec<cairn_model::health::HealthCheck>> {
        health::list(self).await
    }

    async fn update_health_check(
        &self,
        id: &str,
        update: cairn_model::health::HealthCheckUpdate,
    ) -> StoreResult<cairn_model::health::HealthCheck> {
        health::update(self, id, update).await
    }

    async fn delete_health_check(&self, id: &str) -> StoreResult<()> {
        health::delete(self, id).await
    }

    async fn record_health_probe(&self, id: &str, result: crate::ProbeResult) -> StoreResult<()> {
        health::record_probe(self, id, result).await
    }

    async fn set_health_override(&self, id: &str, status: Option<bool>) -> StoreResult<()> {
        health::set_override(self, id, status).await
    }

    async fn health_check_state(&self, id: &str) -> StoreResult<crate::HealthCheckState> {
        health::state(self, id).await
    }

    // CIDR collections: the implementations are in the `cidr` section at the end of this file.

    async fn create_cidr_collection(
        &self,
        name: &str,
        caller_reference: &str,
    ) -> StoreResult<(cairn_model::cidr::CidrCollection, bool)> {
        cidr::create(self, name.to_string(), caller_reference.to_string()).await
    }

    async fn get_cidr_collection(
        &self,
        id: &str,
    ) -> StoreResult<cairn_model::cidr::CidrCollection> {
        let id = id.to_string();
        self.run(move |conn| cidr::require(conn, &id)).await
    }

    async fn list_cidr_collections(&self) -> StoreResult<Vec<cairn_model::cidr::CidrCollection>> {
        self.run(|conn| cidr::all(conn)).await
    }

    async fn change_cidr_collection(
        &self,
        id: &str,
        version: Option<u64>,
        changes: Vec<cairn_model::cidr::CidrChange>,
    ) -> StoreResult<ChangeInfo> {
        cidr::change(self, id.to_string(), version, changes).await
    }

    async fn delete_cidr_collection(&self, id: &str) -> StoreResult<()> {
        cidr::delete(self, id.to_string()).await
    }

    // Networks: the implementations are in the `network` section at the end of this file.

    async fn create_vpc(&self, req: crate::NewVpc) -> StoreResult<(Vpc, SecurityGroup)> {
        network::create_vpc(self, req).await
    }

    async fn list_vpcs(&self) -> StoreResult<Vec<Vpc>> {
        network::list_vpcs(self).await
    }

    async fn get_vpc(&self, id: &str) -> StoreResult<Vpc> {
        network::get_vpc(self, id).await
    }

    async fn delete_vpc(&self, id: &str) -> StoreResult<()> {
        network::delete_vpc(self, id).await
    }

    async fn modify_vpc_attributes(
        &self,
        id: &str,
        dns_support: Option<bool>,
        dns_hostnames: Option<bool>,
    ) -> StoreResult<Vpc> {
        network::modify_vpc(self, id, dns_support, dns_hostnames).await
    }

    async fn create_subnet(&self, req: crate::NewSubnet) -> StoreResult<Subnet> {
        network::create_subnet(self, req).await
    }

    async fn list_subnets(&self) -> StoreResult<Vec<Subnet>> {
        network::list_subnets(self).await
    }

    async fn delete_subnet(&self, id: &str) -> StoreResult<()> {
        network::delete_subnet(self, id).await
    }

    async fn modify_subnet_dns64(&self, id: &str, enabled: bool) -> StoreResult<Subnet> {
        network::modify_subnet_dns64(self, id, enabled).await
    }

    async fn create_security_group(
        &self,
        req: crate::NewSecurityGroup,
    ) -> StoreResult<SecurityGroup> {
        network::create_group(self, req).await
    }

    async fn list_security_groups(&self) -> StoreResult<Vec<SecurityGroup>> {
        network::list_groups(self).await
    }

    async fn delete_security_group(&self, id: &str) -> StoreResult<()> {
        network::delete_group(self, id).await
    }

    async fn authorize_ingress(
        &self,
        group_id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        network::authorize_ingress(self, group_id, rules).await
    }

    async fn create_private_hosted_zone(
        &self,
        req: NewHostedZone,
        vpc: crate::VpcRef,
        owner_account: &str,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        network::create_private_zone(self, req, vpc, owner_account.to_string()).await
    }

    async fn hosted_zone_vpcs(&self, zone: &HostedZoneId) -> StoreResult<Vec<VpcAssociation>> {
        network::zone_vpcs(self, zone).await
    }

    async fn associate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: crate::VpcRef,
        caller_account: &str,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        network::associate(self, zone, vpc, caller_account.to_string(), comment).await
    }

    async fn disassociate_vpc(
        &self,
        zone: &HostedZoneId,
        vpc: crate::VpcRef,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        network::disassociate(self, zone, vpc, comment).await
    }

    async fn hosted_zones_by_vpc(&self, vpc: &crate::VpcRef) -> StoreResult<Vec<HostedZone>> {
        network::zones_by_vpc(self, vpc).await
    }

    async fn create_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: crate::VpcRef,
    ) -> StoreResult<()> {
        network::authorize(self, zone, vpc).await
    }

    async fn delete_vpc_association_authorization(
        &self,
        zone: &HostedZoneId,
        vpc: crate::VpcRef,
    ) -> StoreResult<()> {
        network::deauthorize(self, zone, vpc).await
    }

    async fn list_vpc_association_authorizations(
        &self,
        zone: &HostedZoneId,
    ) -> StoreResult<Vec<crate::VpcRef>> {
        network::authorizations(self, zone).await
    }

    async fn create_resolver_endpoint(
        &self,
        req: cairn_model::resolver_validate::NewEndpoint,
        tags: Vec<(String, String)>,
    ) -> StoreResult<cairn_model::resolver::ResolverEndpoint> {
        resolver::create_endpoint(self, req, tags).await
    }

    async fn update_resolver_endpoint(
        &self,
        id: &str,
        update: cairn_model::resolver_validate::EndpointUpdate,
    ) -> StoreResult<cairn_model::resolver::ResolverEndpoint> {
        resolver::update_endpoint(self, id.to_string(), update).await
    }

    async fn delete_resolver_endpoint(
        &self,
        id: &str,
    ) -> StoreResult<cairn_model::resolver::ResolverEndpoint> {
        resolver::delete_endpoint(self, id.to_string()).await
    }

    async fn associate_resolver_endpoint_ip(
        &self,
        id: &str,
        req: cairn_model::resolver_validate::IpRequest,
    ) -> StoreResult<cairn_model::resolver::ResolverEndpoint> {
        resolver::associate_ip(self, id.to_string(), req).await
    }

    async fn disassociate_resolver_endpoint_ip(
        &self,
        id: &str,
        which: cairn_model::resolver_validate::IpSelector,
    ) -> StoreResult<cairn_model::resolver::ResolverEndpoint> {
        resolver::disassociate_ip(self, id.to_string(), which).await
    }

    async fn create_resolver_rule(
        &self,
        req: cairn_model::resolver_validate::NewRule,
        tags: Vec<(String, String)>,
    ) -> StoreResult<cairn_model::resolver::ResolverRule> {
        resolver::create_rule(self, req, tags).await
    }

    async fn update_resolver_rule(
        &self,
        id: &str,
        update: cairn_model::resolver_validate::RuleUpdate,
    ) -> StoreResult<cairn_model::resolver::ResolverRule> {
        resolver::update_rule(self, id.to_string(), update).await
    }

    async fn delete_resolver_rule(
        &self,
        id: &str,
    ) -> StoreResult<cairn_model::resolver::ResolverRule> {
        resolver::delete_rule(self, id.to_string()).await
    }

    async fn associate_resolver_rule(
        &self,
        rule_id: &str,
        vpc_id: &str,
        name: Option<String>,
    ) -> StoreResult<cairn_model::resolver::RuleAssociation> {
        resolver::associate_rule(self, rule_id.to_string(), vpc_id.to_string(), name).await
    }

    async fn disassociate_resolver_rule(
        &self,
        rule_id: &str,
        vpc_id: &str,
    ) -> StoreResult<cairn_model::resolver::RuleAssociation> {
        resolver::disassociate_rule(self, rule_id.to_string(), vpc_id.to_string()).await
    }

    async fn update_resolver_config(
        &self,
        vpc_id: &str,
        flag: &str,
    ) -> StoreResult<cairn_model::resolver::VpcResolverConfig> {
        resolver::update_config(self, vpc_id.to_string(), flag.to_string()).await
    }

    async fn create_profile(
        &self,
        req: cairn_model::resolver_validate::NewProfile,
        tags: Vec<(String, String)>,
    ) -> StoreResult<cairn_model::resolver::Profile> {
        resolver::create_profile(self, req, tags).await
    }

    async fn delete_profile(&self, id: &str) -> StoreResult<cairn_model::resolver::Profile> {
        resolver::delete_profile(self, id.to_string()).await
    }

    async fn associate_profile(
        &self,
        req: cairn_model::resolver_validate::NewProfileAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<cairn_model::resolver::ProfileAssociation> {
        resolver::associate_profile(self, req, tags).await
    }

    async fn disassociate_profile(
        &self,
        profile_id: &str,
        vpc_id: &str,
    ) -> StoreResult<cairn_model::resolver::ProfileAssociation> {
        resolver::disassociate_profile(self, profile_id.to_string(), vpc_id.to_string()).await
    }

    async fn associate_profile_resource(
        &self,
        req: cairn_model::resolver_validate::NewProfileResource,
    ) -> StoreResult<cairn_model::resolver::ProfileResource> {
        resolver::associate_resource(self, req).await
    }

    async fn disassociate_profile_resource(
        &self,
        profile_id: &str,
        arn: &str,
    ) -> StoreResult<cairn_model::resolver::ProfileResource> {
        resolver::disassociate_resource(self, profile_id.to_string(), arn.to_string()).await
    }

    async fn update_profile_resource(
        &self,
        id: &str,
        name: Option<String>,
        resource_properties: Option<String>,
    ) -> StoreResult<cairn_model::resolver::ProfileResource> {
        resolver::update_resource(self, id.to_string(), name, resource_properties).await
    }
}

//------------ ChangeFeed -------------------------------------------------------

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        self.run(|conn| {
            let seq: Option<i64> = conn
                .query_row("SELECT max(seq) FROM changes", params![], |row| row.get(0))
                .map_err(map_err)?;
            Ok(ChangeSeq(seq.unwrap_or(0) as u64))
        })
        .await
    }

    async fn changes_since(&self, seq: ChangeSeq) -> StoreResult<Vec<ChangeEvent>> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT seq, id, subject_kind, subject_id, names FROM changes WHERE seq > ?1 ORDER BY seq LIMIT 10000",
                )
                .map_err(map_err)?;
            let rows = stmt
                .query_map([seq.0 as i64], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            rows.into_iter()
                .map(|(seq, id, kind, subject, names)| {
                    let subject = match kind.as_str() {
                        "hostedzone" => ChangeSubject::HostedZone(HostedZoneId::new(subject)),
                        "healthcheck" => ChangeSubject::HealthCheck(subject),
                        "network" => ChangeSubject::Network(subject),
                        "cidrcollection" => ChangeSubject::CidrCollection(subject),
                        other => return Err(StoreError::Corrupt(format!("unknown change subject {other:?}"))),
                    };
                    let names = names.map(|n| parse_names(&n)).transpose()?;
                    Ok(ChangeEvent { seq: ChangeSeq(seq as u64), change_id: ChangeId::new(id), subject, names })
                })
                .collect()
        })
        .await
    }

    async fn load_zone(&self, id: &HostedZoneId) -> StoreResult<Option<ZoneContents>> {
        let id = id.clone();
        self.read(move |tx| {
            // One read transaction, so the zone and its sets are from the same commit.
            let Some(zone) = load_zone_row(&tx, &id)? else {
                return Ok(None);
            };
            let record_sets = all_sets(&tx, &id)?;
            Ok(Some(ZoneContents { zone, record_sets }))
        })
        .await
    }

    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        self.read(|tx| {
            let ids: Vec<String> = {
                let mut stmt = tx
                    .prepare("SELECT id FROM hosted_zones ORDER BY id")
                    .map_err(map_err)?;
                let ids = stmt
                    .query_map(params![], |row| row.get(0))
                    .map_err(map_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(map_err)?;
                ids
            };
            let mut all = Vec::with_capacity(ids.len());
            for id in ids {
                let id = HostedZoneId::new(id);
                if let Some(zone) = load_zone_row(&tx, &id)? {
                    let record_sets = all_sets(&tx, &id)?;
                    all.push(ZoneContents { zone, record_sets });
                }
            }
            Ok(all)
        })
        .await
    }

    async fn load_record_sets_at(
        &self,
        id: &HostedZoneId,
        names: &[DomainName],
    ) -> StoreResult<Option<(HostedZone, Vec<ResourceRecordSet>)>> {
        let id = id.clone();
        let names: Vec<String> = names.iter().map(DomainName::to_route53).collect();
        self.read(move |tx| {
            let Some(zone) = load_zone_row(&tx, &id)? else {
                return Ok(None);
            };
            let sets = sets_at_names(&tx, &id, &names)?;
            Ok(Some((zone, sets)))
        })
        .await
    }

    async fn report_applied(&self, node: &str, seq: ChangeSeq) -> StoreResult<()> {
        let node = node.to_string();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO nodes (node_id, applied_seq, heartbeat_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (node_id) DO UPDATE SET applied_seq = excluded.applied_seq, heartbeat_ms = excluded.heartbeat_ms",
                params![node, seq.0 as i64, now_ms()],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn health_statuses(&self) -> StoreResult<Vec<(String, bool)>> {
        health::statuses(self).await
    }

    async fn load_network(&self) -> StoreResult<cairn_model::network::NetworkContents> {
        network::load(self).await
    }

    async fn load_cidr_collections(&self) -> StoreResult<Vec<cairn_model::cidr::CidrCollection>> {
        self.run(|conn| cidr::all(conn)).await
    }

    fn commit_notifier(&self) -> Option<Arc<Notify>> {
        Some(self.committed.clone())
    }
}

//==================================================================================
//------------ health checks (issue 6) ---------------------------------------------
//==================================================================================
//
// Every status change is published in the transaction that causes it: `publish` recomputes
// the effective status of every check (Disabled, Inverted, the override and CALCULATED
// children applied) and appends a `ChangeSubject::HealthCheck` change for each one that
// flipped, so the data plane reloads `health_statuses()` within one follower tick.

mod health {
    use super::conn::{params, Conn, OptionalExtension};
    use cairn_model::health::{
        calculated_status, effective_status, HealthCheck, HealthCheckConfig, HealthCheckType,
        HealthCheckUpdate, ProbeState,
    };

    use super::{check_caller_reference, log_change, map_err, now_ms, to_json, SqlStore};
    use crate::{
        ChangeSubject, HealthCheckState, HealthObservation, ProbeResult, StoreError, StoreResult,
    };
    use cairn_model::{ChangeAction, ChangeBatch};

    /// A random (version 4) UUID.
    fn new_uuid() -> String {
        use rand::Rng;
        let mut bytes: [u8; 16] = rand::thread_rng().gen();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn parse_config(json: &str) -> StoreResult<HealthCheckConfig> {
        serde_json::from_str(json).map_err(super::corrupt)
    }

    fn load(conn: &Conn<'_>, id: &str) -> StoreResult<Option<HealthCheck>> {
        let row = conn
            .query_row(
                "SELECT id, caller_reference, version, config FROM health_checks WHERE id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(map_err)?;
        row.map(|(id, caller_reference, version, config)| {
            Ok(HealthCheck {
                id,
                caller_reference,
                version: version as u64,
                config: parse_config(&config)?,
            })
        })
        .transpose()
    }

    fn require(conn: &Conn<'_>, id: &str) -> StoreResult<HealthCheck> {
        load(conn, id)?.ok_or_else(|| StoreError::NoSuchHealthCheck(id.to_string()))
    }

    /// Children of a CALCULATED check must exist and not be CALCULATED themselves.
    fn check_children(conn: &Conn<'_>, config: &HealthCheckConfig) -> StoreResult<()> {
        for child in &config.child_health_checks {
            let found = require(conn, child)?;
            if found.config.check_type == HealthCheckType::Calculated {
                return Err(StoreError::InvalidHealthCheck(
                    cairn_model::health::HealthCheckError::InvalidInput(format!(
                        "Invalid parameter : A calculated health check cannot be a child of another calculated health check ({child})."
                    )),
                ));
            }
        }
        Ok(())
    }

    /// ChangeResourceRecordSets: every `HealthCheckId` a CREATE or UPSERT names must exist.
    pub(super) fn check_batch_health_checks(tx: &Conn<'_>, batch: &ChangeBatch) -> StoreResult<()> {
        for change in &batch.changes {
            if change.action == ChangeAction::Delete {
                continue;
            }
            if let Some(id) = &change.record_set.health_check_id {
                if load(tx, id)?.is_none() {
                    return Err(StoreError::NoSuchHealthCheck(id.clone()));
                }
            }
        }
        Ok(())
    }

    /// Recomputes every check's effective status and logs a change for each that flipped.
    fn publish(tx: &Conn<'_>) -> StoreResult<()> {
        struct Row {
            id: String,
            config: HealthCheckConfig,
            raw: bool,
            override_status: Option<bool>,
            published: bool,
        }
        let rows = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT h.id, h.config, s.raw_healthy, s.override_status, s.effective_healthy \
                     FROM health_checks h JOIN health_check_status s ON s.id = h.id ORDER BY h.id",
                )
                .map_err(map_err)?;
            let raw_rows = stmt
                .query_map(params![], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, bool>(2)?,
                        row.get::<_, Option<bool>>(3)?,
                        row.get::<_, bool>(4)?,
                    ))
                })
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            raw_rows
                .into_iter()
                .map(|(id, config, raw, override_status, published)| {
                    Ok(Row {
                        id,
                        config: parse_config(&config)?,
                        raw,
                        override_status,
                        published,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?
        };
        let mut effective: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        for row in rows
            .iter()
            .filter(|r| r.config.check_type != HealthCheckType::Calculated)
        {
            effective.insert(
                &row.id,
                effective_status(&row.config, row.raw, row.override_status),
            );
        }
        for row in rows
            .iter()
            .filter(|r| r.config.check_type == HealthCheckType::Calculated)
        {
            // A child that no longer exists counts as unhealthy.
            let children = row
                .config
                .child_health_checks
                .iter()
                .map(|c| effective.get(c.as_str()).copied().unwrap_or(false));
            let raw = calculated_status(row.config.health_threshold.unwrap_or(0), children);
            effective.insert(
                &row.id,
                effective_status(&row.config, raw, row.override_status),
            );
        }
        for row in &rows {
            let now = effective.get(row.id.as_str()).copied().unwrap_or(true);
            if now != row.published {
                tx.execute(
                    "UPDATE health_check_status SET effective_healthy = ?2 WHERE id = ?1",
                    params![row.id, now],
                )
                .map_err(map_err)?;
                log_change(tx, &ChangeSubject::HealthCheck(row.id.clone()), None)?;
                tracing::info!(health_check = %row.id, healthy = now, "health check status changed");
            }
        }
        Ok(())
    }

    pub(super) async fn create(
        store: &SqlStore,
        caller_reference: &str,
        config: HealthCheckConfig,
    ) -> StoreResult<(HealthCheck, bool)> {
        let reference = caller_reference.to_string();
        store
            .write(move |tx| {
                if let Some(existing) = check_caller_reference(tx, "healthcheck", &reference)? {
                    return match load(tx, &existing)? {
                        Some(check) if check.config == config => Ok((check, false)),
                        _ => Err(StoreError::HealthCheckAlreadyExists),
                    };
                }
                config.validate()?;
                check_children(tx, &config)?;
                let id = new_uuid();
                tx.execute(
                    "INSERT INTO health_checks (id, caller_reference, version, config, created_at_ms) VALUES (?1, ?2, 1, ?3, ?4)",
                    params![id, reference, to_json(&config)?, now_ms()],
                )
                .map_err(map_err)?;
                tx.execute(
                    "INSERT INTO caller_references (kind, reference, resource_id) VALUES ('healthcheck', ?1, ?2)",
                    params![reference, id],
                )
                .map_err(map_err)?;
                // A new check is healthy until data arrives: published as healthy, then
                // `publish` flips it at once when Inverted (or CALCULATED) says otherwise.
                tx.execute("INSERT INTO health_check_status (id) VALUES (?1)", [&id]).map_err(map_err)?;
                publish(tx)?;
                Ok((HealthCheck { id, caller_reference: reference, version: 1, config }, true))
            })
            .await
    }

    pub(super) async fn get(store: &SqlStore, id: &str) -> StoreResult<HealthCheck> {
        let id = id.to_string();
        store.run(move |conn| require(conn, &id)).await
    }

    pub(super) async fn list(store: &SqlStore) -> StoreResult<Vec<HealthCheck>> {
        store
            .run(|conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT id, caller_reference, version, config FROM health_checks ORDER BY id")
                    .map_err(map_err)?;
                let rows = stmt
                    .query_map(params![], |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, String>(3)?,
                        ))
                    })
                    .map_err(map_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(map_err)?;
                rows.into_iter()
                    .map(|(id, caller_reference, version, config)| {
                        Ok(HealthCheck { id, caller_reference, version: version as u64, config: parse_config(&config)? })
                    })
                    .collect()
            })
            .await
    }

    pub(super) async fn update(
        store: &SqlStore,
        id: &str,
        update: HealthCheckUpdate,
    ) -> StoreResult<HealthCheck> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let mut check = require(tx, &id)?;
                if update.version.is_some_and(|v| v != check.version) {
                    return Err(StoreError::HealthCheckVersionMismatch);
                }
                let config = update.apply(&check.config)?;
                check_children(tx, &config)?;
                if config.failure_threshold != check.config.failure_threshold
                    || config.ip_address != check.config.ip_address
                    || config.port != check.config.port
                    || config.fqdn != check.config.fqdn
                {
                    // Another target or threshold: consecutive counts start again.
                    tx.execute(
                        "UPDATE health_check_status SET consecutive_ok = 0, consecutive_fail = 0 WHERE id = ?1",
                        [&id],
                    )
                    .map_err(map_err)?;
                }
                check.version += 1;
                check.config = config;
                tx.execute(
                    "UPDATE health_checks SET version = ?2, config = ?3 WHERE id = ?1",
                    params![id, check.version as i64, to_json(&check.config)?],
                )
                .map_err(map_err)?;
                publish(tx)?;
                Ok(check)
            })
            .await
    }

    pub(super) async fn delete(store: &SqlStore, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                require(tx, &id)?;
                let was_healthy: bool = tx
                    .query_row(
                        "SELECT effective_healthy FROM health_check_status WHERE id = ?1",
                        [&id],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(map_err)?
                    .unwrap_or(true);
                tx.execute("DELETE FROM health_check_status WHERE id = ?1", [&id])
                    .map_err(map_err)?;
                tx.execute("DELETE FROM health_checks WHERE id = ?1", [&id])
                    .map_err(map_err)?;
                tx.execute(
                    "DELETE FROM tags WHERE resource_type = 'healthcheck' AND resource_id = ?1",
                    [&id],
                )
                .map_err(map_err)?;
                if !was_healthy {
                    // Records that still name it now count as healthy (no status).
                    log_change(tx, &ChangeSubject::HealthCheck(id.clone()), None)?;
                }
                publish(tx)
            })
            .await
    }

    pub(super) async fn record_probe(
        store: &SqlStore,
        id: &str,
        result: ProbeResult,
    ) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let check = require(tx, &id)?;
                let (raw, ok_count, fail_count): (bool, i64, i64) = tx
                    .query_row(
                        "SELECT raw_healthy, consecutive_ok, consecutive_fail FROM health_check_status WHERE id = ?1",
                        [&id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .map_err(map_err)?;
                let mut state = ProbeState {
                    healthy: raw,
                    consecutive_ok: ok_count as u32,
                    consecutive_fail: fail_count as u32,
                };
                let flipped = state.record(result.ok, check.config.failure_threshold);
                tx.execute(
                    "UPDATE health_check_status SET raw_healthy = ?2, consecutive_ok = ?3, consecutive_fail = ?4, \
                     last_region = ?5, last_ip = ?6, last_status = ?7, last_checked_ms = ?8 WHERE id = ?1",
                    params![
                        id,
                        state.healthy,
                        i64::from(state.consecutive_ok.min(1_000_000)),
                        i64::from(state.consecutive_fail.min(1_000_000)),
                        result.region,
                        result.ip_address,
                        result.status,
                        result.checked_at_ms
                    ],
                )
                .map_err(map_err)?;
                if !result.ok {
                    tx.execute(
                        "UPDATE health_check_status SET failure_region = ?2, failure_ip = ?3, failure_status = ?4, \
                         failure_checked_ms = ?5 WHERE id = ?1",
                        params![id, result.region, result.ip_address, result.status, result.checked_at_ms],
                    )
                    .map_err(map_err)?;
                }
                if flipped {
                    publish(tx)?;
                }
                Ok(())
            })
            .await
    }

    pub(super) async fn set_override(
        store: &SqlStore,
        id: &str,
        status: Option<bool>,
    ) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                require(tx, &id)?;
                tx.execute(
                    "UPDATE health_check_status SET override_status = ?2 WHERE id = ?1",
                    params![id, status],
                )
                .map_err(map_err)?;
                publish(tx)
            })
            .await
    }

    pub(super) async fn state(store: &SqlStore, id: &str) -> StoreResult<HealthCheckState> {
        let id = id.to_string();
        store
            .run(move |conn| {
                require(conn, &id)?;
                type Obs = (Option<String>, Option<String>, Option<String>, Option<i64>);
                let (healthy, override_status, last, failure): (bool, Option<bool>, Obs, Obs) = conn
                    .query_row(
                        "SELECT effective_healthy, override_status, last_region, last_ip, last_status, last_checked_ms, \
                         failure_region, failure_ip, failure_status, failure_checked_ms FROM health_check_status WHERE id = ?1",
                        [&id],
                        |r| {
                            Ok((
                                r.get(0)?,
                                r.get(1)?,
                                (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?),
                                (r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?),
                            ))
                        },
                    )
                    .map_err(map_err)?;
                let observation = |(region, ip, status, at): Obs| match (status, at) {
                    (Some(status), Some(checked_at_ms)) => Some(HealthObservation {
                        region: region.unwrap_or_default(),
                        ip_address: ip.unwrap_or_default(),
                        status,
                        checked_at_ms,
                    }),
                    _ => None,
                };
                Ok(HealthCheckState {
                    healthy,
                    override_status,
                    last: observation(last),
                    last_failure: observation(failure),
                })
            })
            .await
    }

    pub(super) async fn statuses(store: &SqlStore) -> StoreResult<Vec<(String, bool)>> {
        store
            .run(|conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, effective_healthy FROM health_check_status ORDER BY id",
                    )
                    .map_err(map_err)?;
                let rows = stmt
                    .query_map(params![], |row| Ok((row.get(0)?, row.get(1)?)))
                    .map_err(map_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(map_err)?;
                Ok(rows)
            })
            .await
    }
}

//==================================================================================
//------------ networks (issue 4) --------------------------------------------------
//==================================================================================
//
// VPCs, subnets and security groups are JSON documents; private-zone associations and
// authorizations are plain rows. Every write logs one `ChangeSubject::Network` change in its
// transaction (a private zone's creation logs it before the zone's own change, so the id
// returned covers both).

mod network {
    use super::conn::{params, Conn, OptionalExtension};
    use cairn_model::network::{
        IngressRule, NetworkContents, SecurityGroup, Subnet, Vpc, VpcAssociation,
    };
    use cairn_model::network_validate::{
        availability_zone, check_ingress_rule, check_subnet_block, check_subnet_ipv6_block,
        check_vpc_block, describe_rule, is_duplicate_rule,
    };
    use cairn_model::{ChangeInfo, HostedZone, HostedZoneId};

    use super::{
        corrupt, insert_zone, load_zone_row, log_change, map_err, now_ms, require_zone, to_json,
        SqlStore,
    };
    use crate::{
        tag_types, ChangeSubject, NewHostedZone, NewSecurityGroup, NewSubnet, NewVpc, StoreError,
        StoreResult, VpcRef,
    };

    /// An EC2-shaped id: `prefix-` and 17 hex digits.
    pub(super) fn new_ec2_id(prefix: &str) -> String {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let digits: String = (0..17)
            .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
            .collect();
        format!("{prefix}-{digits}")
    }

    pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &str) -> StoreResult<T> {
        serde_json::from_str(body).map_err(corrupt)
    }

    fn bodies(
        conn: &Conn<'_>,
        sql: &str,
        args: impl super::conn::Params,
    ) -> StoreResult<Vec<String>> {
        let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
        let rows = stmt
            .query_map(args, |row| row.get::<_, String>(0))
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        Ok(rows)
    }

    fn load_vpc(conn: &Conn<'_>, id: &str) -> StoreResult<Option<Vpc>> {
        let body: Option<String> = conn
            .query_row("SELECT body FROM vpcs WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(map_err)?;
        body.map(|b| parse(&b)).transpose()
    }

    fn require_vpc(conn: &Conn<'_>, id: &str) -> StoreResult<Vpc> {
        load_vpc(conn, id)?.ok_or_else(|| StoreError::NoSuchVpc(id.to_string()))
    }

    /// The VPC a Route 53 request names: it must exist in the region named.
    fn require_vpc_in_region(conn: &Conn<'_>, vpc: &VpcRef) -> StoreResult<Vpc> {
        match load_vpc(conn, &vpc.vpc_id)? {
            Some(found) if found.region == vpc.region => Ok(found),
            _ => Err(StoreError::NoSuchVpc(vpc.vpc_id.clone())),
        }
    }

    fn store_vpc(tx: &Conn<'_>, vpc: &Vpc) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO vpcs (id, region, owner_account, body, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET region = excluded.region, owner_account = excluded.owner_account, \
             body = excluded.body, created_at_ms = excluded.created_at_ms",
            params![vpc.id, vpc.region, vpc.owner_account, to_json(vpc)?, vpc.created_at_ms],
        )
        .map_err(map_err)?;
        Ok(())
    }

    fn subnets_of(conn: &Conn<'_>, vpc_id: Option<&str>) -> StoreResult<Vec<Subnet>> {
        let rows = match vpc_id {
            Some(vpc) => bodies(
                conn,
                "SELECT body FROM subnets WHERE vpc_id = ?1 ORDER BY id",
                params![vpc],
            )?,
            None => bodies(conn, "SELECT body FROM subnets ORDER BY id", params![])?,
        };
        rows.iter().map(|b| parse(b)).collect()
    }

    fn load_subnet(conn: &Conn<'_>, id: &str) -> StoreResult<Subnet> {
        let body: Option<String> = conn
            .query_row("SELECT body FROM subnets WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(map_err)?;
        body.map(|b| parse(&b))
            .transpose()?
            .ok_or_else(|| StoreError::NoSuchSubnet(id.to_string()))
    }

    fn store_subnet(tx: &Conn<'_>, subnet: &Subnet) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO subnets (id, vpc_id, body) VALUES (?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET vpc_id = excluded.vpc_id, body = excluded.body",
            params![subnet.id, subnet.vpc_id, to_json(subnet)?],
        )
        .map_err(map_err)?;
        Ok(())
    }

    fn groups(conn: &Conn<'_>) -> StoreResult<Vec<SecurityGroup>> {
        bodies(
            conn,
            "SELECT body FROM security_groups ORDER BY id",
            params![],
        )?
        .iter()
        .map(|b| parse(b))
        .collect()
    }

    fn load_group(conn: &Conn<'_>, id: &str) -> StoreResult<SecurityGroup> {
        let body: Option<String> = conn
            .query_row(
                "SELECT body FROM security_groups WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(map_err)?;
        body.map(|b| parse(&b))
            .transpose()?
            .ok_or_else(|| StoreError::NoSuchSecurityGroup(id.to_string()))
    }

    fn store_group(tx: &Conn<'_>, group: &SecurityGroup) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO security_groups (id, vpc_id, name, body) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET vpc_id = excluded.vpc_id, name = excluded.name, body = excluded.body",
            params![group.id, group.vpc_id, group.name, to_json(group)?],
        )
        .map_err(map_err)?;
        Ok(())
    }

    pub(super) fn insert_tags(
        tx: &Conn<'_>,
        resource_type: &str,
        id: &str,
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        for (key, value) in tags {
            tx.execute(
                "INSERT INTO tags (resource_type, resource_id, key, value) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (resource_type, resource_id, key) DO UPDATE SET value = excluded.value",
                params![resource_type, id, key, value],
            )
            .map_err(map_err)?;
        }
        Ok(())
    }

    pub(super) fn delete_tags(tx: &Conn<'_>, resource_type: &str, id: &str) -> StoreResult<()> {
        tx.execute(
            "DELETE FROM tags WHERE resource_type = ?1 AND resource_id = ?2",
            params![resource_type, id],
        )
        .map_err(map_err)?;
        Ok(())
    }

    fn network_change(
        tx: &Conn<'_>,
        what: String,
        comment: Option<&str>,
    ) -> StoreResult<ChangeInfo> {
        log_change(tx, &ChangeSubject::Network(what), comment)
    }

    pub(super) async fn create_vpc(
        store: &SqlStore,
        req: NewVpc,
    ) -> StoreResult<(Vpc, SecurityGroup)> {
        check_vpc_block(req.cidr_block)?;
        store
            .write(move |tx| {
                let vpc = Vpc {
                    id: new_ec2_id("vpc"),
                    region: req.region,
                    owner_account: req.owner_account.clone(),
                    cidr_block: req.cidr_block,
                    secondary_cidr_blocks: Vec::new(),
                    ipv6_cidr_block: req.ipv6_cidr_block,
                    enable_dns_support: true,
                    enable_dns_hostnames: false,
                    is_default: false,
                    created_at_ms: now_ms(),
                };
                store_vpc(tx, &vpc)?;
                insert_tags(tx, tag_types::VPC, &vpc.id, &req.tags)?;
                // As on EC2: a `default` group whose members may reach each other.
                let group_id = new_ec2_id("sg");
                let group = SecurityGroup {
                    id: group_id.clone(),
                    name: "default".into(),
                    description: "default VPC security group".into(),
                    vpc_id: vpc.id.clone(),
                    owner_account: req.owner_account,
                    ingress: vec![IngressRule {
                        protocol: "-1".into(),
                        from_port: None,
                        to_port: None,
                        sources: Vec::new(),
                        source_groups: vec![group_id],
                    }],
                };
                store_group(tx, &group)?;
                network_change(tx, format!("vpc {} created", vpc.id), None)?;
                Ok((vpc, group))
            })
            .await
    }

    pub(super) async fn list_vpcs(store: &SqlStore) -> StoreResult<Vec<Vpc>> {
        store
            .run(|conn| {
                bodies(conn, "SELECT body FROM vpcs ORDER BY id", params![])?
                    .iter()
                    .map(|b| parse(b))
                    .collect()
            })
            .await
    }

    pub(super) async fn get_vpc(store: &SqlStore, id: &str) -> StoreResult<Vpc> {
        let id = id.to_string();
        store.run(move |conn| require_vpc(conn, &id)).await
    }

    pub(super) async fn delete_vpc(store: &SqlStore, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                require_vpc(tx, &id)?;
                let subnets: i64 = tx
                    .query_row("SELECT count(*) FROM subnets WHERE vpc_id = ?1", [&id], |r| r.get(0))
                    .map_err(map_err)?;
                let groups: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM security_groups WHERE vpc_id = ?1 AND name != 'default'",
                        [&id],
                        |r| r.get(0),
                    )
                    .map_err(map_err)?;
                if subnets > 0 || groups > 0 {
                    return Err(StoreError::DependencyViolation(format!(
                        "The vpc '{id}' has dependencies and cannot be deleted."
                    )));
                }
                let default_groups: Vec<String> = {
                    let mut stmt = tx.prepare("SELECT id FROM security_groups WHERE vpc_id = ?1").map_err(map_err)?;
                    let ids = stmt
                        .query_map([&id], |r| r.get(0))
                        .map_err(map_err)?
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(map_err)?;
                    ids
                };
                for group in &default_groups {
                    delete_tags(tx, tag_types::SECURITY_GROUP, group)?;
                }
                tx.execute("DELETE FROM security_groups WHERE vpc_id = ?1", [&id]).map_err(map_err)?;
                tx.execute("DELETE FROM vpcs WHERE id = ?1", [&id]).map_err(map_err)?;
                delete_tags(tx, tag_types::VPC, &id)?;
                network_change(tx, format!("vpc {id} deleted"), None)?;
                Ok(())
            })
            .await
    }

    pub(super) async fn modify_vpc(
        store: &SqlStore,
        id: &str,
        dns_support: Option<bool>,
        dns_hostnames: Option<bool>,
    ) -> StoreResult<Vpc> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let mut vpc = require_vpc(tx, &id)?;
                if let Some(on) = dns_support {
                    vpc.enable_dns_support = on;
                }
                if let Some(on) = dns_hostnames {
                    vpc.enable_dns_hostnames = on;
                }
                store_vpc(tx, &vpc)?;
                network_change(tx, format!("vpc {id} attributes"), None)?;
                Ok(vpc)
            })
            .await
    }

    pub(super) async fn create_subnet(store: &SqlStore, req: NewSubnet) -> StoreResult<Subnet> {
        store
            .write(move |tx| {
                let vpc = require_vpc(tx, &req.vpc_id)?;
                let existing = subnets_of(tx, Some(&vpc.id))?;
                check_subnet_block(&vpc, &existing, req.cidr_block)?;
                if let Some(block) = req.ipv6_cidr_block {
                    check_subnet_ipv6_block(&vpc, block)?;
                }
                let subnet = Subnet {
                    id: new_ec2_id("subnet"),
                    vpc_id: vpc.id.clone(),
                    owner_account: req.owner_account,
                    cidr_block: req.cidr_block,
                    ipv6_cidr_block: req.ipv6_cidr_block,
                    availability_zone: availability_zone(
                        &vpc.region,
                        req.availability_zone.as_deref(),
                    )?,
                    enable_dns64: false,
                    created_at_ms: now_ms(),
                };
                store_subnet(tx, &subnet)?;
                insert_tags(tx, tag_types::SUBNET, &subnet.id, &req.tags)?;
                network_change(tx, format!("subnet {} created", subnet.id), None)?;
                Ok(subnet)
            })
            .await
    }

    pub(super) async fn list_subnets(store: &SqlStore) -> StoreResult<Vec<Subnet>> {
        store.run(|conn| subnets_of(conn, None)).await
    }

    pub(super) async fn delete_subnet(store: &SqlStore, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                load_subnet(tx, &id)?;
                tx.execute("DELETE FROM subnets WHERE id = ?1", [&id])
                    .map_err(map_err)?;
                delete_tags(tx, tag_types::SUBNET, &id)?;
                network_change(tx, format!("subnet {id} deleted"), None)?;
                Ok(())
            })
            .await
    }

    pub(super) async fn modify_subnet_dns64(
        store: &SqlStore,
        id: &str,
        enabled: bool,
    ) -> StoreResult<Subnet> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let mut subnet = load_subnet(tx, &id)?;
                subnet.enable_dns64 = enabled;
                store_subnet(tx, &subnet)?;
                network_change(tx, format!("subnet {id} attributes"), None)?;
                Ok(subnet)
            })
            .await
    }

    pub(super) async fn create_group(
        store: &SqlStore,
        req: NewSecurityGroup,
    ) -> StoreResult<SecurityGroup> {
        store
            .write(move |tx| {
                let vpc = require_vpc(tx, &req.vpc_id)?;
                let taken: Option<i64> = tx
                    .query_row(
                        "SELECT 1 FROM security_groups WHERE vpc_id = ?1 AND name = ?2",
                        params![vpc.id, req.name],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(map_err)?;
                if taken.is_some() {
                    return Err(StoreError::SecurityGroupExists {
                        name: req.name,
                        vpc_id: vpc.id,
                    });
                }
                let group = SecurityGroup {
                    id: new_ec2_id("sg"),
                    name: req.name,
                    description: req.description,
                    vpc_id: vpc.id,
                    owner_account: req.owner_account,
                    ingress: Vec::new(),
                };
                store_group(tx, &group)?;
                insert_tags(tx, tag_types::SECURITY_GROUP, &group.id, &req.tags)?;
                network_change(tx, format!("security group {} created", group.id), None)?;
                Ok(group)
            })
            .await
    }

    pub(super) async fn list_groups(store: &SqlStore) -> StoreResult<Vec<SecurityGroup>> {
        store.run(|conn| groups(conn)).await
    }

    pub(super) async fn delete_group(store: &SqlStore, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let group = load_group(tx, &id)?;
                if group.name == "default" {
                    return Err(StoreError::CannotDelete(format!(
                        "the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"
                    )));
                }
                let referenced = groups(tx)?
                    .iter()
                    .filter(|g| g.id != id)
                    .any(|g| g.ingress.iter().any(|r| r.source_groups.contains(&id)));
                if referenced {
                    return Err(StoreError::DependencyViolation(format!("resource {id} has a dependent object")));
                }
                tx.execute("DELETE FROM security_groups WHERE id = ?1", [&id]).map_err(map_err)?;
                delete_tags(tx, tag_types::SECURITY_GROUP, &id)?;
                network_change(tx, format!("security group {id} deleted"), None)?;
                Ok(())
            })
            .await
    }

    pub(super) async fn authorize_ingress(
        store: &SqlStore,
        id: &str,
        rules: Vec<IngressRule>,
    ) -> StoreResult<SecurityGroup> {
        let id = id.to_string();
        store
            .write(move |tx| {
                let mut group = load_group(tx, &id)?;
                for rule in &rules {
                    check_ingress_rule(rule)?;
                    for source in &rule.source_groups {
                        load_group(tx, source)?;
                    }
                    if is_duplicate_rule(&group.ingress, rule) {
                        return Err(StoreError::DuplicatePermission(describe_rule(rule)));
                    }
                    group.ingress.push(rule.clone());
                }
                store_group(tx, &group)?;
                network_change(tx, format!("security group {id} ingress"), None)?;
                Ok(group)
            })
            .await
    }

    //------------ private hosted zones ------------------------------------------------

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

    fn associations_of_zone(
        conn: &Conn<'_>,
        zone: &HostedZoneId,
    ) -> StoreResult<Vec<VpcAssociation>> {
        let mut stmt = conn
            .prepare_cached("SELECT vpc_id, vpc_region FROM vpc_associations WHERE zone_id = ?1 ORDER BY vpc_id")
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
        let ids: Vec<String> = {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT zone_id FROM vpc_associations WHERE vpc_id = ?1 AND vpc_region = ?2 ORDER BY zone_id",
                )
                .map_err(map_err)?;
            let ids = stmt
                .query_map(params![vpc.vpc_id, vpc.region], |r| r.get(0))
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            ids
        };
        let mut zones = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(zone) = load_zone_row(conn, &HostedZoneId::new(id))? {
                zones.push(zone);
            }
        }
        Ok(zones)
    }

    /// `ConflictingDomainExists` when the VPC already sees a zone of this name.
    fn check_no_conflict(
        conn: &Conn<'_>,
        zone_name: &cairn_model::DomainName,
        vpc: &VpcRef,
    ) -> StoreResult<()> {
        if let Some(other) = zones_of_vpc(conn, vpc)?
            .into_iter()
            .find(|z| &z.name == zone_name)
        {
            return Err(StoreError::ConflictingDomainExists(format!(
                "The VPC {} in region {} has already been associated with the hosted zone {} with the same domain name.",
                vpc.vpc_id, vpc.region, other.id
            )));
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

    pub(super) async fn create_private_zone(
        store: &SqlStore,
        mut req: NewHostedZone,
        vpc: VpcRef,
        owner: String,
    ) -> StoreResult<(HostedZone, ChangeInfo)> {
        req.private_zone = true;
        store
            .write(move |tx| {
                require_vpc_in_region(tx, &vpc)?;
                check_no_conflict(tx, &req.name, &vpc)?;
                let id = insert_zone(tx, &req)?;
                tx.execute(
                    "UPDATE hosted_zones SET owner_account = ?2 WHERE id = ?1",
                    params![id.as_str(), owner],
                )
                .map_err(map_err)?;
                insert_association(tx, &id, &vpc, &owner)?;
                // The network change first: the zone's change, returned, comes after it, so
                // INSYNC of the returned id covers the association too.
                network_change(
                    tx,
                    format!("zone {id} associated with {}", vpc.vpc_id),
                    None,
                )?;
                let change = log_change(tx, &ChangeSubject::HostedZone(id.clone()), None)?;
                Ok((require_zone(tx, &id)?, change))
            })
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
        store
            .write(move |tx| {
                let zone = require_zone(tx, &zone_id)?;
                let found = require_vpc_in_region(tx, &vpc)?;
                if !zone.private_zone {
                    return Err(StoreError::PublicZoneVpcAssociation);
                }
                let authorized = || -> StoreResult<bool> {
                    let row: Option<i64> = tx
                        .query_row(
                            "SELECT 1 FROM vpc_association_authorizations WHERE zone_id = ?1 AND vpc_id = ?2 AND vpc_region = ?3",
                            params![zone_id.as_str(), vpc.vpc_id, vpc.region],
                            |r| r.get(0),
                        )
                        .optional()
                        .map_err(map_err)?;
                    Ok(row.is_some())
                };
                let owns_zone = zone_owner(tx, &zone_id)?.is_none_or(|owner| owner == caller);
                if found.owner_account != caller || (!owns_zone && !authorized()?) {
                    return Err(StoreError::NotAuthorized(format!(
                        "User: {caller} is not authorized to associate VPC {} with hosted zone {zone_id}.",
                        vpc.vpc_id
                    )));
                }
                check_no_conflict(tx, &zone.name, &vpc)?;
                insert_association(tx, &zone_id, &vpc, &caller)?;
                network_change(tx, format!("zone {zone_id} associated with {}", vpc.vpc_id), comment.as_deref())
            })
            .await
    }

    pub(super) async fn disassociate(
        store: &SqlStore,
        zone: &HostedZoneId,
        vpc: VpcRef,
        comment: Option<String>,
    ) -> StoreResult<ChangeInfo> {
        let zone_id = zone.clone();
        store
            .write(move |tx| {
                let zone = require_zone(tx, &zone_id)?;
                if !zone.private_zone {
                    return Err(StoreError::PublicZoneVpcAssociation);
                }
                let associations = associations_of_zone(tx, &zone_id)?;
                if !associations
                    .iter()
                    .any(|a| a.vpc_id == vpc.vpc_id && a.vpc_region == vpc.region)
                {
                    return Err(StoreError::VpcAssociationNotFound {
                        vpc_id: vpc.vpc_id,
                        zone_id,
                    });
                }
                if associations.len() == 1 {
                    return Err(StoreError::LastVpcAssociation);
                }
                tx.execute(
                    "DELETE FROM vpc_associations WHERE zone_id = ?1 AND vpc_id = ?2",
                    params![zone_id.as_str(), vpc.vpc_id],
                )
                .map_err(map_err)?;
                network_change(
                    tx,
                    format!("zone {zone_id} disassociated from {}", vpc.vpc_id),
                    comment.as_deref(),
                )
            })
            .await
    }

    pub(super) async fn zones_by_vpc(
        store: &SqlStore,
        vpc: &VpcRef,
    ) -> StoreResult<Vec<HostedZone>> {
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
                let zone = require_zone(tx, &zone_id)?;
                if !zone.private_zone {
                    return Err(StoreError::PublicZoneVpcAssociation);
                }
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
                    return Err(StoreError::VpcAssociationAuthorizationNotFound { vpc_id: vpc.vpc_id, zone_id });
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
                    .query_map([zone_id.as_str()], |r| Ok(VpcRef { vpc_id: r.get(0)?, region: r.get(1)? }))
                    .map_err(map_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(map_err)?;
                Ok(rows)
            })
            .await
    }

    /// Removes a zone's associations and authorizations (the zone is being deleted); logs a
    /// network change when it had any.
    pub(super) fn forget_zone(tx: &Conn<'_>, zone: &HostedZoneId) -> StoreResult<()> {
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
            network_change(tx, format!("zone {zone} deleted"), None)?;
        }
        Ok(())
    }

    pub(super) async fn load(store: &SqlStore) -> StoreResult<NetworkContents> {
        store
            .read(|tx| {
                // One read transaction: every part from the same commit.
                contents(&tx)
            })
            .await
    }

    /// Everything [`load`] returns, read on `conn` (a write transaction reads its own state).
    pub(super) fn contents(conn: &Conn<'_>) -> StoreResult<NetworkContents> {
        let vpcs: Vec<Vpc> = bodies(conn, "SELECT body FROM vpcs ORDER BY id", params![])?
            .iter()
            .map(|b| parse(b))
            .collect::<StoreResult<_>>()?;
        let subnets = subnets_of(conn, None)?;
        let security_groups = groups(conn)?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT a.zone_id, a.vpc_id, a.vpc_region FROM vpc_associations a \
                 JOIN vpcs v ON v.id = a.vpc_id AND v.region = a.vpc_region ORDER BY a.zone_id, a.vpc_id",
            )
            .map_err(map_err)?;
        let associations = stmt
            .query_map(params![], |r| {
                Ok(VpcAssociation {
                    zone_id: HostedZoneId::new(r.get::<_, String>(0)?),
                    vpc_id: r.get(1)?,
                    vpc_region: r.get(2)?,
                })
            })
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        fn all<T: serde::de::DeserializeOwned>(
            conn: &Conn<'_>,
            table: &str,
            order: &str,
        ) -> StoreResult<Vec<T>> {
            bodies(
                conn,
                &format!("SELECT body FROM {table} ORDER BY {order}"),
                params![],
            )?
            .iter()
            .map(|b| parse(b))
            .collect()
        }
        Ok(NetworkContents {
            vpcs,
            subnets,
            security_groups,
            associations,
            endpoints: all(conn, "resolver_endpoints", "id")?,
            rules: all(conn, "resolver_rules", "id")?,
            rule_associations: all(conn, "resolver_rule_associations", "id")?,
            resolver_configs: all(conn, "resolver_configs", "resource_id")?,
            profiles: all(conn, "profiles", "id")?,
            profile_associations: all(conn, "profile_associations", "id")?,
            profile_resources: all(conn, "profile_resources", "id")?,
        })
    }
}

//------------ Resolver and Profiles (issue 5) ---------------------------------------
//==================================================================================
//
// Each write reads the whole network state inside its transaction (it is small), runs the
// pure check of `cairn_model::resolver_validate` on it, writes the rows it returns and logs
// one `ChangeSubject::Network` change. A refused write returns before anything is written,
// and the transaction is dropped (rolled back).

mod resolver {
    use super::conn::{params, Conn};
    use cairn_model::network::NetworkContents;
    use cairn_model::resolver::{
        Profile, ProfileAssociation, ProfileResource, ResolverEndpoint, ResolverRule,
        RuleAssociation, VpcResolverConfig,
    };
    use cairn_model::resolver_validate::{
        self as validate, EndpointUpdate, IpRequest, IpSelector, NewEndpoint, NewProfile,
        NewProfileAssociation, NewProfileResource, NewRule, RuleUpdate,
    };

    use super::network::{contents, delete_tags, insert_tags};
    use super::{log_change, map_err, now_ms, to_json, SqlStore};
    use crate::{tag_types, ChangeSubject, StoreResult};

    /// `prefix` + 17 hex digits (`rslvr-in-0123…`, `rni-…`, `rp-…`).
    fn new_id(prefix: &str) -> String {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let digits: String = (0..17)
            .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
            .collect();
        format!("{prefix}{digits}")
    }

    /// Runs `f` on the state inside one write transaction and logs `what(result)`.
    async fn change<T, F, D>(store: &SqlStore, f: F, what: D) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>, &NetworkContents) -> StoreResult<T> + Send + 'static,
        D: FnOnce(&T) -> String + Send + 'static,
    {
        store
            .write(move |tx| {
                let net = contents(tx)?;
                let out = f(tx, &net)?;
                log_change(tx, &ChangeSubject::Network(what(&out)), None)?;
                Ok(out)
            })
            .await
    }

    fn exec(tx: &Conn<'_>, sql: &str, args: impl super::conn::Params) -> StoreResult<()> {
        tx.execute(sql, args).map_err(map_err)?;
        Ok(())
    }

    fn put_endpoint(tx: &Conn<'_>, e: &ResolverEndpoint) -> StoreResult<()> {
        exec(
            tx,
            "INSERT INTO resolver_endpoints (id, owner_account, creator_request_id, host_vpc_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET owner_account = excluded.owner_account, \
             creator_request_id = excluded.creator_request_id, host_vpc_id = excluded.host_vpc_id, body = excluded.body",
            params![e.id, e.owner_account, e.creator_request_id, e.host_vpc_id, to_json(e)?],
        )
    }

    fn put_rule(tx: &Conn<'_>, r: &ResolverRule) -> StoreResult<()> {
        exec(
            tx,
            "INSERT INTO resolver_rules (id, owner_account, creator_request_id, endpoint_id, body) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (id) DO UPDATE SET owner_account = excluded.owner_account, \
             creator_request_id = excluded.creator_request_id, endpoint_id = excluded.endpoint_id, body = excluded.body",
            params![r.id, r.owner_account, r.creator_request_id, r.resolver_endpoint_id, to_json(r)?],
        )
    }

    fn put_profile_resource(tx: &Conn<'_>, r: &ProfileResource) -> StoreResult<()> {
        exec(
            tx,
            "INSERT INTO profile_resources (id, profile_id, resource_arn, body) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET profile_id = excluded.profile_id, resource_arn = excluded.resource_arn, \
             body = excluded.body",
            params![r.id, r.profile_id, r.resource_arn, to_json(r)?],
        )
    }

    fn private_zone_ids(conn: &Conn<'_>) -> StoreResult<Vec<String>> {
        let mut stmt = conn
            .prepare_cached("SELECT id FROM hosted_zones WHERE private_zone")
            .map_err(map_err)?;
        let ids = stmt
            .query_map(params![], |r| r.get::<_, String>(0))
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        Ok(ids)
    }

    //--- endpoints

    pub(super) async fn create_endpoint(
        store: &SqlStore,
        req: NewEndpoint,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverEndpoint> {
        change(
            store,
            move |tx, net| {
                let endpoint = validate::create_endpoint(net, req, &mut |p| new_id(p), now_ms())?;
                put_endpoint(tx, &endpoint)?;
                insert_tags(tx, tag_types::RESOLVER_ENDPOINT, &endpoint.id, &tags)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} created", e.id),
        )
        .await
    }

    pub(super) async fn update_endpoint(
        store: &SqlStore,
        id: String,
        update: EndpointUpdate,
    ) -> StoreResult<ResolverEndpoint> {
        change(
            store,
            move |tx, net| {
                let endpoint = validate::update_endpoint(net, &id, update, now_ms())?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} updated", e.id),
        )
        .await
    }

    pub(super) async fn delete_endpoint(
        store: &SqlStore,
        id: String,
    ) -> StoreResult<ResolverEndpoint> {
        change(
            store,
            move |tx, net| {
                let endpoint = validate::delete_endpoint(net, &id)?;
                exec(
                    tx,
                    "DELETE FROM resolver_endpoints WHERE id = ?1",
                    params![id],
                )?;
                delete_tags(tx, tag_types::RESOLVER_ENDPOINT, &id)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} deleted", e.id),
        )
        .await
    }

    pub(super) async fn associate_ip(
        store: &SqlStore,
        id: String,
        req: IpRequest,
    ) -> StoreResult<ResolverEndpoint> {
        change(
            store,
            move |tx, net| {
                let endpoint =
                    validate::associate_endpoint_ip(net, &id, req, &mut |p| new_id(p), now_ms())?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} address added", e.id),
        )
        .await
    }

    pub(super) async fn disassociate_ip(
        store: &SqlStore,
        id: String,
        which: IpSelector,
    ) -> StoreResult<ResolverEndpoint> {
        change(
            store,
            move |tx, net| {
                let endpoint = validate::disassociate_endpoint_ip(net, &id, which, now_ms())?;
                put_endpoint(tx, &endpoint)?;
                Ok(endpoint)
            },
            |e| format!("resolver endpoint {} address removed", e.id),
        )
        .await
    }

    //--- rules

    pub(super) async fn create_rule(
        store: &SqlStore,
        req: NewRule,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ResolverRule> {
        change(
            store,
            move |tx, net| {
                let rule = validate::create_rule(net, req, new_id("rslvr-rr-"), now_ms())?;
                put_rule(tx, &rule)?;
                insert_tags(tx, tag_types::RESOLVER_RULE, &rule.id, &tags)?;
                Ok(rule)
            },
            |r| format!("resolver rule {} created", r.id),
        )
        .await
    }

    pub(super) async fn update_rule(
        store: &SqlStore,
        id: String,
        update: RuleUpdate,
    ) -> StoreResult<ResolverRule> {
        change(
            store,
            move |tx, net| {
                let rule = validate::update_rule(net, &id, update, now_ms())?;
                put_rule(tx, &rule)?;
                Ok(rule)
            },
            |r| format!("resolver rule {} updated", r.id),
        )
        .await
    }

    pub(super) async fn delete_rule(store: &SqlStore, id: String) -> StoreResult<ResolverRule> {
        change(
            store,
            move |tx, net| {
                let rule = validate::delete_rule(net, &id)?;
                exec(tx, "DELETE FROM resolver_rules WHERE id = ?1", params![id])?;
                delete_tags(tx, tag_types::RESOLVER_RULE, &id)?;
                Ok(rule)
            },
            |r| format!("resolver rule {} deleted", r.id),
        )
        .await
    }

    pub(super) async fn associate_rule(
        store: &SqlStore,
        rule_id: String,
        vpc_id: String,
        name: Option<String>,
    ) -> StoreResult<RuleAssociation> {
        change(
            store,
            move |tx, net| {
                let assoc = validate::associate_rule(net, &rule_id, &vpc_id, name, new_id("rslvr-rrassoc-"))?;
                exec(
                    tx,
                    "INSERT INTO resolver_rule_associations (id, rule_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4)",
                    params![assoc.id, assoc.rule_id, assoc.vpc_id, to_json(&assoc)?],
                )?;
                Ok(assoc)
            },
            |a| format!("resolver rule {} associated with {}", a.rule_id, a.vpc_id),
        )
        .await
    }

    pub(super) async fn disassociate_rule(
        store: &SqlStore,
        rule_id: String,
        vpc_id: String,
    ) -> StoreResult<RuleAssociation> {
        change(
            store,
            move |tx, net| {
                let assoc = validate::disassociate_rule(net, &rule_id, &vpc_id)?;
                exec(
                    tx,
                    "DELETE FROM resolver_rule_associations WHERE id = ?1",
                    params![assoc.id],
                )?;
                Ok(assoc)
            },
            |a| {
                format!(
                    "resolver rule {} disassociated from {}",
                    a.rule_id, a.vpc_id
                )
            },
        )
        .await
    }

    pub(super) async fn update_config(
        store: &SqlStore,
        vpc_id: String,
        flag: String,
    ) -> StoreResult<VpcResolverConfig> {
        change(
            store,
            move |tx, net| {
                let config = validate::update_config(net, &vpc_id, &flag, "")?;
                exec(
                    tx,
                    "INSERT INTO resolver_configs (resource_id, body) VALUES (?1, ?2) \
                     ON CONFLICT (resource_id) DO UPDATE SET body = excluded.body",
                    params![config.resource_id, to_json(&config)?],
                )?;
                Ok(config)
            },
            |c| format!("resolver config of {} updated", c.resource_id),
        )
        .await
    }

    //--- profiles

    pub(super) async fn create_profile(
        store: &SqlStore,
        req: NewProfile,
        tags: Vec<(String, String)>,
    ) -> StoreResult<Profile> {
        change(
            store,
            move |tx, net| {
                let (profile, new) = validate::create_profile(net, req, new_id("rp-"), now_ms())?;
                if new {
                    exec(
                        tx,
                        "INSERT INTO profiles (id, owner_account, client_token, body) VALUES (?1, ?2, ?3, ?4)",
                        params![profile.id, profile.owner_account, profile.client_token, to_json(&profile)?],
                    )?;
                    insert_tags(tx, tag_types::PROFILE, &profile.id, &tags)?;
                }
                Ok(profile)
            },
            |p| format!("profile {} created", p.id),
        )
        .await
    }

    pub(super) async fn delete_profile(store: &SqlStore, id: String) -> StoreResult<Profile> {
        change(
            store,
            move |tx, net| {
                let profile = validate::delete_profile(net, &id)?;
                exec(
                    tx,
                    "DELETE FROM profile_resources WHERE profile_id = ?1",
                    params![id],
                )?;
                exec(tx, "DELETE FROM profiles WHERE id = ?1", params![id])?;
                delete_tags(tx, tag_types::PROFILE, &id)?;
                Ok(profile)
            },
            |p| format!("profile {} deleted", p.id),
        )
        .await
    }

    pub(super) async fn associate_profile(
        store: &SqlStore,
        req: NewProfileAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ProfileAssociation> {
        change(
            store,
            move |tx, net| {
                let assoc = validate::associate_profile(net, req, new_id("rpassoc-"), now_ms())?;
                exec(
                    tx,
                    "INSERT INTO profile_associations (id, profile_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4)",
                    params![assoc.id, assoc.profile_id, assoc.vpc_id, to_json(&assoc)?],
                )?;
                insert_tags(tx, tag_types::PROFILE_ASSOCIATION, &assoc.id, &tags)?;
                Ok(assoc)
            },
            |a| format!("profile {} associated with {}", a.profile_id, a.vpc_id),
        )
        .await
    }

    pub(super) async fn disassociate_profile(
        store: &SqlStore,
        profile_id: String,
        vpc_id: String,
    ) -> StoreResult<ProfileAssociation> {
        change(
            store,
            move |tx, net| {
                let assoc = validate::disassociate_profile(net, &profile_id, &vpc_id)?;
                exec(
                    tx,
                    "DELETE FROM profile_associations WHERE id = ?1",
                    params![assoc.id],
                )?;
                delete_tags(tx, tag_types::PROFILE_ASSOCIATION, &assoc.id)?;
                Ok(assoc)
            },
            |a| format!("profile {} disassociated from {}", a.profile_id, a.vpc_id),
        )
        .await
    }

    pub(super) async fn associate_resource(
        store: &SqlStore,
        req: NewProfileResource,
    ) -> StoreResult<ProfileResource> {
        change(
            store,
            move |tx, net| {
                let zones = private_zone_ids(tx)?;
                let resource = validate::associate_profile_resource(
                    net,
                    &zones,
                    req,
                    new_id("rpr-"),
                    now_ms(),
                )?;
                put_profile_resource(tx, &resource)?;
                Ok(resource)
            },
            |r| format!("{} added to profile {}", r.resource_arn, r.profile_id),
        )
        .await
    }

    pub(super) async fn disassociate_resource(
        store: &SqlStore,
        profile_id: String,
        arn: String,
    ) -> StoreResult<ProfileResource> {
        change(
            store,
            move |tx, net| {
                let resource = validate::disassociate_profile_resource(net, &profile_id, &arn)?;
                exec(
                    tx,
                    "DELETE FROM profile_resources WHERE id = ?1",
                    params![resource.id],
                )?;
                Ok(resource)
            },
            |r| format!("{} removed from profile {}", r.resource_arn, r.profile_id),
        )
        .await
    }

    pub(super) async fn update_resource(
        store: &SqlStore,
        id: String,
        name: Option<String>,
        props: Option<String>,
    ) -> StoreResult<ProfileResource> {
        change(
            store,
            move |tx, net| {
                let resource = validate::update_profile_resource(net, &id, name, props, now_ms())?;
                put_profile_resource(tx, &resource)?;
                Ok(resource)
            },
            |r| format!("profile resource {} updated", r.id),
        )
        .await
    }
}

//------------ CIDR collections (issue 6) ------------------------------------------------
//
// A collection is one row with its locations as JSON. Every write runs in one transaction
// and logs one `ChangeSubject::CidrCollection` change, so the data plane reloads every
// collection (they are small) and recompiles the IP-based sets that name them.

mod cidr {
    use super::conn::{params, Conn, Dialect, OptionalExtension};
    use cairn_model::change::cidr_refs::check_cidr_references;
    use cairn_model::cidr::{
        apply_cidr_changes, check_new_collection, CidrChange, CidrCollection, CidrError,
        CidrErrorKind,
    };
    use cairn_model::{ChangeInfo, ResourceRecordSet, ZoneEdit};

    use super::{corrupt, log_change, map_err, now_ms, to_json, SqlStore};
    use crate::{ChangeSubject, StoreResult};

    fn from_body(body: &str) -> StoreResult<CidrCollection> {
        serde_json::from_str(body).map_err(corrupt)
    }

    /// Every collection, by name.
    pub(super) fn all(conn: &Conn<'_>) -> StoreResult<Vec<CidrCollection>> {
        let mut stmt = conn
            .prepare_cached("SELECT body FROM cidr_collections ORDER BY name")
            .map_err(map_err)?;
        let bodies = stmt
            .query_map(params![], |row| row.get::<_, String>(0))
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        bodies.iter().map(|b| from_body(b)).collect()
    }

    fn find(conn: &Conn<'_>, id: &str) -> StoreResult<Option<CidrCollection>> {
        let body: Option<String> = conn
            .query_row(
                "SELECT body FROM cidr_collections WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()
            .map_err(map_err)?;
        body.map(|b| from_body(&b)).transpose()
    }

    /// The collection, or `NoSuchCidrCollectionException`.
    pub(super) fn require(conn: &Conn<'_>, id: &str) -> StoreResult<CidrCollection> {
        find(conn, id)?.ok_or_else(|| CidrError::no_such_collection(id).into())
    }

    fn put(tx: &Conn<'_>, c: &CidrCollection) -> StoreResult<()> {
        tx.execute(
            "INSERT INTO cidr_collections (id, name, caller_reference, version, body, created_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body",
            params![c.id, c.name, c.caller_reference, c.version as i64, to_json(c)?, now_ms()],
        )
        .map_err(map_err)?;
        Ok(())
    }

    /// The locations of collection `id` that record sets name (`*` included).
    fn used_locations(conn: &Conn<'_>, id: &str) -> StoreResult<Vec<String>> {
        let sql = match conn.dialect() {
            Dialect::Sqlite => {
                "SELECT DISTINCT json_extract(body, '$.cidr_routing_config.location_name') FROM record_sets \
                 WHERE json_extract(body, '$.cidr_routing_config.collection_id') = ?1"
            }
            Dialect::Postgres => {
                "SELECT DISTINCT body::jsonb #>> '{cidr_routing_config,location_name}' FROM record_sets \
                 WHERE body::jsonb #>> '{cidr_routing_config,collection_id}' = ?1"
            }
        };
        let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
        let rows = stmt
            .query_map([id], |row| row.get::<_, String>(0))
            .map_err(map_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(map_err)?;
        Ok(rows)
    }

    fn uuid() -> String {
        use rand::Rng;
        let b: [u8; 16] = rand::thread_rng().gen();
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-4{}-{:x}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            8 | (b[8] & 3),
            &h[17..20],
            &h[20..32]
        )
    }

    pub(super) async fn create(
        store: &SqlStore,
        name: String,
        caller_reference: String,
    ) -> StoreResult<(CidrCollection, bool)> {
        check_new_collection(&name, &caller_reference)?;
        store
            .write(move |tx| {
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT body FROM cidr_collections WHERE name = ?1",
                        [&name],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(map_err)?;
                if let Some(body) = existing {
                    let found = from_body(&body)?;
                    if found.caller_reference == caller_reference {
                        return Ok((found, false));
                    }
                    return Err(CidrError::new(
                        CidrErrorKind::AlreadyExists,
                        format!("A CIDR collection with the name {name} already exists."),
                    )
                    .into());
                }
                let count: i64 = tx
                    .query_row("SELECT count(*) FROM cidr_collections", params![], |row| {
                        row.get(0)
                    })
                    .map_err(map_err)?;
                if count >= MAX_COLLECTIONS {
                    return Err(CidrError::new(
                        CidrErrorKind::LimitsExceeded,
                        format!("An account holds at most {MAX_COLLECTIONS} CIDR collections."),
                    )
                    .into());
                }
                let collection = CidrCollection {
                    id: uuid(),
                    name,
                    caller_reference,
                    version: 1,
                    locations: Default::default(),
                };
                put(tx, &collection)?;
                log_change(
                    tx,
                    &ChangeSubject::CidrCollection(collection.id.clone()),
                    None,
                )?;
                Ok((collection, true))
            })
            .await
    }

    /// Route 53's default quota of collections per account.
    const MAX_COLLECTIONS: i64 = 5;

    pub(super) async fn change(
        store: &SqlStore,
        id: String,
        version: Option<u64>,
        changes: Vec<CidrChange>,
    ) -> StoreResult<ChangeInfo> {
        store
            .write(move |tx| {
                let current = require(tx, &id)?;
                let used = used_locations(tx, &id)?;
                let next = apply_cidr_changes(&current, version, &changes, |l| {
                    used.iter().any(|u| u == l)
                })?;
                put(tx, &next)?;
                log_change(tx, &ChangeSubject::CidrCollection(id.clone()), None)
            })
            .await
    }

    pub(super) async fn delete(store: &SqlStore, id: String) -> StoreResult<()> {
        store
            .write(move |tx| {
                let current = require(tx, &id)?;
                if current.block_count() > 0 || !used_locations(tx, &id)?.is_empty() {
                    return Err(CidrError::new(
                        CidrErrorKind::CollectionInUse,
                        format!("The CIDR collection {id} is in use or isn't empty."),
                    )
                    .into());
                }
                tx.execute("DELETE FROM cidr_collections WHERE id = ?1", [&id])
                    .map_err(map_err)?;
                log_change(tx, &ChangeSubject::CidrCollection(id.clone()), None)?;
                Ok(())
            })
            .await
    }

    /// The problems with the CIDR references of a batch's written sets; `existing` are the
    /// sets stored at the batch's names before it.
    pub(super) fn check_references(
        conn: &Conn<'_>,
        existing: &[ResourceRecordSet],
        edit: &ZoneEdit,
    ) -> StoreResult<Vec<String>> {
        if edit.written.iter().all(|s| s.cidr_routing_config.is_none()) {
            return Ok(Vec::new());
        }
        let collections = all(conn)?;
        let neighbours: Vec<ResourceRecordSet> = existing
            .iter()
            .filter(|s| {
                let key = s.key();
                !edit.deleted.contains(&key) && !edit.written.iter().any(|w| w.key() == key)
            })
            .cloned()
            .collect();
        Ok(check_cidr_references(&edit.written, &neighbours, |id| {
            collections.iter().find(|c| c.id == id)
        }))
    }
}

//! The embedded backend: one SQLite file in WAL mode.
//!
//! Durability: `synchronous=FULL`, so a call that returned has reached the disk and survives
//! kill -9 and power loss. Every write is one `BEGIN IMMEDIATE` transaction, which also
//! serialises writers across processes (`cairn zone import` beside `cairn serve`); readers
//! never block on it (WAL). SQLite calls block, so they run on tokio's blocking pool behind one
//! connection per store handle.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use cairn_model::change::{apply_change_batch, names_touched};
use cairn_model::{
    ChangeBatch, ChangeBatchError, ChangeId, ChangeInfo, ChangeSeq, ChangeStatus, DomainName, HostedZone,
    HostedZoneId, Limits, ResourceRecordSet, RrsetKey,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use tokio::sync::Notify;

use crate::{
    ChangeEvent, ChangeFeed, ChangeSubject, DelegationSet, NewHostedZone, RecordSetListing,
    RecordSetPage, Store, StoreError, StoreResult, ZoneContents,
};

/// Migrations in order; `schema_migrations` records which ran.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_initial.sql")),
    (2, include_str!("../migrations/sqlite/0002_health_checks.sql")),
    (3, include_str!("../migrations/sqlite/0003_change_names.sql")),
];

/// A node that has not reported for this long no longer counts for `INSYNC`.
pub const NODE_LIVENESS: Duration = Duration::from_secs(10);

/// How long a write waits for another process's transaction before giving up as
/// [`StoreError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite store.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    committed: Arc<Notify>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        let path = path.to_path_buf();
        let conn = tokio::task::spawn_blocking(move || -> StoreResult<Connection> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let mut conn = Connection::open(&path).map_err(map_err)?;
            conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
            conn.pragma_update(None, "journal_mode", "WAL").map_err(map_err)?;
            conn.pragma_update(None, "synchronous", "FULL").map_err(map_err)?;
            conn.pragma_update(None, "foreign_keys", "ON").map_err(map_err)?;
            migrate(&mut conn)?;
            Ok(conn)
        })
        .await
        .map_err(join_err)??;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), committed: Arc::new(Notify::new()) })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn run<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(join_err)?
    }

    /// Runs `f` in one immediate transaction, commits it, and wakes the follower.
    async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> StoreResult<T> + Send + 'static,
    {
        let result = self
            .run(move |conn| {
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(map_err)?;
                let value = f(&tx)?;
                tx.commit().map_err(map_err)?;
                Ok(value)
            })
            .await?;
        self.committed.notify_one();
        Ok(result)
    }
}

//------------ migrations -------------------------------------------------------

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)",
    )
    .map_err(map_err)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(map_err)?;
    for (version, sql) in MIGRATIONS {
        let done: bool = tx
            .query_row("SELECT 1 FROM schema_migrations WHERE version = ?1", [version], |_| Ok(()))
            .optional()
            .map_err(map_err)?
            .is_some();
        if !done {
            tx.execute_batch(sql).map_err(map_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?1, ?2)",
                params![version, now_ms()],
            )
            .map_err(map_err)?;
            tracing::info!(version, "store migration applied");
        }
    }
    tx.commit().map_err(map_err)
}

//------------ helpers ------------------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
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

fn map_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::DiskFull) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Backend(e.to_string()),
    }
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
    tx: &Transaction<'_>,
    subject: &ChangeSubject,
    comment: Option<&str>,
) -> StoreResult<ChangeInfo> {
    log_change_of_names(tx, subject, comment, None)
}

/// [`log_change`] for a change that touched only `names` of a zone.
fn log_change_of_names(
    tx: &Transaction<'_>,
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

const ZONE_COLUMNS: &str = "z.id, z.name, z.caller_reference, z.comment, z.has_config, z.private_zone, \
     z.delegation_set_id, z.name_servers, z.created_at_ms, \
     (SELECT count(*) FROM record_sets r WHERE r.zone_id = z.id)";

fn zone_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(HostedZone, String)> {
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

fn load_zone_row(conn: &Connection, id: &HostedZoneId) -> StoreResult<Option<HostedZone>> {
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

fn require_zone(conn: &Connection, id: &HostedZoneId) -> StoreResult<HostedZone> {
    load_zone_row(conn, id)?.ok_or_else(|| StoreError::NoSuchHostedZone(id.clone()))
}

fn parse_set(body: &str) -> StoreResult<ResourceRecordSet> {
    serde_json::from_str(body).map_err(corrupt)
}

fn insert_set(tx: &Transaction<'_>, zone: &HostedZoneId, set: &ResourceRecordSet) -> StoreResult<()> {
    let key = set.key();
    tx.execute(
        "INSERT OR REPLACE INTO record_sets (zone_id, sort_name, rtype, set_identifier, name, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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

fn all_sets(conn: &Connection, zone: &HostedZoneId) -> StoreResult<Vec<ResourceRecordSet>> {
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
    tx: &Transaction<'_>,
    zone: &HostedZone,
    written: &[ResourceRecordSet],
) -> StoreResult<Vec<String>> {
    let mut problems = Vec::new();
    for set in written {
        let Some(alias) = &set.alias_target else { continue };
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
            problems.push(format!("{prefix}, but the alias target name does not lie within the target zone"));
            continue;
        }
        if other.private_zone && !zone.private_zone {
            problems.push(format!("{prefix}, but a public hosted zone cannot alias a private one"));
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
    const AWS_SUFFIXES: &[&str] =
        &["amazonaws.com.", "cloudfront.net.", "awsglobalaccelerator.com.", "amazonaws.com.cn."];
    AWS_SUFFIXES.iter().any(|suffix| {
        DomainName::from_route53(suffix).is_ok_and(|s| name.is_subdomain_of(&s))
    })
}

/// Every record set of `zone` at any of `names` (Route 53 form).
fn sets_at_names(
    conn: &Connection,
    zone: &HostedZoneId,
    names: &[String],
) -> StoreResult<Vec<ResourceRecordSet>> {
    let mut sets = Vec::new();
    let zone_id = zone.as_str().to_string();
    for chunk in names.chunks(400) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!("SELECT body FROM record_sets WHERE zone_id = ? AND name IN ({placeholders})");
        let mut stmt = conn.prepare(&sql).map_err(map_err)?;
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&zone_id];
        values.extend(chunk.iter().map(|n| n as &dyn rusqlite::ToSql));
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
    tx: &Transaction<'_>,
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

//------------ Store ------------------------------------------------------------

#[async_trait]
impl Store for SqliteStore {
    async fn create_hosted_zone(&self, req: NewHostedZone) -> StoreResult<(HostedZone, ChangeInfo)> {
        self.write(move |tx| {
            if let Some(existing) = check_caller_reference(tx, "hostedzone", &req.caller_reference)? {
                return Err(StoreError::HostedZoneAlreadyExists(HostedZoneId::new(existing)));
            }
            if let Some(set_id) = &req.delegation_set_id {
                let found: Option<i64> = tx
                    .query_row("SELECT 1 FROM delegation_sets WHERE id = ?1", [set_id], |r| r.get(0))
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
                .prepare_cached(&format!("SELECT {ZONE_COLUMNS} FROM hosted_zones z ORDER BY z.id"))
                .map_err(map_err)?;
            let rows = stmt
                .query_map([], zone_from_row)
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
            tx.execute("DELETE FROM record_sets WHERE zone_id = ?1", [id.as_str()]).map_err(map_err)?;
            tx.execute(
                "DELETE FROM tags WHERE resource_type = 'hostedzone' AND resource_id = ?1",
                [id.as_str()],
            )
            .map_err(map_err)?;
            tx.execute("DELETE FROM hosted_zones WHERE id = ?1", [id.as_str()]).map_err(map_err)?;
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
                "UPDATE hosted_zones SET comment = ?2, has_config = 1 WHERE id = ?1",
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
            let problems = check_cross_zone_aliases(tx, &zone, &edit.written)?;
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
            tx.execute("DELETE FROM record_sets WHERE zone_id = ?1", [id.as_str()]).map_err(map_err)?;
            for set in &record_sets {
                insert_set(tx, &id, set)?;
            }
            log_change(tx, &ChangeSubject::HostedZone(id.clone()), comment.as_deref())
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
            let name = page.start_name.as_ref().map(DomainName::route53_sort_key).unwrap_or_default();
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
                .query_map(params![id.as_str(), name, rtype, ident, limit], |row| row.get::<_, String>(0))
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            let mut record_sets = bodies.iter().map(|b| parse_set(b)).collect::<StoreResult<Vec<_>>>()?;
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
                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?, row.get::<_, i64>(2)?)),
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
            let status = if lagging == 0 { ChangeStatus::InSync } else { ChangeStatus::Pending };
            Ok(ChangeInfo { id, status, submitted_at_ms, comment })
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
                    "INSERT OR REPLACE INTO tags (resource_type, resource_id, key, value) VALUES (?1, ?2, ?3, ?4)",
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

    async fn list_tags(&self, resource_type: &str, resource_id: &str) -> StoreResult<Vec<(String, String)>> {
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
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)),
                )
                .optional()
                .map_err(map_err)?;
            let (id, caller_reference, servers) = row.ok_or(StoreError::NoSuchDelegationSet(id))?;
            Ok(DelegationSet { id, caller_reference, name_servers: parse_names(&servers)? })
        })
        .await
    }

    async fn list_delegation_sets(&self) -> StoreResult<Vec<DelegationSet>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, caller_reference, name_servers FROM delegation_sets ORDER BY id")
                .map_err(map_err)?;
            let rows = stmt
                .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?)))
                .map_err(map_err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(map_err)?;
            rows.into_iter()
                .map(|(id, caller_reference, servers)| {
                    Ok(DelegationSet { id, caller_reference, name_servers: parse_names(&servers)? })
                })
                .collect()
        })
        .await
    }

    async fn delete_delegation_set(&self, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        self.write(move |tx| {
            let found: Option<i64> = tx
                .query_row("SELECT 1 FROM delegation_sets WHERE id = ?1", [&id], |r| r.get(0))
                .optional()
                .map_err(map_err)?;
            if found.is_none() {
                return Err(StoreError::NoSuchDelegationSet(id));
            }
            let users: i64 = tx
                .query_row("SELECT count(*) FROM hosted_zones WHERE delegation_set_id = ?1", [&id], |r| r.get(0))
                .map_err(map_err)?;
            if users > 0 {
                return Err(StoreError::DelegationSetInUse);
            }
            tx.execute("DELETE FROM delegation_sets WHERE id = ?1", [&id]).map_err(map_err)?;
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
}

//------------ ChangeFeed -------------------------------------------------------

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn latest_seq(&self) -> StoreResult<ChangeSeq> {
        self.run(|conn| {
            let seq: Option<i64> = conn
                .query_row("SELECT max(seq) FROM changes", [], |row| row.get(0))
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
        self.run(move |conn| {
            // One read transaction, so the zone and its sets are from the same commit.
            let tx = conn.transaction().map_err(map_err)?;
            let Some(zone) = load_zone_row(&tx, &id)? else { return Ok(None) };
            let record_sets = all_sets(&tx, &id)?;
            Ok(Some(ZoneContents { zone, record_sets }))
        })
        .await
    }

    async fn load_all_zones(&self) -> StoreResult<Vec<ZoneContents>> {
        self.run(|conn| {
            let tx = conn.transaction().map_err(map_err)?;
            let ids: Vec<String> = {
                let mut stmt = tx.prepare("SELECT id FROM hosted_zones ORDER BY id").map_err(map_err)?;
                let ids = stmt
                    .query_map([], |row| row.get(0))
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
        self.run(move |conn| {
            let tx = conn.transaction().map_err(map_err)?;
            let Some(zone) = load_zone_row(&tx, &id)? else { return Ok(None) };
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
    use cairn_model::health::{
        calculated_status, effective_status, HealthCheck, HealthCheckConfig, HealthCheckType,
        HealthCheckUpdate, ProbeState,
    };
    use rusqlite::{params, Connection, OptionalExtension, Transaction};

    use super::{check_caller_reference, log_change, map_err, now_ms, to_json, SqliteStore};
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
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    fn parse_config(json: &str) -> StoreResult<HealthCheckConfig> {
        serde_json::from_str(json).map_err(super::corrupt)
    }

    fn load(conn: &Connection, id: &str) -> StoreResult<Option<HealthCheck>> {
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
            Ok(HealthCheck { id, caller_reference, version: version as u64, config: parse_config(&config)? })
        })
        .transpose()
    }

    fn require(conn: &Connection, id: &str) -> StoreResult<HealthCheck> {
        load(conn, id)?.ok_or_else(|| StoreError::NoSuchHealthCheck(id.to_string()))
    }

    /// Children of a CALCULATED check must exist and not be CALCULATED themselves.
    fn check_children(conn: &Connection, config: &HealthCheckConfig) -> StoreResult<()> {
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
    pub(super) fn check_batch_health_checks(tx: &Transaction<'_>, batch: &ChangeBatch) -> StoreResult<()> {
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
    fn publish(tx: &Transaction<'_>) -> StoreResult<()> {
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
                .query_map([], |row| {
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
                    Ok(Row { id, config: parse_config(&config)?, raw, override_status, published })
                })
                .collect::<StoreResult<Vec<_>>>()?
        };
        let mut effective: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        for row in rows.iter().filter(|r| r.config.check_type != HealthCheckType::Calculated) {
            effective.insert(&row.id, effective_status(&row.config, row.raw, row.override_status));
        }
        for row in rows.iter().filter(|r| r.config.check_type == HealthCheckType::Calculated) {
            // A child that no longer exists counts as unhealthy.
            let children = row
                .config
                .child_health_checks
                .iter()
                .map(|c| effective.get(c.as_str()).copied().unwrap_or(false));
            let raw = calculated_status(row.config.health_threshold.unwrap_or(0), children);
            effective.insert(&row.id, effective_status(&row.config, raw, row.override_status));
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
        store: &SqliteStore,
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

    pub(super) async fn get(store: &SqliteStore, id: &str) -> StoreResult<HealthCheck> {
        let id = id.to_string();
        store.run(move |conn| require(conn, &id)).await
    }

    pub(super) async fn list(store: &SqliteStore) -> StoreResult<Vec<HealthCheck>> {
        store
            .run(|conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT id, caller_reference, version, config FROM health_checks ORDER BY id")
                    .map_err(map_err)?;
                let rows = stmt
                    .query_map([], |row| {
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

    pub(super) async fn update(store: &SqliteStore, id: &str, update: HealthCheckUpdate) -> StoreResult<HealthCheck> {
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

    pub(super) async fn delete(store: &SqliteStore, id: &str) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                require(tx, &id)?;
                let was_healthy: bool = tx
                    .query_row("SELECT effective_healthy FROM health_check_status WHERE id = ?1", [&id], |r| r.get(0))
                    .optional()
                    .map_err(map_err)?
                    .unwrap_or(true);
                tx.execute("DELETE FROM health_check_status WHERE id = ?1", [&id]).map_err(map_err)?;
                tx.execute("DELETE FROM health_checks WHERE id = ?1", [&id]).map_err(map_err)?;
                tx.execute("DELETE FROM tags WHERE resource_type = 'healthcheck' AND resource_id = ?1", [&id])
                    .map_err(map_err)?;
                if !was_healthy {
                    // Records that still name it now count as healthy (no status).
                    log_change(tx, &ChangeSubject::HealthCheck(id.clone()), None)?;
                }
                publish(tx)
            })
            .await
    }

    pub(super) async fn record_probe(store: &SqliteStore, id: &str, result: ProbeResult) -> StoreResult<()> {
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

    pub(super) async fn set_override(store: &SqliteStore, id: &str, status: Option<bool>) -> StoreResult<()> {
        let id = id.to_string();
        store
            .write(move |tx| {
                require(tx, &id)?;
                tx.execute("UPDATE health_check_status SET override_status = ?2 WHERE id = ?1", params![id, status])
                    .map_err(map_err)?;
                publish(tx)
            })
            .await
    }

    pub(super) async fn state(store: &SqliteStore, id: &str) -> StoreResult<HealthCheckState> {
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

    pub(super) async fn statuses(store: &SqliteStore) -> StoreResult<Vec<(String, bool)>> {
        store
            .run(|conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT id, effective_healthy FROM health_check_status ORDER BY id")
                    .map_err(map_err)?;
                let rows = stmt
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                    .map_err(map_err)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(map_err)?;
                Ok(rows)
            })
            .await
    }
}

//! [`HealthStore`] on SQL: health checks, probe results and the status routing uses.
//!
//! Every status change is published in the transaction that causes it: `publish` recomputes
//! the effective status of every check (Disabled, Inverted, the override and CALCULATED
//! children applied) and appends a `ChangeSubject::HealthCheck` change for each one that
//! flipped, so the data plane reloads `health_statuses()` within one follower tick. So these
//! writes log none, one or several changes, and use [`SqlStore::write`], not
//! [`SqlStore::logged`].

use async_trait::async_trait;
use cairn_model::health::{
    calculated_status, check_child, check_reused_reference, check_version, effective_status,
    HealthCheck, HealthCheckConfig, HealthCheckError, HealthCheckType, HealthCheckUpdate,
    ProbeState,
};
use cairn_model::HealthCheckId;

use super::change_log::{self, Entry};
use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::ids::{new_uuid, now_ms};
use super::json::{from_json, to_json};
use super::store::SqlStore;
use super::zone_rows::check_caller_reference;
use crate::error::StoreResult;
use crate::health::{HealthCheckState, HealthObservation, HealthStore, ProbeResult};

fn parse_config(json: &str) -> StoreResult<HealthCheckConfig> {
    from_json(json)
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
            id: HealthCheckId::new(id),
            caller_reference,
            version: version as u64,
            config: parse_config(&config)?,
        })
    })
    .transpose()
}

fn require(conn: &Conn<'_>, id: &str) -> StoreResult<HealthCheck> {
    load(conn, id)?
        .ok_or_else(|| HealthCheckError::NoSuchHealthCheck(HealthCheckId::new(id)).into())
}

/// Children of a CALCULATED check must exist and not be CALCULATED themselves.
fn check_children(conn: &Conn<'_>, config: &HealthCheckConfig) -> StoreResult<()> {
    for child in &config.child_health_checks {
        let found = require(conn, child.as_str())?;
        check_child(child, &found.config)?;
    }
    Ok(())
}

/// Whether a health check with this id exists.
pub(crate) fn exists(conn: &Conn<'_>, id: &str) -> StoreResult<bool> {
    Ok(load(conn, id)?.is_some())
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
            change_log::append(tx, &Entry::health_check(&row.id))?;
            tracing::info!(health_check = %row.id, healthy = now, "health check status changed");
        }
    }
    Ok(())
}

#[async_trait]
impl HealthStore for SqlStore {
    async fn create_health_check(
        &self,
        caller_reference: &str,
        config: HealthCheckConfig,
    ) -> StoreResult<(HealthCheck, bool)> {
        let reference = caller_reference.to_string();
        self
            .write(move |tx| {
                if let Some(existing) = check_caller_reference(tx, "healthcheck", &reference)? {
                    let check = check_reused_reference(&reference, load(tx, &existing)?, &config)?;
                    return Ok((check, false));
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
                Ok((HealthCheck { id: HealthCheckId::new(id), caller_reference: reference, version: 1, config }, true))
            })
            .await
    }

    async fn get_health_check(&self, id: &HealthCheckId) -> StoreResult<HealthCheck> {
        let id = id.to_string();
        self.run(move |conn| require(conn, &id)).await
    }

    async fn list_health_checks(&self) -> StoreResult<Vec<HealthCheck>> {
        self.run(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT id, caller_reference, version, config FROM health_checks ORDER BY id",
                )
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
                    Ok(HealthCheck {
                        id: HealthCheckId::new(id),
                        caller_reference,
                        version: version as u64,
                        config: parse_config(&config)?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn update_health_check(
        &self,
        id: &HealthCheckId,
        update: HealthCheckUpdate,
    ) -> StoreResult<HealthCheck> {
        let id = id.to_string();
        self
            .write(move |tx| {
                let mut check = require(tx, &id)?;
                check_version(&check, update.version)?;
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

    async fn delete_health_check(&self, id: &HealthCheckId) -> StoreResult<()> {
        let id = id.to_string();
        self.write(move |tx| {
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
                change_log::append(tx, &Entry::health_check(&id))?;
            }
            publish(tx)
        })
        .await
    }

    async fn record_health_probe(
        &self,
        id: &HealthCheckId,
        result: ProbeResult,
    ) -> StoreResult<()> {
        let id = id.to_string();
        self
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

    async fn set_health_override(
        &self,
        id: &HealthCheckId,
        status: Option<bool>,
    ) -> StoreResult<()> {
        let id = id.to_string();
        self.write(move |tx| {
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

    async fn health_check_state(&self, id: &HealthCheckId) -> StoreResult<HealthCheckState> {
        let id = id.to_string();
        self
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
}

/// The status routing uses for every health check: `(id, healthy)`.
pub(crate) fn statuses(conn: &Conn<'_>) -> StoreResult<Vec<(HealthCheckId, bool)>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, effective_healthy FROM health_check_status ORDER BY id")
        .map_err(map_err)?;
    let rows = stmt
        .query_map(params![], |row| {
            Ok((HealthCheckId::new(row.get::<_, String>(0)?), row.get(1)?))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

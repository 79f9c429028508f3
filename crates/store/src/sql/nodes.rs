//! The node registry: which change each serving node has applied, and when it last said so.
//! `GetChange` is `INSYNC` once every live node has applied the change.

use std::time::Duration;

use cairn_model::{ChangeSeq, ChangeStatus};

use super::conn::{params, Conn};
use super::error::map_err;
use super::ids::now_ms;
use crate::error::StoreResult;

/// A node that has not reported for this long no longer counts for `INSYNC`.
pub const NODE_LIVENESS: Duration = Duration::from_secs(10);

/// The status of the change at `seq`: `INSYNC` once every live node has applied it; with no
/// live node it is vacuously in sync (nothing serves stale data).
pub(crate) fn change_status(conn: &Conn<'_>, seq: i64) -> StoreResult<ChangeStatus> {
    let live_since = now_ms() - NODE_LIVENESS.as_millis() as i64;
    let lagging: i64 = conn
        .query_row(
            "SELECT count(*) FROM nodes WHERE heartbeat_ms >= ?1 AND applied_seq < ?2",
            params![live_since, seq],
            |row| row.get(0),
        )
        .map_err(map_err)?;
    Ok(if lagging == 0 {
        ChangeStatus::InSync
    } else {
        ChangeStatus::Pending
    })
}

/// Records that `node` has applied the log up to `seq`; also its heartbeat.
pub(crate) fn report_applied(conn: &Conn<'_>, node: &str, seq: ChangeSeq) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO nodes (node_id, applied_seq, heartbeat_ms) VALUES (?1, ?2, ?3) \
         ON CONFLICT (node_id) DO UPDATE SET applied_seq = excluded.applied_seq, heartbeat_ms = excluded.heartbeat_ms",
        params![node, seq.0 as i64, now_ms()],
    )
    .map_err(map_err)?;
    Ok(())
}

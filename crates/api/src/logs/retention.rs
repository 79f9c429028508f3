//! Retention: events older than a group's `retentionInDays` are never returned (the readers
//! skip them), and this task deletes the files that hold only such events.
//!
//! The data plane renames a group's file to `NAME.jsonl-YYYYMMDD` when the UTC day turns,
//! so whole days go at once: a rotated file is deleted once its day ended more than the
//! retention ago, and a current file that has not been written since before then too.

use std::path::Path;
use std::time::{Duration, SystemTime};

use cairn_model::log_group::LogGroup;

use super::files;
use crate::state::AppState;

/// How often the pruning task runs.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

const MS_PER_DAY: i64 = 86_400_000;

/// Deletes the files of `group` under `data_dir` whose events are all older than its
/// retention at `now_ms`; returns how many it deleted.
pub fn prune_group(data_dir: &Path, group: &LogGroup, now_ms: i64) -> usize {
    let Some(days) = group.retention_days else {
        return 0;
    };
    let cutoff = now_ms - days * MS_PER_DAY;
    let mut deleted = 0;
    for (day, path) in files::group_files(data_dir, &group.name) {
        let newest_ms = match &day {
            // The last moment of that day.
            Some(day) => day_start_ms(day).map(|start| start + MS_PER_DAY - 1),
            None => modified_ms(&path),
        };
        if newest_ms.is_some_and(|t| t < cutoff) && std::fs::remove_file(&path).is_ok() {
            tracing::info!(path = %path.display(), "query log past its group's retention deleted");
            deleted += 1;
        }
    }
    deleted
}

/// Midnight UTC starting `YYYYMMDD`, ms since the epoch.
fn day_start_ms(day: &str) -> Option<i64> {
    files::parse_time(&format!(
        "{}-{}-{}T00:00:00Z",
        day.get(0..4)?,
        day.get(4..6)?,
        day.get(6..8)?
    ))
}

fn modified_ms(path: &Path) -> Option<i64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    Some(since.as_millis() as i64)
}

/// Prunes every group with a retention, every [`PRUNE_INTERVAL`], until `shutdown`
/// completes. Nothing to do without a data directory.
pub async fn run(state: AppState, shutdown: impl std::future::Future<Output = ()>) {
    let Some(data_dir) = state.config.data_dir.clone() else {
        return;
    };
    tokio::pin!(shutdown);
    loop {
        match state.store.log_groups_with_retention().await {
            Ok(groups) => {
                let now = super::now_ms();
                for group in &groups {
                    prune_group(&data_dir, group, now);
                }
            }
            Err(e) => tracing::warn!(error = %e, "log group retention not applied"),
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(PRUNE_INTERVAL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_past_the_retention_are_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let current = files::current_file(dir.path(), "g").expect("path");
        std::fs::create_dir_all(current.parent().expect("parent")).expect("mkdir");
        for day in ["20261130", "20261201", "20261202"] {
            std::fs::write(current.with_file_name(format!("g.jsonl-{day}")), "x\n").expect("write");
        }
        std::fs::write(&current, "x\n").expect("write");
        let mut group = LogGroup {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            name: "g".into(),
            created_ms: 0,
            retention_days: None,
            tags: vec![],
        };
        let now = day_start_ms("20261203").expect("day") + 3_600_000;
        assert_eq!(
            prune_group(dir.path(), &group, now),
            0,
            "no retention, no pruning"
        );
        group.retention_days = Some(1);
        // 2026-12-02 01:00 is the cutoff: the 30th and the 1st ended before it.
        assert_eq!(prune_group(dir.path(), &group, now), 2);
        let left: Vec<String> = files::group_files(dir.path(), "g")
            .into_iter()
            .map(|(day, _)| day.unwrap_or_default())
            .collect();
        assert_eq!(left, vec!["20261202".to_string(), String::new()]);
    }
}

//! A log group's events: the lines the DNS data plane appended for the destination
//! `arn:aws:logs:…:log-group:NAME`, read back.
//!
//! ```text
//!   <data-dir>/query-logs/logs/NAME.jsonl            today's lines (shippers tail this)
//!   <data-dir>/query-logs/logs/NAME.jsonl-YYYYMMDD   earlier days, renamed at midnight UTC
//! ```
//!
//! The path mapping is the data plane's (`cairn_dns::query_log::sink::path_for`: `/` in
//! NAME makes subdirectories, empty, `.` and `..` segments are dropped); the API crate does
//! not depend on the DNS crate, so it is repeated here for log groups only.
//!
//! Each line is one event. Its stream is where it came from, as AWS names them: a Resolver
//! record's `vpc_id`; a public query log line's `<zone id>/<edge>`. Its timestamp is the
//! query time the record carries. Cairn does not record when a line was written, so the
//! `ingestionTime` it answers is that same time (the writer appends within about 50 ms).

use std::path::{Path, PathBuf};

/// One event of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The stream: a VPC id, or `<zone id>/<edge>`.
    pub stream: String,
    /// The query time, ms since the epoch.
    pub timestamp_ms: i64,
    /// The line, without its newline.
    pub message: String,
    /// A unique, stable id: the file's day and the line's byte offset in it.
    pub id: String,
}

/// The directory of the group's files and the base name of its current file, under
/// `data_dir`; `None` when the name has no plain segment.
pub fn current_file(data_dir: &Path, group: &str) -> Option<PathBuf> {
    let segments: Vec<&str> = group
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    let (last, parents) = segments.split_last()?;
    let mut path = data_dir.join("query-logs").join("logs");
    for s in parents {
        path.push(s);
    }
    path.push(format!("{last}.jsonl"));
    Some(path)
}

/// The group's files, oldest first: `(day, path)`, where day is `YYYYMMDD` of a rotated
/// file and `None` for the current one.
pub fn group_files(data_dir: &Path, group: &str) -> Vec<(Option<String>, PathBuf)> {
    let Some(current) = current_file(data_dir, group) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let (Some(dir), Some(base)) = (current.parent(), current.file_name()) {
        let prefix = format!("{}-", base.to_string_lossy());
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(day) = name.strip_prefix(&prefix) {
                if day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit()) {
                    out.push((Some(day.to_string()), entry.path()));
                }
            }
        }
    }
    out.sort();
    if current.is_file() {
        out.push((None, current));
    }
    out
}

/// The bytes the group's files hold (`storedBytes`); 0 without a data directory.
pub fn stored_bytes(data_dir: Option<&Path>, group: &str) -> u64 {
    data_dir.map_or(0, |dir| {
        group_files(dir, group)
            .iter()
            .filter_map(|(_, p)| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    })
}

/// Every event of the group at or after `since_ms`, in file order (the order written,
/// which is query-time order within a node). Lines that are neither record form, and
/// lines still being written (no newline yet), are skipped.
pub fn read_events(data_dir: Option<&Path>, group: &str, since_ms: i64) -> Vec<Event> {
    let Some(dir) = data_dir else {
        return Vec::new();
    };
    let mut events = Vec::new();
    for (day, path) in group_files(dir, group) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let day = day.unwrap_or_else(|| "current".to_string());
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let at = offset;
            offset += line.len();
            let Some(line) = line.strip_suffix('\n') else {
                break;
            };
            if let Some((stream, timestamp_ms)) = parse_line(line) {
                if timestamp_ms >= since_ms {
                    events.push(Event {
                        stream,
                        timestamp_ms,
                        message: line.to_string(),
                        id: format!("{day}-{at:012}"),
                    });
                }
            }
        }
    }
    events
}

/// The stream and timestamp of one line: a Resolver JSON record or a public 1.0 line.
pub fn parse_line(line: &str) -> Option<(String, i64)> {
    if line.starts_with('{') {
        let record: serde_json::Value = serde_json::from_str(line).ok()?;
        let vpc = record.get("vpc_id")?.as_str()?;
        let time = parse_time(record.get("query_timestamp")?.as_str()?)?;
        return Some((vpc.to_string(), time));
    }
    let fields: Vec<&str> = line.split(' ').collect();
    match fields[..] {
        ["1.0", time, zone, _, _, _, _, edge, _, _] => {
            Some((format!("{zone}/{edge}"), parse_time(time)?))
        }
        _ => None,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` as ms since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339);
    parsed
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_their_stream_and_time() {
        let resolver = r#"{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-7example","query_timestamp":"2021-02-04T17:51:55Z","query_name":"Ex.com.","query_type":"A","query_class":"IN","rcode":"NXDOMAIN","answers":[],"srcaddr":"10.0.0.9","srcport":"56067","transport":"UDP","srcids":{}}"#;
        assert_eq!(
            parse_line(resolver),
            Some(("vpc-7example".to_string(), 1_612_461_115_000))
        );
        let public = "1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP FRA6 192.168.1.1 -";
        assert_eq!(
            parse_line(public),
            Some(("Z123412341234/FRA6".to_string(), 1_513_152_962_130))
        );
        assert_eq!(parse_line("not a record"), None);
    }

    #[test]
    fn files_are_found_oldest_first_and_read_whole_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let current = current_file(dir.path(), "/aws/../route53//x").expect("a path");
        assert_eq!(
            current,
            dir.path().join("query-logs/logs/aws/route53/x.jsonl")
        );
        std::fs::create_dir_all(current.parent().expect("parent")).expect("mkdir");
        let line = |t: &str| format!("1.0 {t} Z1 a.example A NOERROR UDP edge 192.0.2.1 -\n");
        let rotated = current.with_file_name("x.jsonl-20171212");
        std::fs::write(&rotated, line("2017-12-12T00:00:00.000Z")).expect("write");
        let partial = "1.0 2017-12-13T00:00:01.000Z Z1 b";
        std::fs::write(&current, line("2017-12-13T00:00:00.000Z") + partial).expect("write");
        std::fs::write(current.with_file_name("x.jsonl-junk"), "x").expect("write");
        let events = read_events(Some(dir.path()), "/aws/route53/x", 0);
        let times: Vec<i64> = events.iter().map(|e| e.timestamp_ms).collect();
        assert_eq!(times, vec![1_513_036_800_000, 1_513_123_200_000]);
        assert_eq!(events[0].id, "20171212-000000000000");
        assert_eq!(events[1].stream, "Z1/edge");
        let since = read_events(Some(dir.path()), "/aws/route53/x", 1_513_100_000_000);
        assert_eq!(since.len(), 1);
    }
}

//! Where records go: a destination ARN becomes an append-only JSON-lines file under the
//! query-log directory, written by one thread that takes the queued records
//! ([`super::queue`]) every [`FLUSH_INTERVAL`], renders them and writes each file through
//! its own large buffer, flushed once per batch.
//!
//! | destination | file |
//! |---|---|
//! | `arn:aws:logs:R:A:log-group:NAME` | `logs/NAME.jsonl` (`/` in NAME makes subdirectories) |
//! | `arn:aws:s3:::BUCKET[/PREFIX]` | `s3/BUCKET/PREFIX/query-logs.jsonl` |
//! | `arn:aws:firehose:R:A:deliverystream/NAME` | `firehose/NAME.jsonl` |
//!
//! When the UTC day turns, each file is renamed to `FILE-YYYYMMDD` (the day it was written)
//! and a new one begun, so that a log group's retention can delete whole days
//! (`cairn_api::logs::retention`). A file found from an earlier day when it is first opened
//! is renamed the same way, by the day it was last written.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use super::queue::{Batch, Kind, Queue};
use super::record::Renderer;

/// The file a destination ARN maps to under `root`; `None` for an ARN of no known kind.
pub fn path_for(root: &Path, arn: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts[..] else {
        return None;
    };
    let (dir, rest, file) = match service {
        "logs" => {
            let name = resource.strip_prefix("log-group:")?;
            ("logs", name.strip_suffix(":*").unwrap_or(name), None)
        }
        "s3" => ("s3", resource, Some("query-logs.jsonl")),
        "firehose" => ("firehose", resource.strip_prefix("deliverystream/")?, None),
        _ => return None,
    };
    // Only plain path segments: no `..`, no absolute paths out of `root`.
    let segments: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    let (last, parents) = segments.split_last()?;
    let mut path = root.join(dir);
    for s in parents {
        path.push(s);
    }
    match file {
        Some(file) => {
            path.push(last);
            path.push(file);
        }
        None => path.push(format!("{last}.jsonl")),
    }
    Some(path)
}

/// How long the writer sleeps between batches. It polls instead of being woken so that
/// queueing a record never wakes a thread (a futex call and a context switch per query, on
/// the core that answers) and the files are written in batches; a shipper tailing a file
/// sees records within this.
pub const FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// Each file's buffer: a batch's lines for a file go out in few `write` calls.
const FILE_BUFFER: usize = 256 << 10;

/// Starts the writer thread for `queue`; it ends, once what is queued is written, when it
/// holds the last reference to the queue.
pub fn start(queue: Arc<Queue>, edge: String) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("cairn-query-log".into())
        .spawn(move || write_all(&queue, &edge))?;
    Ok(())
}

/// The writer: every [`FLUSH_INTERVAL`], takes the queued records, appends each as one line
/// to its files, and flushes them.
fn write_all(queue: &Arc<Queue>, edge: &str) {
    let mut files = Files::default();
    let mut batch = Batch::default();
    let mut renderer = Renderer::default();
    let mut line = String::with_capacity(1024);
    let mut today = day_of(SystemTime::now());
    loop {
        // Only this thread holds the queue: nothing more can be queued after this take.
        let last = Arc::strong_count(queue) == 1;
        // Rotate before taking: every record in a renamed file was queued on its day.
        let now = day_of(SystemTime::now());
        if now != today {
            files.rotate(today);
            today = now;
        }
        queue.take(&mut batch);
        if !batch.is_empty() {
            write_batch(queue, &batch, edge, &mut files, &mut renderer, &mut line);
            files.flush();
            batch.clear();
        }
        if last {
            return;
        }
        std::thread::sleep(FLUSH_INTERVAL);
    }
}

fn write_batch(
    queue: &Queue,
    batch: &Batch,
    edge: &str,
    files: &mut Files,
    renderer: &mut Renderer,
    line: &mut String,
) {
    let counters = queue.counters();
    for (targets, entry) in batch.iter() {
        line.clear();
        let paths = match entry.kind {
            Kind::Resolver => {
                let Some(vpc) = targets.vpc_list.get(entry.target as usize) else {
                    continue;
                };
                let srcids = targets
                    .endpoint_list
                    .get(entry.endpoint as usize)
                    .map_or("", String::as_str);
                renderer.resolver(line, &vpc.head, srcids, &entry);
                &vpc.files[..]
            }
            Kind::Public => {
                let Some(zone) = targets.public_list.get(entry.target as usize) else {
                    continue;
                };
                renderer.public(line, &zone.zone_id, edge, &entry);
                std::slice::from_ref(&zone.file)
            }
        };
        line.push('\n');
        for path in paths {
            let ok = files
                .get(path)
                .is_some_and(|f| f.write_all(line.as_bytes()).is_ok());
            let counter = if ok {
                &counters.written
            } else {
                &counters.dropped
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The open log files, each behind its own buffer.
#[derive(Default)]
struct Files {
    open: Vec<(Arc<Path>, BufWriter<File>)>,
    /// The file of the previous record (records come in runs for the same file).
    last: Option<(Arc<Path>, usize)>,
}

impl Files {
    fn get(&mut self, path: &Arc<Path>) -> Option<&mut BufWriter<File>> {
        let at = match &self.last {
            Some((last, at)) if Arc::ptr_eq(last, path) => *at,
            _ => {
                let at = match self.open.iter().position(|(p, _)| **p == **path) {
                    Some(at) => at,
                    None => {
                        let file = open(path)?;
                        self.open
                            .push((path.clone(), BufWriter::with_capacity(FILE_BUFFER, file)));
                        self.open.len() - 1
                    }
                };
                self.last = Some((path.clone(), at));
                at
            }
        };
        Some(&mut self.open[at].1)
    }

    /// Closes every file and renames it to `FILE-YYYYMMDD` of `day` (days since the epoch).
    fn rotate(&mut self, day: u64) {
        self.flush();
        for (path, _) in self.open.drain(..) {
            rename_for_day(&path, day);
        }
    }

    /// Flushes every file; one that cannot be written is closed (and opened again for the
    /// next record bound for it).
    fn flush(&mut self) {
        self.last = None;
        self.open.retain_mut(|(path, f)| match f.flush() {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "query log not written");
                false
            }
        });
    }
}

fn open(path: &Path) -> Option<File> {
    // A file left from an earlier day (the node was down at midnight) is that day's.
    let written = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    if let Some(day) = written.map(day_of) {
        if day < day_of(SystemTime::now()) {
            rename_for_day(path, day);
        }
    }
    let opened = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| OpenOptions::new().create(true).append(true).open(path));
    match opened {
        Ok(file) => Some(file),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot open query log");
            None
        }
    }
}

/// Days since the epoch (UTC) of `time`.
fn day_of(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

/// `path-YYYYMMDD` of `day`.
fn day_path(path: &Path, day: u64) -> PathBuf {
    let date = super::record::timestamp(
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(day * 86_400),
        false,
    );
    let mut name = path.as_os_str().to_owned();
    name.push(format!("-{}", date[..10].replace('-', "")));
    PathBuf::from(name)
}

/// Renames `path` to its name for `day`, unless a file of that name exists already (then
/// the current file goes on growing; nothing is overwritten).
fn rename_for_day(path: &Path, day: u64) {
    let target = day_path(path, day);
    if target.exists() {
        return;
    }
    if let Err(e) = std::fs::rename(path, &target) {
        tracing::warn!(path = %path.display(), error = %e, "query log not rotated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_names_carry_the_day() {
        let day = 20_790; // 2026-12-03
        assert_eq!(
            day_path(Path::new("/q/logs/g.jsonl"), day),
            PathBuf::from("/q/logs/g.jsonl-20261203")
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("g.jsonl");
        std::fs::write(&path, "a\n").expect("write");
        let mut files = Files::default();
        let shared: Arc<Path> = Arc::from(path.as_path());
        assert!(files.get(&shared).is_some(), "opened: written today");
        files.rotate(day);
        assert!(!path.exists() && day_path(&path, day).exists());
        std::fs::write(&path, "b\n").expect("write");
        rename_for_day(&path, day);
        assert!(path.exists(), "an existing day file is never overwritten");
    }

    #[test]
    fn destinations_map_to_files_under_the_root() {
        let root = Path::new("/data/query-logs");
        let p = |arn| path_for(root, arn).map(|p| p.display().to_string());
        assert_eq!(
            p("arn:aws:logs:us-east-1:111111111111:log-group:/aws/route53/example.com:*")
                .as_deref(),
            Some("/data/query-logs/logs/aws/route53/example.com.jsonl")
        );
        assert_eq!(
            p("arn:aws:s3:::bucket/a/b/").as_deref(),
            Some("/data/query-logs/s3/bucket/a/b/query-logs.jsonl")
        );
        assert_eq!(
            p("arn:aws:firehose:us-east-1:1:deliverystream/dns").as_deref(),
            Some("/data/query-logs/firehose/dns.jsonl")
        );
        assert_eq!(
            p("arn:aws:logs:r:a:log-group:../../etc/passwd").as_deref(),
            Some("/data/query-logs/logs/etc/passwd.jsonl"),
            "no way out of the root"
        );
        assert_eq!(p("arn:aws:ec2:r:a:vpc/x"), None);
    }
}

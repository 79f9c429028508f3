//! Where records go: a destination ARN becomes an append-only JSON-lines file under the
//! query-log directory, written by one thread fed through a bounded queue, so answering
//! never waits for a disk or wakes a thread. A full queue drops the record and counts it.
//!
//! | destination | file |
//! |---|---|
//! | `arn:aws:logs:R:A:log-group:NAME` | `logs/NAME.jsonl` (`/` in NAME makes subdirectories) |
//! | `arn:aws:s3:::BUCKET[/PREFIX]` | `s3/BUCKET/PREFIX/query-logs.jsonl` |
//! | `arn:aws:firehose:R:A:deliverystream/NAME` | `firehose/NAME.jsonl` |

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use super::record::{public_line, resolver_json, PublicQuery, ResolverQuery};

/// How many records may wait for the writer before new ones are dropped.
pub const QUEUE_LEN: usize = 65_536;

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

/// Records written and dropped so far (`cairn_query_log_records_total`).
#[derive(Debug, Default)]
pub struct Counters {
    /// Appended to a file.
    pub written: AtomicU64,
    /// Dropped: the queue was full, or the file could not be written.
    pub dropped: AtomicU64,
}

/// One record for the writer: what to render and where.
#[derive(Debug)]
pub enum Pending {
    /// A Resolver query (JSON).
    Resolver(Arc<Path>, Box<ResolverQuery>),
    /// A public query (the 1.0 line).
    Public(Arc<Path>, Box<PublicQuery>),
}

/// The answering side of the queue.
#[derive(Debug, Clone)]
pub struct Queue {
    tx: SyncSender<Pending>,
    counters: Arc<Counters>,
}

impl Queue {
    /// Starts the writer thread; it ends when every `Queue` is dropped.
    pub fn start(counters: Arc<Counters>) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_LEN);
        let writer_counters = counters.clone();
        std::thread::Builder::new()
            .name("cairn-query-log".into())
            .spawn(move || write_all(rx, &writer_counters))?;
        Ok(Self { tx, counters })
    }

    /// Queues `pending` without waiting; counts it dropped when the queue is full.
    pub fn push(&self, pending: Pending) {
        match self.tx.try_send(pending) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// How long the writer sleeps when the queue is empty. It polls instead of blocking on the
/// queue so that queueing a record never wakes a thread (a futex call and a context switch
/// per query, on the core that answers) and the files are written in batches; a shipper
/// tailing a file sees records within this.
pub const FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// The writer: appends each record as one line; when the queue runs dry, flushes every file
/// and sleeps [`FLUSH_INTERVAL`]. Ends once every sender is gone and the queue is empty.
fn write_all(rx: Receiver<Pending>, counters: &Counters) {
    let mut files: HashMap<Arc<Path>, BufWriter<File>> = HashMap::new();
    loop {
        let mut wrote = false;
        let disconnected = loop {
            let pending = match rx.try_recv() {
                Ok(pending) => pending,
                Err(mpsc::TryRecvError::Empty) => break false,
                Err(mpsc::TryRecvError::Disconnected) => break true,
            };
            wrote = true;
            let (path, line) = match pending {
                Pending::Resolver(path, q) => (path, resolver_json(&q)),
                Pending::Public(path, q) => (path, public_line(&q)),
            };
            let ok = file_for(&mut files, &path).is_some_and(|f| {
                f.write_all(line.as_bytes())
                    .and_then(|()| f.write_all(b"\n"))
                    .is_ok()
            });
            let counter = if ok {
                &counters.written
            } else {
                &counters.dropped
            };
            counter.fetch_add(1, Ordering::Relaxed);
        };
        if wrote {
            files.retain(|path, f| match f.flush() {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "query log not written");
                    false
                }
            });
        }
        if disconnected {
            return;
        }
        std::thread::sleep(FLUSH_INTERVAL);
    }
}

fn file_for<'f>(
    files: &'f mut HashMap<Arc<Path>, BufWriter<File>>,
    path: &Arc<Path>,
) -> Option<&'f mut BufWriter<File>> {
    if !files.contains_key(path) {
        let opened = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| OpenOptions::new().create(true).append(true).open(path));
        match opened {
            Ok(file) => {
                files.insert(path.clone(), BufWriter::new(file));
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot open query log");
                return None;
            }
        }
    }
    files.get_mut(path)
}

#[cfg(test)]
mod tests {
    use super::*;

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

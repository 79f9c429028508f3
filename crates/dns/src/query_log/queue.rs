//! The answering side's half of query logging: each logged query is copied, as a few fixed
//! fields and its name and reply bytes, onto the end of one growing byte buffer (the
//! current [`Batch`]); the writer thread swaps that buffer for an empty one every
//! [`super::sink::FLUSH_INTERVAL`] and renders what it took. So queueing a record allocates
//! nothing once the buffers have grown to a batch's size, wakes no thread, and holds the
//! lock for one copy.
//!
//! A batch that already holds [`QUEUE_LEN`] records or [`QUEUE_BYTES`] bytes takes no more:
//! the record is dropped and counted (`cairn_query_log_records_total{result="dropped"}`).
//! Logs are best-effort under overload, as Route 53's own delivery is; answers never wait.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use cairn_model::firewall::FirewallAction;
use cairn_wire::Rcode;

use super::Targets;
use crate::firewall::FirewallLog;
use crate::pipeline::Transport;

/// How many records a batch holds before new ones are dropped.
pub const QUEUE_LEN: usize = 65_536;
/// How many bytes of records a batch holds before new ones are dropped (replies are kept
/// whole, and a TCP reply may be 64 KiB).
pub const QUEUE_BYTES: usize = 32 << 20;

/// No inbound endpoint: the query came from inside the VPC.
pub const NO_ENDPOINT: u32 = u32::MAX;

/// Records written and dropped so far (`cairn_query_log_records_total`).
#[derive(Debug, Default)]
pub struct Counters {
    /// Appended to a file.
    pub written: AtomicU64,
    /// Dropped: the batch was full, or the file could not be written.
    pub dropped: AtomicU64,
}

/// Which format a record is written in, and so which of [`Targets`]'s lists `target` indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Resolver query log record (`Targets::vpc_list`).
    Resolver,
    /// A public query log line (`Targets::public_list`).
    Public,
}

/// One logged query, borrowed from the answering side or from a batch's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The format.
    pub kind: Kind,
    /// The VPC or public zone, by position in the [`Targets`] it was queued with.
    pub target: u32,
    /// The inbound endpoint address, by position in `Targets::endpoint_list`, or
    /// [`NO_ENDPOINT`].
    pub endpoint: u32,
    /// When it was answered, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// The question type.
    pub qtype: u16,
    /// The response code.
    pub rcode: Rcode,
    /// The client's port.
    pub port: u16,
    /// How the query came.
    pub transport: Transport,
    /// The client's address.
    pub source: Option<IpAddr>,
    /// The DNS Firewall's ALERT or BLOCK rule.
    pub firewall: Option<FirewallLog<'a>>,
    /// The question name, wire form, case as received.
    pub qname: &'a [u8],
    /// The reply as sent ([`Kind::Resolver`]: its answers are listed) or the query as
    /// received ([`Kind::Public`]: its EDNS Client Subnet is written).
    pub message: &'a [u8],
}

/// Records queued since the writer last took them.
#[derive(Debug, Default)]
pub struct Batch {
    /// The records, encoded back to back (see [`Entry::encode`]).
    bytes: Vec<u8>,
    /// How many.
    records: usize,
    /// How many files they are bound for in all (what is counted written or dropped).
    deliveries: u64,
    /// The [`Targets`] the records' indexes refer to; each record names one by position.
    targets: Vec<Arc<Targets>>,
}

impl Batch {
    /// Appends `entry`, to be read with `targets`; `false` (nothing appended) when full.
    fn push(&mut self, targets: &Arc<Targets>, files: usize, entry: &Entry<'_>) -> bool {
        if self.records >= QUEUE_LEN
            || self.bytes.len() + entry.message.len() + entry.qname.len() > QUEUE_BYTES
        {
            return false;
        }
        let generation = match self.targets.last() {
            Some(last) if Arc::ptr_eq(last, targets) => self.targets.len() - 1,
            _ => {
                self.targets.push(targets.clone());
                self.targets.len() - 1
            }
        };
        let Ok(generation) = u16::try_from(generation) else {
            return false;
        };
        self.bytes.extend_from_slice(&generation.to_le_bytes());
        entry.encode(&mut self.bytes);
        self.records += 1;
        self.deliveries += files as u64;
        true
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Empties the batch, keeping its buffers' room.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.records = 0;
        self.deliveries = 0;
        self.targets.clear();
    }

    /// Every record with the targets it was queued with, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Targets, Entry<'_>)> {
        let mut rest = &self.bytes[..];
        std::iter::from_fn(move || {
            let mut r = Reader(rest);
            let generation = r.u16()?;
            let entry = Entry::decode(&mut r)?;
            rest = r.0;
            Some((&*self.targets[usize::from(generation)], entry))
        })
    }
}

/// The queue both sides share.
#[derive(Debug)]
pub struct Queue {
    batch: Mutex<Batch>,
    counters: Arc<Counters>,
}

impl Queue {
    /// An empty queue counting into `counters`.
    pub fn new(counters: Arc<Counters>) -> Self {
        Self {
            batch: Mutex::new(Batch::default()),
            counters,
        }
    }

    /// Queues `entry` for `files` files without waiting for anything but the copy; counts
    /// it dropped (once per file) when the batch is full.
    pub fn push(&self, targets: &Arc<Targets>, files: usize, entry: &Entry<'_>) {
        let queued = self
            .batch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(targets, files, entry);
        if !queued {
            self.counters
                .dropped
                .fetch_add(files as u64, Ordering::Relaxed);
        }
    }

    /// Swaps the queued records into `spare` (which must be empty): the writer's side.
    pub fn take(&self, spare: &mut Batch) {
        let mut batch = self.batch.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *batch, spare);
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
}

impl Entry<'_> {
    /// Appends the entry: fixed fields, then the firewall's ids, the name and the message,
    /// each after its length.
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(match self.kind {
            Kind::Resolver => 0,
            Kind::Public => 1,
        });
        out.extend_from_slice(&self.target.to_le_bytes());
        out.extend_from_slice(&self.endpoint.to_le_bytes());
        out.extend_from_slice(&self.time_ms.to_le_bytes());
        out.extend_from_slice(&self.qtype.to_le_bytes());
        // The variant as well as the code: `Other(0)` must not come back as `NoError`.
        let (tag, code) = rcode_tag(self.rcode);
        out.push(tag);
        out.extend_from_slice(&code.to_le_bytes());
        out.extend_from_slice(&self.port.to_le_bytes());
        out.push(match self.transport {
            Transport::Udp => 0,
            Transport::Tcp => 1,
            Transport::Https => 2,
        });
        match self.source {
            None => out.push(0),
            Some(IpAddr::V4(ip)) => {
                out.push(4);
                out.extend_from_slice(&ip.octets());
            }
            Some(IpAddr::V6(ip)) => {
                out.push(6);
                out.extend_from_slice(&ip.octets());
            }
        }
        match self.firewall {
            None => out.push(0),
            Some(fw) => {
                let action = FirewallAction::ALL
                    .iter()
                    .position(|a| *a == fw.action)
                    .unwrap_or(0);
                out.push(1 + action as u8);
                put_bytes(out, fw.rule_group_id.as_bytes());
                put_bytes(out, fw.domain_list_id.as_bytes());
            }
        }
        put_bytes(out, self.qname);
        put_bytes(out, self.message);
    }

    fn decode<'a>(r: &mut Reader<'a>) -> Option<Entry<'a>> {
        let kind = match r.u8()? {
            0 => Kind::Resolver,
            _ => Kind::Public,
        };
        let target = r.u32()?;
        let endpoint = r.u32()?;
        let time_ms = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let qtype = r.u16()?;
        let rcode = rcode_from_tag(r.u8()?, r.u16()?);
        let port = r.u16()?;
        let transport = match r.u8()? {
            0 => Transport::Udp,
            1 => Transport::Tcp,
            _ => Transport::Https,
        };
        let source = match r.u8()? {
            4 => Some(IpAddr::from(<[u8; 4]>::try_from(r.take(4)?).ok()?)),
            6 => Some(IpAddr::from(<[u8; 16]>::try_from(r.take(16)?).ok()?)),
            _ => None,
        };
        let firewall = match r.u8()? {
            0 => None,
            action => Some(FirewallLog {
                action: *FirewallAction::ALL.get(usize::from(action - 1))?,
                rule_group_id: std::str::from_utf8(r.bytes()?).ok()?,
                domain_list_id: std::str::from_utf8(r.bytes()?).ok()?,
            }),
        };
        Some(Entry {
            kind,
            target,
            endpoint,
            time_ms,
            qtype,
            rcode,
            port,
            transport,
            source,
            firewall,
            qname: r.bytes()?,
            message: r.bytes()?,
        })
    }
}

/// A length (u32, little endian), then the bytes.
fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn rcode_tag(rcode: Rcode) -> (u8, u16) {
    match rcode {
        Rcode::Other(code) => (1, code),
        known => (0, known.code()),
    }
}

fn rcode_from_tag(tag: u8, code: u16) -> Rcode {
    match tag {
        0 => Rcode::from_code(code),
        _ => Rcode::Other(code),
    }
}

/// Reads what [`Entry::encode`] wrote.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(qname: &'a [u8], message: &'a [u8]) -> Entry<'a> {
        Entry {
            kind: Kind::Resolver,
            target: 3,
            endpoint: NO_ENDPOINT,
            time_ms: 1_612_461_115_130,
            qtype: 28,
            rcode: Rcode::Other(0),
            port: 56_067,
            transport: Transport::Tcp,
            source: Some("2001:db8::9".parse().unwrap()),
            firewall: Some(FirewallLog {
                rule_group_id: "rslvr-frg-1",
                domain_list_id: "rslvr-fdl-2",
                action: FirewallAction::Alert,
            }),
            qname,
            message,
        }
    }

    #[test]
    fn entries_come_back_as_queued_with_their_targets() {
        let old = Arc::new(Targets::default());
        let new = Arc::new(Targets::default());
        let mut batch = Batch::default();
        let first = entry(b"\x02Ex\x00", b"reply");
        let second = Entry {
            kind: Kind::Public,
            endpoint: 7,
            rcode: Rcode::NxDomain,
            transport: Transport::Udp,
            source: Some("10.0.0.9".parse().unwrap()),
            firewall: None,
            ..entry(b"\x00", b"")
        };
        assert!(batch.push(&old, 2, &first));
        assert!(batch.push(&new, 1, &second));
        assert!(batch.push(&new, 1, &first));
        let read: Vec<_> = batch.iter().collect();
        assert_eq!(read.len(), 3);
        assert!(std::ptr::eq(read[0].0, &*old) && std::ptr::eq(read[1].0, &*new));
        assert_eq!((read[0].1, read[1].1, read[2].1), (first, second, first));
        assert_eq!(
            (batch.records, batch.deliveries, batch.targets.len()),
            (3, 4, 2)
        );
        batch.clear();
        assert!(batch.is_empty() && batch.iter().next().is_none());
    }

    #[test]
    fn a_full_batch_drops_and_counts_per_file() {
        let counters = Arc::new(Counters::default());
        let queue = Queue::new(counters.clone());
        let targets = Arc::new(Targets::default());
        let big = vec![0u8; QUEUE_BYTES / 2];
        for _ in 0..3 {
            queue.push(&targets, 2, &entry(b"\x00", &big));
        }
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 4);
        let mut taken = Batch::default();
        queue.take(&mut taken);
        assert_eq!(taken.iter().count(), 1);
        // The queue is empty again and takes records.
        queue.push(&targets, 1, &entry(b"\x00", &big));
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 4);
    }
}

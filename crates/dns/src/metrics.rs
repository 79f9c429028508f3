//! DNS query counters for the Prometheus exporter (issue 15), fed by the pipeline's
//! [`Observer`] seam.
//!
//! The hot path must stay cheap, so every series is a pre-allocated atomic in a fixed array
//! indexed by enum positions (listener kind, protocol, query type, rcode): recording a query
//! is two or three relaxed `fetch_add`s, with no allocation, no lock and no label lookup.
//! The arrays are kept once per shard, and each thread counts in its own shard (given out in
//! turn the first time a thread counts): the UDP workers on different cores then never write
//! the same cache line on every query. A scrape sums the shards.
//! Label strings are only touched at scrape time, by [`DnsMetrics::render`].

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use cairn_wire::Rcode;

use crate::latency::{Histogram, Totals};
use crate::pipeline::observe::{ListenerKind, Observer, QueryRecord};
use crate::pipeline::Transport;

const KINDS: usize = ListenerKind::ALL.len();
const PROTOS: usize = 3;
/// Query types counted by name; every other type counts as `other` (the last slot).
const QTYPES: [(u16, &str); 21] = [
    (1, "A"),
    (2, "NS"),
    (5, "CNAME"),
    (6, "SOA"),
    (12, "PTR"),
    (15, "MX"),
    (16, "TXT"),
    (28, "AAAA"),
    (33, "SRV"),
    (35, "NAPTR"),
    (43, "DS"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (251, "IXFR"),
    (252, "AXFR"),
    (255, "ANY"),
    (257, "CAA"),
];
const TYPE_SLOTS: usize = QTYPES.len() + 1;
/// Response codes counted by name; the last slot is `other`.
const RCODES: [&str; 7] = [
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "BADVERS",
];
const RCODE_SLOTS: usize = RCODES.len() + 1;

/// The protocol's position and label.
pub fn proto_index(transport: Transport) -> usize {
    match transport {
        Transport::Udp => 0,
        Transport::Tcp => 1,
        Transport::Https => 2,
    }
}

const PROTO_NAMES: [&str; PROTOS] = ["udp", "tcp", "doh"];

/// The query type's slot: a `match` the compiler turns into a jump table or a few compares.
pub fn qtype_index(qtype: u16) -> usize {
    match qtype {
        1 => 0,
        2 => 1,
        5 => 2,
        6 => 3,
        12 => 4,
        15 => 5,
        16 => 6,
        28 => 7,
        33 => 8,
        35 => 9,
        43 => 10,
        46 => 11,
        47 => 12,
        48 => 13,
        64 => 14,
        65 => 15,
        99 => 16,
        251 => 17,
        252 => 18,
        255 => 19,
        257 => 20,
        _ => QTYPES.len(),
    }
}

/// The query type's label (`other` for types not counted by name).
pub fn qtype_name(index: usize) -> &'static str {
    QTYPES.get(index).map_or("other", |(_, name)| name)
}

/// The response code's slot.
pub fn rcode_index(rcode: Rcode) -> usize {
    match rcode {
        Rcode::NoError => 0,
        Rcode::FormErr => 1,
        Rcode::ServFail => 2,
        Rcode::NxDomain => 3,
        Rcode::NotImp => 4,
        Rcode::Refused => 5,
        Rcode::BadVers => 6,
        Rcode::Other(_) => RCODES.len(),
    }
}

/// The response code's label.
pub fn rcode_name(index: usize) -> &'static str {
    RCODES.get(index).copied().unwrap_or("other")
}

/// How many copies of the counters are kept (threads beyond that share them in turn).
const SHARDS: usize = 16;

/// The next shard a thread that starts counting gets.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard.
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// One copy of every counter; aligned so no two shards share a cache line.
#[repr(align(128))]
struct Shard {
    requests: [[[AtomicU64; TYPE_SLOTS]; PROTOS]; KINDS],
    responses: [[[AtomicU64; RCODE_SLOTS]; PROTOS]; KINDS],
    rrl_dropped: [AtomicU64; KINDS],
    /// From receipt to the answer's record, by listener kind and protocol.
    latency: [[Histogram; PROTOS]; KINDS],
}

impl Default for Shard {
    fn default() -> Self {
        Self {
            requests: std::array::from_fn(|_| {
                std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0)))
            }),
            responses: std::array::from_fn(|_| {
                std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0)))
            }),
            rrl_dropped: std::array::from_fn(|_| AtomicU64::new(0)),
            latency: Default::default(),
        }
    }
}

/// Every DNS counter of one node, shared by all listeners.
pub struct DnsMetrics {
    shards: Box<[Shard]>,
}

impl Default for DnsMetrics {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

impl Observer for DnsMetrics {
    #[inline]
    fn record(&self, record: &QueryRecord<'_>) {
        let shard = &self.shards[SHARD.with(|s| *s)];
        let kind = record.kind.index();
        let proto = proto_index(record.transport);
        shard.requests[kind][proto][qtype_index(record.qtype)].fetch_add(1, Ordering::Relaxed);
        if record.sent {
            shard.responses[kind][proto][rcode_index(record.rcode)].fetch_add(1, Ordering::Relaxed);
        } else {
            shard.rrl_dropped[kind].fetch_add(1, Ordering::Relaxed);
        }
        if let Some(started) = record.started {
            shard.latency[kind][proto].observe(started.elapsed());
        }
    }
}

impl DnsMetrics {
    /// Appends the counters in Prometheus text format. Series still at zero are left out
    /// (Prometheus reads a missing series as no data; `increase()` starts it at its first
    /// sample), which keeps a scrape short: 4 × 3 × 22 request series are possible.
    pub fn render(&self, out: &mut String) {
        header(
            out,
            "cairn_dns_requests_total",
            "DNS queries answered or dropped, by listener kind, protocol and query type.",
            "counter",
        );
        for kind in ListenerKind::ALL {
            for (p, proto) in PROTO_NAMES.iter().enumerate() {
                for t in 0..TYPE_SLOTS {
                    let n = self.sum(|s| &s.requests[kind.index()][p][t]);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "cairn_dns_requests_total{{listener=\"{}\",proto=\"{proto}\",type=\"{}\"}} {n}",
                            kind.name(),
                            qtype_name(t)
                        );
                    }
                }
            }
        }
        header(
            out,
            "cairn_dns_responses_total",
            "DNS responses sent, by listener kind, protocol and response code.",
            "counter",
        );
        for kind in ListenerKind::ALL {
            for (p, proto) in PROTO_NAMES.iter().enumerate() {
                for r in 0..RCODE_SLOTS {
                    let n = self.sum(|s| &s.responses[kind.index()][p][r]);
                    if n > 0 {
                        let _ = writeln!(
                            out,
                            "cairn_dns_responses_total{{listener=\"{}\",proto=\"{proto}\",rcode=\"{}\"}} {n}",
                            kind.name(),
                            rcode_name(r)
                        );
                    }
                }
            }
        }
        header(
            out,
            "cairn_dns_request_duration_seconds",
            "Time from receiving a DNS query to its answer, by listener kind and protocol.",
            "histogram",
        );
        for kind in ListenerKind::ALL {
            for (p, proto) in PROTO_NAMES.iter().enumerate() {
                let mut totals = Totals::default();
                for shard in self.shards.iter() {
                    shard.latency[kind.index()][p].add_to(&mut totals);
                }
                if totals.count() > 0 {
                    let labels = format!("listener=\"{}\",proto=\"{proto}\"", kind.name());
                    totals.render(out, "cairn_dns_request_duration_seconds", &labels);
                }
            }
        }
        header(
            out,
            "cairn_dns_rrl_dropped_total",
            "DNS replies dropped by response-rate limiting, by listener kind.",
            "counter",
        );
        for kind in ListenerKind::ALL {
            let n = self.sum(|s| &s.rrl_dropped[kind.index()]);
            let _ = writeln!(
                out,
                "cairn_dns_rrl_dropped_total{{listener=\"{}\"}} {n}",
                kind.name()
            );
        }
    }
}

impl DnsMetrics {
    /// One counter summed over the shards.
    fn sum(&self, counter: impl Fn(&Shard) -> &AtomicU64) -> u64 {
        self.shards
            .iter()
            .map(|s| counter(s).load(Ordering::Relaxed))
            .sum()
    }
}

/// The `# HELP` and `# TYPE` lines of a metric family.
pub fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::observe::ViewLabel;

    #[test]
    fn every_named_type_maps_to_its_own_slot() {
        for (i, (code, name)) in QTYPES.iter().enumerate() {
            assert_eq!(qtype_index(*code), i, "{name}");
            assert_eq!(qtype_name(i), *name);
        }
        assert_eq!(qtype_name(qtype_index(0)), "other");
        assert_eq!(qtype_name(qtype_index(65535)), "other");
        assert_eq!(qtype_name(qtype_index(13)), "other");
    }

    #[test]
    fn rcodes_map_to_their_names() {
        assert_eq!(rcode_name(rcode_index(Rcode::NoError)), "NOERROR");
        assert_eq!(rcode_name(rcode_index(Rcode::NxDomain)), "NXDOMAIN");
        assert_eq!(rcode_name(rcode_index(Rcode::Refused)), "REFUSED");
        assert_eq!(rcode_name(rcode_index(Rcode::BadVers)), "BADVERS");
        assert_eq!(rcode_name(rcode_index(Rcode::Other(9))), "other");
    }

    #[test]
    fn records_become_labelled_series() {
        let metrics = DnsMetrics::default();
        let mut record = QueryRecord {
            kind: ListenerKind::InboundEndpoint,
            listener: "127.0.0.1:53".parse().unwrap(),
            source: None,
            port: 0,
            transport: Transport::Https,
            qname: b"",
            qtype: 28,
            rcode: Rcode::NxDomain,
            view: ViewLabel::None,
            sent: true,
            query: b"",
            response: b"",
            firewall: None,
            started: Some(std::time::Instant::now()),
        };
        metrics.record(&record);
        // Another thread counts in another shard; the scrape sums them.
        std::thread::scope(|scope| {
            scope.spawn(|| metrics.record(&record));
        });
        record.sent = false;
        record.qtype = 4242;
        metrics.record(&record);
        let mut text = String::new();
        metrics.render(&mut text);
        assert!(text.contains(
            "cairn_dns_requests_total{listener=\"inbound_endpoint\",proto=\"doh\",type=\"AAAA\"} 2\n"
        ));
        assert!(text.contains(
            "cairn_dns_requests_total{listener=\"inbound_endpoint\",proto=\"doh\",type=\"other\"} 1\n"
        ));
        assert!(text.contains(
            "cairn_dns_responses_total{listener=\"inbound_endpoint\",proto=\"doh\",rcode=\"NXDOMAIN\"} 2\n"
        ));
        assert!(text.contains("cairn_dns_rrl_dropped_total{listener=\"inbound_endpoint\"} 1\n"));
        assert!(text.contains("cairn_dns_rrl_dropped_total{listener=\"public\"} 0\n"));
        assert!(!text.contains("listener=\"public\",proto"));
        // Every record with a start time is in the latency histogram (one per query).
        assert!(text.contains(
            "cairn_dns_request_duration_seconds_count{listener=\"inbound_endpoint\",proto=\"doh\"} 3\n"
        ));
        assert!(text.contains(
            "cairn_dns_request_duration_seconds_bucket{listener=\"inbound_endpoint\",proto=\"doh\",le=\"+Inf\"} 3\n"
        ));
    }
}

//! Latency histograms for the Prometheus exporter: CoreDNS's buckets
//! (`coredns_dns_request_duration_seconds`: 0.25 ms doubling to 8.192 s, then +Inf), kept as
//! relaxed atomics so observing costs one division, two `fetch_add`s and no lock.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the finite buckets: 250 µs × 2^i, in nanoseconds (CoreDNS's
/// `ExponentialBuckets(0.00025, 2, 16)`).
pub const BUCKETS: usize = 16;
const FIRST_NS: u64 = 250_000;

/// One histogram: per-bucket counts (not cumulative; the scrape adds them up) and the sum.
#[derive(Debug, Default)]
pub struct Histogram {
    /// `counts[i]` for durations in bucket `i`; the last slot is above every bound.
    counts: [AtomicU64; BUCKETS + 1],
    sum_ns: AtomicU64,
}

/// The bucket a duration of `ns` nanoseconds falls in: the first bound at or above it.
pub fn bucket(ns: u64) -> usize {
    if ns <= FIRST_NS {
        return 0;
    }
    // ns in (250 µs × 2^(i-1), 250 µs × 2^i] ⇔ ceil(ns / 250 µs) needs i bits above 1.
    let steps = (ns - 1) / FIRST_NS;
    ((u64::BITS - steps.leading_zeros()) as usize).min(BUCKETS)
}

impl Histogram {
    /// Counts one duration.
    #[inline]
    pub fn observe(&self, elapsed: Duration) {
        let ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket(ns)].fetch_add(1, Relaxed);
        self.sum_ns.fetch_add(ns, Relaxed);
    }

    /// Adds this histogram's counts and sum into `into` (summing shards before rendering).
    pub fn add_to(&self, into: &mut Totals) {
        for (total, count) in into.counts.iter_mut().zip(&self.counts) {
            *total += count.load(Relaxed);
        }
        into.sum_ns += self.sum_ns.load(Relaxed);
    }

    /// This histogram's counts and sum.
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        self.add_to(&mut totals);
        totals
    }
}

/// A histogram's counts read at one moment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Per bucket, not cumulative.
    pub counts: [u64; BUCKETS + 1],
    /// The sum of the durations, in nanoseconds.
    pub sum_ns: u64,
}

impl Totals {
    /// How many durations were observed.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Appends the `_bucket`, `_sum` and `_count` series of `name` with `labels` (already
    /// formatted, `a="b",c="d"`, or empty) in Prometheus text format.
    pub fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count;
            if i < BUCKETS {
                let bound = (FIRST_NS << i) as f64 / 1e9;
                let _ = writeln!(
                    out,
                    "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
                );
            } else {
                let _ = writeln!(
                    out,
                    "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}"
                );
            }
        }
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(
            out,
            "{name}_sum{} {}",
            braces(labels),
            self.sum_ns as f64 / 1e9
        );
        let _ = writeln!(out, "{name}_count{} {cumulative}", braces(labels));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_fall_in_the_first_bucket_at_or_above_them() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(250_000), 0);
        assert_eq!(bucket(250_001), 1);
        assert_eq!(bucket(500_000), 1);
        assert_eq!(bucket(500_001), 2);
        assert_eq!(bucket(1_000_000), 2);
        assert_eq!(bucket(8_192_000_000), 15);
        assert_eq!(bucket(8_192_000_001), 16);
        assert_eq!(bucket(u64::MAX), 16);
    }

    #[test]
    fn renders_cumulative_buckets_sum_and_count() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(100));
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_secs(60));
        let mut text = String::new();
        h.totals().render(&mut text, "x_seconds", "proto=\"udp\"");
        assert!(text.contains("x_seconds_bucket{proto=\"udp\",le=\"0.00025\"} 1\n"));
        assert!(text.contains("x_seconds_bucket{proto=\"udp\",le=\"0.0005\"} 2\n"));
        assert!(text.contains("x_seconds_bucket{proto=\"udp\",le=\"8.192\"} 2\n"));
        assert!(text.contains("x_seconds_bucket{proto=\"udp\",le=\"+Inf\"} 3\n"));
        assert!(text.contains("x_seconds_sum{proto=\"udp\"} 60.0004\n"));
        assert!(text.contains("x_seconds_count{proto=\"udp\"} 3\n"));
        let mut bare = String::new();
        h.totals().render(&mut bare, "y_seconds", "");
        assert!(bare.contains("y_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(bare.contains("y_seconds_count 3\n"));
    }
}

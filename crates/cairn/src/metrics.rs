//! The Prometheus exporter (issue 15): `GET /metrics` on `--metrics-listen`.
//!
//! The text is rendered by hand rather than through the `metrics` crate and
//! `metrics-exporter-prometheus`: the DNS counters are fixed arrays of atomics (see
//! `cairn_dns::metrics`), everything else is read at scrape time from state the server
//! keeps anyway, so a registry would add a per-query label lookup and a second HTTP server
//! stack for nothing.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use cairn_dns::metrics::{header, DnsMetrics};
use cairn_dns::pipeline::tcp::Slots;
use tokio_util::sync::CancellationToken;

/// What a scrape reads.
pub(crate) struct Sources {
    /// Query counters of every DNS listener.
    pub(crate) dns: Arc<DnsMetrics>,
    /// API request counters.
    pub(crate) api: Arc<cairn_api::metrics::ApiMetrics>,
    /// The VPC resolver's public resolution (cache and upstream counters).
    pub(crate) resolver: Arc<cairn_dns::resolver::Resolver>,
    /// The served snapshot.
    pub(crate) shared: cairn_dns::SharedSnapshot,
    /// Connection slots of the public TCP listeners.
    pub(crate) public_tcp: Vec<Slots>,
    /// Connection slots every VPC resolver socket shares.
    pub(crate) resolver_tcp: Slots,
    /// Query log records written and dropped.
    pub(crate) query_log: Arc<cairn_dns::query_log::QueryLogger>,
    /// How far this node has followed the change log.
    pub(crate) progress: Arc<cairn_dns::follow::Progress>,
    /// This node's id (the `node` label).
    pub(crate) node_id: String,
}

impl Sources {
    /// The whole exposition, in Prometheus text format 0.0.4.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        self.dns.render(&mut out);
        header(
            &mut out,
            "cairn_dns_tcp_connections",
            "DNS TCP (and DoH) connections open now, by listener kind.",
            "gauge",
        );
        let public: usize = self.public_tcp.iter().map(Slots::open_connections).sum();
        let _ = writeln!(
            out,
            "cairn_dns_tcp_connections{{listener=\"public\"}} {public}"
        );
        let _ = writeln!(
            out,
            "cairn_dns_tcp_connections{{listener=\"resolver\"}} {}",
            self.resolver_tcp.open_connections()
        );
        self.render_resolver(&mut out);
        self.render_snapshot(&mut out);
        self.query_log.render(&mut out);
        self.api.render(&mut out);
        out
    }

    fn render_resolver(&self, out: &mut String) {
        let s = self.resolver.stats();
        let counters: [(&str, &str, u64); 9] = [
            (
                "cache_hits",
                "Answers served from the resolver's cache.",
                s.cache_hits,
            ),
            (
                "cache_misses",
                "Lookups the cache could not answer.",
                s.cache_misses,
            ),
            (
                "negative_hits",
                "Cached NXDOMAIN/NODATA answers served.",
                s.negative_hits,
            ),
            (
                "reply_hits",
                "Whole replies served from the reply cache.",
                s.reply_hits,
            ),
            (
                "upstream_queries",
                "Queries sent to upstream servers.",
                s.upstream_queries,
            ),
            (
                "ignored_replies",
                "Upstream replies ignored (mismatched or malformed).",
                s.ignored_replies,
            ),
            (
                "tcp_retries",
                "Truncated upstream replies retried over TCP.",
                s.tcp_retries,
            ),
            (
                "servfails",
                "Resolutions that ended in SERVFAIL.",
                s.servfails,
            ),
            (
                "cache_evictions",
                "Entries evicted from the cache.",
                s.cache_evictions,
            ),
        ];
        for (name, help, value) in counters {
            let full = format!("cairn_resolver_{name}_total");
            header(out, &full, help, "counter");
            let _ = writeln!(out, "{full} {value}");
        }
        header(
            out,
            "cairn_resolver_upstream_duration_seconds",
            "Time upstream servers took to answer the resolver's queries (answered queries only).",
            "histogram",
        );
        self.resolver.upstream_latency().render(
            out,
            "cairn_resolver_upstream_duration_seconds",
            "",
        );
        for (name, help, value) in [
            (
                "cache_entries",
                "Entries in the resolver's cache.",
                s.cache_entries,
            ),
            (
                "reply_entries",
                "Entries in the resolver's reply cache.",
                s.reply_entries,
            ),
        ] {
            let full = format!("cairn_resolver_{name}");
            header(out, &full, help, "gauge");
            let _ = writeln!(out, "{full} {value}");
        }
    }

    fn render_snapshot(&self, out: &mut String) {
        let snapshot = self.shared.load();
        header(
            out,
            "cairn_snapshot_seq",
            "The last change-log sequence number this node serves.",
            "gauge",
        );
        let _ = writeln!(out, "cairn_snapshot_seq {}", snapshot.seq.0);
        let node = escape(&self.node_id);
        header(
            out,
            "cairn_snapshot_age_seconds",
            "Seconds since this node applied its last change (or loaded its first snapshot).",
            "gauge",
        );
        if let Some(age) = self.progress.snapshot_age() {
            let _ = writeln!(out, "cairn_snapshot_age_seconds{{node=\"{node}\"}} {age}");
        }
        header(
            out,
            "cairn_changelog_lag",
            "The newest change this node has read in the store's log minus the change it serves.",
            "gauge",
        );
        let lag = self.progress.store_seq().0.saturating_sub(snapshot.seq.0);
        let _ = writeln!(out, "cairn_changelog_lag{{node=\"{node}\"}} {lag}");
        header(out, "cairn_snapshot_zones", "Hosted zones served.", "gauge");
        let _ = writeln!(out, "cairn_snapshot_zones {}", snapshot.zones.len());
        header(
            out,
            "cairn_health_check_status",
            "Health-check status in the served snapshot: 1 healthy, 0 unhealthy.",
            "gauge",
        );
        let mut checks: Vec<(&cairn_model::HealthCheckId, &bool)> =
            snapshot.health.iter().collect();
        checks.sort();
        for (id, healthy) in checks {
            let _ = writeln!(
                out,
                "cairn_health_check_status{{health_check_id=\"{}\"}} {}",
                escape(id.as_str()),
                u8::from(*healthy)
            );
        }
        snapshot.firewall.render_metrics(out);
    }
}

/// A label value escaped as the text format wants (backslash, quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serves `/metrics` on `listener` until `shutdown`.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    sources: Arc<Sources>,
    shutdown: CancellationToken,
) {
    use axum::http::header::CONTENT_TYPE;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let sources = sources.clone();
            async move {
                (
                    [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    sources.render(),
                )
            }
        }),
    );
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
    {
        tracing::warn!(error = %e, "the metrics listener stopped");
    }
}

/// Binds the exporter's address; `None` when the default address is taken (logged).
pub(crate) async fn bind(
    listen: crate::config::MetricsListen,
) -> Result<Option<(tokio::net::TcpListener, SocketAddr)>, std::io::Error> {
    match tokio::net::TcpListener::bind(listen.addr).await {
        Ok(l) => {
            let local = l.local_addr()?;
            Ok(Some((l, local)))
        }
        Err(e) if !listen.explicit => {
            tracing::warn!(addr = %listen.addr, error = %e,
                "cannot bind the default metrics address; running without metrics (set --metrics-listen ADDR or none)");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

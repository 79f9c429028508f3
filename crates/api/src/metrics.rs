//! API request counters for the Prometheus exporter (issue 15): requests by service,
//! operation and status, and a latency histogram per service. Recorded by a middleware inside
//! [`crate::envelope`], so the request's [`Dispatch`] (its service) is known.
//!
//! The operation is the json-1.1 target's name (`CreateResolverRule`) where there is one,
//! else the operation a service named on the response ([`crate::operation::OperationName`]:
//! EC2's query protocol names its action in the body, `DescribeVpcs`), else the route that
//! matched, method first (`POST /2013-04-01/hostedzone`), else `unknown` (no route: the
//! unknown-operation error; an EC2 action Cairn does not serve is `POST /`).
//!
//! The API is not a hot path (every call reaches the store), so one mutex-guarded map is
//! enough here; the DNS counters are lock-free arrays instead.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::dispatch::{Dispatch, Service};

use crate::store_errors::store_errors;
pub use crate::store_errors::{count_store_error, StoreErrorKind};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// One service's latency histogram: cumulative counts are computed at render time.
#[derive(Default, Clone)]
struct Histogram {
    /// Requests per bucket (not cumulative); the last slot is +Inf.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

#[derive(Default)]
struct Inner {
    /// (service, operation, status) → requests.
    requests: BTreeMap<(&'static str, String, u16), u64>,
    /// service → latency.
    latency: BTreeMap<&'static str, Histogram>,
}

/// Every API counter of one node.
#[derive(Default)]
pub struct ApiMetrics {
    inner: Mutex<Inner>,
}

impl ApiMetrics {
    /// Counts one answered request.
    pub fn record(&self, service: Service, operation: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let name = service.signing_name();
        *inner
            .requests
            .entry((name, operation.to_string(), status))
            .or_default() += 1;
        let h = inner.latency.entry(name).or_default();
        let slot = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        h.counts[slot] += 1;
        h.sum += seconds;
    }

    /// Appends the counters in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP cairn_store_errors_total Store errors met by API requests, by kind.\n# TYPE cairn_store_errors_total counter\n\
             cairn_store_errors_total{{kind=\"unavailable\"}} {}\n\
             cairn_store_errors_total{{kind=\"failure\"}} {}",
            store_errors(StoreErrorKind::Unavailable),
            store_errors(StoreErrorKind::Failure)
        );
        let Ok(inner) = self.inner.lock() else {
            return;
        };
        let _ = writeln!(
            out,
            "# HELP cairn_api_requests_total API requests answered, by service, operation and status.\n# TYPE cairn_api_requests_total counter"
        );
        for ((service, operation, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "cairn_api_requests_total{{service=\"{service}\",operation=\"{}\",status=\"{status}\"}} {n}",
                operation.replace('\\', "\\\\").replace('"', "\\\"")
            );
        }
        let _ = writeln!(
            out,
            "# HELP cairn_api_request_duration_seconds API request latency, by service.\n# TYPE cairn_api_request_duration_seconds histogram"
        );
        for (service, h) in &inner.latency {
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += h.counts[i];
                let _ = writeln!(
                    out,
                    "cairn_api_request_duration_seconds_bucket{{service=\"{service}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += h.counts[BUCKETS.len()];
            let _ = writeln!(
                out,
                "cairn_api_request_duration_seconds_bucket{{service=\"{service}\",le=\"+Inf\"}} {cumulative}\n\
                 cairn_api_request_duration_seconds_sum{{service=\"{service}\"}} {}\n\
                 cairn_api_request_duration_seconds_count{{service=\"{service}\"}} {cumulative}",
                h.sum
            );
        }
    }
}

/// The route a service's router matched, passed out on the response for [`track`].
#[derive(Debug, Clone)]
pub struct MatchedRoute(pub String);

/// A route layer of each service's router: notes the route that matched.
pub async fn note_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| format!("{} {}", request.method(), p.as_str()));
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

/// The middleware: times the request and counts it under its service and operation (the
/// unauthenticated readiness endpoint is not counted).
pub async fn track(
    State(metrics): State<Option<Arc<ApiMetrics>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(metrics) = metrics else {
        return next.run(request).await;
    };
    if request.uri().path() == crate::HEALTH_PATH {
        return next.run(request).await;
    }
    let dispatch = request.extensions().get::<Dispatch>().cloned();
    let start = Instant::now();
    let response = next.run(request).await;
    if let Some(dispatch) = dispatch {
        let target = dispatch
            .target
            .as_deref()
            .and_then(|t| t.rsplit_once('.'))
            .map(|(_, op)| op);
        let named = response
            .extensions()
            .get::<crate::operation::OperationName>()
            .map(|op| op.0);
        let route = response
            .extensions()
            .get::<MatchedRoute>()
            .map(|r| r.0.as_str());
        metrics.record(
            dispatch.service,
            target.or(named).or(route).unwrap_or("unknown"),
            response.status().as_u16(),
            start.elapsed().as_secs_f64(),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latency_render_by_service() {
        let m = ApiMetrics::default();
        m.record(Service::Route53, "POST /2013-04-01/hostedzone", 201, 0.003);
        m.record(Service::Route53, "POST /2013-04-01/hostedzone", 201, 7.0);
        m.record(Service::Ec2, "POST", 400, 0.0001);
        let mut text = String::new();
        m.render(&mut text);
        assert!(text.contains(
            "cairn_api_requests_total{service=\"route53\",operation=\"POST /2013-04-01/hostedzone\",status=\"201\"} 2\n"
        ));
        assert!(text.contains(
            "cairn_api_requests_total{service=\"ec2\",operation=\"POST\",status=\"400\"} 1\n"
        ));
        assert!(text.contains(
            "cairn_api_request_duration_seconds_bucket{service=\"route53\",le=\"0.0025\"} 0\n"
        ));
        assert!(text.contains(
            "cairn_api_request_duration_seconds_bucket{service=\"route53\",le=\"0.005\"} 1\n"
        ));
        assert!(text.contains(
            "cairn_api_request_duration_seconds_bucket{service=\"route53\",le=\"+Inf\"} 2\n"
        ));
        assert!(text.contains("cairn_api_request_duration_seconds_count{service=\"route53\"} 2\n"));
    }
}

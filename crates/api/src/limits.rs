//! Request limits, checked before a signature is verified or a body is read (issue 7).
//!
//! - **Body size**: a request whose `Content-Length` exceeds [`RequestLimits::max_body_bytes`]
//!   is refused at once with 413 `RequestEntityTooLarge`; a body without a length is cut off
//!   at the same size (and refused the same way when it is read).
//! - **Request rate**: one token bucket for the whole API (AWS throttles per account, and
//!   Cairn has one root account): [`RequestLimits::rate_per_second`] requests per second with
//!   bursts of [`RequestLimits::burst`]. A request that finds it empty gets AWS's throttling
//!   error, 400 `Throttling` "Rate exceeded", which every AWS SDK retries with backoff. The
//!   default (1000/s, bursts of 2000) is far above what Terraform, octoDNS or a bulk script
//!   sends, and far below what would slow the DNS data plane on a small machine.
//!
//! The readiness endpoint is not limited.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AwsError;

/// The default request rate, per second.
pub const DEFAULT_RATE_PER_SECOND: u32 = 1000;
/// The default burst.
pub const DEFAULT_BURST: u32 = 2000;
/// The default largest body: 10 MiB (Route 53's largest request, a 1,000-change batch of
/// 32,000 characters of values, is far smaller).
pub const DEFAULT_MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The limits the binary configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Requests per second; 0 turns rate limiting off.
    pub rate_per_second: u32,
    /// Requests allowed at once after a quiet period (at least 1 when limiting is on).
    pub burst: u32,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            rate_per_second: DEFAULT_RATE_PER_SECOND,
            burst: DEFAULT_BURST,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The limiter the middleware shares.
#[derive(Debug, Clone)]
pub struct Limiter {
    limits: RequestLimits,
    bucket: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// A limiter starting with a full bucket.
    pub fn new(limits: RequestLimits) -> Self {
        let burst = f64::from(limits.burst.max(1));
        Self {
            limits,
            bucket: Arc::new(Mutex::new(Bucket {
                tokens: burst,
                at: Instant::now(),
            })),
        }
    }

    /// Takes one request's token at `now`; `false` means throttle.
    pub fn admit_at(&self, now: Instant) -> bool {
        if self.limits.rate_per_second == 0 {
            return true;
        }
        let burst = f64::from(self.limits.burst.max(1));
        let mut bucket = match self.bucket.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens =
            (bucket.tokens + elapsed * f64::from(self.limits.rate_per_second)).min(burst);
        bucket.at = now.max(bucket.at);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// AWS's throttling error: 400 `Throttling`, "Rate exceeded".
pub fn throttling() -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
}

/// 413 `RequestEntityTooLarge`.
pub fn too_large(max: usize) -> AwsError {
    AwsError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("Request body is larger than the limit of {max} bytes."),
    )
}

/// Middleware: the rate limit, then the body limit.
pub async fn enforce(State(limiter): State<Limiter>, request: Request, next: Next) -> Response {
    if !limiter.admit_at(Instant::now()) {
        tracing::debug!(path = %request.uri().path(), "request throttled");
        return throttling().into_response();
    }
    let max = limiter.limits.max_body_bytes;
    let declared = request
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return too_large(max).into_response();
    }
    let (parts, body) = request.into_parts();
    let body = Body::new(http_body_util::Limited::new(body, max));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_bucket_admits_the_burst_then_the_rate() {
        let limiter = Limiter::new(RequestLimits {
            rate_per_second: 10,
            burst: 20,
            ..RequestLimits::default()
        });
        let t0 = Instant::now();
        let admitted = (0..50).filter(|_| limiter.admit_at(t0)).count();
        assert_eq!(admitted, 20);
        assert!(!limiter.admit_at(t0));
        // 0.5 s later: five more.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!((0..50).filter(|_| limiter.admit_at(t1)).count(), 5);
    }

    #[test]
    fn rate_zero_never_throttles() {
        let limiter = Limiter::new(RequestLimits {
            rate_per_second: 0,
            burst: 0,
            ..RequestLimits::default()
        });
        let t0 = Instant::now();
        assert!((0..100_000).all(|_| limiter.admit_at(t0)));
    }

    #[test]
    fn the_errors_are_aws_shaped() {
        let t = throttling();
        assert_eq!(
            (t.status, &*t.code, t.message.as_str()),
            (StatusCode::BAD_REQUEST, "Throttling", "Rate exceeded")
        );
        assert_eq!(too_large(10).status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

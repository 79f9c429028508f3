//! Cairn's health checker (DESIGN.md §1): one task per health check probes its endpoint every
//! `RequestInterval` and reports each result to the store, which applies `FailureThreshold`
//! and logs status transitions to the change feed (so the DNS data plane flips within one
//! follower tick).
//!
//! ```text
//!   supervisor (every second): store.list_health_checks() ──► spawn / restart / stop tasks
//!   task per check: probe ──► store.record_health_probe(id, result) ──► sleep(interval)
//! ```
//!
//! Probes follow Route 53 (ROUTE53.md §4): HTTP(S) connects within 4 s and needs a 2xx/3xx
//! status within 2 s more (HTTPS does not validate certificates); string matching looks at the
//! first 5,120 bytes of the body; TCP connects within 10 s. CALCULATED checks are not probed
//! (the store derives them from their children) and disabled checks are not probed at all.
#![warn(missing_docs)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cairn_model::error::DomainError;
use cairn_model::health::{
    HealthCheck, HealthCheckConfig, HealthCheckError, HealthCheckType, SEARCH_WINDOW,
};
use cairn_model::HealthCheckId;
use cairn_store::{ProbeResult, Store};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// TCP connect limit of HTTP(S) probes.
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(4);
/// Time for the status line after connecting, and again for a string match's body.
pub const HTTP_RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// TCP probe connect limit.
pub const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the checker runs.
#[derive(Debug, Clone)]
pub struct CheckerConfig {
    /// The region observations are reported from (the node's `--region`).
    pub region: String,
    /// Replaces every check's `RequestInterval` (for tests: `--health-interval-ms`).
    pub interval_override: Option<Duration>,
}

impl CheckerConfig {
    fn interval(&self, config: &HealthCheckConfig) -> Duration {
        self.interval_override
            .unwrap_or_else(|| Duration::from_secs(config.interval_secs()))
    }
}

/// Runs the checker until `shutdown` is cancelled (the one token that stops `cairn serve`).
pub async fn run(store: Arc<dyn Store>, config: CheckerConfig, shutdown: CancellationToken) {
    let config = Arc::new(config);
    let refresh = config
        .interval_override
        .map_or(Duration::from_secs(1), |d| d.min(Duration::from_secs(1)));
    let mut tasks: HashMap<HealthCheckId, (u64, JoinHandle<()>)> = HashMap::new();
    loop {
        match store.list_health_checks().await {
            Ok(checks) => reconcile(&store, &config, &mut tasks, checks),
            Err(e) => tracing::warn!(error = %e, "health checker cannot list health checks"),
        }
        tokio::select! {
            _ = tokio::time::sleep(refresh) => {}
            _ = shutdown.cancelled() => break,
        }
    }
    for (_, (_, task)) in tasks.drain() {
        task.abort();
    }
}

/// Starts a task for each new or changed check, stops those of deleted or disabled ones.
fn reconcile(
    store: &Arc<dyn Store>,
    config: &Arc<CheckerConfig>,
    tasks: &mut HashMap<HealthCheckId, (u64, JoinHandle<()>)>,
    checks: Vec<HealthCheck>,
) {
    let wanted: HashMap<HealthCheckId, HealthCheck> = checks
        .into_iter()
        .filter(|c| c.config.check_type != HealthCheckType::Calculated && !c.config.disabled)
        .map(|c| (c.id.clone(), c))
        .collect();
    tasks.retain(|id, (version, task)| {
        let keep = wanted.get(id).is_some_and(|c| c.version == *version) && !task.is_finished();
        if !keep {
            task.abort();
        }
        keep
    });
    for (id, check) in wanted {
        if tasks.contains_key(&id) {
            continue;
        }
        let version = check.version;
        let task = tokio::spawn(probe_loop(store.clone(), config.clone(), check));
        tasks.insert(id, (version, task));
    }
}

async fn probe_loop(store: Arc<dyn Store>, config: Arc<CheckerConfig>, check: HealthCheck) {
    let interval = config.interval(&check.config);
    loop {
        let outcome = probe(&check.config).await;
        let result = ProbeResult {
            ok: outcome.ok,
            status: outcome.status,
            ip_address: outcome.ip.map(|ip| ip.to_string()).unwrap_or_default(),
            region: config.region.clone(),
            checked_at_ms: now_ms(),
        };
        tracing::debug!(health_check = %check.id, ok = result.ok, status = %result.status, "probe");
        match store.record_health_probe(&check.id, result).await {
            Ok(()) => {}
            Err(cairn_store::StoreError::Rejected(DomainError::HealthCheck(
                HealthCheckError::NoSuchHealthCheck(_),
            ))) => return,
            Err(e) => tracing::warn!(health_check = %check.id, error = %e, "cannot record a probe"),
        }
        tokio::time::sleep(interval).await;
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// What one probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Healthy by Route 53's rules.
    pub ok: bool,
    /// `Success: …` or `Failure: …`.
    pub status: String,
    /// The address probed, once known.
    pub ip: Option<IpAddr>,
}

impl Outcome {
    fn failure(ip: Option<IpAddr>, text: impl std::fmt::Display) -> Self {
        Self {
            ok: false,
            status: format!("Failure: {text}"),
            ip,
        }
    }
}

/// Probes once.
pub async fn probe(config: &HealthCheckConfig) -> Outcome {
    let port = config.port.unwrap_or(80);
    let ip = match resolve(config).await {
        Ok(ip) => ip,
        Err(e) => return Outcome::failure(None, e),
    };
    let addr = SocketAddr::new(ip, port);
    match config.check_type {
        HealthCheckType::Tcp => {
            match tokio::time::timeout(TCP_CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
                .await
            {
                Ok(Ok(_)) => Outcome {
                    ok: true,
                    status: "Success: TCP connection established".into(),
                    ip: Some(ip),
                },
                Ok(Err(e)) => Outcome::failure(Some(ip), format!("TCP connection failed: {e}")),
                Err(_) => Outcome::failure(Some(ip), "The TCP connection timed out."),
            }
        }
        t if t.is_http() => http_probe(config, addr).await,
        _ => Outcome {
            ok: true,
            status: "Success".into(),
            ip: Some(ip),
        },
    }
}

/// The IP to probe: `IPAddress`, else the FQDN resolved (IPv4 only, as Route 53 does).
async fn resolve(config: &HealthCheckConfig) -> Result<IpAddr, String> {
    if let Some(ip) = &config.ip_address {
        return ip.parse().map_err(|_| format!("Invalid IP address {ip}"));
    }
    let Some(fqdn) = &config.fqdn else {
        return Err("No IP address or domain name to check".into());
    };
    let host = fqdn.trim_end_matches('.');
    let found = tokio::time::timeout(Duration::from_secs(4), tokio::net::lookup_host((host, 0)))
        .await
        .map_err(|_| "DNS resolution failed".to_string())?
        .map_err(|_| "DNS resolution failed".to_string())?;
    found
        .map(|a| a.ip())
        .find(IpAddr::is_ipv4)
        .ok_or_else(|| "DNS resolution failed".to_string())
}

async fn http_probe(config: &HealthCheckConfig, addr: SocketAddr) -> Outcome {
    let ip = Some(addr.ip());
    let https = config.check_type.is_https();
    let scheme = if https { "https" } else { "http" };
    let path = config.resource_path.as_deref().unwrap_or("/");
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let mut builder = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .connect_timeout(HTTP_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent("Cairn-Health-Check/1.0");
    // With SNI, the URL names the FQDN (sent in the ClientHello) and resolves to the address.
    let sni_host = config
        .fqdn
        .as_deref()
        .map(|f| f.trim_end_matches('.'))
        .filter(|_| https && config.enable_sni.unwrap_or(true));
    let url = match sni_host {
        Some(host) => {
            builder = builder.resolve(host, addr);
            format!("{scheme}://{host}:{}{path}", addr.port())
        }
        None => format!("{scheme}://{addr}{path}"),
    };
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => return Outcome::failure(ip, format!("cannot build an HTTP client: {e}")),
    };
    let mut request = client.get(&url);
    if let Some(host) = config.host_header() {
        request = request.header(reqwest::header::HOST, host);
    }
    let response =
        match tokio::time::timeout(HTTP_CONNECT_TIMEOUT + HTTP_RESPONSE_TIMEOUT, request.send())
            .await
        {
            Err(_) => return Outcome::failure(ip, "The endpoint did not respond in time."),
            Ok(Err(e)) if e.is_connect() => {
                return Outcome::failure(ip, format!("Connection failed: {}", root_cause(&e)))
            }
            Ok(Err(e)) => {
                return Outcome::failure(ip, format!("The request failed: {}", root_cause(&e)))
            }
            Ok(Ok(r)) => r,
        };
    let status = response.status();
    let status_text = format!(
        "HTTP Status Code {}, {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    if !(status.is_success() || status.is_redirection()) {
        return Outcome::failure(ip, status_text);
    }
    if config.check_type.is_str_match() {
        let needle = config
            .search_string
            .as_deref()
            .unwrap_or_default()
            .as_bytes();
        let body = match tokio::time::timeout(HTTP_RESPONSE_TIMEOUT, read_prefix(response)).await {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => {
                return Outcome::failure(ip, format!("Reading the body failed: {}", root_cause(&e)))
            }
            Err(_) => return Outcome::failure(ip, "The body did not arrive in time."),
        };
        if !contains(&body, needle) {
            return Outcome::failure(
                ip,
                format!("{status_text}. Failed to find the search string in the first {SEARCH_WINDOW} bytes of the response body."),
            );
        }
    }
    Outcome {
        ok: true,
        status: format!("Success: {status_text}"),
        ip,
    }
}

/// The first [`SEARCH_WINDOW`] bytes of the body.
async fn read_prefix(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while body.len() < SEARCH_WINDOW {
        match response.chunk().await? {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => break,
        }
    }
    body.truncate(SEARCH_WINDOW);
    Ok(body)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_window() {
        assert!(contains(b"hello world", b"o w"));
        assert!(!contains(b"hello", b"Hello"), "case-sensitive");
    }
}

//! DNS over TCP (RFC 7766): length-prefixed messages, several per connection, answered in
//! order; idle connections are closed, and the number of connections is capped.
//!
//! The cap must not let connections that never send starve real clients (issue 7): a
//! connection may stay [`IDLE_TIMEOUT`] without completing a query while fewer than half of
//! the slots are taken, and only [`BUSY_IDLE_TIMEOUT`] once more are (RFC 7766 §6.2.3
//! lets a server under pressure close idle connections early; Unbound and NSD do the same).
//! The limit is re-read while a connection waits, so a flood shortens the wait of
//! connections that were already open. Idle means "no complete query": a client trickling
//! one byte at a time is closed as well. A client that does not read its answers is closed
//! after [`IDLE_TIMEOUT`] too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use crate::geoip::GeoIp;
use crate::listen::respond_guarded;
use crate::respond::{Origin, Transport};
use crate::snapshot::SharedSnapshot;

/// A connection with no complete query for this long is closed (Knot's default is 10 s).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// The idle limit while more than half of [`MAX_CONNECTIONS`] are open.
pub const BUSY_IDLE_TIMEOUT: Duration = Duration::from_secs(1);
/// Connections served at once per listener; more wait in the accept queue.
pub const MAX_CONNECTIONS: usize = 1024;
/// How often a waiting connection re-reads the idle limit.
const RECHECK: Duration = Duration::from_millis(250);

/// Serves TCP on `listener` until `shutdown` turns true; clients are located with `geoip`.
pub async fn serve(
    listener: TcpListener,
    shared: SharedSnapshot,
    geoip: Option<Arc<GeoIp>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            _ = shutdown.changed() => return,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                let shared = shared.clone();
                let slots = slots.clone();
                let geoip = geoip.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    let origin = Origin {
                        source: Some(peer.ip().to_canonical()),
                        geoip: geoip.as_deref(),
                    };
                    if let Err(e) = serve_connection(stream, shared, origin, &slots).await {
                        tracing::debug!(error = %e, "tcp connection ended");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "tcp accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The idle limit now, given how many slots are free.
fn idle_limit(slots: &Semaphore) -> Duration {
    let open = MAX_CONNECTIONS.saturating_sub(slots.available_permits());
    if open > MAX_CONNECTIONS / 2 {
        BUSY_IDLE_TIMEOUT
    } else {
        IDLE_TIMEOUT
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    shared: SharedSnapshot,
    origin: Origin<'_>,
    slots: &Semaphore,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    // Bytes received and not yet answered: at most one message (2 + 65535) plus one read.
    let mut pending: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut out = Vec::with_capacity(4096);
    let mut framed = Vec::with_capacity(4096);
    let mut last_query = Instant::now();
    loop {
        // Answer every complete message received so far, in order.
        let mut consumed = 0;
        while pending.len() - consumed >= 2 {
            let len = usize::from(u16::from_be_bytes([
                pending[consumed],
                pending[consumed + 1],
            ]));
            let end = consumed + 2 + len;
            if pending.len() < end {
                break;
            }
            let msg = &pending[consumed + 2..end];
            consumed = end;
            last_query = Instant::now();
            let snapshot = shared.load();
            if !respond_guarded(&snapshot, msg, Transport::Tcp, origin, &mut out) {
                continue;
            }
            drop(snapshot);
            framed.clear();
            framed.extend_from_slice(&(out.len() as u16).to_be_bytes());
            framed.extend_from_slice(&out);
            match tokio::time::timeout(IDLE_TIMEOUT, stream.write_all(&framed)).await {
                Ok(result) => result?,
                Err(_) => return Ok(()), // the client does not read its answers
            }
        }
        pending.drain(..consumed);

        let limit = idle_limit(slots);
        let waited = last_query.elapsed();
        if waited >= limit {
            return Ok(());
        }
        // `read` is cancel-safe: a timeout loses no bytes.
        match tokio::time::timeout((limit - waited).min(RECHECK), stream.read(&mut chunk)).await {
            Err(_) => continue,
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(n)) => pending.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(Err(e)) => return Err(e),
        }
    }
}

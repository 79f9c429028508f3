//! DNS over TCP (RFC 7766) for every listener: length-prefixed messages, several per
//! connection (pipelined: every complete message is answered, in order, before the next
//! read), one idle policy, and a cap on connections.
//!
//! The cap must not let connections that never send starve real clients (issue 7): a
//! connection may stay [`IDLE_TIMEOUT`] without completing a query while at most half of its
//! [`Slots`] are taken, and only [`BUSY_IDLE_TIMEOUT`] once more are (RFC 7766 §6.2.3 lets a
//! server under pressure close idle connections early; Unbound and NSD do the same). The
//! limit is re-read while a connection waits, so a flood shortens the wait of connections
//! that were already open. Idle means "no complete query": a client trickling one byte at a
//! time is closed as well. A client that does not read its answers is closed after
//! [`IDLE_TIMEOUT`] too. When every slot is taken, new connections wait in the kernel's
//! accept queue until one frees.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{answer, Answerer, Peer, Transport};

/// A connection with no complete query for this long is closed (Knot's default is 10 s).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// The idle limit while more than half of the slots are taken.
pub const BUSY_IDLE_TIMEOUT: Duration = Duration::from_secs(1);
/// Connections served at once per public listener.
pub const MAX_CONNECTIONS: usize = 1024;
/// How often a waiting connection re-reads the idle limit.
const RECHECK: Duration = Duration::from_millis(250);

/// Connection slots: per public listener, or shared by every VPC resolver socket (TCP and
/// DoH).
#[derive(Debug, Clone)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    capacity: usize,
    /// Connections accepted and not yet closed (the permits also count each acceptor's
    /// wait for its next connection), for metrics.
    open: Arc<AtomicUsize>,
}

impl Slots {
    /// `capacity` slots.
    pub fn new(capacity: usize) -> Self {
        Self {
            semaphore: Arc::new(Semaphore::new(capacity)),
            capacity,
            open: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Connections open now, for metrics.
    pub fn open_connections(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// The idle limit now, given how many slots are taken.
    pub fn idle_limit(&self) -> Duration {
        let open = self
            .capacity
            .saturating_sub(self.semaphore.available_permits());
        if open > self.capacity / 2 {
            BUSY_IDLE_TIMEOUT
        } else {
            IDLE_TIMEOUT
        }
    }
}

/// A connection's slot: freed, and the connection no longer counted open, when dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    open: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The next connection on `listener` with a slot for it, or `None` once `stop` is
/// cancelled. Waits for a slot before accepting (the rest wait in the accept queue); a
/// failed accept (e.g. out of file descriptors) is retried after a pause instead of spinning.
pub async fn accept(
    listener: &TcpListener,
    slots: &Slots,
    stop: &CancellationToken,
) -> Option<(TcpStream, SocketAddr, Slot)> {
    let permit = tokio::select! {
        permit = slots.semaphore.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        _ = stop.cancelled() => return None,
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    slots.open.fetch_add(1, Ordering::Relaxed);
                    let slot = Slot {
                        _permit: permit,
                        open: slots.open.clone(),
                    };
                    return Some((stream, peer, slot));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "tcp accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.cancelled() => return None,
        }
    }
}

/// Serves DNS over TCP on `listener` with `answerer` until `stop` is cancelled.
pub async fn serve<A: Answerer + 'static>(
    listener: TcpListener,
    answerer: Arc<A>,
    slots: Slots,
    stop: CancellationToken,
) {
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(e) => {
            tracing::warn!(error = %e, "tcp listener has no address");
            return;
        }
    };
    while let Some((stream, peer, permit)) = accept(&listener, &slots, &stop).await {
        let (answerer, slots, stop) = (answerer.clone(), slots.clone(), stop.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let peer = Peer {
                source: Some(peer.ip().to_canonical()),
                port: peer.port(),
                local,
                transport: Transport::Tcp,
            };
            tokio::select! {
                ended = connection(stream, &*answerer, peer, &slots) => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "tcp connection ended");
                    }
                }
                _ = stop.cancelled() => {}
            }
        });
    }
}

async fn connection<A: Answerer>(
    mut stream: TcpStream,
    answerer: &A,
    peer: Peer,
    slots: &Slots,
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
            if let Some(messages) = answerer.transfer(msg, &peer) {
                for message in messages {
                    framed.clear();
                    framed.extend_from_slice(&(message.len() as u16).to_be_bytes());
                    framed.extend_from_slice(&message);
                    match tokio::time::timeout(IDLE_TIMEOUT, stream.write_all(&framed)).await {
                        Ok(result) => result?,
                        Err(_) => return Ok(()),
                    }
                }
                continue;
            }
            if !answer(answerer, msg, &peer, &mut out).await {
                continue;
            }
            framed.clear();
            framed.extend_from_slice(&(out.len() as u16).to_be_bytes());
            framed.extend_from_slice(&out);
            match tokio::time::timeout(IDLE_TIMEOUT, stream.write_all(&framed)).await {
                Ok(result) => result?,
                Err(_) => return Ok(()), // the client does not read its answers
            }
        }
        pending.drain(..consumed);

        let limit = slots.idle_limit();
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

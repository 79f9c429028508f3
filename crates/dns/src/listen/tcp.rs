//! DNS over TCP (RFC 7766): length-prefixed messages, several per connection, answered in
//! order; idle connections are closed, and the number of connections is capped.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

use crate::respond::{respond, Transport};
use crate::snapshot::SharedSnapshot;

/// A connection with no complete query for this long is closed (Knot's default is 10 s).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once per listener; more wait in the accept queue.
pub const MAX_CONNECTIONS: usize = 1024;

/// Serves TCP on `listener` until `shutdown` turns true.
pub async fn serve(listener: TcpListener, shared: SharedSnapshot, mut shutdown: watch::Receiver<bool>) {
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
            Ok((stream, _peer)) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(e) = serve_connection(stream, shared).await {
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

async fn serve_connection(mut stream: TcpStream, shared: SharedSnapshot) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut msg = vec![0u8; 65_535];
    let mut out = Vec::with_capacity(4096);
    let mut framed = Vec::with_capacity(4096);
    loop {
        let len = match tokio::time::timeout(IDLE_TIMEOUT, stream.read_u16()).await {
            Ok(Ok(len)) => len as usize,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(Err(e)) => return Err(e),
            Err(_) => return Ok(()), // idle
        };
        match tokio::time::timeout(IDLE_TIMEOUT, stream.read_exact(&mut msg[..len])).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Ok(()),
        }
        let snapshot = shared.load();
        let Some(response) = respond(&snapshot, &msg[..len], Transport::Tcp, &mut out) else {
            continue;
        };
        framed.clear();
        framed.extend_from_slice(&(response.len() as u16).to_be_bytes());
        framed.extend_from_slice(response);
        stream.write_all(&framed).await?;
    }
}

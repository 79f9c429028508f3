//! UDP workers: one thread and one socket each, answering straight from the snapshot.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::respond::{respond, Transport};
use crate::snapshot::SharedSnapshot;

/// How often an idle worker looks at the stop flag.
const STOP_CHECK: Duration = Duration::from_millis(250);

/// Starts one worker thread per socket; they stop once `stop` is set.
pub fn spawn_workers(
    sockets: Vec<UdpSocket>,
    shared: SharedSnapshot,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut handles = Vec::with_capacity(sockets.len());
    for (i, socket) in sockets.into_iter().enumerate() {
        socket.set_read_timeout(Some(STOP_CHECK))?;
        let shared = shared.clone();
        let stop = stop.clone();
        handles.push(
            std::thread::Builder::new()
                .name(format!("dns-udp-{i}"))
                .spawn(move || run_worker(&socket, &shared, &stop))?,
        );
    }
    Ok(handles)
}

fn run_worker(socket: &UdpSocket, shared: &SharedSnapshot, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65_535];
    let mut out = Vec::with_capacity(4096);
    while !stop.load(Ordering::Relaxed) {
        let (len, peer) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(e) => {
                tracing::warn!(error = %e, "udp receive failed");
                continue;
            }
        };
        let snapshot = shared.load();
        if let Some(response) = respond(&snapshot, &buf[..len], Transport::Udp, &mut out) {
            if let Err(e) = socket.send_to(response, peer) {
                tracing::debug!(error = %e, %peer, "udp send failed");
            }
        }
    }
}

//! DNS over UDP for every listener.
//!
//! - [`spawn_workers`]: the public listener's worker threads, one `SO_REUSEPORT` socket
//!   each, answering on the thread (the answerer never awaits). Each worker receives up to
//!   [`BATCH`] queries per `recvmmsg` call and sends the replies with one `sendmmsg` (NSD's
//!   and Knot's batching), so a busy worker makes two system calls per batch instead of two
//!   per query.
//! - [`serve`]: a socket on the async runtime whose answers may wait on the network (the VPC
//!   resolver): every query is polled once on the listener's task, and only one that must
//!   wait (an upstream query) becomes its own task, at most as many at once as the caller's
//!   in-flight semaphore allows; beyond that queries are dropped (the client retries), as
//!   resolvers do under overload.

use std::future::Future;
use std::mem::MaybeUninit;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{answer, answer_now, AnswerNow, Answerer, Peer, Transport};

/// How often an idle worker looks at the cancellation token.
const STOP_CHECK: Duration = Duration::from_millis(250);
/// Queries taken per `recvmmsg`.
pub const BATCH: usize = 32;
/// Largest query accepted over UDP; a longer datagram is dropped (no DNS query needs it).
const MAX_QUERY: usize = 4096;

/// Starts one worker thread per socket, answering with `answerer`; they stop once `stop`
/// is cancelled.
pub fn spawn_workers<A: AnswerNow + 'static>(
    sockets: Vec<UdpSocket>,
    answerer: Arc<A>,
    stop: CancellationToken,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut handles = Vec::with_capacity(sockets.len());
    for (i, socket) in sockets.into_iter().enumerate() {
        socket.set_read_timeout(Some(STOP_CHECK))?;
        let local = socket.local_addr()?;
        let answerer = answerer.clone();
        let stop = stop.clone();
        handles.push(
            std::thread::Builder::new()
                .name(format!("dns-udp-{i}"))
                .spawn(move || Worker::new().run(&socket, local, &*answerer, &stop))?,
        );
    }
    Ok(handles)
}

/// The buffers of one worker, reused for every batch.
struct Worker {
    queries: Vec<[u8; MAX_QUERY]>,
    peers: Vec<libc::sockaddr_storage>,
    recv_iov: Vec<libc::iovec>,
    recv_hdrs: Vec<libc::mmsghdr>,
    replies: Vec<Vec<u8>>,
    send_iov: Vec<libc::iovec>,
    send_hdrs: Vec<libc::mmsghdr>,
}

impl Worker {
    fn new() -> Self {
        // SAFETY: these C structs are plain data; all-zero is a valid value for each.
        let zeroed_peer = unsafe { MaybeUninit::<libc::sockaddr_storage>::zeroed().assume_init() };
        let zeroed_hdr = unsafe { MaybeUninit::<libc::mmsghdr>::zeroed().assume_init() };
        let empty_iov = libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        };
        Self {
            queries: vec![[0u8; MAX_QUERY]; BATCH],
            peers: vec![zeroed_peer; BATCH],
            recv_iov: vec![empty_iov; BATCH],
            recv_hdrs: vec![zeroed_hdr; BATCH],
            replies: (0..BATCH).map(|_| Vec::with_capacity(4096)).collect(),
            send_iov: vec![empty_iov; BATCH],
            send_hdrs: vec![zeroed_hdr; BATCH],
        }
    }

    fn run<A: AnswerNow>(
        mut self,
        socket: &UdpSocket,
        local: std::net::SocketAddr,
        answerer: &A,
        stop: &CancellationToken,
    ) {
        let fd = socket.as_raw_fd();
        while !stop.is_cancelled() {
            let received = self.receive(fd);
            if received == 0 {
                continue;
            }
            let mut ready = 0;
            let batch = answerer.batch();
            for i in 0..received {
                let hdr = &self.recv_hdrs[i];
                if hdr.msg_hdr.msg_flags & libc::MSG_TRUNC != 0 {
                    continue;
                }
                let len = hdr.msg_len as usize;
                let reply = &mut self.replies[ready];
                let query = &self.queries[i][..len];
                let peer = Peer {
                    source: peer_ip(&self.peers[i]),
                    port: peer_port(&self.peers[i]),
                    local,
                    transport: Transport::Udp,
                };
                if !answer_now(answerer, &batch, query, &peer, reply) {
                    continue;
                }
                self.send_iov[ready] = libc::iovec {
                    iov_base: reply.as_mut_ptr().cast(),
                    iov_len: reply.len(),
                };
                let send = &mut self.send_hdrs[ready].msg_hdr;
                send.msg_name = (&mut self.peers[i] as *mut libc::sockaddr_storage).cast();
                send.msg_namelen = self.recv_hdrs[i].msg_hdr.msg_namelen;
                send.msg_iov = &mut self.send_iov[ready];
                send.msg_iovlen = 1;
                ready += 1;
            }
            // Not held while sending: a swapped-out snapshot is freed no later than here.
            drop(batch);
            self.send(fd, ready);
        }
    }

    /// Blocks for at least one query (or the stop-check timeout); returns how many arrived.
    fn receive(&mut self, fd: i32) -> usize {
        for i in 0..BATCH {
            self.recv_iov[i] = libc::iovec {
                iov_base: self.queries[i].as_mut_ptr().cast(),
                iov_len: MAX_QUERY,
            };
            let hdr = &mut self.recv_hdrs[i].msg_hdr;
            hdr.msg_name = (&mut self.peers[i] as *mut libc::sockaddr_storage).cast();
            hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            hdr.msg_iov = &mut self.recv_iov[i];
            hdr.msg_iovlen = 1;
            hdr.msg_control = std::ptr::null_mut();
            hdr.msg_controllen = 0;
            hdr.msg_flags = 0;
        }
        // SAFETY: every header points at buffers owned by `self` that outlive the call, with
        // their true lengths.
        let n = unsafe {
            libc::recvmmsg(
                fd,
                self.recv_hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_WAITFORONE,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let err = std::io::Error::last_os_error();
            if !matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::Interrupted
            ) {
                tracing::warn!(error = %err, "udp receive failed");
                std::thread::sleep(Duration::from_millis(10));
            }
            return 0;
        }
        n as usize
    }

    /// Sends the first `count` prepared replies, retrying the rest after a partial send.
    fn send(&mut self, fd: i32, count: usize) {
        let mut sent = 0;
        while sent < count {
            // SAFETY: headers `sent..count` were filled in `run` and point at live buffers.
            let n = unsafe {
                libc::sendmmsg(
                    fd,
                    self.send_hdrs[sent..].as_mut_ptr(),
                    (count - sent) as libc::c_uint,
                    0,
                )
            };
            if n <= 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                tracing::debug!(error = %err, "udp send failed; reply dropped");
                // Skip the reply that failed (e.g. an unreachable peer) and go on.
                sent += 1;
                continue;
            }
            sent += n as usize;
        }
    }
}

/// The source address of a received datagram.
/// The port of a peer the kernel reported (0 for an unknown family).
fn peer_port(peer: &libc::sockaddr_storage) -> u16 {
    match i32::from(peer.ss_family) {
        // SAFETY: as in `peer_ip`: the kernel wrote the struct its family names.
        libc::AF_INET => u16::from_be(unsafe {
            (*(peer as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>()).sin_port
        }),
        // SAFETY: as above, for `sockaddr_in6`.
        libc::AF_INET6 => u16::from_be(unsafe {
            (*(peer as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()).sin6_port
        }),
        _ => 0,
    }
}

fn peer_ip(peer: &libc::sockaddr_storage) -> Option<std::net::IpAddr> {
    match i32::from(peer.ss_family) {
        libc::AF_INET => {
            // SAFETY: the kernel wrote a `sockaddr_in` for an AF_INET peer; storage is larger
            // and suitably aligned for it.
            let sin =
                unsafe { &*(peer as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            Some(std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)).into())
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6 =
                unsafe { &*(peer as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr).into())
        }
        _ => None,
    }
}

/// Serves one UDP socket (non-blocking, on the runtime) with `answerer` until `stop` is
/// cancelled; each query holds a permit of `in_flight` until answered, and is a task of its
/// own only when its answer must wait.
pub async fn serve<A: Answerer + 'static>(
    socket: tokio::net::UdpSocket,
    answerer: Arc<A>,
    in_flight: Arc<Semaphore>,
    stop: CancellationToken,
) {
    let local = match socket.local_addr() {
        Ok(local) => local,
        Err(e) => {
            tracing::warn!(error = %e, "udp socket has no address");
            return;
        }
    };
    let socket = Arc::new(socket);
    let mut buf = vec![0u8; 65535];
    loop {
        let (len, peer) = tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok(received) => received,
                Err(e) => {
                    tracing::debug!(error = %e, "udp receive failed");
                    continue;
                }
            },
            _ = stop.cancelled() => return,
        };
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            continue; // overloaded: drop, the client retries
        };
        let msg = buf[..len].to_vec();
        let (socket, answerer) = (socket.clone(), answerer.clone());
        let mut query = Box::pin(async move {
            let from = Peer {
                source: Some(peer.ip()),
                port: peer.port(),
                local,
                transport: Transport::Udp,
            };
            let mut out = Vec::with_capacity(512);
            if answer(&*answerer, &msg, &from, &mut out).await {
                let _ = socket.send_to(&out, peer).await;
            }
            drop(permit);
        });
        // Polled once here first: an answer that needs no waiting (a cache hit, a private
        // zone) is sent without a task. Only a query that waits (upstream) becomes one; its
        // task's polls register the real waker in place of this one.
        let mut cx = Context::from_waker(Waker::noop());
        if query.as_mut().poll(&mut cx).is_pending() {
            tokio::spawn(query);
        }
    }
}

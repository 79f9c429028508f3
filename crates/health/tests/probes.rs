//! Probes and the checker against local servers on 127.0.0.1, with a real SQLite store.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cairn_health::{probe, CheckerConfig};
use cairn_model::health::{HealthCheckConfig, HealthCheckType};
use cairn_model::HealthCheckId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A tiny HTTP server answering every request with `status` (shared, changeable) and `body`.
async fn server(status: Arc<AtomicU16>, body: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let status = status.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let code = status.load(Ordering::SeqCst);
                let reply = format!(
                    "HTTP/1.1 {code} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    port
}

/// A server answering every request with the same raw bytes (headers and body).
async fn raw_server(reply: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(&reply).await;
            });
        }
    });
    port
}

/// A 200 response whose body is `body` compressed with `encoding` (gzip or deflate).
fn compressed_reply(body: &[u8], encoding: &str) -> Vec<u8> {
    use std::io::Write;
    let encoded = match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        _ => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
    };
    let mut reply = format!(
        "HTTP/1.1 200 OK\r\ncontent-encoding: {encoding}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        encoded.len()
    )
    .into_bytes();
    reply.extend_from_slice(&encoded);
    reply
}

fn config(t: HealthCheckType, port: u16) -> HealthCheckConfig {
    let mut c = HealthCheckConfig::new(t);
    c.ip_address = Some("127.0.0.1".into());
    c.port = Some(port);
    c.failure_threshold = 1;
    c.with_defaults()
}

#[tokio::test]
async fn http_status_decides() {
    let status = Arc::new(AtomicU16::new(200));
    let port = server(status.clone(), "all good").await;
    let outcome = probe(&config(HealthCheckType::Http, port)).await;
    assert!(outcome.ok, "{outcome:?}");
    assert_eq!(outcome.status, "Success: HTTP Status Code 200, OK");
    status.store(302, Ordering::SeqCst);
    assert!(
        probe(&config(HealthCheckType::Http, port)).await.ok,
        "3xx is healthy"
    );
    status.store(500, Ordering::SeqCst);
    let outcome = probe(&config(HealthCheckType::Http, port)).await;
    assert!(!outcome.ok);
    assert_eq!(
        outcome.status,
        "Failure: HTTP Status Code 500, Internal Server Error"
    );
}

#[tokio::test]
async fn string_match_and_tcp() {
    let port = server(Arc::new(AtomicU16::new(200)), "status: ready").await;
    let mut c = config(HealthCheckType::HttpStrMatch, port);
    c.search_string = Some("ready".into());
    assert!(probe(&c).await.ok);
    c.search_string = Some("READY".into());
    assert!(!probe(&c).await.ok, "the match is case-sensitive");
    assert!(probe(&config(HealthCheckType::Tcp, port)).await.ok);
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(!probe(&config(HealthCheckType::Tcp, closed)).await.ok);
    assert!(!probe(&config(HealthCheckType::Http, closed)).await.ok);
}

#[tokio::test]
async fn checker_flips_the_status_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = cairn_store::open(dir.path().join("c.db").to_str().unwrap())
        .await
        .unwrap();
    let status = Arc::new(AtomicU16::new(200));
    let port = server(status.clone(), "ok").await;
    let mut c = config(HealthCheckType::Http, port);
    c.failure_threshold = 2;
    let (check, _) = store.create_health_check("r", c).await.unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let checker = tokio::spawn(cairn_health::run(
        store.clone(),
        CheckerConfig {
            region: "us-east-1".into(),
            interval_override: Some(Duration::from_millis(50)),
        },
        stop.clone(),
    ));
    let healthy = |store: Arc<dyn cairn_store::Store>, id: HealthCheckId| async move {
        store
            .health_statuses()
            .await
            .unwrap()
            .into_iter()
            .find(|(i, _)| *i == id)
            .unwrap()
            .1
    };
    let wait_for = |want: bool| {
        let store = store.clone();
        let id = check.id.clone();
        async move {
            for _ in 0..100 {
                if healthy(store.clone(), id.clone()).await == want {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("status never became {want}");
        }
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(healthy(store.clone(), check.id.clone()).await);
    status.store(503, Ordering::SeqCst);
    wait_for(false).await;
    let state = store.health_check_state(&check.id).await.unwrap();
    assert!(state.last_failure.unwrap().status.contains("503"));
    status.store(200, Ordering::SeqCst);
    wait_for(true).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), checker)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn string_match_reads_the_decoded_body_within_5120_bytes() {
    // The search string inside the window of the decoded body, after 5,000 bytes of padding
    // that compress to a few dozen: found only if the body is decoded first.
    let mut near = vec![b'x'; 5000];
    near.extend_from_slice(b"READY-MARKER");
    // The same string past byte 5,120 of the decoded body: not found, even though the whole
    // compressed body is far shorter than 5,120 bytes.
    let mut far = vec![b'x'; 6000];
    far.extend_from_slice(b"READY-MARKER");
    for encoding in ["gzip", "deflate"] {
        let mut c = config(
            HealthCheckType::HttpStrMatch,
            raw_server(compressed_reply(&near, encoding)).await,
        );
        c.search_string = Some("READY-MARKER".into());
        let outcome = probe(&c).await;
        assert!(outcome.ok, "{encoding}: {outcome:?}");
        c.port = Some(raw_server(compressed_reply(&far, encoding)).await);
        let outcome = probe(&c).await;
        assert!(!outcome.ok, "{encoding}: past the window");
        assert!(
            outcome
                .status
                .contains("Failed to find the search string in the first 5120 bytes"),
            "{}",
            outcome.status
        );
    }
}

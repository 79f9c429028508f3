//! The public-resolution engine against hostile and failing servers: poisoned additional
//! data, spoofed replies (wrong ID, wrong 0x20 case, wrong source port), silence, TC=1 and
//! malformed replies, from hand-written responders beside a Knot hierarchy on loopback (see
//! `recursion.rs` and `common/upstream.rs`). Only loopback is ever queried.

#[macro_use]
mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_dns::resolver::{parse_root_hints, Resolver, Upstream};
use common::upstream::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

//----------- Anti-poisoning and anti-spoofing -------------------------------

#[tokio::test]
async fn out_of_bailiwick_records_are_neither_used_nor_cached() {
    require_knotd!();
    let net = 4;
    let hierarchy = Hierarchy::start_with_evil(net, Some(()));
    let evil = UdpSocket::bind((ip(net, 5), hierarchy.port))
        .await
        .expect("bind evil server");
    // The server for evil.test. answers every question, and adds records for example.test.
    // (outside its zone) to every section: an answer, a fake delegation and glue.
    spawn_udp(evil, |query| {
        let (qname, _, _) = question(query);
        let qname = qname.to_ascii_lowercase();
        let poison = a_rr("www.example.test", [6, 6, 6, 6]);
        let fake_ns = (wire("example.test"), NS, 3600, wire("ns1.example.test"));
        let fake_glue = a_rr("ns1.example.test", [127, 53, 4, 5]);
        if qname.ends_with(&wire("sub.evil.test")) {
            // A referral whose glue names a server in example.test., outside evil.test.
            let ns = (wire("sub.evil.test"), NS, 3600, wire("ns1.example.test"));
            let glue = a_rr("ns1.example.test", [127, 53, 4, 5]);
            return vec![reply(query, 0, [&[], &[ns], &[glue]])];
        }
        let answer: Vec<Rr> = if qname == wire("cname.evil.test") {
            vec![
                (
                    wire("cname.evil.test"),
                    CNAME,
                    300,
                    wire("www.example.test"),
                ),
                poison.clone(),
            ]
        } else {
            vec![(qname.clone(), A, 300, vec![192, 0, 2, 66]), poison.clone()]
        };
        vec![reply(
            query,
            0x0400,
            [&answer, &[fake_ns], &[fake_glue, poison]],
        )]
    });
    let resolver = hierarchy.resolver();

    let evil_answer = resolve(&resolver, "a.evil.test", A).await;
    assert_eq!(evil_answer.rcode.code(), 0, "{evil_answer:?}");
    assert_eq!(
        a_values(&evil_answer.answer),
        [Ipv4Addr::new(192, 0, 2, 66)],
        "only in-zone records are used"
    );

    // The CNAME is in the evil zone; its target is not, so it is resolved from the root.
    let queries = resolver.stats().upstream_queries;
    let chained = resolve(&resolver, "cname.evil.test", A).await;
    assert_eq!(chained.rcode.code(), 0, "{chained:?}");
    assert_eq!(
        a_values(&chained.answer),
        [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)]
    );
    assert!(!chained.from_cache);
    assert!(
        resolver.stats().upstream_queries >= queries + 2,
        "www.example.test was asked upstream"
    );

    // The out-of-bailiwick glue is dropped: ns1.example.test is looked up for real (the
    // real leaf then refuses sub.evil.test, so it fails).
    let referred = resolve(&resolver, "x.sub.evil.test", A).await;
    assert_eq!(referred.rcode.code(), 2, "{referred:?}");

    // Nothing of the poison stayed: the real leaf answers (the fake glue would point at the
    // evil responder, which would say 6.6.6.6 or 192.0.2.66).
    let www = resolve(&resolver, "www.example.test", A).await;
    assert_eq!(
        a_values(&www.answer),
        [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)]
    );
    let other = resolve(&resolver, "other.example.test", A).await;
    assert_eq!(
        a_values(&other.answer),
        [Ipv4Addr::new(192, 0, 2, 3)],
        "{other:?}"
    );
}

#[tokio::test]
async fn replies_with_wrong_id_case_or_source_are_ignored() {
    let addr = ip(5, 1);
    let port = free_port(&[addr]);
    let forwarder = UdpSocket::bind((addr, port)).await.expect("bind forwarder");
    let other_port = std::sync::Arc::new(
        UdpSocket::bind((addr, 0))
            .await
            .expect("bind second socket"),
    );
    let (spoof_tx, mut spoof_rx) = tokio::sync::mpsc::unbounded_channel::<(Vec<u8>, SocketAddr)>();
    let spoofer = other_port.clone();
    tokio::spawn(async move {
        while let Some((datagram, to)) = spoof_rx.recv().await {
            let _ = spoofer.send_to(&datagram, to).await;
        }
    });
    let honest = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let honest_flag = honest.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((len, from)) = forwarder.recv_from(&mut buf).await {
            let query = &buf[..len];
            let (qname, _, end) = question(query);
            let good = reply(
                query,
                0x0080,
                [&[(qname.to_vec(), A, 300, vec![192, 0, 2, 7])], &[], &[]],
            );
            let bad = reply(
                query,
                0x0080,
                [&[(qname.to_vec(), A, 300, vec![6, 6, 6, 6])], &[], &[]],
            );
            // Wrong ID.
            let mut wrong_id = bad.clone();
            wrong_id[0] ^= 0xff;
            // Right ID, question in a different case than sent (0x20 mismatch).
            let mut wrong_case = bad.clone();
            for byte in &mut wrong_case[12..end] {
                if byte.is_ascii_alphabetic() {
                    *byte ^= 0x20;
                }
            }
            // Right everything, but from another port.
            let _ = spoof_tx.send((bad.clone(), from));
            let _ = forwarder.send_to(&wrong_id, from).await;
            let _ = forwarder.send_to(&wrong_case, from).await;
            if honest_flag.load(std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = forwarder.send_to(&good, from).await;
            }
        }
    });
    let resolver = Resolver::new(config(
        Upstream::Forwarders(vec![SocketAddr::from((addr, port))]),
        port,
    ));

    let answer = resolve(&resolver, "Spoof.Example.Net", A).await;
    assert_eq!(answer.rcode.code(), 0, "{answer:?}");
    assert_eq!(a_values(&answer.answer), [Ipv4Addr::new(192, 0, 2, 7)]);
    assert!(
        resolver.stats().ignored_replies >= 3,
        "{:?}",
        resolver.stats()
    );

    // With only spoofed replies, nothing is accepted: SERVFAIL once the query times out.
    honest.store(false, std::sync::atomic::Ordering::Relaxed);
    let spoofed_only = resolve(&resolver, "other.example.net", A).await;
    assert_eq!(spoofed_only.rcode.code(), 2, "{spoofed_only:?}");
    assert!(spoofed_only.answer.is_empty());
}

//----------- Failure modes --------------------------------------------------

#[tokio::test]
async fn unresponsive_servers_give_servfail_within_the_budget() {
    let net = 7;
    let mut sockets = Vec::new();
    let mut hints = String::new();
    let port = free_port(&(1..=8).map(|h| ip(net, h)).collect::<Vec<_>>());
    for host in 1..=8u8 {
        // Bound but silent: queries time out rather than bounce.
        sockets.push(
            UdpSocket::bind((ip(net, host), port))
                .await
                .expect("bind silent root"),
        );
        hints.push_str(&format!(
            ". NS r{host}.root.\nr{host}.root. A {}\n",
            ip(net, host)
        ));
    }
    let mut config = config(
        Upstream::RootHints(parse_root_hints(&hints).expect("hints")),
        port,
    );
    config.query_timeout = Duration::from_millis(300);
    config.resolution_timeout = Duration::from_secs(1);
    let resolver = Resolver::new(config);

    let started = Instant::now();
    let result = resolve(&resolver, "www.example.test", A).await;
    let elapsed = started.elapsed();
    assert_eq!(result.rcode.code(), 2, "{result:?}");
    assert!(
        elapsed >= Duration::from_millis(900),
        "the servers were waited for: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(1_500),
        "the budget holds: {elapsed:?}"
    );
    let queries = resolver.stats().upstream_queries;
    assert!(
        (3..=4).contains(&queries),
        "about one query per 300 ms: {queries}"
    );
    assert_eq!(resolver.stats().servfails, 1);
    drop(sockets);
}

#[tokio::test]
async fn truncated_reply_is_retried_over_tcp() {
    let addr = ip(8, 1);
    let port = free_port(&[addr]);
    let udp = UdpSocket::bind((addr, port)).await.expect("bind udp");
    let tcp = TcpListener::bind((addr, port)).await.expect("bind tcp");
    let big: Vec<Rr> = (1..=60u8)
        .map(|i| a_rr("big.test", [192, 0, 2, i]))
        .collect();
    // UDP: TC=1 and a lie in the answer (must not be used). TCP: the whole, authoritative.
    spawn_udp(udp, |query| {
        vec![reply(
            query,
            0x0400 | 0x0200,
            [&[a_rr("big.test", [6, 6, 6, 6])], &[], &[]],
        )]
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            let big = big.clone();
            tokio::spawn(async move {
                let mut len = [0u8; 2];
                if stream.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut query = vec![0u8; u16::from_be_bytes(len) as usize];
                if stream.read_exact(&mut query).await.is_err() {
                    return;
                }
                let answer = reply(&query, 0x0400, [&big, &[], &[]]);
                let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&answer);
                let _ = stream.write_all(&framed).await;
            });
        }
    });
    let hints = parse_root_hints(&format!(". NS r.root.\nr.root. A {addr}\n")).expect("hints");
    let resolver = Resolver::new(config(Upstream::RootHints(hints), port));

    let result = resolve(&resolver, "big.test", A).await;
    assert_eq!(result.rcode.code(), 0, "{result:?}");
    assert_eq!(result.answer.len(), 60);
    assert!(!a_values(&result.answer).contains(&Ipv4Addr::new(6, 6, 6, 6)));
    let stats = resolver.stats();
    assert_eq!(
        (stats.tcp_retries, stats.upstream_queries),
        (1, 2),
        "{stats:?}"
    );
}

#[tokio::test]
async fn hostile_replies_never_panic_and_end_in_servfail() {
    let addr = ip(9, 1);
    let port = free_port(&[addr]);
    let udp = UdpSocket::bind((addr, port)).await.expect("bind udp");
    // Correct ID and question, then garbage: loops of pointers, lengths past the end.
    spawn_udp(udp, |query| {
        let mut out = Vec::new();
        let base = reply(query, 0x0400, [&[], &[], &[]]);
        for tail in [
            &[0xc0u8, 12, 0, 1, 0, 1][..],
            &[0, 0, 1, 0, 1, 0, 0, 0, 1, 0xff, 0xff][..],
            &[0xc0, 0xff][..],
        ] {
            let mut m = base.clone();
            m[7] = 1;
            m.extend_from_slice(tail);
            out.push(m);
        }
        // A CNAME loop inside the zone.
        let (qname, _, _) = question(query);
        let loop_rrs: Vec<Rr> = vec![
            (qname.to_ascii_lowercase(), CNAME, 60, wire("b.loop.test")),
            (wire("b.loop.test"), CNAME, 60, qname.to_ascii_lowercase()),
        ];
        out.push(reply(query, 0x0400, [&loop_rrs, &[], &[]]));
        out
    });
    let hints = parse_root_hints(&format!(". NS r.root.\nr.root. A {addr}\n")).expect("hints");
    let mut config = config(Upstream::RootHints(hints), port);
    config.resolution_timeout = Duration::from_secs(2);
    let resolver = Arc::new(Resolver::new(config));
    let started = Instant::now();
    let result = resolve(&resolver, "a.loop.test", A).await;
    assert_eq!(result.rcode.code(), 2, "{result:?}");
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert!(resolver.stats().ignored_replies >= 3);
}

#[tokio::test]
async fn concurrent_callers_share_one_cache() {
    require_knotd!();
    let hierarchy = Hierarchy::start(10);
    let resolver = Arc::new(hierarchy.resolver());
    let first = resolve(&resolver, "www.example.test", A).await;
    assert_eq!(first.rcode.code(), 0);
    let queries = resolver.stats().upstream_queries;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let resolver = resolver.clone();
            tokio::spawn(async move { resolver.resolve(&wire("www.example.test"), A).await })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task");
        assert!(result.from_cache);
        assert_eq!(a_values(&result.answer).len(), 2);
    }
    assert_eq!(resolver.stats().upstream_queries, queries);
    assert_eq!(resolver.stats().cache_hits, 16);

    // Identical misses at the same time share one upstream query (the delegation is cached,
    // so it is one query to the leaf).
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let resolver = resolver.clone();
            tokio::spawn(async move { resolver.resolve(&wire("other.example.test"), A).await })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task");
        assert_eq!(a_values(&result.answer), [Ipv4Addr::new(192, 0, 2, 3)]);
    }
    let stats = resolver.stats();
    assert_eq!(stats.upstream_queries, queries + 1, "{stats:?}");
    assert_eq!(stats.coalesced, 7, "{stats:?}");
}

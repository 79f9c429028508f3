//! The public-resolution engine against a real DNS hierarchy on loopback.
//!
//! Knot DNS (`knotd`) instances on distinct 127.53.N.x addresses, all on one port per test
//! (`ResolverConfig::port`), serve a root zone, two TLDs and leaf zones:
//!
//! ```text
//!  .  (127.53.N.1)     test. → ns1.nic.test (glue)      other. → ns1.nic.other (glue)
//!  test., other. (.2)  example.test. → ns1.example.test (glue .3)
//!                      glueless.test. → ns2.hosting.other. (no glue: another TLD)
//!                      hosting.other. → ns.hosting.other (glue .3)
//!                      evil.test. → ns1.evil.test (glue .5: a hand-written responder)
//!  example.test., hosting.other. (.3; ns2.hosting.other is .4)     glueless.test. (.4)
//! ```
//!
//! Hand-written UDP/TCP responders stand in for hostile or odd servers: poisoned additional
//! data, spoofed replies (wrong ID, wrong 0x20 case, wrong source port), silence, TC=1. Only
//! loopback is ever queried. Knot-dependent tests are skipped with a message when `knotd` is
//! not installed.

#[macro_use]
mod common;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use cairn_dns::resolver::{Resolver, Upstream};
use common::upstream::*;
use tokio::net::UdpSocket;

//----------- Recursion through knotd ----------------------------------------

#[tokio::test]
async fn name_resolves_through_the_hierarchy_then_from_cache_even_when_the_leaf_is_gone() {
    require_knotd!();
    let mut hierarchy = Hierarchy::start(1);
    let resolver = hierarchy.resolver();

    let first = resolve(&resolver, "WWW.Example.TEST.", A).await;
    assert_eq!(first.rcode.code(), 0, "{first:?}");
    assert!(!first.from_cache);
    assert_eq!(
        a_values(&first.answer),
        [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)]
    );
    assert!(first
        .answer
        .iter()
        .all(|r| r.ttl == 300 && r.owner == wire("www.example.test")));
    let after_first = resolver.stats();
    // Root (referral to test.), TLD (referral to example.test.), leaf (answer).
    assert_eq!(after_first.upstream_queries, 3, "{after_first:?}");
    assert_eq!(after_first.cache_misses, 1);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let second = resolve(&resolver, "www.example.test", A).await;
    assert!(second.from_cache, "{second:?}");
    assert_eq!(a_values(&second.answer), a_values(&first.answer));
    assert!(
        second.answer.iter().all(|r| r.ttl <= 298 && r.ttl > 290),
        "TTL counts down: {second:?}"
    );
    let after_second = resolver.stats();
    assert_eq!(
        after_second.upstream_queries, after_first.upstream_queries,
        "no new upstream query"
    );
    assert_eq!(after_second.cache_hits, 1);

    // Another name in the same zone needs only the leaf: the delegation is cached.
    let other = resolve(&resolver, "other.example.test", A).await;
    assert_eq!(a_values(&other.answer), [Ipv4Addr::new(192, 0, 2, 3)]);
    assert_eq!(
        resolver.stats().upstream_queries,
        after_second.upstream_queries + 1
    );

    hierarchy.leaf.kill();
    let third = resolve(&resolver, "www.example.test", A).await;
    assert!(third.from_cache && third.rcode.code() == 0, "{third:?}");
    assert_eq!(a_values(&third.answer), a_values(&first.answer));
    // An uncached name in the dead zone now fails: the cache really was what answered.
    let started = Instant::now();
    let dead = resolve(&resolver, "new.example.test", A).await;
    assert_eq!(dead.rcode.code(), 2, "{dead:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
    drop(hierarchy);
}

#[tokio::test]
async fn glueless_delegation_and_cname_chain_across_zones() {
    require_knotd!();
    let hierarchy = Hierarchy::start(2);
    let resolver = hierarchy.resolver();

    let host = resolve(&resolver, "host.glueless.test", A).await;
    assert_eq!(host.rcode.code(), 0, "{host:?}");
    assert_eq!(a_values(&host.answer), [Ipv4Addr::new(192, 0, 2, 40)]);

    let chain = resolve(&resolver, "alias.example.test", A).await;
    assert_eq!(chain.rcode.code(), 0, "{chain:?}");
    let shape: Vec<(Vec<u8>, u16)> = chain
        .answer
        .iter()
        .map(|r| (r.owner.clone(), r.rtype))
        .collect();
    assert_eq!(
        shape,
        [
            (wire("alias.example.test"), CNAME),
            (wire("www.glueless.test"), CNAME),
            (wire("final.hosting.other"), A)
        ]
    );
    assert_eq!(
        chain.answer[0].rdata.bytes(),
        wire("www.glueless.test").as_slice()
    );
    assert_eq!(
        chain.answer[1].rdata.bytes(),
        wire("final.hosting.other").as_slice()
    );
    assert_eq!(a_values(&chain.answer), [Ipv4Addr::new(192, 0, 2, 50)]);

    let queries = resolver.stats().upstream_queries;
    let again = resolve(&resolver, "alias.example.test", A).await;
    assert!(again.from_cache, "the whole chain is cached: {again:?}");
    assert_eq!(again.answer.len(), 3);
    assert_eq!(resolver.stats().upstream_queries, queries);

    // NS of a zone answered by the zone's own server.
    let ns = resolve(&resolver, "glueless.test", NS).await;
    assert_eq!(ns.answer.len(), 1, "{ns:?}");
    assert_eq!(
        ns.answer[0].rdata.bytes(),
        wire("ns2.hosting.other").as_slice()
    );
}

#[tokio::test]
async fn nxdomain_and_nodata_are_cached_with_their_soa() {
    require_knotd!();
    let hierarchy = Hierarchy::start(3);
    let mut config = config(hierarchy.hints(), hierarchy.port);
    config.max_negative_ttl = 60;
    let resolver = Resolver::new(config);

    let missing = resolve(&resolver, "nope.example.test", A).await;
    assert_eq!(missing.rcode.code(), 3, "{missing:?}");
    assert!(missing.answer.is_empty() && !missing.from_cache);
    assert_eq!(missing.authority.len(), 1);
    assert_eq!(
        (
            missing.authority[0].owner.clone(),
            missing.authority[0].rtype
        ),
        (wire("example.test"), SOA)
    );
    // min(SOA TTL 3600, MINIMUM 120) = 120, capped by max_negative_ttl = 60.
    assert_eq!(missing.authority[0].ttl, 60);
    let queries = resolver.stats().upstream_queries;

    let again = resolve(&resolver, "nope.example.test", A).await;
    assert_eq!(
        (again.rcode.code(), again.from_cache),
        (3, true),
        "{again:?}"
    );
    assert_eq!(again.authority[0].rtype, SOA);
    // NXDOMAIN covers every type at the name.
    let aaaa = resolve(&resolver, "NOPE.example.test", AAAA).await;
    assert_eq!((aaaa.rcode.code(), aaaa.from_cache), (3, true), "{aaaa:?}");
    assert_eq!(resolver.stats().negative_hits, 2);
    assert_eq!(resolver.stats().upstream_queries, queries);

    let nodata = resolve(&resolver, "www.example.test", AAAA).await;
    assert_eq!(
        (nodata.rcode.code(), nodata.from_cache),
        (0, false),
        "{nodata:?}"
    );
    assert!(nodata.answer.is_empty());
    assert_eq!(nodata.authority[0].owner, wire("example.test"));
    let queries = resolver.stats().upstream_queries;
    let nodata_again = resolve(&resolver, "www.example.test", AAAA).await;
    assert_eq!(
        (nodata_again.rcode.code(), nodata_again.from_cache),
        (0, true),
        "{nodata_again:?}"
    );
    assert!(nodata_again.answer.is_empty());
    assert_eq!(nodata_again.authority[0].rtype, SOA);
    assert_eq!(resolver.stats().negative_hits, 3);
    assert_eq!(resolver.stats().upstream_queries, queries);
    // NODATA is per type: A at the same name is still there.
    let a = resolve(&resolver, "www.example.test", A).await;
    assert_eq!(a_values(&a.answer).len(), 2);
}

//----------- Forwarding -----------------------------------------------------

#[tokio::test]
async fn forwarding_fails_over_to_a_live_forwarder_and_caches() {
    require_knotd!();
    let net = 6;
    let hierarchy = Hierarchy::start(net);
    // A forwarder that never answers comes first.
    let silent = UdpSocket::bind((ip(net, 9), 0))
        .await
        .expect("bind silent forwarder");
    let forwarders = vec![
        silent.local_addr().expect("addr"),
        SocketAddr::from((ip(net, 3), hierarchy.port)),
    ];
    let resolver = Resolver::new(config(Upstream::Forwarders(forwarders), hierarchy.port));

    let started = Instant::now();
    let first = resolve(&resolver, "www.example.test", A).await;
    assert_eq!(first.rcode.code(), 0, "{first:?}");
    assert_eq!(
        a_values(&first.answer),
        [Ipv4Addr::new(192, 0, 2, 1), Ipv4Addr::new(192, 0, 2, 2)]
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the silent forwarder was tried first"
    );
    assert_eq!(resolver.stats().upstream_queries, 2);

    let cached = resolve(&resolver, "www.example.test", A).await;
    assert!(cached.from_cache);
    // The forwarder that answered is asked first from now on: one query, not two.
    let other = resolve(&resolver, "other.example.test", A).await;
    assert_eq!(a_values(&other.answer), [Ipv4Addr::new(192, 0, 2, 3)]);
    assert_eq!(resolver.stats().upstream_queries, 3);

    let missing = resolve(&resolver, "nope.example.test", A).await;
    assert_eq!(missing.rcode.code(), 3);
    let missing_again = resolve(&resolver, "nope.example.test", A).await;
    assert_eq!(
        (missing_again.rcode.code(), missing_again.from_cache),
        (3, true)
    );
    assert_eq!(missing_again.authority[0].owner, wire("example.test"));
    assert_eq!(resolver.stats().negative_hits, 1);
}

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

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_dns::resolver::{
    parse_root_hints, Record, Resolution, Resolver, ResolverConfig, Upstream,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

const A: u16 = 1;
const NS: u16 = 2;
const CNAME: u16 = 5;
const SOA: u16 = 6;
const AAAA: u16 = 28;

//----------- Helpers: names, addresses, records ------------------------------

/// A presentation name in wire form.
fn wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// The address 127.53.`net`.`host`.
fn ip(net: u8, host: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 53, net, host)
}

fn a_values(records: &[Record]) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = records
        .iter()
        .filter(|r| r.rtype == A)
        .map(|r| Ipv4Addr::from(<[u8; 4]>::try_from(r.rdata.bytes()).expect("A rdata")))
        .collect();
    out.sort();
    out
}

fn knotd() -> Option<PathBuf> {
    ["/usr/sbin/knotd", "/usr/bin/knotd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

macro_rules! require_knotd {
    () => {
        if knotd().is_none() {
            eprintln!("SKIPPED: knotd not found (apt-get install knot); this test needs Knot DNS");
            return;
        }
    };
}

/// A port free for UDP and TCP on every given address (checked by binding; released again).
fn free_port(addrs: &[Ipv4Addr]) -> u16 {
    for _ in 0..200 {
        let probe = std::net::UdpSocket::bind((addrs[0], 0)).expect("bind a probe socket");
        let port = probe.local_addr().expect("local addr").port();
        drop(probe);
        let free = addrs.iter().all(|addr| {
            std::net::UdpSocket::bind((*addr, port)).is_ok()
                && std::net::TcpListener::bind((*addr, port)).is_ok()
        });
        if free {
            return port;
        }
    }
    panic!("no free port on {addrs:?}");
}

/// A resolver config for tests: short timeouts, the test's port.
fn config(upstream: Upstream, port: u16) -> ResolverConfig {
    let mut config = ResolverConfig::new(upstream);
    config.port = port;
    config.query_timeout = Duration::from_millis(400);
    config.resolution_timeout = Duration::from_secs(3);
    config
}

//----------- Knot servers ---------------------------------------------------

/// One knotd process; killed (by its PID) and its directory removed on drop.
struct Knot {
    child: Child,
    dir: PathBuf,
}

impl Knot {
    /// Starts knotd on `addr:port` serving `zones` (origin, zone text); waits until every zone
    /// answers its SOA.
    fn start(addr: Ipv4Addr, port: u16, zones: &[(&str, String)]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "cairn-recursion-{}-{addr}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("zones")).expect("zone dir");
        std::fs::create_dir_all(dir.join("db")).expect("db dir");
        let mut zone_lines = String::new();
        for (origin, text) in zones {
            let file = format!("{}zone", if *origin == "." { "root." } else { origin });
            std::fs::write(dir.join("zones").join(&file), text).expect("write zone");
            zone_lines.push_str(&format!("  - domain: \"{origin}\"\n    file: \"{file}\"\n"));
        }
        // knotd started as root keeps root only when told so.
        let user = if unsafe_is_root() {
            "    user: root:root\n"
        } else {
            ""
        };
        let conf = format!(
            "server:\n    rundir: \"{d}\"\n    listen: {addr}@{port}\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n{user}\
             database:\n    storage: \"{d}/db\"\n\
             log:\n  - target: stderr\n    any: warning\n\
             control:\n    listen: \"{d}/knot.sock\"\n\
             template:\n  - id: default\n    storage: \"{d}/zones\"\n    zonefile-sync: -1\n    zonefile-load: whole\n    journal-content: none\n    semantic-checks: off\n\
             zone:\n{zone_lines}",
            d = dir.display()
        );
        std::fs::write(dir.join("knot.conf"), conf).expect("write knot.conf");
        let log = std::fs::File::create(dir.join("knotd.log")).expect("log file");
        let child = Command::new(knotd().expect("knotd"))
            .arg("-c")
            .arg(dir.join("knot.conf"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start knotd");
        let mut knot = Self { child, dir };
        for (origin, _) in zones {
            knot.wait_serving(SocketAddr::from((addr, port)), origin);
        }
        knot
    }

    fn wait_serving(&mut self, server: SocketAddr, origin: &str) {
        let socket = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let mut query = vec![0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        query.extend_from_slice(&wire(origin));
        query.extend_from_slice(&[0, SOA as u8, 0, 1]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("knotd exited ({status}): {}", self.log());
            }
            let _ = socket.send_to(&query, server);
            let mut buf = [0u8; 1500];
            // AA set and NOERROR: the zone is loaded.
            if let Ok((len, _)) = socket.recv_from(&mut buf) {
                if len >= 12 && buf[2] & 0x04 != 0 && buf[3] & 0x0f == 0 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("knotd did not serve {origin} on {server}: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("knotd.log")).unwrap_or_default()
    }

    /// Kills the server now (by PID) and waits for it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Knot {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn unsafe_is_root() -> bool {
    // SAFETY-free: reads the effective uid from /proc instead of calling libc.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// The whole hierarchy of the module doc on 127.53.`net`.x, all on one port.
#[allow(dead_code)] // The servers are held for their `Drop`.
struct Hierarchy {
    port: u16,
    net: u8,
    root: Knot,
    tld: Knot,
    leaf: Knot,
    glueless: Knot,
}

fn soa(origin: &str, minimum: u32) -> String {
    format!("{origin} 3600 SOA ns.{origin} hostmaster.{origin} 1 3600 600 86400 {minimum}\n")
        .replace("ns.. ", "ns.root-servers. ")
        .replace("hostmaster.. ", "hostmaster.root-servers. ")
}

impl Hierarchy {
    fn start(net: u8) -> Self {
        Self::start_with_evil(net, None)
    }

    /// Starts the hierarchy; with `evil_port`, `evil.test.` is delegated to 127.53.net.5
    /// (a hand-written responder the test runs on the same port).
    fn start_with_evil(net: u8, evil: Option<()>) -> Self {
        let port = free_port(&[ip(net, 1), ip(net, 2), ip(net, 3), ip(net, 4), ip(net, 5)]);
        let root = format!(
            "$TTL 3600\n{soa}. NS ns.root-servers.\nns.root-servers. A {r}\n\
             test. NS ns1.nic.test.\nns1.nic.test. A {t}\nother. NS ns1.nic.other.\nns1.nic.other. A {t}\n",
            soa = soa(".", 300),
            r = ip(net, 1),
            t = ip(net, 2)
        );
        let mut test = format!(
            "$TTL 3600\n{soa}test. NS ns1.nic.test.\nns1.nic.test. A {t}\n\
             example.test. NS ns1.example.test.\nns1.example.test. A {l}\n\
             glueless.test. NS ns2.hosting.other.\n",
            soa = soa("test.", 300),
            t = ip(net, 2),
            l = ip(net, 3)
        );
        if evil.is_some() {
            test.push_str(&format!(
                "evil.test. NS ns1.evil.test.\nns1.evil.test. A {}\n",
                ip(net, 5)
            ));
        }
        let other = format!(
            "$TTL 3600\n{soa}other. NS ns1.nic.other.\nns1.nic.other. A {t}\n\
             hosting.other. NS ns.hosting.other.\nns.hosting.other. A {l}\n",
            soa = soa("other.", 300),
            t = ip(net, 2),
            l = ip(net, 3)
        );
        let example = format!(
            "$TTL 3600\n{soa}example.test. NS ns1.example.test.\nns1.example.test. A {l}\n\
             www.example.test. 300 A 192.0.2.1\nwww.example.test. 300 A 192.0.2.2\n\
             alias.example.test. 300 CNAME www.glueless.test.\n\
             other.example.test. 300 A 192.0.2.3\n",
            soa = soa("example.test.", 120),
            l = ip(net, 3)
        );
        let hosting = format!(
            "$TTL 3600\n{soa}hosting.other. NS ns.hosting.other.\nns.hosting.other. A {l}\n\
             ns2.hosting.other. A {g}\nfinal.hosting.other. 300 A 192.0.2.50\n",
            soa = soa("hosting.other.", 300),
            l = ip(net, 3),
            g = ip(net, 4)
        );
        let glueless = format!(
            "$TTL 3600\n{soa}glueless.test. NS ns2.hosting.other.\n\
             www.glueless.test. 300 CNAME final.hosting.other.\nhost.glueless.test. 300 A 192.0.2.40\n",
            soa = soa("glueless.test.", 300)
        );
        Self {
            port,
            net,
            root: Knot::start(ip(net, 1), port, &[(".", root)]),
            tld: Knot::start(ip(net, 2), port, &[("test.", test), ("other.", other)]),
            leaf: Knot::start(
                ip(net, 3),
                port,
                &[("example.test.", example), ("hosting.other.", hosting)],
            ),
            glueless: Knot::start(ip(net, 4), port, &[("glueless.test.", glueless)]),
        }
    }

    fn hints(&self) -> Upstream {
        let text = format!(
            ".  3600000 NS ns.root-servers.\nns.root-servers. 3600000 A {}\n",
            ip(self.net, 1)
        );
        Upstream::RootHints(parse_root_hints(&text).expect("root hints"))
    }

    fn resolver(&self) -> Resolver {
        Resolver::new(config(self.hints(), self.port))
    }
}

async fn resolve(resolver: &Resolver, name: &str, qtype: u16) -> Resolution {
    resolver.resolve(&wire(name), qtype).await
}

//----------- Hand-written responders ----------------------------------------

/// The question section of a query (name as sent, type, class) and its end.
fn question(query: &[u8]) -> (&[u8], u16, usize) {
    let mut pos = 12;
    while query[pos] != 0 {
        pos += 1 + query[pos] as usize;
    }
    let name = &query[12..=pos];
    let qtype = u16::from_be_bytes([query[pos + 1], query[pos + 2]]);
    (name, qtype, pos + 5)
}

/// A record: owner (wire), type, TTL, RDATA.
type Rr = (Vec<u8>, u16, u32, Vec<u8>);

/// A reply to `query`: same ID and question (unless overridden), the given flags and records,
/// names uncompressed.
fn reply(query: &[u8], flags: u16, sections: [&[Rr]; 3]) -> Vec<u8> {
    let (_, _, end) = question(query);
    let mut out = query[..2].to_vec();
    out.extend_from_slice(&(0x8000 | flags).to_be_bytes());
    out.extend_from_slice(&[0, 1]);
    for section in sections {
        out.extend_from_slice(&(section.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(&query[12..end]);
    for section in sections {
        for (owner, rtype, ttl, rdata) in section {
            out.extend_from_slice(owner);
            out.extend_from_slice(&rtype.to_be_bytes());
            out.extend_from_slice(&1u16.to_be_bytes());
            out.extend_from_slice(&ttl.to_be_bytes());
            out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            out.extend_from_slice(rdata);
        }
    }
    out
}

fn a_rr(name: &str, addr: [u8; 4]) -> Rr {
    (wire(name), A, 300, addr.to_vec())
}

/// Runs `answer` for every datagram to `addr:port` until the test ends; `answer` gets the
/// socket so it may send several datagrams (spoofs first).
fn spawn_udp<F>(socket: UdpSocket, answer: F)
where
    F: Fn(&[u8]) -> Vec<Vec<u8>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((len, from)) = socket.recv_from(&mut buf).await {
            for datagram in answer(&buf[..len]) {
                let _ = socket.send_to(&datagram, from).await;
            }
        }
    });
}

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

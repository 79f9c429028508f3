//! The upstream side of the recursion tests (`recursion.rs`, `recursion_hostile.rs`):
//! Knot DNS hierarchies on loopback, and hand-written responders for hostile or odd servers.
#![allow(dead_code, unreachable_pub, unused_macros)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cairn_dns::resolver::{
    parse_root_hints, Record, Resolution, Resolver, ResolverConfig, Upstream,
};
use tokio::net::UdpSocket;

pub const A: u16 = 1;
pub const NS: u16 = 2;
pub const CNAME: u16 = 5;
pub const SOA: u16 = 6;
pub const AAAA: u16 = 28;

//----------- Helpers: names, addresses, records ------------------------------

/// A presentation name in wire form.
pub fn wire(name: &str) -> Vec<u8> {
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
pub fn ip(net: u8, host: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 53, net, host)
}

pub fn a_values(records: &[Record]) -> Vec<Ipv4Addr> {
    let mut out: Vec<Ipv4Addr> = records
        .iter()
        .filter(|r| r.rtype == A)
        .map(|r| Ipv4Addr::from(<[u8; 4]>::try_from(r.rdata.bytes()).expect("A rdata")))
        .collect();
    out.sort();
    out
}

pub fn knotd() -> Option<PathBuf> {
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
pub fn free_port(addrs: &[Ipv4Addr]) -> u16 {
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
pub fn config(upstream: Upstream, port: u16) -> ResolverConfig {
    let mut config = ResolverConfig::new(upstream);
    config.port = port;
    config.query_timeout = Duration::from_millis(400);
    config.resolution_timeout = Duration::from_secs(3);
    config
}

//----------- Knot servers ---------------------------------------------------

/// One knotd process; killed (by its PID) and its directory removed on drop.
pub struct Knot {
    pub child: Child,
    pub dir: PathBuf,
}

impl Knot {
    /// Starts knotd on `addr:port` serving `zones` (origin, zone text); waits until every zone
    /// answers its SOA.
    pub fn start(addr: Ipv4Addr, port: u16, zones: &[(&str, String)]) -> Self {
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

    pub fn wait_serving(&mut self, server: SocketAddr, origin: &str) {
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

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("knotd.log")).unwrap_or_default()
    }

    /// Kills the server now (by PID) and waits for it.
    pub fn kill(&mut self) {
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

pub fn unsafe_is_root() -> bool {
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
pub struct Hierarchy {
    pub port: u16,
    pub net: u8,
    pub root: Knot,
    pub tld: Knot,
    pub leaf: Knot,
    pub glueless: Knot,
}

pub fn soa(origin: &str, minimum: u32) -> String {
    format!("{origin} 3600 SOA ns.{origin} hostmaster.{origin} 1 3600 600 86400 {minimum}\n")
        .replace("ns.. ", "ns.root-servers. ")
        .replace("hostmaster.. ", "hostmaster.root-servers. ")
}

impl Hierarchy {
    pub fn start(net: u8) -> Self {
        Self::start_with_evil(net, None)
    }

    /// Starts the hierarchy; with `evil_port`, `evil.test.` is delegated to 127.53.net.5
    /// (a hand-written responder the test runs on the same port).
    pub fn start_with_evil(net: u8, evil: Option<()>) -> Self {
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

    pub fn hints(&self) -> Upstream {
        let text = format!(
            ".  3600000 NS ns.root-servers.\nns.root-servers. 3600000 A {}\n",
            ip(self.net, 1)
        );
        Upstream::RootHints(parse_root_hints(&text).expect("root hints"))
    }

    pub fn resolver(&self) -> Resolver {
        Resolver::new(config(self.hints(), self.port))
    }
}

pub async fn resolve(resolver: &Resolver, name: &str, qtype: u16) -> Resolution {
    resolver.resolve(&wire(name), qtype).await
}

//----------- Hand-written responders ----------------------------------------

/// The question section of a query (name as sent, type, class) and its end.
pub fn question(query: &[u8]) -> (&[u8], u16, usize) {
    let mut pos = 12;
    while query[pos] != 0 {
        pos += 1 + query[pos] as usize;
    }
    let name = &query[12..=pos];
    let qtype = u16::from_be_bytes([query[pos + 1], query[pos + 2]]);
    (name, qtype, pos + 5)
}

/// A record: owner (wire), type, TTL, RDATA.
pub type Rr = (Vec<u8>, u16, u32, Vec<u8>);

/// A reply to `query`: same ID and question (unless overridden), the given flags and records,
/// names uncompressed.
pub fn reply(query: &[u8], flags: u16, sections: [&[Rr]; 3]) -> Vec<u8> {
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

pub fn a_rr(name: &str, addr: [u8; 4]) -> Rr {
    (wire(name), A, 300, addr.to_vec())
}

/// Runs `answer` for every datagram to `addr:port` until the test ends; `answer` gets the
/// socket so it may send several datagrams (spoofs first).
pub fn spawn_udp<F>(socket: UdpSocket, answer: F)
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

//! Signed answers checked by real validators, with the zone's KSK as their trust anchor,
//! asking Cairn's real listener: BIND's `delv`, and Unbound as a validating resolver (a stub
//! zone to Cairn) asked with dig, which must set AD. Each is skipped (with a note) where
//! absent.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/signed.rs"]
mod signed;

use std::process::Command;

use base64::Engine as _;
use cairn_model::rrset::RoutingPolicy::Weighted;
use cairn_model::RrType;
use common::{set, zone};
use signed::{serve, Keys};
use tokio_util::sync::CancellationToken;

fn contents() -> cairn_store::ZoneContents {
    let mut weighted = Vec::new();
    for (id, value) in [("one", "192.0.2.11"), ("two", "192.0.2.12")] {
        let mut s = set("w.example.com", RrType::A, 60, &[value]);
        s.routing = Some(cairn_model::rrset::Routing {
            set_identifier: id.into(),
            policy: Weighted(1),
        });
        weighted.push(s);
    }
    let mut sets = vec![
        set(
            "example.com",
            RrType::Soa,
            900,
            &["ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"],
        ),
        set("example.com", RrType::Ns, 172800, &["NS1.example.com."]),
        set("example.com", RrType::Mx, 300, &["10 MAIL.Example.COM."]),
        set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
        set(
            "www.example.com",
            RrType::A,
            300,
            &["192.0.2.1", "192.0.2.2"],
        ),
        set("*.wild.example.com", RrType::A, 120, &["192.0.2.7"]),
        set(
            "alias.example.com",
            RrType::Cname,
            60,
            &["www.example.com."],
        ),
        set(
            "child.example.com",
            RrType::Ns,
            3600,
            &["ns.child.example.com."],
        ),
        set("ns.child.example.com", RrType::A, 3600, &["192.0.2.99"]),
        // Every name below old.example.com is redirected into example.com (RFC 6672).
        set("old.example.com", RrType::Dname, 300, &["example.com."]),
        set(
            "child.example.com",
            RrType::Ds,
            3600,
            &["60485 13 2 D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"],
        ),
        set(
            "insecure.example.com",
            RrType::Ns,
            3600,
            &["ns.example.net."],
        ),
    ];
    sets.extend(weighted);
    zone("ZDELV", "example.com", sets)
}

/// Runs delv against `addr` for `name` and `qtype`; its output, or `None` without delv.
fn delv(
    addr: std::net::SocketAddr,
    anchor: &std::path::Path,
    name: &str,
    qtype: &str,
) -> Option<String> {
    let out = Command::new("delv")
        .arg(format!("@{}", addr.ip()))
        .args(["-p", &addr.port().to_string()])
        .arg("-a")
        .arg(anchor)
        .arg("+root=example.com")
        .args([name, qtype])
        .output()
        .ok()?;
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

#[test]
fn delv_validates_every_kind_of_signed_answer() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let stop = CancellationToken::new();
    let keys = Keys::new();
    let (addr, _shared) = serve(keys.snapshot(contents()), &stop);
    let dir = std::env::temp_dir().join(format!("cairn-delv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let anchor = dir.join("anchor.conf");
    let key = base64::engine::general_purpose::STANDARD.encode(keys.ksk.public_key());
    std::fs::write(
        &anchor,
        format!("trust-anchors {{ example.com. static-key 257 3 13 \"{key}\"; }};\n"),
    )
    .unwrap();
    let cases = [
        ("www.example.com", "A", "; fully validated", "192.0.2.1"),
        ("example.com", "MX", "; fully validated", "MAIL.Example.COM"),
        (
            "nope.example.com",
            "A",
            "; negative response, fully validated",
            "",
        ),
        (
            "www.example.com",
            "TXT",
            "; negative response, fully validated",
            "",
        ),
        ("x.wild.example.com", "A", "; fully validated", "192.0.2.7"),
        (
            "x.wild.example.com",
            "TXT",
            "; negative response, fully validated",
            "",
        ),
        (
            "ent.example.com",
            "A",
            "; negative response, fully validated",
            "",
        ),
        ("alias.example.com", "A", "; fully validated", "192.0.2.2"),
        // The DNAME signed, the CNAME synthesised from it unsigned.
        ("www.old.example.com", "A", "; fully validated", "192.0.2.1"),
        // The DNAME validated, then the denial at the CNAME's target (delv prints the
        // proven absence as `\-A ;-$NXRRSET`; a bogus one fails the resolution instead).
        ("nope.old.example.com", "A", "; fully validated", "NXRRSET"),
        ("child.example.com", "DS", "; fully validated", "60485 13 2"),
        (
            "insecure.example.com",
            "DS",
            "; negative response, fully validated",
            "",
        ),
        ("w.example.com", "A", "; fully validated", "192.0.2.1"),
        ("example.com", "DNSKEY", "; fully validated", "257 3 13"),
    ];
    let mut failures = Vec::new();
    for (name, qtype, verdict, data) in cases {
        let Some(out) = delv(addr, &anchor, name, qtype) else {
            eprintln!("delv is not installed: skipped");
            return;
        };
        if !out.contains(verdict) || !out.to_lowercase().contains(&data.to_lowercase()) {
            failures.push(format!(
                "{name} {qtype}: want {verdict:?} and {data:?}, got:\n{out}"
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A loopback port nobody listens on now.
fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// Kills the resolver when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn unbound_validates_the_signed_answers_and_sets_ad() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let stop = CancellationToken::new();
    let keys = Keys::new();
    let (addr, _shared) = serve(keys.snapshot(contents()), &stop);
    let dir = std::env::temp_dir().join(format!("cairn-unbound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let key = base64::engine::general_purpose::STANDARD.encode(keys.ksk.public_key());
    let conf = dir.join("unbound.conf");
    std::fs::write(
        &conf,
        format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-not-query-localhost: no\n  \
             username: \"\"\n  chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  \
             use-syslog: no\n  logfile: \"\"\n  module-config: \"validator iterator\"\n  \
             qname-minimisation: no\n  val-log-level: 2\n  \
             trust-anchor: \"example.com. DNSKEY 257 3 13 {key}\"\n\
             stub-zone:\n  name: \"example.com\"\n  stub-addr: 127.0.0.1@{}\n\
             remote-control:\n  control-enable: no\n",
            addr.port(),
            dir = dir.display()
        ),
    )
    .unwrap();
    let Ok(child) = Command::new("unbound")
        .arg("-d")
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("unbound is not installed: skipped");
        return;
    };
    let _child = Child(child);
    let dig = |name: &str, qtype: &str| {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &port.to_string(),
                "+dnssec",
                "+tries=1",
                "+time=2",
            ])
            .args([name, qtype])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Wait until the resolver answers at all (a bogus zone would answer SERVFAIL).
    let started = std::time::Instant::now();
    while !dig("example.com", "SOA").contains("->>HEADER<<-") {
        assert!(started.elapsed().as_secs() < 20, "unbound did not start");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let cases = [
        ("www.example.com", "A", "192.0.2.1"),
        ("example.com", "MX", "mail.example.com"),
        ("nope.example.com", "A", "NSEC"),
        ("www.example.com", "TXT", "NSEC"),
        ("x.wild.example.com", "A", "192.0.2.7"),
        ("x.wild.example.com", "TXT", "NSEC"),
        ("alias.example.com", "A", "192.0.2.2"),
        ("www.old.example.com", "A", "192.0.2.1"),
        ("child.example.com", "DS", "60485 13 2"),
        ("insecure.example.com", "DS", "NSEC"),
        ("w.example.com", "A", "192.0.2.1"),
    ];
    let mut failures = Vec::new();
    for (name, qtype, data) in cases {
        let out = dig(name, qtype);
        let flags = out.lines().find(|l| l.contains(";; flags:")).unwrap_or("");
        let ok = out.contains("status: NOERROR")
            && flags.contains(" ad")
            && out.to_lowercase().contains(&data.to_lowercase());
        if !ok {
            failures.push(format!(
                "{name} {qtype}: want NOERROR, AD and {data:?}, got:\n{out}"
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

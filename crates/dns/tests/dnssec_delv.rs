//! Signed answers checked by a real validator: BIND's `delv`, with the zone's KSK as its
//! trust anchor, asking Cairn's real listener. Skipped (with a note) where delv is absent.
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

//! Golden wire tests: bytes in, bytes out, one file per rule of docs/dns.md.
//!
//! Each case's reply is compared byte for byte with `tests/golden/<case>.hex` (an annotated
//! hex dump: the query, then the reply). `CAIRN_BLESS=1 cargo test -p cairn-dns --test golden`
//! rewrites them; review the diff before committing. The scenario tests in authoritative.rs
//! check the meaning of these replies; these lock their exact encoding (compression, order,
//! flags, OPT).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use cairn_dns::respond::{respond, Transport};
use cairn_dns::Snapshot;
use cairn_model::RrType;
use common::{query, set, snapshot_of, zone};

fn snapshot() -> Snapshot {
    let long: Vec<String> = (0..12)
        .map(|i| format!("\"{}\"", "z".repeat(60 + i)))
        .collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let contents = zone(
        "ZGOLDEN",
        "example.com",
        vec![
            set(
                "example.com",
                RrType::Soa,
                3600,
                &["ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300"],
            ),
            set("example.com", RrType::Ns, 172800, &["ns1.example.com."]),
            set("ns1.example.com", RrType::A, 3600, &["192.0.2.53"]),
            set("www.example.com", RrType::A, 300, &["192.0.2.1"]),
            set("www.example.com", RrType::Aaaa, 300, &["2001:db8::1"]),
            set(
                "alias.example.com",
                RrType::Cname,
                60,
                &["www.example.com."],
            ),
            set(
                "mail.example.com",
                RrType::Mx,
                300,
                &["10 www.example.com."],
            ),
            set("*.wild.example.com", RrType::Txt, 120, &["\"wild\""]),
            set(
                "sub.example.com",
                RrType::Ns,
                3600,
                &["ns.sub.example.com."],
            ),
            set("ns.sub.example.com", RrType::A, 3600, &["192.0.2.54"]),
            set("long.example.com", RrType::Txt, 300, &long),
            set(
                "x.example.com",
                RrType::Other(65280),
                300,
                &["\\# 4 0a000001"],
            ),
        ],
    );
    snapshot_of(&contents, "us-east-1")
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|row| {
            row.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(case: &str, query: Vec<u8>, transport: Transport) {
    let snap = snapshot();
    let mut out = Vec::new();
    let reply = respond(&snap, &query, transport, &mut out).map(<[u8]>::to_vec);
    let text = format!(
        "; {case}\n; query\n{}\n; reply\n{}\n",
        hex(&query),
        reply
            .as_deref()
            .map_or_else(|| "(no reply)".to_string(), hex)
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{case}.hex"));
    if std::env::var_os("CAIRN_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden {}; run with CAIRN_BLESS=1", path.display()));
    assert_eq!(
        text, want,
        "reply for {case} changed; CAIRN_BLESS=1 regenerates after review"
    );
}

macro_rules! golden {
    ($($case:ident: $query:expr, $transport:expr;)*) => {$(
        #[test]
        fn $case() {
            check(stringify!($case), $query, $transport);
        }
    )*};
}

golden! {
    exact_match: query("www.example.com", 1, None), Transport::Udp;
    mixed_case_question: query("WwW.eXaMpLe.CoM", 28, None), Transport::Udp;
    cname_followed: query("alias.example.com", 1, None), Transport::Udp;
    cname_asked_for_itself: query("alias.example.com", 5, None), Transport::Udp;
    mx_with_additional: query("mail.example.com", 15, None), Transport::Udp;
    nxdomain: query("nope.example.com", 1, None), Transport::Udp;
    nodata: query("www.example.com", 16, None), Transport::Udp;
    wildcard: query("a.b.wild.example.com", 16, None), Transport::Udp;
    referral: query("host.sub.example.com", 1, None), Transport::Udp;
    unknown_type: query("x.example.com", 65280, None), Transport::Udp;
    refused_out_of_zone: query("example.org", 1, None), Transport::Udp;
    edns_echoed: query("www.example.com", 1, Some((1232, 0))), Transport::Udp;
    badvers: query("www.example.com", 1, Some((1232, 1))), Transport::Udp;
    truncated_without_edns: query("long.example.com", 16, None), Transport::Udp;
    truncated_with_small_edns: query("long.example.com", 16, Some((512, 0))), Transport::Udp;
    whole_over_tcp: query("long.example.com", 16, None), Transport::Tcp;
    formerr_two_questions: { let mut q = query("www.example.com", 1, None); q[5] = 2; q }, Transport::Udp;
    notimp_opcode: { let mut q = query("www.example.com", 1, None); q[2] |= 3 << 3; q }, Transport::Udp;
    class_chaos_refused: { let mut q = query("version.bind", 16, None); let n = q.len(); q[n - 1] = 3; q }, Transport::Udp;
    response_dropped: { let mut q = query("www.example.com", 1, None); q[2] |= 0x80; q }, Transport::Udp;
}

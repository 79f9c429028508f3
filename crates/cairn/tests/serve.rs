//! The real binary, end to end: import while serving, kill -9 and restart, export round trip.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use cairn_testkit::{udp_exchange, Cairn};
use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};

const BIN: &str = env!("CARGO_BIN_EXE_cairn");

const ZONE: &str = "$ORIGIN example.com.
$TTL 300
@       3600 IN SOA ns1.example.com. hostmaster.example.com. ( 2024010101 7200 900
                1209600 300 )
        172800 IN NS ns1.example.com.
ns1     IN A 192.0.2.53
www     IN A 192.0.2.1
        IN A 192.0.2.2
mail    IN MX 10 www
txt     IN TXT \"hello world\" \"second string\"
*.wild  IN A 192.0.2.99
";

fn ask(cairn: &Cairn, name: &str, rtype: RecordType) -> Option<Message> {
    let mut msg = Message::query();
    msg.metadata.id = 4242;
    msg.add_query(Query::query(
        Name::from_str(name).expect("valid name"),
        rtype,
    ));
    let reply = udp_exchange(
        cairn.dns,
        &msg.to_vec().expect("encodes"),
        Duration::from_secs(2),
    )?;
    Some(Message::from_vec(&reply).expect("a well-formed reply"))
}

fn answers(msg: &Message) -> Vec<String> {
    let mut v: Vec<String> = msg.answers.iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

fn import(cairn: &Cairn, file: &Path, name: &str) -> std::process::Output {
    cairn.cli(&[
        "zone",
        "import",
        file.to_str().expect("utf-8 path"),
        "--name",
        name,
    ])
}

#[test]
fn import_while_serving_is_answered_and_survives_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut cairn = Cairn::start(Path::new(BIN), &data);

    // Before the import the name is in no hosted zone.
    let before = ask(&cairn, "www.example.com.", RecordType::A).expect("an answer");
    assert_eq!(before.metadata.response_code, ResponseCode::Refused);

    let file = dir.path().join("example.com.zone");
    std::fs::write(&file, ZONE).expect("write zone");
    let out = import(&cairn, &file, "example.com");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The running server picks the import up from the change log.
    let started = Instant::now();
    let answered = loop {
        let r = ask(&cairn, "www.example.com.", RecordType::A).expect("an answer");
        if r.metadata.response_code == ResponseCode::NoError {
            break r;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "import not served:\n{}",
            cairn.stderr()
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    eprintln!("import served after {:?}", started.elapsed());
    assert_eq!(
        answers(&answered),
        [
            "www.example.com. 300 IN A 192.0.2.1",
            "www.example.com. 300 IN A 192.0.2.2"
        ]
    );
    let wild = ask(&cairn, "x.wild.example.com.", RecordType::A).expect("an answer");
    assert_eq!(answers(&wild), ["x.wild.example.com. 300 IN A 192.0.2.99"]);

    // A crash loses nothing that was acknowledged; the restarted node serves from the store.
    cairn.kill9();
    let cairn = Cairn::start(Path::new(BIN), &data);
    let after = ask(&cairn, "www.example.com.", RecordType::A).expect("an answer");
    assert_eq!(after.metadata.response_code, ResponseCode::NoError);
    assert_eq!(answers(&after), answers(&answered));
    let txt = ask(&cairn, "txt.example.com.", RecordType::TXT).expect("an answer");
    let strings: Vec<Vec<u8>> = match &txt.answers[0].data {
        hickory_proto::rr::RData::TXT(t) => t.txt_data.iter().map(|s| s.to_vec()).collect(),
        other => panic!("expected TXT, got {other:?}"),
    };
    assert_eq!(
        strings,
        [b"hello world".to_vec(), b"second string".to_vec()]
    );
}

#[test]
fn export_round_trips_through_import() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cairn = Cairn::start(Path::new(BIN), &dir.path().join("a"));
    let file = dir.path().join("example.com.zone");
    std::fs::write(&file, ZONE).expect("write zone");
    assert!(import(&cairn, &file, "example.com").status.success());
    let first = cairn.cli(&["zone", "export", "example.com"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let exported = String::from_utf8(first.stdout).expect("utf-8");
    assert!(exported.contains("192.0.2.99"));

    // Import the export elsewhere; exporting again gives the same text.
    let other = Cairn::start(Path::new(BIN), &dir.path().join("b"));
    let file2 = dir.path().join("exported.zone");
    std::fs::write(&file2, &exported).expect("write export");
    let out = import(&other, &file2, "example.com");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = other.cli(&["zone", "export", "example.com"]);
    assert_eq!(String::from_utf8(second.stdout).expect("utf-8"), exported);
}

#[test]
fn a_bad_zone_file_is_refused_whole_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cairn = Cairn::start(Path::new(BIN), &dir.path().join("data"));
    let file = dir.path().join("bad.zone");
    let bad = ZONE.replace("www     IN A 192.0.2.1", "www     IN A 192.0.2.300");
    std::fs::write(&file, bad).expect("write zone");
    let out = import(&cairn, &file, "example.com");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.zone:7"),
        "error names file and line: {stderr}"
    );
    let listed = cairn.cli(&["zone", "list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout).trim().is_empty(),
        "nothing was imported"
    );
}

#[test]
fn ipv4_and_ipv6_listeners_answer_over_udp_and_pipelined_tcp() {
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().expect("tempdir");
    let cairn = Cairn::start_with(
        Path::new(BIN),
        &dir.path().join("data"),
        &["--dns-listen", "127.0.0.1:0", "--dns-listen", "[::1]:0"],
    );
    assert_eq!(cairn.dns_addrs.len(), 2);
    assert!(cairn.dns_addrs[1].is_ipv6());
    let file = dir.path().join("example.com.zone");
    std::fs::write(&file, ZONE).expect("write zone");
    assert!(import(&cairn, &file, "example.com").status.success());

    let mut msg = Message::query();
    msg.add_query(Query::query(
        Name::from_str("www.example.com.").expect("name"),
        RecordType::A,
    ));
    let started = Instant::now();
    for addr in &cairn.dns_addrs {
        loop {
            msg.metadata.id = 7;
            let reply = udp_exchange(
                *addr,
                &msg.to_vec().expect("encodes"),
                Duration::from_secs(2),
            )
            .expect("a UDP reply");
            let reply = Message::from_vec(&reply).expect("decodes");
            if reply.metadata.response_code == ResponseCode::NoError {
                assert_eq!(reply.answers.len(), 2, "{addr}");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "not served on {addr}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }

        // Three queries written at once on one TCP connection come back in order (RFC 7766).
        let mut stream = std::net::TcpStream::connect(addr).expect("tcp connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut batch = Vec::new();
        for id in [101u16, 102, 103] {
            msg.metadata.id = id;
            let bytes = msg.to_vec().expect("encodes");
            batch.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
            batch.extend_from_slice(&bytes);
        }
        stream.write_all(&batch).expect("tcp write");
        for id in [101u16, 102, 103] {
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).expect("length prefix");
            let mut body = vec![0u8; u16::from_be_bytes(len) as usize];
            stream.read_exact(&mut body).expect("reply");
            let reply = Message::from_vec(&body).expect("decodes");
            assert_eq!(reply.metadata.id, id);
            assert_eq!(reply.answers.len(), 2);
        }
    }
}

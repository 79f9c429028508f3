//! Durability (issue 7): a client streams change batches through the signed API while the
//! test kills the server with SIGKILL at a random moment; after a restart on the same data
//! directory, every acknowledged batch is wholly present, the one batch in flight is wholly
//! present or wholly absent, and DNS serves it all without any manual step.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cairn_testkit::{udp_exchange, Cairn, ACCESS_KEY_ID, SECRET_ACCESS_KEY};
use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_cairn");
const ZONE: &str = "durable.example";
/// Record sets per batch: a batch is whole only when all of them are there.
const SETS_PER_BATCH: usize = 4;
const ROUNDS: usize = 4;

//------------ a minimal signed HTTP client -------------------------------------------

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// `YYYYMMDDTHHMMSSZ` for now (civil date from days, H. Hinnant's algorithm).
fn amz_date() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Sends one SigV4-signed request (headers `host` and `x-amz-date` signed, as botocore
/// does) and returns the status and body; `Err` when the connection fails or breaks.
fn signed_request(
    api: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let date = amz_date();
    let host = api.to_string();
    let payload_hash = hex::encode(Sha256::digest(body.as_bytes()));
    let canonical = format!(
        "{method}\n{path}\n\nhost:{host}\nx-amz-date:{date}\n\nhost;x-amz-date\n{payload_hash}"
    );
    let scope = format!("{}/us-east-1/route53/aws4_request", &date[..8]);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{SECRET_ACCESS_KEY}").as_bytes(), &date[..8]);
    for part in ["us-east-1", "route53", "aws4_request"] {
        key = hmac(&key, part);
    }
    let signature = hex::encode(hmac(&key, &to_sign));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nX-Amz-Date: {date}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential={ACCESS_KEY_ID}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}\r\n\
         Content-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect_timeout(&api, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no complete response")
        })?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    Ok((status, body))
}

fn create_zone(api: SocketAddr) -> String {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>{ZONE}</Name><CallerReference>durability</CallerReference></CreateHostedZoneRequest>"#
    );
    let (status, text) = signed_request(api, "POST", "/2013-04-01/hostedzone", &body).unwrap();
    assert_eq!(status, 201, "CreateHostedZone: {text}");
    let start = text.find("<Id>/hostedzone/").unwrap() + "<Id>/hostedzone/".len();
    text[start..start + text[start..].find('<').unwrap()].to_string()
}

/// The names and address of batch `n`.
fn batch_sets(n: usize) -> Vec<(String, String)> {
    (0..SETS_PER_BATCH)
        .map(|j| {
            (
                format!("b{n}-{j}.{ZONE}."),
                format!("10.{}.{}.{j}", n / 256 % 256, n % 256),
            )
        })
        .collect()
}

fn batch_body(n: usize) -> String {
    let changes: String = batch_sets(n)
        .iter()
        .map(|(name, value)| {
            format!(
                "<Change><Action>CREATE</Action><ResourceRecordSet><Name>{name}</Name><Type>A</Type><TTL>60</TTL>\
                 <ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords>\
                 </ResourceRecordSet></Change>"
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Comment>batch {n}</Comment><Changes>{changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#
    )
}

//------------ DNS checks -------------------------------------------------------------

/// The A record of `name` as served, `None` for NXDOMAIN; panics on anything else.
fn served(cairn: &Cairn, name: &str) -> Option<String> {
    let mut msg = Message::query();
    msg.metadata.id = 7;
    msg.add_query(Query::query(Name::from_str(name).unwrap(), RecordType::A));
    let wire = msg.to_vec().unwrap();
    let reply = (0..5)
        .find_map(|_| udp_exchange(cairn.dns, &wire, Duration::from_secs(1)))
        .unwrap_or_else(|| panic!("no DNS answer for {name}"));
    let reply = Message::from_vec(&reply).unwrap();
    match reply.metadata.response_code {
        ResponseCode::NXDomain => None,
        ResponseCode::NoError => {
            assert_eq!(reply.answers.len(), 1, "{name}: {reply:?}");
            Some(reply.answers[0].data.to_string())
        }
        other => panic!("{name}: unexpected {other:?}"),
    }
}

/// How many of batch `n`'s sets are served with the right address.
fn present_sets(cairn: &Cairn, n: usize) -> usize {
    batch_sets(n)
        .iter()
        .filter(|(name, value)| match served(cairn, name) {
            Some(answer) => {
                assert_eq!(&answer, value, "{name} has a wrong value");
                true
            }
            None => false,
        })
        .count()
}

/// A cheap random number from the clock (no extra dependency).
fn random_below(n: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let mut x = u64::from(nanos) ^ 0x9e37_79b9_7f4a_7c15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x % n
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Acknowledged,
    /// Sent, and the connection broke before a reply: it may or may not have committed.
    InFlight,
}

#[test]
fn acknowledged_batches_survive_kill_9_and_unacknowledged_ones_are_whole_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cairn = Cairn::start(Path::new(BIN), &data);
    let zone_id = create_zone(cairn.api);
    let path = format!("/2013-04-01/hostedzone/{zone_id}/rrset/");

    let mut outcomes: BTreeMap<usize, Outcome> = BTreeMap::new();
    let mut next = 0usize;
    for round in 0..ROUNDS {
        // Stream batches from a client thread until the server dies under it.
        let stop = Arc::new(AtomicBool::new(false));
        let client = {
            let (api, path, stop) = (cairn.api, path.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                let mut n = next;
                while !stop.load(Ordering::Relaxed) {
                    match signed_request(api, "POST", &path, &batch_body(n)) {
                        Ok((200, _)) => outcomes.push((n, Outcome::Acknowledged)),
                        Ok((status, body)) => panic!("batch {n}: {status} {body}"),
                        Err(_) => {
                            outcomes.push((n, Outcome::InFlight));
                            break;
                        }
                    }
                    n += 1;
                }
                outcomes
            })
        };
        let delay = Duration::from_millis(300 + random_below(1200));
        std::thread::sleep(delay);
        cairn.kill9();
        stop.store(true, Ordering::Relaxed);
        let round_outcomes = client.join().unwrap();
        let acked = round_outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::Acknowledged)
            .count();
        eprintln!(
            "round {round}: killed after {delay:?}, {acked} batches acknowledged, {} in flight",
            round_outcomes.len() - acked
        );
        assert!(
            acked > 0,
            "no batch was acknowledged before the kill:\n{}",
            cairn.stderr()
        );
        next = round_outcomes.last().unwrap().0 + 1;
        outcomes.extend(round_outcomes);

        // Restart on the same data directory: no manual step before DNS answers.
        let started = Instant::now();
        cairn = Cairn::start(Path::new(BIN), &data);
        eprintln!(
            "round {round}: restarted and ready in {:?}",
            started.elapsed()
        );

        for (&n, &outcome) in &outcomes {
            let present = present_sets(&cairn, n);
            match outcome {
                Outcome::Acknowledged => assert_eq!(
                    present, SETS_PER_BATCH,
                    "round {round}: acknowledged batch {n} has {present} of {SETS_PER_BATCH} sets"
                ),
                Outcome::InFlight => assert!(
                    present == 0 || present == SETS_PER_BATCH,
                    "round {round}: unacknowledged batch {n} is partly applied ({present} of {SETS_PER_BATCH})"
                ),
            }
        }
        // Nothing beyond what was sent exists.
        assert_eq!(present_sets(&cairn, next), 0);
    }
}

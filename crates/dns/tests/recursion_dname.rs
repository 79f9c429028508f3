//! DNAME in the resolver (RFC 6672 §3.4): kept in the answer before the CNAME made from it,
//! cached, and used to answer other names below it without asking for them.
//!
//! A hand-written forwarder on loopback serves `old.example.test. DNAME new.example.test.`
//! (with the CNAME a server synthesises) and addresses below `new.example.test`, and records
//! every name it is asked.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use cairn_dns::resolver::{Resolver, Upstream};
use common::upstream::*;
use tokio::net::UdpSocket;

const DNAME: u16 = 39;

/// The first label of a lowercase wire name.
fn first_label(name: &[u8]) -> Vec<u8> {
    name[1..=usize::from(name[0])].to_vec()
}

/// Answers as an authoritative server of example.test would, and logs the names asked.
async fn forwarder() -> (std::net::SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    spawn_udp(socket, move |query| {
        let (qname, qtype, _) = question(query);
        let qname = qname.to_ascii_lowercase();
        log.lock().unwrap().push(qname.clone());
        let old = wire("old.example.test");
        let new = wire("new.example.test");
        let label = first_label(&qname);
        let mut target = vec![label.len() as u8];
        target.extend_from_slice(&label);
        target.extend_from_slice(&new);
        let address: Rr = (target.clone(), A, 300, vec![192, 0, 2, label.len() as u8]);
        let answer: Vec<Rr> = if qname.ends_with(&old) && qname != old {
            let mut answer = vec![
                (old.clone(), DNAME, 600, new.clone()),
                (qname.clone(), CNAME, 600, target.clone()),
            ];
            if qtype == A {
                answer.push(address);
            }
            answer
        } else if qname.ends_with(&new) && qtype == A {
            vec![address]
        } else {
            Vec::new()
        };
        vec![reply(query, 0x0580, [&answer, &[], &[]])]
    });
    (addr, asked)
}

fn kinds(resolution: &cairn_dns::resolver::Resolution) -> Vec<(Vec<u8>, u16)> {
    resolution
        .answer
        .iter()
        .map(|r| (r.owner.clone(), r.rtype))
        .collect()
}

#[tokio::test]
async fn a_dname_is_kept_cached_and_answers_other_names_below_it() {
    let (addr, asked) = forwarder().await;
    let resolver = Resolver::new(config(Upstream::Forwarders(vec![addr]), addr.port()));

    let first = resolve(&resolver, "www.old.example.test", A).await;
    assert_eq!(first.rcode.code(), 0, "{first:?}");
    assert_eq!(
        kinds(&first),
        [
            (wire("old.example.test"), DNAME),
            (wire("www.old.example.test"), CNAME),
            (wire("www.new.example.test"), A),
        ]
    );
    // The CNAME is the one the DNAME makes: its TTL, the substituted name.
    assert_eq!(first.answer[1].ttl, 600);
    assert_eq!(first.answer[1].rdata.bytes(), wire("www.new.example.test"));
    assert_eq!(a_values(&first.answer), [Ipv4Addr::new(192, 0, 2, 3)]);

    // Another name below the DNAME: synthesised from the cached DNAME, so only the
    // target is asked for.
    let before = asked.lock().unwrap().len();
    let other = resolve(&resolver, "mail.old.example.test", A).await;
    assert_eq!(
        kinds(&other),
        [
            (wire("old.example.test"), DNAME),
            (wire("mail.old.example.test"), CNAME),
            (wire("mail.new.example.test"), A),
        ]
    );
    assert_eq!(
        asked.lock().unwrap()[before..],
        [wire("mail.new.example.test")]
    );

    // Asked again, and for CNAME: wholly from the cache.
    let again = resolve(&resolver, "www.old.example.test", A).await;
    assert!(again.from_cache, "{again:?}");
    assert_eq!(kinds(&again), kinds(&first));
    let cname = resolve(&resolver, "ftp.old.example.test", CNAME).await;
    assert!(cname.from_cache, "{cname:?}");
    assert_eq!(
        kinds(&cname),
        [
            (wire("old.example.test"), DNAME),
            (wire("ftp.old.example.test"), CNAME),
        ]
    );
    assert_eq!(cname.answer[1].rdata.bytes(), wire("ftp.new.example.test"));
    assert_eq!(asked.lock().unwrap().len(), before + 1);
}

#[tokio::test]
async fn a_cname_only_asked_below_a_dname_keeps_the_dname_from_upstream() {
    let (addr, _) = forwarder().await;
    let resolver = Resolver::new(config(Upstream::Forwarders(vec![addr]), addr.port()));
    let resolution = resolve(&resolver, "x.old.example.test", CNAME).await;
    assert_eq!(resolution.rcode.code(), 0, "{resolution:?}");
    assert!(!resolution.from_cache);
    assert_eq!(
        kinds(&resolution),
        [
            (wire("old.example.test"), DNAME),
            (wire("x.old.example.test"), CNAME),
        ]
    );
}

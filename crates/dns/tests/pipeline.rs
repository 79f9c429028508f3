//! The pipeline, once for every listener: each kind of listener (public `--dns-listen`, the
//! shared `--resolver-listen`, a VPC's "+2" address, an inbound endpoint) on real sockets,
//! over UDP and TCP, against each early-rcode case (FORMERR, NOTIMP, REFUSED, SERVFAIL on a
//! panic, TC), plus the two seams: a query record for every answer, and a policy that
//! answers before the VPC's view resolves anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_dns::pipeline::bind::{bind, UdpSockets};
use cairn_dns::pipeline::observe::{Observer, QueryRecord, ViewLabel};
use cairn_dns::pipeline::policy::{Flow, QueryPolicy};
use cairn_dns::pipeline::tcp::Slots;
use cairn_dns::pipeline::{tcp, udp, AnswerNow, Answerer, Flavor, Hooks, Outcome, Peer, Selected};
use cairn_dns::respond::Authoritative;
use cairn_dns::view::VpcView;
use cairn_dns::vpc::listen::{ResolverService, ViewChoice};
use cairn_dns::Snapshot;
use cairn_model::network::NetworkContents;
use cairn_model::{ChangeSeq, RrType};
use cairn_wire::{Query, Rcode};
use common::{query, set, zone};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const VPC: &str = "vpc-0123456789abcdef0";
const ENDPOINT: &str = "rslvr-in-0123456789abcdef0";

/// Any listener's answerer, made to panic for names under `panic.` (the SERVFAIL case).
struct PanicOn<A>(Arc<A>);

fn panics(query: &Query<'_>) -> bool {
    query.qname().get(..6) == Some(b"\x05panic")
}

impl<A: Answerer> Answerer for PanicOn<A> {
    type View = A::View;
    const FLAVOR: Flavor = A::FLAVOR;

    fn hooks(&self) -> &Hooks {
        self.0.hooks()
    }

    fn select(&self, peer: &Peer) -> Selected<A::View> {
        self.0.select(peer)
    }

    fn serves(&self, view: &A::View) -> bool {
        self.0.serves(view)
    }

    fn label<'v>(&self, view: &'v A::View) -> ViewLabel<'v> {
        self.0.label(view)
    }

    fn answer<'a>(
        &'a self,
        view: &'a A::View,
        query: &'a Query<'a>,
        peer: &'a Peer,
        out: &'a mut Vec<u8>,
    ) -> impl Future<Output = Outcome> + Send + 'a {
        let panic = panics(query);
        async move {
            assert!(!panic, "test: the answerer panics");
            self.0.answer(view, query, peer, out).await
        }
    }
}

impl<A: AnswerNow> AnswerNow for PanicOn<A> {
    fn answer_now(
        &self,
        view: &A::View,
        query: &Query<'_>,
        peer: &Peer,
        out: &mut Vec<u8>,
    ) -> Outcome {
        assert!(!panics(query), "test: the answerer panics");
        self.0.answer_now(view, query, peer, out)
    }
}

/// Keeps every record it is handed: (view, rcode, qtype).
#[derive(Default)]
struct Records(Mutex<Vec<(String, Rcode, u16)>>);

impl Observer for Records {
    fn record(&self, record: &QueryRecord<'_>) {
        let view = match record.view {
            ViewLabel::None => "-".to_string(),
            ViewLabel::Public => "public".to_string(),
            ViewLabel::Vpc(id) => id.to_string(),
        };
        self.0
            .lock()
            .unwrap()
            .push((view, record.rcode, record.qtype));
    }
}

/// Blocks `blocked.example.com` with NXDOMAIN, as a DNS Firewall rule would.
struct BlockOne;

impl QueryPolicy for BlockOne {
    fn check(&self, view: &VpcView, query: &Query<'_>, _source: std::net::IpAddr) -> Flow {
        assert_eq!(view.vpc.id, VPC);
        if query
            .qname()
            .eq_ignore_ascii_case(b"\x07blocked\x07example\x03com\x00")
        {
            Flow::Respond(Rcode::NxDomain)
        } else {
            Flow::Continue
        }
    }
}

/// A public zone and a private one (same name, associated with the VPC), each with a TXT
/// set too large for 512 bytes at `big`, and a VPC in 127.0.0.0/16 with an inbound endpoint
/// whose security group admits loopback.
fn snapshot() -> Snapshot {
    let big: Vec<String> = (0..12)
        .map(|i| format!("\"{i:02}{}\"", "x".repeat(90)))
        .collect();
    let big: Vec<&str> = big.iter().map(String::as_str).collect();
    let sets = || {
        vec![
            set(
                "example.com.",
                RrType::Soa,
                900,
                &["ns.example.com. admin.example.com. 1 7200 900 1209600 86400"],
            ),
            set("example.com.", RrType::Ns, 172800, &["ns.example.com."]),
            set("www.example.com.", RrType::A, 300, &["192.0.2.1"]),
            set("big.example.com.", RrType::Txt, 300, &big),
        ]
    };
    let public = zone("ZPUBLIC", "example.com.", sets());
    let mut private = zone("ZPRIVATE", "example.com.", sets());
    private.zone.private_zone = true;
    let network: NetworkContents = serde_json::from_value(serde_json::json!({
        "vpcs": [{
            "id": VPC, "region": "us-east-1", "owner_account": "111111111111",
            "cidr_block": "127.0.0.0/16", "enable_dns_support": true,
            "enable_dns_hostnames": true, "created_at_ms": 0
        }],
        "subnets": [],
        "security_groups": [{
            "id": "sg-1", "name": "lab", "description": "lab", "vpc_id": VPC,
            "owner_account": "111111111111",
            "ingress": [{"protocol": "-1", "sources": ["127.0.0.0/8"]}]
        }],
        "associations": [{"zone_id": "ZPRIVATE", "vpc_id": VPC, "vpc_region": "us-east-1"}],
        "endpoints": [{
            "id": ENDPOINT, "creator_request_id": "t", "direction": "INBOUND",
            "host_vpc_id": VPC, "security_group_ids": ["sg-1"],
            "addresses": [{"ip_id": "rni-1", "subnet_id": "subnet-1", "ip": "127.0.0.53",
                           "status": "ATTACHED"}],
            "endpoint_type": "IPV4", "protocols": ["Do53"], "status": "OPERATIONAL",
            "owner_account": "111111111111", "created_at_ms": 0, "modified_at_ms": 0
        }]
    }))
    .unwrap();
    let compile = |c| Some(Arc::new(cairn_dns::compile::compile_zone(c)));
    Snapshot::for_region("us-east-1")
        .with_changes(
            ChangeSeq(1),
            [
                (public.zone.id.clone(), compile(&public)),
                (private.zone.id.clone(), compile(&private)),
            ],
        )
        .with_network(ChangeSeq(2), Arc::new(network))
}

/// Serves `answerer` on a new loopback address with the pipeline's UDP worker threads and
/// TCP server (the public listener's sockets).
fn serve_now<A: AnswerNow + 'static>(answerer: Arc<A>, stop: &CancellationToken) -> SocketAddr {
    let bound = bind("127.0.0.1:0".parse().unwrap(), UdpSockets::PerWorker(2)).unwrap();
    udp::spawn_workers(bound.udp, answerer.clone(), stop.clone()).unwrap();
    let tcp = tokio::net::TcpListener::from_std(bound.tcp).unwrap();
    tokio::spawn(tcp::serve(tcp, answerer, Slots::new(16), stop.clone()));
    bound.local
}

/// Serves `answerer` on a new loopback address with the pipeline's async UDP loop and TCP
/// server (the VPC resolver's sockets).
fn serve_async<A: Answerer + 'static>(answerer: Arc<A>, stop: &CancellationToken) -> SocketAddr {
    let bound = bind("127.0.0.1:0".parse().unwrap(), UdpSockets::Exclusive).unwrap();
    for socket in bound.udp {
        socket.set_nonblocking(true).unwrap();
        let socket = tokio::net::UdpSocket::from_std(socket).unwrap();
        let in_flight = Arc::new(Semaphore::new(64));
        tokio::spawn(udp::serve(
            socket,
            answerer.clone(),
            in_flight,
            stop.clone(),
        ));
    }
    let tcp = tokio::net::TcpListener::from_std(bound.tcp).unwrap();
    tokio::spawn(tcp::serve(tcp, answerer, Slots::new(16), stop.clone()));
    bound.local
}

fn ask_udp(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    socket.send_to(msg, addr).unwrap();
    let mut buf = vec![0u8; 65535];
    let (len, _) = socket.recv_from(&mut buf).expect("a UDP reply");
    buf.truncate(len);
    buf
}

fn ask_tcp(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(msg);
    stream.write_all(&framed).unwrap();
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).expect("a TCP reply");
    let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut reply).unwrap();
    reply
}

/// What the table checks in a reply.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    rcode: u8,
    tc: bool,
    ra: bool,
    questions: u16,
    answers: u16,
}

fn seen(reply: &[u8]) -> Seen {
    assert!(reply.len() >= 12, "a reply has a header");
    assert_eq!(&reply[..2], &[0x12, 0x34], "the id is copied");
    assert_eq!(reply[2] & 0x80, 0x80, "QR is set");
    Seen {
        rcode: reply[3] & 0x0f,
        tc: reply[2] & 0x02 != 0,
        ra: reply[3] & 0x80 != 0,
        questions: u16::from_be_bytes([reply[4], reply[5]]),
        answers: u16::from_be_bytes([reply[6], reply[7]]),
    }
}

#[test]
fn every_listener_runs_the_same_pipeline_over_udp_and_tcp() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let stop = CancellationToken::new();
    let shared = Arc::new(arc_swap::ArcSwap::from_pointee(snapshot()));
    let public_records = Arc::new(Records::default());
    let vpc_records = Arc::new(Records::default());
    let authoritative = Authoritative::new(
        shared.clone(),
        None,
        Hooks {
            rrl: None,
            observer: Some(public_records.clone()),
        },
    );
    let service = ResolverService::with(
        shared.clone(),
        None,
        Some(Arc::new(BlockOne)),
        Hooks {
            rrl: None,
            observer: Some(vpc_records.clone()),
        },
    );
    let panicking = |choice| Arc::new(PanicOn(service.answerer(choice)));
    // (listener, address, RA expected)
    let listeners = [
        (
            "public --dns-listen",
            serve_now(Arc::new(PanicOn(authoritative)), &stop),
            false,
        ),
        (
            "--resolver-listen",
            serve_async(panicking(ViewChoice::BySource), &stop),
            true,
        ),
        (
            "VPC +2",
            serve_async(panicking(ViewChoice::Vpc(VPC.into())), &stop),
            true,
        ),
        (
            "inbound endpoint",
            serve_async(panicking(ViewChoice::Endpoint(ENDPOINT.into())), &stop),
            true,
        ),
    ];

    let two_questions = {
        let mut q = query("www.example.com", 1, None);
        q[5] = 2;
        q
    };
    let notify = {
        let mut q = query("www.example.com", 1, None);
        q[2] = 4 << 3; // opcode NOTIFY
        q
    };
    let chaos = {
        let mut q = query("www.example.com", 16, None);
        let len = q.len();
        q[len - 2..].copy_from_slice(&3u16.to_be_bytes()); // class CH
        q
    };
    let panic = query("panic.example.com", 1, None);
    let big = query("big.example.com", 16, None);
    let www = query("www.example.com", 1, None);

    for (listener, addr, ra) in listeners {
        for (transport, ask) in [
            ("udp", ask_udp as fn(SocketAddr, &[u8]) -> Vec<u8>),
            ("tcp", ask_tcp),
        ] {
            let case = |name: &str, msg: &[u8], want: Seen| {
                let got = seen(&ask(addr, msg));
                assert_eq!(got, want, "{listener} over {transport}: {name}");
            };
            let header_only = |rcode| Seen {
                rcode,
                tc: false,
                ra: false,
                questions: 0,
                answers: 0,
            };
            let early = |rcode| Seen {
                rcode,
                tc: false,
                ra,
                questions: 1,
                answers: 0,
            };
            case("FORMERR", &two_questions, header_only(1));
            case("NOTIMP", &notify, early(4));
            case("REFUSED", &chaos, early(5));
            case("SERVFAIL on a panic", &panic, header_only(2));
            // TC: too large for 512 bytes over UDP; whole over TCP.
            let got = seen(&ask(addr, &big));
            assert_eq!(got.rcode, 0, "{listener} over {transport}: TC");
            assert_eq!(
                got.tc,
                transport == "udp",
                "{listener} over {transport}: TC"
            );
            assert_eq!(
                got.answers > 0,
                transport == "tcp",
                "{listener} over {transport}: a truncated reply carries no answers"
            );
            // And the listener still answers.
            let got = seen(&ask(addr, &www));
            assert_eq!(
                (got.rcode, got.answers, got.ra),
                (0, 1, ra),
                "{listener} over {transport}"
            );
        }
    }

    // The policy seam answers before the VPC's view resolves anything.
    let blocked = query("blocked.example.com", 1, None);
    for (listener, addr, _) in &listeners[1..] {
        let got = seen(&ask_udp(*addr, &blocked));
        assert_eq!(
            (got.rcode, got.ra),
            (3, true),
            "{listener}: blocked by the policy"
        );
    }
    let got = seen(&ask_udp(listeners[0].1, &blocked));
    assert_eq!(got.rcode, 3, "the public view has no such name either");
    assert!(got.answers == 0);

    // The record seam: one record per answered query, with the view that answered.
    let public = public_records.0.lock().unwrap().clone();
    assert_eq!(
        public.len(),
        2 * 6 + 1,
        "every public query is recorded once: {public:?}"
    );
    assert!(public.contains(&("public".into(), Rcode::NoError, 1)));
    assert!(public.contains(&("-".into(), Rcode::ServFail, 0)));
    assert!(public.contains(&("-".into(), Rcode::FormErr, 0)));
    let vpc = vpc_records.0.lock().unwrap().clone();
    assert_eq!(
        vpc.len(),
        3 * (2 * 6 + 1),
        "every VPC query is recorded once: {vpc:?}"
    );
    assert!(vpc.contains(&(VPC.into(), Rcode::NxDomain, 1)));
    assert!(vpc.contains(&(VPC.into(), Rcode::Refused, 16)));
    stop.cancel();
}

#[test]
fn a_source_in_no_vpc_is_refused_and_a_closed_security_group_drops() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let stop = CancellationToken::new();
    // A VPC elsewhere: loopback is in no VPC, and no security group admits it.
    let mut snap = snapshot();
    let mut network = (*snap.network).clone();
    network.vpcs[0].cidr_block = "10.9.0.0/16".parse().unwrap();
    network.security_groups[0].ingress.clear();
    snap = snap.with_network(ChangeSeq(3), Arc::new(network));
    let shared = Arc::new(arc_swap::ArcSwap::from_pointee(snap));
    let service = ResolverService::new(shared, None);
    let by_source = serve_async(service.answerer(ViewChoice::BySource), &stop);
    let endpoint = serve_async(
        service.answerer(ViewChoice::Endpoint(ENDPOINT.into())),
        &stop,
    );

    let www = query("www.example.com", 1, None);
    for ask in [ask_udp as fn(SocketAddr, &[u8]) -> Vec<u8>, ask_tcp] {
        let got = seen(&ask(by_source, &www));
        assert_eq!((got.rcode, got.ra, got.questions), (5, true, 1));
        // A malformed message is FORMERR before any view is chosen.
        let mut two = www.clone();
        two[5] = 2;
        assert_eq!(seen(&ask(by_source, &two)).rcode, 1);
    }
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    socket.send_to(&www, endpoint).unwrap();
    let mut buf = [0u8; 512];
    assert!(
        socket.recv_from(&mut buf).is_err(),
        "the security group drops it"
    );
    stop.cancel();
}

//! The pipeline, once for every listener: each kind of listener (public `--dns-listen`, the
//! shared `--resolver-listen`, a VPC's "+2" address, an inbound endpoint) on real sockets,
//! over UDP and TCP, and DNS over HTTPS where the listener serves it (inbound endpoints),
//! against each early-rcode case (FORMERR, NOTIMP, REFUSED, SERVFAIL on a panic, TC), plus
//! the two seams: a query record for every answer, and a policy that answers before the
//! VPC's view resolves anything.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cairn_dns::pipeline::bind::{bind, UdpSockets};
use cairn_dns::pipeline::observe::{Observer, QueryRecord, ViewLabel};
use cairn_dns::pipeline::policy::{Flow, QueryPolicy};
use cairn_dns::pipeline::tcp::Slots;
use cairn_dns::pipeline::{tcp, udp, AnswerNow, Answerer, Flavor, Hooks, Outcome, Peer, Selected};
use cairn_dns::respond::Authoritative;
use cairn_dns::view::VpcView;
use cairn_dns::vpc::doh::{self, Admits, DohTls};
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

impl<A: Admits> Admits for PanicOn<A> {
    fn admits(&self, source: IpAddr) -> bool {
        self.0.admits(source)
    }
}

impl<A: AnswerNow> AnswerNow for PanicOn<A> {
    type Batch<'a>
        = A::Batch<'a>
    where
        Self: 'a;

    fn batch(&self) -> Self::Batch<'_> {
        self.0.batch()
    }

    fn answer_now(
        &self,
        batch: &A::Batch<'_>,
        view: &A::View,
        query: &Query<'_>,
        peer: &Peer,
        out: &mut Vec<u8>,
    ) -> Outcome {
        assert!(!panics(query), "test: the answerer panics");
        self.0.answer_now(batch, view, query, peer, out)
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

/// Serves `answerer` over DNS over HTTPS on a new loopback address (an inbound endpoint's
/// DoH socket), with a self-signed certificate.
fn serve_doh<A: Answerer + Admits + 'static>(
    answerer: Arc<A>,
    stop: &CancellationToken,
) -> SocketAddr {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let tls = DohTls::from_pem(
        made.cert.pem().as_bytes(),
        made.key_pair.serialize_pem().as_bytes(),
    )
    .unwrap();
    let listener = cairn_dns::pipeline::bind::bind_tcp("127.0.0.1:0".parse().unwrap()).unwrap();
    let local = listener.local_addr().unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    tokio::spawn(doh::serve(
        listener,
        Arc::new(tls),
        answerer,
        Slots::new(16),
        stop.clone(),
    ));
    local
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

/// Accepts any certificate: the test's server presents a self-signed one.
#[derive(Debug)]
struct AnyCertificate;

mod tls {
    pub(crate) use tokio_rustls::rustls::client::danger::{
        HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
    };
    pub(crate) use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    pub(crate) use tokio_rustls::rustls::{DigitallySignedStruct, Error, SignatureScheme};
}

impl tls::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &tls::CertificateDer<'_>,
        _intermediates: &[tls::CertificateDer<'_>],
        _server_name: &tls::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: tls::UnixTime,
    ) -> Result<tls::ServerCertVerified, tls::Error> {
        Ok(tls::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &tls::CertificateDer<'_>,
        _dss: &tls::DigitallySignedStruct,
    ) -> Result<tls::HandshakeSignatureValid, tls::Error> {
        Ok(tls::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &tls::CertificateDer<'_>,
        _dss: &tls::DigitallySignedStruct,
    ) -> Result<tls::HandshakeSignatureValid, tls::Error> {
        Ok(tls::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<tls::SignatureScheme> {
        tokio_rustls::rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// One RFC 8484 POST over HTTP/1.1 on TLS; the reply's body (status 200 and the media type
/// checked).
fn ask_doh(addr: SocketAddr, msg: &[u8]) -> Vec<u8> {
    use tokio_rustls::rustls::{ClientConfig, ClientConnection, StreamOwned};
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(AnyCertificate))
    .with_no_client_auth();
    let name = tls::ServerName::try_from("localhost").unwrap();
    let connection = ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let mut stream = StreamOwned::new(connection, socket);
    let mut request = format!(
        "POST /dns-query HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/dns-message\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        msg.len()
    )
    .into_bytes();
    request.extend_from_slice(msg);
    stream.write_all(&request).unwrap();
    stream.flush().unwrap();
    // Read the head, then exactly Content-Length bytes of body.
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).expect("a DoH reply");
        assert!(n > 0, "the DoH server closed before answering");
        received.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(received[..head_end].to_vec()).unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_string())
            })
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/dns-message");
    let length: usize = header("content-length").parse().unwrap();
    while received.len() < head_end + length {
        let n = stream.read(&mut chunk).expect("the DoH body");
        assert!(n > 0, "the DoH body ended early");
        received.extend_from_slice(&chunk[..n]);
    }
    received[head_end..head_end + length].to_vec()
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
fn every_listener_runs_the_same_pipeline_over_each_of_its_transports() {
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
            cookies: None,
        },
    );
    let service = ResolverService::with(
        shared.clone(),
        None,
        Some(Arc::new(BlockOne)),
        Hooks {
            rrl: None,
            observer: Some(vpc_records.clone()),
            cookies: None,
        },
    );
    let panicking = |choice| Arc::new(PanicOn(service.answerer(choice)));
    type Ask = fn(SocketAddr, &[u8]) -> Vec<u8>;
    type Transports<'t> = Vec<(&'t str, SocketAddr, Ask)>;
    let do53 = |addr| [("udp", addr, ask_udp as Ask), ("tcp", addr, ask_tcp as Ask)];
    let endpoint = serve_async(panicking(ViewChoice::Endpoint(ENDPOINT.into())), &stop);
    let endpoint_doh = serve_doh(panicking(ViewChoice::EndpointHttps(ENDPOINT.into())), &stop);
    // (listener, its transports: (name, address, how to ask), RA expected)
    let listeners: [(&str, Transports<'_>, bool); 4] = [
        (
            "public --dns-listen",
            do53(serve_now(Arc::new(PanicOn(authoritative)), &stop)).to_vec(),
            false,
        ),
        (
            "--resolver-listen",
            do53(serve_async(panicking(ViewChoice::BySource), &stop)).to_vec(),
            true,
        ),
        (
            "VPC +2",
            do53(serve_async(panicking(ViewChoice::Vpc(VPC.into())), &stop)).to_vec(),
            true,
        ),
        (
            "inbound endpoint",
            [
                do53(endpoint).as_slice(),
                &[("doh", endpoint_doh, ask_doh as Ask)],
            ]
            .concat(),
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

    for (listener, transports, ra) in &listeners {
        let ra = *ra;
        for &(transport, addr, ask) in transports {
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
            // TC: too large for 512 bytes over UDP; whole over TCP and DoH.
            let got = seen(&ask(addr, &big));
            assert_eq!(got.rcode, 0, "{listener} over {transport}: TC");
            assert_eq!(
                got.tc,
                transport == "udp",
                "{listener} over {transport}: TC"
            );
            assert_eq!(
                got.answers > 0,
                transport != "udp",
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
    for (listener, transports, _) in &listeners[1..] {
        let got = seen(&ask_udp(transports[0].1, &blocked));
        assert_eq!(
            (got.rcode, got.ra),
            (3, true),
            "{listener}: blocked by the policy"
        );
    }
    let got = seen(&ask_udp(listeners[0].1[0].1, &blocked));
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
        3 * (2 * 6 + 1) + 6,
        "every VPC query (the endpoint's DoH ones too) is recorded once: {vpc:?}"
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

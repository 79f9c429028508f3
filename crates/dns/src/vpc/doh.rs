//! DNS over HTTPS (RFC 8484) on inbound endpoints whose `Protocols` include DoH or
//! DoH-FIPS, as Route 53 Resolver serves them: `POST /dns-query` with an
//! `application/dns-message` body, or `GET /dns-query?dns=<base64url>`, over HTTP/2 or
//! HTTP/1.1 on TLS, on `--doh-port` (443) of each endpoint address.
//!
//! The answer is the one a Do53 query to the same endpoint gets: the pipeline
//! ([`crate::pipeline::answer`]) with the endpoint's answerer
//! ([`crate::vpc::listen::VpcAnswerer`]: its VPC view, its security groups checked for TCP
//! 443). Connections take the resolver's TCP slots and are accepted by the pipeline's TCP
//! accept loop. Route 53 presents an
//! AWS certificate; Cairn presents the operator's (`--doh-cert`/`--doh-key`) or a self-signed
//! one it makes once in the data directory (docs/vpc-resolver.md).

use std::convert::Infallible;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::pipeline::tcp::{accept, Slots, IDLE_TIMEOUT};
use crate::pipeline::{Answerer, Peer, Transport};

/// RFC 8484's media type.
const DNS_MESSAGE: &str = "application/dns-message";
/// The largest DNS message (and so the largest body) accepted.
const MAX_MESSAGE: usize = 65_535;
/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

//----------- DohConfig --------------------------------------------------------

/// Where DoH listens and with which certificate.
#[derive(Clone)]
pub struct DohConfig {
    /// The port on each endpoint address (443 unless `--doh-port`).
    pub port: u16,
    /// The TLS server configuration.
    pub tls: Arc<DohTls>,
}

/// The TLS side of DoH: a certificate chain and key, offering h2 and http/1.1.
pub struct DohTls {
    acceptor: TlsAcceptor,
}

/// Why DoH cannot start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DohError(String);

impl DohTls {
    /// A certificate chain and private key, both PEM.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, DohError> {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| DohError(format!("cannot read the certificate: {e}")))?;
        if chain.is_empty() {
            return Err(DohError("the certificate file holds no certificate".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| DohError(format!("cannot read the private key: {e}")))?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| DohError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            DohError(format!(
                "the certificate and key do not make a TLS identity: {e}"
            ))
        })?;
        // RFC 8484 §5.2: HTTP/2 is the minimum recommended; HTTP/1.1 for older clients.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Reads `cert` and `key` (PEM files).
    pub fn load(cert: &Path, key: &Path) -> Result<Self, DohError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| DohError(format!("cannot read {}: {e}", p.display())))
        };
        Self::from_pem(&read(cert)?, &read(key)?)
    }

    /// The self-signed certificate kept in `dir` (`doh-cert.pem`, `doh-key.pem`), made on
    /// first use for the names `names` (DNS names or IP addresses).
    pub fn self_signed_in(dir: &Path, names: &[String]) -> Result<Self, DohError> {
        let (cert, key) = (dir.join("doh-cert.pem"), dir.join("doh-key.pem"));
        if !cert.exists() || !key.exists() {
            let made = rcgen::generate_simple_self_signed(names.to_vec())
                .map_err(|e| DohError(format!("cannot make a self-signed certificate: {e}")))?;
            write_private(&key, made.key_pair.serialize_pem().as_bytes())?;
            std::fs::write(&cert, made.cert.pem())
                .map_err(|e| DohError(format!("cannot write {}: {e}", cert.display())))?;
            tracing::info!(cert = %cert.display(), "made a self-signed certificate for DNS over HTTPS");
        }
        Self::load(&cert, &key)
    }
}

/// Writes a key file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DohError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| DohError(format!("cannot write {}: {e}", path.display())))?;
    file.write_all(bytes)
        .map_err(|e| DohError(format!("cannot write {}: {e}", path.display())))
}

//----------- Serving ----------------------------------------------------------

/// What a DoH answerer decides before the pipeline runs: whether a source gets a
/// connection at all.
pub trait Admits {
    /// Whether `source` may connect (for an inbound endpoint: its security groups admit TCP
    /// 443 from it).
    fn admits(&self, source: IpAddr) -> bool;
}

/// Serves DNS over HTTPS on `listener` with `answerer` (an inbound endpoint's), until `stop`
/// is cancelled. Connections take `slots` (the resolver's TCP connection slots).
pub async fn serve<A: Answerer + Admits + 'static>(
    listener: TcpListener,
    tls: Arc<DohTls>,
    answerer: Arc<A>,
    slots: Slots,
    stop: CancellationToken,
) {
    let Ok(local) = listener.local_addr() else {
        return;
    };
    while let Some((stream, peer, slot)) = accept(&listener, &slots, &stop).await {
        // Like a security group: a source the endpoint's groups do not admit on TCP 443 is
        // not even answered the TLS handshake.
        if !answerer.admits(peer.ip()) {
            continue;
        }
        let (tls, answerer, stop) = (tls.clone(), answerer.clone(), stop.clone());
        tokio::spawn(async move {
            let Ok(Ok(stream)) =
                tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.acceptor.accept(stream)).await
            else {
                return;
            };
            let from = Peer {
                source: Some(peer.ip()),
                port: peer.port(),
                local,
                transport: Transport::Https,
            };
            let handler = hyper::service::service_fn(move |request| {
                let answerer = answerer.clone();
                async move { Ok::<_, Infallible>(handle(request, &*answerer, &from).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), handler);
            // An idle or stuck client is dropped like an idle Do53 TCP client.
            tokio::select! {
                _ = tokio::time::timeout(IDLE_TIMEOUT * 6, connection) => {}
                _ = stop.cancelled() => {}
            }
            drop(slot);
        });
    }
}

/// One RFC 8484 request.
async fn handle<A: Answerer>(
    request: Request<Incoming>,
    answerer: &A,
    peer: &Peer,
) -> Response<Full<Bytes>> {
    if request.uri().path() != "/dns-query" {
        return status(StatusCode::NOT_FOUND, "DNS queries go to /dns-query\n");
    }
    let message = match *request.method() {
        Method::GET => {
            let Some(encoded) = request
                .uri()
                .query()
                .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("dns=")))
            else {
                return status(StatusCode::BAD_REQUEST, "GET needs a dns= parameter\n");
            };
            use base64::Engine;
            // base64url without padding (RFC 8484 §4.1); padding is tolerated.
            match base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded.trim_end_matches('='))
            {
                Ok(bytes) => bytes,
                Err(_) => {
                    return status(
                        StatusCode::BAD_REQUEST,
                        "the dns= parameter is not base64url\n",
                    )
                }
            }
        }
        Method::POST => {
            let media = request
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !media.eq_ignore_ascii_case(DNS_MESSAGE) {
                return status(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "POST bodies are application/dns-message\n",
                );
            }
            match Limited::new(request.into_body(), MAX_MESSAGE)
                .collect()
                .await
            {
                Ok(body) => body.to_bytes().to_vec(),
                Err(_) => {
                    return status(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "a DNS message is at most 65535 bytes\n",
                    )
                }
            }
        }
        _ => return status(StatusCode::METHOD_NOT_ALLOWED, "GET or POST\n"),
    };
    if message.len() < 12 || message.len() > MAX_MESSAGE {
        return status(StatusCode::BAD_REQUEST, "not a DNS message\n");
    }
    // TCP's size rules: a DoH answer is never truncated for size.
    let mut reply = Vec::with_capacity(512);
    if !crate::pipeline::answer(answerer, &message, peer, &mut reply).await {
        // Not a query the resolver answers at all (e.g. a response): nothing to say in DNS.
        return status(StatusCode::BAD_REQUEST, "not a DNS query\n");
    }
    let mut response = Response::new(Full::new(Bytes::from(reply)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(DNS_MESSAGE));
    response
}

fn status(code: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}

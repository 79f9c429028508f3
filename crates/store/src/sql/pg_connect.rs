//! How the PostgreSQL backend connects: the `postgres://` URL, read as libpq reads it, and TLS.
//!
//! `tokio-postgres` parses the URL, hosts, `target_session_attrs` and the rest, but knows
//! only `sslmode=disable|prefer|require` and no `sslrootcert`. So those two are taken out of
//! the query string here, and the rest goes to `postgres::Config` unchanged. TLS is rustls
//! (with ring), through `tokio-postgres-rustls`, with a certificate check that follows
//! libpq's sslmode:
//!
//! | sslmode | TLS | server certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | if the server offers it | not checked, unless `sslrootcert` is given: then its chain |
//! | `require` | always | not checked, unless `sslrootcert` is given: then its chain |
//! | `verify-ca` | always | chain to `sslrootcert` |
//! | `verify-full` | always | chain to `sslrootcert`, and the host name (or IP address) |
//!
//! "Not checked" is libpq's meaning of `require`: the connection is encrypted against a
//! passive listener, but anyone in the path can present a certificate of their own. The
//! handshake signature is still verified, so the server does hold the key of the certificate
//! it showed. `verify-ca` and `verify-full` without `sslrootcert` read libpq's default,
//! `~/.postgresql/root.crt`, and fail clearly when it is missing.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use postgres::config::SslMode as DriverSslMode;
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::crypto::{self, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct, RootCertStore};

use crate::error::{StoreError, StoreResult};

/// libpq's `sslmode` values this backend supports (all but `allow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it (libpq's default).
    Prefer,
    /// TLS or no connection.
    Require,
    /// TLS, and the certificate chains to the root certificate.
    VerifyCa,
    /// As `VerifyCa`, and the certificate names the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> StoreResult<Self> {
        Ok(match value {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(bad_url(format!(
                    "sslmode={other} is not supported (use disable, prefer, require, verify-ca or verify-full)"
                )))
            }
        })
    }

    fn verifies(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

/// A parsed `postgres://` URL: the driver's configuration and the TLS connector to use.
pub(crate) struct PgTarget {
    /// Hosts, database, user, `target_session_attrs`, timeouts…
    pub(crate) config: postgres::Config,
    /// TLS as `sslmode` asks (unused with `disable`).
    pub(crate) tls: MakeRustlsConnect,
}

/// Reads a `postgres://` (or `postgresql://`) URL.
pub(crate) fn parse_url(url: &str) -> StoreResult<PgTarget> {
    let (rest, mode, root_cert) = take_tls_params(url)?;
    let mut config = postgres::Config::from_str(&rest).map_err(|e| bad_url(e.to_string()))?;
    config.ssl_mode(match mode {
        SslMode::Disable => DriverSslMode::Disable,
        SslMode::Prefer => DriverSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
    });
    let root_cert = match root_cert {
        Some(path) => Some(path),
        None if mode.verifies() => Some(default_root_cert().ok_or_else(|| {
            bad_url(
                "sslmode=verify-ca and verify-full need sslrootcert=FILE (the CA certificate, PEM)"
                    .into(),
            )
        })?),
        None => None,
    };
    let tls = MakeRustlsConnect::new(client_config(mode, root_cert.as_deref())?);
    Ok(PgTarget { config, tls })
}

/// The URL without `sslmode` and `sslrootcert`, and their values (`prefer` when absent).
fn take_tls_params(url: &str) -> StoreResult<(String, SslMode, Option<PathBuf>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), SslMode::Prefer, None));
    };
    let mut mode = SslMode::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = SslMode::parse(&percent_decode(value)?)?,
            "sslrootcert" => match percent_decode(value)?.as_str() {
                // PostgreSQL 16's "the system's CA store": not what a private database uses.
                "system" => return Err(bad_url("sslrootcert=system is not supported".into())),
                path => root_cert = Some(PathBuf::from(path)),
            },
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, mode, root_cert))
}

/// `%XX` escapes decoded, as in any URL query value (`+` stays `+`, as libpq reads it).
fn percent_decode(value: &str) -> StoreResult<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad_url(format!("bad %-escape in {value:?}")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad_url(format!("{value:?} is not UTF-8")))
}

/// libpq's default root certificate file, when it exists.
fn default_root_cert() -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let path = Path::new(&home).join(".postgresql/root.crt");
    path.exists().then_some(path)
}

fn bad_url(why: String) -> StoreError {
    StoreError::Backend(format!("bad PostgreSQL URL: {why}"))
}

//------------ rustls configuration ---------------------------------------------------

fn client_config(mode: SslMode, root_cert: Option<&Path>) -> StoreResult<rustls::ClientConfig> {
    let provider = Arc::new(crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match root_cert {
        Some(path) => Arc::new(ChainVerifier {
            inner: WebPkiServerVerifier::builder_with_provider(
                Arc::new(load_roots(path)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| StoreError::Backend(format!("sslrootcert: {e}")))?,
            check_name: mode == SslMode::VerifyFull,
        }),
        None => Arc::new(UncheckedVerifier {
            provider: provider.clone(),
        }),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Backend(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Every certificate in a PEM file, as trust anchors.
fn load_roots(path: &Path) -> StoreResult<RootCertStore> {
    let unreadable = |e: &dyn std::fmt::Display| {
        StoreError::Backend(format!("sslrootcert {}: {e}", path.display()))
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        roots
            .add(cert.map_err(|e| unreadable(&e))?)
            .map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"no certificate in the file"));
    }
    Ok(roots)
}

/// `verify-ca` and `verify-full` (and `prefer`/`require` given a root certificate): the
/// chain must lead to a root; the name is checked only for `verify-full`.
#[derive(Debug)]
struct ChainVerifier {
    inner: Arc<WebPkiServerVerifier>,
    check_name: bool,
}

impl ServerCertVerifier for ChainVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verified {
            // webpki checks the name only after the chain verified, so a name mismatch
            // means the chain is good: what `verify-ca` asks for.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root certificate (libpq's meaning): any certificate is
/// accepted, but the handshake must be signed with its key.
#[derive(Debug)]
struct UncheckedVerifier {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for UncheckedVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_params_are_taken_out_and_the_rest_kept() {
        let (rest, mode, root) = take_tls_params(
            "postgres://u@h1:5432,h2:5433/db?sslmode=verify-full&target_session_attrs=read-write&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("parses");
        assert_eq!(
            rest,
            "postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write"
        );
        assert_eq!(mode, SslMode::VerifyFull);
        assert_eq!(root, Some(PathBuf::from("/etc/ca.pem")));

        let (rest, mode, root) = take_tls_params("postgres://u@h/db").expect("parses");
        assert_eq!(
            (rest.as_str(), mode, root),
            ("postgres://u@h/db", SslMode::Prefer, None)
        );
        let (rest, mode, _) = take_tls_params("postgres://u@h/db?sslmode=disable").expect("parses");
        assert_eq!(
            (rest.as_str(), mode),
            ("postgres://u@h/db", SslMode::Disable)
        );
    }

    #[test]
    fn unsupported_or_incomplete_tls_settings_are_refused_clearly() {
        let err = |url: &str| match parse_url(url) {
            Ok(_) => panic!("{url} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err("postgres://u@h/db?sslmode=allow").contains("sslmode=allow is not supported"));
        assert!(
            err("postgres://u@h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem")
                .contains("sslrootcert /nonexistent/ca.pem")
        );
        assert!(err("postgres://u@h/db?sslrootcert=%zz").contains("bad %-escape"));
    }

    #[test]
    fn hosts_and_session_attrs_reach_the_driver() {
        let target =
            parse_url("postgresql://u@127.0.0.1:1,127.0.0.1:2/db?target_session_attrs=read-write&sslmode=require")
                .expect("parses");
        assert_eq!(target.config.get_ports(), &[1, 2]);
        assert_eq!(target.config.get_ssl_mode(), DriverSslMode::Require);
        assert_eq!(
            target.config.get_target_session_attrs(),
            postgres::config::TargetSessionAttrs::ReadWrite
        );
    }
}

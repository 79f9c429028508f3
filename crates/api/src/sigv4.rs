//! AWS Signature Version 4 verification, as axum middleware.
//!
//! Both forms are accepted: the `Authorization` header and the presigned query string
//! (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…&X-Amz-Signature=…`). The
//! canonical request follows AWS's documentation. The path is tried two ways, because
//! clients differ: as botocore signs non-S3 paths (the path *as sent*, percent-encoded
//! once more, so `%` becomes `%25`) and as the decoded path encoded once (the AWS test
//! suite, S3-style SDKs). Any region is accepted in the scope (Route 53 signs
//! `us-east-1`); the service must be one this port serves. Secrets are never logged.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use cairn_model::iam::AccessKeyStatus;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::error::AwsError;
use crate::identity::{secret_context, Identity, UserIdentity};
use crate::protocol::query::{percent_decode, uri_encode};
use crate::state::{AppState, Credentials};

/// The only algorithm AWS's SigV4 defines for this use.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The services whose clients this port answers.
pub const SERVICES: [&str; 9] = [
    "route53",
    "route53resolver",
    "route53profiles",
    "ec2",
    "kms",
    "iam",
    "sts",
    "route53domains",
    "logs",
];
/// How far the request's clock may be from ours, in seconds (AWS: 15 minutes).
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;
/// The largest body the API reads (change batches are far smaller).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The payload hash clients send when they do not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

type HmacSha256 = Hmac<Sha256>;

//------------ middleware ------------------------------------------------------------

/// Middleware: lets a request through only when its signature verifies against
/// `state.credentials`.
pub async fn verify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return AwsError::body_unreadable().into_response(),
    };
    let now = OffsetDateTime::now_utc();
    let (credentials, identity) = match signer_of(&state, &parts).await {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let principal = match verify_parts(&parts, &body, &credentials, now) {
        Ok(principal) => Principal {
            identity,
            ..principal
        },
        Err(error) => {
            tracing::debug!(code = %error.code, path = %parts.uri.path(), "request refused by sigv4");
            return error.into_response();
        }
    };
    // Who signed, and for which region: the request context reads it from here.
    let mut parts = parts;
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// The key pair a request claims to be signed with and who owns it: the root credentials,
/// or an IAM user's active key (its secret unsealed with the node master key). A key that
/// is unknown or inactive gets the root credentials, so verification then fails exactly as
/// for any unknown key (`InvalidClientTokenId`).
async fn signer_of(state: &AppState, parts: &Parts) -> Result<(Credentials, Identity), AwsError> {
    let root = (
        state.credentials.clone(),
        Identity::Root {
            account: state.config.account_id.clone(),
        },
    );
    let Ok(signed) = SignedRequest::read(parts) else {
        return Ok(root);
    };
    if signed.access_key_id == state.credentials.access_key_id {
        return Ok(root);
    }
    let Some(signer) = state.store.signer(&signed.access_key_id).await? else {
        return Ok(root);
    };
    if signer.key.status != AccessKeyStatus::Active {
        return Ok(root);
    }
    let secret = base64::engine::general_purpose::STANDARD
        .decode(&signer.key.sealed_secret)
        .ok()
        .and_then(|sealed| {
            state
                .master_key
                .open(&secret_context(&signer.key.id), &sealed)
                .ok()
        })
        .and_then(|plain| String::from_utf8(plain).ok());
    let Some(secret) = secret else {
        // A secret sealed under another master key: the node is misconfigured.
        tracing::error!(key = %signer.key.id, "an IAM access key's secret does not open with this node's master key");
        return Ok(root);
    };
    let policies = signer
        .policies
        .iter()
        .filter_map(|doc| cairn_iam::parse(doc, cairn_iam::Kind::Identity).ok())
        .collect();
    let user = UserIdentity {
        account: signer.user.account.clone(),
        name: signer.user.name.clone(),
        id: signer.user.id.clone(),
        arn: signer.user.arn(),
        policies,
    };
    Ok((
        Credentials {
            access_key_id: signer.key.id,
            secret_access_key: secret,
        },
        Identity::User(Arc::new(user)),
    ))
}

/// Who a verified request is from, and the scope it was signed for; set by [`verify`] as a
/// request extension, read through [`crate::context::RequestContext`].
#[derive(Debug, Clone)]
pub struct Principal {
    /// The access key id whose secret signed the request.
    pub access_key_id: String,
    /// The verified credential scope (its region is the request's region).
    pub scope: Scope,
    /// Who owns the key: the root or an IAM user.
    pub identity: Identity,
}

/// The scope a request *claims* (Authorization header or presigned query), unverified:
/// enough to tell which service a client meant, even when its signature will fail.
pub fn claimed_scope(parts: &Parts) -> Option<Scope> {
    SignedRequest::read(parts).ok().map(|signed| signed.scope)
}

/// Verifies one request: its head, its whole body, at time `now`.
pub fn verify_parts(
    parts: &Parts,
    body: &[u8],
    credentials: &Credentials,
    now: OffsetDateTime,
) -> Result<Principal, AwsError> {
    let signed = SignedRequest::read(parts)?;
    signed.check_scope(credentials)?;
    signed.check_time(now)?;
    let body_hash = hex::encode(Sha256::digest(body));
    let payload_hashes = signed.payload_hashes(parts, &body_hash)?;
    let key = signing_key(
        &credentials.secret_access_key,
        &signed.scope.date,
        &signed.scope.region,
        &signed.scope.service,
    );
    for canonical_uri in canonical_uris(parts.uri.path()) {
        for payload_hash in &payload_hashes {
            let canonical = canonical_request(
                parts.method.as_str(),
                &canonical_uri,
                &canonical_query(parts.uri.query().unwrap_or(""), signed.presigned),
                &canonical_headers(parts, &signed.signed_headers)?,
                &signed.signed_headers.join(";"),
                payload_hash,
            );
            let expected = signature(
                &key,
                &string_to_sign(&signed.amz_date, &signed.scope.to_string(), &canonical),
            );
            if constant_time_eq(expected.as_bytes(), signed.signature.as_bytes()) {
                return Ok(Principal {
                    access_key_id: signed.access_key_id,
                    scope: signed.scope,
                    // The caller of `verify_parts` knows whose credentials these were.
                    identity: Identity::Root {
                        account: String::new(),
                    },
                });
            }
        }
    }
    Err(signature_mismatch())
}

//------------ SignedRequest ---------------------------------------------------------

/// What the client claims: who signed, when, over which headers, and the signature.
#[derive(Debug)]
struct SignedRequest {
    access_key_id: String,
    scope: Scope,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    presigned: bool,
    /// `X-Amz-Expires`, presigned only.
    expires_seconds: Option<i64>,
}

/// The credential scope: `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `YYYYMMDD`.
    pub date: String,
    /// Any region.
    pub region: String,
    /// The signing name.
    pub service: String,
    /// Must be `aws4_request`.
    pub terminator: String,
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

impl SignedRequest {
    fn read(parts: &Parts) -> Result<Self, AwsError> {
        if let Some(header) = parts.headers.get("authorization") {
            let header = header
                .to_str()
                .map_err(|_| incomplete("Authorization header is not ASCII."))?;
            return Self::from_header(parts, header);
        }
        let query = crate::protocol::query::QueryParams::parse(parts.uri.query());
        if query.get("X-Amz-Algorithm").is_some() {
            return Self::from_query(&query);
        }
        Err(AwsError::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationToken",
            "Missing Authentication Token",
        ))
    }

    fn from_header(parts: &Parts, header: &str) -> Result<Self, AwsError> {
        let rest = header.strip_prefix(ALGORITHM).ok_or_else(|| {
            incomplete(&format!(
                "Authorization header requires '{ALGORITHM}' as the algorithm."
            ))
        })?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for field in rest.split(',') {
            let field = field.trim();
            if let Some(v) = field.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = field.strip_prefix("SignedHeaders=") {
                signed_headers = Some(v);
            } else if let Some(v) = field.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let need = |v: Option<&str>, name: &str| {
            v.map(str::to_string).ok_or_else(|| {
                incomplete(&format!(
                    "Authorization header requires '{name}' parameter. Authorization={header}"
                ))
            })
        };
        let credential = need(credential, "Credential")?;
        let signed_headers = need(signed_headers, "SignedHeaders")?;
        let signature = need(signature, "Signature")?;
        let amz_date = parts
            .headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?;
        let (access_key_id, scope) = parse_credential(&credential)?;
        Ok(Self {
            access_key_id,
            scope,
            signed_headers: split_signed_headers(&signed_headers),
            signature,
            amz_date,
            presigned: false,
            expires_seconds: None,
        })
    }

    fn from_query(query: &crate::protocol::query::QueryParams) -> Result<Self, AwsError> {
        let need = |name: &str| {
            query.get(name).map(str::to_string).ok_or_else(|| {
                incomplete(&format!("AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."))
            })
        };
        let algorithm = need("X-Amz-Algorithm")?;
        if algorithm != ALGORITHM {
            return Err(incomplete(&format!(
                "X-Amz-Algorithm only supports '{ALGORITHM}'."
            )));
        }
        let (access_key_id, scope) = parse_credential(&need("X-Amz-Credential")?)?;
        let expires = need("X-Amz-Expires")?;
        let expires_seconds = expires
            .parse::<i64>()
            .map_err(|_| incomplete("X-Amz-Expires should be a number."))?;
        Ok(Self {
            access_key_id,
            scope,
            signed_headers: split_signed_headers(&need("X-Amz-SignedHeaders")?),
            signature: need("X-Amz-Signature")?,
            amz_date: need("X-Amz-Date")?,
            presigned: true,
            expires_seconds: Some(expires_seconds),
        })
    }

    fn check_scope(&self, credentials: &Credentials) -> Result<(), AwsError> {
        if self.access_key_id != credentials.access_key_id {
            return Err(AwsError::new(
                StatusCode::FORBIDDEN,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ));
        }
        if self.scope.terminator != "aws4_request" {
            return Err(signature_error(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                self.scope.terminator
            )));
        }
        if !SERVICES.contains(&self.scope.service.as_str()) {
            return Err(signature_error(format!(
                "Credential should be scoped to correct service: '{}'. ",
                SERVICES[0]
            )));
        }
        if !self.amz_date.starts_with(&self.scope.date) {
            return Err(signature_error(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                self.scope.date,
                self.amz_date.get(..8).unwrap_or(&self.amz_date),
                self.amz_date
            )));
        }
        if !self.signed_headers.iter().any(|h| h == "host") {
            return Err(signature_error(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
            ));
        }
        Ok(())
    }

    fn check_time(&self, now: OffsetDateTime) -> Result<(), AwsError> {
        let signed_at = parse_amz_date(&self.amz_date).ok_or_else(|| {
            signature_error(format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                self.amz_date
            ))
        })?;
        let skew = time::Duration::seconds(MAX_SKEW_SECONDS);
        if let Some(expires) = self.expires_seconds {
            if now > signed_at + time::Duration::seconds(expires) {
                return Err(AwsError::new(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    "Request has expired",
                ));
            }
            if signed_at > now + skew {
                return Err(signature_error(format!(
                    "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                    self.amz_date,
                    amz_date(now + skew),
                    amz_date(now)
                )));
            }
            return Ok(());
        }
        if signed_at < now - skew {
            return Err(signature_error(format!(
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                self.amz_date,
                amz_date(now - skew),
                amz_date(now)
            )));
        }
        if signed_at > now + skew {
            return Err(signature_error(format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                self.amz_date,
                amz_date(now + skew),
                amz_date(now)
            )));
        }
        Ok(())
    }

    /// The payload hashes worth trying: the one the client declared, else the body's.
    fn payload_hashes(&self, parts: &Parts, body_hash: &str) -> Result<Vec<String>, AwsError> {
        let declared = parts
            .headers
            .get("x-amz-content-sha256")
            .and_then(|v| v.to_str().ok());
        match declared {
            Some(declared)
                if declared.len() == 64 && declared.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                if !declared.eq_ignore_ascii_case(body_hash) {
                    return Err(AwsError::new(
                        StatusCode::BAD_REQUEST,
                        "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    ));
                }
                Ok(vec![declared.to_string()])
            }
            Some(declared) => Ok(vec![declared.to_string()]),
            None if self.presigned => Ok(vec![body_hash.to_string(), UNSIGNED_PAYLOAD.to_string()]),
            None => Ok(vec![body_hash.to_string()]),
        }
    }
}

fn parse_credential(credential: &str) -> Result<(String, Scope), AwsError> {
    let fields: Vec<&str> = credential.split('/').collect();
    match fields.as_slice() {
        [key, date, region, service, terminator] => Ok((
            (*key).to_string(),
            Scope {
                date: (*date).to_string(),
                region: (*region).to_string(),
                service: (*service).to_string(),
                terminator: (*terminator).to_string(),
            },
        )),
        _ => Err(incomplete(&format!(
            "Credential should be scoped to a valid region, not ''. Credential={credential}"
        ))),
    }
}

fn split_signed_headers(list: &str) -> Vec<String> {
    list.split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

//------------ the algorithm -----------------------------------------------------------

/// The canonical URIs to try for a raw request path: botocore's (double-encoded) first,
/// then the single-encoded form of the decoded path.
pub fn canonical_uris(raw_path: &str) -> Vec<String> {
    let normalized = normalize_path(raw_path);
    let double = uri_encode(&normalized, true);
    let single = uri_encode(&percent_decode(&normalized, false), true);
    if double == single {
        vec![double]
    } else {
        vec![double, single]
    }
}

/// Removes `.` and `..` segments and empty paths, keeping a trailing slash (botocore's
/// `_normalize_url_path`).
pub fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    let mut normalized = format!("/{}", out.join("/"));
    if path.ends_with('/') && normalized != "/" {
        normalized.push('/');
    }
    normalized
}

/// The canonical query string: pairs decoded, re-encoded strictly, sorted by key then value.
pub fn canonical_query(raw_query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k, false), false),
                uri_encode(&percent_decode(v, false), false),
            )
        })
        .filter(|(k, _)| !(presigned && k == "X-Amz-Signature"))
        .collect();
    pairs.sort();
    pairs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name:value\n` for every signed header, values trimmed with inner spaces collapsed.
fn canonical_headers(parts: &Parts, signed: &[String]) -> Result<String, AwsError> {
    let mut out = String::new();
    for name in signed {
        let mut values: Vec<String> = parts
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() && name == "host" {
            if let Some(authority) = parts.uri.authority() {
                values.push(authority.to_string());
            }
        }
        if values.is_empty() {
            return Err(signature_mismatch());
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok(out)
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request, as AWS defines it.
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    format!("{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}")
}

/// The string to sign for a canonical request.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The derived signing key for a day, region and service.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The hex signature of `string_to_sign` under `key`.
pub fn signature(key: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac(key, string_to_sign.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(text: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|t| t.assume_utc())
}

/// Formats `YYYYMMDDTHHMMSSZ`.
pub fn amz_date(at: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

//------------ errors ------------------------------------------------------------------

fn incomplete(message: &str) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "IncompleteSignature", message)
}

fn signature_error(message: String) -> AwsError {
    AwsError::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", message)
}

fn signature_mismatch() -> AwsError {
    signature_error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn suite_signature(query: &str) -> String {
        let canonical = canonical_request(
            "GET",
            "/",
            &canonical_query(query, false),
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n",
            "host;x-amz-date",
            EMPTY_HASH,
        );
        let key = signing_key(SECRET, "20150830", "us-east-1", "service");
        signature(
            &key,
            &string_to_sign(
                "20150830T123600Z",
                "20150830/us-east-1/service/aws4_request",
                &canonical,
            ),
        )
    }

    #[test]
    fn matches_aws_test_suite_get_vanilla() {
        assert_eq!(
            suite_signature(""),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn matches_aws_test_suite_query_order() {
        assert_eq!(
            suite_signature("Param2=value2&Param1=value1"),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    #[test]
    fn normalizes_paths_like_botocore() {
        assert_eq!(normalize_path(""), "/");
        assert_eq!(
            normalize_path("/2013-04-01/hostedzone/Z1/rrset/"),
            "/2013-04-01/hostedzone/Z1/rrset/"
        );
        assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
        assert_eq!(
            canonical_uris("/tags/hostedzone/a%20b"),
            ["/tags/hostedzone/a%2520b", "/tags/hostedzone/a%20b"]
        );
    }

    #[test]
    fn parses_and_formats_amz_dates() {
        let at = parse_amz_date("20150830T123600Z").expect("valid");
        assert_eq!(amz_date(at), "20150830T123600Z");
        assert!(parse_amz_date("2015-08-30").is_none());
    }
}

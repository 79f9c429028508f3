//! A small, independent SigV4 signer for tests, written from AWS's documentation and
//! checked against the AWS SigV4 test suite (see `tests/sigv4.rs`), so the verifier under
//! test cannot agree with it on a wrong algorithm.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// What to sign.
pub struct Signing<'a> {
    pub method: &'a str,
    /// The path exactly as it goes on the wire (already percent-encoded).
    pub raw_path: &'a str,
    /// The raw query string, without `?`.
    pub raw_query: &'a str,
    /// Lowercase header names and values; all of them are signed.
    pub headers: &'a [(&'a str, String)],
    pub payload: &'a [u8],
    pub access_key: &'a str,
    pub secret: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 encoding of everything but unreserved characters (and `/` if asked).
pub fn encode(text: &str, keep_slash: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b'/' if keep_slash => "/".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Signing<'_> {
    /// botocore's canonical URI for non-S3 services: the wire path encoded once more.
    fn canonical_uri(&self) -> String {
        if self.raw_path.is_empty() {
            "/".into()
        } else {
            encode(self.raw_path, true)
        }
    }

    fn canonical_query(&self, skip_signature: bool) -> String {
        let mut pairs: Vec<(String, String)> = self
            .raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), v.to_string())
            })
            .filter(|(k, _)| !(skip_signature && k == "X-Amz-Signature"))
            .collect();
        pairs.sort();
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn signed_header_names(&self) -> String {
        let mut names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        names.sort();
        names.join(";")
    }

    /// The canonical request (query already encoded by the caller).
    pub fn canonical_request(&self, payload_hash: &str) -> String {
        let mut headers: Vec<&(&str, String)> = self.headers.iter().collect();
        headers.sort_by_key(|(n, _)| *n);
        let canonical_headers: String = headers
            .iter()
            .map(|(n, v)| format!("{n}:{}\n", v.trim()))
            .collect();
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.method,
            self.canonical_uri(),
            self.canonical_query(true),
            canonical_headers,
            self.signed_header_names(),
            payload_hash
        )
    }

    fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            &self.amz_date[..8],
            self.region,
            self.service
        )
    }

    /// The hex signature.
    pub fn signature(&self, payload_hash: &str) -> String {
        let canonical = self.canonical_request(payload_hash);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}\n{}",
            self.amz_date,
            self.scope(),
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let k_date = hmac(
            format!("AWS4{}", self.secret).as_bytes(),
            &self.amz_date[..8],
        );
        let k_region = hmac(&k_date, self.region);
        let k_service = hmac(&k_region, self.service);
        let k_signing = hmac(&k_service, "aws4_request");
        hex::encode(hmac(&k_signing, &string_to_sign))
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        let payload_hash = hex::encode(Sha256::digest(self.payload));
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
            self.access_key,
            self.scope(),
            self.signed_header_names(),
            self.signature(&payload_hash)
        )
    }

    /// The credential field of a presigned URL (`AKID/date/region/service/aws4_request`).
    pub fn credential(&self) -> String {
        format!("{}/{}", self.access_key, self.scope())
    }
}

//! The session cookie: the signed-in key pair sealed under the node master key, and the
//! CSRF token bound to it.
//!
//! The cookie's value is `base64url(MasterKey::seal(SEAL_CONTEXT, json))`: AES-256-GCM, so
//! the browser can neither read the secret nor forge or alter a session. The expiry is
//! inside the sealed part (and in `Max-Age`), so an old cookie stops working even if a
//! browser keeps it. Sessions survive a restart and work on every node that shares the
//! master key. Cookie attributes: `HttpOnly` (no script reads it), `SameSite=Strict` (no
//! other site's page sends it) and `Path=/console`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cairn_crypto::MasterKey;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

/// The cookie's name.
pub const COOKIE_NAME: &str = "cairn_console";
/// How long a session lasts, in seconds (8 hours).
pub const SESSION_SECONDS: i64 = 8 * 60 * 60;
/// What the seal is bound to: a sealed value made for anything else does not open here.
const SEAL_CONTEXT: &str = "cairn-console-session-v1";

/// One signed-in user.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The access key id.
    pub access_key_id: String,
    /// Its secret; used only to sign the API calls the console makes for this user.
    pub secret_access_key: String,
    /// The region EC2, Resolver and Profiles calls are signed for.
    pub region: String,
    /// Unix seconds after which the session is refused.
    pub expires: i64,
    /// The token every POST form of this session must carry (hex, 32 random bytes).
    pub csrf: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session for a key pair, starting at `now` (Unix seconds), with a fresh CSRF
    /// token.
    pub fn new(access_key_id: String, secret_access_key: String, region: String, now: i64) -> Self {
        let mut token = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut token);
        Self {
            access_key_id,
            secret_access_key,
            region,
            expires: now + SESSION_SECONDS,
            csrf: hex::encode(token),
        }
    }

    /// The cookie value: the session sealed under `key`.
    pub fn seal(&self, key: &MasterKey) -> String {
        let json = serde_json::to_vec(self).expect("a session always serializes");
        URL_SAFE_NO_PAD.encode(key.seal(SEAL_CONTEXT, &json))
    }

    /// Opens a cookie value; `None` when it was not sealed by `key`, was altered, or has
    /// expired at `now`.
    pub fn open(value: &str, key: &MasterKey, now: i64) -> Option<Self> {
        let sealed = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        let json = key.open(SEAL_CONTEXT, &sealed).ok()?;
        let session: Self = serde_json::from_slice(&json).ok()?;
        (session.expires > now).then_some(session)
    }

    /// Whether a submitted form token is this session's (compared in constant time).
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), submitted.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The `Set-Cookie` value that stores this session.
    pub fn set_cookie(&self, key: &MasterKey) -> String {
        format!(
            "{COOKIE_NAME}={}; HttpOnly; SameSite=Strict; Path=/console; Max-Age={SESSION_SECONDS}",
            self.seal(key)
        )
    }
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn clear_cookie() -> String {
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/console; Max-Age=0")
}

/// The console cookie's value in a `Cookie` header, if any.
pub fn cookie_value(cookie_header: &str) -> Option<&str> {
    cookie_header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE_NAME).then_some(value)
    })
}

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_bytes(&[byte; 32])
    }

    fn session() -> Session {
        Session::new("AKID".into(), "s3cret".into(), "us-east-1".into(), 1_000)
    }

    #[test]
    fn sealed_session_opens_with_the_same_key_and_hides_the_secret() {
        let s = session();
        let sealed = s.seal(&key(1));
        assert!(!sealed.contains("s3cret"));
        let decoded = URL_SAFE_NO_PAD.decode(&sealed).expect("base64url");
        assert!(!String::from_utf8_lossy(&decoded).contains("s3cret"));
        assert_eq!(Session::open(&sealed, &key(1), 1_001), Some(s));
    }

    #[test]
    fn session_does_not_open_with_another_key_altered_or_expired() {
        let s = session();
        let sealed = s.seal(&key(1));
        assert_eq!(Session::open(&sealed, &key(2), 1_001), None);
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("base64url");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            Session::open(&URL_SAFE_NO_PAD.encode(&bytes), &key(1), 1_001),
            None
        );
        assert_eq!(
            Session::open(&sealed, &key(1), 1_000 + SESSION_SECONDS),
            None
        );
        assert_eq!(Session::open("not a cookie", &key(1), 1_001), None);
    }

    #[test]
    fn csrf_token_is_random_per_session_and_must_match_exactly() {
        let a = session();
        let b = session();
        assert_ne!(a.csrf, b.csrf);
        assert_eq!(a.csrf.len(), 64);
        assert!(a.csrf_matches(&a.csrf.clone()));
        assert!(!a.csrf_matches(&b.csrf));
        assert!(!a.csrf_matches(""));
        assert!(!a.csrf_matches(&a.csrf[..63]));
    }

    #[test]
    fn cookie_has_the_protective_attributes() {
        let cookie = session().set_cookie(&key(1));
        assert!(cookie.starts_with("cairn_console="));
        for attribute in [
            "HttpOnly",
            "SameSite=Strict",
            "Path=/console",
            "Max-Age=28800",
        ] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert_eq!(cookie_value("a=1; cairn_console=xyz; b=2"), Some("xyz"));
        assert_eq!(cookie_value("a=1"), None);
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let text = format!("{:?}", session());
        assert!(!text.contains("s3cret"));
    }
}

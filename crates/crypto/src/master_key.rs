//! The node master key: private keys (KMS keys, zone-signing keys) are sealed with it before
//! they are written to the store, so a copy of the database alone reveals no key.
//!
//! The key is 32 random bytes, given as `CAIRN_MASTER_KEY` (base64 or 64 hex digits) or kept
//! in `<data-dir>/master.key` (base64, created with mode 0600 on first start). Every node
//! that shares a PostgreSQL store must be given the same key.
//!
//! A sealed value is `1 ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)`. The caller's
//! `context` (for example `kms-key:<key id>`) is authenticated with it, so a sealed value
//! copied into another row does not open there.

use std::path::Path;

use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

/// The environment variable that gives the master key.
pub const MASTER_KEY_ENV: &str = "CAIRN_MASTER_KEY";
/// The file in the data dir that keeps the master key when the environment does not give it.
pub const MASTER_KEY_FILE: &str = "master.key";

const VERSION: u8 = 1;

/// Why a master key could not be loaded, or a sealed value not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key given is not 32 bytes of base64 or hex.
    #[error("the master key must be 32 bytes, as base64 or 64 hex digits: {0}")]
    BadKey(String),
    /// The key file could not be read or created.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The sealed value is damaged, belongs to another context, or was sealed by another key.
    #[error("a sealed key could not be opened: wrong master key, or damaged data")]
    Open,
}

/// The node master key.
pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).expect("32 bytes is an AES-256 key");
        MasterKey {
            key: LessSafeKey::new(unbound),
        }
    }

    /// A key from its text: base64 (standard, padded or not) or 64 hex digits.
    pub fn from_text(text: &str) -> Result<Self, SealError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|e| SealError::BadKey(e.to_string()))?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
                .map_err(|e| SealError::BadKey(e.to_string()))?
        };
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SealError::BadKey(format!("{} bytes given", b.len())))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// The node's key: `CAIRN_MASTER_KEY` when set, else `<data_dir>/master.key`, which is
    /// created (32 random bytes, mode 0600) when missing.
    pub fn load(data_dir: &Path) -> Result<Self, SealError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            return Self::from_text(&text);
        }
        Self::load_file(&data_dir.join(MASTER_KEY_FILE))
    }

    /// The key kept in `path`, created when missing.
    pub fn load_file(path: &Path) -> Result<Self, SealError> {
        let io = |source| SealError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut bytes)
                    .expect("the system random source works");
                let text = base64::engine::general_purpose::STANDARD.encode(bytes);
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                write_private(path, &format!("{text}\n")).map_err(io)?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Seals `plaintext` under this key, bound to `context`.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system random source works");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut body,
            )
            .expect("AES-GCM seals any length Cairn uses");
        out.extend_from_slice(&body);
        out
    }

    /// Opens what [`seal`](Self::seal) sealed with the same key and `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(SealError::Open);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().expect("length checked");
        let mut body = sealed[1 + NONCE_LEN..].to_vec();
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut body,
            )
            .map_err(|_| SealError::Open)?;
        Ok(plain.to_vec())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let key = MasterKey::from_bytes(&[7; 32]);
        let sealed = key.seal("kms-key:1", b"secret");
        assert_eq!(key.open("kms-key:1", &sealed).unwrap(), b"secret");
        assert!(key.open("kms-key:2", &sealed).is_err());
        assert!(MasterKey::from_bytes(&[8; 32])
            .open("kms-key:1", &sealed)
            .is_err());
        let mut damaged = sealed.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(key.open("kms-key:1", &damaged).is_err());
    }

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(MASTER_KEY_FILE);
        let first = MasterKey::load_file(&path).unwrap();
        let sealed = first.seal("c", b"x");
        let again = MasterKey::load_file(&path).unwrap();
        assert_eq!(again.open("c", &sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn keys_are_read_as_base64_or_hex_and_wrong_lengths_refused() {
        assert!(MasterKey::from_text(&"ab".repeat(32)).is_ok());
        assert!(MasterKey::from_text("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").is_ok());
        assert!(matches!(
            MasterKey::from_text("AAAA"),
            Err(SealError::BadKey(_))
        ));
    }
}

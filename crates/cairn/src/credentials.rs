//! The root access key: from `CAIRN_ACCESS_KEY_ID`/`CAIRN_SECRET_ACCESS_KEY`, or generated on
//! first start, kept in `<data-dir>/credentials.json` (mode 0600) and printed once.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// An access key pair.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RootKey {
    /// Access key id.
    pub(crate) access_key_id: String,
    /// Secret access key.
    pub(crate) secret_access_key: String,
}

/// Finds or creates the root key.
pub(crate) fn load_or_create(data_dir: &Path) -> Result<RootKey, String> {
    let id = std::env::var("CAIRN_ACCESS_KEY_ID")
        .ok()
        .filter(|v| !v.is_empty());
    let secret = std::env::var("CAIRN_SECRET_ACCESS_KEY")
        .ok()
        .filter(|v| !v.is_empty());
    match (id, secret) {
        (Some(access_key_id), Some(secret_access_key)) => {
            return Ok(RootKey {
                access_key_id,
                secret_access_key,
            })
        }
        (None, None) => {}
        _ => {
            return Err(
                "set both CAIRN_ACCESS_KEY_ID and CAIRN_SECRET_ACCESS_KEY, or neither".into(),
            )
        }
    }
    let path = data_dir.join("credentials.json");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let key = RootKey {
        access_key_id: format!(
            "AKIA{}",
            random_chars(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        ),
        secret_access_key: random_chars(
            40,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        ),
    };
    write_private(
        &path,
        &serde_json::to_vec_pretty(&key).expect("a key serialises"),
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "cairn: generated a root access key, stored in {}. Use it with:\n  \
         export AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_DEFAULT_REGION=us-east-1",
        path.display(),
        key.access_key_id,
        key.secret_access_key
    );
    Ok(key)
}

fn random_chars(n: usize, alphabet: &[u8]) -> String {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("/dev/urandom is readable");
    bytes
        .iter()
        .map(|b| alphabet[*b as usize % alphabet.len()] as char)
        .collect()
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

//! TSIG (RFC 8945): HMAC-SHA256 and HMAC-SHA512 keys given with `--tsig-key`, checking a
//! request's signature and signing the responses, one message or a stream of them.
//!
//! What is hashed (§4.3.3): for a request, the message without its TSIG record (the
//! additional count one lower, the original id back) and the TSIG variables; for the first
//! response, the request's MAC first; for each later message of a multi-message answer
//! (§5.3.1), the previous message's MAC, the message, and only the timers.

use base64::Engine;
use ring::hmac;

use super::wire::{self, put_record, CLASS_ANY};

/// The TSIG record type.
pub const TSIG: u16 = 250;
/// The time window a signature is good for, either side of its time (RFC 8945 §10: 300 s).
pub const FUDGE: u16 = 300;
/// The response code of a failed check (RFC 8945 §5.2): NOTAUTH, with the detail in the
/// TSIG record's error field.
pub const NOTAUTH: u8 = 9;
/// The signature does not verify.
pub const BADSIG: u16 = 16;
/// The key is not known.
pub const BADKEY: u16 = 17;
/// The signature's time is outside the fudge.
pub const BADTIME: u16 = 18;

/// A TSIG algorithm Cairn signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `hmac-sha256`.
    HmacSha256,
    /// `hmac-sha512`.
    HmacSha512,
}

impl Algorithm {
    /// The algorithm called `text` (as `--tsig-key` and dig's `-y` spell it).
    pub fn from_text(text: &str) -> Option<Self> {
        match text.trim_end_matches('.').to_ascii_lowercase().as_str() {
            "hmac-sha256" => Some(Self::HmacSha256),
            "hmac-sha512" => Some(Self::HmacSha512),
            _ => None,
        }
    }

    /// Its name in wire form, as the TSIG record carries it.
    pub fn name_wire(self) -> &'static [u8] {
        match self {
            Self::HmacSha256 => b"\x0bhmac-sha256\x00",
            Self::HmacSha512 => b"\x0bhmac-sha512\x00",
        }
    }

    /// Its name as text.
    pub fn name(self) -> &'static str {
        match self {
            Self::HmacSha256 => "hmac-sha256",
            Self::HmacSha512 => "hmac-sha512",
        }
    }

    fn ring(self) -> hmac::Algorithm {
        match self {
            Self::HmacSha256 => hmac::HMAC_SHA256,
            Self::HmacSha512 => hmac::HMAC_SHA512,
        }
    }
}

/// A shared secret and its name.
#[derive(Clone)]
pub struct TsigKey {
    name: Vec<u8>,
    text: String,
    algorithm: Algorithm,
    key: hmac::Key,
}

impl std::fmt::Debug for TsigKey {
    // Never the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TsigKey({} {})", self.text, self.algorithm.name())
    }
}

impl TsigKey {
    /// A key from `--tsig-key NAME:ALGORITHM:BASE64`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let (Some(name), Some(algorithm), Some(secret)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "--tsig-key {text:?}: expected NAME:ALGORITHM:BASE64, e.g. xfr-key:hmac-sha256:c2VjcmV0"
            ));
        };
        let algorithm = Algorithm::from_text(algorithm).ok_or_else(|| {
            format!("--tsig-key {name}: algorithm {algorithm:?} is not hmac-sha256 or hmac-sha512")
        })?;
        let secret = base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .map_err(|_| format!("--tsig-key {name}: the secret is not base64"))?;
        Self::new(name, algorithm, &secret)
    }

    /// A key called `name` (a domain name) with `secret`.
    pub fn new(name: &str, algorithm: Algorithm, secret: &[u8]) -> Result<Self, String> {
        let key_name = cairn_wire::NameKey::from_text(name)
            .map_err(|e| format!("--tsig-key {name:?}: the key name is not a domain name: {e}"))?;
        if secret.is_empty() {
            return Err(format!("--tsig-key {name}: the secret is empty"));
        }
        Ok(Self {
            name: cairn_wire::name::to_lowercase(&key_name),
            text: name.trim_end_matches('.').to_string(),
            algorithm,
            key: hmac::Key::new(algorithm.ring(), secret),
        })
    }

    /// Its name as text (no trailing dot).
    pub fn name(&self) -> &str {
        &self.text
    }

    /// Its algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

/// A TSIG record found at the end of a message.
#[derive(Debug, Clone)]
pub struct TsigRecord<'m> {
    /// Where the record starts: the message before it is what was signed.
    pub start: usize,
    /// The key name, lowercased.
    pub key_name: Vec<u8>,
    /// The algorithm name, lowercased.
    pub algorithm: Vec<u8>,
    /// Seconds since the epoch (48 bits).
    pub time_signed: u64,
    /// The allowed clock difference.
    pub fudge: u16,
    /// The MAC.
    pub mac: &'m [u8],
    /// The message id when signed.
    pub original_id: u16,
    /// The TSIG error.
    pub error: u16,
    /// Other data (the server's time in a BADTIME answer).
    pub other: &'m [u8],
}

/// A message whose records cannot be walked, or whose TSIG is malformed or not last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// The TSIG record of `msg`: `Ok(None)` when it has none, `Err` when the message or the
/// record is malformed, or a TSIG is not the last record (RFC 8945 §5.1: FORMERR).
pub fn find(msg: &[u8]) -> Result<Option<TsigRecord<'_>>, Malformed> {
    let counts = wire::Counts::of(msg).ok_or(Malformed)?;
    let mut pos = wire::skip_questions(msg, counts.qd).ok_or(Malformed)?;
    let total = usize::from(counts.an) + usize::from(counts.ns) + usize::from(counts.ar);
    let mut last = None;
    for i in 0..total {
        let record = wire::skip_record(msg, pos).ok_or(Malformed)?;
        if record.rtype == TSIG && i + 1 != total {
            return Err(Malformed);
        }
        last = Some(record);
        pos = record.end;
    }
    let Some(record) = last.filter(|r| r.rtype == TSIG && counts.ar > 0) else {
        return Ok(None);
    };
    let (key_name, _) = wire::read_name(msg, record.start).ok_or(Malformed)?;
    let rdata = &msg[record.rdata..record.end];
    let (algorithm, mut p) = wire::read_name(rdata, 0).ok_or(Malformed)?;
    let field = |at: usize, len: usize| rdata.get(at..at + len).ok_or(Malformed);
    let time = field(p, 6)?;
    let time_signed = time.iter().fold(0u64, |t, b| t << 8 | u64::from(*b));
    let fudge = wire::u16_at(rdata, p + 6).ok_or(Malformed)?;
    let mac_len = usize::from(wire::u16_at(rdata, p + 8).ok_or(Malformed)?);
    p += 10;
    let mac = field(p, mac_len)?;
    p += mac_len;
    let original_id = wire::u16_at(rdata, p).ok_or(Malformed)?;
    let error = wire::u16_at(rdata, p + 2).ok_or(Malformed)?;
    let other_len = usize::from(wire::u16_at(rdata, p + 4).ok_or(Malformed)?);
    let other = field(p + 6, other_len)?;
    if p + 6 + other_len != rdata.len() {
        return Err(Malformed);
    }
    Ok(Some(TsigRecord {
        start: record.start,
        key_name,
        algorithm,
        time_signed,
        fudge,
        mac,
        original_id,
        error,
        other,
    }))
}

/// What checking a request's TSIG found.
#[derive(Debug)]
pub enum Check<'k> {
    /// The request is not signed.
    Unsigned,
    /// Signed with `key`, and the MAC verifies: sign the response with [`Signer`].
    Valid(Signer<'k>),
    /// NOTAUTH with this TSIG error (RFC 8945 §5.2); `signer` is set for BADTIME, whose
    /// response is signed, and `None` for BADKEY and BADSIG, whose response carries no MAC.
    Failed {
        /// BADKEY, BADSIG or BADTIME.
        error: u16,
        /// The request's key and algorithm names, echoed in the response's TSIG.
        key_name: Vec<u8>,
        /// The request's algorithm name.
        algorithm: Vec<u8>,
        /// The signer of a BADTIME response.
        signer: Option<Signer<'k>>,
    },
    /// The TSIG record is malformed or misplaced: FORMERR.
    Malformed,
}

/// Checks the TSIG of request `msg` against `keys` at `now` (seconds since the epoch).
pub fn verify<'k>(keys: &'k [TsigKey], msg: &[u8], now: u64) -> Check<'k> {
    let record = match find(msg) {
        Ok(Some(record)) => record,
        Ok(None) => return Check::Unsigned,
        Err(Malformed) => return Check::Malformed,
    };
    let failed = |error, signer| Check::Failed {
        error,
        key_name: record.key_name.clone(),
        algorithm: record.algorithm.clone(),
        signer,
    };
    let Some(key) = keys
        .iter()
        .find(|k| k.name == record.key_name && k.algorithm.name_wire() == record.algorithm)
    else {
        return failed(BADKEY, None);
    };
    let mut signed = unsigned_part(msg, &record);
    signed.extend_from_slice(&variables(
        &record.key_name,
        &record.algorithm,
        record.time_signed,
        record.fudge,
        record.error,
        record.other,
    ));
    // Only the full MAC is accepted (no truncation; RFC 8945 §5.2.2.1 lets a server refuse it).
    if record.mac.len() != key.algorithm.ring().digest_algorithm().output_len()
        || hmac::verify(&key.key, &signed, record.mac).is_err()
    {
        return failed(BADSIG, None);
    }
    let signer = Signer {
        key,
        prior_mac: record.mac.to_vec(),
        first: true,
        time: now,
    };
    if now.abs_diff(record.time_signed) > u64::from(record.fudge) {
        return failed(BADTIME, Some(signer));
    }
    Check::Valid(signer)
}

/// Signs messages with one key: a request, or the responses to a signed request in order.
#[derive(Clone)]
pub struct Signer<'k> {
    key: &'k TsigKey,
    /// The MAC the next message's digest starts with (none for a request).
    prior_mac: Vec<u8>,
    /// Whether the next message is the first of its answer (all variables hashed).
    first: bool,
    time: u64,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({:?})", self.key)
    }
}

impl<'k> Signer<'k> {
    /// A signer of a request (a NOTIFY) with `key` at `time`.
    pub fn request(key: &'k TsigKey, time: u64) -> Self {
        Self {
            key,
            prior_mac: Vec::new(),
            first: true,
            time,
        }
    }

    /// A signer of the responses to a request whose MAC is `request_mac`: what a client
    /// recomputes to check the responses it receives.
    pub fn response(key: &'k TsigKey, request_mac: &[u8], time: u64) -> Self {
        Self {
            key,
            prior_mac: request_mac.to_vec(),
            first: true,
            time,
        }
    }

    /// The MAC of the last message signed (a request's, to check its response).
    pub fn mac(&self) -> &[u8] {
        &self.prior_mac
    }

    /// Appends the TSIG record to `msg` (whose id is the original id), with `error` and
    /// `other` data, and counts it in the additional section.
    pub fn sign(&mut self, msg: &mut Vec<u8>, error: u16, other: &[u8]) {
        let mut ctx = hmac::Context::with_key(&self.key.key);
        if !self.prior_mac.is_empty() {
            ctx.update(&(self.prior_mac.len() as u16).to_be_bytes());
            ctx.update(&self.prior_mac);
        }
        ctx.update(msg);
        let algorithm = self.key.algorithm.name_wire();
        if self.first {
            ctx.update(&variables(
                &self.key.name,
                algorithm,
                self.time,
                FUDGE,
                error,
                other,
            ));
        } else {
            ctx.update(&timers(self.time, FUDGE));
        }
        let mac = ctx.sign();
        let id = wire::u16_at(msg, 0).unwrap_or(0);
        append(
            msg,
            &self.key.name,
            algorithm,
            self.time,
            mac.as_ref(),
            id,
            error,
            other,
        );
        self.prior_mac = mac.as_ref().to_vec();
        self.first = false;
    }
}

/// Appends the unsigned TSIG record of a BADKEY or BADSIG response (RFC 8945 §5.3.2: no MAC).
pub fn append_unsigned(
    msg: &mut Vec<u8>,
    key_name: &[u8],
    algorithm: &[u8],
    time: u64,
    error: u16,
) {
    let id = wire::u16_at(msg, 0).unwrap_or(0);
    append(msg, key_name, algorithm, time, &[], id, error, &[]);
}

#[allow(clippy::too_many_arguments)] // the record's fields, in their order
fn append(
    msg: &mut Vec<u8>,
    key_name: &[u8],
    algorithm: &[u8],
    time: u64,
    mac: &[u8],
    original_id: u16,
    error: u16,
    other: &[u8],
) {
    let mut rdata = Vec::with_capacity(algorithm.len() + 16 + mac.len() + other.len());
    rdata.extend_from_slice(algorithm);
    rdata.extend_from_slice(&time.to_be_bytes()[2..]);
    rdata.extend_from_slice(&FUDGE.to_be_bytes());
    rdata.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    rdata.extend_from_slice(mac);
    rdata.extend_from_slice(&original_id.to_be_bytes());
    rdata.extend_from_slice(&error.to_be_bytes());
    rdata.extend_from_slice(&(other.len() as u16).to_be_bytes());
    rdata.extend_from_slice(other);
    put_record(msg, key_name, TSIG, CLASS_ANY, 0, &rdata);
    wire::bump_count(msg, 10, 1);
}

/// The signed part of a request: the message before the TSIG record, with the additional
/// count one lower and the original id.
fn unsigned_part(msg: &[u8], record: &TsigRecord<'_>) -> Vec<u8> {
    let mut part = msg[..record.start].to_vec();
    part[0..2].copy_from_slice(&record.original_id.to_be_bytes());
    wire::bump_count(&mut part, 10, u16::MAX);
    part
}

/// The TSIG variables (RFC 8945 §4.3.3).
fn variables(
    key_name: &[u8],
    algorithm: &[u8],
    time: u64,
    fudge: u16,
    error: u16,
    other: &[u8],
) -> Vec<u8> {
    let mut v = Vec::with_capacity(key_name.len() + algorithm.len() + 20 + other.len());
    v.extend_from_slice(key_name);
    v.extend_from_slice(&CLASS_ANY.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes());
    v.extend_from_slice(algorithm);
    v.extend_from_slice(&timers(time, fudge));
    v.extend_from_slice(&error.to_be_bytes());
    v.extend_from_slice(&(other.len() as u16).to_be_bytes());
    v.extend_from_slice(other);
    v
}

/// Time signed (48 bits) and fudge.
fn timers(time: u64, fudge: u16) -> [u8; 8] {
    let mut t = [0u8; 8];
    t[..6].copy_from_slice(&time.to_be_bytes()[2..]);
    t[6..].copy_from_slice(&fudge.to_be_bytes());
    t
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;

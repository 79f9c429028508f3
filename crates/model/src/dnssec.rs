//! What a signed hosted zone hands the data plane (issue 18): its zone-signing keys, sealed,
//! and its DNSKEY RRset with the signatures the key-signing keys made over it.
//!
//! The control plane (Route 53's DNSSEC API, with the KSK's KMS key) keeps this in the store;
//! the change feed carries it with the zone (`ZoneContents::dnssec`); the data plane opens the
//! ZSK with the node master key and signs every answer online. No I/O here.
//!
//! The control plane's side is [`ZoneSigning`]: the zone's signing status, its key-signing
//! keys ([`KeySigningKey`], each backed by a KMS key) and what it last signed. The rules
//! Route 53 applies to the seven DNSSEC operations are pure functions over it, in
//! [`rules`]; they refuse with [`DnssecError`], which the API words as Route 53 does.

use serde::{Deserialize, Serialize};

use crate::resolver_status::text_enum;
use crate::HostedZoneId;

pub mod rollover;
pub mod rules;

pub use rules::DnssecError;

/// A signed zone's keys, as the data plane needs them. `None` on a zone that is not signing.
/// (Serialized only into a node's saved snapshot, with the ZSKs still sealed.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneDnssec {
    /// The zone-signing keys in the DNSKEY RRset. Exactly one is `active` (it signs); others
    /// are published ahead of a rollover, or kept until signatures made with them expire.
    pub zsks: Vec<ZoneSigningKey>,
    /// The DNSKEY RRset's RDATA, every record (active KSKs and the ZSKs), in serving order.
    pub dnskeys: Vec<Vec<u8>>,
    /// The DNSKEY RRset's TTL.
    pub dnskey_ttl: u32,
    /// RRSIG RDATA over that DNSKEY RRset, one per active KSK, made by the control plane with
    /// the KSK's KMS key (the data plane has no KSK private key).
    pub dnskey_rrsigs: Vec<Vec<u8>>,
}

/// A zone-signing key (DNSSEC algorithm 13, ECDSAP256SHA256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSigningKey {
    /// Its key tag.
    pub key_tag: u16,
    /// Its public key, `x‖y` (64 bytes).
    #[serde(with = "hex_bytes")]
    pub public_key: Vec<u8>,
    /// Its PKCS#8 private key, sealed with the node master key under
    /// [`zsk_seal_context`]`(zone, key_tag)`.
    #[serde(with = "hex_bytes")]
    pub sealed_private_key: Vec<u8>,
    /// Whether it signs answers now.
    pub active: bool,
    /// When it entered the DNSKEY RRset (seconds since the epoch; 0 if stored before
    /// rollover existed). See [`rollover`].
    #[serde(default)]
    pub published_at: i64,
    /// When it began signing (0: never, or unknown).
    #[serde(default)]
    pub activated_at: i64,
    /// When it stopped signing, a successor taking over (0: it has not); it stays
    /// published until the signatures it made have left caches.
    #[serde(default)]
    pub retired_at: i64,
}

/// The context a zone-signing key's private key is sealed under, so that a sealed key moved
/// to another zone's row does not open.
pub fn zsk_seal_context(zone: &HostedZoneId, key_tag: u16) -> String {
    format!("zsk:{}:{key_tag}", zone.as_str())
}

text_enum!(
    /// A key-signing key's `Status`.
    KskStatus {
        /// `ACTIVE`: its DNSKEY is published and it signs the DNSKEY RRset.
        Active = "ACTIVE",
        /// `INACTIVE`: kept, not published, not signing.
        Inactive = "INACTIVE",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `ACTION_NEEDED`: its KMS key could not sign (disabled, deleted, unreachable).
        ActionNeeded = "ACTION_NEEDED",
        /// `INTERNAL_FAILURE`.
        InternalFailure = "INTERNAL_FAILURE",
    }
);

text_enum!(
    /// A zone's `ServeSignature`: whether it is signed.
    SigningStatus {
        /// `SIGNING`.
        Signing = "SIGNING",
        /// `NOT_SIGNING`: every zone before EnableHostedZoneDNSSEC, and after Disable.
        NotSigning = "NOT_SIGNING",
        /// `DELETING`.
        Deleting = "DELETING",
        /// `ACTION_NEEDED`: a KSK's KMS key failed; answers stay signed while the stored
        /// DNSKEY signatures last.
        ActionNeeded = "ACTION_NEEDED",
        /// `INTERNAL_FAILURE`.
        InternalFailure = "INTERNAL_FAILURE",
    }
);

/// A key-signing key: a name in the zone for a KMS key (ECC_NIST_P256, SIGN_VERIFY).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySigningKey {
    /// `Name`: 3–128 letters, digits and `_`, unique in the zone.
    pub name: String,
    /// `KmsArn`, unique in the zone.
    pub kms_arn: String,
    /// `Status`.
    pub status: KskStatus,
    /// `StatusMessage`, when something went wrong.
    pub status_message: Option<String>,
    /// The KMS key's public key, `x‖y` (64 bytes), read when the KSK was created.
    #[serde(with = "hex_bytes")]
    pub public_key: Vec<u8>,
    /// `CreatedDate`, ms since the epoch.
    pub created_at_ms: i64,
    /// `LastModifiedDate`.
    pub last_modified_at_ms: i64,
}

impl KeySigningKey {
    /// Whether its DNSKEY is in the zone's DNSKEY RRset and it signs that RRset: `ACTIVE`,
    /// and `ACTION_NEEDED` (active, but its last signing failed).
    pub fn is_active(&self) -> bool {
        matches!(self.status, KskStatus::Active | KskStatus::ActionNeeded)
    }
}

/// A zone's whole DNSSEC state as the control plane keeps it: status, KSKs, ZSKs, and the
/// DNSKEY RRset with the signatures its KSKs last made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSigning {
    /// `ServeSignature`.
    pub status: SigningStatus,
    /// `StatusMessage`.
    pub status_message: Option<String>,
    /// The key-signing keys, in creation order.
    pub ksks: Vec<KeySigningKey>,
    /// The zone-signing keys (empty until signing is first enabled).
    pub zsks: Vec<ZoneSigningKey>,
    /// The DNSKEY RRset that was signed, RDATA each (active KSKs, then the ZSKs).
    #[serde(with = "hex_list")]
    pub dnskeys: Vec<Vec<u8>>,
    /// Its TTL.
    pub dnskey_ttl: u32,
    /// RRSIG RDATA over `dnskeys`, one per KSK that signed.
    #[serde(with = "hex_list")]
    pub dnskey_rrsigs: Vec<Vec<u8>>,
    /// When the earliest of `dnskey_rrsigs` expires (seconds since the epoch; 0 when none):
    /// the background re-signer renews before then.
    pub signatures_expire_at: i64,
    /// Bumped by every write; a write made from an older read is refused
    /// (`ConcurrentModification`), so signatures always match the keys stored with them.
    #[serde(skip)]
    pub version: i64,
}

/// The DNSKEY RRset's TTL. Route 53 does not document its own; an hour is what BIND's and
/// Knot's default policies use.
pub const DNSKEY_TTL: u32 = 3600;

impl Default for ZoneSigning {
    fn default() -> Self {
        ZoneSigning {
            status: SigningStatus::NotSigning,
            status_message: None,
            ksks: Vec::new(),
            zsks: Vec::new(),
            dnskeys: Vec::new(),
            dnskey_ttl: DNSKEY_TTL,
            dnskey_rrsigs: Vec::new(),
            signatures_expire_at: 0,
            version: 0,
        }
    }
}

impl ZoneSigning {
    /// The KSK named `name`.
    pub fn ksk(&self, name: &str) -> Option<&KeySigningKey> {
        self.ksks.iter().find(|k| k.name == name)
    }

    /// The KSKs that sign the DNSKEY RRset.
    pub fn active_ksks(&self) -> impl Iterator<Item = &KeySigningKey> {
        self.ksks.iter().filter(|k| k.is_active())
    }

    /// Whether the zone is signed (`SIGNING`, or `ACTION_NEEDED` while it still signs).
    pub fn is_signing(&self) -> bool {
        matches!(
            self.status,
            SigningStatus::Signing | SigningStatus::ActionNeeded
        )
    }

    /// What the data plane serves: `Some` only while the zone is signing with an active
    /// ZSK and a signed DNSKEY RRset.
    pub fn serving(&self) -> Option<ZoneDnssec> {
        if !self.is_signing()
            || !self.zsks.iter().any(|z| z.active)
            || self.dnskey_rrsigs.is_empty()
        {
            return None;
        }
        Some(ZoneDnssec {
            zsks: self.zsks.clone(),
            dnskeys: self.dnskeys.clone(),
            dnskey_ttl: self.dnskey_ttl,
            dnskey_rrsigs: self.dnskey_rrsigs.clone(),
        })
    }
}

/// Bytes as a hex string in stored JSON.
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// A list of byte strings as hex strings in stored JSON.
mod hex_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = list.iter().map(hex::encode).collect();
        texts.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| hex::decode(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

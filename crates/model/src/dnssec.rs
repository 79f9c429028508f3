//! What a signed hosted zone hands the data plane (issue 18): its zone-signing keys, sealed,
//! and its DNSKEY RRset with the signatures the key-signing keys made over it.
//!
//! The control plane (Route 53's DNSSEC API, with the KSK's KMS key) keeps this in the store;
//! the change feed carries it with the zone (`ZoneContents::dnssec`); the data plane opens the
//! ZSK with the node master key and signs every answer online. No I/O here.

use crate::HostedZoneId;

/// A signed zone's keys, as the data plane needs them. `None` on a zone that is not signing.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSigningKey {
    /// Its key tag.
    pub key_tag: u16,
    /// Its public key, `x‖y` (64 bytes).
    pub public_key: Vec<u8>,
    /// Its PKCS#8 private key, sealed with the node master key under
    /// [`zsk_seal_context`]`(zone, key_tag)`.
    pub sealed_private_key: Vec<u8>,
    /// Whether it signs answers now.
    pub active: bool,
}

/// The context a zone-signing key's private key is sealed under, so that a sealed key moved
/// to another zone's row does not open.
pub fn zsk_seal_context(zone: &HostedZoneId, key_tag: u16) -> String {
    format!("zsk:{}:{key_tag}", zone.as_str())
}

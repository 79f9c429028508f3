//! A signed zone's active zone-signing key, opened once when the zone is compiled, and the
//! DNSKEY RRset it serves at the apex.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use cairn_crypto::dnssec::{self, Dnskey, RrsigFields, ALGORITHM_ECDSAP256SHA256, FLAGS_ZSK};
use cairn_crypto::{MasterKey, P256Key};
use cairn_model::dnssec::zsk_seal_context;
use cairn_store::ZoneContents;
use cairn_wire::Rdata;

use super::cache::SignatureCache;

/// How long before signing a signature starts to be valid: clocks of validators may lag.
pub const INCEPTION_OFFSET: u32 = 3600;
/// How long a signature stays valid after it was made.
pub const VALIDITY: u32 = 7 * 86_400;

/// The DNS class IN.
const CLASS_IN: u16 = 1;

/// Signed zones whose key could not be opened since the process started (each was logged).
static KEYS_NOT_OPENED: AtomicU64 = AtomicU64::new(0);

/// How many signed zones were served unsigned because their zone-signing key did not open
/// (no master key, a different master key, a key that does not match its DNSKEY).
pub fn keys_not_opened() -> u64 {
    KEYS_NOT_OPENED.load(Ordering::Relaxed)
}

/// What signs one zone's answers.
pub struct ZoneSigner {
    key: P256Key,
    public_key: [u8; 64],
    key_tag: u16,
    /// The apex, canonical wire: the RRSIG signer name.
    signer: Box<[u8]>,
    /// The DNSKEY RRset as stored (KSKs and ZSKs), its TTL and the KSKs' RRSIGs over it.
    pub dnskeys: Vec<Rdata>,
    /// The DNSKEY RRset's TTL.
    pub dnskey_ttl: u32,
    /// The KSKs' RRSIGs over [`Self::dnskeys`], made by the control plane.
    pub dnskey_rrsigs: Vec<Rdata>,
    /// Signatures made with this key, shared by every compile of the zone with the same key.
    cache: Arc<SignatureCache>,
}

impl std::fmt::Debug for ZoneSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoneSigner")
            .field("key_tag", &self.key_tag)
            .field("dnskeys", &self.dnskeys.len())
            .finish_non_exhaustive()
    }
}

impl ZoneSigner {
    /// The signer of `contents` (a public zone with DNSSEC data), its active ZSK opened with
    /// `master_key`. `None` for unsigned and private zones, and (logged and counted) when
    /// the key does not open or does not match the DNSKEY RRset: the zone is then served
    /// unsigned rather than with signatures no validator accepts. `prev`, the zone's signer
    /// in the snapshot being replaced, lends its signature cache when the key is the same.
    pub fn open(
        contents: &ZoneContents,
        master_key: Option<&MasterKey>,
        prev: Option<&ZoneSigner>,
    ) -> Option<ZoneSigner> {
        let dnssec = contents.dnssec.as_ref()?;
        let zone = &contents.zone;
        if zone.private_zone {
            return None;
        }
        match Self::try_open(contents, master_key, prev) {
            Ok(signer) => Some(signer),
            Err(reason) => {
                KEYS_NOT_OPENED.fetch_add(1, Ordering::Relaxed);
                tracing::error!(zone = %zone.id, zsks = dnssec.zsks.len(), reason, "zone-signing key not opened; zone served unsigned");
                None
            }
        }
    }

    fn try_open(
        contents: &ZoneContents,
        master_key: Option<&MasterKey>,
        prev: Option<&ZoneSigner>,
    ) -> Result<ZoneSigner, &'static str> {
        let dnssec = contents.dnssec.as_ref().ok_or("no DNSSEC data")?;
        let master_key = master_key.ok_or("no master key on this node")?;
        let mut active = dnssec.zsks.iter().filter(|k| k.active);
        let zsk = active.next().ok_or("no active zone-signing key")?;
        if active.next().is_some() {
            return Err("more than one active zone-signing key");
        }
        let context = zsk_seal_context(&contents.zone.id, zsk.key_tag);
        let pkcs8 = master_key
            .open(&context, &zsk.sealed_private_key)
            .map_err(|_| "the sealed key does not open with this node's master key")?;
        let key = P256Key::from_pkcs8(&pkcs8).map_err(|_| "the opened key is not a P-256 key")?;
        let public_key = key.public_key();
        if public_key[..] != zsk.public_key[..] {
            return Err("the private key does not match the stored public key");
        }
        let dnskey = Dnskey::p256(FLAGS_ZSK, &public_key);
        if dnskey.key_tag() != zsk.key_tag {
            return Err("the stored key tag is not the key's");
        }
        // A validator finds the key by tag in the DNSKEY RRset: without it, every
        // signature would be bogus.
        if !dnssec.dnskeys.iter().any(|r| *r == dnskey.rdata()) {
            return Err("the key is not in the DNSKEY RRset");
        }
        let rdata = |rtype: u16, bytes: &Vec<u8>| {
            Rdata::new(rtype, bytes.clone()).map_err(|_| "a DNSKEY or RRSIG does not fit")
        };
        let dnskeys = dnssec
            .dnskeys
            .iter()
            .map(|r| rdata(dnssec::rtype::DNSKEY, r))
            .collect::<Result<Vec<_>, _>>()?;
        let dnskey_rrsigs = dnssec
            .dnskey_rrsigs
            .iter()
            .map(|r| rdata(dnssec::rtype::RRSIG, r))
            .collect::<Result<Vec<_>, _>>()?;
        let cache = match prev {
            Some(prev) if prev.public_key == public_key => prev.cache.clone(),
            _ => Arc::new(SignatureCache::default()),
        };
        Ok(ZoneSigner {
            key,
            public_key,
            key_tag: zsk.key_tag,
            signer: dnssec::canonical_name(contents.zone.name.wire()).into_boxed_slice(),
            dnskeys,
            dnskey_ttl: dnssec.dnskey_ttl,
            dnskey_rrsigs,
            cache,
        })
    }

    /// The active ZSK's key tag.
    pub fn key_tag(&self) -> u16 {
        self.key_tag
    }

    /// The signature cache.
    pub fn cache(&self) -> &SignatureCache {
        &self.cache
    }

    /// The RRSIG over the RRset `rdatas` of `rtype` at `owner` (lowercase wire) with `ttl`,
    /// `labels` as RRSIG counts them (fewer than the owner's for a wildcard expansion), valid
    /// at `now` (seconds since the epoch): from the cache while it has more than a day to
    /// run, else signed now; with its expiration.
    pub fn rrsig(
        &self,
        owner: &[u8],
        rtype: u16,
        ttl: u32,
        labels: u8,
        rdatas: &[&Rdata],
        now: u32,
    ) -> (Arc<Rdata>, u32) {
        self.cache
            .get_or_sign(owner, rtype, ttl, labels, rdatas, now, |canon| {
                let fields = RrsigFields {
                    type_covered: rtype,
                    algorithm: ALGORITHM_ECDSAP256SHA256,
                    labels,
                    original_ttl: ttl,
                    expiration: now.wrapping_add(VALIDITY),
                    inception: now.wrapping_sub(INCEPTION_OFFSET),
                    key_tag: self.key_tag,
                    signer: self.signer.to_vec(),
                };
                let data = dnssec::signed_data(&fields, owner, CLASS_IN, canon);
                let signature = self.key.sign_fixed(&data);
                let rrsig = Rdata::new(dnssec::rtype::RRSIG, fields.rdata(&signature))
                    .expect("an RRSIG's RDATA is far below 64 KiB");
                (rrsig, fields.expiration)
            })
    }
}

/// Seconds since the epoch, as RRSIG times count them (modulo 2^32, RFC 4034 §3.1.5).
pub fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

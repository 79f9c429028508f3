//! Signing a zone: its zone-signing key, and its DNSKEY RRset signed by every active KSK
//! through KMS.
//!
//! Validity of the DNSKEY signatures: inception one hour back (clocks of validators that
//! run slow), expiry 14 days ahead. The background re-signer ([`super::resign`]) signs
//! again when fewer than [`RENEW_BEFORE`] seconds remain; every KSK or DNSSEC call signs
//! again too, as Route 53 does.

use cairn_crypto::dnssec::{
    label_count, rtype, signed_data, Dnskey, RrsigFields, ALGORITHM_ECDSAP256SHA256, FLAGS_ZSK,
};
use cairn_crypto::P256Key;
use cairn_model::dnssec::{
    zsk_seal_context, KskStatus, SigningStatus, ZoneSigning, ZoneSigningKey,
};
use cairn_model::{HostedZone, HostedZoneId};

use super::kms::{self, SignFailure};
use super::render::dnskey;
use crate::error::AwsError;
use crate::state::AppState;

/// How far back an RRSIG's inception is set.
pub const INCEPTION_BACKDATE: i64 = 3600;
/// How long a DNSKEY RRSIG is valid.
pub const VALIDITY: i64 = 14 * 86_400;
/// The re-signer renews DNSKEY signatures that expire within this many seconds.
pub const RENEW_BEFORE: i64 = 4 * 86_400;

/// What to do when a KSK's KMS key fails to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnKeyFailure {
    /// Refuse the request (`InvalidKMSArn`): an API call the user is making.
    Refuse,
    /// Mark the KSK and the zone `ACTION_NEEDED` and keep serving what still signs: the
    /// background re-signer.
    MarkActionNeeded,
}

/// A fresh zone-signing key for `zone`, its private key sealed with the node master key,
/// published and signing from `now` (seconds since the epoch).
pub fn new_zsk(state: &AppState, zone: &HostedZoneId, now: i64) -> ZoneSigningKey {
    let key = P256Key::generate();
    let public_key = key.public_key();
    let key_tag = Dnskey::p256(FLAGS_ZSK, &public_key).key_tag();
    let sealed_private_key = state
        .master_key
        .seal(&zsk_seal_context(zone, key_tag), key.pkcs8());
    ZoneSigningKey {
        key_tag,
        public_key: public_key.to_vec(),
        sealed_private_key,
        active: true,
        published_at: now,
        activated_at: now,
        retired_at: 0,
    }
}

/// Signs the DNSKEY RRset of a signing zone (its active KSKs and its ZSKs) with each
/// active KSK, at `now` (seconds since the epoch), and sets the zone's status from the
/// outcome. A zone that is not signing is left as it is.
pub async fn sign_dnskeys(
    state: &AppState,
    zone: &HostedZone,
    signing: &mut ZoneSigning,
    now: i64,
    on_failure: OnKeyFailure,
) -> Result<(), AwsError> {
    if !signing.is_signing() {
        return Ok(());
    }
    if !signing.zsks.iter().any(|z| z.active) {
        signing.zsks.push(new_zsk(state, &zone.id, now));
    }
    let owner = zone.name.wire();
    let mut dnskeys: Vec<Vec<u8>> = signing.active_ksks().map(|k| dnskey(k).rdata()).collect();
    dnskeys.extend(
        signing
            .zsks
            .iter()
            .map(|z| Dnskey::p256(FLAGS_ZSK, &fixed(&z.public_key)).rdata()),
    );
    let records: Vec<&[u8]> = dnskeys.iter().map(Vec::as_slice).collect();
    let expiration = now + VALIDITY;

    let mut rrsigs = Vec::new();
    let mut failed = false;
    let when = now_ms();
    for ksk in signing.ksks.iter_mut().filter(|k| k.is_active()) {
        let fields = RrsigFields {
            type_covered: rtype::DNSKEY,
            algorithm: ALGORITHM_ECDSAP256SHA256,
            labels: label_count(owner),
            original_ttl: signing.dnskey_ttl,
            expiration: expiration as u32,
            inception: (now - INCEPTION_BACKDATE) as u32,
            key_tag: dnskey(ksk).key_tag(),
            signer: cairn_crypto::dnssec::canonical_name(owner),
        };
        let data = signed_data(&fields, owner, 1, &records);
        match kms::sign(state, &ksk.kms_arn, &ksk.public_key, &data).await {
            Ok(signature) => {
                rrsigs.push(fields.rdata(&signature));
                if ksk.status == KskStatus::ActionNeeded {
                    ksk.status = KskStatus::Active;
                    ksk.status_message = None;
                    ksk.last_modified_at_ms = when;
                }
            }
            Err(SignFailure::Store(err)) => return Err(err),
            Err(SignFailure::Key(message)) => match on_failure {
                OnKeyFailure::Refuse => {
                    return Err(cairn_model::dnssec::DnssecError::InvalidKmsArn(
                        ksk.kms_arn.clone(),
                    )
                    .into())
                }
                OnKeyFailure::MarkActionNeeded => {
                    tracing::warn!(zone = %zone.id, ksk = %ksk.name, %message, "KSK could not sign the DNSKEY RRset");
                    failed = true;
                    if ksk.status != KskStatus::ActionNeeded {
                        ksk.status = KskStatus::ActionNeeded;
                        ksk.last_modified_at_ms = when;
                    }
                    ksk.status_message = Some(message);
                }
            },
        }
    }
    if !rrsigs.is_empty() {
        // Keep the last signed RRset when no KSK signed: it is served until it expires.
        signing.dnskeys = dnskeys;
        signing.dnskey_rrsigs = rrsigs;
        signing.signatures_expire_at = expiration;
    }
    signing.status = if failed {
        SigningStatus::ActionNeeded
    } else {
        SigningStatus::Signing
    };
    signing.status_message = None;
    Ok(())
}

/// A stored 64-byte public key (the store only holds what this module wrote).
fn fixed(key: &[u8]) -> [u8; 64] {
    let mut out = [0; 64];
    if key.len() == 64 {
        out.copy_from_slice(key);
    }
    out
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Milliseconds since the epoch (a KSK's `LastModifiedDate`).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

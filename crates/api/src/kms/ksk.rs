//! What Route 53's DNSSEC signing needs of a key-signing key's KMS key: its public key and
//! signatures, in DNSSEC's forms (RFC 6605: the 64-byte `x‖y` and `r‖s`).
//!
//! The KMS ARN must name a key of the caller's account in **us-east-1**, as on AWS, where
//! Route 53 accepts only KSK keys of that region (ROUTE53-NEXT.md §F.1). Route 53 is global
//! and signs its requests for us-east-1 whatever region the client is configured for, so a
//! key made in another region would not be found by ARN on AWS either. The key must be an
//! enabled `ECC_NIST_P256` key for `SIGN_VERIFY`. Route 53 turns each [`KskKeyError`] into
//! its own code (`InvalidKMSArn`, `InvalidKeySigningKeyStatus`, …).

use cairn_model::kms::{KeyState, KmsKey, KEY_SPEC_P256, KEY_USAGE_SIGN_VERIFY};
use cairn_model::region::DEFAULT_REGION;
use cairn_store::StoreError;

use super::key_ref::{self, Named};
use super::signing::unseal;
use crate::state::AppState;

/// Why a KMS key cannot serve as a KSK.
#[derive(Debug, thiserror::Error)]
pub enum KskKeyError {
    /// The ARN is not a key ARN of the caller's account in us-east-1, or no such key exists
    /// (a completed deletion included).
    #[error("no KMS key with this ARN in the account's us-east-1")]
    NotFound,
    /// The key is not an `ECC_NIST_P256` key for `SIGN_VERIFY`.
    #[error("the KMS key is not an ECC_NIST_P256 key for SIGN_VERIFY")]
    WrongKeySpecOrUsage,
    /// The key is disabled or pending deletion.
    #[error("the KMS key is disabled or pending deletion")]
    NotEnabled,
    /// The store failed, or the key's private half does not open with this node's master
    /// key ([`StoreError::Corrupt`]).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The usable key `kms_arn` names in `account` (us-east-1 only).
async fn ksk_key(state: &AppState, account: &str, kms_arn: &str) -> Result<KmsKey, KskKeyError> {
    // Only a key ARN: Route 53's KeyManagementServiceArn is never an alias or a bare id.
    if !kms_arn.starts_with("arn:") {
        return Err(KskKeyError::NotFound);
    }
    let Named::Key(id) = key_ref::parse(account, DEFAULT_REGION, kms_arn) else {
        return Err(KskKeyError::NotFound);
    };
    let key = state
        .store
        .kms_key(account, &id)
        .await?
        .filter(|k| k.region == DEFAULT_REGION && !k.is_deleted(key_ref::now_ms()))
        .ok_or(KskKeyError::NotFound)?;
    if key.spec != KEY_SPEC_P256 || key.usage != KEY_USAGE_SIGN_VERIFY {
        return Err(KskKeyError::WrongKeySpecOrUsage);
    }
    if key.state != KeyState::Enabled {
        return Err(KskKeyError::NotEnabled);
    }
    Ok(key)
}

/// The DNSSEC public key (`x‖y`, 64 bytes) of the KSK key `kms_arn` of `account`.
pub async fn ksk_public_key(
    state: &AppState,
    account: &str,
    kms_arn: &str,
) -> Result<[u8; 64], KskKeyError> {
    let key = ksk_key(state, account, kms_arn).await?;
    let private = unseal(&state.master_key, &key)
        .map_err(|e| KskKeyError::Store(StoreError::Corrupt(e.to_string())))?;
    Ok(private.public_key())
}

/// A DNSSEC signature (`r‖s`, 64 bytes: ECDSA P-256 over SHA-256 of `message`) by the KSK
/// key `kms_arn` of `account`, as KMS's Sign with `ECDSA_SHA_256` and `RAW` makes it.
pub async fn ksk_sign(
    state: &AppState,
    account: &str,
    kms_arn: &str,
    message: &[u8],
) -> Result<[u8; 64], KskKeyError> {
    let key = ksk_key(state, account, kms_arn).await?;
    let private = unseal(&state.master_key, &key)
        .map_err(|e| KskKeyError::Store(StoreError::Corrupt(e.to_string())))?;
    Ok(private.sign_fixed(message))
}

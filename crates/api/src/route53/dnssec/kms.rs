//! What Route 53 DNSSEC asks of a KSK's KMS key, through the KMS subset's internal calls
//! ([`crate::kms::ksk`]): its public key when the KSK is created, and a signature over the
//! DNSKEY RRset whenever it is signed. Cairn's KMS keys are local, so "Route 53" reaches
//! them without a key policy check (docs/dnssec.md).

use cairn_model::dnssec::DnssecError;

use crate::error::AwsError;
use crate::kms::ksk::{ksk_public_key, ksk_sign, KskKeyError};
use crate::state::AppState;

/// Why a KSK's KMS key did not sign.
#[derive(Debug)]
pub enum SignFailure {
    /// The key cannot be used: gone, disabled, pending deletion, the wrong spec or usage, or
    /// it no longer matches the public key the KSK was created with. The KSK needs action.
    Key(String),
    /// The store failed: try again later; nothing about the key is known.
    Store(AwsError),
}

/// The public key (`x‖y`) of the KMS key `kms_arn` names; `InvalidKMSArn` when it names no
/// enabled ECC_NIST_P256 SIGN_VERIFY key of the account.
pub async fn public_key(state: &AppState, kms_arn: &str) -> Result<[u8; 64], AwsError> {
    match ksk_public_key(state, &state.config.account_id, kms_arn).await {
        Ok(key) => Ok(key),
        Err(KskKeyError::Store(err)) => Err(err.into()),
        Err(_) => Err(DnssecError::InvalidKmsArn(kms_arn.to_string()).into()),
    }
}

/// A DNSSEC signature (`r‖s`) by `kms_arn` over `message`, checked against `public_key`
/// (the key the KSK's DNSKEY publishes).
pub async fn sign(
    state: &AppState,
    kms_arn: &str,
    public_key: &[u8],
    message: &[u8],
) -> Result<[u8; 64], SignFailure> {
    let signature = match ksk_sign(state, &state.config.account_id, kms_arn, message).await {
        Ok(signature) => signature,
        Err(KskKeyError::Store(err)) => return Err(SignFailure::Store(err.into())),
        Err(other) => return Err(SignFailure::Key(describe(&other))),
    };
    let matches = <&[u8; 64]>::try_from(public_key)
        .is_ok_and(|key| cairn_crypto::p256::verify_fixed(key, message, &signature));
    if matches {
        Ok(signature)
    } else {
        Err(SignFailure::Key(
            "The KMS key no longer matches the key-signing key's public key.".into(),
        ))
    }
}

/// The `StatusMessage` of a KSK whose key failed.
fn describe(err: &KskKeyError) -> String {
    match err {
        KskKeyError::NotFound => "The KMS key was not found.".into(),
        KskKeyError::WrongKeySpecOrUsage => {
            "The KMS key is not an ECC_NIST_P256 SIGN_VERIFY key.".into()
        }
        KskKeyError::NotEnabled => "The KMS key is disabled or pending deletion.".into(),
        KskKeyError::Store(_) => "The KMS key could not be read.".into(),
    }
}

//! GetPublicKey, Sign and Verify, and opening a key's sealed private half.
//!
//! Signatures are ECDSA P-256 over SHA-256 of the message, DER-encoded as KMS returns them.
//! `MessageType` `RAW` only: `ring` signs a message, never a digest someone else computed,
//! so `DIGEST` (and `EXTERNAL_MU`) are refused with `UnsupportedOperationException`
//! (botocore: "a specified parameter is not supported") rather than answered wrongly.

use base64::Engine as _;
use cairn_crypto::{p256, MasterKey, P256Key};
use cairn_model::kms::{KeyState, KmsError, KmsKey, ECDSA_SHA_256};
use serde_json::{json, Value};

use super::key_ref::{self, Aliases};
use super::{blob, blob_value, constraint, seal_context, Ctx};
use crate::error::{kms, AwsError};

/// `SigningAlgorithmSpec`'s values in botocore's model.
const SIGNING_ALGORITHMS: [&str; 13] = [
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "ECDSA_SHA_256",
    "ECDSA_SHA_384",
    "ECDSA_SHA_512",
    "SM2DSA",
    "ML_DSA_SHAKE_256",
    "ED25519_SHA_512",
    "ED25519_PH_SHA_512",
];

/// The longest message Sign and Verify take (`PlaintextType`).
const MAX_MESSAGE: usize = 4096;

/// Why a stored key could not be opened: the node's master key is not the one that sealed
/// it, or the row is damaged.
#[derive(Debug, thiserror::Error)]
#[error("KMS key {key_id} cannot be opened with this node's master key")]
pub struct UnsealError {
    /// The key.
    pub key_id: String,
}

/// The private key of `key`, unsealed with `master`.
pub fn unseal(master: &MasterKey, key: &KmsKey) -> Result<P256Key, UnsealError> {
    let err = || UnsealError {
        key_id: key.id.clone(),
    };
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&key.sealed_private_key)
        .map_err(|_| err())?;
    let pkcs8 = master
        .open(&seal_context(&key.id), &sealed)
        .map_err(|_| err())?;
    P256Key::from_pkcs8(&pkcs8).map_err(|_| err())
}

/// Refuses a key that is disabled or pending deletion: no cryptographic operation runs
/// with it.
pub fn usable(key: &KmsKey) -> Result<(), KmsError> {
    match key.state {
        KeyState::Enabled => Ok(()),
        KeyState::Disabled => Err(KmsError::Disabled(key.arn())),
        KeyState::PendingDeletion => Err(KmsError::PendingDeletion(key.arn())),
    }
}

/// The usable key `KeyId` names, with its private half.
async fn open(ctx: &Ctx) -> Result<(KmsKey, P256Key), AwsError> {
    let key = key_ref::key(ctx, Aliases::Allowed).await?;
    usable(&key)?;
    let private = unseal(&ctx.state.master_key, &key).map_err(|e| {
        tracing::error!(error = %e, "cannot open a KMS key");
        AwsError::internal(
            "KMSInternalException",
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "The request was rejected because an internal exception occurred.",
        )
    })?;
    Ok((key, private))
}

/// GetPublicKey: the DER SubjectPublicKeyInfo.
pub async fn get_public_key(ctx: &Ctx) -> Result<Value, AwsError> {
    let (key, private) = open(ctx).await?;
    Ok(json!({
        "KeyId": key.arn(),
        "PublicKey": blob_value(&private.spki_der()),
        "CustomerMasterKeySpec": key.spec,
        "KeySpec": key.spec,
        "KeyUsage": key.usage,
        "SigningAlgorithms": [ECDSA_SHA_256],
    }))
}

/// The message and algorithm of a Sign or Verify request, checked.
fn message(ctx: &Ctx) -> Result<(Vec<u8>, String), AwsError> {
    let algorithm = ctx.input.required_str("SigningAlgorithm")?;
    if !SIGNING_ALGORITHMS.contains(&algorithm.as_str()) {
        return Err(constraint(
            &algorithm,
            "SigningAlgorithm",
            &format!(
                "Member must satisfy enum value set: [{}]",
                SIGNING_ALGORITHMS.join(", ")
            ),
        ));
    }
    let message = blob(&ctx.input, "Message")?;
    if message.is_empty() || message.len() > MAX_MESSAGE {
        return Err(constraint(
            "[...]",
            "Message",
            "Member must have length less than or equal to 4096",
        ));
    }
    match ctx.input.str("MessageType")?.as_deref() {
        None | Some("RAW") => {}
        Some(other @ ("DIGEST" | "EXTERNAL_MU")) => {
            return Err(kms(
                "UnsupportedOperationException",
                format!("MessageType {other} is not supported by Cairn: send the message itself with MessageType RAW."),
            ))
        }
        Some(other) => {
            return Err(constraint(
                other,
                "MessageType",
                "Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]",
            ))
        }
    }
    Ok((message, algorithm))
}

fn check_algorithm(key: &KmsKey, algorithm: &str) -> Result<(), AwsError> {
    if algorithm == ECDSA_SHA_256 {
        return Ok(());
    }
    Err(kms(
        "InvalidKeyUsageException",
        format!(
            "Signing algorithm {algorithm} is not compatible with key spec {} of {}.",
            key.spec,
            key.arn()
        ),
    ))
}

fn dry_run(ctx: &Ctx) -> Result<(), AwsError> {
    if ctx.input.bool("DryRun")? == Some(true) {
        return Err(kms(
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.",
        ));
    }
    Ok(())
}

/// Sign: ECDSA_SHA_256 over the message, DER-encoded.
pub async fn sign(ctx: &Ctx) -> Result<Value, AwsError> {
    let (message, algorithm) = message(ctx)?;
    let (key, private) = open(ctx).await?;
    check_algorithm(&key, &algorithm)?;
    dry_run(ctx)?;
    Ok(json!({
        "KeyId": key.arn(),
        "Signature": blob_value(&private.sign_der(&message)),
        "SigningAlgorithm": algorithm,
    }))
}

/// Verify: a signature that does not verify is `KMSInvalidSignatureException`, as on AWS
/// (never `SignatureValid: false`).
pub async fn verify(ctx: &Ctx) -> Result<Value, AwsError> {
    let (message, algorithm) = message(ctx)?;
    let signature = blob(&ctx.input, "Signature")?;
    let (key, private) = open(ctx).await?;
    check_algorithm(&key, &algorithm)?;
    dry_run(ctx)?;
    if !p256::verify_der(&private.public_key(), &message, &signature) {
        return Err(kms(
            "KMSInvalidSignatureException",
            "The request was rejected because the signature verification failed.",
        ));
    }
    Ok(json!({
        "KeyId": key.arn(),
        "SignatureValid": true,
        "SigningAlgorithm": algorithm,
    }))
}

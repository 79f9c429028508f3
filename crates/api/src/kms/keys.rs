//! Keys: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
//! CancelKeyDeletion and UpdateKeyDescription.
//!
//! CreateKey makes only what Route 53's KSKs need, an `ECC_NIST_P256` key for `SIGN_VERIFY`.
//! Other key specs, origins, custom key stores and multi-Region keys are refused with
//! `UnsupportedOperationException`, the code botocore documents for "a specified parameter
//! is not supported"; a key usage that a P-256 key cannot have at all is AWS's own
//! `ValidationException`.

use base64::Engine as _;
use cairn_crypto::P256Key;
use cairn_model::kms::{KeyState, KmsKey, KmsKeyChange, KEY_SPEC_P256, KEY_USAGE_SIGN_VERIFY};
use serde_json::{json, Value};

use super::key_ref::{self, now_ms, Aliases};
use super::{constraint, metadata, page, policy, seal_context, tags, Ctx};
use crate::error::{kms, AwsError};
use crate::protocol::json;

/// `KeySpec`'s values in botocore's model; anything else fails validation.
const KEY_SPECS: [&str; 20] = [
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "SYMMETRIC_DEFAULT",
    "HMAC_224",
    "HMAC_256",
    "HMAC_384",
    "HMAC_512",
    "SM2",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "ECC_NIST_EDWARDS25519",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
];

/// `KeyUsageType`'s values in botocore's model.
const KEY_USAGES: [&str; 5] = [
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "ENCAPSULATE_DECAPSULATE",
];

/// The longest `Description` (`DescriptionType`).
const MAX_DESCRIPTION: usize = 8192;

/// `PendingWindowInDays` bounds KMS enforces (the model allows 1–365; KMS takes 7–30).
const WINDOW_DAYS: std::ops::RangeInclusive<i64> = 7..=30;

fn unsupported(message: impl Into<String>) -> AwsError {
    kms("UnsupportedOperationException", message)
}

fn enum_value(value: &str, name: &str, allowed: &[&str]) -> Result<(), AwsError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(constraint(
        value,
        name,
        &format!(
            "Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ),
    ))
}

fn description(ctx: &Ctx) -> Result<Option<String>, AwsError> {
    let text = ctx.input.str("Description")?;
    if let Some(text) = &text {
        if text.chars().count() > MAX_DESCRIPTION {
            return Err(constraint(
                "...",
                "Description",
                "Member must have length less than or equal to 8192",
            ));
        }
    }
    Ok(text)
}

/// CreateKey.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let spec = match (ctx.input.str("KeySpec")?, ctx.input.str("CustomerMasterKeySpec")?) {
        (Some(_), Some(_)) => {
            return Err(kms(
                "ValidationException",
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec only.",
            ))
        }
        (Some(spec), None) => {
            enum_value(&spec, "KeySpec", &KEY_SPECS)?;
            spec
        }
        (None, Some(spec)) => {
            enum_value(&spec, "CustomerMasterKeySpec", &KEY_SPECS)?;
            spec
        }
        (None, None) => "SYMMETRIC_DEFAULT".to_string(),
    };
    let usage = ctx
        .input
        .str("KeyUsage")?
        .unwrap_or_else(|| "ENCRYPT_DECRYPT".into());
    enum_value(&usage, "KeyUsage", &KEY_USAGES)?;
    if spec != KEY_SPEC_P256 {
        return Err(unsupported(format!(
            "KeySpec {spec} is not supported by Cairn: it makes only ECC_NIST_P256 keys for SIGN_VERIFY."
        )));
    }
    if usage != KEY_USAGE_SIGN_VERIFY {
        return Err(kms(
            "ValidationException",
            format!("KeyUsage {usage} is not compatible with KeySpec {spec}"),
        ));
    }
    let origin = ctx.input.str("Origin")?.unwrap_or_else(|| "AWS_KMS".into());
    if origin != "AWS_KMS" {
        return Err(unsupported(format!(
            "Origin {origin} is not supported by Cairn: keys are made by Cairn (AWS_KMS)."
        )));
    }
    if ctx.input.str("CustomKeyStoreId")?.is_some() || ctx.input.str("XksKeyId")?.is_some() {
        return Err(unsupported("Custom key stores are not supported by Cairn."));
    }
    if ctx.input.bool("MultiRegion")? == Some(true) {
        return Err(unsupported("Multi-Region keys are not supported by Cairn."));
    }
    let description = description(ctx)?.unwrap_or_default();
    let tags = tags::input_tags(&ctx.input)?;
    let policy = match ctx.input.str("Policy")? {
        Some(text) => policy::checked(text)?,
        None => policy::default_policy(&ctx.account),
    };

    let id = uuid::Uuid::new_v4().to_string();
    let private = P256Key::generate();
    let sealed = ctx
        .state
        .master_key
        .seal(&seal_context(&id), private.pkcs8());
    let key = KmsKey {
        id,
        account: ctx.account.clone(),
        region: ctx.region.clone(),
        spec,
        usage,
        description,
        state: KeyState::Enabled,
        deletion_date_ms: None,
        pending_window_days: None,
        created_ms: now_ms(),
        policy,
        tags,
        sealed_private_key: base64::engine::general_purpose::STANDARD.encode(sealed),
    };
    let key = ctx.state.store.create_kms_key(key).await?;
    Ok(json!({ "KeyMetadata": metadata(&key) }))
}

/// DescribeKey.
pub async fn describe(ctx: &Ctx) -> Result<Value, AwsError> {
    let key = key_ref::key(ctx, Aliases::Allowed).await?;
    Ok(json!({ "KeyMetadata": metadata(&key) }))
}

/// ListKeys: the account's keys in the region, oldest first.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let now = now_ms();
    let keys: Vec<Value> = ctx
        .state
        .store
        .list_kms_keys(&ctx.account, &ctx.region)
        .await?
        .iter()
        .filter(|k| !k.is_deleted(now))
        .map(|k| json!({ "KeyId": k.id, "KeyArn": k.arn() }))
        .collect();
    page(&ctx.input, "Keys", keys, 100, 1000)
}

/// Applies `change` to the key `KeyId` names (by id or ARN).
async fn change(ctx: &Ctx, change: KmsKeyChange) -> Result<KmsKey, AwsError> {
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    Ok(ctx
        .state
        .store
        .change_kms_key(&ctx.account, &key.id, change)
        .await?)
}

/// EnableKey.
pub async fn enable(ctx: &Ctx) -> Result<Value, AwsError> {
    change(ctx, KmsKeyChange::Enable).await?;
    Ok(json!({}))
}

/// DisableKey.
pub async fn disable(ctx: &Ctx) -> Result<Value, AwsError> {
    change(ctx, KmsKeyChange::Disable).await?;
    Ok(json!({}))
}

/// ScheduleKeyDeletion: 7 to 30 days (30 when not given). The key stays readable, unusable,
/// until then; afterwards it no longer exists.
pub async fn schedule_deletion(ctx: &Ctx) -> Result<Value, AwsError> {
    let days = ctx.input.int("PendingWindowInDays")?.unwrap_or(30);
    if days < *WINDOW_DAYS.start() {
        return Err(constraint(
            days,
            "PendingWindowInDays",
            "Member must have value greater than or equal to 7",
        ));
    }
    if days > *WINDOW_DAYS.end() {
        return Err(constraint(
            days,
            "PendingWindowInDays",
            "Member must have value less than or equal to 30",
        ));
    }
    let at = now_ms() + days * 24 * 3600 * 1000;
    let key = change(
        ctx,
        KmsKeyChange::ScheduleDeletion {
            deletion_date_ms: at,
            window_days: days,
        },
    )
    .await?;
    Ok(json!({
        "KeyId": key.arn(),
        "DeletionDate": json::epoch_seconds(at),
        "KeyState": key.state.as_str(),
        "PendingWindowInDays": days,
    }))
}

/// CancelKeyDeletion: the key comes back Disabled.
pub async fn cancel_deletion(ctx: &Ctx) -> Result<Value, AwsError> {
    let key = change(ctx, KmsKeyChange::CancelDeletion).await?;
    Ok(json!({ "KeyId": key.arn() }))
}

/// UpdateKeyDescription.
pub async fn update_description(ctx: &Ctx) -> Result<Value, AwsError> {
    let text = match description(ctx)? {
        Some(text) => text,
        None => ctx.input.required_str("Description")?,
    };
    change(ctx, KmsKeyChange::SetDescription(text)).await?;
    Ok(json!({}))
}

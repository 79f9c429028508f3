//! The KMS subset (API version 2014-11-01) that Route 53's DNSSEC signing needs, over
//! json-1.1: `POST /` with `X-Amz-Target: TrentService.<Operation>` (issue 18).
//!
//! ```text
//!   POST / ──► handle ──► run ──► keys (create, describe, list, enable/disable, deletion)
//!                             ├─► signing (GetPublicKey, Sign, Verify)
//!                             ├─► policy (key policies, rotation status)
//!                             ├─► tags (TagResource, UntagResource, ListResourceTags)
//!                             └─► aliases (CreateAlias, DeleteAlias, ListAliases)
//!   route53 (DNSSEC) ──► ksk (a KSK's public key and signatures, in DNSSEC's forms)
//!   hourly ──► purge (keys past their deletion date, and their aliases)
//! ```
//!
//! Only asymmetric `ECC_NIST_P256` keys for `SIGN_VERIFY` are made; their private halves are
//! generated here, sealed with the node master key ([`AppState::master_key`]) and only then
//! stored. [`key_ref`] finds the key a request names (id, ARN, alias or alias ARN).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use cairn_model::kms::{KeyState, KmsKey, ECDSA_SHA_256};
use serde_json::{json, Value};

use crate::context::RequestContext;
use crate::error::{kms, AwsError};
use crate::protocol::json::{self, JsonInput};
use crate::state::AppState;

pub mod aliases;
pub mod key_ref;
pub mod keys;
pub mod ksk;
pub mod policy;
pub mod purge;
pub mod signing;
pub mod tags;

/// The `X-Amz-Target` prefix of KMS operations.
pub const TARGET_PREFIX: &str = crate::dispatch::KMS_TARGET_PREFIX;

/// Every operation served.
pub const OPERATIONS: [&str; 21] = [
    "CreateKey",
    "DescribeKey",
    "ListKeys",
    "EnableKey",
    "DisableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "GetPublicKey",
    "Sign",
    "Verify",
    "GetKeyPolicy",
    "PutKeyPolicy",
    "ListKeyPolicies",
    "GetKeyRotationStatus",
    "TagResource",
    "UntagResource",
    "ListResourceTags",
    "CreateAlias",
    "DeleteAlias",
    "ListAliases",
    "UpdateKeyDescription",
];

/// What every operation gets.
#[derive(Debug)]
pub struct Ctx {
    /// The store, configuration and master key.
    pub state: AppState,
    /// The request body.
    pub input: JsonInput,
    /// The region from the signing scope (keys are regional; ARNs name it).
    pub region: String,
    /// The account that owns what the request creates.
    pub account: String,
}

/// The KMS routes: every operation is a `POST /` named by `X-Amz-Target`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// `POST /` with `X-Amz-Target: TrentService.<Operation>`.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let Some(operation) = context
        .dispatch
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(|t| t.strip_prefix('.'))
    else {
        return Err(context.dispatch.protocol.unknown_operation());
    };
    let input = JsonInput::parse(&body)?;
    let ctx = Ctx {
        account: state.config.account_id.clone(),
        state,
        input,
        region: context.region.into_string(),
    };
    let out = match operation {
        "CreateKey" => keys::create(&ctx).await,
        "DescribeKey" => keys::describe(&ctx).await,
        "ListKeys" => keys::list(&ctx).await,
        "EnableKey" => keys::enable(&ctx).await,
        "DisableKey" => keys::disable(&ctx).await,
        "ScheduleKeyDeletion" => keys::schedule_deletion(&ctx).await,
        "CancelKeyDeletion" => keys::cancel_deletion(&ctx).await,
        "UpdateKeyDescription" => keys::update_description(&ctx).await,
        "GetPublicKey" => signing::get_public_key(&ctx).await,
        "Sign" => signing::sign(&ctx).await,
        "Verify" => signing::verify(&ctx).await,
        "GetKeyPolicy" => policy::get(&ctx).await,
        "PutKeyPolicy" => policy::put(&ctx).await,
        "ListKeyPolicies" => policy::list(&ctx).await,
        "GetKeyRotationStatus" => policy::rotation_status(&ctx).await,
        "TagResource" => tags::tag(&ctx).await,
        "UntagResource" => tags::untag(&ctx).await,
        "ListResourceTags" => tags::list(&ctx).await,
        "CreateAlias" => aliases::create(&ctx).await,
        "DeleteAlias" => aliases::delete(&ctx).await,
        "ListAliases" => aliases::list(&ctx).await,
        other => Err(AwsError::operation_not_served(TARGET_PREFIX, other)),
    }?;
    Ok(json::response(out, json::JSON_1_1))
}

//------------ shared helpers ------------------------------------------------------------

/// The context a key's private half is sealed under: a sealed value copied into another
/// key's row does not open there.
pub fn seal_context(key_id: &str) -> String {
    format!("kms-key:{key_id}")
}

/// 400 `ValidationException` in AWS's "1 validation error detected" form.
pub fn validation(message: impl Into<String>) -> AwsError {
    kms("ValidationException", message)
}

/// A constraint failure on member `name` holding `value`.
pub fn constraint(value: impl std::fmt::Display, name: &str, constraint: &str) -> AwsError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: {constraint}",
        json::lower_first(name)
    ))
}

/// Fails as AWS does when the required member `name` is absent (whatever its type).
pub fn require(input: &JsonInput, name: &str) -> Result<(), AwsError> {
    if input.value(name).is_none() {
        input.required_str(name)?;
    }
    Ok(())
}

/// A blob member (base64 in JSON); one that does not decode is a `SerializationException`.
pub fn blob(input: &JsonInput, name: &str) -> Result<Vec<u8>, AwsError> {
    let text = input.required_str(name)?;
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| {
            AwsError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                format!("Member {name} must be base64-encoded binary data."),
            )
        })
}

/// Bytes as a JSON blob.
pub fn blob_value(bytes: &[u8]) -> Value {
    Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `KeyMetadata`, as DescribeKey and CreateKey return it.
pub fn metadata(key: &KmsKey) -> Value {
    let mut out = json!({
        "AWSAccountId": key.account,
        "KeyId": key.id,
        "Arn": key.arn(),
        "CreationDate": json::epoch_seconds(key.created_ms),
        "Enabled": key.state == KeyState::Enabled,
        "Description": key.description,
        "KeyUsage": key.usage,
        "KeyState": key.state.as_str(),
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": key.spec,
        "KeySpec": key.spec,
        "SigningAlgorithms": [ECDSA_SHA_256],
        "MultiRegion": false,
    });
    if let (Some(at), Some(days)) = (key.deletion_date_ms, key.pending_window_days) {
        out["DeletionDate"] = json::epoch_seconds(at);
        out["PendingDeletionWindowInDays"] = Value::from(days);
    }
    out
}

/// One page of a KMS list: `Limit` items (1–1000 accepted, at most `max` returned, `default`
/// when not given) from the opaque `Marker` (an offset), with `Truncated` and, when
/// truncated, `NextMarker`.
pub fn page(
    input: &JsonInput,
    key: &str,
    items: Vec<Value>,
    default: i64,
    max: i64,
) -> Result<Value, AwsError> {
    let limit = match input.int("Limit")? {
        None => default,
        Some(n) if (1..=1000).contains(&n) => n.min(max),
        Some(n) => {
            return Err(constraint(
                n,
                "Limit",
                "Member must have value less than or equal to 1000",
            ))
        }
    };
    let start = match input.str("Marker")? {
        None => 0,
        Some(marker) => marker
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                kms(
                    "InvalidMarkerException",
                    "The request was rejected because the marker that specifies where pagination should next begin is not valid.",
                )
            })?,
    };
    let end = (start + limit as usize).min(items.len());
    let mut out = json!({ key: items[start..end].to_vec(), "Truncated": end < items.len() });
    if end < items.len() {
        out["NextMarker"] = Value::from(end.to_string());
    }
    Ok(out)
}

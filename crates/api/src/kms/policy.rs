//! Key policies (GetKeyPolicy, PutKeyPolicy, ListKeyPolicies) and GetKeyRotationStatus.
//!
//! A policy is stored and returned verbatim; Cairn does not evaluate it (the one root
//! credential may do everything), but it must be a JSON object, as KMS requires a policy
//! document to be. A key created without one gets the default policy AWS gives: the
//! account's root may do everything (`kms:*`).

use serde_json::{json, Value};

use super::key_ref::{self, Aliases};
use super::{constraint, Ctx};
use crate::error::{kms, AwsError};
use cairn_model::kms::KmsKeyChange;

/// The only policy name a key has.
const POLICY_NAME: &str = "default";

/// The longest policy (`PolicyType`).
const MAX_POLICY: usize = 131_072;

/// The default key policy, laid out as KMS returns it.
pub fn default_policy(account: &str) -> String {
    format!(
        "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n      \"AWS\" : \"arn:aws:iam::{account}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
    )
}

/// `text` as a policy to store, if it is a JSON object of an allowed length.
pub fn checked(text: String) -> Result<String, AwsError> {
    if text.is_empty() || text.len() > MAX_POLICY {
        return Err(constraint(
            "...",
            "Policy",
            "Member must have length less than or equal to 131072",
        ));
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(_)) => Ok(text),
        _ => Err(kms(
            "MalformedPolicyDocumentException",
            "The policy document is not valid JSON.",
        )),
    }
}

fn policy_name(ctx: &Ctx) -> Result<(), AwsError> {
    match ctx.input.str("PolicyName")? {
        None => Ok(()),
        Some(name) if name == POLICY_NAME => Ok(()),
        Some(name) => Err(kms(
            "NotFoundException",
            format!("No such policy exists: {name}"),
        )),
    }
}

/// GetKeyPolicy.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    policy_name(ctx)?;
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    Ok(json!({ "Policy": key.policy, "PolicyName": POLICY_NAME }))
}

/// PutKeyPolicy.
pub async fn put(ctx: &Ctx) -> Result<Value, AwsError> {
    policy_name(ctx)?;
    let policy = checked(ctx.input.required_str("Policy")?)?;
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    ctx.state
        .store
        .change_kms_key(&ctx.account, &key.id, KmsKeyChange::PutPolicy(policy))
        .await?;
    Ok(json!({}))
}

/// ListKeyPolicies: every key has one policy, `default`.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    key_ref::key(ctx, Aliases::Refused).await?;
    Ok(json!({ "PolicyNames": [POLICY_NAME], "Truncated": false }))
}

/// GetKeyRotationStatus: automatic rotation exists only for symmetric encryption keys, so
/// every key Cairn makes reports it off, as AWS reports an asymmetric key's (Terraform's
/// `aws_kms_key` reads it for every key).
pub async fn rotation_status(ctx: &Ctx) -> Result<Value, AwsError> {
    let key = key_ref::key(ctx, Aliases::Refused).await?;
    Ok(json!({ "KeyRotationEnabled": false, "KeyId": key.arn() }))
}

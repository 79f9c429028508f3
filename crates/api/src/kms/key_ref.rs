//! The key a request names in `KeyId`: a key id (UUID), a key ARN, and where the operation
//! allows it an alias name (`alias/…`) or alias ARN, as KMS accepts them. A key whose
//! pending deletion has completed no longer exists.

use cairn_model::kms::{key_arn, KmsError, KmsKey};

use super::Ctx;
use crate::error::{kms, AwsError};
use crate::state::AppState;

/// Whether an operation accepts an alias in `KeyId` (DescribeKey, GetPublicKey, Sign and
/// Verify do; the calls that manage a key want its id or ARN).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aliases {
    /// `alias/…` and alias ARNs name the key they point at.
    Allowed,
    /// Only a key id or key ARN.
    Refused,
}

/// The key `KeyId` names in the caller's account and region.
pub async fn key(ctx: &Ctx, aliases: Aliases) -> Result<KmsKey, AwsError> {
    let given = ctx.input.required_str("KeyId")?;
    resolve(&ctx.state, &ctx.account, &ctx.region, &given, aliases).await
}

/// [`key`] for a `KeyId` text.
pub async fn resolve(
    state: &AppState,
    account: &str,
    region: &str,
    given: &str,
    aliases: Aliases,
) -> Result<KmsKey, AwsError> {
    let id = match parse(account, region, given) {
        Named::Key(id) => id,
        Named::Alias(name) if aliases == Aliases::Allowed => {
            let alias = state.store.kms_alias(account, region, &name).await?;
            match alias {
                Some(alias) => alias.target_key_id,
                None => {
                    let arn = format!("arn:aws:kms:{region}:{account}:{name}");
                    return Err(KmsError::AliasNotFound(arn).into());
                }
            }
        }
        Named::Alias(_) | Named::Invalid => {
            return Err(kms("NotFoundException", format!("Invalid keyId '{given}'")))
        }
        Named::Elsewhere => {
            return Err(KmsError::KeyNotFound(given.to_string()).into());
        }
    };
    let arn = key_arn(region, account, &id);
    match state.store.kms_key(account, &id).await {
        Ok(Some(key)) if key.region == region && !key.is_deleted(now_ms()) => Ok(key),
        Ok(_) => Err(KmsError::KeyNotFound(arn).into()),
        Err(e) => Err(e.into()),
    }
}

/// What a `KeyId` text names.
#[derive(Debug, PartialEq, Eq)]
pub enum Named {
    /// A key, by id.
    Key(String),
    /// An alias, by name (`alias/…`).
    Alias(String),
    /// A well-formed ARN of another account or region: no key of the caller's.
    Elsewhere,
    /// Neither an id, an ARN nor an alias.
    Invalid,
}

/// Reads a `KeyId` text in the caller's `account` and `region`.
pub fn parse(account: &str, region: &str, given: &str) -> Named {
    if let Some(rest) = given.strip_prefix("arn:aws:kms:") {
        let mut parts = rest.splitn(3, ':');
        let (Some(arn_region), Some(arn_account), Some(resource)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Named::Invalid;
        };
        let named = match resource.split_once('/') {
            Some(("key", id)) if is_key_id(id) => Named::Key(id.to_string()),
            Some(("alias", _)) => Named::Alias(resource.to_string()),
            _ => return Named::Invalid,
        };
        return if arn_region == region && arn_account == account {
            named
        } else {
            Named::Elsewhere
        };
    }
    if given.starts_with("alias/") {
        return Named::Alias(given.to_string());
    }
    if is_key_id(given) {
        return Named::Key(given.to_string());
    }
    Named::Invalid
}

/// Whether `text` is shaped like a key id (a UUID, hex lowercase or not).
fn is_key_id(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn key_ids_arns_and_aliases_are_told_apart() {
        let (acct, region) = ("123456789012", "us-east-1");
        assert_eq!(parse(acct, region, ID), Named::Key(ID.into()));
        assert_eq!(
            parse(
                acct,
                region,
                &format!("arn:aws:kms:{region}:{acct}:key/{ID}")
            ),
            Named::Key(ID.into())
        );
        assert_eq!(
            parse(
                acct,
                region,
                &format!("arn:aws:kms:eu-west-1:{acct}:key/{ID}")
            ),
            Named::Elsewhere
        );
        assert_eq!(
            parse(acct, region, "alias/dnssec"),
            Named::Alias("alias/dnssec".into())
        );
        assert_eq!(
            parse(
                acct,
                region,
                &format!("arn:aws:kms:{region}:{acct}:alias/x")
            ),
            Named::Alias("alias/x".into())
        );
        assert_eq!(parse(acct, region, "nonsense"), Named::Invalid);
        assert_eq!(parse(acct, region, "arn:aws:kms:us-east-1"), Named::Invalid);
    }
}

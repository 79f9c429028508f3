//! The KMS subset Route 53's DNSSEC signing needs (issue 18): asymmetric P-256 signing keys,
//! their key policies, tags and aliases.
//!
//! A key's private half never appears here in the clear: [`KmsKey::sealed_private_key`] is
//! its PKCS#8 sealed with the node master key (by the API, before the store sees it).
//! [`KmsKeyChange::apply`] is the pure rule set of the calls that change a key's state; the
//! store runs it inside the transaction that commits the result.

use serde::{Deserialize, Serialize};

/// The only key spec Cairn makes (`KeySpec`).
pub const KEY_SPEC_P256: &str = "ECC_NIST_P256";
/// The only key usage Cairn makes (`KeyUsage`).
pub const KEY_USAGE_SIGN_VERIFY: &str = "SIGN_VERIFY";
/// The one signing algorithm of a P-256 key.
pub const ECDSA_SHA_256: &str = "ECDSA_SHA_256";

/// A key's `KeyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyState {
    /// Usable.
    Enabled,
    /// DisableKey: kept, but no cryptographic operation runs with it.
    Disabled,
    /// ScheduleKeyDeletion: unusable, and deleted at `deletion_date_ms`.
    PendingDeletion,
}

impl KeyState {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "Enabled",
            Self::Disabled => "Disabled",
            Self::PendingDeletion => "PendingDeletion",
        }
    }
}

/// A KMS key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsKey {
    /// `KeyId`, a UUID.
    pub id: String,
    /// The 12-digit account that owns it.
    pub account: String,
    /// The region it was made in (its ARN names it).
    pub region: String,
    /// `KeySpec` (always [`KEY_SPEC_P256`] today).
    pub spec: String,
    /// `KeyUsage` (always [`KEY_USAGE_SIGN_VERIFY`] today).
    pub usage: String,
    /// `Description`.
    pub description: String,
    /// `KeyState`.
    pub state: KeyState,
    /// When a pending deletion completes, ms since the epoch.
    pub deletion_date_ms: Option<i64>,
    /// `PendingDeletionWindowInDays` of the pending deletion.
    pub pending_window_days: Option<i64>,
    /// `CreationDate`, ms since the epoch.
    pub created_ms: i64,
    /// The key policy named `default`, verbatim as given (or the default one).
    pub policy: String,
    /// Tags, in the order first given.
    pub tags: Vec<(String, String)>,
    /// The private key's PKCS#8 sealed with the node master key, base64.
    pub sealed_private_key: String,
}

impl KmsKey {
    /// `arn:aws:kms:<region>:<account>:key/<id>`.
    pub fn arn(&self) -> String {
        key_arn(&self.region, &self.account, &self.id)
    }

    /// Whether a pending deletion has completed by `now_ms`: the key then no longer exists.
    pub fn is_deleted(&self, now_ms: i64) -> bool {
        self.state == KeyState::PendingDeletion
            && self.deletion_date_ms.is_some_and(|at| at <= now_ms)
    }
}

/// `arn:aws:kms:<region>:<account>:key/<id>`.
pub fn key_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{account}:key/{id}")
}

/// An alias (`alias/<name>`) naming a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsAlias {
    /// `AliasName`, with its `alias/` prefix.
    pub name: String,
    /// The account that owns it.
    pub account: String,
    /// The region it was made in.
    pub region: String,
    /// `TargetKeyId`.
    pub target_key_id: String,
    /// `CreationDate`, ms since the epoch.
    pub created_ms: i64,
}

impl KmsAlias {
    /// `arn:aws:kms:<region>:<account>:alias/<name>`.
    pub fn arn(&self) -> String {
        format!("arn:aws:kms:{}:{}:{}", self.region, self.account, self.name)
    }
}

/// A change to one key, checked against its state by [`KmsKeyChange::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KmsKeyChange {
    /// EnableKey.
    Enable,
    /// DisableKey.
    Disable,
    /// ScheduleKeyDeletion.
    ScheduleDeletion {
        /// When the key goes, ms since the epoch.
        deletion_date_ms: i64,
        /// The window asked for.
        window_days: i64,
    },
    /// CancelKeyDeletion: the key comes back Disabled, as on AWS.
    CancelDeletion,
    /// PutKeyPolicy.
    PutPolicy(String),
    /// UpdateKeyDescription.
    SetDescription(String),
    /// TagResource: values of keys already there are replaced.
    Tag(Vec<(String, String)>),
    /// UntagResource.
    Untag(Vec<String>),
}

impl KmsKeyChange {
    /// `key` with this change applied, or why its state refuses it.
    pub fn apply(&self, key: &KmsKey) -> Result<KmsKey, KmsError> {
        let pending = key.state == KeyState::PendingDeletion;
        if pending && !matches!(self, Self::CancelDeletion) {
            return Err(KmsError::PendingDeletion(key.arn()));
        }
        let mut next = key.clone();
        match self {
            Self::Enable => next.state = KeyState::Enabled,
            Self::Disable => next.state = KeyState::Disabled,
            Self::ScheduleDeletion {
                deletion_date_ms,
                window_days,
            } => {
                next.state = KeyState::PendingDeletion;
                next.deletion_date_ms = Some(*deletion_date_ms);
                next.pending_window_days = Some(*window_days);
            }
            Self::CancelDeletion => {
                if !pending {
                    return Err(KmsError::NotPendingDeletion(key.arn()));
                }
                next.state = KeyState::Disabled;
                next.deletion_date_ms = None;
                next.pending_window_days = None;
            }
            Self::PutPolicy(policy) => next.policy = policy.clone(),
            Self::SetDescription(text) => next.description = text.clone(),
            Self::Tag(tags) => {
                for (k, v) in tags {
                    match next.tags.iter_mut().find(|(have, _)| have == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => next.tags.push((k.clone(), v.clone())),
                    }
                }
            }
            Self::Untag(keys) => next.tags.retain(|(k, _)| !keys.contains(k)),
        }
        Ok(next)
    }
}

/// Why a KMS request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    /// No such key (the key id or ARN asked for).
    #[error("key {0} does not exist")]
    KeyNotFound(String),
    /// No such alias (its ARN).
    #[error("alias {0} does not exist")]
    AliasNotFound(String),
    /// An alias of that name exists (its ARN).
    #[error("alias {0} already exists")]
    AliasExists(String),
    /// The key (its ARN) is disabled.
    #[error("{0} is disabled")]
    Disabled(String),
    /// The key (its ARN) is pending deletion.
    #[error("{0} is pending deletion")]
    PendingDeletion(String),
    /// CancelKeyDeletion on a key (its ARN) that is not pending deletion.
    #[error("{0} is not pending deletion")]
    NotPendingDeletion(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> KmsKey {
        KmsKey {
            id: "k".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            spec: KEY_SPEC_P256.into(),
            usage: KEY_USAGE_SIGN_VERIFY.into(),
            description: String::new(),
            state: KeyState::Enabled,
            deletion_date_ms: None,
            pending_window_days: None,
            created_ms: 0,
            policy: "{}".into(),
            tags: vec![],
            sealed_private_key: String::new(),
        }
    }

    #[test]
    fn deletion_is_scheduled_then_cancelled_to_disabled() {
        let scheduled = KmsKeyChange::ScheduleDeletion {
            deletion_date_ms: 10,
            window_days: 7,
        }
        .apply(&key())
        .expect("schedule");
        assert_eq!(scheduled.state, KeyState::PendingDeletion);
        assert!(scheduled.is_deleted(10) && !scheduled.is_deleted(9));
        assert_eq!(
            KmsKeyChange::Enable.apply(&scheduled),
            Err(KmsError::PendingDeletion(
                "arn:aws:kms:us-east-1:123456789012:key/k".into()
            ))
        );
        let cancelled = KmsKeyChange::CancelDeletion
            .apply(&scheduled)
            .expect("cancel");
        assert_eq!(cancelled.state, KeyState::Disabled);
        assert_eq!(cancelled.deletion_date_ms, None);
        assert!(matches!(
            KmsKeyChange::CancelDeletion.apply(&cancelled),
            Err(KmsError::NotPendingDeletion(_))
        ));
    }

    #[test]
    fn tags_replace_values_and_untag_removes() {
        let tagged = KmsKeyChange::Tag(vec![("a".into(), "1".into()), ("b".into(), "2".into())])
            .apply(&key())
            .expect("tag");
        let again = KmsKeyChange::Tag(vec![("a".into(), "3".into())])
            .apply(&tagged)
            .expect("tag");
        assert_eq!(
            again.tags,
            vec![("a".into(), "3".into()), ("b".into(), "2".into())]
        );
        let untagged = KmsKeyChange::Untag(vec!["a".into()])
            .apply(&again)
            .expect("untag");
        assert_eq!(untagged.tags, vec![("b".into(), "2".into())]);
    }
}

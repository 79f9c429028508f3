//! IAM users, access keys and policies (issue 12): what the store keeps so that keys other
//! than the node's root key can sign requests, and policies can limit them.
//!
//! Everything belongs to an account (today the node's; `cairn account create` is a later
//! slice). User names are unique per account without regard to case, as in IAM; a managed
//! policy's name is unique per account whatever its path. A key's secret is kept only
//! sealed with the node master key ([`AccessKey::sealed_secret`], sealed by the API).

use serde::{Deserialize, Serialize};

/// Most access keys a user may have (IAM's `AccessKeysPerUser` quota).
pub const ACCESS_KEYS_PER_USER: usize = 2;
/// Most managed policies attached to one user (`PoliciesPerUser`).
pub const ATTACHED_POLICIES_PER_USER: usize = 10;
/// Most versions a managed policy keeps (`VersionsPerPolicy`).
pub const VERSIONS_PER_POLICY: usize = 5;

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    /// The owning account's 12-digit id.
    pub account: String,
    /// `UserName`, as given (lookups ignore case).
    pub name: String,
    /// `UserId`: `AIDA` and 17 more characters.
    pub id: String,
    /// `Path`, `/` unless given.
    pub path: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// `Tags`, in the order given.
    pub tags: Vec<(String, String)>,
}

impl IamUser {
    /// `arn:aws:iam::<account>:user<path><name>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user{}{}",
            self.account, self.path, self.name
        )
    }
}

/// An access key's `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessKeyStatus {
    /// Signs requests.
    Active,
    /// Kept, but refused by SigV4.
    Inactive,
}

impl AccessKeyStatus {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    /// Parses the wire text (exact case, as IAM takes it).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A user's access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// `AccessKeyId`: `AKIA` and 16 more characters; unique across the installation, since
    /// SigV4 finds the key by it alone.
    pub id: String,
    /// The owning account.
    pub account: String,
    /// The user's name, as the user was created.
    pub user_name: String,
    /// `Status`.
    pub status: AccessKeyStatus,
    /// The secret access key sealed with the node master key (base64).
    pub sealed_secret: String,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// A customer managed policy (its versions are [`PolicyVersion`]s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// The owning account.
    pub account: String,
    /// `PolicyName`.
    pub name: String,
    /// `PolicyId`: `ANPA` and 17 more characters.
    pub id: String,
    /// `Path`, `/` unless given.
    pub path: String,
    /// `Description`.
    pub description: String,
    /// `DefaultVersionId` (`v1`, `v2`, …).
    pub default_version: String,
    /// The number the next version gets (versions are never renumbered).
    pub next_version: u32,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Last change of the default version, ms since the epoch.
    pub updated_ms: i64,
    /// `Tags`, in the order given.
    pub tags: Vec<(String, String)>,
}

impl ManagedPolicy {
    /// `arn:aws:iam::<account>:policy<path><name>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy{}{}",
            self.account, self.path, self.name
        )
    }
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `VersionId`: `v1`, `v2`, …
    pub id: String,
    /// The policy document as the caller sent it.
    pub document: String,
    /// Whether this is the policy's default (effective) version.
    pub is_default: bool,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
}

/// Why a user still cannot be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserDependency {
    /// It has access keys.
    AccessKeys,
    /// It has inline policies.
    InlinePolicies,
    /// Managed policies are attached to it.
    AttachedPolicies,
}

/// An IAM request refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    /// No user of this name in the account.
    #[error("no user {0}")]
    NoSuchUser(String),
    /// A user of this name (any case) exists.
    #[error("user {0} exists")]
    UserExists(String),
    /// The user still has what must go first.
    #[error("user {0} still has {1:?}")]
    UserInUse(String, UserDependency),
    /// No access key with this id for this user.
    #[error("no access key {0}")]
    NoSuchAccessKey(String),
    /// The user has [`ACCESS_KEYS_PER_USER`] keys.
    #[error("too many access keys")]
    AccessKeyLimit,
    /// No inline policy of this name on the user.
    #[error("no inline policy {0}")]
    NoSuchUserPolicy(String),
    /// No managed policy with this ARN.
    #[error("no policy {0}")]
    NoSuchPolicy(String),
    /// A managed policy of this name exists in the account.
    #[error("policy {0} exists")]
    PolicyExists(String),
    /// The policy is still attached to users.
    #[error("policy {0} is attached")]
    PolicyAttached(String),
    /// No such version of the policy.
    #[error("policy {arn} has no version {version}")]
    NoSuchPolicyVersion {
        /// The policy.
        arn: String,
        /// The version asked for.
        version: String,
    },
    /// The policy has [`VERSIONS_PER_POLICY`] versions.
    #[error("too many policy versions")]
    PolicyVersionLimit,
    /// Deleting the default version.
    #[error("cannot delete the default version")]
    DefaultVersionDelete,
    /// The user has [`ATTACHED_POLICIES_PER_USER`] attached policies.
    #[error("too many attached policies")]
    AttachedPolicyLimit,
    /// Detaching a policy that is not attached to the user.
    #[error("policy {0} is not attached")]
    PolicyNotAttached(String),
}

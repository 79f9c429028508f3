//! IAM (issue 12): users, their access keys and inline policies, managed policies with
//! versions, and attachments. Every call names the account; user names match without regard
//! to case. Writes log no change: the data plane never reads IAM.

use async_trait::async_trait;
use cairn_model::iam::{AccessKey, AccessKeyStatus, IamUser, ManagedPolicy, PolicyVersion};

use crate::error::StoreResult;

/// What authorizing one request needs to know about its signer, read in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The key (active or not: the caller checks).
    pub key: AccessKey,
    /// Its user.
    pub user: IamUser,
    /// The documents of the user's inline policies and of the default versions of its
    /// attached managed policies.
    pub policies: Vec<String>,
}

/// IAM users, keys and policies.
#[async_trait]
pub trait IamStore: Send + Sync + 'static {
    /// CreateUser: `IamError::UserExists` when the account has the name in any case.
    async fn create_iam_user(&self, user: IamUser) -> StoreResult<IamUser>;

    /// The user `name` (any case) of `account`.
    async fn iam_user(&self, account: &str, name: &str) -> StoreResult<Option<IamUser>>;

    /// Every user of `account`, by name.
    async fn list_iam_users(&self, account: &str) -> StoreResult<Vec<IamUser>>;

    /// Replaces the user's tags (TagUser/UntagUser compute the list); `NoSuchUser`.
    async fn set_iam_user_tags(
        &self,
        account: &str,
        name: &str,
        tags: Vec<(String, String)>,
    ) -> StoreResult<IamUser>;

    /// DeleteUser: `NoSuchUser`, or `UserInUse` while it has keys, inline or attached
    /// policies.
    async fn delete_iam_user(&self, account: &str, name: &str) -> StoreResult<()>;

    /// CreateAccessKey for `key.user_name`: `NoSuchUser`, `AccessKeyLimit`.
    async fn create_access_key(&self, key: AccessKey) -> StoreResult<AccessKey>;

    /// The key with this id, in any account (SigV4 knows only the id).
    async fn access_key(&self, id: &str) -> StoreResult<Option<AccessKey>>;

    /// The key, its user and the user's policy documents, in one read; `None` when no key
    /// has this id.
    async fn signer(&self, key_id: &str) -> StoreResult<Option<Signer>>;

    /// The user's keys, oldest first; `NoSuchUser`.
    async fn list_access_keys(&self, account: &str, user: &str) -> StoreResult<Vec<AccessKey>>;

    /// UpdateAccessKey: `NoSuchUser`, `NoSuchAccessKey`.
    async fn set_access_key_status(
        &self,
        account: &str,
        user: &str,
        id: &str,
        status: AccessKeyStatus,
    ) -> StoreResult<()>;

    /// DeleteAccessKey: `NoSuchUser`, `NoSuchAccessKey`.
    async fn delete_access_key(&self, account: &str, user: &str, id: &str) -> StoreResult<()>;

    /// PutUserPolicy (creates or replaces): `NoSuchUser`.
    async fn put_user_policy(
        &self,
        account: &str,
        user: &str,
        name: &str,
        document: &str,
    ) -> StoreResult<()>;

    /// GetUserPolicy's document: `NoSuchUser`, `NoSuchUserPolicy`.
    async fn user_policy(&self, account: &str, user: &str, name: &str) -> StoreResult<String>;

    /// The names of the user's inline policies, sorted; `NoSuchUser`.
    async fn list_user_policies(&self, account: &str, user: &str) -> StoreResult<Vec<String>>;

    /// DeleteUserPolicy: `NoSuchUser`, `NoSuchUserPolicy`.
    async fn delete_user_policy(&self, account: &str, user: &str, name: &str) -> StoreResult<()>;

    /// CreatePolicy with its first version `v1` as the default: `PolicyExists`.
    async fn create_policy(
        &self,
        policy: ManagedPolicy,
        document: &str,
    ) -> StoreResult<ManagedPolicy>;

    /// The policy with this ARN in `account`.
    async fn policy(&self, account: &str, arn: &str) -> StoreResult<Option<ManagedPolicy>>;

    /// Every managed policy of `account` with how many users it is attached to, by name.
    async fn list_policies(&self, account: &str) -> StoreResult<Vec<(ManagedPolicy, usize)>>;

    /// How many users the policy is attached to.
    async fn policy_attachment_count(&self, account: &str, arn: &str) -> StoreResult<usize>;

    /// Replaces the policy's tags; `NoSuchPolicy`.
    async fn set_policy_tags(
        &self,
        account: &str,
        arn: &str,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ManagedPolicy>;

    /// DeletePolicy with all its versions: `NoSuchPolicy`, `PolicyAttached`.
    async fn delete_policy(&self, account: &str, arn: &str) -> StoreResult<()>;

    /// CreatePolicyVersion: `NoSuchPolicy`, `PolicyVersionLimit`.
    async fn create_policy_version(
        &self,
        account: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        now_ms: i64,
    ) -> StoreResult<PolicyVersion>;

    /// GetPolicyVersion: `NoSuchPolicy`, `NoSuchPolicyVersion`.
    async fn policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> StoreResult<PolicyVersion>;

    /// The policy's versions, newest first; `NoSuchPolicy`.
    async fn list_policy_versions(
        &self,
        account: &str,
        arn: &str,
    ) -> StoreResult<Vec<PolicyVersion>>;

    /// SetDefaultPolicyVersion: `NoSuchPolicy`, `NoSuchPolicyVersion`.
    async fn set_default_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
        now_ms: i64,
    ) -> StoreResult<()>;

    /// DeletePolicyVersion: `NoSuchPolicy`, `NoSuchPolicyVersion`, `DefaultVersionDelete`.
    async fn delete_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> StoreResult<()>;

    /// AttachUserPolicy (attaching twice is no error): `NoSuchUser`, `NoSuchPolicy`,
    /// `AttachedPolicyLimit`.
    async fn attach_user_policy(&self, account: &str, user: &str, arn: &str) -> StoreResult<()>;

    /// DetachUserPolicy: `NoSuchUser`, `PolicyNotAttached`.
    async fn detach_user_policy(&self, account: &str, user: &str, arn: &str) -> StoreResult<()>;

    /// The managed policies attached to the user, by name; `NoSuchUser`.
    async fn list_attached_user_policies(
        &self,
        account: &str,
        user: &str,
    ) -> StoreResult<Vec<ManagedPolicy>>;
}

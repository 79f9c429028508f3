//! [`IamStore`] on SQL: users, keys and managed policies as JSON bodies beside the columns
//! lookups need; inline policies and versions as their documents. Users are found by
//! `user_key`, the lowercased name, since IAM names ignore case.

use async_trait::async_trait;
use cairn_model::error::IamError;
use cairn_model::iam::{
    AccessKey, AccessKeyStatus, IamUser, ManagedPolicy, PolicyVersion, UserDependency,
    ACCESS_KEYS_PER_USER, ATTACHED_POLICIES_PER_USER, VERSIONS_PER_POLICY,
};

use super::conn::{params, Conn};
use super::error::{map_err, OptionalExtension};
use super::json::{document, documents, texts, to_json};
use super::store::SqlStore;
use crate::error::StoreResult;
use crate::iam::{IamStore, Signer};

fn user_key(name: &str) -> String {
    name.to_lowercase()
}

#[async_trait]
impl IamStore for SqlStore {
    async fn create_iam_user(&self, user: IamUser) -> StoreResult<IamUser> {
        self.write(move |tx| {
            if find_user(tx, &user.account, &user.name)?.is_some() {
                return Err(IamError::UserExists(user.name.clone()).into());
            }
            tx.exec(
                "INSERT INTO iam_users (account, user_key, created_at_ms, body) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    user.account,
                    user_key(&user.name),
                    user.created_ms,
                    to_json(&user)?
                ],
            )?;
            Ok(user)
        })
        .await
    }

    async fn iam_user(&self, account: &str, name: &str) -> StoreResult<Option<IamUser>> {
        let (account, name) = (account.to_string(), name.to_string());
        self.run(move |conn| find_user(conn, &account, &name)).await
    }

    async fn list_iam_users(&self, account: &str) -> StoreResult<Vec<IamUser>> {
        let account = account.to_string();
        self.run(move |conn| {
            documents(
                conn,
                "SELECT body FROM iam_users WHERE account = ?1 ORDER BY user_key",
                params![account],
            )
        })
        .await
    }

    async fn set_iam_user_tags(
        &self,
        account: &str,
        name: &str,
        tags: Vec<(String, String)>,
    ) -> StoreResult<IamUser> {
        let (account, name) = (account.to_string(), name.to_string());
        self.write(move |tx| {
            let mut user = need_user(tx, &account, &name)?;
            user.tags = tags;
            tx.exec(
                "UPDATE iam_users SET body = ?1 WHERE account = ?2 AND user_key = ?3",
                params![to_json(&user)?, account, user_key(&name)],
            )?;
            Ok(user)
        })
        .await
    }

    async fn delete_iam_user(&self, account: &str, name: &str) -> StoreResult<()> {
        let (account, name) = (account.to_string(), name.to_string());
        self.write(move |tx| {
            let user = need_user(tx, &account, &name)?;
            let key = user_key(&name);
            // IAM names the first dependency it finds, keys before policies.
            let checks = [
                (
                    "SELECT id FROM iam_access_keys WHERE account = ?1 AND user_key = ?2",
                    UserDependency::AccessKeys,
                ),
                (
                    "SELECT name FROM iam_user_policies WHERE account = ?1 AND user_key = ?2",
                    UserDependency::InlinePolicies,
                ),
                (
                    "SELECT arn FROM iam_user_attachments WHERE account = ?1 AND user_key = ?2",
                    UserDependency::AttachedPolicies,
                ),
            ];
            for (sql, dependency) in checks {
                if !texts(tx, sql, params![account, key])?.is_empty() {
                    return Err(IamError::UserInUse(user.name.clone(), dependency).into());
                }
            }
            tx.exec(
                "DELETE FROM iam_users WHERE account = ?1 AND user_key = ?2",
                params![account, key],
            )
        })
        .await
    }

    async fn create_access_key(&self, key: AccessKey) -> StoreResult<AccessKey> {
        self.write(move |tx| {
            let user = need_user(tx, &key.account, &key.user_name)?;
            let existing = keys_of(tx, &key.account, &user.name)?;
            if existing.len() >= ACCESS_KEYS_PER_USER {
                return Err(IamError::AccessKeyLimit.into());
            }
            let key = AccessKey {
                user_name: user.name,
                ..key
            };
            tx.exec(
                "INSERT INTO iam_access_keys (id, account, user_key, created_at_ms, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key.id,
                    key.account,
                    user_key(&key.user_name),
                    key.created_ms,
                    to_json(&key)?
                ],
            )?;
            Ok(key)
        })
        .await
    }

    async fn access_key(&self, id: &str) -> StoreResult<Option<AccessKey>> {
        let id = id.to_string();
        self.run(move |conn| find_key(conn, &id)).await
    }

    async fn signer(&self, key_id: &str) -> StoreResult<Option<Signer>> {
        let key_id = key_id.to_string();
        self.read(move |conn| {
            let Some(key) = find_key(conn, &key_id)? else {
                return Ok(None);
            };
            let Some(user) = find_user(conn, &key.account, &key.user_name)? else {
                return Ok(None);
            };
            let ukey = user_key(&user.name);
            let mut policies = texts(
                conn,
                "SELECT document FROM iam_user_policies WHERE account = ?1 AND user_key = ?2 \
                 ORDER BY name",
                params![key.account, ukey],
            )?;
            let attached: Vec<String> = texts(
                conn,
                "SELECT arn FROM iam_user_attachments WHERE account = ?1 AND user_key = ?2 \
                 ORDER BY arn",
                params![key.account, ukey],
            )?;
            for arn in attached {
                if let Some(policy) = find_policy(conn, &key.account, &arn)? {
                    let version = find_version(conn, &key.account, &arn, &policy.default_version)?;
                    policies.extend(version);
                }
            }
            Ok(Some(Signer {
                key,
                user,
                policies,
            }))
        })
        .await
    }

    async fn list_access_keys(&self, account: &str, user: &str) -> StoreResult<Vec<AccessKey>> {
        let (account, user) = (account.to_string(), user.to_string());
        self.run(move |conn| {
            let user = need_user(conn, &account, &user)?;
            keys_of(conn, &account, &user.name)
        })
        .await
    }

    async fn set_access_key_status(
        &self,
        account: &str,
        user: &str,
        id: &str,
        status: AccessKeyStatus,
    ) -> StoreResult<()> {
        let (account, user, id) = (account.to_string(), user.to_string(), id.to_string());
        self.write(move |tx| {
            let mut key = need_key_of(tx, &account, &user, &id)?;
            key.status = status;
            tx.exec(
                "UPDATE iam_access_keys SET body = ?1 WHERE id = ?2",
                params![to_json(&key)?, id],
            )
        })
        .await
    }

    async fn delete_access_key(&self, account: &str, user: &str, id: &str) -> StoreResult<()> {
        let (account, user, id) = (account.to_string(), user.to_string(), id.to_string());
        self.write(move |tx| {
            need_key_of(tx, &account, &user, &id)?;
            tx.exec("DELETE FROM iam_access_keys WHERE id = ?1", params![id])
        })
        .await
    }

    async fn put_user_policy(
        &self,
        account: &str,
        user: &str,
        name: &str,
        document: &str,
    ) -> StoreResult<()> {
        let (account, user, name, document) = (
            account.to_string(),
            user.to_string(),
            name.to_string(),
            document.to_string(),
        );
        self.write(move |tx| {
            need_user(tx, &account, &user)?;
            let key = user_key(&user);
            tx.exec(
                "DELETE FROM iam_user_policies WHERE account = ?1 AND user_key = ?2 AND name = ?3",
                params![account, key, name],
            )?;
            tx.exec(
                "INSERT INTO iam_user_policies (account, user_key, name, document) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![account, key, name, document],
            )
        })
        .await
    }

    async fn user_policy(&self, account: &str, user: &str, name: &str) -> StoreResult<String> {
        let (account, user, name) = (account.to_string(), user.to_string(), name.to_string());
        self.run(move |conn| {
            need_user(conn, &account, &user)?;
            find_user_policy(conn, &account, &user, &name)?
                .ok_or_else(|| IamError::NoSuchUserPolicy(name.clone()).into())
        })
        .await
    }

    async fn list_user_policies(&self, account: &str, user: &str) -> StoreResult<Vec<String>> {
        let (account, user) = (account.to_string(), user.to_string());
        self.run(move |conn| {
            need_user(conn, &account, &user)?;
            texts(
                conn,
                "SELECT name FROM iam_user_policies WHERE account = ?1 AND user_key = ?2 \
                 ORDER BY name",
                params![account, user_key(&user)],
            )
        })
        .await
    }

    async fn delete_user_policy(&self, account: &str, user: &str, name: &str) -> StoreResult<()> {
        let (account, user, name) = (account.to_string(), user.to_string(), name.to_string());
        self.write(move |tx| {
            need_user(tx, &account, &user)?;
            if find_user_policy(tx, &account, &user, &name)?.is_none() {
                return Err(IamError::NoSuchUserPolicy(name.clone()).into());
            }
            tx.exec(
                "DELETE FROM iam_user_policies WHERE account = ?1 AND user_key = ?2 AND name = ?3",
                params![account, user_key(&user), name],
            )
        })
        .await
    }

    async fn create_policy(
        &self,
        policy: ManagedPolicy,
        document: &str,
    ) -> StoreResult<ManagedPolicy> {
        let document = document.to_string();
        self.write(move |tx| {
            let taken = texts(
                tx,
                "SELECT arn FROM iam_policies WHERE account = ?1 AND name = ?2",
                params![policy.account, policy.name],
            )?;
            if !taken.is_empty() {
                return Err(IamError::PolicyExists(policy.name.clone()).into());
            }
            let policy = ManagedPolicy {
                default_version: "v1".into(),
                next_version: 2,
                ..policy
            };
            let arn = policy.arn();
            tx.exec(
                "INSERT INTO iam_policies (account, arn, name, created_at_ms, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    policy.account,
                    arn,
                    policy.name,
                    policy.created_ms,
                    to_json(&policy)?
                ],
            )?;
            insert_version(
                tx,
                &policy.account,
                &arn,
                "v1",
                policy.created_ms,
                &document,
            )?;
            Ok(policy)
        })
        .await
    }

    async fn policy(&self, account: &str, arn: &str) -> StoreResult<Option<ManagedPolicy>> {
        let (account, arn) = (account.to_string(), arn.to_string());
        self.run(move |conn| find_policy(conn, &account, &arn))
            .await
    }

    async fn list_policies(&self, account: &str) -> StoreResult<Vec<(ManagedPolicy, usize)>> {
        let account = account.to_string();
        self.read(move |conn| {
            let policies: Vec<ManagedPolicy> = documents(
                conn,
                "SELECT body FROM iam_policies WHERE account = ?1 ORDER BY name",
                params![account],
            )?;
            policies
                .into_iter()
                .map(|p| {
                    let count = attachment_count(conn, &account, &p.arn())?;
                    Ok((p, count))
                })
                .collect()
        })
        .await
    }

    async fn policy_attachment_count(&self, account: &str, arn: &str) -> StoreResult<usize> {
        let (account, arn) = (account.to_string(), arn.to_string());
        self.run(move |conn| attachment_count(conn, &account, &arn))
            .await
    }

    async fn set_policy_tags(
        &self,
        account: &str,
        arn: &str,
        tags: Vec<(String, String)>,
    ) -> StoreResult<ManagedPolicy> {
        let (account, arn) = (account.to_string(), arn.to_string());
        self.write(move |tx| {
            let mut policy = need_policy(tx, &account, &arn)?;
            policy.tags = tags;
            update_policy(tx, &policy)?;
            Ok(policy)
        })
        .await
    }

    async fn delete_policy(&self, account: &str, arn: &str) -> StoreResult<()> {
        let (account, arn) = (account.to_string(), arn.to_string());
        self.write(move |tx| {
            need_policy(tx, &account, &arn)?;
            if attachment_count(tx, &account, &arn)? > 0 {
                return Err(IamError::PolicyAttached(arn.clone()).into());
            }
            tx.exec(
                "DELETE FROM iam_policy_versions WHERE account = ?1 AND arn = ?2",
                params![account, arn],
            )?;
            tx.exec(
                "DELETE FROM iam_policies WHERE account = ?1 AND arn = ?2",
                params![account, arn],
            )
        })
        .await
    }

    async fn create_policy_version(
        &self,
        account: &str,
        arn: &str,
        document: &str,
        set_as_default: bool,
        now_ms: i64,
    ) -> StoreResult<PolicyVersion> {
        let (account, arn, document) = (account.to_string(), arn.to_string(), document.to_string());
        self.write(move |tx| {
            let mut policy = need_policy(tx, &account, &arn)?;
            if versions_of(tx, &policy)?.len() >= VERSIONS_PER_POLICY {
                return Err(IamError::PolicyVersionLimit.into());
            }
            let id = format!("v{}", policy.next_version);
            policy.next_version += 1;
            if set_as_default {
                policy.default_version = id.clone();
                policy.updated_ms = now_ms;
            }
            insert_version(tx, &account, &arn, &id, now_ms, &document)?;
            update_policy(tx, &policy)?;
            Ok(PolicyVersion {
                id,
                document,
                is_default: set_as_default,
                created_ms: now_ms,
            })
        })
        .await
    }

    async fn policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> StoreResult<PolicyVersion> {
        let (account, arn, version) = (account.to_string(), arn.to_string(), version.to_string());
        self.read(move |conn| {
            let policy = need_policy(conn, &account, &arn)?;
            versions_of(conn, &policy)?
                .into_iter()
                .find(|v| v.id == version)
                .ok_or_else(|| IamError::NoSuchPolicyVersion { arn, version }.into())
        })
        .await
    }

    async fn list_policy_versions(
        &self,
        account: &str,
        arn: &str,
    ) -> StoreResult<Vec<PolicyVersion>> {
        let (account, arn) = (account.to_string(), arn.to_string());
        self.read(move |conn| {
            let policy = need_policy(conn, &account, &arn)?;
            let mut versions = versions_of(conn, &policy)?;
            versions.reverse();
            Ok(versions)
        })
        .await
    }

    async fn set_default_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let (account, arn, version) = (account.to_string(), arn.to_string(), version.to_string());
        self.write(move |tx| {
            let mut policy = need_policy(tx, &account, &arn)?;
            if !versions_of(tx, &policy)?.iter().any(|v| v.id == version) {
                return Err(IamError::NoSuchPolicyVersion { arn, version }.into());
            }
            policy.default_version = version;
            policy.updated_ms = now_ms;
            update_policy(tx, &policy)
        })
        .await
    }

    async fn delete_policy_version(
        &self,
        account: &str,
        arn: &str,
        version: &str,
    ) -> StoreResult<()> {
        let (account, arn, version) = (account.to_string(), arn.to_string(), version.to_string());
        self.write(move |tx| {
            let policy = need_policy(tx, &account, &arn)?;
            if !versions_of(tx, &policy)?.iter().any(|v| v.id == version) {
                return Err(IamError::NoSuchPolicyVersion { arn, version }.into());
            }
            if policy.default_version == version {
                return Err(IamError::DefaultVersionDelete.into());
            }
            tx.exec(
                "DELETE FROM iam_policy_versions WHERE account = ?1 AND arn = ?2 \
                 AND version_id = ?3",
                params![account, arn, version],
            )
        })
        .await
    }

    async fn attach_user_policy(&self, account: &str, user: &str, arn: &str) -> StoreResult<()> {
        let (account, user, arn) = (account.to_string(), user.to_string(), arn.to_string());
        self.write(move |tx| {
            need_user(tx, &account, &user)?;
            need_policy(tx, &account, &arn)?;
            let attached = attached_arns(tx, &account, &user)?;
            if attached.contains(&arn) {
                return Ok(());
            }
            if attached.len() >= ATTACHED_POLICIES_PER_USER {
                return Err(IamError::AttachedPolicyLimit.into());
            }
            tx.exec(
                "INSERT INTO iam_user_attachments (account, user_key, arn) VALUES (?1, ?2, ?3)",
                params![account, user_key(&user), arn],
            )
        })
        .await
    }

    async fn detach_user_policy(&self, account: &str, user: &str, arn: &str) -> StoreResult<()> {
        let (account, user, arn) = (account.to_string(), user.to_string(), arn.to_string());
        self.write(move |tx| {
            need_user(tx, &account, &user)?;
            if !attached_arns(tx, &account, &user)?.contains(&arn) {
                return Err(IamError::PolicyNotAttached(arn.clone()).into());
            }
            tx.exec(
                "DELETE FROM iam_user_attachments WHERE account = ?1 AND user_key = ?2 \
                 AND arn = ?3",
                params![account, user_key(&user), arn],
            )
        })
        .await
    }

    async fn list_attached_user_policies(
        &self,
        account: &str,
        user: &str,
    ) -> StoreResult<Vec<ManagedPolicy>> {
        let (account, user) = (account.to_string(), user.to_string());
        self.read(move |conn| {
            need_user(conn, &account, &user)?;
            let mut policies = Vec::new();
            for arn in attached_arns(conn, &account, &user)? {
                policies.extend(find_policy(conn, &account, &arn)?);
            }
            policies.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(policies)
        })
        .await
    }
}

fn find_user(conn: &Conn<'_>, account: &str, name: &str) -> StoreResult<Option<IamUser>> {
    document(
        conn,
        "SELECT body FROM iam_users WHERE account = ?1 AND user_key = ?2",
        params![account, user_key(name)],
    )
}

fn need_user(conn: &Conn<'_>, account: &str, name: &str) -> StoreResult<IamUser> {
    find_user(conn, account, name)?.ok_or_else(|| IamError::NoSuchUser(name.to_string()).into())
}

fn find_key(conn: &Conn<'_>, id: &str) -> StoreResult<Option<AccessKey>> {
    document(
        conn,
        "SELECT body FROM iam_access_keys WHERE id = ?1",
        params![id],
    )
}

/// The key `id` of this user: `NoSuchUser`, then `NoSuchAccessKey` (also for another
/// user's key).
fn need_key_of(conn: &Conn<'_>, account: &str, user: &str, id: &str) -> StoreResult<AccessKey> {
    let user = need_user(conn, account, user)?;
    match find_key(conn, id)? {
        Some(key) if key.account == account && user_key(&key.user_name) == user_key(&user.name) => {
            Ok(key)
        }
        _ => Err(IamError::NoSuchAccessKey(id.to_string()).into()),
    }
}

fn keys_of(conn: &Conn<'_>, account: &str, user: &str) -> StoreResult<Vec<AccessKey>> {
    documents(
        conn,
        "SELECT body FROM iam_access_keys WHERE account = ?1 AND user_key = ?2 \
         ORDER BY created_at_ms, id",
        params![account, user_key(user)],
    )
}

fn find_user_policy(
    conn: &Conn<'_>,
    account: &str,
    user: &str,
    name: &str,
) -> StoreResult<Option<String>> {
    conn.query_row(
        "SELECT document FROM iam_user_policies WHERE account = ?1 AND user_key = ?2 \
         AND name = ?3",
        params![account, user_key(user), name],
        |row| row.get(0),
    )
    .optional()
    .map_err(map_err)
}

fn find_policy(conn: &Conn<'_>, account: &str, arn: &str) -> StoreResult<Option<ManagedPolicy>> {
    document(
        conn,
        "SELECT body FROM iam_policies WHERE account = ?1 AND arn = ?2",
        params![account, arn],
    )
}

fn need_policy(conn: &Conn<'_>, account: &str, arn: &str) -> StoreResult<ManagedPolicy> {
    find_policy(conn, account, arn)?.ok_or_else(|| IamError::NoSuchPolicy(arn.to_string()).into())
}

fn update_policy(conn: &Conn<'_>, policy: &ManagedPolicy) -> StoreResult<()> {
    conn.exec(
        "UPDATE iam_policies SET body = ?1 WHERE account = ?2 AND arn = ?3",
        params![to_json(policy)?, policy.account, policy.arn()],
    )
}

fn insert_version(
    conn: &Conn<'_>,
    account: &str,
    arn: &str,
    id: &str,
    created_ms: i64,
    document: &str,
) -> StoreResult<()> {
    conn.exec(
        "INSERT INTO iam_policy_versions (account, arn, version_id, created_at_ms, document) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![account, arn, id, created_ms, document],
    )
}

fn find_version(
    conn: &Conn<'_>,
    account: &str,
    arn: &str,
    version: &str,
) -> StoreResult<Option<String>> {
    conn.query_row(
        "SELECT document FROM iam_policy_versions WHERE account = ?1 AND arn = ?2 \
         AND version_id = ?3",
        params![account, arn, version],
        |row| row.get(0),
    )
    .optional()
    .map_err(map_err)
}

/// The policy's versions, oldest first, with `is_default` from the policy.
fn versions_of(conn: &Conn<'_>, policy: &ManagedPolicy) -> StoreResult<Vec<PolicyVersion>> {
    let rows = conn
        .query(
            "SELECT version_id, created_at_ms, document FROM iam_policy_versions \
             WHERE account = ?1 AND arn = ?2 ORDER BY created_at_ms, version_id",
            params![policy.account, policy.arn()],
        )
        .map_err(map_err)?;
    let mut versions = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.get(0).map_err(map_err)?;
        versions.push(PolicyVersion {
            is_default: id == policy.default_version,
            id,
            created_ms: row.get(1).map_err(map_err)?,
            document: row.get(2).map_err(map_err)?,
        });
    }
    // Versions made in the same millisecond still come out in number order.
    versions.sort_by_key(|v| (v.created_ms, v.id[1..].parse::<u32>().unwrap_or(0)));
    Ok(versions)
}

fn attached_arns(conn: &Conn<'_>, account: &str, user: &str) -> StoreResult<Vec<String>> {
    texts(
        conn,
        "SELECT arn FROM iam_user_attachments WHERE account = ?1 AND user_key = ?2 ORDER BY arn",
        params![account, user_key(user)],
    )
}

fn attachment_count(conn: &Conn<'_>, account: &str, arn: &str) -> StoreResult<usize> {
    Ok(texts(
        conn,
        "SELECT user_key FROM iam_user_attachments WHERE account = ?1 AND arn = ?2",
        params![account, arn],
    )?
    .len())
}

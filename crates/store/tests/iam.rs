//! IAM (issue 12) on both backends (SQLite, PostgreSQL): users are unique per account without
//! regard to case, keys are kept with their sealed secret byte for byte and found by id
//! alone, a user with keys or policies cannot be deleted, managed policies keep numbered
//! versions (at most five, the default undeletable), attachments and limits hold, refusals
//! write nothing, nothing reaches the change log, and everything survives a reopen.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::error::{DomainError, IamError};
use cairn_model::iam::{AccessKey, AccessKeyStatus, IamUser, ManagedPolicy, UserDependency};
use cairn_store::StoreError;
use common::TestDb;

const ACCOUNT: &str = "111111111111";
const OTHER: &str = "222222222222";
const DOC: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

fn user(account: &str, name: &str) -> IamUser {
    IamUser {
        account: account.into(),
        name: name.into(),
        id: format!("AIDA{}", name.to_uppercase()),
        path: "/".into(),
        created_ms: 1,
        tags: vec![("team".into(), "dns".into())],
    }
}

fn key(id: &str, user: &str, created_ms: i64) -> AccessKey {
    AccessKey {
        id: id.into(),
        account: ACCOUNT.into(),
        user_name: user.into(),
        status: AccessKeyStatus::Active,
        sealed_secret: format!("sealed-{id}"),
        created_ms,
    }
}

fn policy(name: &str) -> ManagedPolicy {
    ManagedPolicy {
        account: ACCOUNT.into(),
        name: name.into(),
        id: format!("ANPA{}", name.to_uppercase()),
        path: "/team/".into(),
        description: "d".into(),
        default_version: String::new(),
        next_version: 0,
        created_ms: 5,
        updated_ms: 5,
        tags: vec![],
    }
}

fn refusal(err: StoreError) -> IamError {
    match err {
        StoreError::Rejected(DomainError::Iam(e)) => e,
        other => panic!("expected an IAM error, got {other:?}"),
    }
}

async fn users_and_keys(db: TestDb) {
    let store = db.open().await;
    let seq = store.latest_seq().await.unwrap();
    let alice = store.create_iam_user(user(ACCOUNT, "Alice")).await.unwrap();
    store.create_iam_user(user(ACCOUNT, "bob")).await.unwrap();
    store.create_iam_user(user(OTHER, "alice")).await.unwrap();

    let taken = store
        .create_iam_user(user(ACCOUNT, "ALICE"))
        .await
        .unwrap_err();
    assert_eq!(refusal(taken), IamError::UserExists("ALICE".into()));
    assert_eq!(
        store.iam_user(ACCOUNT, "alice").await.unwrap(),
        Some(alice.clone()),
        "names match without regard to case"
    );
    let names: Vec<String> = store
        .list_iam_users(ACCOUNT)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(
        names,
        ["Alice", "bob"],
        "another account's users are not listed"
    );

    // The key takes the user's name as created, whatever case the call used.
    let k1 = store
        .create_access_key(key("AKIA1", "alice", 10))
        .await
        .unwrap();
    assert_eq!(k1.user_name, "Alice");
    store
        .create_access_key(key("AKIA2", "Alice", 20))
        .await
        .unwrap();
    let third = store
        .create_access_key(key("AKIA3", "Alice", 30))
        .await
        .unwrap_err();
    assert_eq!(refusal(third), IamError::AccessKeyLimit);
    let nobody = store
        .create_access_key(key("AKIA4", "carol", 30))
        .await
        .unwrap_err();
    assert_eq!(refusal(nobody), IamError::NoSuchUser("carol".into()));
    assert_eq!(store.access_key("AKIA3").await.unwrap(), None);
    assert_eq!(store.access_key("AKIA1").await.unwrap(), Some(k1.clone()));

    store
        .set_access_key_status(ACCOUNT, "Alice", "AKIA1", AccessKeyStatus::Inactive)
        .await
        .unwrap();
    let keys = store.list_access_keys(ACCOUNT, "ALICE").await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| (k.id.as_str(), k.status))
            .collect::<Vec<_>>(),
        [
            ("AKIA1", AccessKeyStatus::Inactive),
            ("AKIA2", AccessKeyStatus::Active)
        ]
    );
    assert_eq!(keys[0].sealed_secret, "sealed-AKIA1");
    let wrong_user = store
        .delete_access_key(ACCOUNT, "bob", "AKIA1")
        .await
        .unwrap_err();
    assert_eq!(
        refusal(wrong_user),
        IamError::NoSuchAccessKey("AKIA1".into())
    );

    let in_use = store.delete_iam_user(ACCOUNT, "Alice").await.unwrap_err();
    assert_eq!(
        refusal(in_use),
        IamError::UserInUse("Alice".into(), UserDependency::AccessKeys)
    );
    store
        .delete_access_key(ACCOUNT, "Alice", "AKIA1")
        .await
        .unwrap();
    store
        .delete_access_key(ACCOUNT, "Alice", "AKIA2")
        .await
        .unwrap();

    store
        .set_iam_user_tags(ACCOUNT, "alice", vec![("env".into(), "prod".into())])
        .await
        .unwrap();
    assert_eq!(
        store
            .iam_user(ACCOUNT, "Alice")
            .await
            .unwrap()
            .unwrap()
            .tags,
        [("env".to_string(), "prod".to_string())]
    );
    store.delete_iam_user(ACCOUNT, "alice").await.unwrap();
    assert_eq!(store.iam_user(ACCOUNT, "Alice").await.unwrap(), None);
    assert!(store.iam_user(OTHER, "alice").await.unwrap().is_some());
    let gone = store.delete_iam_user(ACCOUNT, "alice").await.unwrap_err();
    assert_eq!(refusal(gone), IamError::NoSuchUser("alice".into()));

    assert_eq!(
        store.latest_seq().await.unwrap(),
        seq,
        "IAM writes log no change"
    );
    drop(store);
    let reopened = db.open().await;
    assert_eq!(reopened.list_iam_users(ACCOUNT).await.unwrap().len(), 1);
}

async fn inline_policies(db: TestDb) {
    let store = db.open().await;
    store.create_iam_user(user(ACCOUNT, "bob")).await.unwrap();
    store
        .create_access_key(key("AKIAB", "bob", 1))
        .await
        .unwrap();
    store
        .put_user_policy(ACCOUNT, "bob", "zeta", DOC)
        .await
        .unwrap();
    store
        .put_user_policy(ACCOUNT, "bob", "alpha", "{}")
        .await
        .unwrap();
    store
        .put_user_policy(ACCOUNT, "Bob", "alpha", DOC)
        .await
        .unwrap();
    assert_eq!(
        store.list_user_policies(ACCOUNT, "bob").await.unwrap(),
        ["alpha", "zeta"]
    );
    assert_eq!(
        store.user_policy(ACCOUNT, "bob", "alpha").await.unwrap(),
        DOC
    );
    let missing = store.user_policy(ACCOUNT, "bob", "nope").await.unwrap_err();
    assert_eq!(refusal(missing), IamError::NoSuchUserPolicy("nope".into()));
    let no_user = store
        .put_user_policy(ACCOUNT, "carol", "p", DOC)
        .await
        .unwrap_err();
    assert_eq!(refusal(no_user), IamError::NoSuchUser("carol".into()));

    let signer = store.signer("AKIAB").await.unwrap().unwrap();
    assert_eq!(signer.user.name, "bob");
    assert_eq!(signer.policies, [DOC, DOC]);
    assert_eq!(store.signer("AKIANONE").await.unwrap(), None);

    store
        .delete_access_key(ACCOUNT, "bob", "AKIAB")
        .await
        .unwrap();
    let in_use = store.delete_iam_user(ACCOUNT, "bob").await.unwrap_err();
    assert_eq!(
        refusal(in_use),
        IamError::UserInUse("bob".into(), UserDependency::InlinePolicies)
    );
    store
        .delete_user_policy(ACCOUNT, "bob", "alpha")
        .await
        .unwrap();
    store
        .delete_user_policy(ACCOUNT, "bob", "zeta")
        .await
        .unwrap();
    let again = store
        .delete_user_policy(ACCOUNT, "bob", "zeta")
        .await
        .unwrap_err();
    assert_eq!(refusal(again), IamError::NoSuchUserPolicy("zeta".into()));
    store.delete_iam_user(ACCOUNT, "bob").await.unwrap();
}

async fn managed_policies_versions_and_attachments(db: TestDb) {
    let store = db.open().await;
    let created = store.create_policy(policy("acme"), DOC).await.unwrap();
    let arn = "arn:aws:iam::111111111111:policy/team/acme";
    assert_eq!(created.arn(), arn);
    assert_eq!(created.default_version, "v1");
    let dup = store.create_policy(policy("acme"), DOC).await.unwrap_err();
    assert_eq!(refusal(dup), IamError::PolicyExists("acme".into()));

    for n in 2..=5 {
        let v = store
            .create_policy_version(ACCOUNT, arn, &format!("doc{n}"), n == 3, 100 + n)
            .await
            .unwrap();
        assert_eq!(v.id, format!("v{n}"));
    }
    let full = store
        .create_policy_version(ACCOUNT, arn, "doc6", false, 200)
        .await
        .unwrap_err();
    assert_eq!(refusal(full), IamError::PolicyVersionLimit);
    let versions = store.list_policy_versions(ACCOUNT, arn).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.id.as_str(), v.is_default))
            .collect::<Vec<_>>(),
        [
            ("v5", false),
            ("v4", false),
            ("v3", true),
            ("v2", false),
            ("v1", false)
        ]
    );
    let default = store
        .delete_policy_version(ACCOUNT, arn, "v3")
        .await
        .unwrap_err();
    assert_eq!(refusal(default), IamError::DefaultVersionDelete);
    store
        .delete_policy_version(ACCOUNT, arn, "v1")
        .await
        .unwrap();
    let v6 = store
        .create_policy_version(ACCOUNT, arn, "doc6", true, 300)
        .await
        .unwrap();
    assert_eq!(v6.id, "v6", "numbers are not reused");
    assert_eq!(
        store
            .policy_version(ACCOUNT, arn, "v6")
            .await
            .unwrap()
            .document,
        "doc6"
    );
    let missing = store.policy_version(ACCOUNT, arn, "v1").await.unwrap_err();
    assert_eq!(
        refusal(missing),
        IamError::NoSuchPolicyVersion {
            arn: arn.into(),
            version: "v1".into()
        }
    );
    store
        .set_default_policy_version(ACCOUNT, arn, "v2", 400)
        .await
        .unwrap();
    assert_eq!(
        store
            .policy(ACCOUNT, arn)
            .await
            .unwrap()
            .unwrap()
            .default_version,
        "v2"
    );

    store.create_iam_user(user(ACCOUNT, "ci")).await.unwrap();
    store
        .create_access_key(key("AKIACI", "ci", 1))
        .await
        .unwrap();
    store.attach_user_policy(ACCOUNT, "ci", arn).await.unwrap();
    store.attach_user_policy(ACCOUNT, "CI", arn).await.unwrap();
    assert_eq!(
        store.policy_attachment_count(ACCOUNT, arn).await.unwrap(),
        1
    );
    let signer = store.signer("AKIACI").await.unwrap().unwrap();
    assert_eq!(signer.policies, ["doc2"], "the default version's document");
    let listed = store.list_policies(ACCOUNT).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1, 1);
    assert_eq!(
        store
            .list_attached_user_policies(ACCOUNT, "ci")
            .await
            .unwrap()
            .iter()
            .map(|p| p.arn())
            .collect::<Vec<_>>(),
        [arn]
    );

    let attached = store.delete_policy(ACCOUNT, arn).await.unwrap_err();
    assert_eq!(refusal(attached), IamError::PolicyAttached(arn.into()));
    store
        .delete_access_key(ACCOUNT, "ci", "AKIACI")
        .await
        .unwrap();
    let in_use = store.delete_iam_user(ACCOUNT, "ci").await.unwrap_err();
    assert_eq!(
        refusal(in_use),
        IamError::UserInUse("ci".into(), UserDependency::AttachedPolicies)
    );
    let nope = "arn:aws:iam::111111111111:policy/nope";
    let unknown = store
        .attach_user_policy(ACCOUNT, "ci", nope)
        .await
        .unwrap_err();
    assert_eq!(refusal(unknown), IamError::NoSuchPolicy(nope.into()));
    let not_attached = store
        .detach_user_policy(ACCOUNT, "ci", nope)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(not_attached),
        IamError::PolicyNotAttached(nope.into())
    );
    store.detach_user_policy(ACCOUNT, "ci", arn).await.unwrap();
    store.delete_iam_user(ACCOUNT, "ci").await.unwrap();

    // Ten attachments at most.
    store.create_iam_user(user(ACCOUNT, "many")).await.unwrap();
    for n in 0..10 {
        let p = store
            .create_policy(policy(&format!("p{n}")), DOC)
            .await
            .unwrap();
        store
            .attach_user_policy(ACCOUNT, "many", &p.arn())
            .await
            .unwrap();
    }
    let eleventh = store.create_policy(policy("p10"), DOC).await.unwrap();
    let limit = store
        .attach_user_policy(ACCOUNT, "many", &eleventh.arn())
        .await
        .unwrap_err();
    assert_eq!(refusal(limit), IamError::AttachedPolicyLimit);

    store
        .set_policy_tags(ACCOUNT, &eleventh.arn(), vec![("k".into(), "v".into())])
        .await
        .unwrap();
    store.delete_policy(ACCOUNT, &eleventh.arn()).await.unwrap();
    assert_eq!(store.policy(ACCOUNT, &eleventh.arn()).await.unwrap(), None);
    let gone = store
        .list_policy_versions(ACCOUNT, &eleventh.arn())
        .await
        .unwrap_err();
    assert_eq!(refusal(gone), IamError::NoSuchPolicy(eleventh.arn()));
    assert!(store.policy(OTHER, arn).await.unwrap().is_none());
}

on_both_backends!(
    users_and_keys,
    inline_policies,
    managed_policies_versions_and_attachments,
);

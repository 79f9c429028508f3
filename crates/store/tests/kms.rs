//! The KMS subset (issue 18) on both backends (SQLite, PostgreSQL): keys are kept with their
//! sealed private half byte for byte, state changes run the model's rules in one
//! transaction (a refused change writes nothing), aliases are unique per account and
//! region, nothing is written to the change log, and everything survives a reopen.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::error::DomainError;
use cairn_model::kms::{KeyState, KmsAlias, KmsError, KmsKey, KmsKeyChange};
use cairn_store::StoreError;
use common::TestDb;

const ACCOUNT: &str = "111111111111";

fn key(id: &str, region: &str, created_ms: i64) -> KmsKey {
    KmsKey {
        id: id.into(),
        account: ACCOUNT.into(),
        region: region.into(),
        spec: "ECC_NIST_P256".into(),
        usage: "SIGN_VERIFY".into(),
        description: "ksk".into(),
        state: KeyState::Enabled,
        deletion_date_ms: None,
        pending_window_days: None,
        created_ms,
        policy: "{\"Version\": \"2012-10-17\"}".into(),
        tags: vec![("team".into(), "dns".into())],
        sealed_private_key: "AQIDBAUGBwgJ".into(),
    }
}

fn refusal(err: StoreError) -> KmsError {
    match err {
        StoreError::Rejected(DomainError::Kms(e)) => e,
        other => panic!("expected a KMS error, got {other:?}"),
    }
}

async fn keys_change_state_by_the_model_rules(db: TestDb) {
    let store = db.open().await;
    let seq = store.latest_seq().await.unwrap();
    let first = store
        .create_kms_key(key("k1", "us-east-1", 1))
        .await
        .unwrap();
    store
        .create_kms_key(key("k2", "us-east-1", 2))
        .await
        .unwrap();
    store
        .create_kms_key(key("k3", "eu-west-1", 3))
        .await
        .unwrap();

    assert_eq!(
        store.kms_key(ACCOUNT, "k1").await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.kms_key("222222222222", "k1").await.unwrap(), None);
    let listed: Vec<String> = store
        .list_kms_keys(ACCOUNT, "us-east-1")
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(listed, ["k1", "k2"], "the region's keys, oldest first");

    let scheduled = store
        .change_kms_key(
            ACCOUNT,
            "k1",
            KmsKeyChange::ScheduleDeletion {
                deletion_date_ms: 99,
                window_days: 7,
            },
        )
        .await
        .unwrap();
    assert_eq!(scheduled.state, KeyState::PendingDeletion);
    let refused = store
        .change_kms_key(ACCOUNT, "k1", KmsKeyChange::PutPolicy("{}".into()))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(refused),
        KmsError::PendingDeletion("arn:aws:kms:us-east-1:111111111111:key/k1".into())
    );
    assert_eq!(
        store.kms_key(ACCOUNT, "k1").await.unwrap().unwrap().policy,
        first.policy,
        "a refused change writes nothing"
    );
    let missing = store
        .change_kms_key(ACCOUNT, "nope", KmsKeyChange::Enable)
        .await
        .unwrap_err();
    assert!(matches!(refusal(missing), KmsError::KeyNotFound(_)));

    store
        .change_kms_key(
            ACCOUNT,
            "k2",
            KmsKeyChange::Tag(vec![("env".into(), "prod".into())]),
        )
        .await
        .unwrap();
    assert_eq!(
        store.latest_seq().await.unwrap(),
        seq,
        "KMS writes log no change"
    );

    // Everything survives a reopen, the sealed key byte for byte.
    drop(store);
    let store = db.open().await;
    let k1 = store.kms_key(ACCOUNT, "k1").await.unwrap().unwrap();
    assert_eq!(k1.state, KeyState::PendingDeletion);
    assert_eq!(k1.deletion_date_ms, Some(99));
    assert_eq!(k1.sealed_private_key, "AQIDBAUGBwgJ");
    let k2 = store.kms_key(ACCOUNT, "k2").await.unwrap().unwrap();
    assert_eq!(
        k2.tags,
        vec![("team".into(), "dns".into()), ("env".into(), "prod".into())]
    );
}

async fn aliases_are_unique_per_account_and_region(db: TestDb) {
    let store = db.open().await;
    store
        .create_kms_key(key("k1", "us-east-1", 1))
        .await
        .unwrap();
    let alias = |name: &str, region: &str| KmsAlias {
        name: name.into(),
        account: ACCOUNT.into(),
        region: region.into(),
        target_key_id: "k1".into(),
        created_ms: 5,
    };
    store
        .create_kms_alias(alias("alias/b", "us-east-1"))
        .await
        .unwrap();
    store
        .create_kms_alias(alias("alias/a", "us-east-1"))
        .await
        .unwrap();
    store
        .create_kms_alias(alias("alias/a", "eu-west-1"))
        .await
        .unwrap();
    let again = store
        .create_kms_alias(alias("alias/a", "us-east-1"))
        .await
        .unwrap_err();
    assert_eq!(
        refusal(again),
        KmsError::AliasExists("arn:aws:kms:us-east-1:111111111111:alias/a".into())
    );
    let names: Vec<String> = store
        .list_kms_aliases(ACCOUNT, "us-east-1")
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, ["alias/a", "alias/b"]);
    assert_eq!(
        store
            .kms_alias(ACCOUNT, "us-east-1", "alias/a")
            .await
            .unwrap(),
        Some(alias("alias/a", "us-east-1"))
    );

    store
        .delete_kms_alias(ACCOUNT, "us-east-1", "alias/a")
        .await
        .unwrap();
    let gone = store
        .delete_kms_alias(ACCOUNT, "us-east-1", "alias/a")
        .await
        .unwrap_err();
    assert!(matches!(refusal(gone), KmsError::AliasNotFound(_)));
    assert_eq!(
        store
            .kms_alias(ACCOUNT, "eu-west-1", "alias/a")
            .await
            .unwrap()
            .map(|a| a.region),
        Some("eu-west-1".into()),
        "another region's alias of the same name stays"
    );
}

on_both_backends!(
    keys_change_state_by_the_model_rules,
    aliases_are_unique_per_account_and_region,
);

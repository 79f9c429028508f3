//! The KMS subset over json-1.1, in process: keys made through the API serve Route 53's
//! DNSSEC signing through `kms::ksk` (DNSSEC's `x‖y` public key and `r‖s` signatures, which
//! verify against the SPKI that GetPublicKey returns), the refusals `ksk` reports, and that
//! the store only ever holds the private key sealed.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use cairn_api::kms::ksk::{ksk_public_key, ksk_sign, KskKeyError};
use cairn_crypto::p256;
use common::{signed_json, Api, Reply};
use serde_json::{json, Value};

const ACCOUNT: &str = "111111111111";

/// A KMS json-1.1 request (`X-Amz-Target: TrentService.*`, signed for `kms` in `region`).
fn kms_request(operation: &str, body: &str, region: &str) -> Request<Body> {
    signed_json(&format!("TrentService.{operation}"), "kms", region, body)
}

impl Api {
    async fn kms(&self, operation: &str, body: Value) -> Value {
        self.kms_in("us-east-1", operation, body).await
    }

    async fn kms_in(&self, region: &str, operation: &str, body: Value) -> Value {
        let reply = self
            .send(kms_request(operation, &body.to_string(), region))
            .await;
        ok(&reply)
    }
}

fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.headers.get("content-type").unwrap(),
        "application/x-amz-json-1.1"
    );
    serde_json::from_str(&reply.body).unwrap()
}

async fn new_key(api: &Api, region: &str) -> (String, String) {
    let made = api
        .kms_in(
            region,
            "CreateKey",
            json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
        )
        .await;
    let meta = &made["KeyMetadata"];
    (
        meta["KeyId"].as_str().unwrap().to_string(),
        meta["Arn"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_ksk_signs_with_the_key_get_public_key_returns() {
    let api = Api::new().await;
    let (id, arn) = new_key(&api, "us-east-1").await;
    assert_eq!(arn, format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{id}"));

    let spki = api.kms("GetPublicKey", json!({"KeyId": id})).await["PublicKey"]
        .as_str()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
        .unwrap();
    let dnskey = ksk_public_key(&api.state, ACCOUNT, &arn).await.unwrap();
    assert_eq!(p256::public_key_from_spki(&spki), Some(dnskey));

    let message = b"RRSIG prefix and the canonical DNSKEY RRset";
    let signature = ksk_sign(&api.state, ACCOUNT, &arn, message).await.unwrap();
    assert!(p256::verify_fixed(&dnskey, message, &signature));
    assert!(!p256::verify_fixed(&dnskey, b"another message", &signature));

    // KMS's own Sign makes the same kind of signature (DER), over the same message.
    let signed = api
        .kms(
            "Sign",
            json!({
                "KeyId": arn,
                "Message": base64::engine::general_purpose::STANDARD.encode(message),
                "SigningAlgorithm": "ECDSA_SHA_256",
            }),
        )
        .await;
    let der = base64::engine::general_purpose::STANDARD
        .decode(signed["Signature"].as_str().unwrap())
        .unwrap();
    assert!(p256::verify_der(&dnskey, message, &der));

    // The store holds no private key in the clear: only the sealed PKCS#8.
    let stored = api
        .state
        .store
        .kms_key(ACCOUNT, &id)
        .await
        .unwrap()
        .unwrap();
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&stored.sealed_private_key)
        .unwrap();
    assert!(api
        .state
        .master_key
        .open(&format!("kms-key:{id}"), &sealed)
        .is_ok());
    assert!(api
        .state
        .master_key
        .open("kms-key:another", &sealed)
        .is_err());
}

#[tokio::test]
async fn a_ksk_key_must_be_an_enabled_p256_key_of_the_account_in_us_east_1() {
    let api = Api::new().await;
    let (id, arn) = new_key(&api, "us-east-1").await;

    for wrong in [
        id.clone(),
        format!("arn:aws:kms:us-east-1:222222222222:key/{id}"),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000"),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:alias/ksk"),
        "not an arn".to_string(),
    ] {
        let err = ksk_public_key(&api.state, ACCOUNT, &wrong).await;
        assert!(
            matches!(err, Err(KskKeyError::NotFound)),
            "{wrong}: {err:?}"
        );
    }
    let (_, elsewhere) = new_key(&api, "eu-west-1").await;
    let err = ksk_sign(&api.state, ACCOUNT, &elsewhere, b"m").await;
    assert!(matches!(err, Err(KskKeyError::NotFound)), "{err:?}");

    api.kms("DisableKey", json!({"KeyId": id})).await;
    let err = ksk_sign(&api.state, ACCOUNT, &arn, b"m").await;
    assert!(matches!(err, Err(KskKeyError::NotEnabled)), "{err:?}");
    api.kms("EnableKey", json!({"KeyId": id})).await;
    ksk_sign(&api.state, ACCOUNT, &arn, b"m").await.unwrap();
    api.kms(
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    )
    .await;
    let err = ksk_public_key(&api.state, ACCOUNT, &arn).await;
    assert!(matches!(err, Err(KskKeyError::NotEnabled)), "{err:?}");

    // A key of another spec (none can be made through the API today) is refused as such.
    let mut other = api
        .state
        .store
        .kms_key(ACCOUNT, &id)
        .await
        .unwrap()
        .unwrap();
    other.id = "11111111-1111-4111-8111-111111111111".into();
    other.spec = "RSA_2048".into();
    other.state = cairn_model::kms::KeyState::Enabled;
    let other = api.state.store.create_kms_key(other).await.unwrap();
    let err = ksk_public_key(&api.state, ACCOUNT, &other.arn()).await;
    assert!(
        matches!(err, Err(KskKeyError::WrongKeySpecOrUsage)),
        "{err:?}"
    );
}

#[tokio::test]
async fn kms_errors_have_kms_codes() {
    let api = Api::new().await;
    let reply = api
        .send(kms_request(
            "CreateKey",
            &json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}).to_string(),
            "us-east-1",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "UnsupportedOperationException");

    let reply = api.send(kms_request("Encrypt", "{}", "us-east-1")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn keys_past_their_deletion_date_are_purged_with_their_aliases() {
    use cairn_api::kms::purge::purge_due;
    let api = Api::new().await;
    let (id, _) = new_key(&api, "us-east-1").await;
    let (kept, _) = new_key(&api, "us-east-1").await;
    api.kms(
        "CreateAlias",
        json!({"AliasName": "alias/going", "TargetKeyId": id}),
    )
    .await;
    api.kms(
        "CreateAlias",
        json!({"AliasName": "alias/staying", "TargetKeyId": kept}),
    )
    .await;
    api.kms(
        "ScheduleKeyDeletion",
        json!({"KeyId": id, "PendingWindowInDays": 7}),
    )
    .await;
    let stored = api.state.store.kms_key(ACCOUNT, &id).await.unwrap();
    let date_ms = stored.unwrap().deletion_date_ms.unwrap();

    // Before the date: still there, PendingDeletion.
    assert_eq!(purge_due(&api.state, date_ms - 1).await, 0);
    let described = api.kms("DescribeKey", json!({"KeyId": id})).await;
    assert_eq!(described["KeyMetadata"]["KeyState"], "PendingDeletion");

    // At the date: the key and its alias are gone from the store; the other key stays.
    assert_eq!(purge_due(&api.state, date_ms).await, 1);
    assert!(api
        .state
        .store
        .kms_key(ACCOUNT, &id)
        .await
        .unwrap()
        .is_none());
    assert!(api
        .state
        .store
        .kms_key(ACCOUNT, &kept)
        .await
        .unwrap()
        .is_some());
    let reply = api
        .send(kms_request(
            "DescribeKey",
            &json!({"KeyId": id}).to_string(),
            "us-east-1",
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["__type"], "NotFoundException");
    let aliases = api.kms("ListAliases", json!({})).await;
    let names: Vec<&str> = aliases["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["AliasName"].as_str())
        .collect();
    assert!(names.contains(&"alias/staying"), "{names:?}");
    assert!(!names.contains(&"alias/going"), "{names:?}");
    let listed = api.kms("ListKeys", json!({})).await;
    assert!(!listed.to_string().contains(&id), "{listed}");
    // Nothing more to purge.
    assert_eq!(purge_due(&api.state, date_ms + 1).await, 0);
}

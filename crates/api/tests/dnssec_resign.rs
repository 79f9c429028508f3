//! Route 53 DNSSEC signing in process (issue 18): the DNSKEY RRset stored on enable is signed
//! by the KSK's KMS key (the RRSIG verifies over `signed_data`), and the background re-signer
//! renews it before expiry, marks the KSK and the zone ACTION_NEEDED when the KMS key is
//! disabled (keeping the signatures it had), and sets both back once the key signs again.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use cairn_api::route53::dnssec::resign::resign_due;
use cairn_api::route53::dnssec::sign::{now_secs, RENEW_BEFORE, VALIDITY};
use cairn_crypto::dnssec::{signed_data, RrsigFields};
use cairn_model::dnssec::{KskStatus, SigningStatus, ZoneSigning};
use cairn_model::HostedZoneId;
use common::{signed_json, Api};
use serde_json::{json, Value};

/// A KMS json-1.1 call, signed as botocore signs it.
async fn kms(api: &Api, operation: &str, body: Value) -> Value {
    let request = signed_json(
        &format!("TrentService.{operation}"),
        "kms",
        "us-east-1",
        &body.to_string(),
    );
    let reply = api.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

/// Asserts that every stored DNSKEY RRSIG verifies with the zone's KSK over its DNSKEY RRset.
fn assert_signed(zone_name: &[u8], signing: &ZoneSigning) {
    let ksk: [u8; 64] = signing.ksks[0].public_key.as_slice().try_into().unwrap();
    let records: Vec<&[u8]> = signing.dnskeys.iter().map(Vec::as_slice).collect();
    assert!(!signing.dnskey_rrsigs.is_empty());
    for rrsig in &signing.dnskey_rrsigs {
        let (fields, signature): (RrsigFields, &[u8]) = RrsigFields::parse(rrsig).unwrap();
        assert_eq!(fields.type_covered, 48);
        assert_eq!(
            i64::from(fields.expiration),
            signing.signatures_expire_at,
            "the stored expiry is the signature's"
        );
        let data = signed_data(&fields, zone_name, 1, &records);
        assert!(cairn_crypto::p256::verify_fixed(&ksk, &data, signature));
    }
}

async fn state_of(api: &Api, zone: &str) -> ZoneSigning {
    api.state
        .store
        .zone_signing(&HostedZoneId::new(zone))
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn signatures_are_renewed_and_a_failing_kms_key_needs_action() {
    let api = Api::new().await;
    let zone = api.create_zone("resign.example.", "resign").await;
    let arn = kms(
        &api,
        "CreateKey",
        json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    )
    .await["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    let created = api
        .post(
            "/2013-04-01/keysigningkey",
            &format!(
                "<CreateKeySigningKeyRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">\
                 <CallerReference>r1</CallerReference><HostedZoneId>{zone}</HostedZoneId>\
                 <KeyManagementServiceArn>{arn}</KeyManagementServiceArn><Name>ksk</Name>\
                 <Status>ACTIVE</Status></CreateKeySigningKeyRequest>"
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let enabled = api
        .post(&format!("/2013-04-01/hostedzone/{zone}/enable-dnssec"), "")
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.body);

    let owner = b"\x06resign\x07example\x00";
    let first = state_of(&api, &zone).await;
    assert_eq!(first.status, SigningStatus::Signing);
    assert_signed(owner, &first);
    let now = now_secs();
    assert!((first.signatures_expire_at - (now + VALIDITY)).abs() < 60);
    // The data plane gets the same RRset and signatures.
    let served = api
        .state
        .store
        .load_zone(&HostedZoneId::new(&zone))
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .unwrap();
    assert_eq!(served.dnskey_rrsigs, first.dnskey_rrsigs);

    // Not due yet: nothing is written.
    assert_eq!(resign_due(&api.state, now).await, 0);
    // Due (fewer than RENEW_BEFORE seconds left): signed again, valid further.
    let later = first.signatures_expire_at - RENEW_BEFORE + 3600;
    assert_eq!(resign_due(&api.state, later).await, 1);
    let renewed = state_of(&api, &zone).await;
    assert_eq!(renewed.signatures_expire_at, later + VALIDITY);
    assert_eq!(renewed.zsks, first.zsks, "the ZSK is kept");
    assert_signed(owner, &renewed);

    // The KMS key is disabled: the KSK and the zone need action, the signatures stay.
    kms(&api, "DisableKey", json!({"KeyId": arn})).await;
    let due = renewed.signatures_expire_at - RENEW_BEFORE + 3600;
    assert_eq!(resign_due(&api.state, due).await, 1);
    let failed = state_of(&api, &zone).await;
    assert_eq!(failed.status, SigningStatus::ActionNeeded);
    assert_eq!(failed.ksks[0].status, KskStatus::ActionNeeded);
    assert_eq!(
        failed.ksks[0].status_message.as_deref(),
        Some("The KMS key is disabled or pending deletion.")
    );
    assert_eq!(failed.dnskey_rrsigs, renewed.dnskey_rrsigs);
    let shown = api
        .get(&format!("/2013-04-01/hostedzone/{zone}/dnssec"))
        .await;
    assert_eq!(
        shown.text("Status/ServeSignature").as_deref(),
        Some("ACTION_NEEDED")
    );
    assert_eq!(
        shown.text("KeySigningKeys/member/Status").as_deref(),
        Some("ACTION_NEEDED")
    );
    // Still answered signed while the old signatures last.
    assert!(api
        .state
        .store
        .load_zone(&HostedZoneId::new(&zone))
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .is_some());
    // A second failing pass writes nothing new.
    assert_eq!(resign_due(&api.state, due).await, 0);

    // The key works again: ACTIVE and SIGNING, signed afresh.
    kms(&api, "EnableKey", json!({"KeyId": arn})).await;
    assert_eq!(resign_due(&api.state, due).await, 1);
    let back = state_of(&api, &zone).await;
    assert_eq!(back.status, SigningStatus::Signing);
    assert_eq!(back.ksks[0].status, KskStatus::Active);
    assert_eq!(back.ksks[0].status_message, None);
    assert_signed(owner, &back);
}

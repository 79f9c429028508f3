//! Route 53 DNSSEC signing in process (issue 18): the DNSKEY RRset stored on enable is signed
//! by the KSK's KMS key (the RRSIG verifies over `signed_data`), and the background re-signer
//! renews it before expiry, marks the KSK and the zone ACTION_NEEDED when the KMS key is
//! disabled (keeping the signatures it had), and sets both back once the key signs again.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use cairn_api::route53::dnssec::resign::resign_due;
use cairn_api::route53::dnssec::rollover::Rollover;
use cairn_api::route53::dnssec::sign::{now_secs, RENEW_BEFORE, VALIDITY};
use cairn_crypto::dnssec::{signed_data, Dnskey, RrsigFields};
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

/// Creates `name`, a KSK for a new KMS key, and enables signing; the zone id and the ARN.
async fn signed_zone(api: &Api, name: &str) -> (String, String) {
    let zone = api.create_zone(name, name).await;
    let arn = kms(
        api,
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
    (zone, arn)
}

#[tokio::test]
async fn signatures_are_renewed_and_a_failing_kms_key_needs_action() {
    let api = Api::new().await;
    let (zone, arn) = signed_zone(&api, "resign.example.").await;

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
    assert_eq!(resign_due(&api.state, now, &Rollover::default()).await, 0);
    // Due (fewer than RENEW_BEFORE seconds left): signed again, valid further.
    let later = first.signatures_expire_at - RENEW_BEFORE + 3600;
    assert_eq!(resign_due(&api.state, later, &Rollover::default()).await, 1);
    let renewed = state_of(&api, &zone).await;
    assert_eq!(renewed.signatures_expire_at, later + VALIDITY);
    assert_eq!(renewed.zsks, first.zsks, "the ZSK is kept");
    assert_signed(owner, &renewed);

    // The KMS key is disabled: the KSK and the zone need action, the signatures stay.
    kms(&api, "DisableKey", json!({"KeyId": arn})).await;
    let due = renewed.signatures_expire_at - RENEW_BEFORE + 3600;
    assert_eq!(resign_due(&api.state, due, &Rollover::default()).await, 1);
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
    assert_eq!(resign_due(&api.state, due, &Rollover::default()).await, 0);

    // The key works again: ACTIVE and SIGNING, signed afresh.
    kms(&api, "EnableKey", json!({"KeyId": arn})).await;
    assert_eq!(resign_due(&api.state, due, &Rollover::default()).await, 1);
    let back = state_of(&api, &zone).await;
    assert_eq!(back.status, SigningStatus::Signing);
    assert_eq!(back.ksks[0].status, KskStatus::Active);
    assert_eq!(back.ksks[0].status_message, None);
    assert_signed(owner, &back);
}

/// The ZSKs as (key tag, active, retired), and the DNSKEY RRset's key tags.
fn keys_of(signing: &ZoneSigning) -> (Vec<(u16, bool, bool)>, Vec<u16>) {
    let zsks = signing
        .zsks
        .iter()
        .map(|z| (z.key_tag, z.active, z.retired_at != 0))
        .collect();
    let tags = signing
        .dnskeys
        .iter()
        .map(|rdata| {
            let (flags, key) = (u16::from_be_bytes([rdata[0], rdata[1]]), &rdata[4..]);
            Dnskey::p256(flags, key.try_into().unwrap()).key_tag()
        })
        .collect();
    (zsks, tags)
}

#[tokio::test]
async fn the_zsk_rolls_over_by_pre_publication_on_schedule() {
    let api = Api::new().await;
    let (zone, _) = signed_zone(&api, "roll.example.").await;
    let owner = b"\x04roll\x07example\x00";
    let daily = Rollover {
        interval: std::time::Duration::from_secs(86_400),
    };
    let first = state_of(&api, &zone).await;
    let old = first.zsks[0].key_tag;
    let start = first.zsks[0].activated_at;
    assert!(
        (start - now_secs()).abs() < 60,
        "a new ZSK starts signing now"
    );

    // Before the interval: nothing to do.
    assert_eq!(resign_due(&api.state, start + 86_000, &daily).await, 0);

    // Publish: the new key is in the signed DNSKEY RRset, not signing yet.
    assert_eq!(resign_due(&api.state, start + 86_400, &daily).await, 1);
    let published = state_of(&api, &zone).await;
    let (zsks, tags) = keys_of(&published);
    let new = zsks[1].0;
    assert_eq!(zsks, [(old, true, false), (new, false, false)]);
    assert!(tags.contains(&old) && tags.contains(&new), "{tags:?}");
    assert_signed(owner, &published);
    let served = api
        .state
        .store
        .load_zone(&HostedZoneId::new(&zone))
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .unwrap();
    assert_eq!(served.zsks.iter().filter(|z| z.active).count(), 1);
    assert!(served.zsks.iter().any(|z| z.active && z.key_tag == old));

    // The new key signs only once the DNSKEY TTL has passed since it was published.
    let published_at = start + 86_400;
    let ttl = i64::from(published.dnskey_ttl);
    assert_eq!(
        resign_due(&api.state, published_at + ttl - 1, &daily).await,
        0
    );
    assert_eq!(resign_due(&api.state, published_at + ttl, &daily).await, 1);
    let switched = state_of(&api, &zone).await;
    let (zsks, tags) = keys_of(&switched);
    assert_eq!(zsks, [(old, false, true), (new, true, false)]);
    assert!(
        tags.contains(&old),
        "the old key stays published while its signatures live"
    );
    assert_signed(owner, &switched);

    // Removed after the zone's longest TTL (its NS, 172800 s).
    let retired_at = published_at + ttl;
    assert_eq!(
        resign_due(&api.state, retired_at + 172_799, &daily).await,
        0
    );
    assert_eq!(
        resign_due(&api.state, retired_at + 172_800, &daily).await,
        1
    );
    let done = state_of(&api, &zone).await;
    let (zsks, tags) = keys_of(&done);
    assert_eq!(zsks, [(new, true, false)]);
    assert!(!tags.contains(&old) && tags.contains(&new));
    assert_signed(owner, &done);
    // One step per pass: the next rollover (due a day after the new key began signing)
    // starts on the following pass.
    assert_eq!(
        resign_due(&api.state, retired_at + 172_800, &daily).await,
        1
    );
    let (zsks, _) = keys_of(&state_of(&api, &zone).await);
    assert_eq!(zsks.len(), 2);
    assert_eq!(zsks[0], (new, true, false));
}

//! Route 53 DNSSEC state (issue 18) on both backends (SQLite, PostgreSQL): a zone starts
//! NOT_SIGNING, a write round-trips KSKs and sealed ZSKs, each write logs a change for the
//! zone, the data plane sees `ZoneContents::dnssec` only while the zone signs, a stale write
//! is refused as ConcurrentModification, and DeleteHostedZone is refused while KSKs remain.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::dnssec::{
    DnssecError, KeySigningKey, KskStatus, SigningStatus, ZoneSigning, ZoneSigningKey,
};
use cairn_model::error::DomainError;
use cairn_store::{ChangeSubject, StoreError};
use common::{new_zone, TestDb};

fn refusal(err: StoreError) -> DnssecError {
    match err {
        StoreError::Rejected(DomainError::Dnssec(e)) => e,
        other => panic!("expected a DNSSEC error, got {other:?}"),
    }
}

fn ksk(name: &str, status: KskStatus) -> KeySigningKey {
    KeySigningKey {
        name: name.into(),
        kms_arn: format!("arn:aws:kms:us-east-1:111111111111:key/{name}"),
        status,
        status_message: None,
        public_key: vec![7; 64],
        created_at_ms: 1_000,
        last_modified_at_ms: 2_000,
    }
}

fn signing(mut state: ZoneSigning) -> ZoneSigning {
    state.status = SigningStatus::Signing;
    state.zsks = vec![ZoneSigningKey {
        key_tag: 4242,
        public_key: vec![1; 64],
        sealed_private_key: vec![9; 80],
        active: true,
        published_at: 0,
        activated_at: 0,
        retired_at: 0,
    }];
    state.dnskeys = vec![vec![1, 1, 3, 13], vec![1, 0, 3, 13]];
    state.dnskey_rrsigs = vec![vec![0, 48, 13, 2]];
    state.signatures_expire_at = 5_000;
    state
}

async fn signing_state_round_trips_and_reaches_the_data_plane(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("signed.test", "s"))
        .await
        .unwrap();

    let (_, fresh) = store.zone_signing(&zone.id).await.unwrap();
    assert_eq!(fresh, ZoneSigning::default());
    assert!(store
        .load_zone(&zone.id)
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .is_none());

    // A KSK, not signing yet: the data plane still sees no DNSSEC.
    let seq = store.latest_seq().await.unwrap();
    let mut next = fresh.clone();
    next.ksks.push(ksk("first", KskStatus::Active));
    store
        .put_zone_signing(&zone.id, next, "ksk first created".into())
        .await
        .unwrap();
    let events = store.changes_since(seq).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].subject,
        ChangeSubject::HostedZone(zone.id.clone())
    );
    assert_eq!(events[0].names, None, "the whole zone reloads");
    let (_, read) = store.zone_signing(&zone.id).await.unwrap();
    assert_eq!(read.version, 1);
    assert_eq!(read.ksks, vec![ksk("first", KskStatus::Active)]);
    assert!(store
        .load_zone(&zone.id)
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .is_none());

    // Signing: the sealed ZSK and the signed DNSKEY RRset reach the data plane.
    let next = signing(read.clone());
    store
        .put_zone_signing(&zone.id, next.clone(), "enabled".into())
        .await
        .unwrap();
    let contents = store.load_zone(&zone.id).await.unwrap().unwrap();
    assert_eq!(contents.dnssec, next.serving());
    let dnssec = contents.dnssec.unwrap();
    assert_eq!(dnssec.zsks[0].sealed_private_key, vec![9; 80]);
    assert_eq!(dnssec.dnskey_rrsigs, vec![vec![0, 48, 13, 2]]);
    let all = store.load_all_zones().await.unwrap();
    assert_eq!(all[0].dnssec.as_ref(), Some(&dnssec));
    assert_eq!(
        store.zones_to_resign(6_000).await.unwrap(),
        vec![zone.id.clone()]
    );
    assert!(store.zones_to_resign(4_000).await.unwrap().is_empty());

    // A write from a stale read changes nothing.
    let seq = store.latest_seq().await.unwrap();
    let stale = store
        .put_zone_signing(&zone.id, read, "stale".into())
        .await
        .unwrap_err();
    assert_eq!(refusal(stale), DnssecError::ConcurrentModification);
    assert_eq!(store.latest_seq().await.unwrap(), seq);

    // Survives a reopen.
    drop(store);
    let store = db.open().await;
    let (_, reopened) = store.zone_signing(&zone.id).await.unwrap();
    assert_eq!(reopened.version, 2);
    assert_eq!(
        ZoneSigning {
            version: 1,
            ..reopened
        },
        ZoneSigning { version: 1, ..next }
    );

    // Disabled: the data plane stops signing.
    let (_, current) = store.zone_signing(&zone.id).await.unwrap();
    let mut off = current;
    off.status = SigningStatus::NotSigning;
    store
        .put_zone_signing(&zone.id, off, "disabled".into())
        .await
        .unwrap();
    assert!(store
        .load_zone(&zone.id)
        .await
        .unwrap()
        .unwrap()
        .dnssec
        .is_none());
    assert!(store.zones_to_resign(i64::MAX).await.unwrap().is_empty());
}

async fn a_zone_with_key_signing_keys_is_not_deleted(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("keys.test", "k"))
        .await
        .unwrap();
    let (_, state) = store.zone_signing(&zone.id).await.unwrap();
    let mut next = state;
    next.ksks.push(ksk("only", KskStatus::Inactive));
    store
        .put_zone_signing(&zone.id, next, "ksk only created".into())
        .await
        .unwrap();
    let refused = store.delete_hosted_zone(&zone.id).await.unwrap_err();
    assert_eq!(
        refusal(refused),
        DnssecError::ZoneHasKeySigningKeys(zone.id.clone())
    );

    let (_, state) = store.zone_signing(&zone.id).await.unwrap();
    let mut next = state;
    next.ksks.clear();
    store
        .put_zone_signing(&zone.id, next, "ksk only deleted".into())
        .await
        .unwrap();
    store.delete_hosted_zone(&zone.id).await.unwrap();
}

on_both_backends!(
    signing_state_round_trips_and_reaches_the_data_plane,
    a_zone_with_key_signing_keys_is_not_deleted,
);

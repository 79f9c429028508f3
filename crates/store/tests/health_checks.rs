//! Health checks (issue 6) on both backends: caller-reference idempotency, versioned
//! updates, one change-log row per status flip, overrides, and record sets that name them.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use std::sync::Arc;

use cairn_model::error::{DomainError, HealthCheckError, ZoneError};
use cairn_model::health::{HealthCheckConfig, HealthCheckType, HealthCheckUpdate};
use cairn_model::{ChangeAction, ChangeBatchError, ChangeSeq, HealthCheckId, Limits};
use cairn_store::{ChangeSubject, ProbeResult, Store, StoreError};
use common::{a, batch, new_zone, TestDb};

fn http(port: u16) -> HealthCheckConfig {
    let mut c = HealthCheckConfig::new(HealthCheckType::Http);
    c.ip_address = Some("127.0.0.1".into());
    c.port = Some(port);
    c.failure_threshold = 2;
    c.with_defaults()
}

fn probe(ok: bool) -> ProbeResult {
    ProbeResult {
        ok,
        status: if ok {
            "Success: HTTP Status Code 200, OK".into()
        } else {
            "Failure: HTTP Status Code 500, Internal Server Error".into()
        },
        ip_address: "127.0.0.1".into(),
        region: "us-east-1".into(),
        checked_at_ms: 1,
    }
}

async fn health_changes(store: &Arc<dyn Store>, id: &HealthCheckId) -> usize {
    store
        .changes_since(ChangeSeq(0))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.subject == ChangeSubject::HealthCheck(id.clone()))
        .count()
}

async fn status(store: &Arc<dyn Store>, id: &HealthCheckId) -> Option<bool> {
    store
        .health_statuses()
        .await
        .unwrap()
        .into_iter()
        .find(|(i, _)| i == id)
        .map(|(_, h)| h)
}

async fn caller_reference_idempotency(db: TestDb) {
    let store = db.open().await;
    let (first, created) = store.create_health_check("ref-1", http(80)).await.unwrap();
    assert!(created);
    assert_eq!(first.version, 1);
    assert_eq!(first.id.as_str().len(), 36, "a UUID");
    let (again, created) = store.create_health_check("ref-1", http(80)).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, first.id);
    let other = store
        .create_health_check("ref-1", http(81))
        .await
        .unwrap_err();
    assert!(
        matches!(
            other,
            StoreError::Rejected(DomainError::HealthCheck(HealthCheckError::AlreadyExists(_)))
        ),
        "{other:?}"
    );
    let (second, _) = store.create_health_check("ref-2", http(80)).await.unwrap();
    assert_ne!(
        second.id, first.id,
        "a new reference with the same config is a new check"
    );
    store.delete_health_check(&first.id).await.unwrap();
    let reused = store
        .create_health_check("ref-1", http(80))
        .await
        .unwrap_err();
    assert!(
        matches!(
            reused,
            StoreError::Rejected(DomainError::HealthCheck(HealthCheckError::AlreadyExists(_)))
        ),
        "a deleted check's reference stays used"
    );
    assert!(matches!(
        store.get_health_check(&first.id).await.unwrap_err(),
        StoreError::Rejected(DomainError::HealthCheck(
            HealthCheckError::NoSuchHealthCheck(_)
        ))
    ));
    assert!(matches!(
        store.delete_health_check(&first.id).await.unwrap_err(),
        StoreError::Rejected(DomainError::HealthCheck(
            HealthCheckError::NoSuchHealthCheck(_)
        ))
    ));
    assert_eq!(store.list_health_checks().await.unwrap().len(), 1);
}

async fn update_checks_the_version(db: TestDb) {
    let store = db.open().await;
    let (check, _) = store.create_health_check("r", http(80)).await.unwrap();
    let update = HealthCheckUpdate {
        version: Some(1),
        port: Some(8080),
        ..Default::default()
    };
    let updated = store
        .update_health_check(&check.id, update.clone())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.config.port, Some(8080));
    let stale = store
        .update_health_check(&check.id, update)
        .await
        .unwrap_err();
    assert!(
        matches!(
            stale,
            StoreError::Rejected(DomainError::HealthCheck(HealthCheckError::VersionMismatch(
                _
            )))
        ),
        "{stale:?}"
    );
    let bad = HealthCheckUpdate {
        failure_threshold: Some(11),
        ..Default::default()
    };
    assert!(matches!(
        store.update_health_check(&check.id, bad).await.unwrap_err(),
        StoreError::Rejected(DomainError::HealthCheck(HealthCheckError::InvalidInput(_)))
    ));
}

async fn transitions_are_logged_once_per_flip(db: TestDb) {
    let store = db.open().await;
    let (check, _) = store.create_health_check("r", http(80)).await.unwrap();
    assert_eq!(
        status(&store, &check.id).await,
        Some(true),
        "healthy until data arrives"
    );
    assert_eq!(health_changes(&store, &check.id).await, 0);
    store
        .record_health_probe(&check.id, probe(false))
        .await
        .unwrap();
    assert_eq!(
        status(&store, &check.id).await,
        Some(true),
        "one failure is below the threshold of 2"
    );
    store
        .record_health_probe(&check.id, probe(false))
        .await
        .unwrap();
    assert_eq!(status(&store, &check.id).await, Some(false));
    assert_eq!(health_changes(&store, &check.id).await, 1);
    store
        .record_health_probe(&check.id, probe(false))
        .await
        .unwrap();
    assert_eq!(
        health_changes(&store, &check.id).await,
        1,
        "no transition, no change row"
    );
    let state = store.health_check_state(&check.id).await.unwrap();
    assert!(!state.healthy);
    assert!(state
        .last_failure
        .unwrap()
        .status
        .starts_with("Failure: HTTP Status Code 500"));
    store
        .record_health_probe(&check.id, probe(true))
        .await
        .unwrap();
    store
        .record_health_probe(&check.id, probe(true))
        .await
        .unwrap();
    assert_eq!(status(&store, &check.id).await, Some(true));
    assert_eq!(health_changes(&store, &check.id).await, 2);
}

async fn override_inverted_disabled_and_calculated(db: TestDb) {
    let store = db.open().await;
    let (a, _) = store.create_health_check("a", http(80)).await.unwrap();
    let (b, _) = store.create_health_check("b", http(81)).await.unwrap();
    let mut calc = HealthCheckConfig::new(HealthCheckType::Calculated);
    calc.child_health_checks = vec![a.id.clone(), b.id.clone()];
    calc.health_threshold = Some(2);
    let (c, _) = store
        .create_health_check("c", calc.with_defaults())
        .await
        .unwrap();
    assert_eq!(status(&store, &c.id).await, Some(true));

    store.set_health_override(&a.id, Some(false)).await.unwrap();
    assert_eq!(status(&store, &a.id).await, Some(false));
    assert_eq!(
        status(&store, &c.id).await,
        Some(false),
        "2 of 2 children needed"
    );
    assert_eq!(
        health_changes(&store, &c.id).await,
        1,
        "the parent's flip is logged too"
    );
    let lower = HealthCheckUpdate {
        health_threshold: Some(1),
        ..Default::default()
    };
    store.update_health_check(&c.id, lower).await.unwrap();
    assert_eq!(status(&store, &c.id).await, Some(true));
    let zero_of_more = HealthCheckUpdate {
        health_threshold: Some(3),
        ..Default::default()
    };
    store
        .update_health_check(&c.id, zero_of_more)
        .await
        .unwrap();
    assert_eq!(
        status(&store, &c.id).await,
        Some(false),
        "a threshold above the child count is never healthy"
    );
    store.set_health_override(&a.id, None).await.unwrap();
    assert_eq!(status(&store, &a.id).await, Some(true));

    let inverted = HealthCheckUpdate {
        inverted: Some(true),
        ..Default::default()
    };
    store.update_health_check(&b.id, inverted).await.unwrap();
    assert_eq!(
        status(&store, &b.id).await,
        Some(false),
        "inverted with no failures is unhealthy"
    );
    let disabled = HealthCheckUpdate {
        disabled: Some(true),
        ..Default::default()
    };
    store.update_health_check(&b.id, disabled).await.unwrap();
    assert_eq!(
        status(&store, &b.id).await,
        Some(false),
        "disabled + inverted is unhealthy"
    );
    let not_inverted = HealthCheckUpdate {
        inverted: Some(false),
        ..Default::default()
    };
    store
        .update_health_check(&b.id, not_inverted)
        .await
        .unwrap();
    store
        .record_health_probe(&b.id, probe(false))
        .await
        .unwrap();
    store
        .record_health_probe(&b.id, probe(false))
        .await
        .unwrap();
    assert_eq!(
        status(&store, &b.id).await,
        Some(true),
        "disabled is always healthy"
    );

    let mut nested = HealthCheckConfig::new(HealthCheckType::Calculated);
    nested.child_health_checks = vec![c.id.clone()];
    nested.health_threshold = Some(1);
    assert!(store
        .create_health_check("n", nested.with_defaults())
        .await
        .is_err());
}

async fn records_need_an_existing_health_check(db: TestDb) {
    let store = db.open().await;
    let (zone, _) = store
        .create_hosted_zone(new_zone("hc.example.", "z"))
        .await
        .unwrap();
    let mut set = a("www.hc.example.", "192.0.2.1");
    set.routing = Some(cairn_model::rrset::Routing {
        set_identifier: "one".into(),
        policy: cairn_model::rrset::RoutingPolicy::Failover(
            cairn_model::rrset::FailoverRole::Primary,
        ),
    });
    set.health_check_id = Some("00000000-0000-4000-8000-000000000000".into());
    let err = store
        .change_record_sets(
            &zone.id,
            &batch(vec![(ChangeAction::Create, set.clone())]),
            &Limits::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Rejected(DomainError::Zone(ZoneError::Batch(
                ChangeBatchError::NoSuchHealthCheck(_)
            )))
        ),
        "{err:?}"
    );
    let (check, _) = store.create_health_check("r", http(80)).await.unwrap();
    set.health_check_id = Some(check.id.clone());
    store
        .change_record_sets(
            &zone.id,
            &batch(vec![(ChangeAction::Create, set)]),
            &Limits::default(),
        )
        .await
        .unwrap();
}

on_both_backends!(
    caller_reference_idempotency,
    update_checks_the_version,
    transitions_are_logged_once_per_flip,
    override_inverted_disabled_and_calculated,
    records_need_an_existing_health_check,
);

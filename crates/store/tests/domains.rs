//! Route 53 Domains (issue 14) on both backends (SQLite, PostgreSQL): a name is registered
//! once whoever asks, updates and deletions of a name that is not registered write nothing,
//! each write records its operation, listings are per account, and nothing is written to
//! the change log.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::domains::{Contact, DomainOperation, Nameserver, OperationType, RegisteredDomain};
use common::TestDb;

const ACCOUNT: &str = "111111111111";
const OTHER: &str = "222222222222";

fn domain(name: &str, account: &str) -> RegisteredDomain {
    let contact = Contact {
        fields: vec![("FirstName".into(), "Ada".into())],
        extra_params: vec![],
    };
    RegisteredDomain {
        name: name.into(),
        account: account.into(),
        hosted_zone_id: Some("Z1".into()),
        nameservers: vec![Nameserver {
            name: "ns-1.cairn.invalid".into(),
            glue_ips: vec![],
        }],
        auto_renew: true,
        transfer_lock: true,
        admin: contact.clone(),
        registrant: contact.clone(),
        tech: contact.clone(),
        billing: contact,
        privacy: [true; 4],
        created_ms: 1,
        updated_ms: 1,
        expires_ms: 2,
    }
}

fn operation(id: &str, domain: &str, kind: OperationType, at: i64) -> DomainOperation {
    DomainOperation {
        id: id.into(),
        account: ACCOUNT.into(),
        domain: domain.into(),
        kind,
        submitted_ms: at,
    }
}

async fn a_name_is_registered_once(db: TestDb) {
    let store = db.open().await;
    let seq = store.latest_seq().await.unwrap();
    let first = domain("example.test", ACCOUNT);
    let registered = store
        .register_domain(
            first.clone(),
            operation("op1", "example.test", OperationType::RegisterDomain, 10),
        )
        .await
        .unwrap();
    assert!(registered);
    let again = store
        .register_domain(
            domain("example.test", OTHER),
            operation("op2", "example.test", OperationType::RegisterDomain, 11),
        )
        .await
        .unwrap();
    assert!(!again, "a registered name cannot be registered again");
    assert_eq!(
        store.domain_operation(ACCOUNT, "op2").await.unwrap(),
        None,
        "a refused registration records no operation"
    );
    assert_eq!(
        store.registered_domain("example.test").await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.latest_seq().await.unwrap(),
        seq,
        "no change is logged"
    );
}

async fn updates_and_deletions_record_operations(db: TestDb) {
    let store = db.open().await;
    store
        .register_domain(
            domain("b.test", ACCOUNT),
            operation("op1", "b.test", OperationType::RegisterDomain, 10),
        )
        .await
        .unwrap();
    store
        .register_domain(
            domain("a.test", ACCOUNT),
            operation("op2", "a.test", OperationType::RegisterDomain, 11),
        )
        .await
        .unwrap();
    store
        .register_domain(
            domain("c.test", OTHER),
            DomainOperation {
                account: OTHER.into(),
                ..operation("op0", "c.test", OperationType::RegisterDomain, 9)
            },
        )
        .await
        .unwrap();

    let mut changed = domain("b.test", ACCOUNT);
    changed.nameservers = vec![Nameserver {
        name: "ns1.b.test".into(),
        glue_ips: vec!["192.0.2.1".into()],
    }];
    let op = operation("op3", "b.test", OperationType::UpdateNameserver, 12);
    assert!(store
        .update_registered_domain(changed.clone(), Some(op.clone()))
        .await
        .unwrap());
    assert_eq!(
        store.registered_domain("b.test").await.unwrap(),
        Some(changed)
    );
    assert_eq!(
        store.domain_operation(ACCOUNT, "op3").await.unwrap(),
        Some(op)
    );
    assert!(!store
        .update_registered_domain(domain("none.test", ACCOUNT), None)
        .await
        .unwrap());

    let names: Vec<String> = store
        .list_registered_domains(ACCOUNT)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["a.test", "b.test"], "by name, this account's only");

    let delete = operation("op4", "a.test", OperationType::DeleteDomain, 13);
    assert!(store
        .delete_registered_domain("a.test", delete.clone())
        .await
        .unwrap());
    assert!(!store
        .delete_registered_domain(
            "a.test",
            operation("op5", "a.test", OperationType::DeleteDomain, 14)
        )
        .await
        .unwrap());
    assert_eq!(store.registered_domain("a.test").await.unwrap(), None);

    let ops: Vec<String> = store
        .list_domain_operations(ACCOUNT)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(
        ops,
        ["op1", "op2", "op3", "op4"],
        "oldest first, this account's only, no refused one"
    );

    // Everything survives a reopen.
    drop(store);
    let store = db.open().await;
    assert_eq!(
        store.domain_operation(ACCOUNT, "op4").await.unwrap(),
        Some(delete)
    );
    assert_eq!(store.list_registered_domains(OTHER).await.unwrap().len(), 1);
}

on_both_backends!(
    a_name_is_registered_once,
    updates_and_deletions_record_operations,
);

//! DNS Firewall (issue 13) on both backends (SQLite, PostgreSQL): domain lists and their
//! domains, rule groups, rules, associations and configs reach `load_firewall`, every write
//! logs a firewall change, a refused write changes nothing, and everything survives a reopen.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod common;

use cairn_model::error::DomainError;
use cairn_model::firewall::{FailOpen, FirewallAction, MutationProtection};
use cairn_model::firewall_validate::{
    AssociationUpdate, DomainOperation, FirewallError, NewAssociation, NewNamed, RuleRequest,
    MANAGED_DOMAIN_LISTS, MANAGED_OWNER,
};
use cairn_model::ChangeSeq;
use cairn_store::{ChangeSubject, NewVpc, StoreError};
use common::TestDb;

const ACCOUNT: &str = "111111111111";

fn named(name: &str) -> NewNamed {
    NewNamed {
        creator_request_id: format!("req-{name}"),
        name: name.into(),
        owner_account: ACCOUNT.into(),
    }
}

fn refusal(err: StoreError) -> FirewallError {
    match err {
        StoreError::Rejected(DomainError::Firewall(e)) => e,
        other => panic!("expected a firewall refusal, got {other:?}"),
    }
}

async fn everything_round_trips(db: TestDb) {
    let store = db.open().await;
    let (vpc, _) = store
        .create_vpc(NewVpc {
            region: "us-east-1".into(),
            owner_account: ACCOUNT.into(),
            cidr_block: "10.0.0.0/16".parse().unwrap(),
            ipv6_cidr_block: None,
            tags: Vec::new(),
        })
        .await
        .unwrap();
    let before = store.latest_seq().await.unwrap();

    // The managed lists are there from the start, empty.
    let start = store.load_firewall().await.unwrap();
    let managed: Vec<_> = start
        .domain_lists
        .iter()
        .filter(|l| l.managed_owner_name.as_deref() == Some(MANAGED_OWNER))
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(managed.len(), MANAGED_DOMAIN_LISTS.len());

    let list = store
        .create_firewall_domain_list(named("blocked"), vec![("k".into(), "v".into())])
        .await
        .unwrap();
    // The same CreatorRequestId gives the same list back.
    let again = store
        .create_firewall_domain_list(named("blocked"), Vec::new())
        .await
        .unwrap();
    assert_eq!(again.id, list.id);
    let domains: Vec<String> = ["b.example.", "a.example.", "*.c.example"]
        .map(String::from)
        .to_vec();
    let list = store
        .update_firewall_domains(&list.id, DomainOperation::Add, domains, false)
        .await
        .unwrap();
    assert_eq!(list.domain_count, 3);
    let list = store
        .update_firewall_domains(
            &list.id,
            DomainOperation::Remove,
            vec!["a.example.".into()],
            false,
        )
        .await
        .unwrap();
    assert_eq!(list.domain_count, 2);
    let (page, more) = store.firewall_domains(&list.id, 0, 1).await.unwrap();
    assert_eq!((page, more), (vec!["*.c.example".to_string()], true));

    let group = store
        .create_firewall_rule_group(named("group"), Vec::new())
        .await
        .unwrap();
    let rule = store
        .create_firewall_rule(RuleRequest {
            creator_request_id: "r1".into(),
            rule_group_id: group.id.clone(),
            domain_list_id: list.id.clone(),
            priority: Some(10),
            action: Some("BLOCK".into()),
            block_response: Some("NXDOMAIN".into()),
            name: Some("block".into()),
            ..RuleRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(rule.action, FirewallAction::Block);
    let assoc = store
        .associate_firewall_rule_group(
            NewAssociation {
                creator_request_id: "a1".into(),
                rule_group_id: group.id.clone(),
                vpc_id: vpc.id.clone(),
                priority: 101,
                name: "assoc".into(),
                mutation_protection: Some("ENABLED".into()),
                owner_account: ACCOUNT.into(),
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let config = store
        .update_firewall_config(&vpc.id, "ENABLED")
        .await
        .unwrap();
    assert_eq!(config.fail_open, FailOpen::Enabled);

    // Refusals change nothing: a protected association, a group in use, a list in use.
    let seq = store.latest_seq().await.unwrap();
    assert_eq!(
        refusal(
            store
                .disassociate_firewall_rule_group(&assoc.id)
                .await
                .unwrap_err()
        ),
        FirewallError::MutationProtected(assoc.id.clone())
    );
    assert!(matches!(
        refusal(
            store
                .delete_firewall_rule_group(&group.id)
                .await
                .unwrap_err()
        ),
        FirewallError::RuleGroupAssociated { .. }
    ));
    assert!(matches!(
        refusal(
            store
                .delete_firewall_domain_list(&list.id)
                .await
                .unwrap_err()
        ),
        FirewallError::DomainListInUse { .. }
    ));
    assert!(matches!(
        refusal(
            store
                .update_firewall_domains(
                    &list.id,
                    DomainOperation::Add,
                    vec!["bad domain".into()],
                    false
                )
                .await
                .unwrap_err()
        ),
        FirewallError::InvalidDomain(_)
    ));
    assert_eq!(store.latest_seq().await.unwrap(), seq);

    // Every write logged one firewall change (the repeated create too: it is a write that
    // happened to change nothing).
    let events = store.changes_since(before).await.unwrap();
    assert_eq!(events.len(), 8);
    assert!(events
        .iter()
        .all(|e| matches!(e.subject, ChangeSubject::Firewall(_))));

    // Survives a reopen, through load_firewall.
    drop(store);
    let store = db.open().await;
    let fw = store.load_firewall().await.unwrap();
    let got = fw.domains.iter().find(|(id, _)| *id == list.id).unwrap();
    assert_eq!(
        got.1,
        vec!["*.c.example".to_string(), "b.example.".to_string()]
    );
    assert_eq!(fw.rules, vec![rule]);
    assert_eq!(fw.associations, vec![assoc.clone()]);
    assert_eq!(fw.configs, vec![config]);
    assert_eq!(
        store
            .list_tags("firewall-domain-list", &list.id)
            .await
            .unwrap(),
        vec![("k".to_string(), "v".to_string())]
    );

    // Unwinding: unprotect, disassociate, delete the rule, the group and the list.
    let unprotect = AssociationUpdate {
        mutation_protection: Some("DISABLED".into()),
        ..AssociationUpdate::default()
    };
    let updated = store
        .update_firewall_rule_group_association(&assoc.id, unprotect)
        .await
        .unwrap();
    assert_eq!(updated.mutation_protection, MutationProtection::Disabled);
    store
        .disassociate_firewall_rule_group(&assoc.id)
        .await
        .unwrap();
    store
        .delete_firewall_rule(&group.id, &list.id, None)
        .await
        .unwrap();
    store.delete_firewall_rule_group(&group.id).await.unwrap();
    store.delete_firewall_domain_list(&list.id).await.unwrap();
    let fw = store.load_firewall().await.unwrap();
    assert!(fw.rule_groups.is_empty() && fw.rules.is_empty() && fw.associations.is_empty());
    assert!(fw.domains.iter().all(|(id, _)| *id != list.id));
    assert!(store.latest_seq().await.unwrap() > ChangeSeq(0));
}

async fn replace_handles_a_large_list(db: TestDb) {
    let store = db.open().await;
    let list = store
        .create_firewall_domain_list(named("big"), Vec::new())
        .await
        .unwrap();
    let domains: Vec<String> = (0..5000).map(|i| format!("host{i:05}.example")).collect();
    let list = store
        .update_firewall_domains(&list.id, DomainOperation::Replace, domains, true)
        .await
        .unwrap();
    assert_eq!(list.domain_count, 5000);
    let (page, more) = store.firewall_domains(&list.id, 4999, 10).await.unwrap();
    assert_eq!((page, more), (vec!["host04999.example".to_string()], false));
    // A managed list is filled by import only.
    let (managed, _) = MANAGED_DOMAIN_LISTS[0];
    assert_eq!(
        refusal(
            store
                .update_firewall_domains(
                    managed,
                    DomainOperation::Add,
                    vec!["x.example".into()],
                    false
                )
                .await
                .unwrap_err()
        ),
        FirewallError::ManagedDomainList(managed.into())
    );
    let filled = store
        .update_firewall_domains(
            managed,
            DomainOperation::Replace,
            vec!["x.example".into()],
            true,
        )
        .await
        .unwrap();
    assert_eq!(filled.domain_count, 1);
}

on_both_backends!(everything_round_trips, replace_handles_a_large_list);

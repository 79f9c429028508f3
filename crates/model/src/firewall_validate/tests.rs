//! The firewall rules on small states.

use super::*;
use crate::firewall::{MutationProtection, RedirectionAction};

fn fw_with_group() -> FirewallContents {
    let mut fw = FirewallContents::default();
    let named = |n: &str| NewNamed {
        creator_request_id: n.into(),
        name: n.into(),
        owner_account: "111111111111".into(),
    };
    let (l, _) = create_domain_list(&fw, named("l"), "rslvr-fdl-1".into(), 0).unwrap();
    fw.domain_lists.push(l);
    let (g, _) = create_rule_group(&fw, named("g"), "rslvr-frg-1".into(), 0).unwrap();
    fw.rule_groups.push(g);
    fw
}

fn rule(priority: i64, action: &str) -> RuleRequest {
    RuleRequest {
        creator_request_id: "r".into(),
        rule_group_id: "rslvr-frg-1".into(),
        domain_list_id: "rslvr-fdl-1".into(),
        priority: Some(priority),
        action: Some(action.into()),
        name: Some("r".into()),
        ..RuleRequest::default()
    }
}

#[test]
fn domains_follow_the_syntax() {
    for ok in ["*", "*.example.com", "example.com.", "a-b.c0"] {
        assert!(check_domain(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "exa mple.com",
        "a.*.b",
        "ex_ample.com",
        &"a".repeat(256),
    ] {
        assert!(check_domain(bad).is_err(), "{bad}");
    }
}

#[test]
fn qtypes_are_mnemonics_or_type_numbers() {
    assert_eq!(parse_qtype("AAAA"), Ok(28));
    assert_eq!(parse_qtype("TYPE65"), Ok(65));
    assert_eq!(qtype_text(65), "HTTPS");
    assert!(parse_qtype("TYPE0").is_err());
    assert!(parse_qtype("TYPE65335").is_err());
    assert!(parse_qtype("aaaa").is_err());
    assert!(parse_qtype("HINFO").is_err());
}

#[test]
fn block_rules_need_their_response() {
    let fw = fw_with_group();
    assert_eq!(
        create_rule(&fw, rule(1, "BLOCK"), 0),
        Err(FirewallError::BlockResponseRequired)
    );
    let mut r = rule(1, "BLOCK");
    r.block_response = Some("OVERRIDE".into());
    r.block_override_domain = Some("walled.example.".into());
    assert_eq!(
        create_rule(&fw, r.clone(), 0),
        Err(FirewallError::OverrideFieldsRequired)
    );
    r.block_override_dns_type = Some("A".into());
    r.block_override_ttl = Some(60);
    assert!(matches!(
        create_rule(&fw, r.clone(), 0),
        Err(FirewallError::NotInEnumeration { .. })
    ));
    r.block_override_dns_type = Some("CNAME".into());
    r.block_override_ttl = Some(604_801);
    assert_eq!(
        create_rule(&fw, r.clone(), 0),
        Err(FirewallError::OverrideTtl(604_801))
    );
    r.block_override_ttl = Some(604_800);
    let made = create_rule(&fw, r, 0).unwrap();
    assert_eq!(made.block_override_ttl, Some(604_800));
    assert_eq!(made.redirection_action, RedirectionAction::Inspect);
}

#[test]
fn rule_priorities_and_addresses_are_unique_in_a_group() {
    let mut fw = fw_with_group();
    fw.rules
        .push(create_rule(&fw, rule(1, "ALLOW"), 0).unwrap());
    assert!(matches!(
        create_rule(&fw, rule(2, "ALERT"), 0),
        Err(FirewallError::RuleExists { .. })
    ));
    let mut other_type = rule(1, "ALERT");
    other_type.qtype = Some("A".into());
    assert!(matches!(
        create_rule(&fw, other_type.clone(), 0),
        Err(FirewallError::DuplicateRulePriority { priority: 1, .. })
    ));
    other_type.priority = Some(2);
    assert!(create_rule(&fw, other_type, 0).is_ok());
}

#[test]
fn association_priority_is_strictly_inside_the_bounds_and_unique_per_vpc() {
    let mut fw = fw_with_group();
    let req = |p: i64, token: &str| NewAssociation {
        creator_request_id: token.into(),
        rule_group_id: "rslvr-frg-1".into(),
        vpc_id: "vpc-1".into(),
        priority: p,
        name: "a".into(),
        mutation_protection: Some("ENABLED".into()),
        owner_account: "111111111111".into(),
    };
    for p in [100, 9900] {
        assert_eq!(
            associate(&fw, true, req(p, "t"), "x".into(), 0),
            Err(FirewallError::AssociationPriority(p))
        );
    }
    assert_eq!(
        associate(&fw, false, req(101, "t"), "x".into(), 0),
        Err(FirewallError::NoSuchResource("vpc-1".into()))
    );
    let (a, _) = associate(&fw, true, req(101, "t"), "rslvr-frgassoc-1".into(), 0).unwrap();
    fw.associations.push(a);
    assert!(matches!(
        associate(&fw, true, req(102, "u"), "y".into(), 0),
        Err(FirewallError::AlreadyAssociated { .. })
    ));
    assert_eq!(
        disassociate(&fw, "rslvr-frgassoc-1"),
        Err(FirewallError::MutationProtected("rslvr-frgassoc-1".into()))
    );
    assert_eq!(
        delete_rule_group(&fw, "rslvr-frg-1").unwrap_err().kind(),
        FirewallErrorKind::Conflict
    );
    let unprotect = AssociationUpdate {
        mutation_protection: Some("DISABLED".into()),
        priority: Some(200),
        ..AssociationUpdate::default()
    };
    let a = update_association(&fw, "rslvr-frgassoc-1", unprotect, 1).unwrap();
    assert_eq!(
        (a.priority, a.mutation_protection),
        (200, MutationProtection::Disabled)
    );
}

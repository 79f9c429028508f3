//! Alias records in a change batch (ROUTE53.md §2.3): no TTL or values of their own, and a
//! target in the same zone that exists, with the alias's own type, when the alias is written.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::{AliasTarget, RrType};
use change_support::*;

#[test]
fn an_alias_has_no_ttl_or_values() {
    let mut with_ttl = alias("al.example.com", "t.example.com");
    with_ttl.ttl = Some(300);
    assert_eq!(
        invalid_input(
            &with(vec![a("t.example.com", "192.0.2.1")]),
            vec![(Create, with_ttl)]
        ),
        InputProblem::PayloadForm {
            found: Found::MoreThanOne,
            change: change_ref(Create, "al.example.com", RrType::A, None)
        }
    );
    let mut neither = a("x.example.com", "192.0.2.1");
    neither.ttl = None;
    neither.records.clear();
    assert_eq!(
        invalid_input(&apex(), vec![(Delete, neither)]),
        InputProblem::PayloadForm {
            found: Found::None,
            change: change_ref(Delete, "x.example.com", RrType::A, None)
        }
    );
}

#[test]
fn the_target_must_exist_with_the_same_type() {
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, alias("example.com", "lb.example.com"))]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "lb.example.com",
            RrType::A
        ))]
    );
    // Another type at the target name is not a target.
    assert_eq!(
        errors(
            &with(vec![set("lb.example.com", RrType::Aaaa, &["2001:db8::1"])]),
            vec![(Create, alias("www.example.com", "lb.example.com"))]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "lb.example.com",
            RrType::A
        ))]
    );
    assert!(accepted(
        &with(vec![a("lb.example.com", "192.0.2.1")]),
        vec![(Create, alias("example.com", "lb.example.com"))]
    ));
    // A routed group is a target too.
    assert!(accepted(
        &with(vec![weighted("lb.example.com", "a", 1)]),
        vec![(Create, alias("www.example.com", "lb.example.com"))]
    ));
}

#[test]
fn the_target_must_lie_in_the_zone() {
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, alias("a.example.com", "elsewhere.org"))]
        ),
        [BatchProblem::AliasTargetOutsideZone(alias_ref(
            "elsewhere.org",
            RrType::A
        ))]
    );
}

#[test]
fn the_target_is_looked_up_at_the_aliass_place_in_the_batch() {
    // DNSControl/dnscontrol#937: the alias before its target fails, after it succeeds.
    let target = set("dev18.example.com", RrType::Cname, &["ec2.example.net."]);
    let alias_cname = alias_of("dev.example.com", RrType::Cname, "dev18.example.com");
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, alias_cname.clone()), (Create, target.clone())]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "dev18.example.com",
            RrType::Cname
        ))]
    );
    assert!(accepted(
        &apex(),
        vec![(Create, target), (Create, alias_cname)]
    ));
}

#[test]
fn an_alias_at_the_apex_cannot_reach_a_cname() {
    let existing = with(vec![set(
        "c.example.com",
        RrType::Cname,
        &["x.example.net"],
    )]);
    // An A alias does not find a CNAME (the types differ) ...
    assert_eq!(
        errors(
            &existing,
            vec![(Create, alias("example.com", "c.example.com"))]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "c.example.com",
            RrType::A
        ))]
    );
    // ... and a CNAME alias is a CNAME at the apex.
    assert_eq!(
        errors(
            &existing,
            vec![(
                Create,
                alias_of("example.com", RrType::Cname, "c.example.com")
            )]
        ),
        [BatchProblem::CnameAtApex {
            name: zone_name(),
            zone: zone_name()
        }]
    );
    // Below the apex a CNAME alias to a CNAME is fine.
    assert!(accepted(
        &existing,
        vec![(
            Create,
            alias_of("www.example.com", RrType::Cname, "c.example.com")
        )]
    ));
}

#[test]
fn an_alias_is_not_its_own_target() {
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, alias("self.example.com", "self.example.com"))]
        ),
        [BatchProblem::AliasTargetNotFound(alias_ref(
            "self.example.com",
            RrType::A
        ))]
    );
}

#[test]
fn aliases_to_other_zones_are_left_to_the_caller() {
    // Targets in other hosted zones are checked by `check_change_batch` over the store's
    // view (change::references); this zone cannot see them.
    let mut elsewhere = alias("www.example.com", "lb.other.test");
    elsewhere.alias_target = Some(AliasTarget {
        hosted_zone_id: "ZOTHER".into(),
        dns_name: name("lb.other.test"),
        evaluate_target_health: false,
    });
    let edit = apply(&apex(), vec![(Create, elsewhere.clone())]).unwrap();
    assert_eq!(edit.written, [elsewhere]);
}

#[test]
fn deleting_a_target_leaves_its_alias_in_place() {
    // Route 53 does not track who points at a set; the alias then answers nothing.
    let existing = with(vec![
        a("t.example.com", "192.0.2.1"),
        alias("al.example.com", "t.example.com"),
    ]);
    assert!(accepted(
        &existing,
        vec![(Delete, a("t.example.com", "192.0.2.1"))]
    ));
}

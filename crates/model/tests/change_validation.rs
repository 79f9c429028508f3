//! Route 53's refusals of a change batch, each with its problem (ROUTE53.md §2.1–2.2; the
//! API's words for them are pinned in crates/api/tests/batch_messages.rs):
//! names, CNAME exclusivity, CREATE and DELETE, the apex SOA and NS, and values.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::rdata::{RdataError, RdataProblem};
use cairn_model::{AliasTarget, Limits, RrType};
use change_support::*;

//------------ names ---------------------------------------------------------------

#[test]
fn names_outside_the_zone_are_refused() {
    assert_eq!(
        errors(&apex(), vec![(Create, a("www.other.org", "192.0.2.1"))]),
        [BatchProblem::OutsideZone {
            name: name("www.other.org"),
            zone: zone_name()
        }]
    );
    // A suffix that is not on a label boundary is outside too.
    assert_eq!(
        errors(&apex(), vec![(Upsert, a("notexample.com", "192.0.2.1"))]),
        [BatchProblem::OutsideZone {
            name: name("notexample.com"),
            zone: zone_name()
        }]
    );
}

#[test]
fn wildcard_ns_is_refused_but_a_literal_star_elsewhere_is_not_a_wildcard() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set("*.example.com", RrType::Ns, &["ns.example.net."])
            )]
        ),
        [BatchProblem::WildcardNs(name("*.example.com"))]
    );
    // `*` that is not the whole leftmost label is a literal character.
    assert!(accepted(
        &apex(),
        vec![
            (
                Create,
                set("a.*.example.com", RrType::Ns, &["ns.example.net."])
            ),
            (
                Create,
                set("a*.example.com", RrType::Ns, &["ns.example.net."])
            ),
            (Create, set("*.example.com", RrType::A, &["192.0.2.1"])),
        ]
    ));
}

#[test]
fn soa_only_at_the_apex() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set(
                    "sub.example.com",
                    RrType::Soa,
                    &["ns1.example.com. h.example.com. 1 7200 900 1209600 86400"]
                )
            )]
        ),
        [BatchProblem::SoaBelowApex {
            name: name("sub.example.com"),
            zone: zone_name()
        }]
    );
}

//------------ CNAME ---------------------------------------------------------------

#[test]
fn cname_at_the_apex_is_refused() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set("example.com", RrType::Cname, &["x.example.net"])
            )]
        ),
        [BatchProblem::CnameAtApex {
            name: zone_name(),
            zone: zone_name()
        }]
    );
}

#[test]
fn other_types_beside_a_cname_are_refused() {
    let existing = with(vec![set(
        "c.example.com",
        RrType::Cname,
        &["x.example.net"],
    )]);
    assert_eq!(
        errors(&existing, vec![(Create, a("c.example.com", "192.0.2.1"))]),
        [BatchProblem::CnameExists {
            name: name("c.example.com"),
            rtype: RrType::A,
            zone: zone_name()
        }]
    );
}

#[test]
fn a_cname_beside_other_types_is_refused() {
    let existing = with(vec![a("c.example.com", "192.0.2.1")]);
    assert_eq!(
        errors(
            &existing,
            vec![(
                Upsert,
                set("c.example.com", RrType::Cname, &["x.example.net"])
            )]
        ),
        [BatchProblem::OtherTypesExist {
            name: name("c.example.com"),
            zone: zone_name()
        }]
    );
}

#[test]
fn a_cname_and_an_a_created_in_one_batch_conflict() {
    assert_eq!(
        errors(
            &apex(),
            vec![
                (Create, a("c.example.com", "192.0.2.1")),
                (
                    Create,
                    set("c.example.com", RrType::Cname, &["x.example.net"])
                )
            ]
        ),
        [BatchProblem::OtherTypesExist {
            name: name("c.example.com"),
            zone: zone_name()
        }]
    );
}

#[test]
fn replacing_an_a_with_a_cname_works_only_delete_first() {
    let existing = with(vec![a("c.example.com", "192.0.2.1")]);
    let edit = apply(
        &existing,
        vec![
            (Delete, a("c.example.com", "192.0.2.1")),
            (
                Create,
                set("c.example.com", RrType::Cname, &["x.example.net"]),
            ),
        ],
    )
    .unwrap();
    assert_eq!(edit.deleted.len(), 1);
    assert_eq!(edit.written.len(), 1);
    // The changes apply in order: CREATE before DELETE meets the A still there
    // (cookpad/roadworker#89).
    assert_eq!(
        errors(
            &existing,
            vec![
                (
                    Create,
                    set("c.example.com", RrType::Cname, &["x.example.net"])
                ),
                (Delete, a("c.example.com", "192.0.2.1"))
            ]
        ),
        [BatchProblem::OtherTypesExist {
            name: name("c.example.com"),
            zone: zone_name()
        }]
    );
}

#[test]
fn cname_takes_one_value() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set(
                    "c.example.com",
                    RrType::Cname,
                    &["a.example.net", "b.example.net"]
                )
            )]
        ),
        [BatchProblem::OneValueOnly {
            name: name("c.example.com"),
            rtype: RrType::Cname
        }]
    );
}

//------------ CREATE, DELETE, UPSERT ------------------------------------------------

#[test]
fn creating_an_existing_set_is_refused() {
    let existing = with(vec![a("w.example.com", "192.0.2.1")]);
    assert_eq!(
        errors(&existing, vec![(Create, a("w.example.com", "192.0.2.2"))]),
        [BatchProblem::AlreadyExists(key("w.example.com", RrType::A))]
    );
    let geo = routed(
        "g.example.com",
        "Default",
        "192.0.2.1",
        cairn_model::rrset::RoutingPolicy::Geolocation(cairn_model::rrset::GeoLocation {
            continent_code: None,
            country_code: Some("*".into()),
            subdivision_code: None,
        }),
    );
    assert_eq!(
        errors(&with(vec![geo.clone()]), vec![(Create, geo)]),
        [BatchProblem::AlreadyExists(routed_key(
            "g.example.com",
            RrType::A,
            "Default"
        ))]
    );
}

#[test]
fn upsert_replaces_a_set_whole() {
    let existing = with(vec![set(
        "w.example.com",
        RrType::A,
        &["192.0.2.1", "192.0.2.2"],
    )]);
    let edit = apply(&existing, vec![(Upsert, a("w.example.com", "192.0.2.9"))]).unwrap();
    assert_eq!(edit.written, [a("w.example.com", "192.0.2.9")]);
    assert!(edit.deleted.is_empty());
}

#[test]
fn deleting_a_missing_set_is_refused() {
    assert_eq!(
        errors(&apex(), vec![(Delete, a("gone.example.com", "192.0.2.1"))]),
        [BatchProblem::DeleteNotFound(key(
            "gone.example.com",
            RrType::A
        ))]
    );
}

#[test]
fn a_delete_must_repeat_ttl_values_and_alias() {
    let stored = set("w.example.com", RrType::A, &["192.0.2.1", "192.0.2.2"]);
    let existing = with(vec![
        stored.clone(),
        a("t.example.com", "192.0.2.7"),
        alias("al.example.com", "t.example.com"),
    ]);
    let mismatch = |s| BatchProblem::DeleteMismatch(key(s, RrType::A));

    let mut other_ttl = stored.clone();
    other_ttl.ttl = Some(60);
    assert_eq!(
        errors(&existing, vec![(Delete, other_ttl)]),
        [mismatch("w.example.com")]
    );
    assert_eq!(
        errors(&existing, vec![(Delete, a("w.example.com", "192.0.2.1"))]),
        [mismatch("w.example.com")]
    );
    let mut other_alias = alias("al.example.com", "t.example.com");
    other_alias
        .alias_target
        .as_mut()
        .unwrap()
        .evaluate_target_health = true;
    assert_eq!(
        errors(&existing, vec![(Delete, other_alias)]),
        [mismatch("al.example.com")]
    );

    // Values in any order match.
    assert!(accepted(
        &existing,
        vec![(
            Delete,
            set("w.example.com", RrType::A, &["192.0.2.2", "192.0.2.1"])
        )]
    ));
    assert!(accepted(
        &existing,
        vec![(Delete, alias("al.example.com", "t.example.com"))]
    ));
    // The target's zone may be given bare or prefixed.
    let mut bare_zone = alias("al.example.com", "t.example.com");
    bare_zone.alias_target.as_mut().unwrap().hosted_zone_id = "ZTEST".into();
    assert!(accepted(&existing, vec![(Delete, bare_zone)]));
}

#[test]
fn a_delete_compares_routing_fields_only_when_it_supplies_them() {
    let mut stored = routed(
        "m.example.com",
        "one",
        "192.0.2.1",
        cairn_model::rrset::RoutingPolicy::MultiValueAnswer(true),
    );
    stored.health_check_id = Some("hc-1".into());
    let existing = with(vec![stored.clone()]);

    // Supplied and equal: matches. (A request without any policy is InvalidInput before
    // matching, so the omission moto #7153 is about is of the other fields.)
    let mut same = stored.clone();
    same.health_check_id = None;
    assert!(accepted(&existing, vec![(Delete, same)]));

    let mut wrong_health_check = stored.clone();
    wrong_health_check.health_check_id = Some("hc-2".into());
    assert_eq!(
        errors(&existing, vec![(Delete, wrong_health_check)]),
        [BatchProblem::DeleteMismatch(routed_key(
            "m.example.com",
            RrType::A,
            "one"
        ))]
    );
    let mut weighted_stored = weighted("w.example.com", "a", 10);
    weighted_stored.health_check_id = Some("hc-1".into());
    let existing = with(vec![weighted_stored.clone()]);
    assert_eq!(
        errors(
            &existing,
            vec![(Delete, weighted("w.example.com", "a", 11))]
        ),
        [BatchProblem::DeleteMismatch(routed_key(
            "w.example.com",
            RrType::A,
            "a"
        ))]
    );
    // The health check left out: still the same set.
    assert!(accepted(
        &existing,
        vec![(Delete, weighted("w.example.com", "a", 10))]
    ));
}

#[test]
fn a_delete_with_invalid_values_says_the_rdata_is_invalid() {
    assert_eq!(
        errors(
            &apex(),
            vec![(Delete, a("w.example.com", "not-an-address"))]
        ),
        [BatchProblem::DeleteRdataInvalid(key(
            "w.example.com",
            RrType::A
        ))]
    );
}

#[test]
fn every_problem_in_a_batch_is_reported_in_order() {
    let messages = errors(
        &with(vec![a("here.example.com", "192.0.2.1")]),
        vec![
            (Delete, a("gone.example.com", "192.0.2.1")),
            (Create, a("www.other.org", "192.0.2.1")),
            (Create, a("ok.example.com", "192.0.2.1")),
            (Create, a("here.example.com", "192.0.2.1")),
        ],
    );
    assert_eq!(
        messages,
        [
            BatchProblem::DeleteNotFound(key("gone.example.com", RrType::A)),
            BatchProblem::OutsideZone {
                name: name("www.other.org"),
                zone: zone_name()
            },
            BatchProblem::AlreadyExists(key("here.example.com", RrType::A)),
        ]
    );
}

//------------ several changes to one set ---------------------------------------------

#[test]
fn deleting_the_same_set_twice_in_a_batch_is_an_invalid_set_of_changes() {
    let existing = with(vec![a("w.example.com", "192.0.2.1")]);
    assert_eq!(
        errors(
            &existing,
            vec![
                (Delete, a("w.example.com", "192.0.2.1")),
                (Delete, a("w.example.com", "192.0.2.1"))
            ]
        ),
        [BatchProblem::InvalidChangeSequence(key(
            "w.example.com",
            RrType::A
        ))]
    );
}

#[test]
fn two_creates_of_one_new_set_are_an_invalid_set_of_changes() {
    // ACM's validation CNAME for a name and its wildcard is the same record
    // (schwamster/serverless-certificate-creator#28): not "already exists".
    let validation = set(
        "_x1.ds01.example.com",
        RrType::Cname,
        &["_y1.acm-validations.aws."],
    );
    assert_eq!(
        errors(
            &apex(),
            vec![
                (Create, validation.clone()),
                (Create, validation),
                (Create, a("fine.example.com", "192.0.2.1"))
            ]
        ),
        [BatchProblem::InvalidChangeSequence(key(
            "_x1.ds01.example.com",
            RrType::Cname
        ))]
    );
}

#[test]
fn other_repeated_changes_of_one_set_are_refused_each_set_once() {
    let existing = with(vec![a("w.example.com", "192.0.2.1")]);
    assert_eq!(
        errors(
            &existing,
            vec![
                (Upsert, a("w.example.com", "192.0.2.2")),
                (Create, a("n.example.com", "192.0.2.1")),
                (Upsert, a("w.example.com", "192.0.2.3")),
                (Delete, a("n.example.com", "192.0.2.1")),
                (Delete, a("w.example.com", "192.0.2.3")),
            ]
        ),
        [
            BatchProblem::InvalidChangeSequence(key("w.example.com", RrType::A)),
            BatchProblem::InvalidChangeSequence(key("n.example.com", RrType::A)),
        ]
    );
}

#[test]
fn delete_then_create_or_upsert_of_one_set_works() {
    let existing = with(vec![a("w.example.com", "192.0.2.1")]);
    let edit = apply(
        &existing,
        vec![
            (Delete, a("w.example.com", "192.0.2.1")),
            (Create, a("w.example.com", "192.0.2.2")),
        ],
    )
    .unwrap();
    assert_eq!(edit.written, [a("w.example.com", "192.0.2.2")]);
    assert!(
        edit.deleted.is_empty(),
        "a set deleted and written again is overwritten, not deleted"
    );
    assert!(accepted(
        &existing,
        vec![
            (Delete, a("w.example.com", "192.0.2.1")),
            (Upsert, a("w.example.com", "192.0.2.3"))
        ]
    ));
    // Different set identifiers are different sets.
    let existing = with(vec![weighted("r.example.com", "a", 1)]);
    assert!(accepted(
        &existing,
        vec![
            (Delete, weighted("r.example.com", "a", 1)),
            (Create, weighted("r.example.com", "b", 1))
        ]
    ));
}

//------------ the apex SOA and NS -----------------------------------------------------

#[test]
fn the_apex_ns_and_soa_cannot_be_deleted() {
    let existing = apex();
    assert_eq!(
        errors(&existing, vec![(Delete, existing[1].clone())]),
        [BatchProblem::ApexNsRequired]
    );
    assert_eq!(
        errors(&existing, vec![(Delete, existing[0].clone())]),
        [BatchProblem::ApexSoaRequired]
    );
    // With stale values the mismatch is reported instead (pcorliss/ruby_route_53#28).
    let mut stale = existing[0].clone();
    stale.ttl = Some(1);
    assert_eq!(
        errors(&existing, vec![(Delete, stale)]),
        [BatchProblem::DeleteMismatch(key(
            "example.com",
            RrType::Soa
        ))]
    );
}

#[test]
fn the_apex_ns_and_soa_can_be_upserted() {
    let edit = apply(
        &apex(),
        vec![
            (Upsert, set("example.com", RrType::Ns, &["a.ns.test."])),
            (
                Upsert,
                set(
                    "example.com",
                    RrType::Soa,
                    &["a.ns.test. h.example.com. 42 7200 900 1209600 86400"],
                ),
            ),
        ],
    )
    .unwrap();
    assert_eq!(edit.written.len(), 2);
}

#[test]
fn the_soa_takes_one_value() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Upsert,
                set(
                    "example.com",
                    RrType::Soa,
                    &[
                        "a.ns.test. h.example.com. 1 7200 900 1209600 86400",
                        "b.ns.test. h.example.com. 1 7200 900 1209600 86400"
                    ]
                )
            )]
        ),
        [BatchProblem::OneValueOnly {
            name: zone_name(),
            rtype: RrType::Soa
        }]
    );
}

//------------ values -------------------------------------------------------------------

/// A value Route 53 refuses with `code` and `detail` (its problem codes, ROUTE53.md §2.2).
fn invalid_value(code: &'static str, detail: &str, value: &str) -> BatchProblem {
    // The problem kinds these tests use, picked by the code and detail Route 53 shows.
    let problem = [
        RdataProblem::Unquoted,
        RdataProblem::IllegalIpv4,
        RdataProblem::CharacterStringTooLong,
    ]
    .into_iter()
    .find(|p| p.code() == code && p.detail() == detail)
    .unwrap_or_else(|| panic!("no problem kind with code {code} and detail {detail}"));
    BatchProblem::InvalidValue(RdataError::new(problem, value))
}

#[test]
fn duplicate_values_are_refused() {
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set(
                    "d.example.com",
                    RrType::A,
                    &["10.160.0.188", "192.0.2.1", "10.160.0.188"]
                )
            )]
        ),
        [BatchProblem::DuplicateValue("10.160.0.188".into())]
    );
}

#[test]
fn too_many_values_are_refused() {
    let values: Vec<String> = (0..3).map(|i| format!("192.0.2.{i}")).collect();
    let many =
        cairn_model::ResourceRecordSet::simple(name("m.example.com"), RrType::A, 300, values);
    let limits = Limits {
        max_values_per_rrset: 2,
        ..Limits::default()
    };
    match apply_with(&apex(), vec![(Create, many)], &limits) {
        Err(cairn_model::ChangeBatchError::InvalidChangeBatch(problems)) => {
            assert_eq!(problems, [BatchProblem::TooManyValues(2)]);
        }
        other => panic!("expected InvalidChangeBatch, got {other:?}"),
    }
    let four_hundred: Vec<String> = (0..400)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    assert!(accepted(
        &apex(),
        vec![(
            Create,
            cairn_model::ResourceRecordSet::simple(
                name("m.example.com"),
                RrType::A,
                300,
                four_hundred
            )
        )]
    ));
}

#[test]
fn bad_values_are_refused_with_route53s_problem_codes() {
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, set("t.example.com", RrType::Txt, &["hello"]))]
        ),
        [invalid_value(
            "InvalidCharacterString",
            "Value should be enclosed in quotation marks",
            "hello"
        )]
    );
    assert_eq!(
        errors(&apex(), vec![(Create, a("a.example.com", "192.0.2.300"))]),
        [invalid_value(
            "ARRDATAIllegalIPv4Address",
            "Value is not a valid IPv4 address",
            "192.0.2.300"
        )]
    );
    let long = format!("\"{}\"", "x".repeat(256));
    assert_eq!(
        errors(
            &apex(),
            vec![(Create, set("t.example.com", RrType::Txt, &[long.as_str()]))]
        ),
        [invalid_value(
            "CharacterStringTooLong",
            "Value is too long",
            &long
        )]
    );
    // Each bad value of a set is reported.
    assert_eq!(
        errors(
            &apex(),
            vec![(
                Create,
                set("a.example.com", RrType::A, &["x", "192.0.2.1", "y"])
            )]
        )
        .len(),
        2
    );
}

#[test]
fn aliases_cannot_be_ns_or_soa() {
    let mut ns = alias_of("sub.example.com", RrType::Ns, "t.example.com");
    ns.alias_target = Some(AliasTarget {
        hosted_zone_id: "ZTEST".into(),
        dns_name: name("t.example.com"),
        evaluate_target_health: false,
    });
    assert_eq!(
        errors(&apex(), vec![(Create, ns)]),
        [BatchProblem::AliasNotPermitted {
            name: name("sub.example.com"),
            rtype: RrType::Ns
        }]
    );
}

//! Routing policies in a change batch (ROUTE53.md §2.1–2.2, §3): set identifiers, one
//! policy per set and per name and type, and the per-policy uniqueness rules.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::change::MAX_ROUTED_PER_NAME_AND_TYPE;
use cairn_model::routing::{Coordinate, GeoproximityProblem, RoutingFields};
use cairn_model::rrset::PolicyKind;
use cairn_model::rrset::{FailoverRole, GeoLocation, Routing, RoutingPolicy};
use cairn_model::RrType;
use change_support::*;

fn failover(owner: &str, id: &str, role: FailoverRole) -> cairn_model::ResourceRecordSet {
    routed(owner, id, "192.0.2.1", RoutingPolicy::Failover(role))
}

fn latency(owner: &str, id: &str, region: &str) -> cairn_model::ResourceRecordSet {
    routed(
        owner,
        id,
        "192.0.2.1",
        RoutingPolicy::Latency(region.into()),
    )
}

fn geo(owner: &str, id: &str, country: &str) -> cairn_model::ResourceRecordSet {
    routed(
        owner,
        id,
        "192.0.2.1",
        RoutingPolicy::Geolocation(GeoLocation {
            continent_code: None,
            country_code: Some(country.into()),
            subdivision_code: None,
        }),
    )
}

fn multivalue(owner: &str, id: &str, value: &str) -> cairn_model::ResourceRecordSet {
    routed(owner, id, value, RoutingPolicy::MultiValueAnswer(true))
}

#[test]
fn a_weighted_group_is_accepted_with_weights_0_to_255() {
    assert!(accepted(
        &apex(),
        vec![
            (Create, weighted("w.example.com", "a", 0)),
            (Create, weighted("w.example.com", "b", 255))
        ]
    ));
}

#[test]
fn a_routing_policy_needs_a_set_identifier() {
    let no_id = RoutingFields {
        weight: Some(1),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Create, None, no_id),
        Err(routing_problem(
            RoutingProblem::MissingSetIdentifier,
            Create,
            "w.example.com",
            None
        ))
    );
    // MultiValueAnswer=false is a policy too (aws/aws-sdk#75).
    let false_multivalue = RoutingFields {
        multi_value_answer: Some(false),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Upsert, None, false_multivalue.clone()),
        Err(routing_problem(
            RoutingProblem::MissingSetIdentifier,
            Upsert,
            "w.example.com",
            None
        ))
    );
    // ... and with a set identifier, the set's one policy, kept as given.
    assert_eq!(
        read(Upsert, Some("m"), false_multivalue),
        Ok(Some(Routing {
            set_identifier: "m".into(),
            policy: RoutingPolicy::MultiValueAnswer(false)
        }))
    );
    assert_eq!(read(Create, None, RoutingFields::default()), Ok(None));
}

#[test]
fn a_set_identifier_needs_exactly_one_policy() {
    assert_eq!(
        read(Upsert, Some("green"), RoutingFields::default()),
        Err(routing_problem(
            RoutingProblem::PolicyCount(Found::None),
            Upsert,
            "w.example.com",
            Some("green")
        ))
    );
    let two = RoutingFields {
        weight: Some(1),
        region: Some("us-east-1".into()),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Create, Some("a"), two),
        Err(routing_problem(
            RoutingProblem::PolicyCount(Found::MoreThanOne),
            Create,
            "w.example.com",
            Some("a")
        ))
    );
}

#[test]
fn set_identifiers_are_1_to_128_characters() {
    let long = "x".repeat(129);
    assert_eq!(
        invalid_input(&apex(), vec![(Create, weighted("w.example.com", &long, 1))]),
        routing_problem(
            RoutingProblem::SetIdentifierTooLong(long.clone()),
            Create,
            "w.example.com",
            Some(&long)
        )
    );
    assert_eq!(
        invalid_input(&apex(), vec![(Create, weighted("w.example.com", "", 1))]),
        routing_problem(
            RoutingProblem::SetIdentifierEmpty,
            Create,
            "w.example.com",
            Some("")
        )
    );
    assert!(accepted(
        &apex(),
        vec![(Create, weighted("w.example.com", &"x".repeat(128), 1))]
    ));
    // Read from a request, the length is checked before the policy.
    assert_eq!(
        read(Create, Some(""), RoutingFields::default()),
        Err(routing_problem(
            RoutingProblem::SetIdentifierEmpty,
            Create,
            "w.example.com",
            Some("")
        ))
    );
}

#[test]
fn routed_and_plain_sets_do_not_mix_in_either_order() {
    let existing = with(vec![a("w.example.com", "192.0.2.9")]);
    assert_eq!(
        errors(&existing, vec![(Create, weighted("w.example.com", "a", 1))]),
        [BatchProblem::OtherPolicyExists {
            set: routed_key("w.example.com", RrType::A, "a"),
            policy: PolicyKind::Weighted
        }]
    );
    let existing = with(vec![weighted("w.example.com", "a", 1)]);
    assert_eq!(
        errors(&existing, vec![(Create, a("w.example.com", "192.0.2.9"))]),
        [BatchProblem::PlainAmongRouted {
            name: name("w.example.com"),
            rtype: RrType::A
        }]
    );
    // cert-manager/cert-manager#5388: a multivalue set beside a plain one.
    let existing = with(vec![set(
        "_acme-challenge.example.com",
        RrType::Txt,
        &["\"old\""],
    )]);
    let challenge = route(
        set("_acme-challenge.example.com", RrType::Txt, &["\"new\""]),
        "abc",
        RoutingPolicy::MultiValueAnswer(true),
    );
    assert_eq!(
        errors(&existing, vec![(Create, challenge)]),
        [BatchProblem::OtherPolicyExists {
            set: routed_key("_acme-challenge.example.com", RrType::Txt, "abc"),
            policy: PolicyKind::MultiValueAnswer
        }]
    );
}

#[test]
fn a_plain_set_can_become_routed_by_deleting_it_first() {
    let existing = with(vec![a("w.example.com", "192.0.2.9")]);
    assert!(accepted(
        &existing,
        vec![
            (Delete, a("w.example.com", "192.0.2.9")),
            (Create, weighted("w.example.com", "a", 1))
        ]
    ));
}

#[test]
fn one_policy_per_name_and_type() {
    assert_eq!(
        errors(
            &apex(),
            vec![
                (Create, weighted("m.example.com", "w", 1)),
                (Create, latency("m.example.com", "l", "eu-west-1"))
            ]
        ),
        [BatchProblem::OtherPolicyExists {
            set: routed_key("m.example.com", RrType::A, "l"),
            policy: PolicyKind::Latency
        }]
    );
    // An UPSERT may change the policy of the only set of a name and type.
    let existing = with(vec![weighted("m.example.com", "w", 1)]);
    let now_latency = latency("m.example.com", "w", "eu-west-1");
    assert!(accepted(&existing, vec![(Upsert, now_latency)]));
}

#[test]
fn failover_is_primary_or_secondary_and_one_of_each() {
    let tertiary = RoutingFields {
        failover: Some("TERTIARY".into()),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Create, Some("p"), tertiary),
        Err(routing_problem(
            RoutingProblem::UnknownFailover("TERTIARY".into()),
            Create,
            "w.example.com",
            Some("p")
        ))
    );
    let primary = RoutingFields {
        failover: Some("PRIMARY".into()),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Create, Some("p"), primary),
        Ok(Some(Routing {
            set_identifier: "p".into(),
            policy: RoutingPolicy::Failover(FailoverRole::Primary)
        }))
    );
    assert_eq!(
        errors(
            &apex(),
            vec![
                (
                    Create,
                    failover("f.example.com", "p1", FailoverRole::Primary)
                ),
                (
                    Create,
                    failover("f.example.com", "p2", FailoverRole::Primary)
                )
            ]
        ),
        [BatchProblem::FailoverRoleTaken {
            set: routed_key("f.example.com", RrType::A, "p2"),
            role: FailoverRole::Primary
        }]
    );
    assert!(accepted(
        &apex(),
        vec![
            (
                Create,
                failover("f.example.com", "p", FailoverRole::Primary)
            ),
            (
                Create,
                failover("f.example.com", "s", FailoverRole::Secondary)
            )
        ]
    ));
}

#[test]
fn one_latency_set_per_region() {
    assert_eq!(
        errors(
            &apex(),
            vec![
                (Create, latency("l.example.com", "l1", "eu-west-1")),
                (Create, latency("l.example.com", "l2", "eu-west-1"))
            ]
        ),
        [BatchProblem::LatencyRegionTaken {
            set: routed_key("l.example.com", RrType::A, "l2"),
            region: "eu-west-1".into()
        }]
    );
    assert!(accepted(
        &apex(),
        vec![
            (Create, latency("l.example.com", "l1", "eu-west-1")),
            (Create, latency("l.example.com", "l2", "us-east-1"))
        ]
    ));
}

#[test]
fn geolocations_are_not_repeated() {
    assert_eq!(
        errors(
            &apex(),
            vec![
                (Create, geo("g.example.com", "de1", "DE")),
                (Create, geo("g.example.com", "de2", "DE"))
            ]
        ),
        [BatchProblem::GeolocationTaken(routed_key(
            "g.example.com",
            RrType::A,
            "de2"
        ))]
    );
    assert!(accepted(
        &apex(),
        vec![
            (Create, geo("g.example.com", "de", "DE")),
            (Create, geo("g.example.com", "default", "*"))
        ]
    ));
}

#[test]
fn multivalue_is_not_for_aliases_or_cnames() {
    let cname = route(
        set("mv.example.com", RrType::Cname, &["x.example.net"]),
        "one",
        RoutingPolicy::MultiValueAnswer(true),
    );
    assert_eq!(
        errors(&apex(), vec![(Create, cname)]),
        [BatchProblem::MultiValueAliasOrCname {
            name: name("mv.example.com"),
            rtype: RrType::Cname
        }]
    );
    let aliased = route(
        alias("mv.example.com", "t.example.com"),
        "one",
        RoutingPolicy::MultiValueAnswer(true),
    );
    assert_eq!(
        errors(
            &with(vec![a("t.example.com", "192.0.2.1")]),
            vec![(Create, aliased)]
        ),
        [BatchProblem::MultiValueAliasOrCname {
            name: name("mv.example.com"),
            rtype: RrType::A
        }]
    );
}

#[test]
fn ns_soa_and_ds_are_not_routed() {
    for rtype in [RrType::Ns, RrType::Ds] {
        let value = if rtype == RrType::Ns {
            "ns.example.net."
        } else {
            "12345 13 2 3C2B9F1E3E2F4D0B8F5A6C7D8E9F0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B"
        };
        let s = route(
            set("sub.example.com", rtype, &[value]),
            "a",
            RoutingPolicy::Weighted(1),
        );
        assert_eq!(
            errors(&apex(), vec![(Create, s)]),
            [BatchProblem::TypeNotRoutable {
                name: name("sub.example.com"),
                rtype,
                policy: PolicyKind::Weighted
            }]
        );
    }
}

#[test]
fn a_failover_alias_must_evaluate_target_health() {
    let existing = with(vec![a("t.example.com", "192.0.2.1")]);
    let mut primary = route(
        alias("f.example.com", "t.example.com"),
        "p",
        RoutingPolicy::Failover(FailoverRole::Primary),
    );
    assert_eq!(
        errors(&existing, vec![(Create, primary.clone())]),
        [BatchProblem::FailoverAliasWithoutHealth {
            name: name("f.example.com"),
            rtype: RrType::A
        }]
    );
    primary
        .alias_target
        .as_mut()
        .unwrap()
        .evaluate_target_health = true;
    assert!(accepted(&existing, vec![(Create, primary)]));
}

#[test]
fn at_most_100_routed_sets_per_name_and_type() {
    let group: Vec<_> = (0..MAX_ROUTED_PER_NAME_AND_TYPE)
        .map(|i| multivalue("mv.example.com", &format!("id{i}"), &format!("192.0.2.{i}")))
        .collect();
    let existing = with(group);
    assert_eq!(
        errors(
            &existing,
            vec![(
                Create,
                multivalue("mv.example.com", "one-more", "198.51.100.1")
            )]
        ),
        [BatchProblem::RoutedGroupFull {
            set: routed_key("mv.example.com", RrType::A, "one-more"),
            existing: 100,
            policy: PolicyKind::MultiValueAnswer
        }]
    );
    // Replacing one of them is fine.
    assert!(accepted(
        &existing,
        vec![(Upsert, multivalue("mv.example.com", "id7", "198.51.100.1"))]
    ));
}

fn proximity(
    owner: &str,
    id: &str,
    region: Option<&str>,
    coordinates: Option<(&str, &str)>,
    bias: Option<i32>,
) -> cairn_model::ResourceRecordSet {
    routed(
        owner,
        id,
        "192.0.2.1",
        RoutingPolicy::Geoproximity(cairn_model::rrset::GeoProximityLocation {
            aws_region: region.map(Into::into),
            local_zone_group: None,
            latitude: coordinates.map(|c| c.0.into()),
            longitude: coordinates.map(|c| c.1.into()),
            bias,
        }),
    )
}

/// The set's geoproximity location, to change.
fn location(
    set: &mut cairn_model::ResourceRecordSet,
) -> &mut cairn_model::rrset::GeoProximityLocation {
    match set.routing.as_mut().map(|r| &mut r.policy) {
        Some(RoutingPolicy::Geoproximity(location)) => location,
        other => panic!("not a geoproximity set: {other:?}"),
    }
}

/// The `InvalidInput` of a geoproximity problem in the CREATE of `p.example.com`/`p`.
fn in_p(problem: GeoproximityProblem) -> InputProblem {
    routing_problem(
        RoutingProblem::Geoproximity(problem),
        Create,
        "p.example.com",
        Some("p"),
    )
}

#[test]
fn geoproximity_locations_are_validated() {
    let ok = |set| accepted(&apex(), vec![(Create, set)]);
    let refused = |set| invalid_input(&apex(), vec![(Create, set)]);
    assert!(ok(proximity(
        "p.example.com",
        "p",
        Some("eu-west-1"),
        None,
        Some(-99)
    )));
    assert!(ok(proximity(
        "p.example.com",
        "p",
        None,
        Some(("-33.87", "151.21")),
        Some(99)
    )));
    assert!(ok(proximity(
        "p.example.com",
        "p",
        None,
        Some(("+90", "-180.0")),
        None
    )));
    let mut zone_group = proximity("p.example.com", "p", None, None, None);
    location(&mut zone_group).local_zone_group = Some("us-west-2-lax-1".into());
    assert!(ok(zone_group.clone()));

    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            Some("eu-west-1"),
            None,
            Some(100)
        )),
        in_p(GeoproximityProblem::BiasTooLarge(100))
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            Some("eu-west-1"),
            None,
            Some(-100)
        )),
        in_p(GeoproximityProblem::BiasTooSmall(-100))
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            None,
            Some(("12.345", "0")),
            None
        )),
        in_p(GeoproximityProblem::CoordinatePattern(
            Coordinate::Latitude,
            "12.345".into()
        ))
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            None,
            Some(("10", "181")),
            None
        )),
        in_p(GeoproximityProblem::CoordinateRange(
            Coordinate::Longitude,
            "181".into()
        ))
    );
    assert_eq!(
        refused(proximity("p.example.com", "p", None, None, Some(10))),
        in_p(GeoproximityProblem::LocationCount(Found::None))
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            Some("eu-west-1"),
            Some(("1", "2")),
            None
        )),
        in_p(GeoproximityProblem::LocationCount(Found::MoreThanOne))
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            Some("mars-north-1"),
            None,
            None
        )),
        in_p(GeoproximityProblem::UnknownRegion("mars-north-1".into()))
    );
    location(&mut zone_group).local_zone_group = Some("lax".into());
    assert_eq!(
        refused(zone_group),
        in_p(GeoproximityProblem::UnknownLocalZoneGroup("lax".into()))
    );
}

#[test]
fn latency_regions_are_route53s_enumeration() {
    let refused = invalid_input(
        &apex(),
        vec![(Create, latency("l.example.com", "l1", "us-middle-1"))],
    );
    assert_eq!(
        refused,
        routing_problem(
            RoutingProblem::UnknownLatencyRegion("us-middle-1".into()),
            Create,
            "l.example.com",
            Some("l1")
        )
    );
    // The enumeration is Route 53's region list, from its first region to its last.
    let regions = &cairn_model::region::AWS_REGIONS;
    assert_eq!(regions.first().map(|r| r.name), Some("us-east-1"));
    assert_eq!(regions.last().map(|r| r.name), Some("eusc-de-east-1"));
}

#[test]
fn at_most_30_geoproximity_sets_per_name_and_type() {
    use cairn_model::change::MAX_GEOPROXIMITY_PER_NAME_AND_TYPE;
    let group: Vec<_> = (0..MAX_GEOPROXIMITY_PER_NAME_AND_TYPE)
        .map(|i| {
            proximity(
                "p.example.com",
                &format!("id{i}"),
                None,
                Some((&format!("{i}"), "0")),
                None,
            )
        })
        .collect();
    let existing = with(group);
    assert_eq!(
        errors(
            &existing,
            vec![(
                Create,
                proximity("p.example.com", "one-more", Some("eu-west-1"), None, None)
            )]
        ),
        [BatchProblem::RoutedGroupFull {
            set: routed_key("p.example.com", RrType::A, "one-more"),
            existing: 30,
            policy: PolicyKind::Geoproximity
        }]
    );
}

//! Routing policies in a change batch (ROUTE53.md §2.1–2.2, §3): set identifiers, one
//! policy per set and per name and type, and the per-policy uniqueness rules.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::change::MAX_ROUTED_PER_NAME_AND_TYPE;
use cairn_model::routing::RoutingFields;
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
        Err("Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]".into())
    );
    // MultiValueAnswer=false is a policy too (aws/aws-sdk#75).
    let false_multivalue = RoutingFields {
        multi_value_answer: Some(false),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Upsert, None, false_multivalue.clone()),
        Err("Invalid request: Missing field 'SetIdentifier' in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=null]".into())
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
        Err("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=green]".into())
    );
    let two = RoutingFields {
        weight: Some(1),
        region: Some("us-east-1".into()),
        ..RoutingFields::default()
    };
    assert_eq!(
        read(Create, Some("a"), two),
        Err("Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=a]".into())
    );
}

#[test]
fn set_identifiers_are_1_to_128_characters() {
    let long = "x".repeat(129);
    assert_eq!(
        invalid_input(&apex(), vec![(Create, weighted("w.example.com", &long, 1))]),
        format!("Invalid XML ; cvc-maxLength-valid: Value '{long}' with length = '129' is not facet-valid with respect to maxLength '128' for type 'ResourceRecordSetIdentifier'.")
    );
    assert_eq!(
        invalid_input(&apex(), vec![(Create, weighted("w.example.com", "", 1))]),
        "Invalid XML ; cvc-minLength-valid: Value '' with length = '0' is not facet-valid with respect to minLength '1' for type 'ResourceRecordSetIdentifier'."
    );
    assert!(accepted(
        &apex(),
        vec![(Create, weighted("w.example.com", &"x".repeat(128), 1))]
    ));
    // Read from a request, the length is checked before the policy.
    assert_eq!(
        read(Create, Some(""), RoutingFields::default()),
        Err("Invalid XML ; cvc-minLength-valid: Value '' with length = '0' is not facet-valid with respect to minLength '1' for type 'ResourceRecordSetIdentifier'.".into())
    );
}

#[test]
fn routed_and_plain_sets_do_not_mix_in_either_order() {
    let existing = with(vec![a("w.example.com", "192.0.2.9")]);
    assert_eq!(
        errors(&existing, vec![(Create, weighted("w.example.com", "a", 1))]),
        ["RRSet with DNS name w.example.com., type A, SetIdentifier \"a\" cannot be created because a non weighted rrset exists with the same name and type."]
    );
    let existing = with(vec![weighted("w.example.com", "a", 1)]);
    assert_eq!(
        errors(&existing, vec![(Create, a("w.example.com", "192.0.2.9"))]),
        ["RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with the same name and type"]
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
        ["RRSet with DNS name _acme-challenge.example.com., type TXT, SetIdentifier \"abc\" cannot be created because a non multivalue answer rrset exists with the same name and type."]
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
        errors(&apex(), vec![(Create, weighted("m.example.com", "w", 1)), (Create, latency("m.example.com", "l", "eu-west-1"))]),
        ["RRSet with DNS name m.example.com., type A, SetIdentifier \"l\" cannot be created because a non latency rrset exists with the same name and type."]
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
        Err("Invalid XML ; cvc-enumeration-valid: Value 'TERTIARY' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the enumeration.".into())
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
        errors(&apex(), vec![(Create, failover("f.example.com", "p1", FailoverRole::Primary)), (Create, failover("f.example.com", "p2", FailoverRole::Primary))]),
        ["RRSet with DNS name f.example.com., type A, SetIdentifier \"p2\" cannot be created because a failover rrset with Failover PRIMARY already exists with the same name and type."]
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
        errors(&apex(), vec![(Create, latency("l.example.com", "l1", "eu-west-1")), (Create, latency("l.example.com", "l2", "eu-west-1"))]),
        ["RRSet with DNS name l.example.com., type A, SetIdentifier \"l2\" cannot be created because a latency rrset for region eu-west-1 already exists with the same name and type."]
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
        errors(&apex(), vec![(Create, geo("g.example.com", "de1", "DE")), (Create, geo("g.example.com", "de2", "DE"))]),
        ["RRSet with DNS name g.example.com., type A, SetIdentifier \"de2\" cannot be created because a geolocation rrset for the same location already exists with the same name and type."]
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
        ["RRSet with DNS name mv.example.com., type CNAME cannot use multivalue answer routing: multivalue answer records cannot be aliases or CNAMEs"]
    );
    let aliased = route(
        alias("mv.example.com", "t.example.com"),
        "one",
        RoutingPolicy::MultiValueAnswer(true),
    );
    assert_eq!(
        errors(&with(vec![a("t.example.com", "192.0.2.1")]), vec![(Create, aliased)]),
        ["RRSet with DNS name mv.example.com., type A cannot use multivalue answer routing: multivalue answer records cannot be aliases or CNAMEs"]
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
            [format!("RRSet with DNS name sub.example.com., type {rtype} cannot use weighted routing: {rtype} record sets cannot be routed")]
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
        ["RRSet with DNS name f.example.com., type A is a failover alias, so its EvaluateTargetHealth must be true"]
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
        errors(&existing, vec![(Create, multivalue("mv.example.com", "one-more", "198.51.100.1"))]),
        ["RRSet with DNS name mv.example.com., type A, SetIdentifier \"one-more\" cannot be created because 100 multivalue answer rrsets already exist with the same name and type."]
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

const P: &str = "in Change with [Action=CREATE, Name=p.example.com., Type=A, SetIdentifier=p]";

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
        refused(proximity("p.example.com", "p", Some("eu-west-1"), None, Some(100))),
        format!("Invalid XML ; cvc-maxInclusive-valid: Value '100' is not facet-valid with respect to maxInclusive '99' for type 'Bias'. {P}")
    );
    assert_eq!(
        refused(proximity("p.example.com", "p", Some("eu-west-1"), None, Some(-100))),
        format!("Invalid XML ; cvc-minInclusive-valid: Value '-100' is not facet-valid with respect to minInclusive '-99' for type 'Bias'. {P}")
    );
    assert_eq!(
        refused(proximity("p.example.com", "p", None, Some(("12.345", "0")), None)),
        format!("Invalid XML ; cvc-pattern-valid: Value '12.345' is not facet-valid with respect to pattern '[-+]?[0-9]{{1,2}}(\\.[0-9]{{0,2}})?' for type 'Latitude'. {P}")
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            None,
            Some(("10", "181")),
            None
        )),
        format!("Invalid request: Longitude '181' must be between -180 and 180 {P}")
    );
    assert_eq!(
        refused(proximity("p.example.com", "p", None, None, Some(10))),
        format!("Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found none in GeoProximityLocation {P}")
    );
    assert_eq!(
        refused(proximity("p.example.com", "p", Some("eu-west-1"), Some(("1", "2")), None)),
        format!("Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found more than one in GeoProximityLocation {P}")
    );
    assert_eq!(
        refused(proximity(
            "p.example.com",
            "p",
            Some("mars-north-1"),
            None,
            None
        )),
        format!("Invalid request: Unknown AWSRegion 'mars-north-1' in GeoProximityLocation {P}")
    );
    location(&mut zone_group).local_zone_group = Some("lax".into());
    assert!(refused(zone_group).starts_with("Invalid request: Unknown LocalZoneGroup 'lax'"));
}

#[test]
fn latency_regions_are_route53s_enumeration() {
    let refused = invalid_input(
        &apex(),
        vec![(Create, latency("l.example.com", "l1", "us-middle-1"))],
    );
    assert!(
        refused.starts_with("Invalid XML ; cvc-enumeration-valid: Value 'us-middle-1' is not facet-valid with respect to enumeration '[us-east-1, us-east-2, us-west-1, us-west-2, ca-central-1, "),
        "{refused}"
    );
    assert!(
        refused.contains("eusc-de-east-1]'. It must be a value from the enumeration."),
        "{refused}"
    );
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
        errors(&existing, vec![(Create, proximity("p.example.com", "one-more", Some("eu-west-1"), None, None))]),
        ["RRSet with DNS name p.example.com., type A, SetIdentifier \"one-more\" cannot be created because 30 geoproximity rrsets already exist with the same name and type."]
    );
}

//! Routing policies in a change batch (ROUTE53.md §2.1–2.2, §3): set identifiers, one
//! policy per set and per name and type, and the per-policy uniqueness rules.
#![allow(clippy::unwrap_used)]

mod change_support;

use cairn_model::change::MAX_ROUTED_PER_NAME_AND_TYPE;
use cairn_model::rrset::GeoLocation;
use cairn_model::RrType;
use change_support::*;

fn failover(owner: &str, id: &str, role: &str) -> cairn_model::ResourceRecordSet {
    let mut s = routed(owner, id, "192.0.2.1");
    s.failover = Some(role.into());
    s
}

fn latency(owner: &str, id: &str, region: &str) -> cairn_model::ResourceRecordSet {
    let mut s = routed(owner, id, "192.0.2.1");
    s.region = Some(region.into());
    s
}

fn geo(owner: &str, id: &str, country: &str) -> cairn_model::ResourceRecordSet {
    let mut s = routed(owner, id, "192.0.2.1");
    s.geo_location = Some(GeoLocation {
        continent_code: None,
        country_code: Some(country.into()),
        subdivision_code: None,
    });
    s
}

fn multivalue(owner: &str, id: &str, value: &str) -> cairn_model::ResourceRecordSet {
    let mut s = routed(owner, id, value);
    s.multi_value_answer = Some(true);
    s
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
    let mut no_id = a("w.example.com", "192.0.2.1");
    no_id.weight = Some(1);
    assert_eq!(
        invalid_input(&apex(), vec![(Create, no_id)]),
        "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]"
    );
    // MultiValueAnswer=false is a policy too (aws/aws-sdk#75).
    let mut false_multivalue = a("w.example.com", "192.0.2.1");
    false_multivalue.multi_value_answer = Some(false);
    assert_eq!(
        invalid_input(&apex(), vec![(Upsert, false_multivalue)]),
        "Invalid request: Missing field 'SetIdentifier' in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=null]"
    );
}

#[test]
fn a_set_identifier_needs_exactly_one_policy() {
    assert_eq!(
        invalid_input(&apex(), vec![(Upsert, routed("w.example.com", "green", "192.0.2.1"))]),
        "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=green]"
    );
    let mut two = weighted("w.example.com", "a", 1);
    two.region = Some("us-east-1".into());
    assert_eq!(
        invalid_input(&apex(), vec![(Create, two)]),
        "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=a]"
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
    let mut challenge = set("_acme-challenge.example.com", RrType::Txt, &["\"new\""]);
    challenge.set_identifier = Some("abc".into());
    challenge.multi_value_answer = Some(true);
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
    let mut now_latency = latency("m.example.com", "w", "eu-west-1");
    now_latency.weight = None;
    assert!(accepted(&existing, vec![(Upsert, now_latency)]));
}

#[test]
fn failover_is_primary_or_secondary_and_one_of_each() {
    assert_eq!(
        invalid_input(&apex(), vec![(Create, failover("f.example.com", "p", "TERTIARY"))]),
        "Invalid XML ; cvc-enumeration-valid: Value 'TERTIARY' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the enumeration."
    );
    assert_eq!(
        errors(&apex(), vec![(Create, failover("f.example.com", "p1", "PRIMARY")), (Create, failover("f.example.com", "p2", "PRIMARY"))]),
        ["RRSet with DNS name f.example.com., type A, SetIdentifier \"p2\" cannot be created because a failover rrset with Failover PRIMARY already exists with the same name and type."]
    );
    assert!(accepted(
        &apex(),
        vec![
            (Create, failover("f.example.com", "p", "PRIMARY")),
            (Create, failover("f.example.com", "s", "SECONDARY"))
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
    let mut cname = set("mv.example.com", RrType::Cname, &["x.example.net"]);
    cname.set_identifier = Some("one".into());
    cname.multi_value_answer = Some(true);
    assert_eq!(
        errors(&apex(), vec![(Create, cname)]),
        ["RRSet with DNS name mv.example.com., type CNAME cannot use multivalue answer routing: multivalue answer records cannot be aliases or CNAMEs"]
    );
    let mut aliased = alias("mv.example.com", "t.example.com");
    aliased.set_identifier = Some("one".into());
    aliased.multi_value_answer = Some(true);
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
        let mut s = set("sub.example.com", rtype, &[value]);
        s.set_identifier = Some("a".into());
        s.weight = Some(1);
        assert_eq!(
            errors(&apex(), vec![(Create, s)]),
            [format!("RRSet with DNS name sub.example.com., type {rtype} cannot use weighted routing: {rtype} record sets cannot be routed")]
        );
    }
}

#[test]
fn a_failover_alias_must_evaluate_target_health() {
    let existing = with(vec![a("t.example.com", "192.0.2.1")]);
    let mut primary = alias("f.example.com", "t.example.com");
    primary.set_identifier = Some("p".into());
    primary.failover = Some("PRIMARY".into());
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
    let mut s = routed(owner, id, "192.0.2.1");
    s.geo_proximity_location = Some(cairn_model::rrset::GeoProximityLocation {
        aws_region: region.map(Into::into),
        local_zone_group: None,
        latitude: coordinates.map(|c| c.0.into()),
        longitude: coordinates.map(|c| c.1.into()),
        bias,
    });
    s
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
    zone_group
        .geo_proximity_location
        .as_mut()
        .unwrap()
        .local_zone_group = Some("us-west-2-lax-1".into());
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
    zone_group
        .geo_proximity_location
        .as_mut()
        .unwrap()
        .local_zone_group = Some("lax".into());
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

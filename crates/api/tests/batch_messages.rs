//! Route 53's words for every change-batch problem (issue 16: the model says what is wrong,
//! `error/route53/batch.rs` says it). Each message here is one the model's change suites
//! asserted when the rules built the strings themselves, with the same values; the e2e
//! suites compare the recorded ones with AWS's answers too.

use axum::http::StatusCode;
use cairn_api::error::AwsError;
use cairn_model::change::{AliasRef, BatchProblem, ChangeRef, InputProblem};
use cairn_model::rdata::{RdataError, RdataProblem};
use cairn_model::routing::{Coordinate, Found, GeoproximityProblem, RoutingProblem};
use cairn_model::rrset::{FailoverRole, PolicyKind};
use cairn_model::{ChangeAction, ChangeBatchError, DomainName, HostedZoneId, RrType, RrsetKey};

use BatchProblem as P;
use ChangeAction::{Create, Delete, Upsert};

fn n(text: &str) -> DomainName {
    DomainName::from_route53(text).expect("a valid name")
}

fn key(owner: &str, rtype: RrType) -> RrsetKey {
    RrsetKey {
        name: n(owner),
        rtype,
        set_identifier: None,
    }
}

fn routed(owner: &str, rtype: RrType, id: &str) -> RrsetKey {
    RrsetKey {
        set_identifier: Some(id.into()),
        ..key(owner, rtype)
    }
}

fn alias(target: &str, rtype: RrType, zone: &str) -> AliasRef {
    AliasRef {
        target: n(target),
        rtype,
        zone: HostedZoneId::new(zone),
    }
}

fn change(action: ChangeAction, owner: &str, rtype: RrType, id: Option<&str>) -> ChangeRef {
    ChangeRef {
        action,
        name: n(owner),
        rtype,
        set_identifier: id.map(str::to_string),
    }
}

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
    P::InvalidValue(RdataError::new(problem, value))
}

/// The `InvalidChangeBatch` answer for `problems`: 400, every message in brackets.
#[track_caller]
fn check_batch(problems: Vec<BatchProblem>, messages: &[&str]) {
    let err = AwsError::from(ChangeBatchError::InvalidChangeBatch(problems));
    assert_eq!(
        (err.status, err.code.as_ref(), err.message.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "InvalidChangeBatch",
            format!("[{}]", messages.join(", ")).as_str()
        )
    );
}

/// The `InvalidInput` answer for `problem`.
#[track_caller]
fn check_input(problem: InputProblem, message: &str) {
    let err = AwsError::from(ChangeBatchError::InvalidInput(problem));
    assert_eq!(
        (err.status, err.code.as_ref(), err.message.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidInput", message)
    );
}

#[track_caller]
fn check_each(cases: Vec<(BatchProblem, &str)>) {
    for (problem, message) in cases {
        check_batch(vec![problem], &[message]);
    }
}

#[test]
fn names_placement_and_cname_conflicts() {
    let zone = || n("example.com");
    check_each(vec![
        (
            P::OutsideZone { name: n("www.other.org"), zone: zone() },
            "RRSet with DNS name www.other.org. is not permitted in zone example.com.",
        ),
        (
            P::OutsideZone { name: n("notexample.com"), zone: zone() },
            "RRSet with DNS name notexample.com. is not permitted in zone example.com.",
        ),
        (
            P::WildcardNs(n("*.example.com")),
            "RRSet of type NS with DNS name \\052.example.com. is not permitted because NS records cannot be wildcards",
        ),
        (
            P::SoaBelowApex { name: n("sub.example.com"), zone: zone() },
            "RRSet of type SOA with DNS name sub.example.com. is not permitted because only the apex example.com. can have an SOA record",
        ),
        (
            P::CnameAtApex { name: zone(), zone: zone() },
            "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.",
        ),
        (
            P::CnameExists { name: n("c.example.com"), rtype: RrType::A, zone: zone() },
            "RRSet of type A with DNS name c.example.com. is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.com.",
        ),
        (
            P::OtherTypesExist { name: n("c.example.com"), zone: zone() },
            "RRSet of type CNAME with DNS name c.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com.",
        ),
        (
            P::AliasNotPermitted { name: n("sub.example.com"), rtype: RrType::Ns },
            "RRSet of type NS with DNS name sub.example.com. is not permitted as an alias",
        ),
    ]);
}

#[test]
fn create_delete_and_the_apex() {
    let mismatch = "but the values provided do not match the current values";
    check_each(vec![
        (
            P::AlreadyExists(key("w.example.com", RrType::A)),
            "Tried to create resource record set [name='w.example.com.', type='A'] but it already exists",
        ),
        (
            P::AlreadyExists(routed("g.example.com", RrType::A, "Default")),
            "Tried to create resource record set [name='g.example.com.', type='A', set-identifier='Default'] but it already exists",
        ),
        (
            P::DeleteNotFound(key("gone.example.com", RrType::A)),
            "Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
        ),
        (
            P::DeleteRdataInvalid(key("w.example.com", RrType::A)),
            "Tried to delete resource record set [name='w.example.com.', type='A'] but the rdata provided is invalid",
        ),
        (
            P::ApexNsRequired,
            "A HostedZone must contain at least one NS record for the zone itself.",
        ),
        (
            P::ApexSoaRequired,
            "A HostedZone must contain exactly one SOA record.",
        ),
    ]);
    for (set, described) in [
        (
            key("w.example.com", RrType::A),
            "[name='w.example.com.', type='A']",
        ),
        (
            key("al.example.com", RrType::A),
            "[name='al.example.com.', type='A']",
        ),
        (
            key("example.com", RrType::Soa),
            "[name='example.com.', type='SOA']",
        ),
        (
            routed("m.example.com", RrType::A, "one"),
            "[name='m.example.com.', type='A', set-identifier='one']",
        ),
        (
            routed("w.example.com", RrType::A, "a"),
            "[name='w.example.com.', type='A', set-identifier='a']",
        ),
    ] {
        check_batch(
            vec![P::DeleteMismatch(set)],
            &[&format!(
                "Tried to delete resource record set {described} {mismatch}"
            )],
        );
    }
}

#[test]
fn several_problems_are_listed_in_order() {
    check_batch(
        vec![
            P::DeleteNotFound(key("gone.example.com", RrType::A)),
            P::OutsideZone { name: n("www.other.org"), zone: n("example.com") },
            P::AlreadyExists(key("here.example.com", RrType::A)),
        ],
        &[
            "Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found",
            "RRSet with DNS name www.other.org. is not permitted in zone example.com.",
            "Tried to create resource record set [name='here.example.com.', type='A'] but it already exists",
        ],
    );
}

#[test]
fn change_sequences_and_quotas() {
    check_each(vec![
        (
            P::InvalidChangeSequence(key("w.example.com", RrType::A)),
            "The request contains an invalid set of changes for a resource record set 'A w.example.com.'",
        ),
        (
            P::InvalidChangeSequence(key("_x1.ds01.example.com", RrType::Cname)),
            "The request contains an invalid set of changes for a resource record set 'CNAME _x1.ds01.example.com.'",
        ),
        // A routed set is named without its set identifier.
        (
            P::InvalidChangeSequence(routed("w.example.com", RrType::A, "a")),
            "The request contains an invalid set of changes for a resource record set 'A w.example.com.'",
        ),
        (P::TooManyRecords(3), "Number of records limit of 3 exceeded."),
        (P::TooManyRecords(1), "Number of records limit of 1 exceeded."),
        (P::TooManyValueChars(32_000), "RDATA character limit of 32000 exceeded."),
        (
            P::TooManyRecordSets(HostedZoneId::new("ZTEST")),
            "Exceeded limit MAX_RRSETS_BY_ZONE for zone: ZTEST",
        ),
    ]);
    check_batch(
        vec![
            P::InvalidChangeSequence(key("w.example.com", RrType::A)),
            P::InvalidChangeSequence(key("n.example.com", RrType::A)),
        ],
        &[
            "The request contains an invalid set of changes for a resource record set 'A w.example.com.'",
            "The request contains an invalid set of changes for a resource record set 'A n.example.com.'",
        ],
    );
}

#[test]
fn values() {
    let long = format!("\"{}\"", "x".repeat(256));
    check_each(vec![
        (
            P::OneValueOnly { name: n("c.example.com"), rtype: RrType::Cname },
            "RRSet of type CNAME with DNS name c.example.com. must have exactly one resource record",
        ),
        (
            P::OneValueOnly { name: n("example.com"), rtype: RrType::Soa },
            "RRSet of type SOA with DNS name example.com. must have exactly one resource record",
        ),
        (P::TooManyValues(2), "Cannot have more than 2 records in a RRSet."),
        (
            P::DuplicateValue("10.160.0.188".into()),
            "Duplicate Resource Record: '10.160.0.188'",
        ),
        (
            invalid_value("InvalidCharacterString", "Value should be enclosed in quotation marks", "hello"),
            "Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with 'hello'",
        ),
        (
            invalid_value("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address", "192.0.2.300"),
            "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2.300'",
        ),
        (
            invalid_value("CharacterStringTooLong", "Value is too long", &long),
            &format!("Invalid Resource Record: FATAL problem: CharacterStringTooLong (Value is too long) encountered with '{long}'"),
        ),
    ]);
}

#[test]
fn routing_groups() {
    check_each(vec![
        (
            P::OtherPolicyExists { set: routed("w.example.com", RrType::A, "a"), policy: PolicyKind::Weighted },
            "RRSet with DNS name w.example.com., type A, SetIdentifier \"a\" cannot be created because a non weighted rrset exists with the same name and type.",
        ),
        (
            P::PlainAmongRouted { name: n("w.example.com"), rtype: RrType::A },
            "RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with the same name and type",
        ),
        (
            P::OtherPolicyExists { set: routed("_acme-challenge.example.com", RrType::Txt, "abc"), policy: PolicyKind::MultiValueAnswer },
            "RRSet with DNS name _acme-challenge.example.com., type TXT, SetIdentifier \"abc\" cannot be created because a non multivalue answer rrset exists with the same name and type.",
        ),
        (
            P::OtherPolicyExists { set: routed("m.example.com", RrType::A, "l"), policy: PolicyKind::Latency },
            "RRSet with DNS name m.example.com., type A, SetIdentifier \"l\" cannot be created because a non latency rrset exists with the same name and type.",
        ),
        (
            P::FailoverRoleTaken { set: routed("f.example.com", RrType::A, "p2"), role: FailoverRole::Primary },
            "RRSet with DNS name f.example.com., type A, SetIdentifier \"p2\" cannot be created because a failover rrset with Failover PRIMARY already exists with the same name and type.",
        ),
        (
            P::LatencyRegionTaken { set: routed("l.example.com", RrType::A, "l2"), region: "eu-west-1".into() },
            "RRSet with DNS name l.example.com., type A, SetIdentifier \"l2\" cannot be created because a latency rrset for region eu-west-1 already exists with the same name and type.",
        ),
        (
            P::GeolocationTaken(routed("g.example.com", RrType::A, "de2")),
            "RRSet with DNS name g.example.com., type A, SetIdentifier \"de2\" cannot be created because a geolocation rrset for the same location already exists with the same name and type.",
        ),
        (
            P::RoutedGroupFull { set: routed("mv.example.com", RrType::A, "one-more"), existing: 100, policy: PolicyKind::MultiValueAnswer },
            "RRSet with DNS name mv.example.com., type A, SetIdentifier \"one-more\" cannot be created because 100 multivalue answer rrsets already exist with the same name and type.",
        ),
        (
            P::RoutedGroupFull { set: routed("p.example.com", RrType::A, "one-more"), existing: 30, policy: PolicyKind::Geoproximity },
            "RRSet with DNS name p.example.com., type A, SetIdentifier \"one-more\" cannot be created because 30 geoproximity rrsets already exist with the same name and type.",
        ),
    ]);
}

#[test]
fn routing_fit() {
    check_each(vec![
        (
            P::MultiValueAliasOrCname { name: n("mv.example.com"), rtype: RrType::Cname },
            "RRSet with DNS name mv.example.com., type CNAME cannot use multivalue answer routing: multivalue answer records cannot be aliases or CNAMEs",
        ),
        (
            P::MultiValueAliasOrCname { name: n("mv.example.com"), rtype: RrType::A },
            "RRSet with DNS name mv.example.com., type A cannot use multivalue answer routing: multivalue answer records cannot be aliases or CNAMEs",
        ),
        (
            P::TypeNotRoutable { name: n("sub.example.com"), rtype: RrType::Ns, policy: PolicyKind::Weighted },
            "RRSet with DNS name sub.example.com., type NS cannot use weighted routing: NS record sets cannot be routed",
        ),
        (
            P::TypeNotRoutable { name: n("sub.example.com"), rtype: RrType::Ds, policy: PolicyKind::Weighted },
            "RRSet with DNS name sub.example.com., type DS cannot use weighted routing: DS record sets cannot be routed",
        ),
        (
            P::FailoverAliasWithoutHealth { name: n("f.example.com"), rtype: RrType::A },
            "RRSet with DNS name f.example.com., type A is a failover alias, so its EvaluateTargetHealth must be true",
        ),
    ]);
}

#[test]
fn alias_targets() {
    check_each(vec![
        (
            P::AliasTargetNotFound(alias("lb.example.com", RrType::A, "ZTEST")),
            "Tried to create an alias that targets lb.example.com., type A in zone ZTEST, but that target was not found",
        ),
        (
            P::AliasTargetOutsideZone(alias("elsewhere.org", RrType::A, "ZTEST")),
            "Tried to create an alias that targets elsewhere.org., type A in zone ZTEST, but the alias target name does not lie within the target zone",
        ),
        (
            P::AliasTargetNotFound(alias("dev18.example.com", RrType::Cname, "ZTEST")),
            "Tried to create an alias that targets dev18.example.com., type CNAME in zone ZTEST, but that target was not found",
        ),
        (
            P::AliasTargetNotFound(alias("c.example.com", RrType::A, "ZTEST")),
            "Tried to create an alias that targets c.example.com., type A in zone ZTEST, but that target was not found",
        ),
        (
            P::AliasTargetNotFound(alias("self.example.com", RrType::A, "ZTEST")),
            "Tried to create an alias that targets self.example.com., type A in zone ZTEST, but that target was not found",
        ),
        (
            P::AliasTargetNotFound(alias("www.nowhere.org", RrType::A, "ZNONE")),
            "Tried to create an alias that targets www.nowhere.org., type A in zone ZNONE, but that target was not found",
        ),
        (
            P::AliasTargetOutsideZone(alias("www.private.com", RrType::A, "ZOTHER")),
            "Tried to create an alias that targets www.private.com., type A in zone ZOTHER, but the alias target name does not lie within the target zone",
        ),
        (
            P::AliasPublicToPrivate(alias("www.private.com", RrType::A, "ZPRIV")),
            "Tried to create an alias that targets www.private.com., type A in zone ZPRIV, but a public hosted zone cannot alias a private one",
        ),
        (
            P::AliasTargetNotFound(alias("www.other.com", RrType::Aaaa, "ZOTHER")),
            "Tried to create an alias that targets www.other.com., type AAAA in zone ZOTHER, but that target was not found",
        ),
    ]);
}

#[test]
fn cidr_references() {
    let one = || routed("c.example.com", RrType::A, "one");
    let two = || routed("c.example.com", RrType::A, "two");
    check_each(vec![
        (
            P::NoSuchCidrCollection { collection: "c-404".into(), set: one() },
            "CIDR collection c-404 referenced by [name='c.example.com.', type='A', set-identifier='one'] does not exist",
        ),
        (
            P::NoSuchCidrLocation { location: "us".into(), set: one(), collection: "c-1".into() },
            "CIDR location us referenced by [name='c.example.com.', type='A', set-identifier='one'] does not exist in collection c-1",
        ),
    ]);
    check_batch(
        vec![
            P::CidrCollectionsDiffer { set: one(), other: two() },
            P::CidrCollectionsDiffer { set: two(), other: one() },
        ],
        &[
            "[name='c.example.com.', type='A', set-identifier='one'] and [name='c.example.com.', type='A', set-identifier='two'] must use the same CIDR collection",
            "[name='c.example.com.', type='A', set-identifier='two'] and [name='c.example.com.', type='A', set-identifier='one'] must use the same CIDR collection",
        ],
    );
}

//------------ InvalidInput ---------------------------------------------------------------

/// A routing problem of the A set `owner` in a change.
fn routing(
    problem: RoutingProblem,
    action: ChangeAction,
    owner: &str,
    id: Option<&str>,
) -> InputProblem {
    InputProblem::Routing {
        problem,
        change: change(action, owner, RrType::A, id),
    }
}

#[test]
fn ttl_and_payload_form() {
    check_input(
        InputProblem::TtlTooLarge(2_147_483_648),
        "Invalid XML ; cvc-maxInclusive-valid: Value '2147483648' is not facet-valid with respect to maxInclusive '2147483647' for type 'TTL'.",
    );
    check_input(
        InputProblem::PayloadForm { found: Found::MoreThanOne, change: change(Create, "al.example.com", RrType::A, None) },
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=al.example.com., Type=A, SetIdentifier=null]",
    );
    check_input(
        InputProblem::PayloadForm { found: Found::None, change: change(Delete, "x.example.com", RrType::A, None) },
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=DELETE, Name=x.example.com., Type=A, SetIdentifier=null]",
    );
}

#[test]
fn set_identifiers_and_policies() {
    let long = "x".repeat(129);
    let cases = vec![
        (
            routing(RoutingProblem::MissingSetIdentifier, Create, "w.example.com", None),
            "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]".to_string(),
        ),
        (
            routing(RoutingProblem::MissingSetIdentifier, Upsert, "w.example.com", None),
            "Invalid request: Missing field 'SetIdentifier' in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=null]".to_string(),
        ),
        (
            routing(RoutingProblem::PolicyCount(Found::None), Upsert, "w.example.com", Some("green")),
            "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action=UPSERT, Name=w.example.com., Type=A, SetIdentifier=green]".to_string(),
        ),
        (
            routing(RoutingProblem::PolicyCount(Found::MoreThanOne), Create, "w.example.com", Some("a")),
            "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=a]".to_string(),
        ),
        (
            routing(RoutingProblem::SetIdentifierTooLong(long.clone()), Create, "w.example.com", Some(&long)),
            format!("Invalid XML ; cvc-maxLength-valid: Value '{long}' with length = '129' is not facet-valid with respect to maxLength '128' for type 'ResourceRecordSetIdentifier'."),
        ),
        (
            routing(RoutingProblem::SetIdentifierEmpty, Create, "w.example.com", Some("")),
            "Invalid XML ; cvc-minLength-valid: Value '' with length = '0' is not facet-valid with respect to minLength '1' for type 'ResourceRecordSetIdentifier'.".to_string(),
        ),
        (
            routing(RoutingProblem::UnknownFailover("TERTIARY".into()), Create, "w.example.com", Some("p")),
            "Invalid XML ; cvc-enumeration-valid: Value 'TERTIARY' is not facet-valid with respect to enumeration '[PRIMARY, SECONDARY]'. It must be a value from the enumeration.".to_string(),
        ),
        (
            routing(RoutingProblem::UnknownLatencyRegion("us-middle-1".into()), Create, "l.example.com", Some("l1")),
            "Invalid XML ; cvc-enumeration-valid: Value 'us-middle-1' is not facet-valid with respect to enumeration '[us-east-1, us-east-2, us-west-1, us-west-2, ca-central-1, eu-west-1, eu-west-2, eu-west-3, eu-central-1, eu-central-2, ap-southeast-1, ap-southeast-2, ap-southeast-3, ap-northeast-1, ap-northeast-2, ap-northeast-3, eu-north-1, sa-east-1, cn-north-1, cn-northwest-1, ap-east-1, me-south-1, me-central-1, ap-south-1, ap-south-2, af-south-1, eu-south-1, eu-south-2, ap-southeast-4, il-central-1, ca-west-1, ap-southeast-5, mx-central-1, ap-southeast-7, us-gov-east-1, us-gov-west-1, ap-east-2, ap-southeast-6, eusc-de-east-1]'. It must be a value from the enumeration.".to_string(),
        ),
    ];
    for (problem, message) in cases {
        check_input(problem, &message);
    }
}

#[test]
fn geoproximity_locations() {
    use GeoproximityProblem as G;
    let p = "in Change with [Action=CREATE, Name=p.example.com., Type=A, SetIdentifier=p]";
    let cases = vec![
        (G::BiasTooLarge(100), format!("Invalid XML ; cvc-maxInclusive-valid: Value '100' is not facet-valid with respect to maxInclusive '99' for type 'Bias'. {p}")),
        (G::BiasTooSmall(-100), format!("Invalid XML ; cvc-minInclusive-valid: Value '-100' is not facet-valid with respect to minInclusive '-99' for type 'Bias'. {p}")),
        (
            G::CoordinatePattern(Coordinate::Latitude, "12.345".into()),
            format!("Invalid XML ; cvc-pattern-valid: Value '12.345' is not facet-valid with respect to pattern '[-+]?[0-9]{{1,2}}(\\.[0-9]{{0,2}})?' for type 'Latitude'. {p}"),
        ),
        (
            G::CoordinatePattern(Coordinate::Longitude, "1234".into()),
            format!("Invalid XML ; cvc-pattern-valid: Value '1234' is not facet-valid with respect to pattern '[-+]?[0-9]{{1,3}}(\\.[0-9]{{0,2}})?' for type 'Longitude'. {p}"),
        ),
        (G::CoordinateRange(Coordinate::Longitude, "181".into()), format!("Invalid request: Longitude '181' must be between -180 and 180 {p}")),
        (G::CoordinateRange(Coordinate::Latitude, "91".into()), format!("Invalid request: Latitude '91' must be between -90 and 90 {p}")),
        (G::MissingCoordinate(Coordinate::Longitude), format!("Invalid request: Missing field 'Longitude' in Coordinates {p}")),
        (G::LocationCount(Found::None), format!("Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found none in GeoProximityLocation {p}")),
        (G::LocationCount(Found::MoreThanOne), format!("Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or Coordinates], but found more than one in GeoProximityLocation {p}")),
        (G::UnknownRegion("mars-north-1".into()), format!("Invalid request: Unknown AWSRegion 'mars-north-1' in GeoProximityLocation {p}")),
        (
            G::UnknownLocalZoneGroup("lax".into()),
            format!("Invalid request: Unknown LocalZoneGroup 'lax' in GeoProximityLocation (expected <region>-<metro>-<number>, e.g. us-west-2-lax-1) {p}"),
        ),
    ];
    for (problem, message) in cases {
        check_input(
            routing(
                RoutingProblem::Geoproximity(problem),
                Create,
                "p.example.com",
                Some("p"),
            ),
            &message,
        );
    }
}

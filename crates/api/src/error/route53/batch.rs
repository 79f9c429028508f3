//! Route 53's words for a refused change batch: one sentence per [`BatchProblem`] (the
//! items of `InvalidChangeBatch`) and per [`InputProblem`] (`InvalidInput`).
//!
//! Where Route 53's text is recorded (in public issue threads, or in
//! `aws-recorded/route53.json`) it is used as it is, with the source beside it; the other
//! sentences are Cairn's, in the same style, and say so.

use cairn_model::change::input::MAX_TTL;
use cairn_model::change::{AliasRef, BatchProblem, ChangeRef, InputProblem};
use cairn_model::region::AWS_REGIONS;
use cairn_model::routing::{Found, GeoproximityProblem, RoutingProblem, MAX_SET_IDENTIFIER_LEN};
use cairn_model::rrset::RrsetKey;

/// One item of an `InvalidChangeBatch` list.
pub(crate) fn batch_problem_message(problem: &BatchProblem) -> String {
    use BatchProblem as P;
    match problem {
        // DNSControl/dnscontrol#508.
        P::TooManyRecords(max) => format!("Number of records limit of {max} exceeded."),
        // kubernetes-sigs/external-dns#515.
        P::TooManyValueChars(max) => format!("RDATA character limit of {max} exceeded."),
        // Route 53 names type and name only; for a routed set the set identifier is left
        // out the same way (Cairn's reading: no recorded example has one).
        P::InvalidChangeSequence(key) => format!(
            "The request contains an invalid set of changes for a resource record set '{} {}'",
            key.rtype.as_str(),
            key.name.to_route53()
        ),
        // kcp-dev/kcp-glbc#475, getmoto/moto#916.
        P::OutsideZone { name, zone } => {
            format!("RRSet with DNS name {name} is not permitted in zone {zone}")
        }
        // kubernetes-sigs/external-dns#5939, barnybug/cli53#317.
        P::AlreadyExists(key) => format!(
            "Tried to create resource record set {} but it already exists",
            describe(key)
        ),
        // boto/boto3#3161.
        P::DeleteRdataInvalid(key) => format!(
            "Tried to delete resource record set {} but the rdata provided is invalid",
            describe(key)
        ),
        P::DeleteNotFound(key) => format!(
            "Tried to delete resource record set {} but it was not found",
            describe(key)
        ),
        // pcorliss/ruby_route_53#28.
        P::DeleteMismatch(key) => format!(
            "Tried to delete resource record set {} but the values provided do not match the \
             current values",
            describe(key)
        ),
        // airbnb/zonify#1.
        P::ApexNsRequired => {
            "A HostedZone must contain at least one NS record for the zone itself.".into()
        }
        // hashicorp/terraform-provider-aws#37863, DNSControl/dnscontrol#4402.
        P::ApexSoaRequired => "A HostedZone must contain exactly one SOA record.".into(),
        // [DG:ResourceRecordTypes] CNAME.
        P::CnameAtApex { name, zone } => format!(
            "RRSet of type CNAME with DNS name {name} is not permitted at apex in zone {zone}"
        ),
        // Cairn's wording.
        P::SoaBelowApex { name, zone } => format!(
            "RRSet of type SOA with DNS name {name} is not permitted because only the apex \
             {zone} can have an SOA record"
        ),
        // Cairn's wording.
        P::WildcardNs(name) => format!(
            "RRSet of type NS with DNS name {name} is not permitted because NS records cannot \
             be wildcards"
        ),
        // Cairn's wording.
        P::AliasNotPermitted { name, rtype } => {
            format!("RRSet of type {rtype} with DNS name {name} is not permitted as an alias")
        }
        // Cairn's wording, as the next two.
        P::TypeNotRoutable {
            name,
            rtype,
            policy,
        } => format!(
            "RRSet with DNS name {name}, type {rtype} cannot use {} routing: {rtype} record \
             sets cannot be routed",
            policy.as_str()
        ),
        P::MultiValueAliasOrCname { name, rtype } => format!(
            "RRSet with DNS name {name}, type {rtype} cannot use multivalue answer routing: \
             multivalue answer records cannot be aliases or CNAMEs"
        ),
        P::FailoverAliasWithoutHealth { name, rtype } => format!(
            "RRSet with DNS name {name}, type {rtype} is a failover alias, so its \
             EvaluateTargetHealth must be true"
        ),
        // Cairn's wording: Route 53's text is not recorded.
        P::OneValueOnly { name, rtype } => format!(
            "RRSet of type {rtype} with DNS name {name} must have exactly one resource record"
        ),
        // From when the quota was 100 (rancher/rancher#10253).
        P::TooManyValues(max) => format!("Cannot have more than {max} records in a RRSet."),
        // ROUTE53.md §2.2.
        // ROUTE53.md §2.2: the error's Display is Route 53's message.
        P::InvalidValue(error) => error.to_string(),
        // kubernetes-sigs/external-dns#1929.
        P::DuplicateValue(value) => format!("Duplicate Resource Record: '{value}'"),
        // hashicorp/terraform#9732 (note the double space before CNAME).
        P::CnameExists { name, rtype, zone } => format!(
            "RRSet of type {rtype} with DNS name {name} is not permitted because a conflicting \
             RRSet of type  CNAME with the same DNS name already exists in zone {zone}"
        ),
        // hashicorp/terraform#6679.
        P::OtherTypesExist { name, zone } => format!(
            "RRSet of type CNAME with DNS name {name} is not permitted as it conflicts with \
             other records with the same DNS name in zone {zone}"
        ),
        // barnybug/cli53#257.
        P::PlainAmongRouted { name, rtype } => format!(
            "RRSet with DNS name {name}, type {rtype} cannot be created as other RRSets exist \
             with the same name and type"
        ),
        // cert-manager/cert-manager#5388 for multivalue answer; the same template for the
        // other policies.
        P::OtherPolicyExists { set, policy } => format!(
            "{} a non {} rrset exists with the same name and type.",
            routed_prefix(set),
            policy.as_str()
        ),
        // The rest of the routing group's are Cairn's, in the same template.
        P::RoutedGroupFull {
            set,
            existing,
            policy,
        } => format!(
            "{} {existing} {} rrsets already exist with the same name and type.",
            routed_prefix(set),
            policy.as_str()
        ),
        P::FailoverRoleTaken { set, role } => format!(
            "{} a failover rrset with Failover {role} already exists with the same name and \
             type.",
            routed_prefix(set)
        ),
        P::LatencyRegionTaken { set, region } => format!(
            "{} a latency rrset for region {region} already exists with the same name and type.",
            routed_prefix(set)
        ),
        P::GeolocationTaken(set) => format!(
            "{} a geolocation rrset for the same location already exists with the same name \
             and type.",
            routed_prefix(set)
        ),
        // aws/aws-cli#4687, barnybug/cli53#227, pcorliss/ruby_route_53#17.
        P::AliasTargetOutsideZone(alias) => format!(
            "{}, but the alias target name does not lie within the target zone",
            alias_prefix(alias)
        ),
        P::AliasTargetNotFound(alias) => {
            format!("{}, but that target was not found", alias_prefix(alias))
        }
        // Cairn's wording.
        P::AliasPublicToPrivate(alias) => format!(
            "{}, but a public hosted zone cannot alias a private one",
            alias_prefix(alias)
        ),
        // Cairn's wordings: Route 53 documents no CIDR error for this request.
        P::NoSuchCidrCollection { collection, set } => format!(
            "CIDR collection {collection} referenced by {} does not exist",
            describe(set)
        ),
        P::NoSuchCidrLocation {
            location,
            set,
            collection,
        } => format!(
            "CIDR location {location} referenced by {} does not exist in collection \
             {collection}",
            describe(set)
        ),
        P::CidrCollectionsDiffer { set, other } => format!(
            "{} and {} must use the same CIDR collection",
            describe(set),
            describe(other)
        ),
        // DNSControl/dnscontrol#908.
        P::TooManyRecordSets(zone) => {
            format!("Exceeded limit MAX_RRSETS_BY_ZONE for zone: {zone}")
        }
    }
}

/// The message of an `InvalidInput`.
pub(crate) fn input_problem_message(problem: &InputProblem) -> String {
    match problem {
        // The XSD's wording for a long above its maxInclusive (as for `Weight`).
        InputProblem::TtlTooLarge(ttl) => format!(
            "Invalid XML ; cvc-maxInclusive-valid: Value '{ttl}' is not facet-valid with \
             respect to maxInclusive '{MAX_TTL}' for type 'TTL'."
        ),
        InputProblem::Routing { problem, change } => routing_message(problem, change),
        // ansible-collections/community.aws#800, boto/boto3#3161.
        InputProblem::PayloadForm { found, change } => format!(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and \
             ResourceRecords], or TrafficPolicyInstanceId], but found {} in {}",
            found_words(*found),
            describe_change(change)
        ),
    }
}

/// A set identifier's or routing fields' problem; some name the change they are in.
fn routing_message(problem: &RoutingProblem, change: &ChangeRef) -> String {
    use RoutingProblem as P;
    match problem {
        // The XSD's wordings for a string's length and an enumeration.
        P::SetIdentifierEmpty => "Invalid XML ; cvc-minLength-valid: Value '' with length = \
                                  '0' is not facet-valid with respect to minLength '1' for \
                                  type 'ResourceRecordSetIdentifier'."
            .into(),
        P::SetIdentifierTooLong(id) => format!(
            "Invalid XML ; cvc-maxLength-valid: Value '{id}' with length = '{}' is not \
             facet-valid with respect to maxLength '{MAX_SET_IDENTIFIER_LEN}' for type \
             'ResourceRecordSetIdentifier'.",
            id.chars().count()
        ),
        P::UnknownFailover(failover) => enumeration(failover, "PRIMARY, SECONDARY"),
        P::UnknownLatencyRegion(region) => {
            let names: Vec<&str> = AWS_REGIONS.iter().map(|r| r.name).collect();
            enumeration(region, &names.join(", "))
        }
        P::Geoproximity(problem) => format!(
            "{} in {}",
            geoproximity_message(problem),
            describe_change(change)
        ),
        // aws/aws-sdk#75, ansible-collections/community.aws#615.
        P::MissingSetIdentifier => format!(
            "Invalid request: Missing field 'SetIdentifier' in {}",
            describe_change(change)
        ),
        // "none" is recorded (ministryofjustice/cloud-platform-environments); "more than one"
        // follows the same template, as the payload form's message does.
        P::PolicyCount(found) => format!(
            "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, \
             MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found {} in {}",
            found_words(*found),
            describe_change(change)
        ),
    }
}

/// The XSD's wording for a value outside an enumeration.
fn enumeration(value: &str, members: &str) -> String {
    format!(
        "Invalid XML ; cvc-enumeration-valid: Value '{value}' is not facet-valid with respect \
         to enumeration '[{members}]'. It must be a value from the enumeration."
    )
}

/// A `GeoProximityLocation` problem: the XSD's words for its ranges and patterns, Route
/// 53's `Invalid request` form for the rest (the caller appends the change).
fn geoproximity_message(problem: &GeoproximityProblem) -> String {
    use GeoproximityProblem as P;
    match problem {
        P::BiasTooLarge(bias) => format!(
            "Invalid XML ; cvc-maxInclusive-valid: Value '{bias}' is not facet-valid with \
             respect to maxInclusive '99' for type 'Bias'."
        ),
        P::BiasTooSmall(bias) => format!(
            "Invalid XML ; cvc-minInclusive-valid: Value '{bias}' is not facet-valid with \
             respect to minInclusive '-99' for type 'Bias'."
        ),
        P::MissingCoordinate(kind) => format!(
            "Invalid request: Missing field '{}' in Coordinates",
            kind.as_str()
        ),
        P::CoordinatePattern(kind, text) => format!(
            "Invalid XML ; cvc-pattern-valid: Value '{text}' is not facet-valid with respect \
             to pattern '[-+]?[0-9]{{1,{}}}(\\.[0-9]{{0,2}})?' for type '{}'.",
            kind.integer_digits(),
            kind.as_str()
        ),
        P::CoordinateRange(kind, text) => format!(
            "Invalid request: {} '{text}' must be between -{limit} and {limit}",
            kind.as_str(),
            limit = kind.limit()
        ),
        P::LocationCount(found) => format!(
            "Invalid request: Expected exactly one of [AWSRegion, LocalZoneGroup, or \
             Coordinates], but found {} in GeoProximityLocation",
            found_words(*found)
        ),
        P::UnknownRegion(region) => {
            format!("Invalid request: Unknown AWSRegion '{region}' in GeoProximityLocation")
        }
        P::UnknownLocalZoneGroup(group) => format!(
            "Invalid request: Unknown LocalZoneGroup '{group}' in GeoProximityLocation \
             (expected <region>-<metro>-<number>, e.g. us-west-2-lax-1)"
        ),
    }
}

fn found_words(found: Found) -> &'static str {
    match found {
        Found::None => "none",
        Found::MoreThanOne => "more than one",
    }
}

/// `[name='x.', type='A']`, with the set identifier when there is one.
fn describe(key: &RrsetKey) -> String {
    match &key.set_identifier {
        Some(id) => format!(
            "[name='{}', type='{}', set-identifier='{id}']",
            key.name, key.rtype
        ),
        None => format!("[name='{}', type='{}']", key.name, key.rtype),
    }
}

/// `RRSet with DNS name x., type A, SetIdentifier "id" cannot be created because`.
fn routed_prefix(set: &RrsetKey) -> String {
    format!(
        "RRSet with DNS name {}, type {}, SetIdentifier \"{}\" cannot be created because",
        set.name,
        set.rtype,
        set.set_identifier.as_deref().unwrap_or_default()
    )
}

/// `Tried to create an alias that targets x., type A in zone Z1`.
fn alias_prefix(alias: &AliasRef) -> String {
    format!(
        "Tried to create an alias that targets {}, type {} in zone {}",
        alias.target, alias.rtype, alias.zone
    )
}

/// `Change with [Action=CREATE, Name=x., Type=A, SetIdentifier=null]`, as Route 53 names a
/// change in `InvalidInput` messages.
fn describe_change(change: &ChangeRef) -> String {
    format!(
        "Change with [Action={}, Name={}, Type={}, SetIdentifier={}]",
        change.action.as_str(),
        change.name.to_route53(),
        change.rtype.as_str(),
        change.set_identifier.as_deref().unwrap_or("null"),
    )
}

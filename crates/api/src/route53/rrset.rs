//! Record sets: ChangeResourceRecordSets and ListResourceRecordSets.
//!
//! This module checks what the XML body alone can tell (one payload form per change,
//! required elements, known actions and types, batch size); record-level validation runs in
//! the store's transaction ([`cairn_model::change::check_change_batch`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::change::input::read_routing;
use cairn_model::routing::RoutingFields;
use cairn_model::rrset::{CidrRoutingConfig, GeoLocation, GeoProximityLocation, RoutingPolicy};
use cairn_model::{
    AliasTarget, Change, ChangeAction, ChangeBatch, DomainName, HealthCheckId, HostedZoneId,
    Limits, ResourceRecordSet, RrType,
};
use cairn_store::RecordSetPage;

use super::{max_items, parse_bool, render, AwsPath};
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, Element, XmlWriter};
use crate::state::AppState;

/// Page size when `maxitems` is absent (AWS answers `MaxItems` 100, as recorded).
pub const DEFAULT_LIST_ITEMS: usize = 100;
/// Page size cap of ListResourceRecordSets.
pub const MAX_LIST_ITEMS: usize = 300;

/// `POST /2013-04-01/hostedzone/{Id}/rrset/` (with or without the trailing slash).
pub async fn change(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse(&body)?;
    if request.name != "ChangeResourceRecordSetsRequest" {
        return Err(AwsError::malformed_input(
            "ChangeBatch is not valid, expected ChangeResourceRecordSetsRequest",
        ));
    }
    let batch = parse_change_batch(request.required_child("ChangeBatch")?, &state.config.limits)?;
    let zone_id = HostedZoneId::parse(&id);
    let info = state
        .store
        .change_record_sets(&zone_id, &batch, &state.config.limits)
        .await?;
    let mut w = XmlWriter::new("ChangeResourceRecordSetsResponse");
    render::change_info(&mut w, &info);
    Ok(respond(
        StatusCode::OK,
        w.finish("ChangeResourceRecordSetsResponse"),
    ))
}

/// `GET /2013-04-01/hostedzone/{Id}/rrset`: `name`, `type`, `identifier`, `maxitems`.
pub async fn list(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let limit = max_items(&query, DEFAULT_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let start_name = query
        .get("name")
        .map(|n| {
            DomainName::from_route53(n)
                .map_err(|e| AwsError::invalid_input(format!("Invalid name {n}: {e}")))
        })
        .transpose()?;
    let start_type = query.get("type").map(parse_type).transpose()?;
    let start_identifier = query.get("identifier").map(str::to_string);
    if start_type.is_some() && start_name.is_none() {
        return Err(AwsError::invalid_input(
            "The input is not valid: StartRecordType requires StartRecordName.",
        ));
    }
    if start_identifier.is_some() && start_type.is_none() {
        return Err(AwsError::invalid_input(
            "The input is not valid: StartRecordIdentifier requires StartRecordName and StartRecordType.",
        ));
    }
    let page = RecordSetPage {
        start_name,
        start_type,
        start_identifier,
        max_items: limit,
    };
    let listing = state
        .store
        .list_record_sets(&HostedZoneId::parse(&id), &page)
        .await?;

    let mut w = XmlWriter::new("ListResourceRecordSetsResponse");
    w.open("ResourceRecordSets");
    for set in &listing.record_sets {
        write_record_set(&mut w, set);
    }
    w.close("ResourceRecordSets");
    w.leaf("IsTruncated", listing.next.is_some().to_string());
    if let Some(next) = &listing.next {
        w.leaf("NextRecordName", next.name.to_route53());
        w.leaf("NextRecordType", next.rtype.as_str());
        w.leaf_opt("NextRecordIdentifier", next.set_identifier.as_deref());
    }
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("ListResourceRecordSetsResponse"),
    ))
}

//------------ reading a change batch -------------------------------------------------

/// Reads `<ChangeBatch>` into the model, with the XML-level checks, in Route 53's order:
/// every change's XML, then the batch's size, then each change's routing policy (the
/// request-level checks the model used to make first thing in the store).
pub fn parse_change_batch(batch: &Element, limits: &Limits) -> Result<ChangeBatch, AwsError> {
    let comment = batch.child_text("Comment").map(str::to_string);
    let changes_element = batch.required_child("Changes")?;
    let mut changes = Vec::new();
    let mut routings = Vec::new();
    for change in changes_element.children_named("Change") {
        let (change, routing) = parse_change(change)?;
        changes.push(change);
        routings.push(routing);
    }
    if changes.is_empty() {
        return Err(rest_xml::missing("Changes", "Change"));
    }
    let mut batch = ChangeBatch { comment, changes };
    // Refused before the store is touched; the model owns the rule and its messages.
    cairn_model::change::check_batch_size(&batch, limits)?;
    for (change, (set_identifier, fields)) in batch.changes.iter_mut().zip(routings) {
        change.record_set.routing =
            read_routing(change.action, &change.record_set, set_identifier, fields)?;
    }
    Ok(batch)
}

/// One `<Change>`; its record set's routing is returned apart, as read, for
/// [`parse_change_batch`] to check after the batch's size.
fn parse_change(change: &Element) -> Result<(Change, ReadRouting), AwsError> {
    let action = match change.required_text("Action")? {
        "CREATE" => ChangeAction::Create,
        "DELETE" => ChangeAction::Delete,
        "UPSERT" => ChangeAction::Upsert,
        other => {
            return Err(AwsError::invalid_input(format!(
                "Invalid XML ; cvc-enumeration-valid: Value '{other}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'. It must be a value from the enumeration."
            )))
        }
    };
    let (record_set, routing) =
        parse_record_set(change.required_child("ResourceRecordSet")?, action)?;
    Ok((Change { action, record_set }, routing))
}

/// A record set's `SetIdentifier` and routing fields as read, before they are checked.
type ReadRouting = (Option<String>, RoutingFields);

/// Reads one `<ResourceRecordSet>`, every field Route 53 defines; the set comes back
/// without routing, which is returned as read.
fn parse_record_set(
    set: &Element,
    action: ChangeAction,
) -> Result<(ResourceRecordSet, ReadRouting), AwsError> {
    let name_text = set.required_text("Name")?;
    let name = DomainName::from_route53(name_text).map_err(|err| {
        AwsError::invalid_change_batch(&[format!(
            "Invalid Resource Record Set name: {err} encountered with '{name_text}'"
        )])
    })?;
    let rtype = parse_type(set.required_text("Type")?)?;
    let set_identifier = set.child_text("SetIdentifier").map(str::to_string);
    let ttl = set
        .child_text("TTL")
        .map(|t| {
            t.trim()
                .parse::<u32>()
                .ok()
                .filter(|v| i64::from(*v) <= i64::from(i32::MAX))
                .ok_or_else(|| {
                    AwsError::invalid_input(format!(
                    "Invalid XML ; cvc-datatype-valid.1.2.1: '{t}' is not a valid value for 'TTL'."
                ))
                })
        })
        .transpose()?;
    let resource_records = set.child("ResourceRecords");
    let records: Vec<String> = resource_records
        .map(|rr| {
            rr.children_named("ResourceRecord")
                .map(|r| r.required_text("Value").map(str::to_string))
                .collect::<Result<_, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let alias_target = set
        .child("AliasTarget")
        .map(parse_alias_target)
        .transpose()?;
    let traffic_policy = set.child("TrafficPolicyInstanceId").is_some();

    let value_form = ttl.is_some() && resource_records.is_some();
    let forms =
        usize::from(alias_target.is_some()) + usize::from(value_form) + usize::from(traffic_policy);
    let stray_value_part = alias_target.is_some() && (ttl.is_some() || resource_records.is_some());
    if forms != 1
        || stray_value_part
        || (alias_target.is_none() && (ttl.is_some() != resource_records.is_some()))
    {
        let found = if forms == 0 { "none" } else { "more than one" };
        return Err(AwsError::invalid_input(format!(
            "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found {found} in Change with [Action={}, Name={}, Type={}, SetIdentifier={}]",
            action.as_str(),
            name.to_route53(),
            rtype.as_str(),
            set_identifier.as_deref().unwrap_or("null"),
        )));
    }
    if traffic_policy {
        return Err(AwsError::invalid_input(
            "Traffic policy instances are not supported by Cairn.",
        ));
    }

    let weight = set
        .child_text("Weight")
        .map(|w| {
            w.trim().parse::<u8>().map_err(|_| {
                AwsError::invalid_input(format!(
                    "Invalid XML ; cvc-maxInclusive-valid: Value '{w}' is not facet-valid with respect to maxInclusive '255' for type 'ResourceRecordSetWeight'."
                ))
            })
        })
        .transpose()?;
    let multi_value_answer = set
        .child_text("MultiValueAnswer")
        .map(|m| parse_bool(m, "MultiValueAnswer"))
        .transpose()?;
    let geo_location = set.child("GeoLocation").map(|g| GeoLocation {
        continent_code: g.child_text("ContinentCode").map(str::to_string),
        country_code: g.child_text("CountryCode").map(str::to_string),
        subdivision_code: g.child_text("SubdivisionCode").map(str::to_string),
    });
    let cidr_routing_config = set
        .child("CidrRoutingConfig")
        .map(|c| -> Result<_, AwsError> {
            Ok(CidrRoutingConfig {
                collection_id: c.required_text("CollectionId")?.to_string(),
                location_name: c.required_text("LocationName")?.to_string(),
            })
        })
        .transpose()?;
    let geo_proximity_location = set
        .child("GeoProximityLocation")
        .map(|g| -> Result<_, AwsError> {
            let coordinates = g.child("Coordinates");
            Ok(GeoProximityLocation {
                aws_region: g.child_text("AWSRegion").map(str::to_string),
                local_zone_group: g.child_text("LocalZoneGroup").map(str::to_string),
                latitude: coordinates
                    .map(|c| c.required_text("Latitude").map(str::to_string))
                    .transpose()?,
                longitude: coordinates
                    .map(|c| c.required_text("Longitude").map(str::to_string))
                    .transpose()?,
                bias: g
                    .child_text("Bias")
                    .map(|b| {
                        b.trim().parse::<i32>().map_err(|_| {
                            AwsError::invalid_input(format!(
                                "Invalid XML ; '{b}' is not a valid value for 'Bias'."
                            ))
                        })
                    })
                    .transpose()?,
            })
        })
        .transpose()?;

    let routing = RoutingFields {
        weight,
        region: set.child_text("Region").map(str::to_string),
        failover: set.child_text("Failover").map(str::to_string),
        geo_location,
        multi_value_answer,
        cidr_routing_config,
        geo_proximity_location,
    };
    let record_set = ResourceRecordSet {
        name,
        rtype,
        ttl,
        records,
        alias_target,
        routing: None,
        health_check_id: set.child_text("HealthCheckId").map(HealthCheckId::new),
    };
    Ok((record_set, (set_identifier, routing)))
}

fn parse_alias_target(alias: &Element) -> Result<AliasTarget, AwsError> {
    let hosted_zone_id = alias.required_text("HostedZoneId")?;
    let dns_name_text = alias.required_text("DNSName")?;
    let evaluate = alias.child_text("EvaluateTargetHealth").ok_or_else(|| {
        AwsError::invalid_input(format!(
            "Invalid XML ; cvc-complex-type.2.4.b: The content of element 'AliasTarget' is not complete. One of '{{\"{}\":EvaluateTargetHealth}}' is expected.",
            rest_xml::ROUTE53_NAMESPACE
        ))
    })?;
    let dns_name = DomainName::from_route53(dns_name_text).map_err(|err| {
        AwsError::invalid_change_batch(&[format!(
            "Invalid alias target name: {err} encountered with '{dns_name_text}'"
        )])
    })?;
    Ok(AliasTarget {
        hosted_zone_id: HostedZoneId::parse(hosted_zone_id).as_str().to_string(),
        dns_name,
        evaluate_target_health: parse_bool(evaluate, "EvaluateTargetHealth")?,
    })
}

fn parse_type(text: &str) -> Result<RrType, AwsError> {
    text.parse::<RrType>()
        .ok()
        .filter(|t| t.is_route53_type() && t.as_str() == text)
        .ok_or_else(|| {
            AwsError::invalid_input(format!(
                "Invalid XML ; cvc-enumeration-valid: Value '{text}' is not facet-valid with respect to enumeration '[SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]'. It must be a value from the enumeration."
            ))
        })
}

//------------ writing a record set --------------------------------------------------

/// `<ResourceRecordSet>` in the model's element order; alias sets carry no `TTL` and no
/// `ResourceRecords`.
pub fn write_record_set(w: &mut XmlWriter, set: &ResourceRecordSet) {
    w.open("ResourceRecordSet")
        .leaf("Name", set.name.to_route53())
        .leaf("Type", set.rtype.as_str())
        .leaf_opt("SetIdentifier", set.set_identifier());
    // The policies whose element comes before the values; the others come last.
    match set.policy() {
        Some(RoutingPolicy::Weighted(weight)) => {
            w.leaf("Weight", weight.to_string());
        }
        Some(RoutingPolicy::Latency(region)) => {
            w.leaf("Region", region);
        }
        Some(RoutingPolicy::Geolocation(geo)) => {
            w.open("GeoLocation")
                .leaf_opt("ContinentCode", geo.continent_code.as_deref())
                .leaf_opt("CountryCode", geo.country_code.as_deref())
                .leaf_opt("SubdivisionCode", geo.subdivision_code.as_deref())
                .close("GeoLocation");
        }
        Some(RoutingPolicy::Failover(role)) => {
            w.leaf("Failover", role.as_str());
        }
        Some(RoutingPolicy::MultiValueAnswer(on)) => {
            w.leaf("MultiValueAnswer", on.to_string());
        }
        _ => {}
    }
    if set.alias_target.is_none() {
        w.leaf_opt("TTL", set.ttl.map(|v| v.to_string()));
        w.open("ResourceRecords");
        for value in &set.records {
            w.open("ResourceRecord")
                .leaf("Value", value)
                .close("ResourceRecord");
        }
        w.close("ResourceRecords");
    }
    if let Some(alias) = &set.alias_target {
        w.open("AliasTarget")
            .leaf("HostedZoneId", &alias.hosted_zone_id)
            .leaf("DNSName", alias.dns_name.to_route53())
            .leaf(
                "EvaluateTargetHealth",
                alias.evaluate_target_health.to_string(),
            )
            .close("AliasTarget");
    }
    w.leaf_opt("HealthCheckId", set.health_check_id.as_ref());
    match set.policy() {
        Some(RoutingPolicy::IpBased(cidr)) => {
            w.open("CidrRoutingConfig")
                .leaf("CollectionId", &cidr.collection_id)
                .leaf("LocationName", &cidr.location_name)
                .close("CidrRoutingConfig");
        }
        Some(RoutingPolicy::Geoproximity(geo)) => {
            w.open("GeoProximityLocation")
                .leaf_opt("AWSRegion", geo.aws_region.as_deref())
                .leaf_opt("LocalZoneGroup", geo.local_zone_group.as_deref());
            if geo.latitude.is_some() || geo.longitude.is_some() {
                w.open("Coordinates")
                    .leaf_opt("Latitude", geo.latitude.as_deref())
                    .leaf_opt("Longitude", geo.longitude.as_deref())
                    .close("Coordinates");
            }
            w.leaf_opt("Bias", geo.bias.map(|b| b.to_string()))
                .close("GeoProximityLocation");
        }
        _ => {}
    }
    w.close("ResourceRecordSet");
}

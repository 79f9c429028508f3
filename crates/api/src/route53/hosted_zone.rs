//! Hosted zones: CreateHostedZone, GetHostedZone, ListHostedZones, ListHostedZonesByName,
//! DeleteHostedZone, UpdateHostedZoneComment, GetHostedZoneCount.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use cairn_model::domains::is_registry_zone_reference;
use cairn_model::{defaults, DomainName, HostedZone, HostedZoneId};
use cairn_store::NewHostedZone;

use super::{max_items, parse_bool, render, vpc_association, AwsPath};
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

/// Page size cap of the hosted-zone listings.
pub const MAX_LIST_ITEMS: usize = 100;

/// Generic and infrastructure top-level domains refused as public zones (with every
/// two-letter country code); Route 53 refuses a TLD as a hosted zone ([ROUTE53.md §2.4]).
const GENERIC_TLDS: [&str; 14] = [
    "com", "net", "org", "edu", "gov", "mil", "int", "arpa", "info", "biz", "name", "pro", "aero",
    "mobi",
];

/// `POST /2013-04-01/hostedzone`.
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "CreateHostedZoneRequest")?;
    let name_text = request.required_text("Name")?;
    let caller_reference = request.required_text("CallerReference")?.to_string();
    if caller_reference.is_empty() || caller_reference.len() > 128 {
        return Err(AwsError::invalid_input(
            "CallerReference must be between 1 and 128 characters long.",
        ));
    }
    // The mark of the registry's TLD zones (issue 14), which Route 53 calls do not show.
    if is_registry_zone_reference(&caller_reference) {
        return Err(AwsError::invalid_input(format!(
            "CallerReference {caller_reference} is reserved by Cairn for registry TLD zones."
        )));
    }
    let apex = parse_zone_name(name_text)?;

    let config = request.child("HostedZoneConfig");
    let comment = config
        .and_then(|c| c.child_text("Comment"))
        .map(str::to_string);
    let private_zone = match config.and_then(|c| c.child_text("PrivateZone")) {
        Some(text) => parse_bool(text, "PrivateZone")?,
        None => false,
    };
    // A `<VPC>` makes the zone private (as on Route 53, with or without PrivateZone).
    let vpc = request
        .child("VPC")
        .map(vpc_association::parse_vpc)
        .transpose()?;
    if private_zone && vpc.is_none() {
        return Err(AwsError::invalid_input(
            "When you create a private hosted zone, you must specify a VPC.",
        ));
    }
    let private_zone = vpc.is_some();
    let delegation_set_id = request
        .child_text("DelegationSetId")
        .map(|id| id.rsplit('/').next().unwrap_or(id).to_string());
    if private_zone && delegation_set_id.is_some() {
        return Err(AwsError::invalid_input(
            "A reusable delegation set cannot be used with a private hosted zone.",
        ));
    }
    if !private_zone {
        refuse_top_level_domain(&apex)?;
    }

    let name_servers = match &delegation_set_id {
        Some(id) => state.store.get_delegation_set(id).await?.name_servers,
        None => state.config.name_servers.clone(),
    };
    let new_zone = NewHostedZone {
        initial_record_sets: defaults::apex_records(&apex, &name_servers),
        name: apex,
        caller_reference,
        comment,
        has_config: config.is_some(),
        private_zone,
        delegation_set_id,
        name_servers,
    };
    let (zone, change) = match &vpc {
        Some(vpc) => {
            state
                .store
                .create_private_hosted_zone(new_zone, vpc.clone(), &state.config.account_id)
                .await?
        }
        None => state.store.create_hosted_zone(new_zone).await?,
    };

    let mut w = XmlWriter::new("CreateHostedZoneResponse");
    render::hosted_zone(&mut w, &zone);
    render::change_info(&mut w, &change);
    match &vpc {
        // A private zone has no delegation: it is not delegated to from the public DNS.
        Some(vpc) => vpc_association::render_vpc(&mut w, vpc),
        None => render::delegation_set(
            &mut w,
            zone.delegation_set_id.as_deref(),
            None,
            &zone.name_servers,
        ),
    }
    let mut response = respond(StatusCode::CREATED, w.finish("CreateHostedZoneResponse"));
    let location = format!(
        "{}/2013-04-01/hostedzone/{}",
        state.config.location_base, zone.id
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `GET /2013-04-01/hostedzone/{Id}`.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let zone = state
        .store
        .get_hosted_zone(&HostedZoneId::parse(&id))
        .await?;
    let mut w = XmlWriter::new("GetHostedZoneResponse");
    render::hosted_zone(&mut w, &zone);
    if zone.private_zone {
        let vpcs = state.store.hosted_zone_vpcs(&zone.id).await?;
        w.open("VPCs");
        for association in vpcs {
            vpc_association::render_vpc(
                &mut w,
                &cairn_store::VpcRef {
                    vpc_id: association.vpc_id,
                    region: association.vpc_region,
                },
            );
        }
        w.close("VPCs");
    } else {
        render::delegation_set(
            &mut w,
            zone.delegation_set_id.as_deref(),
            None,
            &zone.name_servers,
        );
    }
    Ok(respond(StatusCode::OK, w.finish("GetHostedZoneResponse")))
}

/// `GET /2013-04-01/hostedzone`: `marker`, `maxitems`, `delegationsetid`,
/// `hostedzonetype`.
pub async fn list(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let limit = max_items(&query, MAX_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let marker = query.get("marker").map(HostedZoneId::parse);
    let delegation_set = query
        .get("delegationsetid")
        .map(|d| d.rsplit('/').next().unwrap_or(d).to_string());
    let private_only = match query.get("hostedzonetype") {
        None => false,
        Some("PrivateHostedZone") => true,
        Some(other) => {
            return Err(AwsError::invalid_input(format!(
                "1 validation error detected: Value '{other}' at 'hostedZoneType' failed to satisfy constraint: Member must satisfy enum value set: [PrivateHostedZone]"
            )))
        }
    };
    if let Some(id) = &delegation_set {
        state.store.get_delegation_set(id).await?;
    }
    let zones: Vec<HostedZone> = user_zones(&state)
        .await?
        .into_iter()
        .filter(|z| marker.as_ref().is_none_or(|m| z.id >= *m))
        .filter(|z| delegation_set.is_none() || z.delegation_set_id == delegation_set)
        .filter(|z| !private_only || z.private_zone)
        .collect();
    let truncated = zones.len() > limit;

    let mut w = XmlWriter::new("ListHostedZonesResponse");
    w.open("HostedZones");
    for zone in zones.iter().take(limit) {
        render::hosted_zone(&mut w, zone);
    }
    w.close("HostedZones");
    w.leaf_opt("Marker", marker.as_ref().map(HostedZoneId::as_str));
    w.leaf("IsTruncated", truncated.to_string());
    if truncated {
        w.leaf("NextMarker", zones[limit].id.as_str());
    }
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(StatusCode::OK, w.finish("ListHostedZonesResponse")))
}

/// `GET /2013-04-01/hostedzonesbyname`: `dnsname`, `hostedzoneid`, `maxitems`; zones in
/// reversed-label order, then by id.
pub async fn list_by_name(
    State(state): State<AppState>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let limit = max_items(&query, MAX_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let dns_name = query.get("dnsname").map(parse_listing_name).transpose()?;
    let start_id = query.get("hostedzoneid").map(HostedZoneId::parse);
    if start_id.is_some() && dns_name.is_none() {
        return Err(AwsError::invalid_input(
            "The input is not valid: a hosted zone id requires a DNS name.",
        ));
    }
    let start = dns_name
        .as_ref()
        .map(|name| (name.route53_sort_key(), start_id.clone()));
    let mut zones = user_zones(&state).await?;
    zones.sort_by(|a, b| {
        (a.name.route53_sort_key(), &a.id).cmp(&(b.name.route53_sort_key(), &b.id))
    });
    let zones: Vec<HostedZone> = zones
        .into_iter()
        .filter(|z| match &start {
            None => true,
            Some((key, None)) => z.name.route53_sort_key() >= *key,
            Some((key, Some(id))) => (z.name.route53_sort_key(), &z.id) >= (key.clone(), id),
        })
        .collect();
    let truncated = zones.len() > limit;

    let mut w = XmlWriter::new("ListHostedZonesByNameResponse");
    w.open("HostedZones");
    for zone in zones.iter().take(limit) {
        render::hosted_zone(&mut w, zone);
    }
    w.close("HostedZones");
    w.leaf_opt("DNSName", dns_name.as_ref().map(DomainName::to_route53));
    w.leaf_opt("HostedZoneId", start_id.as_ref().map(HostedZoneId::as_str));
    w.leaf("IsTruncated", truncated.to_string());
    if truncated {
        w.leaf("NextDNSName", zones[limit].name.to_route53());
        w.leaf("NextHostedZoneId", zones[limit].id.as_str());
    }
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("ListHostedZonesByNameResponse"),
    ))
}

/// `DELETE /2013-04-01/hostedzone/{Id}`.
pub async fn delete(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let change = state
        .store
        .delete_hosted_zone(&HostedZoneId::parse(&id))
        .await?;
    let mut w = XmlWriter::new("DeleteHostedZoneResponse");
    render::change_info(&mut w, &change);
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteHostedZoneResponse"),
    ))
}

/// `POST /2013-04-01/hostedzone/{Id}`: sets or clears the comment.
pub async fn update_comment(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "UpdateHostedZoneCommentRequest")?;
    let comment = request.child_text("Comment").map(str::to_string);
    if comment.as_ref().is_some_and(|c| c.chars().count() > 256) {
        return Err(AwsError::invalid_input(
            "The comment must be at most 256 characters long.",
        ));
    }
    let zone = state
        .store
        .update_hosted_zone_comment(&HostedZoneId::parse(&id), comment)
        .await?;
    let mut w = XmlWriter::new("UpdateHostedZoneCommentResponse");
    render::hosted_zone(&mut w, &zone);
    Ok(respond(
        StatusCode::OK,
        w.finish("UpdateHostedZoneCommentResponse"),
    ))
}

/// `GET /2013-04-01/hostedzonecount`.
pub async fn count(State(state): State<AppState>) -> Result<Response, AwsError> {
    let zones = user_zones(&state).await?;
    let mut w = XmlWriter::new("GetHostedZoneCountResponse");
    w.leaf("HostedZoneCount", zones.len().to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("GetHostedZoneCountResponse"),
    ))
}

/// Every hosted zone but the registry's TLD zones (issue 14), which Cairn manages and
/// Route 53 calls do not show.
pub async fn user_zones(state: &AppState) -> Result<Vec<HostedZone>, AwsError> {
    let mut zones = state.store.list_hosted_zones().await?;
    zones.retain(|z| !is_registry_zone_reference(&z.caller_reference));
    Ok(zones)
}

//------------ names ------------------------------------------------------------------

/// A zone name from a request, or `InvalidDomainName`.
fn parse_zone_name(text: &str) -> Result<DomainName, AwsError> {
    let name = DomainName::from_route53(text).map_err(|err| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            format!("{text} is not a valid domain name: {err}"),
        )
    })?;
    if name.is_root() {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            ". is reserved by AWS!",
        ));
    }
    if name.is_wildcard() {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            format!(
                "{} is not a valid hosted zone name: it cannot start with *.",
                name.to_route53()
            ),
        ));
    }
    Ok(name)
}

/// Refuses a public zone for a top-level domain, as Route 53 does.
fn refuse_top_level_domain(apex: &DomainName) -> Result<(), AwsError> {
    if apex.label_count() != 1 {
        return Ok(());
    }
    let label = apex.to_route53();
    let label = label.trim_end_matches('.');
    let is_tld = GENERIC_TLDS.contains(&label)
        || (label.len() == 2 && label.bytes().all(|b| b.is_ascii_lowercase()));
    if is_tld {
        return Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            format!("{label} is reserved by AWS!"),
        ));
    }
    Ok(())
}

/// A `dnsname` query parameter.
fn parse_listing_name(text: &str) -> Result<DomainName, AwsError> {
    DomainName::from_route53(text).map_err(|err| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidDomainName",
            format!("{text} is not a valid domain name: {err}"),
        )
    })
}

//! Private hosted zones and their VPCs: AssociateVPCWithHostedZone,
//! DisassociateVPCFromHostedZone, ListHostedZonesByVPC, CreateVPCAssociationAuthorization,
//! DeleteVPCAssociationAuthorization, ListVPCAssociationAuthorizations ([ROUTE53.md §5.1]).
//!
//! Associations change what a VPC's resolver answers, so each is a change in the log whose id
//! GetChange follows to INSYNC. Authorizations only gate future associations and are not
//! changes. The caller's account is the node's ([`crate::ApiConfig::account_id`]); the store
//! keeps owners so cross-account rules hold once there are several accounts.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::HostedZoneId;
use cairn_store::VpcRef;

use super::{max_items, render, AwsPath};
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, Element, XmlWriter};
use crate::state::AppState;

/// Page size of ListHostedZonesByVPC (and its cap).
pub const MAX_ZONES_BY_VPC: usize = 100;
/// Page size of ListVPCAssociationAuthorizations (and its cap).
pub const MAX_AUTHORIZATIONS: usize = 50;

/// A `VPCId` Route 53 accepts: `vpc-` and hex digits.
pub fn check_vpc_id(id: &str) -> Result<(), AwsError> {
    let ok = id.strip_prefix("vpc-").is_some_and(|hex| {
        !hex.is_empty() && hex.len() <= 17 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(())
    } else {
        Err(AwsError::invalid_vpc_id())
    }
}

/// A `VPCRegion`: the shape of an AWS region name (`us-east-1`, `ap-southeast-4`,
/// `us-gov-west-1`).
pub fn check_region(region: &str) -> Result<(), AwsError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(AwsError::invalid_input(format!(
            "1 validation error detected: Value '{region}' at 'vPC.vPCRegion' failed to satisfy constraint: Member must satisfy enum value set"
        )))
    }
}

/// The `<VPC>` element of a request.
pub fn parse_vpc(vpc: &Element) -> Result<VpcRef, AwsError> {
    let vpc_id = vpc.child_text("VPCId").unwrap_or_default();
    check_vpc_id(vpc_id)?;
    let region = vpc.required_text("VPCRegion")?;
    check_region(region)?;
    Ok(VpcRef {
        vpc_id: vpc_id.to_string(),
        region: region.to_string(),
    })
}

/// Writes `<VPC><VPCRegion>…</VPCRegion><VPCId>…</VPCId></VPC>`.
pub fn render_vpc(w: &mut XmlWriter, vpc: &VpcRef) {
    w.open("VPC")
        .leaf("VPCRegion", &vpc.region)
        .leaf("VPCId", &vpc.vpc_id)
        .close("VPC");
}

/// `POST /2013-04-01/hostedzone/{Id}/associatevpc`.
pub async fn associate(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "AssociateVPCWithHostedZoneRequest")?;
    let vpc = parse_vpc(request.required_child("VPC")?)?;
    let comment = request.child_text("Comment").map(str::to_string);
    let change = state
        .store
        .associate_vpc(
            &HostedZoneId::parse(&id),
            vpc,
            &state.config.account_id,
            comment,
        )
        .await?;
    let mut w = XmlWriter::new("AssociateVPCWithHostedZoneResponse");
    render::change_info(&mut w, &change);
    Ok(respond(
        StatusCode::OK,
        w.finish("AssociateVPCWithHostedZoneResponse"),
    ))
}

/// `POST /2013-04-01/hostedzone/{Id}/disassociatevpc`.
pub async fn disassociate(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "DisassociateVPCFromHostedZoneRequest")?;
    let vpc = parse_vpc(request.required_child("VPC")?)?;
    let comment = request.child_text("Comment").map(str::to_string);
    let change = state
        .store
        .disassociate_vpc(&HostedZoneId::parse(&id), vpc, comment)
        .await?;
    let mut w = XmlWriter::new("DisassociateVPCFromHostedZoneResponse");
    render::change_info(&mut w, &change);
    Ok(respond(
        StatusCode::OK,
        w.finish("DisassociateVPCFromHostedZoneResponse"),
    ))
}

/// `GET /2013-04-01/hostedzonesbyvpc?vpcid=&vpcregion=&maxitems=&nexttoken=`: the private
/// zones a VPC sees, by zone id; `nexttoken` is the id the next page starts at.
pub async fn list_by_vpc(
    State(state): State<AppState>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let vpc_id = query
        .get("vpcid")
        .ok_or_else(|| AwsError::invalid_input("The parameter vpcid is required."))?;
    let region = query
        .get("vpcregion")
        .ok_or_else(|| AwsError::invalid_input("The parameter vpcregion is required."))?;
    check_vpc_id(vpc_id)?;
    check_region(region)?;
    let limit = max_items(&query, MAX_ZONES_BY_VPC, MAX_ZONES_BY_VPC)?;
    let start = query.get("nexttoken").map(HostedZoneId::parse);
    let vpc = VpcRef {
        vpc_id: vpc_id.to_string(),
        region: region.to_string(),
    };
    let zones: Vec<_> = state
        .store
        .hosted_zones_by_vpc(&vpc)
        .await?
        .into_iter()
        .filter(|z| start.as_ref().is_none_or(|s| z.id >= *s))
        .collect();

    let mut w = XmlWriter::new("ListHostedZonesByVPCResponse");
    w.open("HostedZoneSummaries");
    for zone in zones.iter().take(limit) {
        w.open("HostedZoneSummary")
            .leaf("HostedZoneId", zone.id.as_str())
            .leaf("Name", zone.name.to_route53());
        w.open("Owner")
            .leaf("OwningAccount", &state.config.account_id)
            .close("Owner");
        w.close("HostedZoneSummary");
    }
    w.close("HostedZoneSummaries");
    w.leaf("MaxItems", limit.to_string());
    if let Some(next) = zones.get(limit) {
        w.leaf("NextToken", next.id.as_str());
    }
    Ok(respond(
        StatusCode::OK,
        w.finish("ListHostedZonesByVPCResponse"),
    ))
}

/// `POST /2013-04-01/hostedzone/{Id}/authorizevpcassociation`.
pub async fn create_authorization(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "CreateVPCAssociationAuthorizationRequest")?;
    let vpc = parse_vpc(request.required_child("VPC")?)?;
    let zone = HostedZoneId::parse(&id);
    state
        .store
        .create_vpc_association_authorization(&zone, vpc.clone())
        .await?;
    let mut w = XmlWriter::new("CreateVPCAssociationAuthorizationResponse");
    w.leaf("HostedZoneId", zone.as_str());
    render_vpc(&mut w, &vpc);
    Ok(respond(
        StatusCode::OK,
        w.finish("CreateVPCAssociationAuthorizationResponse"),
    ))
}

/// `POST /2013-04-01/hostedzone/{Id}/deauthorizevpcassociation`.
pub async fn delete_authorization(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "DeleteVPCAssociationAuthorizationRequest")?;
    let vpc = parse_vpc(request.required_child("VPC")?)?;
    state
        .store
        .delete_vpc_association_authorization(&HostedZoneId::parse(&id), vpc)
        .await?;
    let w = XmlWriter::new("DeleteVPCAssociationAuthorizationResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteVPCAssociationAuthorizationResponse"),
    ))
}

/// `GET /2013-04-01/hostedzone/{Id}/authorizevpcassociation?maxresults=&nexttoken=`;
/// `nexttoken` is the VPC id the next page starts at.
pub async fn list_authorizations(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
    query: QueryParams,
) -> Result<Response, AwsError> {
    let limit = match query.get("maxresults") {
        None => MAX_AUTHORIZATIONS,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_AUTHORIZATIONS),
            _ => {
                return Err(AwsError::invalid_input(format!(
                    "1 validation error detected: Value '{text}' at 'maxResults' failed to satisfy constraint: Member must be a positive integer"
                )))
            }
        },
    };
    let zone = HostedZoneId::parse(&id);
    let start = query.get("nexttoken");
    let vpcs: Vec<VpcRef> = state
        .store
        .list_vpc_association_authorizations(&zone)
        .await?
        .into_iter()
        .filter(|v| start.is_none_or(|s| v.vpc_id.as_str() >= s))
        .collect();
    let mut w = XmlWriter::new("ListVPCAssociationAuthorizationsResponse");
    w.leaf("HostedZoneId", zone.as_str());
    if let Some(next) = vpcs.get(limit) {
        w.leaf("NextToken", &next.vpc_id);
    }
    w.open("VPCs");
    for vpc in vpcs.iter().take(limit) {
        render_vpc(&mut w, vpc);
    }
    w.close("VPCs");
    Ok(respond(
        StatusCode::OK,
        w.finish("ListVPCAssociationAuthorizationsResponse"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_vpc_ids_and_regions() {
        assert!(check_vpc_id("vpc-0123456789abcdef0").is_ok());
        assert_eq!(
            check_vpc_id("non-existent").expect_err("bad").message,
            "The VPC ID is invalid."
        );
        assert!(check_region("us-east-1").is_ok());
        assert!(check_region("us-gov-west-1").is_ok());
        assert!(check_region("<region>").is_err());
        assert!(check_region("useast1").is_err());
    }
}

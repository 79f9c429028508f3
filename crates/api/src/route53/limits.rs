//! GetAccountLimit, GetHostedZoneLimit, GetReusableDelegationSetLimit.
//!
//! Limits Cairn enforces come from [`cairn_model::Limits`]; the others report Route 53's
//! defaults ([ROUTE53.md §7]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::HostedZoneId;

use super::AwsPath;
use crate::error::AwsError;
use crate::protocol::rest_xml::{respond, XmlWriter};
use crate::state::AppState;

/// `MAX_VPCS_ASSOCIATED_BY_ZONE`.
pub const MAX_VPCS_PER_ZONE: u64 = 300;
/// `MAX_ZONES_BY_REUSABLE_DELEGATION_SET`.
pub const MAX_ZONES_PER_DELEGATION_SET: u64 = 100;

/// `GET /2013-04-01/accountlimit/{Type}`.
pub async fn account(
    State(state): State<AppState>,
    AwsPath(limit_type): AwsPath<String>,
) -> Result<Response, AwsError> {
    let (value, count) = match limit_type.as_str() {
        "MAX_HOSTED_ZONES_BY_OWNER" => (500, super::hosted_zone::user_zones(&state).await?.len() as u64),
        "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER" => (100, state.store.list_delegation_sets().await?.len() as u64),
        "MAX_HEALTH_CHECKS_BY_OWNER" => (200, 0),
        "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER" => (5, 0),
        "MAX_TRAFFIC_POLICIES_BY_OWNER" => (50, 0),
        other => return Err(bad_type(other, "MAX_HEALTH_CHECKS_BY_OWNER, MAX_HOSTED_ZONES_BY_OWNER, MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER, MAX_REUSABLE_DELEGATION_SETS_BY_OWNER, MAX_TRAFFIC_POLICIES_BY_OWNER")),
    };
    Ok(limit_response(
        "GetAccountLimitResponse",
        &limit_type,
        value,
        count,
    ))
}

/// `GET /2013-04-01/hostedzonelimit/{Id}/{Type}`.
pub async fn hosted_zone(
    State(state): State<AppState>,
    AwsPath((id, limit_type)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let zone = state
        .store
        .get_hosted_zone(&HostedZoneId::parse(&id))
        .await?;
    let (value, count) = match limit_type.as_str() {
        "MAX_RRSETS_BY_ZONE" => (
            state.config.limits.max_rrsets_per_zone,
            zone.record_set_count,
        ),
        "MAX_VPCS_ASSOCIATED_BY_ZONE" => (MAX_VPCS_PER_ZONE, 0),
        other => {
            return Err(bad_type(
                other,
                "MAX_RRSETS_BY_ZONE, MAX_VPCS_ASSOCIATED_BY_ZONE",
            ))
        }
    };
    Ok(limit_response(
        "GetHostedZoneLimitResponse",
        &limit_type,
        value,
        count,
    ))
}

/// `GET /2013-04-01/reusabledelegationsetlimit/{Id}/{Type}`.
pub async fn delegation_set(
    State(state): State<AppState>,
    AwsPath((id, limit_type)): AwsPath<(String, String)>,
) -> Result<Response, AwsError> {
    let id = id.rsplit('/').next().unwrap_or(&id).to_string();
    state.store.get_delegation_set(&id).await?;
    if limit_type != "MAX_ZONES_BY_REUSABLE_DELEGATION_SET" {
        return Err(bad_type(
            &limit_type,
            "MAX_ZONES_BY_REUSABLE_DELEGATION_SET",
        ));
    }
    let count = state
        .store
        .list_hosted_zones()
        .await?
        .iter()
        .filter(|z| z.delegation_set_id.as_deref() == Some(id.as_str()))
        .count() as u64;
    Ok(limit_response(
        "GetReusableDelegationSetLimitResponse",
        &limit_type,
        MAX_ZONES_PER_DELEGATION_SET,
        count,
    ))
}

fn limit_response(root: &str, limit_type: &str, value: u64, count: u64) -> Response {
    let mut w = XmlWriter::new(root);
    w.open("Limit")
        .leaf("Type", limit_type)
        .leaf("Value", value.to_string())
        .close("Limit");
    w.leaf("Count", count.to_string());
    respond(StatusCode::OK, w.finish(root))
}

fn bad_type(value: &str, allowed: &str) -> AwsError {
    AwsError::invalid_input(format!(
        "1 validation error detected: Value '{value}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]"
    ))
}

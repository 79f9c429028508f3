//! Health checks: CreateHealthCheck, GetHealthCheck, ListHealthChecks, UpdateHealthCheck,
//! DeleteHealthCheck, GetHealthCheckStatus, GetHealthCheckLastFailureReason,
//! GetHealthCheckCount, GetCheckerIpRanges, and Cairn's admin override
//! (`POST /_cairn/healthcheck/{id}/override`).
//!
//! The checker (`cairn-health`) probes and writes results to the store; these handlers only
//! read and write the store. Ids are UUIDs with no prefix ([ROUTE53.md §1.1]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use cairn_model::health::{
    HealthCheck, HealthCheckConfig, HealthCheckType, HealthCheckUpdate, ResettableElement,
};
use cairn_model::HealthCheckId;
use cairn_store::HealthObservation;

use super::{max_items, parse_bool, AwsPath};
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, timestamp, Element, XmlWriter};
use crate::state::AppState;

/// Page size cap (and default) of ListHealthChecks.
pub const MAX_LIST_ITEMS: usize = 100;

/// The addresses Cairn's checkers probe from: this machine's own. Route 53 lists its
/// checkers' public ranges; Cairn's probes leave from the host running `cairn serve`, so the
/// ranges are the loopback ones and the host's addresses (see docs/health.md).
pub const CHECKER_IP_RANGES: [&str; 2] = ["127.0.0.0/8", "::1/128"];

//------------ requests -------------------------------------------------------------

fn parse_u32(element: &Element, name: &str) -> Result<Option<u32>, AwsError> {
    element
        .child_text(name)
        .map(|text| {
            text.trim().parse::<u32>().map_err(|_| {
                AwsError::invalid_input(format!(
                    "Invalid XML ; cvc-datatype-valid.1.2.1: '{text}' is not a valid value for 'integer' in element '{name}'."
                ))
            })
        })
        .transpose()
}

fn parse_port(element: &Element) -> Result<Option<u16>, AwsError> {
    match parse_u32(element, "Port")? {
        None => Ok(None),
        Some(p) if (1..=65535).contains(&p) => Ok(Some(p as u16)),
        Some(p) => Err(AwsError::invalid_input(format!(
            "1 validation error detected: Value '{p}' at 'healthCheckConfig.port' failed to satisfy constraint: Member must have value between 1 and 65535"
        ))),
    }
}

fn parse_opt_bool(element: &Element, name: &str) -> Result<Option<bool>, AwsError> {
    element
        .child_text(name)
        .map(|t| parse_bool(t, name))
        .transpose()
}

/// The texts of `wrapper`'s `item` children, as strings or ids.
fn list_of<T: From<String>>(element: &Element, wrapper: &str, item: &str) -> Option<Vec<T>> {
    element.child(wrapper).map(|w| {
        w.children_named(item)
            .map(|c| T::from(c.text.trim().to_string()))
            .collect()
    })
}

fn text(element: &Element, name: &str) -> Option<String> {
    element.child_text(name).map(|t| t.trim().to_string())
}

/// `HealthCheckConfig` from a CreateHealthCheck request, Route 53's defaults filled in.
fn parse_config(element: &Element) -> Result<HealthCheckConfig, AwsError> {
    let type_text = element.required_text("Type")?.trim();
    let check_type = HealthCheckType::parse(type_text).ok_or_else(|| {
        if matches!(type_text, "CLOUDWATCH_METRIC" | "RECOVERY_CONTROL") {
            AwsError::invalid_input(format!(
                "Health checks of type {type_text} are not supported by Cairn (there is no CloudWatch or Application Recovery Controller to read)."
            ))
        } else {
            AwsError::invalid_input(format!(
                "1 validation error detected: Value '{type_text}' at 'healthCheckConfig.type' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH, TCP, CALCULATED, CLOUDWATCH_METRIC, RECOVERY_CONTROL]"
            ))
        }
    })?;
    let mut c = HealthCheckConfig::new(check_type);
    c.ip_address = text(element, "IPAddress");
    c.port = parse_port(element)?;
    c.fqdn = text(element, "FullyQualifiedDomainName");
    c.resource_path = element.child_text("ResourcePath").map(str::to_string);
    c.search_string = element.child_text("SearchString").map(str::to_string);
    if let Some(n) = parse_u32(element, "RequestInterval")? {
        c.request_interval = n;
    }
    if let Some(n) = parse_u32(element, "FailureThreshold")? {
        c.failure_threshold = n;
    }
    c.measure_latency = parse_opt_bool(element, "MeasureLatency")?.unwrap_or(false);
    c.inverted = parse_opt_bool(element, "Inverted")?.unwrap_or(false);
    c.disabled = parse_opt_bool(element, "Disabled")?.unwrap_or(false);
    c.health_threshold = parse_u32(element, "HealthThreshold")?;
    c.child_health_checks =
        list_of(element, "ChildHealthChecks", "ChildHealthCheck").unwrap_or_default();
    c.enable_sni = parse_opt_bool(element, "EnableSNI")?;
    c.regions = list_of(element, "Regions", "Region").unwrap_or_default();
    let c = c.with_defaults();
    c.validate()?;
    Ok(c)
}

//------------ responses -------------------------------------------------------------

/// `<HealthCheck>`.
fn write_health_check(w: &mut XmlWriter, check: &HealthCheck) {
    let c = &check.config;
    w.open("HealthCheck")
        .leaf("Id", &check.id)
        .leaf("CallerReference", &check.caller_reference);
    w.open("HealthCheckConfig")
        .leaf_opt("IPAddress", c.ip_address.as_deref())
        .leaf_opt("Port", c.port.map(|p| p.to_string()))
        .leaf("Type", c.check_type.as_str())
        .leaf_opt("ResourcePath", c.resource_path.as_deref())
        .leaf_opt("FullyQualifiedDomainName", c.fqdn.as_deref())
        .leaf_opt("SearchString", c.search_string.as_deref());
    if c.check_type != HealthCheckType::Calculated {
        w.leaf("RequestInterval", c.request_interval.to_string())
            .leaf("FailureThreshold", c.failure_threshold.to_string());
    }
    w.leaf("MeasureLatency", bool_text(c.measure_latency))
        .leaf("Inverted", bool_text(c.inverted))
        .leaf("Disabled", bool_text(c.disabled))
        .leaf_opt("HealthThreshold", c.health_threshold.map(|n| n.to_string()));
    if c.check_type == HealthCheckType::Calculated {
        w.open("ChildHealthChecks");
        for child in &c.child_health_checks {
            w.leaf("ChildHealthCheck", child);
        }
        w.close("ChildHealthChecks");
    }
    w.leaf_opt("EnableSNI", c.enable_sni.map(bool_text));
    if !c.regions.is_empty() {
        w.open("Regions");
        for region in &c.regions {
            w.leaf("Region", region);
        }
        w.close("Regions");
    }
    w.close("HealthCheckConfig");
    w.leaf("HealthCheckVersion", check.version.to_string())
        .close("HealthCheck");
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn write_observations(w: &mut XmlWriter, observations: &[HealthObservation]) {
    w.open("HealthCheckObservations");
    for o in observations {
        w.open("HealthCheckObservation")
            .leaf("Region", &o.region)
            .leaf("IPAddress", &o.ip_address);
        w.open("StatusReport")
            .leaf("Status", &o.status)
            .leaf("CheckedTime", timestamp(o.checked_at_ms))
            .close("StatusReport");
        w.close("HealthCheckObservation");
    }
    w.close("HealthCheckObservations");
}

//------------ handlers -------------------------------------------------------------

/// `POST /2013-04-01/healthcheck`.
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let request = rest_xml::parse_request(&body, "CreateHealthCheckRequest")?;
    let caller_reference = request.required_text("CallerReference")?.to_string();
    if caller_reference.is_empty() || caller_reference.len() > 64 {
        return Err(AwsError::invalid_input(
            "1 validation error detected: Value at 'callerReference' failed to satisfy constraint: Member must have length between 1 and 64",
        ));
    }
    let config = parse_config(request.required_child("HealthCheckConfig")?)?;
    let (check, created) = state
        .store
        .create_health_check(&caller_reference, config)
        .await?;
    let mut w = XmlWriter::new("CreateHealthCheckResponse");
    write_health_check(&mut w, &check);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = respond(status, w.finish("CreateHealthCheckResponse"));
    let location = format!(
        "{}/2013-04-01/healthcheck/{}",
        state.config.location_base, check.id
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `GET /2013-04-01/healthcheck/{HealthCheckId}`.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
) -> Result<Response, AwsError> {
    let check = state.store.get_health_check(&id).await?;
    let mut w = XmlWriter::new("GetHealthCheckResponse");
    write_health_check(&mut w, &check);
    Ok(respond(StatusCode::OK, w.finish("GetHealthCheckResponse")))
}

/// `GET /2013-04-01/healthcheck`: `marker`, `maxitems`.
pub async fn list(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let limit = max_items(&query, MAX_LIST_ITEMS, MAX_LIST_ITEMS)?;
    let marker = query.get("marker");
    let all = state.store.list_health_checks().await?;
    let start = marker.map_or(0, |m| {
        all.iter()
            .position(|c| c.id.as_str() >= m)
            .unwrap_or(all.len())
    });
    let page = &all[start..];
    let mut w = XmlWriter::new("ListHealthChecksResponse");
    w.open("HealthChecks");
    for check in page.iter().take(limit) {
        write_health_check(&mut w, check);
    }
    w.close("HealthChecks");
    w.leaf("Marker", marker.unwrap_or_default());
    w.leaf("IsTruncated", bool_text(page.len() > limit));
    if let Some(next) = page.get(limit) {
        w.leaf("NextMarker", &next.id);
    }
    w.leaf("MaxItems", limit.to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("ListHealthChecksResponse"),
    ))
}

/// `POST /2013-04-01/healthcheck/{HealthCheckId}`.
pub async fn update(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let r = rest_xml::parse_request(&body, "UpdateHealthCheckRequest")?;
    let mut reset = Vec::new();
    for name in list_of::<String>(&r, "ResetElements", "ResettableElementName").unwrap_or_default()
    {
        reset.push(ResettableElement::parse(&name).ok_or_else(|| {
            AwsError::invalid_input(format!(
                "1 validation error detected: Value '{name}' at 'resetElements' failed to satisfy constraint: Member must satisfy enum value set: [FullyQualifiedDomainName, Regions, ResourcePath, ChildHealthChecks]"
            ))
        })?);
    }
    let update = HealthCheckUpdate {
        version: parse_u32(&r, "HealthCheckVersion")?.map(u64::from),
        ip_address: text(&r, "IPAddress"),
        port: parse_port(&r)?,
        resource_path: r.child_text("ResourcePath").map(str::to_string),
        fqdn: text(&r, "FullyQualifiedDomainName"),
        search_string: r.child_text("SearchString").map(str::to_string),
        failure_threshold: parse_u32(&r, "FailureThreshold")?,
        inverted: parse_opt_bool(&r, "Inverted")?,
        disabled: parse_opt_bool(&r, "Disabled")?,
        health_threshold: parse_u32(&r, "HealthThreshold")?,
        child_health_checks: list_of(&r, "ChildHealthChecks", "ChildHealthCheck"),
        enable_sni: parse_opt_bool(&r, "EnableSNI")?,
        regions: list_of(&r, "Regions", "Region"),
        reset,
    };
    let check = state.store.update_health_check(&id, update).await?;
    let mut w = XmlWriter::new("UpdateHealthCheckResponse");
    write_health_check(&mut w, &check);
    Ok(respond(
        StatusCode::OK,
        w.finish("UpdateHealthCheckResponse"),
    ))
}

/// `DELETE /2013-04-01/healthcheck/{HealthCheckId}`.
pub async fn delete(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
) -> Result<Response, AwsError> {
    state.store.delete_health_check(&id).await?;
    let w = XmlWriter::new("DeleteHealthCheckResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteHealthCheckResponse"),
    ))
}

/// `GET /2013-04-01/healthcheck/{HealthCheckId}/status`.
pub async fn status(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
) -> Result<Response, AwsError> {
    let check = state.store.get_health_check(&id).await?;
    if check.config.check_type == HealthCheckType::Calculated {
        return Err(AwsError::invalid_input(
            "GetHealthCheckStatus doesn't work for health checks of type CALCULATED.",
        ));
    }
    let health = state.store.health_check_state(&id).await?;
    let mut w = XmlWriter::new("GetHealthCheckStatusResponse");
    write_observations(&mut w, health.last.as_slice());
    Ok(respond(
        StatusCode::OK,
        w.finish("GetHealthCheckStatusResponse"),
    ))
}

/// `GET /2013-04-01/healthcheck/{HealthCheckId}/lastfailurereason`.
pub async fn last_failure_reason(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
) -> Result<Response, AwsError> {
    let health = state.store.health_check_state(&id).await?;
    let mut w = XmlWriter::new("GetHealthCheckLastFailureReasonResponse");
    write_observations(&mut w, health.last_failure.as_slice());
    Ok(respond(
        StatusCode::OK,
        w.finish("GetHealthCheckLastFailureReasonResponse"),
    ))
}

/// `GET /2013-04-01/healthcheckcount`.
pub async fn count(State(state): State<AppState>) -> Result<Response, AwsError> {
    let count = state.store.list_health_checks().await?.len();
    let mut w = XmlWriter::new("GetHealthCheckCountResponse");
    w.leaf("HealthCheckCount", count.to_string());
    Ok(respond(
        StatusCode::OK,
        w.finish("GetHealthCheckCountResponse"),
    ))
}

/// `GET /2013-04-01/checkeripranges`.
pub async fn checker_ip_ranges() -> Response {
    let mut w = XmlWriter::new("GetCheckerIpRangesResponse");
    w.open("CheckerIpRanges");
    for range in CHECKER_IP_RANGES {
        w.leaf("member", range);
    }
    w.close("CheckerIpRanges");
    respond(StatusCode::OK, w.finish("GetCheckerIpRangesResponse"))
}

/// `POST /_cairn/healthcheck/{id}/override` with `{"status": "healthy"|"unhealthy"|null}`:
/// forces the status routing uses (null clears it). Signed like every other call.
pub async fn set_override(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<HealthCheckId>,
    body: Bytes,
) -> Result<Response, AwsError> {
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AwsError::invalid_input(format!("The body must be JSON: {e}")))?;
    let forced = match value.get("status") {
        Some(serde_json::Value::String(s)) if s == "healthy" => Some(true),
        Some(serde_json::Value::String(s)) if s == "unhealthy" => Some(false),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => {
            return Err(AwsError::invalid_input(format!(
                "status must be \"healthy\", \"unhealthy\" or null, not {other}"
            )))
        }
    };
    state.store.set_health_override(&id, forced).await?;
    let health = state.store.health_check_state(&id).await?;
    Ok(Json(serde_json::json!({
        "HealthCheckId": id,
        "Override": forced.map(|h| if h { "healthy" } else { "unhealthy" }),
        "Healthy": health.healthy,
    }))
    .into_response())
}

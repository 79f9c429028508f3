//! Public DNS query logging (issue 13): CreateQueryLoggingConfig, GetQueryLoggingConfig,
//! ListQueryLoggingConfigs and DeleteQueryLoggingConfig ([ROUTE53-NEXT.md §D.1]; shapes from
//! botocore's route53 model). One config per hosted zone; ids are UUIDs; the log group ARN is
//! a key for the local file the data plane appends to (docs/query-logging.md).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use cairn_model::query_log::{PublicQueryLogConfig, QueryLogError};
use cairn_model::HostedZoneId;

use super::AwsPath;
use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{self, respond, XmlWriter};
use crate::state::AppState;

/// Page size cap (and default) of ListQueryLoggingConfigs.
pub const MAX_RESULTS: usize = 100;

fn write_config(w: &mut XmlWriter, c: &PublicQueryLogConfig) {
    w.open("QueryLoggingConfig")
        .leaf("Id", &c.id)
        .leaf("HostedZoneId", c.zone_id.as_str())
        .leaf("CloudWatchLogsLogGroupArn", &c.log_group_arn)
        .close("QueryLoggingConfig");
}

async fn configs(state: &AppState) -> Result<Vec<PublicQueryLogConfig>, AwsError> {
    let mut all = state.store.load_network().await?.public_query_log_configs;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all)
}

/// `POST /2013-04-01/queryloggingconfig`: 201 with the config and its `Location`.
pub async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, AwsError> {
    let r = rest_xml::parse_request(&body, "CreateQueryLoggingConfigRequest")?;
    let zone = HostedZoneId::parse(r.required_text("HostedZoneId")?.trim());
    let arn = r
        .required_text("CloudWatchLogsLogGroupArn")?
        .trim()
        .to_string();
    let config = state
        .store
        .create_public_query_log_config(&zone, &arn)
        .await?;
    let mut w = XmlWriter::new("CreateQueryLoggingConfigResponse");
    write_config(&mut w, &config);
    let mut response = respond(
        StatusCode::CREATED,
        w.finish("CreateQueryLoggingConfigResponse"),
    );
    let location = format!(
        "{}/2013-04-01/queryloggingconfig/{}",
        state.config.location_base, config.id
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert("location", value);
    }
    Ok(response)
}

/// `GET /2013-04-01/queryloggingconfig/{Id}`.
pub async fn get(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    let all = configs(&state).await?;
    let config = all
        .iter()
        .find(|c| c.id == id)
        .ok_or(QueryLogError::NoSuchPublicConfig(id))?;
    let mut w = XmlWriter::new("GetQueryLoggingConfigResponse");
    write_config(&mut w, config);
    Ok(respond(
        StatusCode::OK,
        w.finish("GetQueryLoggingConfigResponse"),
    ))
}

/// `GET /2013-04-01/queryloggingconfig?hostedzoneid=&nexttoken=&maxresults=`: by id; the
/// next token is the id the next page starts at.
pub async fn list(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let mut all = configs(&state).await?;
    if let Some(zone) = query.get("hostedzoneid").map(HostedZoneId::parse) {
        // The zone must exist (NoSuchHostedZone otherwise).
        state.store.get_hosted_zone(&zone).await?;
        all.retain(|c| c.zone_id == zone);
    }
    let limit = match query.get("maxresults") {
        None => MAX_RESULTS,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => n.min(MAX_RESULTS),
            _ => {
                return Err(AwsError::invalid_input(format!(
                    "Invalid value for maxresults: {text}"
                )))
            }
        },
    };
    let start = match query.get("nexttoken") {
        None => 0,
        Some(token) => all
            .iter()
            .position(|c| c.id.as_str() >= token)
            .ok_or_else(|| {
                AwsError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidPaginationToken",
                    format!("The pagination token {token} is not valid."),
                )
            })?,
    };
    let rest = &all[start..];
    let mut w = XmlWriter::new("ListQueryLoggingConfigsResponse");
    w.open("QueryLoggingConfigs");
    for c in rest.iter().take(limit) {
        write_config(&mut w, c);
    }
    w.close("QueryLoggingConfigs");
    w.leaf_opt("NextToken", rest.get(limit).map(|c| c.id.clone()));
    Ok(respond(
        StatusCode::OK,
        w.finish("ListQueryLoggingConfigsResponse"),
    ))
}

/// `DELETE /2013-04-01/queryloggingconfig/{Id}`: an empty response.
pub async fn delete(
    State(state): State<AppState>,
    AwsPath(id): AwsPath<String>,
) -> Result<Response, AwsError> {
    state.store.delete_public_query_log_config(&id).await?;
    let w = XmlWriter::new("DeleteQueryLoggingConfigResponse");
    Ok(respond(
        StatusCode::OK,
        w.finish("DeleteQueryLoggingConfigResponse"),
    ))
}

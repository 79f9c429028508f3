//! TestDNSAnswer: what this node's DNS data plane answers for a name and type in a hosted
//! zone ([ROUTE53.md §2.7]). Route 53 simulates a resolver and client subnet; Cairn asks its
//! own compiled snapshot, so the answer is exactly what `dig` would get from this node.
//! `resolverip` and the client-subnet parameters are accepted; client location does not
//! affect answers yet (geolocation and IP-based routing by client come with issue 6).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cairn_model::{DomainName, HostedZoneId, RrType};

use crate::error::AwsError;
use crate::protocol::query::QueryParams;
use crate::protocol::rest_xml::{respond, XmlWriter};
use crate::state::AppState;

/// `GET /2013-04-01/testdnsanswer`: `hostedzoneid`, `recordname`, `recordtype`.
pub async fn get(State(state): State<AppState>, query: QueryParams) -> Result<Response, AwsError> {
    let required = |name: &str| {
        query.get(name).ok_or_else(|| {
            AwsError::invalid_input(format!(
                "1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
            ))
        })
    };
    let zone_id = HostedZoneId::parse(required("hostedzoneid")?);
    let record_name = required("recordname")?;
    let record_type = required("recordtype")?;
    let rtype: RrType = record_type
        .parse()
        .ok()
        .filter(|t: &RrType| t.is_route53_type())
        .ok_or_else(|| AwsError::invalid_input(format!("Invalid record type: {record_type}")))?;
    let name = DomainName::from_route53(record_name)
        .map_err(|e| AwsError::invalid_input(format!("Invalid record name {record_name}: {e}")))?;
    let zone = state.store.get_hosted_zone(&zone_id).await?;
    if zone.private_zone {
        return Err(AwsError::invalid_input("TestDNSAnswer works for public hosted zones only"));
    }
    let answer = state
        .dns
        .as_ref()
        .and_then(|dns| dns.test_answer(&zone.id, &name, rtype))
        .ok_or_else(|| {
            AwsError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "This node's DNS data plane has not loaded the hosted zone yet",
            )
        })?;
    let nameserver = zone
        .name_servers
        .first()
        .map(|n| n.to_route53().trim_end_matches('.').to_string())
        .unwrap_or_default();
    let mut w = XmlWriter::new("TestDNSAnswerResponse");
    w.leaf("Nameserver", &nameserver)
        .leaf("RecordName", record_name)
        .leaf("RecordType", rtype.as_str());
    w.open("RecordData");
    for value in &answer.record_data {
        w.leaf("RecordDataEntry", value);
    }
    w.close("RecordData");
    w.leaf("ResponseCode", &answer.response_code).leaf("Protocol", "UDP");
    Ok(respond(StatusCode::OK, w.finish("TestDNSAnswerResponse")))
}

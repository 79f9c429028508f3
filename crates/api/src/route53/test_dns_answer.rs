//! TestDNSAnswer: what this node's DNS data plane answers for a name and type in a hosted
//! zone ([ROUTE53.md §2.7]). Route 53 simulates a resolver and client subnet; Cairn asks its
//! own compiled snapshot, so the answer is exactly what `dig` would get from this node.
//!
//! The client is located the way a query is: by `edns0clientsubnetip` truncated to
//! `edns0clientsubnetmask` bits (default 24 for IPv4, 64 for IPv6, as Route 53's API
//! reference says) when given, else by `resolverip`, else nowhere (geolocation answers with
//! the `*` record), so the answer is the one `dig` with that ECS option, or from that
//! resolver, gets.

use std::net::IpAddr;

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
    let client = client_address(&query)?;
    let zone = state.store.get_hosted_zone(&zone_id).await?;
    if zone.private_zone {
        return Err(AwsError::invalid_input(
            "TestDNSAnswer works for public hosted zones only",
        ));
    }
    let answer = state
        .dns
        .as_ref()
        .and_then(|dns| dns.test_answer(&zone.id, &name, rtype, client))
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
    w.leaf("ResponseCode", &answer.response_code)
        .leaf("Protocol", "UDP");
    Ok(respond(StatusCode::OK, w.finish("TestDNSAnswerResponse")))
}

/// The address the answer is computed for: the client subnet's network address, else the
/// resolver's, else none.
fn client_address(query: &QueryParams) -> Result<Option<IpAddr>, AwsError> {
    let parse_ip = |name: &str, text: &str| {
        text.parse::<IpAddr>()
            .map_err(|_| AwsError::invalid_input(format!("Invalid IP address for {name}: {text}")))
    };
    if let Some(text) = query.get("edns0clientsubnetip") {
        let ip = parse_ip("edns0clientsubnetip", text)?;
        let max: u8 = if ip.is_ipv4() { 32 } else { 128 };
        let mask = match query.get("edns0clientsubnetmask") {
            None => {
                if ip.is_ipv4() {
                    24
                } else {
                    64
                }
            }
            Some(text) => text
                .parse::<u8>()
                .ok()
                .filter(|m| *m <= max)
                .ok_or_else(|| {
                    AwsError::invalid_input(format!(
                    "Invalid edns0clientsubnetmask {text}: it must be 0 to {max} for this address"
                ))
                })?,
        };
        return Ok(Some(network_address(ip, mask)));
    }
    query
        .get("resolverip")
        .map(|text| parse_ip("resolverip", text))
        .transpose()
}

/// `ip` with every bit after the first `prefix` cleared.
fn network_address(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_subnets_are_truncated_to_their_mask() {
        let net = |ip: &str, prefix| network_address(ip.parse().unwrap(), prefix).to_string();
        assert_eq!(net("198.51.100.77", 24), "198.51.100.0");
        assert_eq!(net("198.51.100.77", 20), "198.51.96.0");
        assert_eq!(net("198.51.100.77", 32), "198.51.100.77");
        assert_eq!(net("198.51.100.77", 0), "0.0.0.0");
        assert_eq!(net("2001:db8:1:2:3::1", 64), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:2:3::1", 0), "::");
    }
}

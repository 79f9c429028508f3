//! Read-only pages for the other services: health checks (status and last failures), VPCs
//! with their zone associations, Resolver endpoints, rules and associations, Profiles, DNS
//! Firewall and query logging. Each section is one API list call; a section whose call
//! fails shows that call's error and the others still show.

use std::fmt::Write as _;

use axum::extract::Path;
use axum::http::Method;
use cairn_api::protocol::rest_xml::Element;
use serde_json::Value;

use crate::client::{find, ApiCall};
use crate::html::{escape, link, table, url_encode, Page};
use crate::pages::Signed;

/// A JSON field as text: strings as they are, arrays and objects compactly.
fn json_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Object(o) => o
                    .values()
                    .map(|v| json_text(Some(v)))
                    .collect::<Vec<_>>()
                    .join(":"),
                other => json_text(Some(other)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// A section: `<h2>` and a table of `list_key`'s items, one column per `(header, key)`.
async fn json_section(
    user: &Signed,
    title: &str,
    call: ApiCall,
    list_key: &str,
    columns: &[(&str, &str)],
) -> String {
    let mut out = format!("<h2>{}</h2>", escape(title));
    match user.client.json(&call).await {
        Ok(answer) => {
            let rows: Vec<Vec<String>> = answer
                .get(list_key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .map(|item| {
                            columns
                                .iter()
                                .map(|(_, key)| escape(&json_text(item.get(*key))))
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
            out.push_str(&table(title, &headers, &rows));
        }
        Err(error) => {
            let _ = write!(
                out,
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(&error.to_string())
            );
        }
    }
    out
}

/// The text of `path` (child names) under `element`.
fn xml_text<'a>(element: &'a Element, path: &[&str]) -> &'a str {
    let mut at = element;
    for name in path {
        match at.child(name) {
            Some(child) => at = child,
            None => return "",
        }
    }
    &at.text
}

/// `GET /console/healthchecks`: ListHealthChecks.
pub(crate) async fn health_checks(user: Signed) -> Page {
    let call = ApiCall::route53(Method::GET, "/2013-04-01/healthcheck").param("maxitems", "100");
    let body = match user.client.xml(&call).await {
        Ok(answer) => {
            let rows: Vec<Vec<String>> = find(&answer, "HealthChecks")
                .into_iter()
                .flat_map(|c| c.children_named("HealthCheck"))
                .map(|check| {
                    let id = xml_text(check, &["Id"]);
                    let config = |k: &str| xml_text(check, &["HealthCheckConfig", k]);
                    let target = [config("IPAddress"), config("FullyQualifiedDomainName")]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    vec![
                        link(&format!("/console/healthchecks/{}", url_encode(id)), id),
                        escape(config("Type")),
                        escape(&target),
                        escape(config("Port")),
                        escape(config("ResourcePath")),
                    ]
                })
                .collect();
            table(
                "Health checks",
                &["Health check ID", "Type", "Endpoint", "Port", "Path"],
                &rows,
            )
        }
        Err(error) => format!(
            "<p class=\"error\" role=\"alert\">{}</p>",
            escape(&error.to_string())
        ),
    };
    user.page("Health checks", body)
}

/// `GET /console/healthchecks/{id}`: GetHealthCheckStatus and
/// GetHealthCheckLastFailureReason.
pub(crate) async fn health_check(user: Signed, Path(id): Path<String>) -> Page {
    let mut body = format!(
        "<p>{}</p>",
        link("/console/healthchecks", "All health checks")
    );
    for (title, suffix) in [("Status", "status"), ("Last failures", "lastfailurereason")] {
        let _ = write!(body, "<h2>{title}</h2>");
        let call = ApiCall::route53(
            Method::GET,
            format!("/2013-04-01/healthcheck/{}/{suffix}", url_encode(&id)),
        );
        match user.client.xml(&call).await {
            Ok(answer) => {
                let rows: Vec<Vec<String>> = find(&answer, "HealthCheckObservations")
                    .into_iter()
                    .flat_map(|o| o.children_named("HealthCheckObservation"))
                    .map(|o| {
                        vec![
                            escape(xml_text(o, &["Region"])),
                            escape(xml_text(o, &["IPAddress"])),
                            escape(xml_text(o, &["StatusReport", "Status"])),
                            escape(xml_text(o, &["StatusReport", "CheckedTime"])),
                        ]
                    })
                    .collect();
                body.push_str(&table(
                    &format!("{title} by checker"),
                    &["Region", "Checker IP", "Report", "Checked at"],
                    &rows,
                ));
            }
            Err(error) => {
                let _ = write!(
                    body,
                    "<p class=\"error\" role=\"alert\">{}</p>",
                    escape(&error.to_string())
                );
            }
        }
    }
    user.page(format!("Health check {id}"), body)
}

/// `GET /console/vpcs`: DescribeVpcs, and ListHostedZonesByVPC for each.
pub(crate) async fn vpcs(user: Signed) -> Page {
    let region = user.session.region.clone();
    let answer = match user.client.xml(&ApiCall::ec2("DescribeVpcs", &[])).await {
        Ok(answer) => answer,
        Err(error) => return crate::pages::failed(&user, "VPCs", &error),
    };
    let mut rows = Vec::new();
    for vpc in find(&answer, "vpcSet")
        .into_iter()
        .flat_map(|s| s.children_named("item"))
    {
        let id = xml_text(vpc, &["vpcId"]);
        let call = ApiCall::route53(Method::GET, "/2013-04-01/hostedzonesbyvpc")
            .param("vpcid", id)
            .param("vpcregion", &region);
        let zones = match user.client.xml(&call).await {
            Ok(zones) => find(&zones, "HostedZoneSummaries")
                .into_iter()
                .flat_map(|s| s.children_named("HostedZoneSummary"))
                .map(|z| {
                    link(
                        &format!(
                            "/console/zones/{}",
                            url_encode(xml_text(z, &["HostedZoneId"]))
                        ),
                        xml_text(z, &["Name"]),
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
            Err(error) => escape(&error.to_string()),
        };
        rows.push(vec![
            escape(id),
            escape(xml_text(vpc, &["cidrBlock"])),
            escape(xml_text(vpc, &["isDefault"])),
            zones,
        ]);
    }
    let body = format!(
        "<p>VPCs of region {}.</p>{}",
        escape(&region),
        table(
            "VPCs",
            &[
                "VPC ID",
                "CIDR block",
                "Default",
                "Associated private hosted zones"
            ],
            &rows
        )
    );
    user.page("VPCs", body)
}

/// `GET /console/resolver`: endpoints, rules and rule associations.
pub(crate) async fn resolver(user: Signed) -> Page {
    let empty = || serde_json::json!({});
    let mut body = json_section(
        &user,
        "Resolver endpoints",
        ApiCall::resolver("ListResolverEndpoints", empty()),
        "ResolverEndpoints",
        &[
            ("ID", "Id"),
            ("Name", "Name"),
            ("Direction", "Direction"),
            ("VPC", "HostVPCId"),
            ("Addresses", "IpAddressCount"),
            ("Status", "Status"),
        ],
    )
    .await;
    body.push_str(
        &json_section(
            &user,
            "Resolver rules",
            ApiCall::resolver("ListResolverRules", empty()),
            "ResolverRules",
            &[
                ("ID", "Id"),
                ("Name", "Name"),
                ("Domain", "DomainName"),
                ("Type", "RuleType"),
                ("Targets", "TargetIps"),
                ("Outbound endpoint", "ResolverEndpointId"),
                ("Status", "Status"),
            ],
        )
        .await,
    );
    body.push_str(
        &json_section(
            &user,
            "Resolver rule associations",
            ApiCall::resolver("ListResolverRuleAssociations", empty()),
            "ResolverRuleAssociations",
            &[
                ("ID", "Id"),
                ("Name", "Name"),
                ("Rule", "ResolverRuleId"),
                ("VPC", "VPCId"),
                ("Status", "Status"),
            ],
        )
        .await,
    );
    user.page("Resolver", body)
}

/// `GET /console/profiles`: profiles and their VPC associations.
pub(crate) async fn profiles(user: Signed) -> Page {
    let mut body = json_section(
        &user,
        "Profiles",
        ApiCall::profiles("/profiles"),
        "ProfileSummaries",
        &[("ID", "Id"), ("Name", "Name"), ("ARN", "Arn")],
    )
    .await;
    body.push_str(
        &json_section(
            &user,
            "Profile associations",
            ApiCall::profiles("/profileassociations"),
            "ProfileAssociations",
            &[
                ("ID", "Id"),
                ("Name", "Name"),
                ("Profile", "ProfileId"),
                ("VPC", "ResourceId"),
                ("Status", "Status"),
            ],
        )
        .await,
    );
    user.page("Profiles", body)
}

/// `GET /console/firewall`: DNS Firewall rule groups, domain lists and associations.
pub(crate) async fn firewall(user: Signed) -> Page {
    let empty = || serde_json::json!({});
    let mut body = json_section(
        &user,
        "Firewall rule groups",
        ApiCall::resolver("ListFirewallRuleGroups", empty()),
        "FirewallRuleGroups",
        &[("ID", "Id"), ("Name", "Name"), ("Sharing", "ShareStatus")],
    )
    .await;
    body.push_str(
        &json_section(
            &user,
            "Firewall domain lists",
            ApiCall::resolver("ListFirewallDomainLists", empty()),
            "FirewallDomainLists",
            &[("ID", "Id"), ("Name", "Name")],
        )
        .await,
    );
    body.push_str(
        &json_section(
            &user,
            "Firewall rule group associations",
            ApiCall::resolver("ListFirewallRuleGroupAssociations", empty()),
            "FirewallRuleGroupAssociations",
            &[
                ("ID", "Id"),
                ("Name", "Name"),
                ("Rule group", "FirewallRuleGroupId"),
                ("VPC", "VpcId"),
                ("Priority", "Priority"),
                ("Status", "Status"),
            ],
        )
        .await,
    );
    user.page("DNS Firewall", body)
}

/// `GET /console/querylogs`: Resolver query logging configurations and Route 53 public
/// query logging configurations.
pub(crate) async fn query_logs(user: Signed) -> Page {
    let mut body = json_section(
        &user,
        "Resolver query logging",
        ApiCall::resolver("ListResolverQueryLogConfigs", serde_json::json!({})),
        "ResolverQueryLogConfigs",
        &[
            ("ID", "Id"),
            ("Name", "Name"),
            ("Destination", "DestinationArn"),
            ("VPCs", "AssociationCount"),
            ("Status", "Status"),
        ],
    )
    .await;
    body.push_str("<h2>Public DNS query logging</h2>");
    let call = ApiCall::route53(Method::GET, "/2013-04-01/queryloggingconfig");
    match user.client.xml(&call).await {
        Ok(answer) => {
            let rows: Vec<Vec<String>> = find(&answer, "QueryLoggingConfigs")
                .into_iter()
                .flat_map(|c| c.children_named("QueryLoggingConfig"))
                .map(|c| {
                    vec![
                        escape(xml_text(c, &["Id"])),
                        escape(xml_text(c, &["HostedZoneId"])),
                        escape(xml_text(c, &["CloudWatchLogsLogGroupArn"])),
                    ]
                })
                .collect();
            body.push_str(&table(
                "Public DNS query logging",
                &["ID", "Hosted zone", "Log group"],
                &rows,
            ));
        }
        Err(error) => {
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(&error.to_string())
            );
        }
    }
    user.page("Query logs", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_fields_read_as_text() {
        let item = serde_json::json!({"Ips": [{"Ip": "192.0.2.1", "Port": 53}], "N": 2, "S": "x"});
        assert_eq!(json_text(item.get("Ips")), "192.0.2.1:53");
        assert_eq!(json_text(item.get("N")), "2");
        assert_eq!(json_text(item.get("S")), "x");
        assert_eq!(json_text(item.get("missing")), "");
    }
}

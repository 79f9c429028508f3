//! Hosted zones: the list (paged by marker), create (public or private with a VPC), delete,
//! edit the comment, open one by name.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_api::protocol::rest_xml::Element;

use crate::client::{find, ApiCall, ApiError};
use crate::html::{
    button_form, checkbox, csrf_input, escape, link, select, table, text_input, url_encode, Page,
};
use crate::pages::{failed, with_error, Posted, Signed};

/// A hosted zone id without the `/hostedzone/` prefix the API puts on it.
pub(crate) fn bare_zone_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// `GET /console/`: the zones list is the home page.
pub(crate) async fn home(_user: Signed) -> Redirect {
    Redirect::to("/console/zones")
}

/// `GET /console/zones?marker=…`.
pub(crate) async fn list(user: Signed, Query(query): Query<HashMap<String, String>>) -> Page {
    let marker = query.get("marker").map(String::as_str).unwrap_or_default();
    zones_page(&user, marker).await
}

/// The zones page, with the create and open forms.
async fn zones_page(user: &Signed, marker: &str) -> Page {
    let call = ApiCall::route53(Method::GET, "/2013-04-01/hostedzone")
        .param("maxitems", "100")
        .param("marker", marker);
    let answer = match user.client.xml(&call).await {
        Ok(answer) => answer,
        Err(error) => return failed(user, "Hosted zones", &error),
    };
    let mut rows = Vec::new();
    if let Some(zones) = answer.child("HostedZones") {
        for zone in zones.children_named("HostedZone") {
            rows.push(zone_row(user, zone));
        }
    }
    let mut body = String::new();
    body.push_str(&table(
        "Hosted zones",
        &[
            "Name",
            "Hosted zone ID",
            "Type",
            "Records",
            "Comment",
            "Actions",
        ],
        &rows,
    ));
    if answer.child_text("IsTruncated") == Some("true") {
        if let Some(next) = answer.child_text("NextMarker") {
            let _ = write!(
                body,
                "<nav class=\"pager\" aria-label=\"Pages\">{}</nav>",
                link(
                    &format!("/console/zones?marker={}", url_encode(next)),
                    "Next page"
                )
            );
        }
    }
    let _ = write!(
        body,
        "<h2>Open a hosted zone by name</h2>\
         <form method=\"get\" action=\"/console/zone\"><div class=\"row\">{}\
         <button type=\"submit\">Open hosted zone</button></div></form>",
        text_input("zone_name", "Zone name", "", " required")
    );
    body.push_str(&create_form(user).await);
    user.page("Hosted zones", body)
}

fn zone_row(user: &Signed, zone: &Element) -> Vec<String> {
    let id = bare_zone_id(zone.child_text("Id").unwrap_or_default()).to_string();
    let name = zone.child_text("Name").unwrap_or_default();
    let config = zone.child("Config");
    let private = config.and_then(|c| c.child_text("PrivateZone")) == Some("true");
    let comment = config
        .and_then(|c| c.child_text("Comment"))
        .unwrap_or_default();
    vec![
        link(&format!("/console/zones/{}", url_encode(&id)), name),
        escape(&id),
        if private { "Private" } else { "Public" }.into(),
        escape(
            zone.child_text("ResourceRecordSetCount")
                .unwrap_or_default(),
        ),
        escape(comment),
        button_form(
            &format!("/console/zones/{}/delete", url_encode(&id)),
            user.csrf(),
            &[],
            &format!("Delete {name}"),
        ),
    ]
}

/// The "Create hosted zone" form; private zones choose one of the region's VPCs.
async fn create_form(user: &Signed) -> String {
    let mut vpcs: Vec<(String, String)> = vec![(String::new(), "— none (public zone) —".into())];
    let mut note = String::new();
    match user.client.xml(&ApiCall::ec2("DescribeVpcs", &[])).await {
        Ok(answer) => {
            if let Some(set) = find(&answer, "vpcSet") {
                for item in set.children_named("item") {
                    let id = item.child_text("vpcId").unwrap_or_default();
                    let cidr = item.child_text("cidrBlock").unwrap_or_default();
                    vpcs.push((id.to_string(), format!("{id} ({cidr})")));
                }
            }
        }
        Err(error) => {
            note = format!(
                "<p class=\"note\">VPCs could not be listed: {}</p>",
                escape(&error.to_string())
            )
        }
    }
    format!(
        "<h2>Create a hosted zone</h2>{note}\
         <form method=\"post\" action=\"/console/zones\">{}{}{}{}{}\
         <p class=\"note\">A private zone needs a VPC of region {}; a public zone ignores it.</p>\
         <button type=\"submit\">Create hosted zone</button></form>",
        csrf_input(user.csrf()),
        text_input("name", "Domain name", "", " required"),
        text_input("comment", "Comment (optional)", "", ""),
        checkbox("private", "Private hosted zone", false),
        select("vpc", "VPC (private zones)", &vpcs, ""),
        escape(&user.session.region),
    )
}

/// `POST /console/zones`: CreateHostedZone.
pub(crate) async fn create(posted: Posted) -> Response {
    let name = posted.field("name");
    let private = posted.form.contains_key("private");
    let vpc = posted.field("vpc");
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreateHostedZoneRequest \
         xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>{}</Name>\
         <CallerReference>console-{}</CallerReference><HostedZoneConfig>{}\
         <PrivateZone>{private}</PrivateZone></HostedZoneConfig>",
        escape(&name),
        uuid_like(),
        match posted.field("comment") {
            c if c.is_empty() => String::new(),
            c => format!("<Comment>{}</Comment>", escape(&c)),
        },
    );
    if private && !vpc.is_empty() {
        let _ = write!(
            body,
            "<VPC><VPCRegion>{}</VPCRegion><VPCId>{}</VPCId></VPC>",
            escape(&posted.user.session.region),
            escape(&vpc)
        );
    }
    body.push_str("</CreateHostedZoneRequest>");
    let call = ApiCall::route53(Method::POST, "/2013-04-01/hostedzone").xml(body);
    match posted.user.client.xml(&call).await {
        Ok(answer) => {
            let id = find(&answer, "HostedZone")
                .and_then(|z| z.child_text("Id"))
                .map(bare_zone_id)
                .unwrap_or_default()
                .to_string();
            Redirect::to(&format!("/console/zones/{}", url_encode(&id))).into_response()
        }
        Err(error) => with_error(zones_page(&posted.user, "").await, &error).into_response(),
    }
}

/// A unique caller reference: the time in nanoseconds and random bits.
fn uuid_like() -> String {
    use rand::RngCore as _;
    format!(
        "{}-{:08x}",
        time::OffsetDateTime::now_utc().unix_timestamp_nanos(),
        rand::thread_rng().next_u32()
    )
}

/// `POST /console/zones/{id}/delete`: DeleteHostedZone.
pub(crate) async fn delete(Path(id): Path<String>, posted: Posted) -> Response {
    let call = ApiCall::route53(
        Method::DELETE,
        format!("/2013-04-01/hostedzone/{}", url_encode(&id)),
    );
    match posted.user.client.send(&call).await {
        Ok(_) => Redirect::to("/console/zones").into_response(),
        Err(error) => with_error(zones_page(&posted.user, "").await, &error).into_response(),
    }
}

/// `POST /console/zones/{id}/comment`: UpdateHostedZoneComment.
pub(crate) async fn comment(Path(id): Path<String>, posted: Posted) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<UpdateHostedZoneCommentRequest \
         xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Comment>{}</Comment>\
         </UpdateHostedZoneCommentRequest>",
        escape(&posted.field("comment"))
    );
    let call = ApiCall::route53(
        Method::POST,
        format!("/2013-04-01/hostedzone/{}", url_encode(&id)),
    )
    .xml(body);
    match posted.user.client.send(&call).await {
        Ok(_) => Redirect::to(&format!("/console/zones/{}", url_encode(&id))).into_response(),
        Err(error) => failed(&posted.user, "Edit comment", &error).into_response(),
    }
}

/// `GET /console/zone?zone_name=…`: ListHostedZonesByName, then the zone's page.
pub(crate) async fn open_by_name(
    user: Signed,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let wanted = query.get("zone_name").map(|n| n.trim()).unwrap_or_default();
    let call = ApiCall::route53(Method::GET, "/2013-04-01/hostedzonesbyname")
        .param("dnsname", wanted)
        .param("maxitems", "1");
    let answer = match user.client.xml(&call).await {
        Ok(answer) => answer,
        Err(error) => return with_error(zones_page(&user, "").await, &error).into_response(),
    };
    let normalize = |n: &str| n.trim_end_matches('.').to_ascii_lowercase();
    let found = find(&answer, "HostedZones")
        .into_iter()
        .flat_map(|z| z.children_named("HostedZone"))
        .find(|z| normalize(z.child_text("Name").unwrap_or_default()) == normalize(wanted))
        .and_then(|z| z.child_text("Id"))
        .map(|id| bare_zone_id(id).to_string());
    match found {
        Some(id) => Redirect::to(&format!("/console/zones/{}", url_encode(&id))).into_response(),
        None => with_error(
            zones_page(&user, "").await,
            &ApiError {
                code: "NoSuchHostedZone".into(),
                message: format!("No hosted zone is named {wanted}."),
            },
        )
        .into_response(),
    }
}

/// The zone page's header: name, id, type, comment form, VPCs; `Err` when GetHostedZone
/// fails. Returns the zone's name too.
pub(crate) async fn zone_summary(user: &Signed, id: &str) -> Result<(String, String), ApiError> {
    let call = ApiCall::route53(
        Method::GET,
        format!("/2013-04-01/hostedzone/{}", url_encode(id)),
    );
    let answer = user.client.xml(&call).await?;
    let zone = find(&answer, "HostedZone")
        .ok_or_else(|| ApiError::console("no HostedZone in the answer"))?;
    let name = zone.child_text("Name").unwrap_or_default().to_string();
    let config = zone.child("Config");
    let private = config.and_then(|c| c.child_text("PrivateZone")) == Some("true");
    let comment = config
        .and_then(|c| c.child_text("Comment"))
        .unwrap_or_default();
    let mut html = format!(
        "<dl><dt>Hosted zone ID</dt><dd>{}</dd><dt>Type</dt><dd>{}</dd>\
         <dt>Records</dt><dd>{}</dd>",
        escape(id),
        if private { "Private" } else { "Public" },
        escape(
            zone.child_text("ResourceRecordSetCount")
                .unwrap_or_default()
        ),
    );
    if let Some(servers) = find(&answer, "NameServers") {
        let list: Vec<&str> = servers
            .children_named("NameServer")
            .map(|n| n.text.as_str())
            .collect();
        let _ = write!(
            html,
            "<dt>Name servers</dt><dd>{}</dd>",
            escape(&list.join(", "))
        );
    }
    if let Some(vpcs) = find(&answer, "VPCs") {
        let list: Vec<String> = vpcs
            .children_named("VPC")
            .map(|v| {
                format!(
                    "{} ({})",
                    v.child_text("VPCId").unwrap_or_default(),
                    v.child_text("VPCRegion").unwrap_or_default()
                )
            })
            .collect();
        let _ = write!(html, "<dt>VPCs</dt><dd>{}</dd>", escape(&list.join(", ")));
    }
    if !private {
        html.push_str(&dnssec_summary(user, id).await);
    }
    html.push_str("</dl>");
    let _ = write!(
        html,
        "<form method=\"post\" action=\"/console/zones/{}/comment\">{}<div class=\"row\">{}\
         <button type=\"submit\">Save comment</button></div></form>",
        escape(&url_encode(id)),
        csrf_input(user.csrf()),
        text_input("comment", "Comment", comment, ""),
    );
    Ok((name, html))
}

/// The zone's DNSSEC signing status and key-signing keys (GetDNSSEC), as `<dt>/<dd>` pairs;
/// empty when the call fails (the page still shows).
async fn dnssec_summary(user: &Signed, id: &str) -> String {
    let call = ApiCall::route53(
        Method::GET,
        format!("/2013-04-01/hostedzone/{}/dnssec", url_encode(id)),
    );
    let Ok(answer) = user.client.xml(&call).await else {
        return String::new();
    };
    let status = find(&answer, "ServeSignature")
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    let keys: Vec<String> = find(&answer, "KeySigningKeys")
        .into_iter()
        .flat_map(|k| k.children_named("member"))
        .map(|k| {
            format!(
                "{} ({})",
                k.child_text("Name").unwrap_or_default(),
                k.child_text("Status").unwrap_or_default()
            )
        })
        .collect();
    format!(
        "<dt>DNSSEC signing</dt><dd>{}</dd><dt>Key-signing keys</dt><dd>{}</dd>",
        escape(status),
        escape(&if keys.is_empty() {
            "none".to_string()
        } else {
            keys.join(", ")
        })
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_lose_the_api_prefix() {
        assert_eq!(bare_zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(bare_zone_id("Z123"), "Z123");
    }
}

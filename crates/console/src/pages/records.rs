//! One zone's page: its records with search and paging, and the record form (create, edit,
//! delete), then the change's status (GetChange).
//!
//! Paging never loads a whole zone. ListResourceRecordSets lists in Route 53's order (labels
//! reversed), where a name and every name under it are contiguous; so a name search starts
//! the listing at that name (`StartRecordName`) and stops at the first name outside it. The
//! type filter is applied while reading, reading at most [`SCAN_PAGES`] API pages of 100 per
//! console page; "Next page" carries the position (`name`, `type`, `identifier`) the next
//! page starts from.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::extract::{Path, Query};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};

use crate::client::{find, ApiCall, ApiError};
use crate::html::{
    button_form, csrf_input, escape, link, select, table, text_input, url_encode, Page,
};
use crate::pages::zones::zone_summary;
use crate::pages::{failed, with_error, Posted, Signed};
use crate::record::{change_batch, form_fields, RecordSet, TYPES};

/// Records shown per console page.
const PAGE_SIZE: usize = 50;
/// API pages (of 100 record sets) one console page reads at most while filtering by type.
const SCAN_PAGES: usize = 10;

/// Where a listing starts: `StartRecordName`, `StartRecordType`, `StartRecordIdentifier`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Position {
    name: String,
    rtype: String,
    identifier: String,
}

/// `name` made absolute in `zone`: `www` → `www.example.com.`; `@` or empty → the apex.
pub(crate) fn absolute_name(name: &str, zone: &str) -> String {
    let name = name.trim();
    let zone = zone.trim_end_matches('.');
    if name.is_empty() || name == "@" {
        return format!("{zone}.");
    }
    let bare = name.trim_end_matches('.');
    let lower = bare.to_ascii_lowercase();
    let zone_lower = zone.to_ascii_lowercase();
    if name.ends_with('.') || lower == zone_lower || lower.ends_with(&format!(".{zone_lower}")) {
        format!("{bare}.")
    } else {
        format!("{bare}.{zone}.")
    }
}

/// Whether `name` is `filter` or a name under it (case-insensitive, trailing dots ignored).
fn in_subtree(name: &str, filter: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let filter = filter.trim_end_matches('.').to_ascii_lowercase();
    name == filter || name.ends_with(&format!(".{filter}"))
}

/// `GET /console/zones/{id}?name=&type=&start_name=&start_type=&start_id=`.
pub(crate) async fn zone(
    user: Signed,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Page {
    zone_page(&user, &id, &query).await
}

async fn zone_page(user: &Signed, id: &str, query: &HashMap<String, String>) -> Page {
    let (zone_name, summary) = match zone_summary(user, id).await {
        Ok(found) => found,
        Err(error) => return failed(user, "Hosted zone", &error),
    };
    let get = |k: &str| {
        query
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let search = get("name");
    let type_filter = get("type");
    let filter_name = (!search.is_empty()).then(|| absolute_name(&search, &zone_name));
    let start = if !get("start_name").is_empty() {
        Position {
            name: get("start_name"),
            rtype: get("start_type"),
            identifier: get("start_id"),
        }
    } else {
        Position {
            name: filter_name.clone().unwrap_or_default(),
            ..Position::default()
        }
    };
    let (records, next) =
        match list_page(user, id, start, filter_name.as_deref(), &type_filter).await {
            Ok(page) => page,
            Err(error) => return failed(user, &zone_name, &error),
        };

    let mut body = summary;
    let _ = write!(
        body,
        "<p>{} · {}</p>",
        link(
            &format!("/console/zones/{}/records/new", url_encode(id)),
            "Create record"
        ),
        link("/console/zones", "All hosted zones")
    );
    let mut types: Vec<(String, String)> = vec![(String::new(), "Any type".into())];
    types.extend(
        TYPES
            .iter()
            .chain(["SOA"].iter())
            .map(|t| (t.to_string(), t.to_string())),
    );
    let _ = write!(
        body,
        "<h2>Records</h2><form method=\"get\" action=\"/console/zones/{}\" role=\"search\">\
         <div class=\"row\">{}{}<button type=\"submit\">Search records</button></div></form>",
        escape(&url_encode(id)),
        text_input(
            "name",
            "Name (this name and the names under it)",
            &search,
            ""
        ),
        select("type", "Type", &types, &type_filter),
    );
    let rows: Vec<Vec<String>> = records.iter().map(|r| record_row(user, id, r)).collect();
    body.push_str(&table(
        "Records",
        &[
            "Name",
            "Type",
            "Routing",
            "TTL",
            "Value / route traffic to",
            "Health check",
            "Actions",
        ],
        &rows,
    ));
    let filter_params = format!(
        "name={}&type={}",
        url_encode(&search),
        url_encode(&type_filter)
    );
    let mut pager = Vec::new();
    if !get("start_name").is_empty() {
        pager.push(link(
            &format!("/console/zones/{}?{filter_params}", url_encode(id)),
            "First page",
        ));
    }
    if let Some(next) = next {
        pager.push(link(
            &format!(
                "/console/zones/{}?{filter_params}&start_name={}&start_type={}&start_id={}",
                url_encode(id),
                url_encode(&next.name),
                url_encode(&next.rtype),
                url_encode(&next.identifier)
            ),
            "Next page",
        ));
    }
    if !pager.is_empty() {
        let _ = write!(
            body,
            "<nav class=\"pager\" aria-label=\"Record pages\">{}</nav>",
            pager.join("")
        );
    }
    user.page(format!("Hosted zone {zone_name}"), body)
}

/// Reads one console page of records from `start`; the records and where the next page
/// starts (`None` at the end).
async fn list_page(
    user: &Signed,
    zone: &str,
    mut start: Position,
    filter_name: Option<&str>,
    type_filter: &str,
) -> Result<(Vec<RecordSet>, Option<Position>), ApiError> {
    let mut shown = Vec::new();
    for scanned in 0..SCAN_PAGES {
        let call = ApiCall::route53(
            Method::GET,
            format!("/2013-04-01/hostedzone/{}/rrset", url_encode(zone)),
        )
        .param("name", &start.name)
        .param("type", &start.rtype)
        .param("identifier", &start.identifier)
        .param("maxitems", "100");
        let answer = user.client.xml(&call).await?;
        if let Some(sets) = answer.child("ResourceRecordSets") {
            for set in sets.children_named("ResourceRecordSet") {
                let record = RecordSet::from_element(set);
                if filter_name.is_some_and(|f| !in_subtree(&record.name, f)) {
                    return Ok((shown, None));
                }
                if !type_filter.is_empty() && !record.rtype.eq_ignore_ascii_case(type_filter) {
                    continue;
                }
                if shown.len() == PAGE_SIZE {
                    let next = Position {
                        name: record.name.clone(),
                        rtype: record.rtype.clone(),
                        identifier: record.set_identifier.clone(),
                    };
                    return Ok((shown, Some(next)));
                }
                shown.push(record);
            }
        }
        if answer.child_text("IsTruncated") != Some("true") {
            return Ok((shown, None));
        }
        start = Position {
            name: answer
                .child_text("NextRecordName")
                .unwrap_or_default()
                .into(),
            rtype: answer
                .child_text("NextRecordType")
                .unwrap_or_default()
                .into(),
            identifier: answer
                .child_text("NextRecordIdentifier")
                .unwrap_or_default()
                .into(),
        };
        if scanned + 1 == SCAN_PAGES {
            // Read enough for one page: the rest is for "Next page".
            return Ok((shown, Some(start)));
        }
    }
    Ok((shown, None))
}

fn record_row(user: &Signed, zone: &str, record: &RecordSet) -> Vec<String> {
    let edit_href = format!(
        "/console/zones/{}/records/edit?name={}&type={}&id={}",
        url_encode(zone),
        url_encode(&record.name),
        url_encode(&record.rtype),
        url_encode(&record.set_identifier)
    );
    // Apex SOA and NS get buttons too: the API's refusal says why they stay.
    let actions = format!(
        "{} {}",
        link(&edit_href, "Edit"),
        button_form(
            &format!("/console/zones/{}/records/delete", url_encode(zone)),
            user.csrf(),
            &[
                ("name", &record.name),
                ("type", &record.rtype),
                ("set_identifier", &record.set_identifier),
            ],
            "Delete",
        )
    );
    vec![
        escape(&record.name),
        escape(&record.rtype),
        escape(&record.routing_summary()),
        escape(&record.ttl),
        escape(&record.answer_summary()).replace('\n', "<br>"),
        escape(&record.health_check),
        actions,
    ]
}

/// Reads the one record set at (`name`, `type`, `identifier`).
async fn fetch_record(
    user: &Signed,
    zone: &str,
    name: &str,
    rtype: &str,
    identifier: &str,
) -> Result<RecordSet, ApiError> {
    let call = ApiCall::route53(
        Method::GET,
        format!("/2013-04-01/hostedzone/{}/rrset", url_encode(zone)),
    )
    .param("name", name)
    .param("type", rtype)
    .param("identifier", identifier)
    .param("maxitems", "1");
    let answer = user.client.xml(&call).await?;
    find(&answer, "ResourceRecordSet")
        .map(RecordSet::from_element)
        .filter(|r| {
            in_subtree(&r.name, name)
                && in_subtree(name, &r.name)
                && r.rtype == rtype
                && r.set_identifier == identifier
        })
        .ok_or_else(|| ApiError {
            code: "NoSuchRecord".into(),
            message: format!("No {rtype} record named {name} is in this zone."),
        })
}

/// `GET /console/zones/{id}/records/new`.
pub(crate) async fn new_form(user: Signed, Path(id): Path<String>) -> Page {
    let record = RecordSet {
        rtype: "A".into(),
        ttl: "300".into(),
        policy: "simple".into(),
        ..RecordSet::default()
    };
    record_page(&user, &id, &record, false)
}

fn record_page(user: &Signed, zone: &str, record: &RecordSet, editing: bool) -> Page {
    let (action, title, button) = if editing {
        ("edit", "Edit record", "Save record")
    } else {
        ("new", "Create record", "Create record")
    };
    let body = format!(
        "<p>{}</p><form method=\"post\" action=\"/console/zones/{}/records/{action}\">{}{}\
         <button type=\"submit\">{button}</button></form>",
        link(
            &format!("/console/zones/{}", url_encode(zone)),
            "Back to the zone"
        ),
        escape(&url_encode(zone)),
        csrf_input(user.csrf()),
        form_fields(record, editing),
    );
    user.page(title, body)
}

/// `POST /console/zones/{id}/records/new`: ChangeResourceRecordSets CREATE.
pub(crate) async fn create(Path(id): Path<String>, posted: Posted) -> Response {
    submit(&posted, &id, "CREATE", false).await
}

/// `GET /console/zones/{id}/records/edit?name=&type=&id=`.
pub(crate) async fn edit_form(
    user: Signed,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Page {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    match fetch_record(&user, &id, &get("name"), &get("type"), &get("id")).await {
        Ok(record) => record_page(&user, &id, &record, true),
        Err(error) => failed(&user, "Edit record", &error),
    }
}

/// `POST /console/zones/{id}/records/edit`: ChangeResourceRecordSets UPSERT of the record
/// with the same name, type and set identifier.
pub(crate) async fn update(Path(id): Path<String>, posted: Posted) -> Response {
    submit(&posted, &id, "UPSERT", true).await
}

async fn submit(posted: &Posted, zone: &str, action: &str, editing: bool) -> Response {
    let user = &posted.user;
    let mut record = RecordSet::from_form(&posted.form);
    let zone_name = match zone_summary(user, zone).await {
        Ok((name, _)) => name,
        Err(error) => return failed(user, "Hosted zone", &error).into_response(),
    };
    record.name = absolute_name(&record.name, &zone_name);
    let call = ApiCall::route53(
        Method::POST,
        format!("/2013-04-01/hostedzone/{}/rrset/", url_encode(zone)),
    )
    .xml(change_batch(&[(action, &record)]));
    match user.client.xml(&call).await {
        Ok(answer) => to_change(&answer, zone),
        Err(error) => with_error(record_page(user, zone, &record, editing), &error).into_response(),
    }
}

/// Redirects to the status page of the change in a ChangeResourceRecordSets answer.
fn to_change(answer: &cairn_api::protocol::rest_xml::Element, zone: &str) -> Response {
    let change = find(answer, "ChangeInfo")
        .and_then(|c| c.child_text("Id"))
        .map(|id| id.rsplit('/').next().unwrap_or(id).to_string())
        .unwrap_or_default();
    Redirect::to(&format!(
        "/console/changes/{}?zone={}",
        url_encode(&change),
        url_encode(zone)
    ))
    .into_response()
}

/// `POST /console/zones/{id}/records/delete`: reads the record set, then DELETEs exactly it.
pub(crate) async fn delete(Path(id): Path<String>, posted: Posted) -> Response {
    let user = &posted.user;
    let result = async {
        let record = fetch_record(
            user,
            &id,
            &posted.field("name"),
            &posted.field("type"),
            &posted.field("set_identifier"),
        )
        .await?;
        let call = ApiCall::route53(
            Method::POST,
            format!("/2013-04-01/hostedzone/{}/rrset/", url_encode(&id)),
        )
        .xml(change_batch(&[("DELETE", &record)]));
        user.client.xml(&call).await
    }
    .await;
    match result {
        Ok(answer) => to_change(&answer, &id),
        Err(error) => {
            with_error(zone_page(user, &id, &HashMap::new()).await, &error).into_response()
        }
    }
}

/// `GET /console/changes/{id}?zone=`: GetChange (PENDING until every node serves it, then
/// INSYNC).
pub(crate) async fn change(
    user: Signed,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Page {
    let call = ApiCall::route53(
        Method::GET,
        format!("/2013-04-01/change/{}", url_encode(&id)),
    );
    let answer = match user.client.xml(&call).await {
        Ok(answer) => answer,
        Err(error) => return failed(&user, "Change", &error),
    };
    let info = find(&answer, "ChangeInfo");
    let text = |k: &str| info.and_then(|i| i.child_text(k)).unwrap_or_default();
    let mut body = format!(
        "<dl><dt>Change ID</dt><dd>{}</dd><dt>Status</dt><dd id=\"change-status\">{}</dd>\
         <dt>Submitted at</dt><dd>{}</dd></dl><p>{}",
        escape(&id),
        escape(text("Status")),
        escape(text("SubmittedAt")),
        link(
            &format!(
                "/console/changes/{}?zone={}",
                url_encode(&id),
                url_encode(query.get("zone").map(String::as_str).unwrap_or_default())
            ),
            "Refresh status"
        ),
    );
    if let Some(zone) = query.get("zone").filter(|z| !z.is_empty()) {
        let _ = write!(
            body,
            " · {}",
            link(
                &format!("/console/zones/{}", url_encode(zone)),
                "Back to the zone"
            )
        );
    }
    body.push_str("</p>");
    user.page("Change status", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_are_made_absolute_in_the_zone() {
        assert_eq!(absolute_name("www", "example.com."), "www.example.com.");
        assert_eq!(absolute_name("", "example.com."), "example.com.");
        assert_eq!(absolute_name("@", "example.com."), "example.com.");
        assert_eq!(
            absolute_name("WWW.Example.com", "example.com."),
            "WWW.Example.com."
        );
        assert_eq!(absolute_name("other.org.", "example.com."), "other.org.");
    }

    #[test]
    fn subtree_search_matches_the_name_and_names_under_it() {
        assert!(in_subtree("a.b.example.com.", "b.example.com"));
        assert!(in_subtree("B.example.com", "b.example.com."));
        assert!(!in_subtree("ab.example.com.", "b.example.com."));
        assert!(!in_subtree("example.com.", "b.example.com."));
    }
}

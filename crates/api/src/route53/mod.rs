//! Route 53 (API version 2013-04-01) over rest-xml.
//!
//! One module per resource; [`routes`] maps every path to its handler. Ids in paths may be
//! bare (`Z123`) or prefixed (`/hostedzone/Z123`, which arrives URL-encoded); bodies always
//! carry the prefixed form ([ROUTE53.md §1.1]).

use axum::routing::{get, post};
use axum::Router;

use crate::error::AwsError;
use crate::extract::AwsPath;
use crate::protocol::query::QueryParams;
use crate::state::AppState;

pub mod change;
pub mod cidr_collection;
pub mod delegation_set;
pub mod dnssec;
pub mod health_check;
pub mod hosted_zone;
pub mod limits;
pub mod query_logging;
pub mod render;
pub mod rrset;
pub mod tags;
pub mod test_dns_answer;
pub mod vpc_association;

/// The API version every Route 53 path starts with.
pub const VERSION_PREFIX: &str = "/2013-04-01";

/// The Route 53 routes.
pub fn routes() -> Router<AppState> {
    use hosted_zone as hz;
    Router::new()
        .route("/2013-04-01/hostedzone", post(hz::create).get(hz::list))
        .route(
            "/2013-04-01/hostedzone/{id}",
            get(hz::get).delete(hz::delete).post(hz::update_comment),
        )
        .route("/2013-04-01/hostedzonesbyname", get(hz::list_by_name))
        .route("/2013-04-01/hostedzonecount", get(hz::count))
        .route(
            "/2013-04-01/hostedzone/{id}/rrset",
            post(rrset::change).get(rrset::list),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/rrset/",
            post(rrset::change).get(rrset::list),
        )
        .route("/2013-04-01/hostedzone/{id}/dnssec", get(dnssec::get))
        .route(
            "/2013-04-01/hostedzone/{id}/enable-dnssec",
            post(dnssec::enable),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/disable-dnssec",
            post(dnssec::disable),
        )
        .route("/2013-04-01/keysigningkey", post(dnssec::create_ksk))
        .route(
            "/2013-04-01/keysigningkey/{zone}/{name}",
            axum::routing::delete(dnssec::delete_ksk),
        )
        .route(
            "/2013-04-01/keysigningkey/{zone}/{name}/activate",
            post(dnssec::activate),
        )
        .route(
            "/2013-04-01/keysigningkey/{zone}/{name}/deactivate",
            post(dnssec::deactivate),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/associatevpc",
            post(vpc_association::associate),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/disassociatevpc",
            post(vpc_association::disassociate),
        )
        .route(
            "/2013-04-01/hostedzonesbyvpc",
            get(vpc_association::list_by_vpc),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/authorizevpcassociation",
            post(vpc_association::create_authorization).get(vpc_association::list_authorizations),
        )
        .route(
            "/2013-04-01/hostedzone/{id}/deauthorizevpcassociation",
            post(vpc_association::delete_authorization),
        )
        .route("/2013-04-01/change/{id}", get(change::get))
        .route(
            "/2013-04-01/cidrcollection",
            post(cidr_collection::create).get(cidr_collection::list),
        )
        .route(
            "/2013-04-01/cidrcollection/{id}",
            get(cidr_collection::list_locations)
                .post(cidr_collection::change)
                .delete(cidr_collection::delete),
        )
        .route(
            "/2013-04-01/cidrcollection/{id}/cidrblocks",
            get(cidr_collection::list_blocks),
        )
        .route("/2013-04-01/testdnsanswer", get(test_dns_answer::get))
        .route(
            "/2013-04-01/healthcheck",
            post(health_check::create).get(health_check::list),
        )
        .route(
            "/2013-04-01/healthcheck/{id}",
            get(health_check::get)
                .post(health_check::update)
                .delete(health_check::delete),
        )
        .route(
            "/2013-04-01/healthcheck/{id}/status",
            get(health_check::status),
        )
        .route(
            "/2013-04-01/healthcheck/{id}/lastfailurereason",
            get(health_check::last_failure_reason),
        )
        .route("/2013-04-01/healthcheckcount", get(health_check::count))
        .route(
            "/2013-04-01/checkeripranges",
            get(health_check::checker_ip_ranges),
        )
        .route(
            "/_cairn/healthcheck/{id}/override",
            post(health_check::set_override),
        )
        .route(
            "/2013-04-01/tags/{resource_type}",
            post(tags::list_for_resources),
        )
        .route(
            "/2013-04-01/tags/{resource_type}/{id}",
            post(tags::change_for_resource).get(tags::list_for_resource),
        )
        .route(
            "/2013-04-01/accountlimit/{limit_type}",
            get(limits::account),
        )
        .route(
            "/2013-04-01/hostedzonelimit/{id}/{limit_type}",
            get(limits::hosted_zone),
        )
        .route(
            "/2013-04-01/reusabledelegationsetlimit/{id}/{limit_type}",
            get(limits::delegation_set),
        )
        .route(
            "/2013-04-01/queryloggingconfig",
            post(query_logging::create).get(query_logging::list),
        )
        .route(
            "/2013-04-01/queryloggingconfig/{id}",
            get(query_logging::get).delete(query_logging::delete),
        )
        .route(
            "/2013-04-01/delegationset",
            post(delegation_set::create).get(delegation_set::list),
        )
        .route(
            "/2013-04-01/delegationset/{id}",
            get(delegation_set::get).delete(delegation_set::delete),
        )
}

//------------ shared helpers ------------------------------------------------------

/// `maxitems`: a positive number; values above `cap` are lowered to it.
pub fn max_items(query: &QueryParams, default: usize, cap: usize) -> Result<usize, AwsError> {
    match query.get("maxitems") {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(0) | Err(_) => Err(AwsError::invalid_input(format!(
                "1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer"
            ))),
            Ok(n) => Ok(n.min(cap)),
        },
    }
}

/// Parses `true`/`false` as XML Schema booleans (`1`/`0` too).
pub fn parse_bool(text: &str, field: &str) -> Result<bool, AwsError> {
    match text.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(AwsError::invalid_input(format!(
            "Invalid XML ; cvc-datatype-valid.1.2.1: '{other}' is not a valid value for 'boolean' in element '{field}'."
        ))),
    }
}

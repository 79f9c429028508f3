//! Route 53 Resolver (API version 2018-04-01) over json-1.1: `POST /` with
//! `X-Amz-Target: Route53Resolver.<Operation>` ([ROUTE53.md §1.3, §6]).
//!
//! ```text
//!   POST / ──► handle ──► run ──► endpoint (endpoints and their addresses)
//!                             ├─► rule (rules and rule associations)
//!                             ├─► config (resolver configs, tags)
//!                             ├─► query_log (query log configs and associations)
//!                             ├─► firewall_lists (DNS Firewall domain lists, domains)
//!                             ├─► firewall_rules (rule groups and their rules)
//!                             └─► firewall_vpcs (rule-group associations, firewall configs)
//! ```
//!
//! Writes go to the store, which runs `cairn_model::resolver_validate` inside its
//! transaction; reads come from `load_network`. Statuses are the ones Route 53 reports: a
//! create answers CREATING (rule associations too), a delete DELETING, and a read the settled
//! status (OPERATIONAL, COMPLETE), as the recordings in `aws-recorded/route53resolver.json`
//! show.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use cairn_model::network::NetworkContents;
use serde_json::Value;

use crate::context::RequestContext;
use crate::error::AwsError;
use crate::protocol::json::{self, JsonInput};
use crate::state::AppState;

pub mod config;
pub mod dnssec;
pub mod endpoint;
pub mod firewall_lists;
pub mod firewall_rules;
pub mod firewall_vpcs;
pub mod query_log;
pub mod rule;

/// The `X-Amz-Target` prefix of Resolver operations.
pub const TARGET_PREFIX: &str = crate::dispatch::RESOLVER_TARGET_PREFIX;

/// What every operation gets.
#[derive(Debug)]
pub struct Ctx {
    /// The store and configuration.
    pub state: AppState,
    /// The request body.
    pub input: JsonInput,
    /// The region from the signing scope (ARNs name it).
    pub region: String,
    /// The account that owns what the request creates.
    pub account: String,
}

impl Ctx {
    /// The networks as the store has them now.
    pub async fn network(&self) -> Result<NetworkContents, AwsError> {
        Ok(self.state.store.load_network().await?)
    }

    /// `arn:aws:route53resolver:<region>:<account>:<kind>/<id>`.
    pub fn arn(&self, kind: &str, id: &str, account: &str) -> String {
        format!(
            "arn:aws:route53resolver:{}:{account}:{kind}/{id}",
            self.region
        )
    }
}

/// Every operation served.
pub const OPERATIONS: [&str; 57] = [
    "CreateResolverEndpoint",
    "GetResolverEndpoint",
    "ListResolverEndpoints",
    "UpdateResolverEndpoint",
    "DeleteResolverEndpoint",
    "AssociateResolverEndpointIpAddress",
    "DisassociateResolverEndpointIpAddress",
    "ListResolverEndpointIpAddresses",
    "CreateResolverRule",
    "GetResolverRule",
    "ListResolverRules",
    "UpdateResolverRule",
    "DeleteResolverRule",
    "AssociateResolverRule",
    "DisassociateResolverRule",
    "GetResolverRuleAssociation",
    "ListResolverRuleAssociations",
    "GetResolverConfig",
    "UpdateResolverConfig",
    "ListResolverConfigs",
    "GetResolverDnssecConfig",
    "UpdateResolverDnssecConfig",
    "ListResolverDnssecConfigs",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
    "CreateResolverQueryLogConfig",
    "GetResolverQueryLogConfig",
    "ListResolverQueryLogConfigs",
    "DeleteResolverQueryLogConfig",
    "AssociateResolverQueryLogConfig",
    "DisassociateResolverQueryLogConfig",
    "GetResolverQueryLogConfigAssociation",
    "ListResolverQueryLogConfigAssociations",
    "CreateFirewallDomainList",
    "GetFirewallDomainList",
    "ListFirewallDomainLists",
    "DeleteFirewallDomainList",
    "ListFirewallDomains",
    "UpdateFirewallDomains",
    "ImportFirewallDomains",
    "CreateFirewallRuleGroup",
    "GetFirewallRuleGroup",
    "ListFirewallRuleGroups",
    "DeleteFirewallRuleGroup",
    "CreateFirewallRule",
    "UpdateFirewallRule",
    "DeleteFirewallRule",
    "ListFirewallRules",
    "AssociateFirewallRuleGroup",
    "DisassociateFirewallRuleGroup",
    "UpdateFirewallRuleGroupAssociation",
    "GetFirewallRuleGroupAssociation",
    "ListFirewallRuleGroupAssociations",
    "GetFirewallConfig",
    "ListFirewallConfigs",
    "UpdateFirewallConfig",
];

/// The Resolver routes: every operation is a `POST /` named by `X-Amz-Target`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// `POST /` with `X-Amz-Target: Route53Resolver.<Operation>`; a missing target or another
/// service's is an unknown operation.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Result<Response, AwsError> {
    let Some(target) = context.dispatch.target.as_deref() else {
        return Err(context.dispatch.protocol.unknown_operation());
    };
    match target.split_once('.') {
        Some((TARGET_PREFIX, operation)) => {
            run(state, operation, context.region.into_string(), &body).await
        }
        _ => {
            tracing::debug!(target, "json-1.1 target not served");
            Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                format!("The operation {target} is not supported by this endpoint."),
            ))
        }
    }
}

/// Runs one operation.
pub async fn run(
    state: AppState,
    operation: &str,
    region: String,
    body: &[u8],
) -> Result<Response, AwsError> {
    let input = JsonInput::parse(body)?;
    let ctx = Ctx {
        account: state.config.account_id.clone(),
        state,
        input,
        region,
    };
    let out = match operation {
        "CreateResolverEndpoint" => endpoint::create(&ctx).await,
        "GetResolverEndpoint" => endpoint::get(&ctx).await,
        "ListResolverEndpoints" => endpoint::list(&ctx).await,
        "UpdateResolverEndpoint" => endpoint::update(&ctx).await,
        "DeleteResolverEndpoint" => endpoint::delete(&ctx).await,
        "AssociateResolverEndpointIpAddress" => endpoint::associate_ip(&ctx).await,
        "DisassociateResolverEndpointIpAddress" => endpoint::disassociate_ip(&ctx).await,
        "ListResolverEndpointIpAddresses" => endpoint::list_ips(&ctx).await,
        "CreateResolverRule" => rule::create(&ctx).await,
        "GetResolverRule" => rule::get(&ctx).await,
        "ListResolverRules" => rule::list(&ctx).await,
        "UpdateResolverRule" => rule::update(&ctx).await,
        "DeleteResolverRule" => rule::delete(&ctx).await,
        "AssociateResolverRule" => rule::associate(&ctx).await,
        "DisassociateResolverRule" => rule::disassociate(&ctx).await,
        "GetResolverRuleAssociation" => rule::get_association(&ctx).await,
        "ListResolverRuleAssociations" => rule::list_associations(&ctx).await,
        "GetResolverConfig" => config::get(&ctx).await,
        "UpdateResolverConfig" => config::update(&ctx).await,
        "ListResolverConfigs" => config::list(&ctx).await,
        "GetResolverDnssecConfig" => dnssec::get(&ctx).await,
        "UpdateResolverDnssecConfig" => dnssec::update(&ctx).await,
        "ListResolverDnssecConfigs" => dnssec::list(&ctx).await,
        "TagResource" => config::tag(&ctx).await,
        "UntagResource" => config::untag(&ctx).await,
        "ListTagsForResource" => config::list_tags(&ctx).await,
        "CreateResolverQueryLogConfig" => query_log::create(&ctx).await,
        "GetResolverQueryLogConfig" => query_log::get(&ctx).await,
        "ListResolverQueryLogConfigs" => query_log::list(&ctx).await,
        "DeleteResolverQueryLogConfig" => query_log::delete(&ctx).await,
        "AssociateResolverQueryLogConfig" => query_log::associate(&ctx).await,
        "DisassociateResolverQueryLogConfig" => query_log::disassociate(&ctx).await,
        "GetResolverQueryLogConfigAssociation" => query_log::get_association(&ctx).await,
        "ListResolverQueryLogConfigAssociations" => query_log::list_associations(&ctx).await,
        "CreateFirewallDomainList" => firewall_lists::create(&ctx).await,
        "GetFirewallDomainList" => firewall_lists::get(&ctx).await,
        "ListFirewallDomainLists" => firewall_lists::list(&ctx).await,
        "DeleteFirewallDomainList" => firewall_lists::delete(&ctx).await,
        "ListFirewallDomains" => firewall_lists::list_domains(&ctx).await,
        "UpdateFirewallDomains" => firewall_lists::update_domains(&ctx).await,
        "ImportFirewallDomains" => firewall_lists::import_domains(&ctx).await,
        "CreateFirewallRuleGroup" => firewall_rules::create_group(&ctx).await,
        "GetFirewallRuleGroup" => firewall_rules::get_group(&ctx).await,
        "ListFirewallRuleGroups" => firewall_rules::list_groups(&ctx).await,
        "DeleteFirewallRuleGroup" => firewall_rules::delete_group(&ctx).await,
        "CreateFirewallRule" => firewall_rules::create_rule(&ctx).await,
        "UpdateFirewallRule" => firewall_rules::update_rule(&ctx).await,
        "DeleteFirewallRule" => firewall_rules::delete_rule(&ctx).await,
        "ListFirewallRules" => firewall_rules::list_rules(&ctx).await,
        "AssociateFirewallRuleGroup" => firewall_vpcs::associate(&ctx).await,
        "DisassociateFirewallRuleGroup" => firewall_vpcs::disassociate(&ctx).await,
        "UpdateFirewallRuleGroupAssociation" => firewall_vpcs::update(&ctx).await,
        "GetFirewallRuleGroupAssociation" => firewall_vpcs::get(&ctx).await,
        "ListFirewallRuleGroupAssociations" => firewall_vpcs::list(&ctx).await,
        "GetFirewallConfig" => firewall_vpcs::get_config(&ctx).await,
        "ListFirewallConfigs" => firewall_vpcs::list_configs(&ctx).await,
        "UpdateFirewallConfig" => firewall_vpcs::update_config(&ctx).await,
        other => Err(AwsError::operation_not_served(TARGET_PREFIX, other)),
    }?;
    Ok(json::response(out, json::JSON_1_1))
}

//------------ shared helpers ------------------------------------------------------------

/// 400 `InvalidParameterException`.
pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameterException",
        message,
    )
}

/// One `Filters` entry.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `Name` as sent.
    pub name: String,
    /// `Values`.
    pub values: Vec<String>,
}

/// The request's `Filters`; names are compared without case and underscores, so the
/// CamelCase (`HostVPCId`) and legacy (`HOST_VPC_ID`) forms both work.
pub fn filters(input: &JsonInput, known: &[&str]) -> Result<Vec<Filter>, AwsError> {
    let mut out = Vec::new();
    for f in input.objects("Filters")?.unwrap_or_default() {
        let name = f.str("Name")?.unwrap_or_default();
        if !known.contains(&filter_key(&name).as_str()) {
            return Err(invalid_parameter(format!(
                "The filter '{name}' is not supported for this operation."
            )));
        }
        out.push(Filter {
            name,
            values: f.strings("Values")?.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// `HOST_VPC_ID` and `HostVPCId` → `HOSTVPCID`.
pub fn filter_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Whether a resource passes every filter; `field` gives its values for a filter key.
pub fn passes(filters: &[Filter], field: impl Fn(&str) -> Vec<String>) -> bool {
    filters.iter().all(|f| {
        let have = field(&filter_key(&f.name));
        f.values.is_empty() || f.values.iter().any(|v| have.iter().any(|h| h == v))
    })
}

/// A list response with `MaxResults` echoed and `NextToken` when truncated.
pub fn list_page(
    ctx: &Ctx,
    key: &str,
    items: Vec<Value>,
    echo_max: bool,
) -> Result<Value, AwsError> {
    let max = ctx.input.int("MaxResults")?;
    let (page, next) = json::page(&items, ctx.input.str("NextToken")?.as_deref(), max, 100)?;
    let mut out = serde_json::Map::new();
    out.insert(key.into(), Value::Array(page));
    if echo_max {
        out.insert("MaxResults".into(), Value::from(max.unwrap_or(100)));
    }
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::from(next));
    }
    Ok(Value::Object(out))
}

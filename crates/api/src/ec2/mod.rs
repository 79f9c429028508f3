//! The EC2 subset Route 53 needs (VPCs, subnets, security groups), over EC2's query
//! protocol ([`crate::protocol::ec2_query`]).
//!
//! ```text
//!   POST /, form body, Action=CreateVpc ──► handle ──► vpc / subnet / security_group
//! ```
//!
//! The region of what a request creates is the region its signature is scoped to (a client
//! configured for `eu-west-1` signs for it, as it would call `ec2.eu-west-1.amazonaws.com`);
//! the owner is the node's account ([`crate::ApiConfig::account_id`]). Errors are EC2's
//! codes and messages, rendered as `<Response><Errors>` by the envelope.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use crate::context::RequestContext;
use crate::error::AwsError;
pub use crate::error::{ec2_error, network_error, vpc_not_found};
use crate::protocol::ec2_query::{invalid_parameter_value, FormParams};
use crate::protocol::rest_xml::XmlWriter;
use crate::state::AppState;

pub mod network_interfaces;
pub mod route_tables;
pub mod security_group;
pub mod security_group_rules;
pub mod subnet;
pub mod tags;
pub mod vpc;

/// What every EC2 operation gets: the shared state, its parameters and who asks where.
#[derive(Debug)]
pub struct Ctx {
    /// The store and configuration.
    pub state: AppState,
    /// The form parameters.
    pub params: FormParams,
    /// The region from the signing scope.
    pub region: String,
    /// The account that owns what the request creates.
    pub account: String,
    /// The request id, echoed as `<requestId>`.
    pub request_id: String,
}

/// The EC2 routes: every action is a `POST /` (other paths and methods fall through to the
/// router's unknown-operation answer).
pub fn routes() -> Router<AppState> {
    Router::new().route("/", post(handle))
}

/// `POST /`: one EC2 query request.
pub async fn handle(
    State(state): State<AppState>,
    context: RequestContext,
    body: Bytes,
) -> Response {
    let params = FormParams::parse(&body);
    // The action, when it is one we serve, names the request in the API metrics (errors too).
    let known = params
        .get("Action")
        .and_then(|action| OPERATIONS.iter().find(|op| **op == action).copied());
    let mut response = handle_action(state, context, params).await.into_response();
    if let Some(operation) = known {
        response
            .extensions_mut()
            .insert(crate::operation::OperationName(operation));
    }
    response
}

async fn handle_action(
    state: AppState,
    context: RequestContext,
    params: FormParams,
) -> Result<Response, AwsError> {
    let action = params.get("Action").map(str::to_string).ok_or_else(|| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "MissingAction",
            "The request must contain the parameter Action.",
        )
    })?;
    let ctx = Ctx {
        account: state.config.account_id.clone(),
        region: context.region.into_string(),
        state,
        params,
        request_id: context.request_id.0,
    };
    if ctx.params.bool("DryRun")? == Some(true) && OPERATIONS.contains(&action.as_str()) {
        return Err(AwsError::new(
            StatusCode::PRECONDITION_FAILED,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ));
    }
    let body = run_action(&action, &ctx).await?;
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    Ok(response)
}

/// Every action served.
pub const OPERATIONS: [&str; 25] = [
    "CreateVpc",
    "DescribeVpcs",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "DescribeVpcAttribute",
    "CreateSubnet",
    "DescribeSubnets",
    "DeleteSubnet",
    "ModifySubnetAttribute",
    "CreateSecurityGroup",
    "DescribeSecurityGroups",
    "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "DescribeSecurityGroupRules",
    "CreateTags",
    "DeleteTags",
    "DescribeTags",
    "DescribeRouteTables",
    "DescribeNetworkAcls",
    "DescribeNetworkInterfaces",
    "DescribeAccountAttributes",
    "DescribeAvailabilityZones",
];

async fn run_action(action: &str, ctx: &Ctx) -> Result<String, AwsError> {
    match action {
        "CreateVpc" => vpc::create(ctx).await,
        "DescribeVpcs" => vpc::describe(ctx).await,
        "DeleteVpc" => vpc::delete(ctx).await,
        "ModifyVpcAttribute" => vpc::modify_attribute(ctx).await,
        "DescribeVpcAttribute" => vpc::describe_attribute(ctx).await,
        "CreateSubnet" => subnet::create(ctx).await,
        "DescribeSubnets" => subnet::describe(ctx).await,
        "DeleteSubnet" => subnet::delete(ctx).await,
        "ModifySubnetAttribute" => subnet::modify_attribute(ctx).await,
        "CreateSecurityGroup" => security_group::create(ctx).await,
        "DescribeSecurityGroups" => security_group::describe(ctx).await,
        "DeleteSecurityGroup" => security_group::delete(ctx).await,
        "AuthorizeSecurityGroupIngress" => security_group::authorize_ingress(ctx).await,
        "AuthorizeSecurityGroupEgress" => security_group_rules::authorize_egress(ctx).await,
        "RevokeSecurityGroupIngress" => security_group_rules::revoke_ingress(ctx).await,
        "RevokeSecurityGroupEgress" => security_group_rules::revoke_egress(ctx).await,
        "DescribeSecurityGroupRules" => security_group_rules::describe(ctx).await,
        "CreateTags" => tags::create(ctx).await,
        "DeleteTags" => tags::delete(ctx).await,
        "DescribeTags" => tags::describe(ctx).await,
        "DescribeRouteTables" => route_tables::describe_route_tables(ctx).await,
        "DescribeNetworkAcls" => route_tables::describe_network_acls(ctx).await,
        "DescribeNetworkInterfaces" => network_interfaces::describe(ctx),
        "DescribeAvailabilityZones" => subnet::describe_availability_zones(ctx),
        "DescribeAccountAttributes" => vpc::describe_account_attributes(ctx).await,
        other => Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}

//------------ shared helpers ------------------------------------------------------------

/// Refuses an id not shaped `prefix-…` with EC2's `….Malformed` error.
pub fn check_id(id: &str, prefix: &str, code: &'static str) -> Result<(), AwsError> {
    let ok = id
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("Invalid id: \"{id}\" (expecting \"{prefix}-...\")"),
        ))
    }
}

/// The tags `TagSpecification.N` gives for `resource_type`; another resource type is refused.
pub fn tag_specifications(
    params: &FormParams,
    resource_type: &str,
) -> Result<Vec<(String, String)>, AwsError> {
    let mut tags = Vec::new();
    for spec in params.members("TagSpecification") {
        let kind = spec.get("ResourceType").unwrap_or_default();
        if kind != resource_type {
            return Err(invalid_parameter_value(format!(
                "'{kind}' is not a valid taggable resource type for this operation."
            )));
        }
        for tag in spec.members("Tag") {
            let key = tag.required("Key")?.to_string();
            if key.is_empty() || key.len() > 127 || key.starts_with("aws:") {
                return Err(AwsError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameterValue",
                    format!("Tag key '{key}' is invalid: 1 to 127 characters, not starting with 'aws:'."),
                ));
            }
            tags.push((key, tag.get("Value").unwrap_or_default().to_string()));
        }
    }
    Ok(tags)
}

/// `<tagSet>`; nothing when there are no tags (as EC2 omits it).
pub fn tag_set(w: &mut XmlWriter, tags: &[(String, String)]) {
    if tags.is_empty() {
        return;
    }
    w.open("tagSet");
    for (key, value) in tags {
        w.open("item")
            .leaf("key", key)
            .leaf("value", value)
            .close("item");
    }
    w.close("tagSet");
}

/// One `Filter.N`: a name and the values any of which may match.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `Name`.
    pub name: String,
    /// `Value.M`.
    pub values: Vec<String>,
}

/// The request's `Filter.N` list; a name outside `known` (and the tag filters) is refused
/// up front, whether or not anything would be filtered.
pub fn filters(params: &FormParams, known: &[&str]) -> Result<Vec<Filter>, AwsError> {
    let filters: Vec<Filter> = params
        .members("Filter")
        .into_iter()
        .map(|f| Filter {
            name: f.get("Name").unwrap_or_default().to_string(),
            values: f.list("Value"),
        })
        .collect();
    for filter in &filters {
        let tag = filter.name.starts_with("tag:")
            || filter.name == "tag-key"
            || filter.name == "tag-value";
        if !tag && !known.contains(&filter.name.as_str()) {
            return Err(invalid_parameter_value(format!(
                "The filter '{}' is invalid",
                filter.name
            )));
        }
    }
    Ok(filters)
}

/// Whether a resource passes every filter. `field` gives the resource's values for a
/// filter name (`None`: a name this resource type has no filter for); tag filters
/// (`tag:Key`, `tag-key`, `tag-value`) are answered from `tags`.
pub fn passes(
    filters: &[Filter],
    tags: &[(String, String)],
    field: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<bool, AwsError> {
    for filter in filters {
        let candidates = if let Some(key) = filter.name.strip_prefix("tag:") {
            tags.iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .collect()
        } else if filter.name == "tag-key" {
            tags.iter().map(|(k, _)| k.clone()).collect()
        } else if filter.name == "tag-value" {
            tags.iter().map(|(_, v)| v.clone()).collect()
        } else {
            field(&filter.name).ok_or_else(|| {
                invalid_parameter_value(format!("The filter '{}' is invalid", filter.name))
            })?
        };
        let hit = filter
            .values
            .iter()
            .any(|pattern| candidates.iter().any(|c| glob(pattern, c)));
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}

/// EC2 filter matching: `*` any run, `?` any one character, otherwise exact.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// `true`/`false` as EC2 writes booleans.
pub fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_ec2_filters() {
        assert!(glob("vpc-*", "vpc-0abc"));
        assert!(glob("10.0.?.0/24", "10.0.1.0/24"));
        assert!(!glob("10.0.?.0/24", "10.0.12.0/24"));
        assert!(glob("web", "web"));
        assert!(!glob("web", "web2"));
    }

    #[test]
    fn checks_id_shapes() {
        assert!(check_id("vpc-0123abcd", "vpc", "InvalidVpcID.Malformed").is_ok());
        let err = check_id("non-existent", "vpc", "InvalidVpcID.Malformed").expect_err("malformed");
        assert_eq!(err.code, "InvalidVpcID.Malformed");
        assert!(check_id("vpc-", "vpc", "X").is_err());
        assert!(check_id("vpc-xyz", "vpc", "X").is_err());
    }
}

//----------- Pagination ---------------------------------------------------------

/// The page a Describe call asks for: `MaxResults` (5–1000, as EC2 allows for VPCs, subnets
/// and security groups) and the `NextToken` a previous page returned. Results are paged in
/// id order; a token names the first id of the next page, so deleting resources between
/// calls neither repeats nor skips the ones that remain.
#[derive(Debug, Default)]
pub struct Page {
    max: Option<usize>,
    from_id: Option<String>,
}

impl Page {
    /// Reads `MaxResults` and `NextToken`; `ids_param` names the explicit-id list of the call
    /// (`VpcId`), which EC2 does not allow together with `MaxResults`.
    pub fn from_params(params: &FormParams, ids_param: &str) -> Result<Self, AwsError> {
        let max = params
            .get("MaxResults")
            .map(|m| {
                m.trim().parse::<usize>().ok().filter(|m| (5..=1000).contains(m)).ok_or_else(|| {
                    invalid_parameter_value(format!(
                        "Value ( {m} ) for parameter maxResults is invalid. Parameter may only be between 5 and 1000."
                    ))
                })
            })
            .transpose()?;
        if max.is_some() && !params.list(ids_param).is_empty() {
            return Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterCombination",
                format!("The parameter {ids_param} cannot be used with the parameter maxResults"),
            ));
        }
        let from_id = params.get("NextToken").map(decode_token).transpose()?;
        Ok(Self { max, from_id })
    }

    /// This page of `items`, and the token of the next page when there is one.
    pub fn select<'a, T>(
        &self,
        mut items: Vec<&'a T>,
        id: impl Fn(&T) -> &str,
    ) -> (Vec<&'a T>, Option<String>) {
        items.sort_by(|a, b| id(a).cmp(id(b)));
        if let Some(from) = &self.from_id {
            items.retain(|item| id(item) >= from.as_str());
        }
        let next = match self.max {
            Some(max) if items.len() > max => Some(encode_token(id(items[max]))),
            _ => None,
        };
        items.truncate(self.max.unwrap_or(usize::MAX));
        (items, next)
    }
}

fn encode_token(id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("cairn-page:{id}"))
}

fn decode_token(token: &str) -> Result<String, AwsError> {
    use base64::Engine;
    let invalid = || {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidPaginationToken",
            format!("The pagination token '{token}' is invalid."),
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("cairn-page:")
        .map(str::to_string)
        .ok_or_else(invalid)
}

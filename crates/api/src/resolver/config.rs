//! Per-VPC resolver configs (Get/Update/ListResolverConfigs: autodefined reverse rules) and
//! tags (TagResource, UntagResource, ListTagsForResource) on endpoints, rules, query log
//! configs and DNS Firewall domain lists, rule groups and rule-group associations.

use axum::http::StatusCode;
use cairn_model::firewall::FirewallContents;
use cairn_model::network::NetworkContents;
use cairn_model::resolver::VpcResolverConfig;
use cairn_model::resolver_validate::{
    parse_autodefined_reverse_flag, resolver_config, resolver_config_id, ResolverError,
};
use cairn_store::tag_types;
use serde_json::{json, Value};

use super::{invalid_parameter, list_page, Ctx};
use crate::error::AwsError;

/// `ResolverConfig`; `status` replaces ENABLED/DISABLED (ENABLING/DISABLING after an update).
fn render(c: &VpcResolverConfig, status: Option<&str>) -> Value {
    let settled = if c.autodefined_reverse {
        "ENABLED"
    } else {
        "DISABLED"
    };
    json!({
        "Id": resolver_config_id(&c.resource_id),
        "ResourceId": c.resource_id,
        "OwnerId": c.owner_account,
        "AutodefinedReverse": status.unwrap_or(settled),
    })
}

/// GetResolverConfig: the VPC's config (the default when never updated).
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let net = ctx.network().await?;
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| ResolverError::NoSuchVpc(vpc_id.to_string()))?;
    Ok(json!({"ResolverConfig": render(&resolver_config(&net, &vpc_id, &vpc.owner_account), None)}))
}

/// UpdateResolverConfig: answers ENABLING or DISABLING; reads then show the settled value.
pub async fn update(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let flag = parse_autodefined_reverse_flag(&ctx.input.required_str("AutodefinedReverseFlag")?)?;
    let config = ctx
        .state
        .store
        .update_resolver_config(&vpc_id, flag)
        .await?;
    let status = if config.autodefined_reverse {
        "ENABLING"
    } else {
        "DISABLING"
    };
    Ok(json!({"ResolverConfig": render(&config, Some(status))}))
}

/// ListResolverConfigs: one per VPC of the account.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    let items = net
        .vpcs
        .iter()
        .filter(|v| v.owner_account == ctx.account)
        .map(|v| render(&resolver_config(&net, &v.id, &v.owner_account), None))
        .collect();
    list_page(ctx, "ResolverConfigs", items, false)
}

/// The tag resource type and id an ARN names, if the resource exists.
fn tagged(
    net: &NetworkContents,
    fw: &FirewallContents,
    arn: &str,
) -> Result<(&'static str, String), AwsError> {
    let resource = arn
        .strip_prefix("arn:")
        .and_then(|rest| rest.splitn(5, ':').nth(4))
        .filter(|_| arn.split(':').nth(2) == Some("route53resolver"))
        .ok_or_else(|| invalid_parameter(format!("Invalid ARN: \"{arn}\".")))?;
    let (kind, id) = resource
        .split_once('/')
        .ok_or_else(|| invalid_parameter(format!("Invalid ARN: \"{arn}\".")))?;
    let found = match kind {
        "resolver-endpoint" => net
            .endpoints
            .iter()
            .any(|e| e.id == id)
            .then_some(tag_types::RESOLVER_ENDPOINT),
        "resolver-rule" => net
            .rules
            .iter()
            .any(|r| r.id == id)
            .then_some(tag_types::RESOLVER_RULE),
        "resolver-query-log-config" => net
            .query_log_configs
            .iter()
            .any(|c| c.id == id)
            .then_some(tag_types::QUERY_LOG_CONFIG),
        "firewall-domain-list" => fw
            .domain_lists
            .iter()
            .any(|l| l.id == id)
            .then_some(tag_types::FIREWALL_DOMAIN_LIST),
        "firewall-rule-group" => fw
            .rule_groups
            .iter()
            .any(|g| g.id == id)
            .then_some(tag_types::FIREWALL_RULE_GROUP),
        "firewall-rule-group-association" => fw
            .associations
            .iter()
            .any(|a| a.id == id)
            .then_some(tag_types::FIREWALL_RULE_GROUP_ASSOCIATION),
        _ => None,
    };
    found.map(|t| (t, id.to_string())).ok_or_else(|| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "ResourceNotFoundException",
            format!("Resource with ARN \"{arn}\" does not exist."),
        )
    })
}

/// TagResource.
pub async fn tag(ctx: &Ctx) -> Result<Value, AwsError> {
    let arn = ctx.input.required_str("ResourceArn")?;
    let tags = ctx.input.tag_list("Tags")?;
    let net = ctx.network().await?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let (kind, id) = tagged(&net, &fw, &arn)?;
    ctx.state
        .store
        .change_tags(kind, &id, tags, Vec::new())
        .await?;
    Ok(json!({}))
}

/// UntagResource.
pub async fn untag(ctx: &Ctx) -> Result<Value, AwsError> {
    let arn = ctx.input.required_str("ResourceArn")?;
    let keys = ctx.input.strings("TagKeys")?.unwrap_or_default();
    let net = ctx.network().await?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let (kind, id) = tagged(&net, &fw, &arn)?;
    ctx.state
        .store
        .change_tags(kind, &id, Vec::new(), keys)
        .await?;
    Ok(json!({}))
}

/// ListTagsForResource.
pub async fn list_tags(ctx: &Ctx) -> Result<Value, AwsError> {
    let arn = ctx.input.required_str("ResourceArn")?;
    let net = ctx.network().await?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let (kind, id) = tagged(&net, &fw, &arn)?;
    let tags = ctx.state.store.list_tags(kind, &id).await?;
    let items = tags
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    list_page(ctx, "Tags", items, false)
}

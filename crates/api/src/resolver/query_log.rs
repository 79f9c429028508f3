//! Resolver query logging (issue 13): query log configs (Create/Get/List/Delete
//! ResolverQueryLogConfig) and their VPC associations (Associate/Disassociate/Get/List
//! ResolverQueryLogConfigAssociation[s]).
//!
//! Statuses are Route 53 Resolver's: a create answers CREATING, a delete DELETING and a read
//! the settled CREATED (configs) or ACTIVE (associations), as for rules. Lists take
//! `Filters`, `SortBy` (any member of the listed shape) and `SortOrder`, and report
//! `TotalCount` (everything the account has) and `TotalFilteredCount` (what the filters kept).

use cairn_model::network::NetworkContents;
use cairn_model::query_log::{
    association_count, require_config, NewQueryLogConfig, QueryLogAssociation, QueryLogConfig,
    QueryLogError,
};
use serde_json::{json, Value};

use super::{filter_key, filters, invalid_parameter, list_page, passes, Ctx};
use crate::error::AwsError;
use crate::protocol::json::rfc3339;

/// `ResolverQueryLogConfig` with `status`.
fn render_config(ctx: &Ctx, net: &NetworkContents, c: &QueryLogConfig, status: &str) -> Value {
    json!({
        "Id": c.id,
        "OwnerId": c.owner_account,
        "Status": status,
        "ShareStatus": "NOT_SHARED",
        "AssociationCount": association_count(net, &c.id),
        "Arn": ctx.arn("resolver-query-log-config", &c.id, &c.owner_account),
        "Name": c.name,
        "DestinationArn": c.destination_arn,
        "CreatorRequestId": c.creator_request_id,
        "CreationTime": rfc3339(c.created_at_ms),
    })
}

/// `ResolverQueryLogConfigAssociation` with `status`.
fn render_association(a: &QueryLogAssociation, status: &str) -> Value {
    json!({
        "Id": a.id,
        "ResolverQueryLogConfigId": a.config_id,
        "ResourceId": a.vpc_id,
        "Status": status,
        "Error": "NONE",
        "ErrorMessage": "",
        "CreationTime": rfc3339(a.created_at_ms),
    })
}

/// CreateResolverQueryLogConfig.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let req = NewQueryLogConfig {
        name: ctx.input.required_str("Name")?,
        destination_arn: ctx.input.required_str("DestinationArn")?,
        creator_request_id: ctx.input.required_str("CreatorRequestId")?,
        owner_account: ctx.account.clone(),
        region: ctx.region.clone(),
    };
    let tags = ctx.input.tag_list("Tags")?;
    let config = ctx.state.store.create_query_log_config(req, tags).await?;
    let net = ctx.network().await?;
    Ok(json!({"ResolverQueryLogConfig": render_config(ctx, &net, &config, "CREATING")}))
}

/// GetResolverQueryLogConfig.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("ResolverQueryLogConfigId")?;
    let net = ctx.network().await?;
    let config = require_config(&net, &id)?;
    Ok(json!({"ResolverQueryLogConfig": render_config(ctx, &net, config, "CREATED")}))
}

/// DeleteResolverQueryLogConfig: refused while VPCs are associated.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("ResolverQueryLogConfigId")?;
    let config = ctx.state.store.delete_query_log_config(&id).await?;
    let net = ctx.network().await?;
    Ok(json!({"ResolverQueryLogConfig": render_config(ctx, &net, &config, "DELETING")}))
}

/// ListResolverQueryLogConfigs: the account's configs.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    let items: Vec<Value> = net
        .query_log_configs
        .iter()
        .filter(|c| c.owner_account == ctx.account)
        .map(|c| render_config(ctx, &net, c, "CREATED"))
        .collect();
    const KEYS: [&str; 10] = [
        "ARN",
        "ASSOCIATIONCOUNT",
        "CREATIONTIME",
        "CREATORREQUESTID",
        "DESTINATIONARN",
        "ID",
        "NAME",
        "OWNERID",
        "SHARESTATUS",
        "STATUS",
    ];
    listed(ctx, "ResolverQueryLogConfigs", items, &KEYS)
}

/// AssociateResolverQueryLogConfig.
pub async fn associate(ctx: &Ctx) -> Result<Value, AwsError> {
    let config = ctx.input.required_str("ResolverQueryLogConfigId")?;
    let vpc = ctx.input.required_str("ResourceId")?;
    let assoc = ctx
        .state
        .store
        .associate_query_log_config(&config, &vpc)
        .await?;
    Ok(json!({"ResolverQueryLogConfigAssociation": render_association(&assoc, "CREATING")}))
}

/// DisassociateResolverQueryLogConfig.
pub async fn disassociate(ctx: &Ctx) -> Result<Value, AwsError> {
    let config = ctx.input.required_str("ResolverQueryLogConfigId")?;
    let vpc = ctx.input.required_str("ResourceId")?;
    let assoc = ctx
        .state
        .store
        .disassociate_query_log_config(&config, &vpc)
        .await?;
    Ok(json!({"ResolverQueryLogConfigAssociation": render_association(&assoc, "DELETING")}))
}

/// GetResolverQueryLogConfigAssociation.
pub async fn get_association(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_str("ResolverQueryLogConfigAssociationId")?;
    let net = ctx.network().await?;
    let assoc = net
        .query_log_associations
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| QueryLogError::NoSuchAssociation(id.clone()))?;
    Ok(json!({"ResolverQueryLogConfigAssociation": render_association(assoc, "ACTIVE")}))
}

/// ListResolverQueryLogConfigAssociations: the associations of the account's configs.
pub async fn list_associations(ctx: &Ctx) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    let items: Vec<Value> = net
        .query_log_associations
        .iter()
        .filter(|a| {
            net.query_log_configs
                .iter()
                .any(|c| c.id == a.config_id && c.owner_account == ctx.account)
        })
        .map(|a| render_association(a, "ACTIVE"))
        .collect();
    const KEYS: [&str; 6] = [
        "CREATIONTIME",
        "ERROR",
        "ID",
        "RESOLVERQUERYLOGCONFIGID",
        "RESOURCEID",
        "STATUS",
    ];
    listed(ctx, "ResolverQueryLogConfigAssociations", items, &KEYS)
}

/// The member of a rendered item a filter or sort key names (`RESOURCEID` → `ResourceId`).
fn member<'v>(item: &'v Value, key: &str) -> Option<&'v Value> {
    item.as_object()?
        .iter()
        .find(|(name, _)| filter_key(name) == key)
        .map(|(_, v)| v)
}

/// A member's value as filters compare it.
fn text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Filters, sorts and pages rendered items, with the two totals.
fn listed(ctx: &Ctx, key: &str, items: Vec<Value>, known: &[&str]) -> Result<Value, AwsError> {
    let total = items.len();
    let filters = filters(&ctx.input, known)?;
    let mut kept: Vec<Value> = items
        .into_iter()
        .filter(|item| passes(&filters, |k| vec![text(member(item, k))]))
        .collect();
    if let Some(sort_by) = ctx.input.str("SortBy")? {
        let sort_key = filter_key(&sort_by);
        if !known.contains(&sort_key.as_str()) {
            return Err(invalid_parameter(format!(
                "The value '{sort_by}' for SortBy is not supported for this operation."
            )));
        }
        // Numbers (AssociationCount) by value, everything else as text (RFC 3339 times
        // sort as text).
        kept.sort_by(|a, b| {
            let (a, b) = (member(a, &sort_key), member(b, &sort_key));
            match (a.and_then(Value::as_i64), b.and_then(Value::as_i64)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => text(a).cmp(&text(b)),
            }
        });
    }
    match ctx.input.str("SortOrder")?.as_deref() {
        None | Some("ASCENDING") => {}
        Some("DESCENDING") => kept.reverse(),
        Some(other) => {
            return Err(invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [ASCENDING, DESCENDING]"
            )))
        }
    }
    let filtered = kept.len();
    let mut out = list_page(ctx, key, kept, false)?;
    if let Value::Object(map) = &mut out {
        map.insert("TotalCount".into(), json!(total));
        map.insert("TotalFilteredCount".into(), json!(filtered));
    }
    Ok(out)
}

//! Resolver rules and their VPC associations: Create/Get/List/Update/DeleteResolverRule,
//! Associate/DisassociateResolverRule, Get/ListResolverRuleAssociations. Lists include the
//! autodefined "Internet Resolver" rule and its per-VPC associations, as Route 53's do.

use cairn_model::resolver::{
    ResolverRule, ResolverRuleAssociationId, ResolverRuleId, RuleAssociation,
    RuleAssociationStatus, RuleStatus, RuleType,
};
use cairn_model::resolver_validate::{
    find_rule, internet_resolver_association, internet_resolver_rule, NewRule, ResolverError,
    RuleUpdate, TargetRequest, AUTODEFINED_OWNER,
};
use serde_json::{json, Map, Value};

use super::{filters, list_page, passes, Ctx};
use crate::error::AwsError;
use crate::protocol::json::{rfc3339, JsonInput};

/// `ResolverRule` as the API shows it; `status` replaces the stored one.
pub fn render(ctx: &Ctx, r: &ResolverRule, status: Option<RuleStatus>) -> Value {
    let status = status.unwrap_or(r.status);
    let autodefined = r.owner_account == AUTODEFINED_OWNER;
    let mut out = Map::new();
    out.insert("Id".into(), json!(r.id));
    out.insert("CreatorRequestId".into(), json!(r.creator_request_id));
    let arn = if autodefined {
        format!(
            "arn:aws:route53resolver:{}::autodefined-rule/{}",
            ctx.region, r.id
        )
    } else {
        ctx.arn("resolver-rule", r.id.as_str(), &r.owner_account)
    };
    out.insert("Arn".into(), json!(arn));
    out.insert("DomainName".into(), json!(r.domain_name));
    out.insert("Status".into(), json!(status));
    let message = match status {
        RuleStatus::Deleting => "[Trace Id: cairn] Deleting Resolver Rule",
        RuleStatus::Updating => "[Trace Id: cairn] Updating Resolver Rule",
        _ => "[Trace Id: cairn] Successfully created Resolver Rule",
    };
    out.insert("StatusMessage".into(), json!(message));
    out.insert("RuleType".into(), json!(r.rule_type.as_str()));
    if let Some(name) = &r.name {
        out.insert("Name".into(), json!(name));
    }
    if r.rule_type == RuleType::Forward {
        let targets: Vec<Value> = r
            .targets
            .iter()
            .map(|t| {
                let mut m = Map::new();
                if let Some(ip) = t.ip {
                    m.insert("Ip".into(), json!(ip.to_string()));
                }
                if let Some(ipv6) = t.ipv6 {
                    m.insert("Ipv6".into(), json!(ipv6.to_string()));
                }
                m.insert("Port".into(), json!(t.port));
                m.insert("Protocol".into(), json!(t.protocol));
                Value::Object(m)
            })
            .collect();
        out.insert("TargetIps".into(), Value::Array(targets));
    }
    if let Some(endpoint) = &r.resolver_endpoint_id {
        out.insert("ResolverEndpointId".into(), json!(endpoint));
    }
    out.insert("OwnerId".into(), json!(r.owner_account));
    out.insert("ShareStatus".into(), json!(r.share_status));
    if !autodefined {
        out.insert("CreationTime".into(), json!(rfc3339(r.created_at_ms)));
        out.insert("ModificationTime".into(), json!(rfc3339(r.modified_at_ms)));
    }
    Value::Object(out)
}

/// `ResolverRuleAssociation` as the API shows it.
pub fn render_association(a: &RuleAssociation, status: Option<RuleAssociationStatus>) -> Value {
    let status = status.unwrap_or(a.status);
    let mut out = Map::new();
    out.insert("Id".into(), json!(a.id));
    out.insert("ResolverRuleId".into(), json!(a.rule_id));
    if let Some(name) = &a.name {
        out.insert("Name".into(), json!(name));
    }
    out.insert("VPCId".into(), json!(a.vpc_id));
    out.insert("Status".into(), json!(status));
    let message = match status {
        RuleAssociationStatus::Creating => "[Trace Id: cairn] Creating Association",
        RuleAssociationStatus::Deleting => "[Trace Id: cairn] Deleting Association",
        _ => "[Trace Id: cairn] Successfully created association",
    };
    out.insert("StatusMessage".into(), json!(message));
    Value::Object(out)
}

fn targets(input: &JsonInput) -> Result<Option<Vec<TargetRequest>>, AwsError> {
    let Some(list) = input.objects("TargetIps")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for t in list {
        out.push(TargetRequest {
            ip: t.str("Ip")?,
            ipv6: t.str("Ipv6")?,
            port: t.int("Port")?,
            protocol: t.str("Protocol")?,
        });
    }
    Ok(Some(out))
}

/// CreateResolverRule.
pub async fn create(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let req = NewRule {
        creator_request_id: input.required_str("CreatorRequestId")?,
        name: input.str("Name")?,
        rule_type: input.required_str("RuleType")?,
        domain_name: input.str("DomainName")?,
        targets: targets(input)?,
        resolver_endpoint_id: input.id("ResolverEndpointId")?,
        owner_account: ctx.account.clone(),
    };
    let tags = input.tag_list("Tags")?;
    let rule = ctx.state.store.create_resolver_rule(req, tags).await?;
    Ok(json!({"ResolverRule": render(ctx, &rule, None)}))
}

/// GetResolverRule (autodefined rules included).
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_id::<ResolverRuleId>("ResolverRuleId")?;
    let net = ctx.network().await?;
    let rule = find_rule(&net, &id)?;
    Ok(json!({"ResolverRule": render(ctx, &rule, None)}))
}

/// ListResolverRules: the autodefined Internet Resolver rule first, then the account's rules.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let filters = filters(
        &ctx.input,
        &[
            "CREATORREQUESTID",
            "DOMAINNAME",
            "NAME",
            "RESOLVERENDPOINTID",
            "STATUS",
            "TYPE",
            "RULETYPE",
        ],
    )?;
    let net = ctx.network().await?;
    let internet = internet_resolver_rule();
    let items: Vec<Value> = std::iter::once(&internet)
        .chain(net.rules.iter().filter(|r| r.owner_account == ctx.account))
        .filter(|r| {
            passes(&filters, |key| match key {
                "CREATORREQUESTID" => vec![r.creator_request_id.clone()],
                "DOMAINNAME" => {
                    let mut names = vec![
                        r.domain_name.clone(),
                        r.domain_name.trim_end_matches('.').to_string(),
                    ];
                    names.dedup();
                    names
                }
                "NAME" => r.name.clone().into_iter().collect(),
                "RESOLVERENDPOINTID" => r
                    .resolver_endpoint_id
                    .iter()
                    .map(|id| id.to_string())
                    .collect(),
                "STATUS" => vec![r.status.as_str().to_string()],
                "TYPE" | "RULETYPE" => vec![r.rule_type.as_str().to_string()],
                _ => Vec::new(),
            })
        })
        .map(|r| render(ctx, r, None))
        .collect();
    list_page(ctx, "ResolverRules", items, true)
}

/// UpdateResolverRule: `Config` fields not supplied are kept.
pub async fn update(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_id::<ResolverRuleId>("ResolverRuleId")?;
    let config = ctx.input.object("Config")?.unwrap_or_default();
    let update = RuleUpdate {
        name: config.str("Name")?,
        targets: targets(&config)?,
        resolver_endpoint_id: config.id("ResolverEndpointId")?,
    };
    let rule = ctx.state.store.update_resolver_rule(&id, update).await?;
    Ok(json!({"ResolverRule": render(ctx, &rule, None)}))
}

/// DeleteResolverRule: answers the rule with Status DELETING.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_id::<ResolverRuleId>("ResolverRuleId")?;
    let rule = ctx.state.store.delete_resolver_rule(&id).await?;
    Ok(json!({"ResolverRule": render(ctx, &rule, Some(RuleStatus::Deleting))}))
}

/// AssociateResolverRule: answers the association with Status CREATING.
pub async fn associate(ctx: &Ctx) -> Result<Value, AwsError> {
    let rule_id = ctx.input.required_id::<ResolverRuleId>("ResolverRuleId")?;
    let vpc_id = ctx.input.required_str("VPCId")?;
    let name = ctx.input.str("Name")?;
    let assoc = ctx
        .state
        .store
        .associate_resolver_rule(&rule_id, &vpc_id, name)
        .await?;
    Ok(
        json!({"ResolverRuleAssociation": render_association(&assoc, Some(RuleAssociationStatus::Creating))}),
    )
}

/// DisassociateResolverRule: answers the association with Status DELETING.
pub async fn disassociate(ctx: &Ctx) -> Result<Value, AwsError> {
    let rule_id = ctx.input.required_id::<ResolverRuleId>("ResolverRuleId")?;
    let vpc_id = ctx.input.required_str("VPCId")?;
    let assoc = ctx
        .state
        .store
        .disassociate_resolver_rule(&rule_id, &vpc_id)
        .await?;
    Ok(
        json!({"ResolverRuleAssociation": render_association(&assoc, Some(RuleAssociationStatus::Deleting))}),
    )
}

/// Every association the account sees: the autodefined ones of its VPCs, then its own.
fn associations(ctx: &Ctx, net: &cairn_model::network::NetworkContents) -> Vec<RuleAssociation> {
    let mut out: Vec<RuleAssociation> = net
        .vpcs
        .iter()
        .filter(|v| v.owner_account == ctx.account)
        .map(|v| internet_resolver_association(&v.id))
        .collect();
    out.extend(net.rule_associations.iter().cloned());
    out
}

/// GetResolverRuleAssociation.
pub async fn get_association(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx
        .input
        .required_id::<ResolverRuleAssociationId>("ResolverRuleAssociationId")?;
    let net = ctx.network().await?;
    let assoc = associations(ctx, &net)
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ResolverError::NoSuchRuleAssociation(id.to_string()))?;
    Ok(json!({"ResolverRuleAssociation": render_association(&assoc, None)}))
}

/// ListResolverRuleAssociations (Filters Name, ResolverRuleId, Status, VPCId).
pub async fn list_associations(ctx: &Ctx) -> Result<Value, AwsError> {
    let filters = filters(&ctx.input, &["NAME", "RESOLVERRULEID", "STATUS", "VPCID"])?;
    let net = ctx.network().await?;
    let items: Vec<Value> = associations(ctx, &net)
        .iter()
        .filter(|a| {
            passes(&filters, |key| match key {
                "NAME" => a.name.clone().into_iter().collect(),
                "RESOLVERRULEID" => vec![a.rule_id.to_string()],
                "STATUS" => vec![a.status.as_str().to_string()],
                "VPCID" => vec![a.vpc_id.clone()],
                _ => Vec::new(),
            })
        })
        .map(|a| render_association(a, None))
        .collect();
    list_page(ctx, "ResolverRuleAssociations", items, true)
}

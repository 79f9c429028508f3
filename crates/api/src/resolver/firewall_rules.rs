//! DNS Firewall rule groups and their rules: Create/Get/List/DeleteFirewallRuleGroup and
//! Create/Update/Delete/ListFirewallRules. A rule has no id: its group, its domain list and
//! its Qtype address it.

use cairn_model::firewall::{BlockResponse, FirewallRule, FirewallRuleGroup, FirewallStatus};
use cairn_model::firewall_validate::{
    find_rule_group, parse_action, qtype_text, rule_count, NewNamed, RuleRequest,
};
use serde_json::{json, Map, Value};

use super::{list_page, Ctx};
use crate::error::AwsError;
use crate::protocol::json::{rfc3339, JsonInput};

/// `FirewallRuleGroupMetadata`, as ListFirewallRuleGroups shows each group.
fn render_metadata(ctx: &Ctx, g: &FirewallRuleGroup) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Id".into(), json!(g.id));
    out.insert(
        "Arn".into(),
        json!(ctx.arn("firewall-rule-group", &g.id, &g.owner_account)),
    );
    out.insert("Name".into(), json!(g.name));
    out.insert("OwnerId".into(), json!(g.owner_account));
    out.insert("CreatorRequestId".into(), json!(g.creator_request_id));
    out.insert("ShareStatus".into(), json!(g.share_status));
    out
}

/// `FirewallRuleGroup`; `status` replaces the stored one.
fn render(ctx: &Ctx, g: &FirewallRuleGroup, rules: usize, status: Option<FirewallStatus>) -> Value {
    let mut out = render_metadata(ctx, g);
    let status = status.unwrap_or(g.status);
    out.insert("RuleCount".into(), json!(rules));
    out.insert("Status".into(), json!(status));
    let message = match status {
        FirewallStatus::Deleting => "Deleting the Firewall Rule Group",
        _ => "Created Firewall Rule Group",
    };
    out.insert("StatusMessage".into(), json!(message));
    out.insert("CreationTime".into(), json!(rfc3339(g.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(g.modified_at_ms)));
    Value::Object(out)
}

/// `FirewallRule`.
pub fn render_rule(r: &FirewallRule) -> Value {
    let mut out = Map::new();
    out.insert("FirewallRuleGroupId".into(), json!(r.rule_group_id));
    out.insert("FirewallDomainListId".into(), json!(r.domain_list_id));
    out.insert("Name".into(), json!(r.name));
    out.insert("Priority".into(), json!(r.priority));
    out.insert("Action".into(), json!(r.action));
    if let Some(response) = r.block_response {
        out.insert("BlockResponse".into(), json!(response));
    }
    if r.block_response == Some(BlockResponse::Override) {
        if let Some(domain) = &r.block_override_domain {
            out.insert("BlockOverrideDomain".into(), json!(domain));
        }
        out.insert("BlockOverrideDnsType".into(), json!("CNAME"));
        out.insert(
            "BlockOverrideTtl".into(),
            json!(r.block_override_ttl.unwrap_or(0)),
        );
    }
    out.insert("CreatorRequestId".into(), json!(r.creator_request_id));
    out.insert("CreationTime".into(), json!(rfc3339(r.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(r.modified_at_ms)));
    out.insert(
        "FirewallDomainRedirectionAction".into(),
        json!(r.redirection_action),
    );
    if let Some(q) = r.qtype {
        out.insert("Qtype".into(), json!(qtype_text(q)));
    }
    Value::Object(out)
}

/// CreateFirewallRuleGroup.
pub async fn create_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let req = NewNamed {
        creator_request_id: ctx.input.required_str("CreatorRequestId")?,
        name: ctx.input.required_str("Name")?,
        owner_account: ctx.account.clone(),
    };
    let tags = ctx.input.tag_list("Tags")?;
    let group = ctx
        .state
        .store
        .create_firewall_rule_group(req, tags)
        .await?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let rules = rule_count(&fw, &group.id);
    Ok(json!({"FirewallRuleGroup": render(ctx, &group, rules, None)}))
}

/// GetFirewallRuleGroup.
pub async fn get_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupId")?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let group = find_rule_group(&fw, &id)?;
    Ok(json!({"FirewallRuleGroup": render(ctx, group, rule_count(&fw, &id), None)}))
}

/// ListFirewallRuleGroups: the account's, oldest first.
pub async fn list_groups(ctx: &Ctx) -> Result<Value, AwsError> {
    let mut fw = ctx.state.store.firewall_metadata().await?;
    fw.rule_groups.retain(|g| g.owner_account == ctx.account);
    fw.rule_groups
        .sort_by_key(|g| (g.created_at_ms, g.id.clone()));
    let items = fw
        .rule_groups
        .iter()
        .map(|g| Value::Object(render_metadata(ctx, g)))
        .collect();
    list_page(ctx, "FirewallRuleGroups", items, false)
}

/// DeleteFirewallRuleGroup: answers the group with Status DELETING.
pub async fn delete_group(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupId")?;
    let group = ctx.state.store.delete_firewall_rule_group(&id).await?;
    Ok(json!({"FirewallRuleGroup": render(ctx, &group, 0, Some(FirewallStatus::Deleting))}))
}

/// The fields Create and UpdateFirewallRule share.
fn rule_request(input: &JsonInput) -> Result<RuleRequest, AwsError> {
    Ok(RuleRequest {
        creator_request_id: String::new(),
        rule_group_id: input.required_str("FirewallRuleGroupId")?,
        domain_list_id: input.str("FirewallDomainListId")?.unwrap_or_default(),
        qtype: input.str("Qtype")?,
        priority: input.int("Priority")?,
        action: input.str("Action")?,
        block_response: input.str("BlockResponse")?,
        block_override_domain: input.str("BlockOverrideDomain")?,
        block_override_dns_type: input.str("BlockOverrideDnsType")?,
        block_override_ttl: input.int("BlockOverrideTtl")?,
        name: input.str("Name")?,
        redirection_action: input.str("FirewallDomainRedirectionAction")?,
    })
}

/// CreateFirewallRule.
pub async fn create_rule(ctx: &Ctx) -> Result<Value, AwsError> {
    let mut req = rule_request(&ctx.input)?;
    req.creator_request_id = ctx.input.required_str("CreatorRequestId")?;
    // Required by the model; absent ones are refused as AWS's SDK validation would.
    req.domain_list_id = ctx.input.required_str("FirewallDomainListId")?;
    ctx.input.required_str("Action")?;
    ctx.input.required_str("Name")?;
    if req.priority.is_none() {
        ctx.input.required_str("Priority")?;
    }
    let rule = ctx.state.store.create_firewall_rule(req).await?;
    Ok(json!({"FirewallRule": render_rule(&rule)}))
}

/// UpdateFirewallRule.
pub async fn update_rule(ctx: &Ctx) -> Result<Value, AwsError> {
    let mut req = rule_request(&ctx.input)?;
    req.domain_list_id = ctx.input.required_str("FirewallDomainListId")?;
    let rule = ctx.state.store.update_firewall_rule(req).await?;
    Ok(json!({"FirewallRule": render_rule(&rule)}))
}

/// DeleteFirewallRule.
pub async fn delete_rule(ctx: &Ctx) -> Result<Value, AwsError> {
    let group = ctx.input.required_str("FirewallRuleGroupId")?;
    let list = ctx.input.required_str("FirewallDomainListId")?;
    let qtype = ctx.input.str("Qtype")?;
    let rule = ctx
        .state
        .store
        .delete_firewall_rule(&group, &list, qtype)
        .await?;
    Ok(json!({"FirewallRule": render_rule(&rule)}))
}

/// ListFirewallRules: one group's rules by priority, filtered by Priority and Action
/// (Priority 0 is a filter like any other value).
pub async fn list_rules(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupId")?;
    let priority = ctx.input.int("Priority")?;
    let action = ctx
        .input
        .str("Action")?
        .map(|a| parse_action(&a))
        .transpose()?;
    let fw = ctx.state.store.firewall_metadata().await?;
    find_rule_group(&fw, &id)?;
    let mut rules: Vec<&FirewallRule> = fw
        .rules
        .iter()
        .filter(|r| r.rule_group_id == id)
        .filter(|r| priority.is_none_or(|p| i64::from(r.priority) == p))
        .filter(|r| action.is_none_or(|a| r.action == a))
        .collect();
    rules.sort_by_key(|r| r.priority);
    let items = rules.into_iter().map(render_rule).collect();
    list_page(ctx, "FirewallRules", items, false)
}

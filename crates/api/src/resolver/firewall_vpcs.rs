//! DNS Firewall in VPCs: rule-group associations
//! (Associate/Disassociate/Get/List/UpdateFirewallRuleGroupAssociation) and firewall configs
//! (Get/List/UpdateFirewallConfig). A VPC never updated has the default config, fail
//! closed (DISABLED), which Get and List show as Route 53 does.

use cairn_model::firewall::{FirewallConfig, FirewallRuleGroupAssociation, FirewallStatus};
use cairn_model::firewall_validate::{
    find_association, firewall_config, AssociationUpdate, FirewallError, NewAssociation,
};
use serde_json::{json, Map, Value};

use super::{list_page, Ctx};
use crate::error::AwsError;
use crate::protocol::json::rfc3339;

/// `FirewallRuleGroupAssociation`; `status` replaces the stored one.
fn render(ctx: &Ctx, a: &FirewallRuleGroupAssociation, status: Option<FirewallStatus>) -> Value {
    let status = status.unwrap_or(a.status);
    let mut out = Map::new();
    out.insert("Id".into(), json!(a.id));
    out.insert(
        "Arn".into(),
        json!(ctx.arn("firewall-rule-group-association", &a.id, &a.owner_account)),
    );
    out.insert("FirewallRuleGroupId".into(), json!(a.rule_group_id));
    out.insert("VpcId".into(), json!(a.vpc_id));
    out.insert("Name".into(), json!(a.name));
    out.insert("Priority".into(), json!(a.priority));
    out.insert("MutationProtection".into(), json!(a.mutation_protection));
    out.insert("Status".into(), json!(status));
    let message = match status {
        FirewallStatus::Deleting => "Deleting the Firewall Rule Group Association",
        FirewallStatus::Updating => "Updating the Firewall Rule Group Association",
        FirewallStatus::Complete => "Finished rule group association update",
    };
    out.insert("StatusMessage".into(), json!(message));
    out.insert("CreatorRequestId".into(), json!(a.creator_request_id));
    out.insert("CreationTime".into(), json!(rfc3339(a.created_at_ms)));
    out.insert("ModificationTime".into(), json!(rfc3339(a.modified_at_ms)));
    Value::Object(out)
}

/// AssociateFirewallRuleGroup.
pub async fn associate(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let priority = match input.int("Priority")? {
        Some(p) => p,
        None => {
            input.required_str("Priority")?;
            0
        }
    };
    let req = NewAssociation {
        creator_request_id: input.required_str("CreatorRequestId")?,
        rule_group_id: input.required_str("FirewallRuleGroupId")?,
        vpc_id: input.required_str("VpcId")?,
        priority,
        name: input.required_str("Name")?,
        mutation_protection: input.str("MutationProtection")?,
        owner_account: ctx.account.clone(),
    };
    let tags = input.tag_list("Tags")?;
    let assoc = ctx
        .state
        .store
        .associate_firewall_rule_group(req, tags)
        .await?;
    Ok(json!({"FirewallRuleGroupAssociation": render(ctx, &assoc, None)}))
}

/// DisassociateFirewallRuleGroup: answers the association with Status DELETING.
pub async fn disassociate(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupAssociationId")?;
    let assoc = ctx
        .state
        .store
        .disassociate_firewall_rule_group(&id)
        .await?;
    Ok(json!({"FirewallRuleGroupAssociation": render(ctx, &assoc, Some(FirewallStatus::Deleting))}))
}

/// UpdateFirewallRuleGroupAssociation.
pub async fn update(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupAssociationId")?;
    let update = AssociationUpdate {
        priority: ctx.input.int("Priority")?,
        mutation_protection: ctx.input.str("MutationProtection")?,
        name: ctx.input.str("Name")?,
    };
    let assoc = ctx
        .state
        .store
        .update_firewall_rule_group_association(&id, update)
        .await?;
    Ok(json!({"FirewallRuleGroupAssociation": render(ctx, &assoc, None)}))
}

/// GetFirewallRuleGroupAssociation.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let id = ctx.input.required_str("FirewallRuleGroupAssociationId")?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let assoc = find_association(&fw, &id)?;
    Ok(json!({"FirewallRuleGroupAssociation": render(ctx, assoc, None)}))
}

/// ListFirewallRuleGroupAssociations, filtered by FirewallRuleGroupId, VpcId, Priority and
/// Status; by VPC, then priority.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let group = ctx.input.str("FirewallRuleGroupId")?;
    let vpc = ctx.input.str("VpcId")?;
    let priority = ctx.input.int("Priority")?;
    let status = ctx.input.str("Status")?;
    let mut fw = ctx.state.store.firewall_metadata().await?;
    fw.associations.retain(|a| {
        a.owner_account == ctx.account
            && group.as_ref().is_none_or(|g| *g == a.rule_group_id)
            && vpc.as_ref().is_none_or(|v| *v == a.vpc_id)
            && priority.is_none_or(|p| p == i64::from(a.priority))
            && status.as_deref().is_none_or(|s| s == a.status.as_str())
    });
    fw.associations
        .sort_by(|a, b| (&a.vpc_id, a.priority).cmp(&(&b.vpc_id, b.priority)));
    let items = fw
        .associations
        .iter()
        .map(|a| render(ctx, a, None))
        .collect();
    list_page(ctx, "FirewallRuleGroupAssociations", items, false)
}

/// `FirewallConfig`.
fn render_config(c: &FirewallConfig) -> Value {
    json!({
        "Id": c.id,
        "ResourceId": c.vpc_id,
        "OwnerId": c.owner_account,
        "FirewallFailOpen": c.fail_open,
    })
}

/// GetFirewallConfig: the VPC's config, the default one when never updated.
pub async fn get_config(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let net = ctx.network().await?;
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| FirewallError::NoSuchResource(vpc_id.clone()))?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let config = firewall_config(&fw, &vpc_id, &vpc.owner_account);
    Ok(json!({"FirewallConfig": render_config(&config)}))
}

/// ListFirewallConfigs: one per VPC of the account.
pub async fn list_configs(ctx: &Ctx) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    let fw = ctx.state.store.firewall_metadata().await?;
    let items = net
        .vpcs
        .iter()
        .filter(|v| v.owner_account == ctx.account)
        .map(|v| render_config(&firewall_config(&fw, &v.id, &v.owner_account)))
        .collect();
    list_page(ctx, "FirewallConfigs", items, false)
}

/// UpdateFirewallConfig.
pub async fn update_config(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let fail_open = ctx.input.required_str("FirewallFailOpen")?;
    let config = ctx
        .state
        .store
        .update_firewall_config(&vpc_id, &fail_open)
        .await?;
    Ok(json!({"FirewallConfig": render_config(&config)}))
}

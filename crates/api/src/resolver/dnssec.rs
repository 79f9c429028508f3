//! Per-VPC DNSSEC validation (Get/Update/ListResolverDnssecConfig(s), issue 18). The
//! response key is `ResolverDNSSECConfig`, capitalised as AWS spells it; the list's is
//! `ResolverDnssecConfigs`.

use cairn_model::resolver::VpcDnssecConfig;
use cairn_model::resolver_validate::{
    dnssec_config, dnssec_config_id, parse_dnssec_validation_flag, ResolverError,
};
use serde_json::{json, Value};

use super::{list_page, Ctx};
use crate::error::AwsError;

/// `ResolverDnssecConfig`; `status` replaces ENABLED/DISABLED (ENABLING/DISABLING after an
/// update, as AWS answers while the change spreads; Cairn's data plane has it within a
/// reload, so the next read shows the settled value).
fn render(c: &VpcDnssecConfig, status: Option<&str>) -> Value {
    let settled = if c.validation { "ENABLED" } else { "DISABLED" };
    json!({
        "Id": dnssec_config_id(&c.resource_id),
        "OwnerId": c.owner_account,
        "ResourceId": c.resource_id,
        "ValidationStatus": status.unwrap_or(settled),
    })
}

/// GetResolverDnssecConfig: the VPC's config (DISABLED when never updated).
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let net = ctx.network().await?;
    let vpc = net
        .vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| ResolverError::NoSuchVpc(vpc_id.to_string()))?;
    let config = dnssec_config(&net, &vpc_id, &vpc.owner_account);
    Ok(json!({"ResolverDNSSECConfig": render(&config, None)}))
}

/// UpdateResolverDnssecConfig: answers ENABLING or DISABLING; reads then show the settled
/// value.
pub async fn update(ctx: &Ctx) -> Result<Value, AwsError> {
    let vpc_id = ctx.input.required_str("ResourceId")?;
    let flag = parse_dnssec_validation_flag(&ctx.input.required_str("Validation")?)?;
    let config = ctx
        .state
        .store
        .update_resolver_dnssec_config(&vpc_id, flag)
        .await?;
    let status = if config.validation {
        "ENABLING"
    } else {
        "DISABLING"
    };
    Ok(json!({"ResolverDNSSECConfig": render(&config, Some(status))}))
}

/// ListResolverDnssecConfigs: one per VPC of the account.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let net = ctx.network().await?;
    let items = net
        .vpcs
        .iter()
        .filter(|v| v.owner_account == ctx.account)
        .map(|v| render(&dnssec_config(&net, &v.id, &v.owner_account), None))
        .collect();
    list_page(ctx, "ResolverDnssecConfigs", items, false)
}

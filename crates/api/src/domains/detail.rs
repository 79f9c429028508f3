//! GetDomainDetail, ListDomains, UpdateDomainNameservers, UpdateDomainContact and the
//! auto-renew and transfer-lock switches.

use std::net::IpAddr;

use cairn_model::domains::{Nameserver, OperationType, RegisteredDomain};
use cairn_model::DomainName;
use serde_json::{json, Value};

use super::registration::{contact, render_contact};
use super::{
    domain_name, invalid_input, new_operation, now_ms, operation_id, owned_domain, registry,
    unsupported_tld, Ctx,
};
use crate::error::AwsError;
use crate::protocol::json::epoch_seconds;

/// `RegistrarName` of every Cairn registration.
pub const REGISTRAR_NAME: &str = "Cairn";
/// The EPP status a transfer lock shows.
pub const TRANSFER_PROHIBITED: &str = "clientTransferProhibited";
/// The most name servers a domain may have.
const MAX_NAMESERVERS: usize = 13;

/// GetDomainDetail.
pub async fn get(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let domain = owned_domain(ctx, &name).await?;
    let signed = !registry::ds_records(&ctx.state, &name).await?.is_empty();
    let nameservers: Vec<Value> = domain
        .nameservers
        .iter()
        .map(|ns| json!({ "Name": ns.name, "GlueIps": ns.glue_ips }))
        .collect();
    let status: Vec<&str> = if domain.transfer_lock {
        vec![TRANSFER_PROHIBITED]
    } else {
        Vec::new()
    };
    Ok(json!({
        "DomainName": domain.name,
        "Nameservers": nameservers,
        "AutoRenew": domain.auto_renew,
        "AdminContact": render_contact(&domain.admin),
        "RegistrantContact": render_contact(&domain.registrant),
        "TechContact": render_contact(&domain.tech),
        "BillingContact": render_contact(&domain.billing),
        "AdminPrivacy": domain.privacy[0],
        "RegistrantPrivacy": domain.privacy[1],
        "TechPrivacy": domain.privacy[2],
        "BillingPrivacy": domain.privacy[3],
        "RegistrarName": REGISTRAR_NAME,
        "CreationDate": epoch_seconds(domain.created_ms),
        "UpdatedDate": epoch_seconds(domain.updated_ms),
        "ExpirationDate": epoch_seconds(domain.expires_ms),
        "DnsSec": if signed { "ENABLED" } else { "DISABLED" },
        "StatusList": status,
    }))
}

/// ListDomains: `FilterConditions` (DomainName BEGINS_WITH, Expiry LE/GE in epoch
/// seconds), `SortCondition` (DomainName or Expiry), paged by `Marker` and `MaxItems`.
pub async fn list(ctx: &Ctx) -> Result<Value, AwsError> {
    let mut domains = ctx
        .state
        .store
        .list_registered_domains(&ctx.account)
        .await?;
    for filter in ctx.input.objects("FilterConditions")?.unwrap_or_default() {
        let field = filter.required_str("Name")?;
        let operator = filter.required_str("Operator")?;
        let values = filter.strings("Values")?.unwrap_or_default();
        let Some(value) = values.first() else {
            return Err(invalid_input("A filter condition needs one value."));
        };
        match (field.as_str(), operator.as_str()) {
            ("DomainName", "BEGINS_WITH") => {
                let prefix = value.to_ascii_lowercase();
                domains.retain(|d| d.name.starts_with(&prefix));
            }
            ("Expiry", "LE" | "GE") => {
                let bound = value
                    .parse::<f64>()
                    .map(|s| (s * 1000.0) as i64)
                    .map_err(|_| invalid_input(format!("Expiry value {value} is not valid.")))?;
                domains.retain(|d| match operator.as_str() {
                    "LE" => d.expires_ms <= bound,
                    _ => d.expires_ms >= bound,
                });
            }
            _ => {
                return Err(invalid_input(format!(
                    "Operator {operator} cannot be used with {field}."
                )))
            }
        }
    }
    if let Some(sort) = ctx.input.object("SortCondition")? {
        let field = sort.required_str("Name")?;
        let order = sort.required_str("SortOrder")?;
        match field.as_str() {
            "DomainName" => domains.sort_by(|a, b| a.name.cmp(&b.name)),
            "Expiry" => domains.sort_by_key(|d| (d.expires_ms, d.name.clone())),
            other => return Err(invalid_input(format!("Cannot sort by {other}."))),
        }
        if order == "DESC" {
            domains.reverse();
        }
    }
    let summaries: Vec<Value> = domains
        .iter()
        .map(|d| {
            json!({
                "DomainName": d.name,
                "AutoRenew": d.auto_renew,
                "TransferLock": d.transfer_lock,
                "Expiry": epoch_seconds(d.expires_ms),
            })
        })
        .collect();
    let (page, next) = super::page(&ctx.input, &summaries)?;
    let mut out = json!({ "Domains": page });
    if let Some(next) = next {
        out["NextPageMarker"] = next.into();
    }
    Ok(out)
}

/// UpdateDomainNameservers: the TLD zone delegates to the new servers (glue for those
/// inside the domain, where `GlueIps` is then required).
pub async fn update_nameservers(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let servers = nameservers(ctx, &name)?;
    let mut domain = owned_domain(ctx, &name).await?;
    let previous = std::mem::replace(&mut domain.nameservers, servers.clone());
    let now = now_ms();
    domain.updated_ms = now;
    let operation = new_operation(ctx, &name, OperationType::UpdateNameserver, now);
    save(ctx, domain, Some(operation.clone())).await?;
    registry::sync_delegation(&ctx.state, &name, &previous, &servers).await?;
    Ok(operation_id(&operation))
}

/// UpdateDomainContact: replaces each contact the request gives.
pub async fn update_contact(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let mut domain = owned_domain(ctx, &name).await?;
    let mut any = false;
    for (member, slot) in [
        ("AdminContact", &mut domain.admin),
        ("RegistrantContact", &mut domain.registrant),
        ("TechContact", &mut domain.tech),
        ("BillingContact", &mut domain.billing),
    ] {
        if let Some(contact) = contact(ctx, member)? {
            *slot = contact;
            any = true;
        }
    }
    if !any {
        return Err(invalid_input("At least one contact must be given."));
    }
    let now = now_ms();
    domain.updated_ms = now;
    let operation = new_operation(ctx, &name, OperationType::UpdateDomainContact, now);
    save(ctx, domain, Some(operation.clone())).await?;
    Ok(operation_id(&operation))
}

/// Enable/DisableDomainAutoRenew: answers `{}` (Route 53 returns no operation for them).
pub async fn set_auto_renew(ctx: &Ctx, on: bool) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let mut domain = owned_domain(ctx, &name).await?;
    domain.auto_renew = on;
    let now = now_ms();
    domain.updated_ms = now;
    let kind = if on {
        OperationType::EnableAutorenew
    } else {
        OperationType::DisableAutorenew
    };
    save(ctx, domain, Some(new_operation(ctx, &name, kind, now))).await?;
    Ok(json!({}))
}

/// Enable/DisableDomainTransferLock: `clientTransferProhibited` in the status list.
pub async fn set_transfer_lock(ctx: &Ctx, on: bool) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let mut domain = owned_domain(ctx, &name).await?;
    domain.transfer_lock = on;
    let now = now_ms();
    domain.updated_ms = now;
    let operation = new_operation(ctx, &name, OperationType::DomainLock, now);
    save(ctx, domain, Some(operation.clone())).await?;
    Ok(operation_id(&operation))
}

async fn save(
    ctx: &Ctx,
    domain: RegisteredDomain,
    operation: Option<cairn_model::domains::DomainOperation>,
) -> Result<(), AwsError> {
    let name = domain.name.clone();
    if ctx
        .state
        .store
        .update_registered_domain(domain, operation)
        .await?
    {
        Ok(())
    } else {
        Err(invalid_input(format!(
            "Domain {name} isn't registered in the current account"
        )))
    }
}

/// The `Nameservers` member, checked: 1 to 13 servers, names of `[a-zA-Z0-9_\-.]`, glue
/// (at most one IPv4 and one IPv6 address) exactly for the servers inside the domain.
fn nameservers(ctx: &Ctx, domain: &str) -> Result<Vec<Nameserver>, AwsError> {
    let items = ctx
        .input
        .objects("Nameservers")?
        .ok_or_else(|| invalid_input("Nameservers is required."))?;
    if items.is_empty() || items.len() > MAX_NAMESERVERS {
        return Err(invalid_input(format!(
            "A domain has 1 to {MAX_NAMESERVERS} name servers."
        )));
    }
    let apex = DomainName::from_route53(domain).map_err(|e| invalid_input(e.to_string()))?;
    let mut out = Vec::new();
    for item in items {
        let text = item.required_str("Name")?;
        let host = text.trim_end_matches('.').to_ascii_lowercase();
        let parsed = (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .then(|| DomainName::from_route53(&host).ok())
        .flatten()
        .ok_or_else(|| invalid_input(format!("Name server {text} is not a valid host name.")))?;
        let glue_ips = item.strings("GlueIps")?.unwrap_or_default();
        let addrs = glue_ips
            .iter()
            .map(|ip| {
                ip.parse::<IpAddr>()
                    .map_err(|_| invalid_input(format!("Glue IP {ip} is not a valid address.")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let v4 = addrs.iter().filter(|a| a.is_ipv4()).count();
        if v4 > 1 || addrs.len() - v4 > 1 {
            return Err(invalid_input(format!(
                "Name server {host} may have at most one IPv4 and one IPv6 glue address."
            )));
        }
        let inside = parsed.is_subdomain_of(&apex);
        if inside && addrs.is_empty() {
            return Err(invalid_input(format!(
                "Name server {host} is inside {domain}: it needs glue IPs."
            )));
        }
        if !inside && !addrs.is_empty() {
            return Err(invalid_input(format!(
                "Name server {host} is not inside {domain}: glue IPs are not allowed."
            )));
        }
        if out.iter().any(|n: &Nameserver| n.name == host) {
            return Err(invalid_input(format!(
                "Name server {host} is listed twice."
            )));
        }
        out.push(Nameserver {
            name: host,
            glue_ips: addrs.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(out)
}

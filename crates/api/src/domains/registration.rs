//! CheckDomainAvailability, RegisterDomain, DeleteDomain and ListPrices.

use cairn_model::domains::{Contact, Nameserver, OperationType, RegisteredDomain};
use cairn_model::{defaults, DomainName, HostedZoneId};
use cairn_store::NewHostedZone;
use serde_json::{json, Value};

use super::{
    domain_limit_exceeded, domain_name, invalid_input, new_operation, now_ms, operation_id,
    owned_domain, registry, unsupported_tld, Ctx, MAX_DOMAINS_PER_ACCOUNT,
};
use crate::error::AwsError;

/// The comment Route 53 gives the hosted zone a registration creates.
pub const ZONE_COMMENT: &str = "HostedZone created by Route53 Registrar";

/// Milliseconds in the 365-day year registrations are counted in.
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

/// The contact members kept (all text; `ExtraParams` apart).
const CONTACT_FIELDS: [&str; 13] = [
    "FirstName",
    "LastName",
    "ContactType",
    "OrganizationName",
    "AddressLine1",
    "AddressLine2",
    "City",
    "State",
    "CountryCode",
    "ZipCode",
    "PhoneNumber",
    "Email",
    "Fax",
];

/// CheckDomainAvailability: `AVAILABLE`, or `UNAVAILABLE` once registered; a name under no
/// registry TLD is `UnsupportedTLD`, one that is the TLD itself or deeper than one label
/// below it `INVALID_NAME_FOR_TLD`.
pub async fn check_availability(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    let availability = match registry::tld_of(&ctx.state, &name) {
        Ok(_) => match ctx.state.store.registered_domain(&name).await? {
            Some(_) => "UNAVAILABLE",
            None => "AVAILABLE",
        },
        Err(_) if under_a_registry_tld(ctx, &name) => "INVALID_NAME_FOR_TLD",
        Err(tld) => return Err(unsupported_tld(&tld)),
    };
    Ok(json!({ "Availability": availability }))
}

fn under_a_registry_tld(ctx: &Ctx, name: &str) -> bool {
    DomainName::from_route53(name).is_ok_and(|n| {
        ctx.state
            .config
            .registry_tlds
            .iter()
            .any(|tld| n.is_subdomain_of(tld))
    })
}

/// RegisterDomain: creates the domain's public hosted zone (as Route 53 does), registers
/// the zone's name servers, delegates to them from the TLD zone and answers the operation.
pub async fn register(ctx: &Ctx) -> Result<Value, AwsError> {
    let input = &ctx.input;
    let name = domain_name(input)?;
    let years = input
        .int("DurationInYears")?
        .ok_or_else(|| invalid_input("DurationInYears is required."))?;
    if !(1..=10).contains(&years) {
        return Err(invalid_input(format!(
            "DurationInYears {years} is not valid: a domain is registered for 1 to 10 years."
        )));
    }
    let tld = registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let admin = required_contact(ctx, "AdminContact")?;
    let registrant = required_contact(ctx, "RegistrantContact")?;
    let tech = required_contact(ctx, "TechContact")?;
    let billing = contact(ctx, "BillingContact")?.unwrap_or_else(|| admin.clone());
    let privacy = [
        privacy(ctx, "PrivacyProtectAdminContact")?,
        privacy(ctx, "PrivacyProtectRegistrantContact")?,
        privacy(ctx, "PrivacyProtectTechContact")?,
        privacy(ctx, "PrivacyProtectBillingContact")?,
    ];
    let auto_renew = input.bool("AutoRenew")?.unwrap_or(true);

    if ctx.state.store.registered_domain(&name).await?.is_some() {
        return Err(invalid_input(format!("Domain {name} is not available.")));
    }
    let held = ctx
        .state
        .store
        .list_registered_domains(&ctx.account)
        .await?;
    if held.len() >= MAX_DOMAINS_PER_ACCOUNT {
        return Err(domain_limit_exceeded());
    }

    let now = now_ms();
    let operation = new_operation(ctx, &name, OperationType::RegisterDomain, now);
    let apex = DomainName::from_route53(&name).map_err(|e| invalid_input(e.to_string()))?;
    let name_servers = ctx.state.config.name_servers.clone();
    let (zone, _) = ctx
        .state
        .store
        .create_hosted_zone(NewHostedZone {
            initial_record_sets: defaults::apex_records(&apex, &name_servers),
            name: apex,
            caller_reference: format!("RISWorkflow-RD:{}", operation.id),
            comment: Some(ZONE_COMMENT.into()),
            has_config: true,
            private_zone: false,
            delegation_set_id: None,
            name_servers,
        })
        .await?;
    let nameservers: Vec<Nameserver> = zone
        .name_servers
        .iter()
        .map(|ns| Nameserver {
            name: ns.to_route53().trim_end_matches('.').to_string(),
            glue_ips: Vec::new(),
        })
        .collect();
    let domain = RegisteredDomain {
        name: name.clone(),
        account: ctx.account.clone(),
        hosted_zone_id: Some(zone.id.as_str().to_string()),
        nameservers: nameservers.clone(),
        auto_renew,
        transfer_lock: true,
        admin,
        registrant,
        tech,
        billing,
        privacy,
        created_ms: now,
        updated_ms: now,
        expires_ms: now + years * YEAR_MS,
    };
    if !ctx
        .state
        .store
        .register_domain(domain, operation.clone())
        .await?
    {
        // Registered by another request in the meantime: undo the zone made for this one.
        let _ = ctx
            .state
            .store
            .delete_hosted_zone(&HostedZoneId::parse(zone.id.as_str()))
            .await;
        return Err(invalid_input(format!("Domain {name} is not available.")));
    }
    registry::sync_delegation(&ctx.state, &name, &[], &nameservers).await?;
    tracing::info!(domain = %name, tld = %tld.to_route53(), zone = %zone.id, "domain registered");
    Ok(operation_id(&operation))
}

/// DeleteDomain: the registration and the TLD's delegation (NS, glue, DS) go; the hosted
/// zone stays, as on Route 53.
pub async fn delete(ctx: &Ctx) -> Result<Value, AwsError> {
    let name = domain_name(&ctx.input)?;
    registry::tld_of(&ctx.state, &name).map_err(|tld| unsupported_tld(&tld))?;
    let domain = owned_domain(ctx, &name).await?;
    let operation = new_operation(ctx, &name, OperationType::DeleteDomain, now_ms());
    if !ctx
        .state
        .store
        .delete_registered_domain(&name, operation.clone())
        .await?
    {
        return Err(invalid_input(format!(
            "Domain {name} isn't registered in the current account"
        )));
    }
    registry::sync_delegation(&ctx.state, &name, &domain.nameservers, &[]).await?;
    Ok(operation_id(&operation))
}

/// ListPrices: every registry TLD costs nothing (`Tld` narrows to one).
pub async fn list_prices(ctx: &Ctx) -> Result<Value, AwsError> {
    let tlds: Vec<String> = ctx
        .state
        .config
        .registry_tlds
        .iter()
        .map(|t| t.to_route53().trim_end_matches('.').to_string())
        .collect();
    let wanted = match ctx.input.str("Tld")? {
        Some(tld) => {
            let tld = tld.trim_start_matches('.').to_ascii_lowercase();
            if !tlds.contains(&tld) {
                return Err(unsupported_tld(&tld));
            }
            vec![tld]
        }
        None => tlds,
    };
    let free = json!({ "Price": 0.0, "Currency": "USD" });
    let prices: Vec<Value> = wanted
        .iter()
        .map(|tld| {
            json!({
                "Name": tld,
                "RegistrationPrice": free,
                "TransferPrice": free,
                "RenewalPrice": free,
                "ChangeOwnershipPrice": free,
                "RestorationPrice": free,
            })
        })
        .collect();
    let (page, next) = super::page(&ctx.input, &prices)?;
    let mut out = json!({ "Prices": page });
    if let Some(next) = next {
        out["NextPageMarker"] = next.into();
    }
    Ok(out)
}

//------------ contacts ------------------------------------------------------------------

fn required_contact(ctx: &Ctx, member: &str) -> Result<Contact, AwsError> {
    contact(ctx, member)?.ok_or_else(|| invalid_input(format!("{member} is required.")))
}

/// A `ContactDetail` member: its text members as given, and `ExtraParams`.
pub fn contact(ctx: &Ctx, member: &str) -> Result<Option<Contact>, AwsError> {
    let Some(detail) = ctx.input.object(member)? else {
        return Ok(None);
    };
    let mut fields = Vec::new();
    for field in CONTACT_FIELDS {
        if let Some(value) = detail.str(field)? {
            fields.push((field.to_string(), value));
        }
    }
    let mut extra_params = Vec::new();
    for param in detail.objects("ExtraParams")?.unwrap_or_default() {
        extra_params.push((param.required_str("Name")?, param.required_str("Value")?));
    }
    Ok(Some(Contact {
        fields,
        extra_params,
    }))
}

/// A contact as `ContactDetail`.
pub fn render_contact(contact: &Contact) -> Value {
    let mut out = serde_json::Map::new();
    for (name, value) in &contact.fields {
        out.insert(name.clone(), value.clone().into());
    }
    if !contact.extra_params.is_empty() {
        let params: Vec<Value> = contact
            .extra_params
            .iter()
            .map(|(name, value)| json!({ "Name": name, "Value": value }))
            .collect();
        out.insert("ExtraParams".into(), params.into());
    }
    Value::Object(out)
}

/// A `PrivacyProtect…Contact` member: on unless the request turns it off, as on Route 53.
fn privacy(ctx: &Ctx, member: &str) -> Result<bool, AwsError> {
    Ok(ctx.input.bool(member)?.unwrap_or(true))
}

//! Rules: a group's entries, addressed by group, domain list and Qtype.

use super::*;

/// The action and block fields, checked together: BLOCK needs a response, OVERRIDE needs
/// all three override fields (CNAME, TTL 0–604800), other actions take none.
#[allow(clippy::type_complexity)]
fn check_action(
    action: FirewallAction,
    block_response: Option<&str>,
    domain: Option<&str>,
    dns_type: Option<&str>,
    ttl: Option<i64>,
) -> FirewallResult<(Option<BlockResponse>, Option<String>, Option<u32>)> {
    let response = block_response
        .map(|t| parse_enum(FirewallField::BlockResponse, t, BlockResponse::parse))
        .transpose()?;
    if let Some(t) = dns_type {
        if t != "CNAME" {
            return Err(not_in(FirewallField::BlockOverrideDnsType, t));
        }
    }
    if let Some(ttl) = ttl {
        if !(0..=MAX_OVERRIDE_TTL).contains(&ttl) {
            return Err(FirewallError::OverrideTtl(ttl));
        }
    }
    if let Some(d) = domain {
        if d.is_empty() || d.len() > 255 {
            return Err(FirewallError::OverrideDomain(d.to_string()));
        }
    }
    match (action, response) {
        (FirewallAction::Block, None) => Err(FirewallError::BlockResponseRequired),
        (FirewallAction::Block, Some(BlockResponse::Override)) => match (domain, dns_type, ttl) {
            (Some(d), Some(_), Some(ttl)) => Ok((
                Some(BlockResponse::Override),
                Some(d.to_string()),
                Some(ttl as u32),
            )),
            _ => Err(FirewallError::OverrideFieldsRequired),
        },
        // NODATA and NXDOMAIN ignore override fields, as Route 53 does.
        (FirewallAction::Block, Some(r)) => Ok((Some(r), None, None)),
        (other, Some(_)) => Err(FirewallError::BlockResponseNotAllowed(
            other.as_str().to_string(),
        )),
        (_, None) => Ok((None, None, None)),
    }
}

fn check_rule_priority(priority: i64) -> FirewallResult<i32> {
    i32::try_from(priority)
        .ok()
        .filter(|p| *p >= 0)
        .ok_or(FirewallError::RulePriority(priority))
}

fn check_priority_free(
    fw: &FirewallContents,
    group: &str,
    priority: i32,
    except: Option<(&str, Option<u16>)>,
) -> FirewallResult<()> {
    let taken = fw.rules.iter().any(|r| {
        r.rule_group_id == group
            && r.priority == priority
            && except != Some((r.domain_list_id.as_str(), r.qtype))
    });
    if taken {
        return Err(FirewallError::DuplicateRulePriority {
            group: group.to_string(),
            priority: i64::from(priority),
        });
    }
    Ok(())
}

/// CreateFirewallRule.
pub fn create_rule(
    fw: &FirewallContents,
    req: RuleRequest,
    now_ms: i64,
) -> FirewallResult<FirewallRule> {
    find_rule_group(fw, &req.rule_group_id)?;
    find_domain_list(fw, &req.domain_list_id)?;
    let name = req.name.unwrap_or_default();
    check_name(&name)?;
    let qtype = parse_optional_qtype(req.qtype.as_deref())?;
    let priority = check_rule_priority(req.priority.unwrap_or_default())?;
    let action = parse_action(req.action.as_deref().unwrap_or_default())?;
    let (block_response, block_override_domain, block_override_ttl) = check_action(
        action,
        req.block_response.as_deref(),
        req.block_override_domain.as_deref(),
        req.block_override_dns_type.as_deref(),
        req.block_override_ttl,
    )?;
    let redirection_action = match req.redirection_action.as_deref() {
        Some(t) => parse_enum(
            FirewallField::RedirectionAction,
            t,
            RedirectionAction::parse,
        )?,
        None => RedirectionAction::Inspect,
    };
    if fw.rules.iter().any(|r| {
        r.rule_group_id == req.rule_group_id
            && r.domain_list_id == req.domain_list_id
            && r.qtype == qtype
    }) {
        return Err(FirewallError::RuleExists {
            group: req.rule_group_id,
            domain_list: req.domain_list_id,
        });
    }
    check_priority_free(fw, &req.rule_group_id, priority, None)?;
    if rule_count(fw, &req.rule_group_id) >= MAX_RULES_PER_GROUP {
        return Err(FirewallError::TooManyRules(req.rule_group_id));
    }
    Ok(FirewallRule {
        rule_group_id: req.rule_group_id,
        domain_list_id: req.domain_list_id,
        name,
        priority,
        action,
        block_response,
        block_override_domain,
        block_override_ttl,
        redirection_action,
        qtype,
        creator_request_id: req.creator_request_id,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    })
}

/// UpdateFirewallRule: the rule its group, list and Qtype address, with the fields given
/// replaced; the action and block fields are checked again as a whole.
pub fn update_rule(
    fw: &FirewallContents,
    req: RuleRequest,
    now_ms: i64,
) -> FirewallResult<FirewallRule> {
    let mut rule = find_rule(
        fw,
        &req.rule_group_id,
        &req.domain_list_id,
        req.qtype.as_deref(),
    )?
    .clone();
    if let Some(name) = req.name {
        check_name(&name)?;
        rule.name = name;
    }
    if let Some(p) = req.priority {
        let p = check_rule_priority(p)?;
        check_priority_free(
            fw,
            &rule.rule_group_id,
            p,
            Some((&rule.domain_list_id, rule.qtype)),
        )?;
        rule.priority = p;
    }
    let action = match req.action.as_deref() {
        Some(t) => parse_action(t)?,
        None => rule.action,
    };
    let response = req
        .block_response
        .or_else(|| rule.block_response.map(|r| r.as_str().to_string()));
    let domain = req
        .block_override_domain
        .or_else(|| rule.block_override_domain.clone());
    let dns_type = req
        .block_override_dns_type
        .or_else(|| rule.block_override_domain.as_ref().map(|_| "CNAME".into()));
    let ttl = req
        .block_override_ttl
        .or_else(|| rule.block_override_ttl.map(i64::from));
    // Moving away from BLOCK drops the block fields kept from before.
    let keep_block = action == FirewallAction::Block;
    let (block_response, block_override_domain, block_override_ttl) = check_action(
        action,
        response.as_deref().filter(|_| keep_block),
        domain.as_deref().filter(|_| keep_block),
        dns_type.as_deref().filter(|_| keep_block),
        ttl.filter(|_| keep_block),
    )?;
    rule.action = action;
    rule.block_response = block_response;
    rule.block_override_domain = block_override_domain;
    rule.block_override_ttl = block_override_ttl;
    if let Some(t) = req.redirection_action.as_deref() {
        rule.redirection_action = parse_enum(
            FirewallField::RedirectionAction,
            t,
            RedirectionAction::parse,
        )?;
    }
    rule.modified_at_ms = now_ms;
    Ok(rule)
}

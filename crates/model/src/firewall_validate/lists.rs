//! Domain lists, their domains, and rule groups.

use super::*;

/// CreateFirewallDomainList; a repeated `CreatorRequestId` returns the list made then
/// (`false`: nothing to write).
pub fn create_domain_list(
    fw: &FirewallContents,
    req: NewNamed,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallDomainList, bool)> {
    check_name(&req.name)?;
    if let Some(existing) = fw.domain_lists.iter().find(|l| {
        l.owner_account == req.owner_account && l.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    let list = FirewallDomainList {
        id,
        name: req.name,
        creator_request_id: req.creator_request_id,
        status: DomainListStatus::Complete,
        status_message: Some("Created Firewall Domain List".into()),
        managed_owner_name: None,
        domain_count: 0,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((list, true))
}

/// DeleteFirewallDomainList: refused for managed lists and lists a rule uses.
pub fn delete_domain_list(fw: &FirewallContents, id: &str) -> FirewallResult<FirewallDomainList> {
    let list = find_domain_list(fw, id)?;
    if list.managed_owner_name.is_some() {
        return Err(FirewallError::ManagedDomainList(id.to_string()));
    }
    if let Some(rule) = fw.rules.iter().find(|r| r.domain_list_id == id) {
        return Err(FirewallError::DomainListInUse {
            list: id.to_string(),
            group: rule.rule_group_id.clone(),
        });
    }
    Ok(list.clone())
}

/// UpdateFirewallDomains before it is applied: the list exists and is the user's, and the
/// domains are valid and few enough. Returns them trimmed.
pub fn check_domain_update(
    fw: &FirewallContents,
    id: &str,
    domains: &[String],
) -> FirewallResult<Vec<String>> {
    let list = find_domain_list(fw, id)?;
    if list.managed_owner_name.is_some() {
        return Err(FirewallError::ManagedDomainList(id.to_string()));
    }
    if domains.len() > MAX_DOMAINS_PER_UPDATE {
        return Err(FirewallError::TooManyDomainsInRequest(domains.len()));
    }
    check_domains(domains)
}

/// ImportFirewallDomains before it is applied: the list exists (managed ones included:
/// importing is how the operator fills them) and the file's lines are valid domains.
/// Blank lines and `#` comments are skipped.
pub fn check_import(fw: &FirewallContents, id: &str, text: &str) -> FirewallResult<Vec<String>> {
    find_domain_list(fw, id)?;
    let domains: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if domains.len() > MAX_DOMAINS_PER_IMPORT {
        return Err(FirewallError::TooManyDomainsInRequest(domains.len()));
    }
    check_domains(&domains)
}

/// The list after its domains changed: its new count, after the quota check.
pub fn domains_changed(
    list: &FirewallDomainList,
    count: u64,
    now_ms: i64,
) -> FirewallResult<FirewallDomainList> {
    if count > MAX_DOMAINS_PER_LIST {
        return Err(FirewallError::TooManyDomains(count));
    }
    let mut list = list.clone();
    list.domain_count = count as u32;
    list.status = DomainListStatus::Complete;
    list.status_message = Some("Finished domain list update".into());
    list.modified_at_ms = now_ms;
    Ok(list)
}

//------------ rule groups -----------------------------------------------------------------

/// CreateFirewallRuleGroup; a repeated `CreatorRequestId` returns the group made then.
pub fn create_rule_group(
    fw: &FirewallContents,
    req: NewNamed,
    id: String,
    now_ms: i64,
) -> FirewallResult<(FirewallRuleGroup, bool)> {
    check_name(&req.name)?;
    if let Some(existing) = fw.rule_groups.iter().find(|g| {
        g.owner_account == req.owner_account && g.creator_request_id == req.creator_request_id
    }) {
        return Ok((existing.clone(), false));
    }
    let group = FirewallRuleGroup {
        id,
        name: req.name,
        creator_request_id: req.creator_request_id,
        status: FirewallStatus::Complete,
        share_status: ShareStatus::NotShared,
        owner_account: req.owner_account,
        created_at_ms: now_ms,
        modified_at_ms: now_ms,
    };
    Ok((group, true))
}

/// DeleteFirewallRuleGroup: refused while associated with a VPC or holding rules.
pub fn delete_rule_group(fw: &FirewallContents, id: &str) -> FirewallResult<FirewallRuleGroup> {
    let group = find_rule_group(fw, id)?;
    if let Some(a) = fw.associations.iter().find(|a| a.rule_group_id == id) {
        return Err(FirewallError::RuleGroupAssociated {
            group: id.to_string(),
            vpc: a.vpc_id.clone(),
        });
    }
    if rule_count(fw, id) > 0 {
        return Err(FirewallError::RuleGroupHasRules(id.to_string()));
    }
    Ok(group.clone())
}
